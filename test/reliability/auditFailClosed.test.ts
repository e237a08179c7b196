/**
 * Reveals, exports, restores, rotations and changes of the active MSS happen only when audited, on a real full disk: the environment
 * lives on a small tmpfs that the test fills up, so the audit file cannot grow. Each of the three
 * is refused with ENTSSO_E_AUDIT_FAILED and a sentence (no value, no file, no restore), reading
 * without revealing keeps working, best-effort events say in the log that their row was lost,
 * and all of it works again, audited, once space is back. Needs root (mount); skipped with the
 * reason otherwise.
 */
import assert from 'node:assert/strict';
import * as net from 'node:net';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { SsoClient } from '../../src/ssoClient/client';
import { SsoError } from '../../src/protocol/errors';
import { PROTOCOL_VERSION } from '../../src/protocol/messages';
import { encodeSsoFile } from '../../src/ssoService/crypto/ssoFile';
import { TestEnvironment, waitUntil } from '../integration/harness';
import { fill, mountTmpfs, unmountTmpfs } from './smallDisk';

const MOUNT_MB = 16;
const BACKUP_PASSWORD = 'backup on a small disk 2026';
const EXPORT_PASSWORD = 'export on a small disk 2026';

async function refusedCode(work: Promise<unknown>): Promise<string> {
  try {
    await work;
    return 'not refused';
  } catch (err) {
    assert.ok(err instanceof SsoError, String(err));
    if (err.code === 'ENTSSO_E_AUDIT_FAILED') {
      assert.match(err.message, /audit/i);
      assert.match(err.message, /Free disk space/, 'the message says what to do');
    }
    return err.code;
  }
}

/** One hello with a wrong token: a refusal the service audits best-effort. */
function wrongTokenHello(socketPath: string): Promise<void> {
  return new Promise((resolve) => {
    const s = net.createConnection(socketPath, () =>
      s.write(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'hello', params: { token: 'wrong', protocolVersion: PROTOCOL_VERSION, client: 'probe' } }) + '\n'),
    );
    s.resume(); // the answer is read and dropped: 'close' comes only once it is consumed
    s.on('error', () => resolve());
    s.on('close', () => resolve());
  });
}

