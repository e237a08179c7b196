/**
 * Audit rows staged in the SSODB data file by a process that stopped before moving them, then
 * left there past the audit's age limit (the service down for longer than maxAgeDays): the move
 * must drop them, not give them the newest ids of the audit file, where they would be listed long
 * after their retention (the prune looks at the oldest ids). Found by review; real files, opened
 * as the daemon opens them.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import nodeSqlite3Wasm from 'node-sqlite3-wasm';
import { openStore } from '../../../src/ssoService/ssodb/openStore';
import type { NewAuditEntry } from '../../../src/ssoService/ssodb/store';

const DAY_MS = 86_400_000;
const RETENTION = { maxRows: 100_000, maxAgeMs: DAY_MS };

let scratch: string;
before(() => {
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'staged-age-'));
});
after(() => fs.rmSync(scratch, { recursive: true, force: true }));

/** A data file whose audit file has `older` rows, with one row staged `ageMs` ago and one staged now. */
async function fileWithStagedRows(name: string, older: number, ageMs: number): Promise<string> {
  const file = path.join(scratch, `${name}.sqlite`);
  const store = await openStore({ kind: 'sqlite', file });
  const entry: NewAuditEntry = { user: 'u', action: 'status', outcome: 'ok' };
  await store.appendAudit(Array.from({ length: older }, () => entry), RETENTION);
  await store.close();
  // What a process killed before its move left staged in the data file.
  const db = new nodeSqlite3Wasm.Database(file);
  try {
    const stage = db.prepare("INSERT INTO SSOX_AuditTable (au_at, au_user, au_action, au_outcome, au_identifier) VALUES (?, 'u', 'config.set', 'ok', ?)");
    stage.run([new Date(Date.now() - ageMs).toISOString(), 'aged']);
    stage.run([new Date().toISOString(), 'fresh']);
    stage.finalize();
  } finally {
    db.close();
  }
  return file;
}

test('opened with the configured retention, the move at open drops a staged row past the age limit and moves the others', async () => {
  const file = await fileWithStagedRows('at-open', 1_100, 2 * DAY_MS);
  const store = await openStore({ kind: 'sqlite', file }, undefined, RETENTION);
  try {
    await store.pruneAudit(RETENTION, 1_000); // what the service's sweeper does at start
    const listed = await store.listAudit({ limit: 100 });
    assert.deepEqual(
      listed.filter((r) => r.action === 'config.set').map((r) => r.identifier),
      ['fresh'],
      'the row staged two days ago, with a retention of one day, is still listed (or the fresh one was lost)',
    );
  } finally {
    await store.close();
  }
});
