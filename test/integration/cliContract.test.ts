/**
 * ssoctl's contract, through the built CLI against a real service (MSS and service as child
 * processes, embedded SSODB): every refusal has its own code and exit code, deletions are
 * confirmed with --yes alike, and arguments are parsed strictly (`--`, per-verb --help).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { SsoClient } from '../../src/ssoClient/client';
import { TestEnvironment, ssoctl } from './harness';

const APP = 'Contoso.Cli.Contract';

/** ssoctl VERB --dir D ARGS…: the folder before the arguments, so that it is never after a "--". */
function inEnvironment(t: TestEnvironment, verb: string, ...args: string[]) {
  return ssoctl([verb, '--dir', t.dir, ...args]);
}

describe('ssoctl contract with real processes', () => {
  let t: TestEnvironment;
  let c: SsoClient;

  before(async () => {
    t = await TestEnvironment.started({ syncIntervalSeconds: 1 });
    c = await t.client();
    await c.request('apps.create', { name: APP, kind: 'configStore', fields: [{ label: 'Url', masked: false }] });
  });
  after(async () => t?.dispose());

  test('init over an existing environment: ENTSSO_E_ENVIRONMENT_EXISTS, exit code 7', () => {
    const r = ssoctl(['init', '--dir', t.dir, '--mss-port', '0']);
    assert.equal(r.code, 7, r.stderr);
    assert.match(r.stderr, /An SSO environment already exists in .*Use it, or choose another folder\. \[ENTSSO_E_ENVIRONMENT_EXISTS\]/);
  });

  test('a second service on the same socket: ENTSSO_E_ALREADY_RUNNING, exit code 6, the first keeps serving', async () => {
    const r = inEnvironment(t, 'serve', '--service');
    assert.equal(r.code, 6, r.stderr);
    assert.match(r.stderr, /Another SSO service is already listening at .*Stop it first\. \[ENTSSO_E_ALREADY_RUNNING\]/);
    assert.equal((await c.request('apps.list', {})).items.some((a) => a.name === APP), true);
    const status = inEnvironment(t, 'status');
    assert.equal(status.code, 0, `the first service's socket is still there for new clients: ${status.stderr}`);
  });

  test('config delete needs --yes, as app delete does; --expect-timestamp is optional and checked when given', async () => {
    await c.request('config.set', { application: APP, identifier: 'Doomed', fields: { Url: 'https://a' }, expectedTimestamp: null });
    const unconfirmed = inEnvironment(t, 'config', 'delete', APP, 'Doomed');
    assert.equal(unconfirmed.code, 2, unconfirmed.stderr);
    assert.match(unconfirmed.stderr, /Deleting "Doomed" removes every value stored in it\. Repeat with --yes to confirm/);
    assert.equal((await c.request('config.get', { application: APP, identifier: 'Doomed' })).fields.Url, 'https://a', 'still there');

    const stale = inEnvironment(t, 'config', 'delete', APP, 'Doomed', '--yes', '--expect-timestamp', '1');
    assert.equal(stale.code, 3, stale.stderr);
    assert.match(stale.stderr, /\[ENTSSO_E_CONFLICT\]/);

    const deleted = inEnvironment(t, 'config', 'delete', APP, 'Doomed', '--yes');
    assert.equal(deleted.code, 0, deleted.stderr);
    assert.equal((await c.request('identifiers.list', { application: APP })).items.length, 0);
  });

  test('per-verb --help prints that verb\'s usage only, and exits 0', () => {
    const r = inEnvironment(t, 'config', '--help');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /config list APP \[--limit N\] \[--cursor C\] \| get APP ID/);
    assert.match(r.stdout, /Exit codes: 0 ok, 1 failed, 2 usage.* 10 failed where 1 is an answer/s, 'the exit codes too');
    assert.match(r.stdout, /delete APP ID --yes \[--expect-timestamp T\]/);
    assert.doesNotMatch(r.stdout, /secret info|mss list|app list/);
  });

  test('after "--" every word is a name, even one that looks like an option', () => {
    const r = inEnvironment(t, 'app', 'show', '--', '--json');
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /\[ENTSSO_E_APPLICATION_NOT_FOUND\]/);
    assert.doesNotMatch(r.stdout, /^\{/, 'no JSON: --json was a name here');
  });

  test('strict parsing: unknown options, missing values and repeated options are usage errors (exit 2)', () => {
    for (const [args, message] of [
      [['app', 'list', '--colour'], /Unknown option '--colour'/],
      [['config', 'set', APP, 'X', '--file'], /Option '--file <value>' argument missing/],
      [['config', 'set', APP, 'X', '--file', '--json'], /Option '--file' argument is ambiguous/],
      [['app', 'list', '--filter', 'a', '--filter', 'b'], /--filter is given twice/],
      [['app', 'delete', APP, '--yes=no'], /Option '--yes' does not take an argument/],
    ] as const) {
      const [verb, ...rest] = args;
      const r = inEnvironment(t, verb, ...rest);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, message, args.join(' '));
    }
  });
});
