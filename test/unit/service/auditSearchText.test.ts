/**
 * Audit rows a find by value wrote before it stopped recording the text searched for keep that
 * text in SSODB (the audit is never rewritten); the audit listing does not show it. Real SQLite
 * file and the service's own listing (listAuditPage).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { listAuditPage } from '../../../src/ssoService/service/auditLog';
import { createSqliteStore } from '../../../src/ssoService/ssodb/sqliteStore';
import type { SsoStore } from '../../../src/ssoService/ssodb/store';

const OLD_TEXT = 'Old-Pa55word';

describe('audit rows of an earlier find by value', () => {
  let scratch: string;
  let store: SsoStore;

  before(async () => {
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'audit-search-text-'));
    store = createSqliteStore({ file: path.join(scratch, 'ssodb.sqlite') });
    await store.init();
    await store.appendAudit([
      { user: 'u via test', action: 'config.grep', outcome: 'ok', detail: `text ${JSON.stringify(OLD_TEXT)}` },
      { user: 'u via test', action: 'config.grep', outcome: 'ok', application: 'App', detail: `regular expression ${JSON.stringify(`^${OLD_TEXT}$`)}` },
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
});
