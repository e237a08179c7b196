/**
 * The process-wide `fs.accessSync` patch (src/ssoService/ssodb/reservedLockFix.ts) works around
 * a defect of node-sqlite3-wasm: its VFS tells SQLite that another connection holds the reserved
 * lock whenever `<file>.lock` exists, including when the asker holds it, so a hot journal left
 * by a dead writer is never rolled back.
 *
 * The first test shows the defect in the library as installed, without the patch. It FAILS when
 * upstream fixes the defect: then reservedLockFix.ts is no longer needed (delete it and its
 * calls, and this file). The second shows that the patch makes the same connection roll back.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import nodeSqlite3Wasm from 'node-sqlite3-wasm';
import { installReservedLockFix, whileLockReportedAbsent } from '../../../src/ssoService/ssodb/reservedLockFix';

const ROWS = 200;
const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'entsso-reserved-lock-'));
after(() => fs.rmSync(directory, { recursive: true, force: true }));

/**
 * A database file with half-written pages and the hot journal that undoes them, as a writer
 * killed mid-transaction leaves them: copied while a transaction with a tiny page cache (so its
 * changed pages reach the file before COMMIT) is open, then that transaction is rolled back.
 */
function crashedCopy(name: string): string {
  const file = path.join(directory, `${name}-live.sqlite`);
  const db = new nodeSqlite3Wasm.Database(file);
  try {
    db.exec('PRAGMA journal_mode = TRUNCATE; PRAGMA synchronous = FULL; CREATE TABLE t (id INTEGER PRIMARY KEY, v BLOB)');
    db.exec('BEGIN');
    for (let i = 0; i < ROWS; i++) db.run('INSERT INTO t (id, v) VALUES (?, ?)', [i, new Uint8Array(500).fill(1)]);
    db.exec('COMMIT');
    db.exec('PRAGMA cache_size = 2');
    db.exec('BEGIN IMMEDIATE');
    db.run('UPDATE t SET v = ?', [new Uint8Array(500).fill(9)]);
    const copy = path.join(directory, `${name}.sqlite`);
    fs.copyFileSync(file, copy);
    fs.copyFileSync(`${file}-journal`, `${copy}-journal`);
    db.exec('ROLLBACK');
    return copy;
  } finally {
    db.close();
  }
}

function uncommittedRows(file: string, around: <T>(operation: () => T) => T): number {
  const db = new nodeSqlite3Wasm.Database(file);
  try {
    return around(() => Number(db.all('SELECT COUNT(*) AS n FROM t WHERE hex(v) LIKE ?', ['09%'])[0]!.n));
  } finally {
    db.close();
  }
}

describe('node-sqlite3-wasm reserved-lock defect (reservedLockFix.ts)', () => {
  it('the library as installed still skips the rollback of a hot journal (fails once upstream fixes it: then delete reservedLockFix.ts)', () => {
    const copy = crashedCopy('unpatched');
    assert.ok(fs.statSync(`${copy}-journal`).size > 0, 'the copy has a hot journal');
    const seen = uncommittedRows(copy, (operation) => operation());
    assert.ok(
      seen > 0,
      'The upstream defect is gone: node-sqlite3-wasm rolled the hot journal back by itself. Remove src/ssoService/ssodb/reservedLockFix.ts and its calls.',
    );
  });

  it('with the patch, the same read rolls the hot journal back and sees only committed rows', () => {
    installReservedLockFix();
    const copy = crashedCopy('patched');
    assert.equal(uncommittedRows(copy, (operation) => whileLockReportedAbsent(`${copy}.lock`, operation)), 0);
    const db = new nodeSqlite3Wasm.Database(copy);
    try {
      assert.deepEqual(db.all('PRAGMA integrity_check'), [{ integrity_check: 'ok' }]);
      assert.equal(Number(db.all('SELECT COUNT(*) AS n FROM t')[0]!.n), ROWS);
    } finally {
      db.close();
    }
  });
});
