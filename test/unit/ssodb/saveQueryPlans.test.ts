/**
 * What a save costs must not grow with the store (issue 16, fourth round): every statement the
 * embedded store runs for `config.set` of an existing row that keeps its version (the row, the
 * kept version and its retention, the staged audit row) finds its rows through an index, as SQLite
 * plans it on a real SSODB file. A full scan of the history there read every kept version's row
 * at every save (recordExpiringHistory chose the history's key order for its GROUP BY).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import nodeSqlite3Wasm from 'node-sqlite3-wasm';
import { SQLITE_SQL } from '../../../src/ssoService/ssodb/sqliteSql';
import { createSqliteStore } from '../../../src/ssoService/ssodb/sqliteStore';

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
