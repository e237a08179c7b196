/**
 * The rewrite of an earlier find by value's audit rows (oldSearchText.ts) covers, at each open of
 * an embedded SSODB file, only the rows above the file's high-water mark: the first open rewrites
 * every old row, a later one the rows written since (by an earlier version sharing the file, or
 * after a downgrade), never the whole audit again (no index on au_action). Real SQLite files of an
 * earlier version, opened as the service opens them (openStore: data file, audit file, coordination
 * file).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import nodeSqlite3Wasm from 'node-sqlite3-wasm';
import { openStore } from '../../../src/ssoService/ssodb/openStore';
import { sideFileFor } from '../../../src/ssoService/ssodb/sideFiles';
import { createSqliteStore } from '../../../src/ssoService/ssodb/sqliteStore';

const OLD_TEXT = 'Old-Pa55word';
const LATER_TEXT = 'Later-Pa55word';
const BELOW_MARK_TEXT = 'Below-Mark-Pa55word';

function withRawFile<T>(file: string, use: (db: InstanceType<typeof nodeSqlite3Wasm.Database>) => T): T {
  const db = new nodeSqlite3Wasm.Database(file);
  try {
    return use(db);
  } finally {
    db.close();
  }
}

const userVersion = (file: string): number => withRawFile(file, (db) => Number(db.get('PRAGMA user_version')?.user_version));
const lastAuditId = (file: string): number => withRawFile(file, (db) => Number(db.get('SELECT MAX(au_id) AS id FROM SSOX_AuditTable')?.id));
const markOf = (file: string): number | undefined =>
  withRawFile(file, (db) => {
    const table = db.get("SELECT 1 AS found FROM sqlite_master WHERE type = 'table' AND name = 'SSOX_OldSearchTextRedacted'");
    return table ? Number(db.get('SELECT otr_up_to AS upTo FROM SSOX_OldSearchTextRedacted')?.upTo) : undefined;
  });

/** An audit row as an earlier version wrote it, straight into the file (no store in between); its id. */
function insertOldGrepRow(file: string, text: string): number {
  return withRawFile(file, (db) => {
    db.run(
      `INSERT INTO SSOX_AuditTable (au_at, au_user, au_action, au_outcome, au_detail) VALUES ('2026-01-01T00:00:00.000Z', 'u via test', 'config.grep', 'ok', ?)`,
      [`text ${JSON.stringify(text)}`],
    );
    return Number(db.get('SELECT last_insert_rowid() AS id')?.id);
  });
}

/** A file as an earlier version left it: the schema, an old row, no mark; `userVersion` 1 is how `hygiene` marked a file. */
async function earlierVersionFile(file: string, text: string, userVersionLeft = 0): Promise<void> {
  const store = createSqliteStore({ file });
  await store.init();
  await store.close();
  withRawFile(file, (db) => db.exec(`DROP TABLE IF EXISTS SSOX_OldSearchTextRedacted; PRAGMA user_version = ${userVersionLeft}`));
  insertOldGrepRow(file, text);
}

async function openAndClose(file: string): Promise<void> {
  const store = createSqliteStore({ file });
  await store.init();
  await store.close();
}

const fileHolds = (file: string, text: string): boolean => fs.readFileSync(file).includes(Buffer.from(text, 'utf8'));

describe('old find-by-value rows are rewritten above a high-water mark per embedded SSODB file', () => {
  let scratch: string;
  let dataFile: string;
  let auditFile: string;
  let coordinationFile: string;

  before(async () => {
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'old-search-text-once-'));
    dataFile = path.join(scratch, 'ssodb.sqlite');
    auditFile = sideFileFor(dataFile, 'audit');
    coordinationFile = sideFileFor(dataFile, 'coordination');
    await earlierVersionFile(auditFile, OLD_TEXT);
    // The data file's SSOX_AuditTable: rows a change staged and did not move yet.
    await earlierVersionFile(dataFile, `Staged-${OLD_TEXT}`);
    // Marked done by the `hygiene` version (a flag, no mark), then written to by an earlier one.
    await earlierVersionFile(coordinationFile, `Coordination-${OLD_TEXT}`, 1);
  });
  after(() => {
    fs.rmSync(scratch, { recursive: true, force: true });
  });

  it('the first open rewrites every old row of the three files and marks each at its last audit id', async () => {
    const files = [dataFile, auditFile, coordinationFile];
    for (const file of files) assert.equal(markOf(file), undefined, `${path.basename(file)} has no mark`);
    // As the open found them: it moves the data file's staged rows into the audit file afterwards.
    const lastIds = files.map(lastAuditId);
    const store = await openStore({ kind: 'sqlite', file: dataFile });
    await store.close();
    for (const [i, file] of files.entries()) {
      assert.ok(!fileHolds(file, OLD_TEXT), `${path.basename(file)} still holds the text`);
      assert.equal(markOf(file), lastIds[i], `${path.basename(file)} is marked at its last audit id`);
    }
  });

  it('the next open rewrites a row an earlier version wrote after the mark, and only rows above the mark (no scan of the whole audit)', async () => {
    // Only a scan of the whole audit would find this one: an old-format row the first open had seen.
    const seen = withRawFile(auditFile, (db) => Number(db.get('SELECT MIN(au_id) AS id FROM SSOX_AuditTable')?.id));
    withRawFile(auditFile, (db) => db.run('UPDATE SSOX_AuditTable SET au_detail = ? WHERE au_id = ?', [`text ${JSON.stringify(BELOW_MARK_TEXT)}`, seen]));
    const planted = insertOldGrepRow(auditFile, LATER_TEXT);
    const store = await openStore({ kind: 'sqlite', file: dataFile });
    await store.close();
    assert.ok(!fileHolds(auditFile, LATER_TEXT), 'the row written after the mark still holds the text');
    assert.ok(fileHolds(auditFile, BELOW_MARK_TEXT), 'a row below the mark was rewritten: the open scanned the whole audit');
    assert.equal(markOf(auditFile), planted, 'the mark moved to the last audit id');
  });

  it('ids that went back below the mark (a table emptied, its ids restarted): the rows are rewritten', async () => {
    const file = path.join(scratch, 'restarted-ids.sqlite');
    await earlierVersionFile(file, OLD_TEXT);
    await openAndClose(file);
    withRawFile(file, (db) => db.exec('DELETE FROM SSOX_AuditTable; DELETE FROM sqlite_sequence; UPDATE SSOX_OldSearchTextRedacted SET otr_up_to = 1000'));
    insertOldGrepRow(file, LATER_TEXT);
    await openAndClose(file);
    assert.ok(!fileHolds(file, LATER_TEXT));
    assert.equal(markOf(file), lastAuditId(file));
  });

  it('PRAGMA user_version is left as it is', async () => {
    const file = path.join(scratch, 'user-version.sqlite');
    await earlierVersionFile(file, OLD_TEXT, 4);
    await openAndClose(file);
    assert.equal(userVersion(file), 4);
    assert.ok(!fileHolds(file, OLD_TEXT));
  });
});
