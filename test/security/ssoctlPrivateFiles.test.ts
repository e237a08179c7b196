/**
 * Review 5, finding 4: `ssoctl app export --force`, `secret backup --force` and `secret generate
 * --force` replaced an existing file with writeFileSync(…, { mode: 0o600 }), a mode that applies
 * only to a NEW file: a 0644 file stayed readable by every local user, now holding the export or
 * the master secret backup. Each must leave an owner-only file, and nothing else beside it.
 * Real processes: an SSO environment and ssoctl.
 */
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { TestEnvironment } from '../integration/harness';

const PASSWORD = 'correct horse battery staple 42';

describe('ssoctl --force over an existing file', { skip: process.platform === 'win32' ? 'POSIX modes only' : false }, () => {
  let t: TestEnvironment;
  let scratch: string;
  before(async () => {
    t = await TestEnvironment.started();
    scratch = mkdtempSync(join(tmpdir(), 'ssoctl-private-'));
    const c = await t.client();
    await c.request('apps.create', { name: 'Force.App', kind: 'configStore', fields: [{ label: 'Url', masked: false }, { label: 'Password', masked: true }] });
    await c.request('config.set', { application: 'Force.App', identifier: 'ConfigProperties', fields: { Url: 'u', Password: 'p' }, expectedTimestamp: null });
  });
  after(async () => {
    await t?.dispose();
    rmSync(scratch, { recursive: true, force: true });
  });

  for (const [what, args] of [
    ['app export (entsso)', ['app', 'export', 'Force.App', '--force', '--file']],
    ['app export (.sso)', ['app', 'export', 'Force.App', '--force', '--file']],
    ['secret backup', ['secret', 'backup', '--force', '--file']],
    ['secret generate', ['secret', 'generate', '--force', '--file']],
  ] as const) {
    test(`${what} leaves the replaced file owner-only, with the new contents`, () => {
      const file = join(scratch, what.includes('.sso') ? 'Force.App.sso' : `${what.replace(/\W+/g, '-')}.out`);
      writeFileSync(file, 'old');
      chmodSync(file, 0o644);
      const r = t.ssoctl([...args, file, '--password-stdin'], PASSWORD + '\n');
      assert.equal(r.code, 0, r.stderr);
      assert.equal(statSync(file).mode & 0o077, 0, `${file} is ${(statSync(file).mode & 0o777).toString(8)} after ${what} --force`);
      assert.notEqual(readFileSync(file, 'latin1'), 'old');
      assert.deepEqual(readdirSync(scratch).filter((n) => n.endsWith('.tmp')), [], 'no temporary file left');
    });
  }
});
