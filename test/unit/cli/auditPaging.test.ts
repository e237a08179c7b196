/**
 * `ssoctl audit` with a filter (review finding 4): a filtered audit.list page looks at a bounded
 * window of rows (AUDIT_SCAN_ROWS), so a page may be empty while older rows match. The CLI follows
 * the cursor. Real SQLite file and the service's own listing (listAuditPage); only the transport
 * between the CLI and the service is left out.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { auditEntries } from '../../../src/cli/verbs/status';
import { listAuditPage } from '../../../src/ssoService/service/auditLog';
import { createSqliteStore } from '../../../src/ssoService/ssodb/sqliteStore';
import type { NewAuditEntry, SsoStore } from '../../../src/ssoService/ssodb/store';

const ROWS = 20_001;

describe('ssoctl audit with a filter', () => {
  let scratch: string;
  let store: SsoStore;
  let requests = 0;
  const list = (params: Parameters<Parameters<typeof auditEntries>[0]>[0]) => {
    requests++;
    return listAuditPage(store, { cursor: params.cursor, limit: params.limit ?? 50, filter: params.filter }, undefined);
  };

  before(async () => {
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'audit-paging-'));
    store = createSqliteStore({ file: path.join(scratch, 'ssodb.sqlite') });
    await store.init();
    const rows: NewAuditEntry[] = [{ user: 'needle via test', action: 'config.reveal', outcome: 'ok', application: 'App', identifier: 'Oldest' }];
    for (let i = 1; i < ROWS; i++) rows.push({ user: 'hay via test', action: 'config.set', outcome: 'ok', application: 'App', identifier: `Id${i}` });
    await store.appendAudit(rows);
  });
  after(async () => {
    await store.close();
    fs.rmSync(scratch, { recursive: true, force: true });
  });

  it(`finds the only match when it is the oldest of ${ROWS} rows`, async () => {
    requests = 0;
    const found = await auditEntries(list, 50, { user: 'needle' });
    assert.deepEqual(found.map((e) => e.identifier), ['Oldest']);
    assert.ok(requests >= 2, `followed the cursor (${requests} requests)`);
  });

  it('--limit above the page limit: each request asks for at most 1,000 (the service refuses more)', async () => {
    const asked: number[] = [];
    const found = await auditEntries(
      async (params) => {
        asked.push(params.limit ?? 50);
        if ((params.limit ?? 50) > 1000) throw new Error(`"limit" must be a whole number from 1 to 1000`);
        return listAuditPage(store, { cursor: params.cursor, limit: params.limit ?? 50, filter: params.filter }, undefined);
      },
      1500,
      undefined,
    );
    assert.equal(found.length, 1500);
    assert.deepEqual(asked, [1000, 500]);
  });

  it('stops at --limit entries', async () => {
    requests = 0;
    const found = await auditEntries(list, 3, { user: 'hay' });
    assert.deepEqual(found.map((e) => e.identifier), [`Id${ROWS - 1}`, `Id${ROWS - 2}`, `Id${ROWS - 3}`]);
    assert.equal(requests, 1);
  });
});
