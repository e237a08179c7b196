/**
 * The audit rows a save stages in the SSODB data file (issue 16, fifth round): the prune that
 * kept them within the audit retention ran at every save, a quarter of a save's statement time,
 * although it can delete nothing by count until the staged rows span `maxRows` ids. Counted on a
 * real file through openStore, as the service opens it; the statement runs for real, only counted.
 * (Adapted from the save1 branch's savePages.test.ts, whose schema change was not merged.)
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import nodeSqlite3Wasm from 'node-sqlite3-wasm';
import { openStore } from '../../../src/ssoService/ssodb/openStore';
import { sideFileFor } from '../../../src/ssoService/ssodb/sideFiles';
import { SqliteConnection } from '../../../src/ssoService/ssodb/sqliteConnection';
import { createSqliteStore } from '../../../src/ssoService/ssodb/sqliteStore';
import { SQLITE_SQL } from '../../../src/ssoService/ssodb/sqliteSql';
import { OWN_LOCK_TARGET } from '../../../src/ssoService/ssodb/symlinkLock';
import type { ComposeSave, SsoStore } from '../../../src/ssoService/ssodb/store';
import { app } from './storeContract';

const HISTORY = { savedBy: 'u', change: 'set' as const, changedFields: ['F'], keep: 20, maxAgeMs: 86_400_000 };
const RETENTION = { maxRows: 100_000, maxAgeMs: 30 * 86_400_000 };

let scratch: string;
before(() => {
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'staged-prune-'));
});
after(() => fs.rmSync(scratch, { recursive: true, force: true }));

function composeFor(identifier: string, fill: number, retention = RETENTION): ComposeSave {
  return () => ({
    identifier,
    msid: 'm1',
    ciphertext: Buffer.alloc(1200, fill),
    history: HISTORY,
    audit: { entry: { user: 'u', action: 'config.set', outcome: 'ok' as const, application: 'Pages', identifier }, retention },
  });
}

/** How many times `sql` runs while `operation` runs. */
async function runsDuring(sql: string, operation: () => Promise<unknown>): Promise<number> {
  let runs = 0;
  const proto = SqliteConnection.prototype as unknown as { run: (this: SqliteConnection, text: string, params?: unknown) => number };
  const original = proto.run;
  proto.run = function (this: SqliteConnection, text: string, params?: unknown) {
    if (text === sql) runs++;
    return original.call(this, text, params);
  };
  try {
    await operation();
  } finally {
    proto.run = original;
  }
  return runs;
}

async function saver(store: SsoStore): Promise<(s: number, retention?: typeof RETENTION) => Promise<void>> {
  await store.createApplication(app('Pages'));
  const versions = new Map<string, string>();
  for (let r = 0; r < 5; r++) versions.set(`row-${r}`, (await store.putCredentials('Pages', `row-${r}`, null, 'm1', Buffer.alloc(1200, r))).timestamp);
  return async (s, retention = RETENTION) => {
    const id = `row-${s % 5}`;
    versions.set(id, (await store.saveConfiguration!('Pages', id, versions.get(id)!, composeFor(id, s, retention))).timestamp);
  };
}

test('staged audit rows are not pruned at each save while they span fewer ids than the retention keeps, and stay within it while they cannot move', async () => {
  const file = path.join(scratch, 'prune.sqlite');
  const store = await openStore({ kind: 'sqlite', file, busyTimeoutMs: 300 });
  const stagedRows = () => {
    const db = new nodeSqlite3Wasm.Database(file);
    try {
      return (db.all('SELECT au_id AS id FROM SSOX_AuditTable') as { id: number }[]).length;
    } finally {
      db.close();
    }
  };
  const auditFile = sideFileFor(file, 'audit');
  try {
    const save = await saver(store);
    assert.equal(await runsDuring(SQLITE_SQL.pruneAudit, async () => {
      for (let s = 0; s < 10; s++) await save(s);
    }), 0, 'no prune while the staged rows are far below the retention');

    // The audit file's lock held by a live owner (this process, outside any store operation): no move can happen.
    fs.symlinkSync(OWN_LOCK_TARGET, `${auditFile}.lock`);
    try {
      const small = { maxRows: 3, maxAgeMs: RETENTION.maxAgeMs };
      const pruned = await runsDuring(SQLITE_SQL.pruneAudit, async () => {
        for (let s = 0; s < 12; s++) await save(100 + s, small);
      });
      assert.ok(pruned > 0, 'pruned once past the bound');
      assert.ok(stagedRows() <= small.maxRows, `staged rows within the bound: ${stagedRows()}`);
      // Past their age limit, staged rows go at the next save too, however few they are.
      const young = { maxRows: RETENTION.maxRows, maxAgeMs: 1 };
      const aged = await runsDuring(SQLITE_SQL.pruneAudit, async () => {
        for (let s = 0; s < 3; s++) {
          await new Promise((resolve) => setTimeout(resolve, 5));
          await save(200 + s, young);
        }
      });
      assert.equal(aged, 3, 'pruned at each save while the oldest staged row is past the age limit');
      assert.equal(stagedRows(), 1, 'only the row just written is within the age limit');
    } finally {
      fs.unlinkSync(`${auditFile}.lock`);
    }
  } finally {
    await store.close();
  }
});

test('a data file used alone (its audit table is the audit) still prunes at every write', async () => {
  const store = createSqliteStore({ file: path.join(scratch, 'alone.sqlite'), busyTimeoutMs: 300 });
  await store.init();
  try {
    const save = await saver(store);
    assert.equal(await runsDuring(SQLITE_SQL.pruneAudit, async () => {
      for (let s = 0; s < 4; s++) await save(s);
    }), 4);
  } finally {
    await store.close();
  }
});
