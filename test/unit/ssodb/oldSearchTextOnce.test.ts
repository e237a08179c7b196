/**
 * The rewrite of an earlier find by value's audit rows (oldSearchText.ts) runs once per embedded
 * SSODB file, not at every open: it scans the whole audit (no index on au_action). Real SQLite
 * files of an earlier version (user_version 0, the text in the rows), opened as the service opens
 * them (openStore: data file, audit file, coordination file).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import nodeSqlite3Wasm from 'node-sqlite3-wasm';
import { OLD_SEARCH_TEXT_REDACTED_BIT } from '../../../src/ssoService/ssodb/oldSearchText';
import { openStore } from '../../../src/ssoService/ssodb/openStore';
import { sideFileFor } from '../../../src/ssoService/ssodb/sideFiles';
import { createSqliteStore } from '../../../src/ssoService/ssodb/sqliteStore';

const OLD_TEXT = 'Old-Pa55word';
const LATER_TEXT = 'Later-Pa55word';

function withRawFile<T>(file: string, use: (db: InstanceType<typeof nodeSqlite3Wasm.Database>) => T): T {
  const db = new nodeSqlite3Wasm.Database(file);
  try {
    return use(db);
  } finally {
    db.close();
  }
}

const userVersion = (file: string): number => withRawFile(file, (db) => Number(db.get('PRAGMA user_version')?.user_version));

/** An audit row as an earlier version wrote it, straight into the file (no store in between). */
function insertOldGrepRow(file: string, text: string): void {
  withRawFile(file, (db) =>
    db.run(
      `INSERT INTO SSOX_AuditTable (au_at, au_user, au_action, au_outcome, au_detail) VALUES ('2026-01-01T00:00:00.000Z', 'u via test', 'config.grep', 'ok', ?)`,
      [`text ${JSON.stringify(text)}`],
    ),
  );
}

/** A file as an earlier version left it: the schema, an old row, user_version 0. */
async function earlierVersionFile(file: string, text: string): Promise<void> {
  const store = createSqliteStore({ file });
  await store.init();
  await store.close();
  insertOldGrepRow(file, text);
  withRawFile(file, (db) => db.exec('PRAGMA user_version = 0'));
}

const fileHolds = (file: string, text: string): boolean => fs.readFileSync(file).includes(Buffer.from(text, 'utf8'));

describe('old find-by-value rows are rewritten once per embedded SSODB file', () => {
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
    await earlierVersionFile(coordinationFile, `Coordination-${OLD_TEXT}`);
  });
  after(() => {
    fs.rmSync(scratch, { recursive: true, force: true });
  });

  it('the first open rewrites every old row and marks each file in user_version', async () => {
    for (const file of [dataFile, auditFile, coordinationFile]) assert.equal(userVersion(file) & OLD_SEARCH_TEXT_REDACTED_BIT, 0, `${path.basename(file)} is unmarked`);
    const store = await openStore({ kind: 'sqlite', file: dataFile });
    await store.close();
    for (const file of [dataFile, auditFile, coordinationFile]) {
      assert.ok(!fileHolds(file, OLD_TEXT), `${path.basename(file)} still holds the text`);
      assert.equal(userVersion(file) & OLD_SEARCH_TEXT_REDACTED_BIT, OLD_SEARCH_TEXT_REDACTED_BIT, `${path.basename(file)} is marked`);
    }
  });

  it('the next open does not scan the audit again: a row planted in a marked file is left as it is', async () => {
    // Only a scan would find this row: it is an old-format row in a file already marked.
    insertOldGrepRow(auditFile, LATER_TEXT);
    const store = await openStore({ kind: 'sqlite', file: dataFile });
    await store.close();
    assert.ok(fileHolds(auditFile, LATER_TEXT), 'the second open rewrote rows: it scanned the audit');
    assert.equal(userVersion(auditFile) & OLD_SEARCH_TEXT_REDACTED_BIT, OLD_SEARCH_TEXT_REDACTED_BIT);
  });

  it('other bits of user_version are kept', async () => {
    const file = path.join(scratch, 'other-bits.sqlite');
    await earlierVersionFile(file, OLD_TEXT);
    withRawFile(file, (db) => db.exec('PRAGMA user_version = 4'));
    const store = createSqliteStore({ file });
    await store.init();
    await store.close();
    assert.equal(userVersion(file), 4 | OLD_SEARCH_TEXT_REDACTED_BIT);
    assert.ok(!fileHolds(file, OLD_TEXT));
  });
});
