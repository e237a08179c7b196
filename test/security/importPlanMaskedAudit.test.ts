/**
 * Review 5, finding 2: a plan tells whether a masked value in the caller's file equals the stored
 * one (the field is "changed" or not). Anyone with a token could test guesses of a production
 * password with a file of their own, so the plan is audited like a reveal (config.fingerprints
 * is): one app.importPlan row per application compared, naming the masked fields and counting the
 * configurations (one row per configuration let a previewed large file push older rows out of the
 * count-bounded audit), written before the plan leaves (refused on a full disk:
 * test/reliability/auditFailClosed.test.ts).
 * Real processes: an SSO environment (MSS + service), crafted entsso and .sso files, planImport.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { SsoClient } from '../../src/ssoClient/client';
import type { AuditEntry } from '../../src/protocol/messages';
import { writeExportFile } from '../../src/ssoService/service/transferFiles';
import { encodeSsoFile } from '../../src/ssoService/crypto/ssoFile';
import { TestEnvironment } from '../integration/harness';

const APP = 'Oracle.Ports';
const ID = 'SendOrders';
const SECRET = 'Winter2026!';
const FILE_PASSWORD = 'correct horse battery staple 42';

async function craftedExport(guess: string, app = APP, ids = [ID]): Promise<string> {
  const file = await writeExportFile(
    [{ name: app, kind: 'configStore', description: '', contact: '', userGroup: 'SSO Affiliate Administrators', adminGroup: 'SSO Administrators', flags: 0x140002,
      fields: [{ label: 'Url', masked: false }, { label: 'Password', masked: true }],
      configurations: ids.map((identifier) => ({ identifier, values: [{ field: 'Url', value: 'sftp://a.example' }, { field: 'Password', value: guess }] })) }],
    { password: FILE_PASSWORD, reminder: '', environment: 'crafted', kdfCost: { N: 2 ** 14, r: 8, p: 1 } },
  );
  return file.toString('base64');
}

function craftedSso(guess: string): string {
  return Buffer.from(encodeSsoFile(Object.assign(Object.create(null), { Url: 'sftp://a.example', Password: guess }), 'x'), 'ascii').toString('base64');
}

describe('apps.planImport compares masked values only when audited', () => {
  let t: TestEnvironment;
  let c: SsoClient;
  const planRows = async (since: number): Promise<AuditEntry[]> => (await c.request('audit.list', { limit: 500 })).items.slice(0, since).filter((e) => e.action === 'app.importPlan');
  const auditCount = async () => (await c.request('audit.list', { limit: 500 })).items.length;

  before(async () => {
    t = await TestEnvironment.started();
    c = await t.client();
    await c.request('apps.create', { name: APP, kind: 'configStore', fields: [{ label: 'Url', masked: false }, { label: 'Password', masked: true }] });
    await c.request('config.set', { application: APP, identifier: ID, fields: { Url: 'sftp://a.example', Password: SECRET }, expectedTimestamp: null });
    await c.request('config.set', { application: APP, identifier: 'ConfigProperties', fields: { Url: 'sftp://a.example', Password: SECRET }, expectedTimestamp: null });
  });
  after(async () => t?.dispose());

  test('an entsso plan that tells a right guess from a wrong one leaves one row per plan, naming the configuration and the masked field', async () => {
    const plan = async (guess: string) => c.request('apps.planImport', { file: await craftedExport(guess), format: 'entsso', password: FILE_PASSWORD, mode: 'update' });
    const before = await auditCount();
    const wrong = await plan('Summer2026!');
    const right = await plan(SECRET);
    const changed = (p: typeof wrong) => p.applications[0]!.identifiers.flatMap((i) => i.changed);
    assert.deepEqual([changed(wrong), changed(right)], [['Password'], []], 'the preview still says which masked values the import changes');
    const rows = await planRows((await auditCount()) - before);
    assert.equal(rows.length, 2, `one row per plan: ${JSON.stringify(rows)}`);
    for (const row of rows) {
      assert.deepEqual([row.application, row.identifier, row.fields, row.outcome], [APP, ID, ['Password'], 'ok']);
      assert.ok(!JSON.stringify(row).includes(SECRET) && !JSON.stringify(row).includes('Summer2026!'), 'no value in the row');
    }
  });

  test('the same with a .sso file (no scrypt: as many guesses a second as the service answers)', async () => {
    const before = await auditCount();
    for (const guess of ['Spring2026!', 'Autumn2026!', SECRET]) await c.request('apps.planImport', { file: craftedSso(guess), format: 'sso', name: APP, password: 'x', mode: 'update' });
    const rows = await planRows((await auditCount()) - before);
    assert.deepEqual(rows.map((r) => [r.identifier, r.fields]), Array(3).fill(['ConfigProperties', ['Password']]));
  });

  test('a plan over an application with 50 configurations leaves one row for it, counting them, not 50', async () => {
    const many = 'Oracle.ManyPorts';
    const ids = Array.from({ length: 50 }, (_, i) => `Port${i}`);
    await c.request('apps.create', { name: many, kind: 'configStore', fields: [{ label: 'Url', masked: false }, { label: 'Password', masked: true }] });
    for (const identifier of ids) await c.request('config.set', { application: many, identifier, fields: { Url: 'sftp://a.example', Password: SECRET }, expectedTimestamp: null });
    const before = await auditCount();
    await c.request('apps.planImport', { file: await craftedExport('Summer2026!', many, ids), format: 'entsso', password: FILE_PASSWORD, mode: 'update' });
    const rows = await planRows((await auditCount()) - before);
    assert.deepEqual(rows.map((r) => [r.application, r.identifier, r.fields, r.outcome]), [[many, undefined, ['Password'], 'ok']], JSON.stringify(rows));
    assert.match(rows[0]!.detail ?? '', /50 configurations/);
  });

  test('a plan that compares no masked value writes no row', async () => {
    const before = await auditCount();
    const onlyUrl = Buffer.from(encodeSsoFile(Object.assign(Object.create(null), { Url: 'sftp://b.example' }), 'x'), 'ascii').toString('base64');
    await c.request('apps.planImport', { file: onlyUrl, format: 'sso', name: APP, password: 'x', mode: 'update' });
    assert.equal((await planRows((await auditCount()) - before)).length, 0);
  });
});
