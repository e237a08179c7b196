/**
 * What a save costs (issue 16, fourth round). It must not grow with the store: every statement
 * the embedded store runs for `config.set` of an existing row that keeps its version (the row,
 * the kept version and its retention, the staged audit row) finds its rows through an index, as
 * SQLite plans it on a real SSODB file. A full scan of the history there read every kept
 * version's row at every save (recordExpiringHistory chose the history's key order for its
 * GROUP BY). And a save looks its application and row up once, in its transaction.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import nodeSqlite3Wasm from 'node-sqlite3-wasm';
import { SsoError } from '../../../src/protocol/errors';
import { SqliteConnection } from '../../../src/ssoService/ssodb/sqliteConnection';
import { SQLITE_SQL } from '../../../src/ssoService/ssodb/sqliteSql';
import { createSqliteStore } from '../../../src/ssoService/ssodb/sqliteStore';
import { app } from './storeContract';

/** The statements of one save, in the order SqliteStore.saveConfiguration runs them. */
const SAVE_STATEMENTS = [
  'applicationName',
  'fields',
  'credentials',
  'nextRowVersion',
  'insertHistory',
  'pruneHistory',
  'recordExpiringHistory',
  'expireHistory',
  'updateCredentials',
  'insertAudit',
] as const;

/**
 * pruneAudit (run with each staged audit row) reads the staged audit table in id order up to its
 * limit: that table holds only the rows staged since the last move (moved within a second), so
 * it does not grow with the store.
 */
const BOUNDED_BY_DESIGN = ['pruneAudit'] as const;

let scratch: string;
let db: nodeSqlite3Wasm.Database;

before(async () => {
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'save-plans-'));
  const file = path.join(scratch, 'ssodb.sqlite');
  const store = createSqliteStore({ file });
  await store.init();
  await store.close();
  db = new nodeSqlite3Wasm.Database(file);
});

after(() => {
  db?.close();
  fs.rmSync(scratch, { recursive: true, force: true });
});

/** SQLite's plan of `sql`, one line per step ("SEARCH t USING INDEX ...", "SCAN t", ...). */
function planOf(sql: string): string[] {
  const params = Object.fromEntries([...sql.matchAll(/:(\w+)/g)].map((match) => [`:${match[1]}`, 1]));
  return (db.all(`EXPLAIN QUERY PLAN ${sql}`, params) as { detail: string }[]).map((row) => row.detail);
}

describe('the statements of a save on the embedded store', () => {
  for (const name of SAVE_STATEMENTS) {
    it(`${name} scans no table of SSODB`, () => {
      // "SCAN <cte or subquery>" reads rows already found through an index; "SCAN SSOX_..." reads a table.
      const scans = planOf(SQLITE_SQL[name]).filter((step) => /^SCAN SSOX_/.test(step));
      assert.deepEqual(scans, [], `${name} plans a full scan: ${planOf(SQLITE_SQL[name]).join(' | ')}`);
    });
  }

  it('recordExpiringHistory finds the expiring versions through the saved-at index', () => {
    const plan = planOf(SQLITE_SQL.recordExpiringHistory);
    assert.ok(
      plan.some((step) => step.includes('SSOX_ConfigHistory USING') && step.includes('IX_SSOX_ConfigHistory_saved_at')),
      `plan: ${plan.join(' | ')}`,
    );
  });

  it('the one statement allowed to scan reads only the staged audit rows, up to its limit', () => {
    for (const name of BOUNDED_BY_DESIGN) {
      assert.match(SQLITE_SQL[name], /FROM SSOX_AuditTable ORDER BY au_id LIMIT :limit/);
    }
  });
});

/** The SQL texts the store runs while `operation` runs (real statements, only listened to). */
async function statementsDuring(operation: () => Promise<unknown>): Promise<string[]> {
  const seen: string[] = [];
  const proto = SqliteConnection.prototype as unknown as Record<'rows' | 'run', (this: SqliteConnection, sql: string, params?: unknown) => unknown>;
  const originals = { rows: proto.rows, run: proto.run };
  for (const name of ['rows', 'run'] as const) {
    proto[name] = function (this: SqliteConnection, sql: string, params?: unknown) {
      seen.push(sql);
      return originals[name].call(this, sql, params);
    };
  }
  try {
    await operation();
  } finally {
    proto.rows = originals.rows;
    proto.run = originals.run;
  }
  return seen;
}

describe('a save on the embedded store', () => {
  it('looks its application and its row up once, and still refuses a stale version or a create over a row', async () => {
    const store = createSqliteStore({ file: path.join(scratch, 'lookups.sqlite') });
    await store.init();
    try {
      await store.createApplication(app('Once'));
      const first = await store.putCredentials('Once', 'Row', null, 'm1', Buffer.from('v1'));
      const compose = (found: Parameters<Parameters<NonNullable<typeof store.saveConfiguration>>[3]>[0]) => ({
        identifier: found?.row?.identifier ?? 'Row',
        msid: 'm1',
        ciphertext: Buffer.from('v2'),
        history: { savedBy: 'u', change: 'set' as const, changedFields: [], keep: 20, maxAgeMs: 86_400_000 },
        audit: { entry: { user: 'u', action: 'config.set', outcome: 'ok' as const } },
      });
      let saved: Awaited<ReturnType<NonNullable<typeof store.saveConfiguration>>> | undefined;
      const statements = await statementsDuring(async () => {
        saved = await store.saveConfiguration('Once', 'Row', first.timestamp, compose);
      });
      const count = (sql: string) => statements.filter((s) => s === sql).length;
      assert.deepEqual(
        { applicationName: count(SQLITE_SQL.applicationName), credentials: count(SQLITE_SQL.credentials) },
        { applicationName: 1, credentials: 1 },
      );
      assert.equal(Buffer.from((await store.readConfiguration('Once', 'Row'))!.row!.ciphertext).toString(), 'v2');
      assert.deepEqual((await store.listHistory('Once', 'Row', { limit: 10 })).map((v) => v.version), [1], 'the replaced version is kept');

      await assert.rejects(store.saveConfiguration('Once', 'Row', first.timestamp, compose), (e) => e instanceof SsoError && e.code === 'ENTSSO_E_CONFLICT');
      await assert.rejects(store.saveConfiguration('Once', 'Row', null, compose), (e) => e instanceof SsoError && e.code === 'ENTSSO_E_CONFLICT');
      assert.equal((await store.readConfiguration('Once', 'Row'))!.row!.timestamp, saved!.timestamp, 'nothing written by the refusals');
    } finally {
      await store.close();
    }
  });
});
