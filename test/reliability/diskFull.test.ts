/**
 * The SSO database unwritable: the environment lives on a small tmpfs that the test fills up.
 * During writes and during a rotation's re-encryption: clients get a stable code and a
 * sentence, nothing acknowledged is lost, no partial write is visible, and everything recovers
 * by itself once space is back. Needs root (mount); skipped with the reason otherwise.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { SsoError } from '../../src/protocol/errors';
import { TestEnvironment, waitUntil } from '../integration/harness';
import { fill, mountTmpfs, unmountTmpfs } from './smallDisk';

const MOUNT_MB = 24;

describe('SSO database on a full disk', () => {
  const mountPoint = mkdtempSync(join(tmpdir(), 'sso-full-'));
  const skipReason = mountTmpfs(mountPoint, MOUNT_MB);
  let t: TestEnvironment | undefined;

  before(async () => {
    if (skipReason) return;
    mkdirSync(join(mountPoint, 'base'));
    t = TestEnvironment.create({ syncIntervalSeconds: 1, baseDir: join(mountPoint, 'base') });
    await t.startMss(['--reencrypt-batch', '50']);
    await t.startService();
    const c = await t.client();
    await c.request('apps.create', { name: 'Full', kind: 'configStore', fields: [{ label: 'A', masked: false }, { label: 'B', masked: true }] });
    for (let i = 0; i < 400; i++) await c.request('config.set', { application: 'Full', identifier: `k${i}`, fields: { A: `a${i}`, B: `b${i}` }, expectedTimestamp: null });
  });

  after(async () => {
    await t?.dispose();
    if (!skipReason) unmountTmpfs(mountPoint);
    rmSync(mountPoint, { recursive: true, force: true });
  });

  test('writes on a full disk are refused with a stable code, reads keep working, writes resume when space is back', async (ctx) => {
    if (skipReason) return ctx.skip(skipReason);
    const c = await t!.client();
    const before = await c.request('config.get', { application: 'Full', identifier: 'k1', reveal: true });
    const filler = fill(mountPoint);
    try {
      let refused: SsoError | undefined;
      for (let i = 0; i < 20 && !refused; i++) {
        try {
          const current = await c.request('config.get', { application: 'Full', identifier: `k${i}` });
          await c.request('config.set', { application: 'Full', identifier: `k${i}`, fields: { A: 'while-full', B: 'while-full' }, expectedTimestamp: current.timestamp });
        } catch (err) {
          refused = err as SsoError;
        }
      }
      assert.ok(refused instanceof SsoError, 'a write was refused once the disk was full');
      assert.equal(refused.code, 'ENTSSO_E_SSODB_UNREACHABLE', refused.message);
      assert.doesNotMatch(refused.message, /ENOSPC|SQLITE|errno/i, 'a sentence, not driver text');
      // Without revealing: a reveal needs its audit row written first (test/reliability/auditFailClosed.test.ts).
      const read = await c.request('config.get', { application: 'Full', identifier: 'k1' });
      assert.equal(read.fields.A, before.fields.A, 'reads still decrypt');
    } finally {
      rmSync(filler);
    }
    await waitUntil(async () => {
      try {
        const current = await c.request('config.get', { application: 'Full', identifier: 'k1' });
        await c.request('config.set', { application: 'Full', identifier: 'k1', fields: { A: 'after-full' }, expectedTimestamp: current.timestamp });
        return true;
      } catch {
        return false;
      }
    }, 15_000, () => 'writes did not resume after space came back');
    for (let i = 0; i < 20; i++) {
      const doc = await c.request('config.get', { application: 'Full', identifier: `k${i}`, reveal: true });
      assert.ok(doc.fields.A === `a${i}` || doc.fields.A === 'while-full' || doc.fields.A === 'after-full', `k${i}: ${doc.fields.A}`);
      if (doc.fields.A === 'while-full') assert.equal(doc.fields.B, 'while-full', `k${i}: no partial write`);
    }
    assert.ok(t!.service!.running && t!.mss!.running, 'no process crashed');
  });

  test('a rotation whose re-encryption hits a full disk completes by itself once space is back; every row decrypts', async (ctx) => {
    if (skipReason) return ctx.skip(skipReason);
    const c = await t!.client();
    const prepared = await c.request('secret.prepareGenerate', { password: 'rotation on a full disk 2026', reminder: '' });
    await c.request('secret.commitGenerate', { newMsid: prepared.newMsid });
    await waitUntil(() => (c.state?.reencrypt?.done ?? 0) > 0, 10_000, () => 're-encryption started');
    const filler = fill(mountPoint);
    await new Promise((r) => setTimeout(r, 2000));
    assert.ok(t!.mss!.log.some((l) => /re-encryption stopped/.test(l)) || c.state?.state === 'reencrypting', 'the disk fault stopped (or stalled) re-encryption');
    rmSync(filler);
    await waitUntil(async () => {
      const s = await c.request('status', {});
      return s.state === 'ready' && s.msid === prepared.newMsid;
    }, 60_000, () => `re-encryption did not complete; MSS log:\n${t!.mss!.log.slice(-5).join('\n')}`);
    for (let i = 0; i < 400; i += 23) {
      const doc = await c.request('config.get', { application: 'Full', identifier: `k${i}`, reveal: true });
      assert.ok(doc.fields.B === `b${i}` || doc.fields.B === 'while-full', `k${i} decrypts`);
    }
  });
});
