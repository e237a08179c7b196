/**
 * ssoctl as a script uses it (review 10): output through a pipe arrives whole, long lists are not
 * cut at one page, exit codes tell "none"/"differs" from a failure, stored text cannot rewrite the
 * terminal, and text from Windows tools (byte order mark, UTF-16) is read as the text it is.
 * Built CLI against a real service (MSS and service as child processes, embedded SSODB).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { closeSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { SsoClient } from '../../src/ssoClient/client';
import { SSOCTL, TestEnvironment } from './harness';

const APP = 'Contoso.Cli.Automation';
const MANY = 1_100;
const PASSWORD = 'Str0ng-Passw0rd!x';
const ESC = '\u001b';
const HOSTILE = `evil${ESC}[2J${ESC}]0;pwned\u0007\nFORGED\tLINE\u202e`;

describe('ssoctl in scripts', () => {
  let t: TestEnvironment;
  let c: SsoClient;
  const file = (name: string) => join(t.dir, '..', `cli-automation-${name}`);

  before(async () => {
    t = await TestEnvironment.started();
    c = await t.client();
    const app = await c.request('apps.create', { name: APP, kind: 'configStore', fields: ['Url', 'Note', 'A', 'B', 'C'].map((label) => ({ label, masked: false })) });
    for (let from = 0; from < MANY; from += 500) {
      const writes = Array.from({ length: Math.min(500, MANY - from) }, (_, i) => ({ identifier: `Port${String(from + i).padStart(5, '0')}`, expectedTimestamp: null, fields: { Url: `https://host/${from + i}`, Note: '', A: '', B: '', C: '' } }));
      await c.request('config.setMany', { application: APP, expectedFieldsVersion: app.fieldsVersion as string, writes });
    }
    await c.request('config.set', { application: APP, identifier: 'Big', fields: { Url: 'u', Note: 'n'.repeat(250_000), A: 'a'.repeat(250_000), B: 'b'.repeat(250_000), C: 'c'.repeat(250_000) }, expectedTimestamp: null });
    await c.request('config.set', { application: APP, identifier: 'Hostile', fields: { Url: HOSTILE, Note: 'needle-in-hostile', A: '', B: '', C: '' }, expectedTimestamp: null });
  });
  after(async () => {
    for (const name of ['list.json', 'get.json', 'bom.backup', 'utf16.backup', 'values.json', 'export.entsso']) rmSync(file(name), { force: true });
    await t?.dispose();
  });

  /** The same command with stdout redirected to a file: written synchronously, never cut. */
  function toFile(name: string, args: string[]): string {
    const fd = openSync(file(name), 'w');
    try {
      const r = spawnSync(process.execPath, [SSOCTL, ...args, '--dir', t.dir], { stdio: ['ignore', fd, 'pipe'], encoding: 'utf8', timeout: 120_000 });
      assert.equal(r.status, 0, r.stderr);
    } finally {
      closeSync(fd);
    }
    return readFileSync(file(name), 'utf8');
  }

  test('F2: a --json document of more than 1 MB arrives whole through a pipe, as in a file', () => {
    for (const [name, args] of [
      ['list.json', ['config', 'list', APP, '--json']],
      ['get.json', ['config', 'get', APP, 'Big', '--json']],
    ] as const) {
      const piped = t.ssoctl([...args]);
      assert.equal(piped.code, 0, piped.stderr);
      const inFile = toFile(name, [...args]);
      assert.ok(inFile.length > 64 * 1024, `${name}: ${inFile.length} characters, more than a pipe takes at once`);
      assert.equal(piped.stdout.length, inFile.length, `${name}: the pipe got ${piped.stdout.length} of ${inFile.length} characters`);
      JSON.parse(piped.stdout);
    }
  });

  test('F6: config list gives every configuration, says so when --limit leaves some out, and goes on from --cursor', () => {
    const all = JSON.parse(t.ssoctl(['config', 'list', APP, '--json']).stdout) as { items: unknown[]; nextCursor?: string };
    assert.equal(all.items.length, MANY + 2);
    assert.equal(all.nextCursor, undefined);

    const first = t.ssoctl(['config', 'list', APP, '--limit', '1050']);
    assert.equal(first.code, 0, first.stderr);
    assert.equal(first.stdout.trim().split('\n').length, 1 + 1050, 'header and 1,050 rows');
    const cursor = /--cursor (\S+)\)/.exec(first.stderr)?.[1];
    assert.ok(cursor, `stderr says more follow: ${first.stderr}`);
    const rest = JSON.parse(t.ssoctl(['config', 'list', APP, '--cursor', cursor, '--json']).stdout) as { items: unknown[] };
    assert.equal(rest.items.length, MANY + 2 - 1050);

    const audit = t.ssoctl(['audit', '--limit', '1500', '--json']);
    assert.equal(audit.code, 0, audit.stderr);
    assert.ok((JSON.parse(audit.stdout) as unknown[]).length > 0);
  });

  test('F9: grep takes the pattern from stdin; "none" is 1', () => {
    const found = t.ssoctl(['config', 'grep', '--pattern-stdin', '--app', APP], 'Needle-In-Hostile\r\n');
    assert.equal(found.code, 0, found.stderr);
    assert.match(found.stdout, /^Contoso\.Cli\.Automation\tHostile\tNote\t/);
    assert.equal(t.ssoctl(['config', 'grep', '--pattern-stdin'], 'no-such-value-anywhere\n').code, 1);
  });

  test('F9/F14: a failed grep or compare exits 10, not 1 ("none", "differs"); compare names the unknown application', () => {

    const failed = t.ssoctl(['config', 'grep', 'anything', '--app', 'No.Such.App']);
    assert.equal(failed.code, 10, failed.stderr);
    assert.match(failed.stderr, /ENTSSO_E_APPLICATION_NOT_FOUND/);

    const compared = t.ssoctl(['compare', 'No.Such.App', '--with', t.dir]);
    assert.equal(compared.code, 10, compared.stderr);
    assert.match(compared.stderr, /There is no application "No\.Such\.App" in .* or in .*Check the name \("ssoctl app list"\)\. \[ENTSSO_E_APPLICATION_NOT_FOUND\]/);
  });

  test('F10: stored text is escaped on the terminal (config get, grep, history, app show); --json keeps it exact', async () => {
    const get = t.ssoctl(['config', 'get', APP, 'Hostile']);
    const grep = t.ssoctl(['config', 'grep', 'evil', '--app', APP]);
    const doc = await c.request('config.get', { application: APP, identifier: 'Hostile' });
    await c.request('config.set', { application: APP, identifier: 'Hostile', fields: { Url: 'replaced', Note: 'needle-in-hostile', A: '', B: '', C: '' }, expectedTimestamp: doc.timestamp });
    const runs = { get, grep, history: t.ssoctl(['history', APP, 'Hostile', '--version', '1']) };
    for (const [name, r] of Object.entries(runs)) {
      assert.equal(r.code, 0, `${name}: ${r.stderr}`);
      assert.ok(!r.stdout.includes(ESC) && !r.stdout.includes('\u202e'), `${name}: raw control characters in ${JSON.stringify(r.stdout)}`);
      assert.doesNotMatch(r.stdout, /^FORGED/m, `${name}: a value forged a line`);
    }
    assert.equal(runs.get.stdout.trim().split('\n').length, 7, 'header, five fields, timestamp');
    assert.match(runs.history.stdout, /evil\\u\{1b\}\[2J/);
    assert.equal(runs.grep.stdout.trim().split('\n').length, 1);

    const json = JSON.parse(t.ssoctl(['history', APP, 'Hostile', '--version', '1', '--json']).stdout) as { fields: Record<string, string> };
    assert.equal(json.fields.Url, HOSTILE, '--json stays exact');

    const created = t.ssoctl(['app', 'create', 'Contoso.Cli.Described', '--field', 'A', '--description', `x${ESC}[2Jy`]);
    assert.equal(created.code, 0, created.stderr);
    for (const r of [t.ssoctl(['app', 'show', 'Contoso.Cli.Described']), t.ssoctl(['app', 'list'])]) assert.ok(!r.stdout.includes(ESC), JSON.stringify(r.stdout));
  });

  test('F1: a password file with a byte order mark (UTF-8, UTF-16) makes a backup that opens with the typed password', () => {
    const inputs = { 'bom.backup': Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(`${PASSWORD}\r\n`)]), 'utf16.backup': Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(`${PASSWORD}\r\n`, 'utf16le')]) };
    for (const [name, bytes] of Object.entries(inputs)) {
      const backup = spawnSync(process.execPath, [SSOCTL, 'secret', 'backup', '--file', file(name), '--password-stdin', '--dir', t.dir], { input: bytes, encoding: 'utf8' });
      assert.equal(backup.status, 0, backup.stderr);
      const verify = t.ssoctl(['secret', 'verify', '--file', file(name), '--password-stdin'], `${PASSWORD}\n`);
      assert.equal(verify.code, 0, `${name}: the password as typed opens it: ${verify.stderr}`);
    }
    // UTF-16 without a mark reads as text with NULs: no prompt could type that password.
    const unmarked = spawnSync(process.execPath, [SSOCTL, 'secret', 'verify', '--file', file('bom.backup'), '--password-stdin', '--dir', t.dir], { input: Buffer.from(`${PASSWORD}\r\n`, 'utf16le'), encoding: 'utf8' });
    assert.equal(unmarked.status, 2, unmarked.stderr);
    assert.match(unmarked.stderr, /control character that no prompt can type/);
    assert.ok(!unmarked.stderr.includes('Str0ng'), 'the password is never echoed');
  });

  test('F12: a values file saved with a byte order mark is read', async () => {
    writeFileSync(file('values.json'), Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"Url":"https://bom"}\r\n')]));
    const r = t.ssoctl(['config', 'set', APP, 'Port00000', '--file', file('values.json')]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal((await c.request('config.get', { application: APP, identifier: 'Port00000' })).fields.Url, 'https://bom');
  });

  test('F15: app import --json without --yes or --dry-run is refused before anything is planned', () => {
    const exported = t.ssoctl(['app', 'export', APP, '--file', file('export.entsso'), '--password-stdin'], `${PASSWORD}\n`);
    assert.equal(exported.code, 0, exported.stderr);
    const r = t.ssoctl(['app', 'import', '--file', file('export.entsso'), '--mode', 'mirror', '--json', '--password-stdin'], `${PASSWORD}\n`);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /--json needs --dry-run \(print the plan\) or --yes \(apply it\)/);
  });
});