describe('audit on a full disk: reveal (of a configuration or a kept version), export and restore fail closed', () => {
  const mountPoint = mkdtempSync(join(tmpdir(), 'sso-audit-full-'));
  const skipReason = mountTmpfs(mountPoint, MOUNT_MB);
  let t: TestEnvironment | undefined;
  let c: SsoClient;
  let backup: string;

  before(async () => {
    if (skipReason) return;
    mkdirSync(join(mountPoint, 'base'));
    t = TestEnvironment.create({ syncIntervalSeconds: 1, baseDir: join(mountPoint, 'base') });
    await t.startMss();
    await t.startService();
    c = await t.client();
    await c.request('apps.create', { name: 'Audited', kind: 'configStore', fields: [{ label: 'Url', masked: false }, { label: 'Password', masked: true }] });
    const first = await c.request('config.set', { application: 'Audited', identifier: 'ConfigProperties', fields: { Url: 'https://v1', Password: 'p@ss-on-full-disk' }, expectedTimestamp: null });
    // A second save keeps the first as history version 1 (with the password): its reveal must fail closed too.
    await c.request('config.set', { application: 'Audited', identifier: 'ConfigProperties', fields: { Url: 'https://x', Password: '' }, expectedTimestamp: first.timestamp });
    backup = (await c.request('secret.backup', { password: BACKUP_PASSWORD, reminder: '' })).file;
  });

  after(async () => {
    await t?.dispose();
    if (!skipReason) unmountTmpfs(mountPoint);
    rmSync(mountPoint, { recursive: true, force: true });
  });

  test('refused with ENTSSO_E_AUDIT_FAILED while the audit cannot be written; audited and done once space is back', async (ctx) => {
    if (skipReason) return ctx.skip(skipReason);
    const env = t!.env;
    const auditRows = async () => (await c.request('audit.list', { limit: 1000 })).items;
    // Prepared while the disk has room: its commit (the switch to a new master secret) must then be refused.
    const prepared = await c.request('secret.prepareGenerate', { password: BACKUP_PASSWORD, reminder: '' });
    const msidBefore = (await c.request('secret.info', {})).currentMsid;
    const node = (await c.request('mss.nodes', {})).nodes[0]!.name;
    const rowsBefore = (await auditRows()).length;
    const filler = fill(mountPoint);
    let reveal: string, historyReveal: string, exported: string, restored: string;
    let fingerprints: string, planned: string, rotated: string, promoted: string, demoted: string;
    try {
      await wrongTokenHello(env.config.socketPath);
      await t!.service!.waitForLog(/audit: 1 row\(s\) of best-effort events could not be written \(latest: connect/, 5000);
      reveal = await refusedCode(c.request('config.get', { application: 'Audited', identifier: 'ConfigProperties', reveal: true }));
      historyReveal = await refusedCode(c.request('history.get', { application: 'Audited', identifier: 'ConfigProperties', version: 1, reveal: true }));
      exported = await refusedCode(c.request('apps.export', { names: ['Audited'], format: 'entsso', password: EXPORT_PASSWORD }));
      restored = await refusedCode(c.request('secret.restore', { file: backup, password: BACKUP_PASSWORD }));
      // A comparison's hashes of masked values are an offline-guessing oracle for whoever holds the key: audited like a reveal.
      fingerprints = await refusedCode(c.request('config.fingerprints', { application: 'Audited', identifiers: ['ConfigProperties'], key: Buffer.alloc(32, 3).toString('base64') }));
      // So is an import plan that tells whether the file's masked value equals the stored one.
      const sso = Buffer.from(encodeSsoFile(Object.assign(Object.create(null), { Url: 'https://x', Password: 'a guess' }), 'x'), 'ascii').toString('base64');
      planned = await refusedCode(c.request('apps.planImport', { file: sso, format: 'sso', name: 'Audited', password: 'x', mode: 'update' }));
      rotated = await refusedCode(c.request('secret.commitGenerate', { newMsid: prepared.newMsid }));
      promoted = await refusedCode(c.request('mss.promote', { node }));
      demoted = await refusedCode(c.request('mss.demote', { node }));
      const masked = await c.request('config.get', { application: 'Audited', identifier: 'ConfigProperties' });
      assert.equal(masked.fields.Url, 'https://x', 'reading without revealing still works');
      assert.equal(masked.fields.Password, '', 'and reveals nothing');
    } finally {
      rmSync(filler);
    }
    assert.deepEqual(
      { reveal, historyReveal, exported, restored },
      { reveal: 'ENTSSO_E_AUDIT_FAILED', historyReveal: 'ENTSSO_E_AUDIT_FAILED', exported: 'ENTSSO_E_AUDIT_FAILED', restored: 'ENTSSO_E_AUDIT_FAILED' },
    );
    assert.equal(fingerprints, 'ENTSSO_E_AUDIT_FAILED', 'fingerprints of masked fields fail closed too');
    assert.equal(planned, 'ENTSSO_E_AUDIT_FAILED', 'an import plan comparing masked values fails closed too');
    assert.deepEqual({ rotated, promoted, demoted }, { rotated: 'ENTSSO_E_AUDIT_FAILED', promoted: 'ENTSSO_E_AUDIT_FAILED', demoted: 'ENTSSO_E_AUDIT_FAILED' }, 'a rotation and a change of the active MSS fail closed');
    assert.equal((await c.request('secret.info', {})).currentMsid, msidBefore, 'the master secret did not change');
    assert.ok(!t!.mss!.log.some((l) => /restored from a backup/.test(l)), 'the MSS was never asked to restore');
    assert.ok(!t!.service!.log.some((l) => l.includes('p@ss-on-full-disk')), 'no value in the log');
    assert.equal((await auditRows()).length, rowsBefore, 'nothing was recorded while the disk was full');

    // Space is back: the same requests succeed and each has its row.
    await waitUntil(async () => {
      try {
        const doc = await c.request('config.get', { application: 'Audited', identifier: 'ConfigProperties', reveal: true });
        return doc.fields.Password === 'p@ss-on-full-disk';
      } catch {
        return false;
      }
    }, 15_000, () => 'reveal did not work again after space came back');
    await c.request('apps.export', { names: ['Audited'], format: 'entsso', password: EXPORT_PASSWORD });
    await c.request('secret.restore', { file: backup, password: BACKUP_PASSWORD });
    await c.request('mss.promote', { node });
    const actions = (await auditRows()).slice(0, 12).map((r) => `${r.action}:${r.outcome}`);
    for (const want of ['config.reveal:ok', 'app.export:ok', 'secret.restore.start:ok', 'secret.restore:ok', 'mss.promote.start:ok']) assert.ok(actions.includes(want), `${want} in ${actions.join(', ')}`);
    assert.ok(t!.service!.running && t!.mss!.running, 'no process crashed');
  });
});
