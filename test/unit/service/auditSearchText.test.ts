/**
 * Audit rows a find by value wrote before it stopped recording the text searched for: the listing
 * does not show the text, a text filter cannot find it (it would rebuild it a character at a time),
 * and a store rewrites those rows when it opens, so the file no longer holds it. Real SQLite files
 * (read as raw bytes) and the service's own listing (listAuditPage).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import nodeSqlite3Wasm from 'node-sqlite3-wasm';
import { listAuditPage } from '../../../src/ssoService/service/auditLog';
import { openStore } from '../../../src/ssoService/ssodb/openStore';
import { sideFileFor } from '../../../src/ssoService/ssodb/sideFiles';
import { createSqliteStore } from '../../../src/ssoService/ssodb/sqliteStore';
import type { NewAuditEntry, SsoStore } from '../../../src/ssoService/ssodb/store';

const OLD_TEXT = 'Old-Pa55word';

/** The rows as the earlier version wrote them. */
function oldGrepRows(text: string): NewAuditEntry[] {
  return [
    { user: 'u via test', action: 'config.grep', outcome: 'ok', detail: `text ${JSON.stringify(text)}` },
    { user: 'u via test', action: 'config.grep', outcome: 'ok', application: 'App', detail: `regular expression ${JSON.stringify(`^${text}$`)}` },
  ];
}

/** The number of rows a text filter finds: what a probe learns from each request. */
async function textFilterHits(store: SsoStore, text: string): Promise<number> {
  return (await listAuditPage(store, { limit: 10, filter: { text } }, undefined)).items.length;
}

function fileHolds(file: string, text: string): boolean {
  return fs.readFileSync(file).includes(Buffer.from(text, 'utf8'));
}

/** Writes `rows` into `file` as an earlier version would have (which left user_version 0: no rewrite done), and closes it. */
async function writeOldRows(file: string, rows: NewAuditEntry[]): Promise<void> {
  const store = createSqliteStore({ file });
  await store.init();
  await store.appendAudit(rows);
  await store.close();
  const db = new nodeSqlite3Wasm.Database(file);
  db.exec('PRAGMA user_version = 0');
  db.close();
}

describe('audit rows of an earlier find by value', () => {
  let scratch: string;
  let store: SsoStore;

  before(async () => {
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'audit-search-text-'));
    store = createSqliteStore({ file: path.join(scratch, 'ssodb.sqlite') });
    await store.init();
    await store.appendAudit([
      ...oldGrepRows(OLD_TEXT),
      { user: 'u via test', action: 'config.set', outcome: 'ok', application: 'App', identifier: 'Id', detail: 'text "kept as it is"' },
    ]);
  });
  after(async () => {
    await store.close();
    fs.rmSync(scratch, { recursive: true, force: true });
  });

  it('shows their kind, not the text searched for; other rows as they are', async () => {
    for (const filter of [undefined, { operation: 'config' }]) {
      const page = await listAuditPage(store, { limit: 10, filter }, undefined);
      assert.ok(!JSON.stringify(page).includes(OLD_TEXT), JSON.stringify(page));
      assert.deepEqual(
        page.items.map((e) => e.detail),
        [
          'text "kept as it is"',
          'regular expression search; the text searched for is not shown (recorded by an earlier version)',
          'text search; the text searched for is not shown (recorded by an earlier version)',
        ],
      );
    }
  });

  it('a text filter does not look into the detail of a find by value (rows written while the store is open)', async () => {
    for (const probe of ['text "o', 'regular expression "^o', OLD_TEXT.toLowerCase(), 'old-p']) assert.equal(await textFilterHits(store, probe), 0, probe);
    // Other rows' detail is still searched, and config.grep rows by their other columns.
    assert.equal(await textFilterHits(store, 'kept as it'), 1);
    assert.equal(await textFilterHits(store, 'config.grep'), 2);
  });
});

describe('opening a store rewrites the audit rows of an earlier find by value', () => {
  let scratch: string;

  before(() => {
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'audit-search-redact-'));
  });
  after(() => {
    fs.rmSync(scratch, { recursive: true, force: true });
  });

  it('one SQLite file: the text is gone from the file bytes, the listing and the filter', async () => {
    const file = path.join(scratch, 'one.sqlite');
    // A long text too: its row shrinks, and the cell it leaves must not keep the text in the file.
    const longText = `${'L'.repeat(150)}-Long-Pa55word`;
    await writeOldRows(file, [...oldGrepRows(longText), ...oldGrepRows(OLD_TEXT), { user: 'u via test', action: 'config.set', outcome: 'ok', detail: 'text "kept as it is"' }]);
    assert.ok(fileHolds(file, OLD_TEXT) && fileHolds(file, longText), 'the earlier version left the text in the file');
    const store = createSqliteStore({ file });
    await store.init();
    try {
      for (const text of [OLD_TEXT, 'Long-Pa55word']) assert.ok(!fileHolds(file, text), `${text} is still in the file after open`);
      const details = (await store.listAudit({ limit: 10 })).map((e) => e.detail);
      const redacted = [
        'regular expression search; the text searched for is not shown (recorded by an earlier version)',
        'text search; the text searched for is not shown (recorded by an earlier version)',
      ];
      assert.deepEqual(details, ['text "kept as it is"', ...redacted, ...redacted]);
      assert.equal(await textFilterHits(store, OLD_TEXT.slice(0, 3)), 0);
    } finally {
      await store.close();
    }
  });

  it('the embedded SSODB: its audit file and the rows staged in its data file', async () => {
    const dataFile = path.join(scratch, 'ssodb.sqlite');
    const auditFile = sideFileFor(dataFile, 'audit');
    const stagedText = 'Staged-Pa55word';
    await writeOldRows(auditFile, oldGrepRows(OLD_TEXT));
    // The data file's own SSOX_AuditTable holds the rows a change staged and did not move yet.
    await writeOldRows(dataFile, oldGrepRows(stagedText));
    assert.ok(fileHolds(auditFile, OLD_TEXT) && fileHolds(dataFile, stagedText));
    const store = await openStore({ kind: 'sqlite', file: dataFile });
    try {
      for (const file of [dataFile, auditFile]) for (const text of [OLD_TEXT, stagedText]) assert.ok(!fileHolds(file, text), `${path.basename(file)} still holds ${text}`);
      const page = await listAuditPage(store, { limit: 10 }, undefined);
      assert.equal(page.items.length, 4);
      assert.ok(!JSON.stringify(page).includes('Pa55word'), JSON.stringify(page));
    } finally {
      await store.close();
    }
  });
});
