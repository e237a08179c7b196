/**
 * Kept versions in an import file are not trusted (review finding 1): the file's version numbers
 * are replaced by 1..n, so a version 0x7fffffff leaves room for the next save on a real SQLite
 * file; times must be written ≤ replaced ≤ now (a time past 8.64e15 would make every history
 * listing throw); who replaced a version is refused with control or bidi characters and shown as
 * imported; changed fields are labels of the application.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { parseExportPayload } from '../../../src/ssoService/service/transferFiles';
import { createSqliteStore } from '../../../src/ssoService/ssodb/sqliteStore';
import { app } from '../ssodb/storeContract';

const NOW = Date.now();

function exportWith(version: Record<string, unknown>) {
  return {
    format: 'entsso-export', version: 2, exportedAt: '',
    applications: [{
      name: 'App', description: '', contact: '', kind: 'configStore', enabled: true, userGroup: 'g', adminGroup: 'a', flags: 0,
      fields: [{ label: 'Url', masked: false }],
      configurations: [{
        identifier: 'X', values: [{ field: 'Url', value: 'v' }],
        history: [{ version: 7, writtenAt: NOW - 2000, replacedAt: NOW - 1000, replacedBy: 'CORP\\alice', change: 'set', changedFields: ['url'], values: [{ field: 'Url', value: 'old' }], ...version }],
      }],
    }],
  };
}

const parsedHistory = (version: Record<string, unknown>) => parseExportPayload(exportWith(version))[0]!.configurations[0]!.history!;

describe('kept versions read from an export file', () => {
  it('are renumbered 1..n in the order of their numbers, with changed fields as the application spells them', () => {
    const payload = exportWith({});
    payload.applications[0]!.configurations[0]!.history.unshift({ ...payload.applications[0]!.configurations[0]!.history[0]!, version: 0x7fffffff, replacedBy: 'bob' });
    const history = parseExportPayload(payload)[0]!.configurations[0]!.history!;
    assert.deepEqual(history.map((v) => [v.version, v.savedBy, v.changedFields]), [[1, 'CORP\\alice (imported)', ['Url']], [2, 'bob (imported)', ['Url']]]);
  });

  it('refuses a time past the end of dates, a replacement before the write or in the future', () => {
    assert.throws(() => parsedHistory({ writtenAt: 9e15, replacedAt: 9e15 }), { code: 'ENTSSO_E_BAD_FILE' });
    assert.throws(() => parsedHistory({ writtenAt: NOW, replacedAt: NOW - 1 }), { code: 'ENTSSO_E_BAD_FILE' });
    assert.throws(() => parsedHistory({ replacedAt: NOW + 3_600_000 }), { code: 'ENTSSO_E_BAD_FILE' });
  });

  it('refuses a replacedBy with a bidi or control character, and a changed field the application does not define', () => {
    assert.throws(() => parsedHistory({ replacedBy: 'CORP\\admin\u202e' }), { code: 'ENTSSO_E_BAD_FILE' });
    assert.throws(() => parsedHistory({ replacedBy: 'CORP\\admin\nsaved by CORP\\bob' }), { code: 'ENTSSO_E_BAD_FILE' });
    assert.throws(() => parsedHistory({ changedFields: ['NotAField'] }), { code: 'ENTSSO_E_BAD_FILE' });
  });

  it('a version numbered 0x7fffffff leaves room for the next save (real SQLite file)', async () => {
    const [kept] = parsedHistory({ version: 0x7fffffff });
    const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'history-import-checks-'));
    const store = createSqliteStore({ file: path.join(scratch, 'ssodb.sqlite') });
    await store.init();
    try {
      await store.applyApplicationChanges([{
        application: 'Imp', create: app('Imp'),
        rows: [{ op: 'put', identifier: 'X', expectedTimestamp: null, msid: 'msid-1', ciphertext: Buffer.from('live'),
          importedHistory: [{ ...kept!, msid: 'msid-1', ciphertext: Buffer.from('old') }] }],
      }]);
      const live = await store.readConfiguration('Imp', 'X');
      await store.putCredentials('Imp', 'X', live!.row!.timestamp, 'msid-1', Buffer.from('new'), { savedBy: 'bob', change: 'set', changedFields: ['Url'], keep: 10, maxAgeMs: 365 * 86_400_000 });
      assert.deepEqual((await store.listHistory('Imp', 'X', { limit: 10 })).map((v) => v.version), [2, 1]);
    } finally {
      await store.close();
      fs.rmSync(scratch, { recursive: true, force: true });
    }
  });
});
