/**
 * Bugs the service turns into a generic answer still leave a trace in its log, by type and code
 * location, never their message (it may quote a value): an unexpected error while a save is
 * prepared (real SQLite store), and SQLite's WebAssembly compiled before the service could keep it
 * on V8's baseline compiler (a real child process: V8 flags are per process).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { SsoError } from '../../../src/protocol/errors';
import { createSqliteStore } from '../../../src/ssoService/ssodb/sqliteStore';

const ROOT = path.join(__dirname, '..', '..', '..');

test('an unexpected error while a save is prepared: ENTSSO_E_INTERNAL, and its type and place in the log without its message', async () => {
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'compose-save-log-'));
  const log: string[] = [];
  const store = createSqliteStore({ file: path.join(scratch, 'ssodb.sqlite'), log: (m) => log.push(m) });
  try {
    await store.init();
    const bug = () => {
      throw new TypeError('value Hunter2-Pa55 in the message');
    };
    await assert.rejects(store.saveConfiguration('App', 'Id', null, bug), (err: unknown) => err instanceof SsoError && err.code === 'ENTSSO_E_INTERNAL');
    assert.equal(log.length, 1, log.join('\n'));
    assert.match(log[0]!, /^unexpected error while preparing a save: TypeError \| at /);
    assert.ok(!log[0]!.includes('Hunter2'), log[0]);
  } finally {
    await store.close();
    fs.rmSync(scratch, { recursive: true, force: true });
  }
});

function serviceStartLog(sqliteOpenedFirst: boolean): string {
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'baseline-log-'));
  const script = `
    (async () => {
      if (${sqliteOpenedFirst}) {
        const store = require('./src/ssoService/ssodb/sqliteStore').createSqliteStore({ file: ${JSON.stringify(path.join(scratch, 'early.sqlite'))} });
        await store.init();
        await store.close();
      }
      require('./src/ssoService/daemon').compileSqliteForService((m) => process.stdout.write('LOG ' + m + '\\n'));
    })();
  `;
  try {
    const r = spawnSync(process.execPath, ['--import', 'tsx', '-e', script], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
    assert.equal(r.status, 0, r.stderr.slice(0, 2000));
    return r.stdout;
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

test("SQLite compiled before the service starts: one log line says it is not on V8's baseline compiler; none otherwise", () => {
  assert.match(serviceStartLog(true), /^LOG SQLite's WebAssembly was compiled before the service could keep it on V8's baseline compiler/);
  assert.equal(serviceStartLog(false), '');
});
