/**
 * The master secret lifecycle with real processes: back up, verify, restore into a destroyed
 * MSS, rotate with re-encryption killed half-way. Through ssoctl (as automation uses it) and
 * the client library.
 */
import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { SsoError } from '../../src/protocol/errors';
import { TestEnvironment, waitForState, waitUntil } from './harness';

const PASSWORD = 'correct horse battery staple 42';
const ROWS = Number(process.env.SSO_ROTATION_ROWS ?? 10_000);
const MSS_ARGS = ['--reencrypt-batch', '25'];

describe('master secret lifecycle', () => {
  let t: TestEnvironment;
  let backupFile: string;

  before(async () => {
    t = TestEnvironment.create({ syncIntervalSeconds: 1 });
    // Small batches: many commits, so that the MSS can be killed in the middle of a rotation.
    await t.startMss(MSS_ARGS);
    await t.startService();
    backupFile = join(t.dir, '..', 'master.backup');
    const c = await t.client();
    await c.request('apps.create', { name: 'Rotation.Test', kind: 'configStore', fields: [{ label: 'Index', masked: false }, { label: 'Secret', masked: true }] });
  });
  after(async () => t.dispose());

  test('a backup is recorded only once its file is written: a missing folder or bytes never written leave "no backup" (review 10, F3)', async () => {
    const c = await t.client();
    assert.equal((await c.request('secret.info', {})).lastBackupAt, null);
    const missing = join(t.dir, '..', 'no-such-folder', 'master.backup');
    const r = t.ssoctl(['secret', 'backup', '--file', missing, '--password-stdin'], PASSWORD + '\n');
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /The folder of .*no-such-folder.*master\.backup does not exist/);
    assert.doesNotMatch(r.stderr, /\.tmp/, 'the error names the file asked for, not a temporary one');
    // The service made the bytes, nobody wrote them: still no backup.
    const made = await c.request('secret.backup', { password: PASSWORD, reminder: '', confirmWrite: true });
    assert.equal((await c.request('secret.info', {})).lastBackupAt, null);
    assert.equal((await c.request('health', {})).checks.find((x) => x.id === 'backup')?.verdict, 'error');
    // A file holding other secrets does not count as a backup of the live one.
    assert.deepEqual(await c.request('secret.backupWritten', { msids: ['{00000000-0000-0000-0000-000000000000}'] }), { recorded: false });
    assert.equal((await c.request('secret.info', {})).lastBackupAt, null);
    assert.ok(made.msids.length > 0);
  });

  test('backup writes a file whose reminder is readable and whose password is required', async () => {
    const r = t.ssoctl(['secret', 'backup', '--file', backupFile, '--reminder', 'the usual phrase', '--password-stdin'], PASSWORD + '\n');
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stderr, /warning/, 'confirmed with secret.backupWritten');
    assert.notEqual((await (await t.client()).request('secret.info', {})).lastBackupAt, null, 'recorded once the file is written');
    const text = readFileSync(backupFile, 'utf8');
    assert.ok(!text.includes(PASSWORD), 'the password is not in the file');
    const inspect = JSON.parse(t.ssoctl(['secret', 'inspect', '--file', backupFile, '--json']).stdout);
    assert.equal(inspect.reminder, 'the usual phrase');
    assert.equal(inspect.foreignEnvironment, false);

    const weak = t.ssoctl(['secret', 'backup', '--file', backupFile + '.weak', '--password-stdin'], 'short\n');
    assert.notEqual(weak.code, 0);
    assert.match(weak.stderr, /too weak|at least/i);
  });

  test('a client from before backupWritten (secret.backup without confirmWrite) has its backup recorded as made (review 11, F2)', async () => {
    const c = await t.client();
    const before = (await c.request('secret.info', {})).lastBackupAt;
    assert.ok(before, 'recorded by the previous test');
    // A later millisecond, so that a new record is told from the old one (not a timing assertion).
    await new Promise((resolve) => setTimeout(resolve, 5));
    await c.request('secret.backup', { password: PASSWORD, reminder: '' });
    const after = (await c.request('secret.info', {})).lastBackupAt;
    assert.ok(after && after > before, `recorded again: ${before} → ${after}`);
  });

  test('verify: wrong password and tampered files are told apart; the right one records a verified backup', async () => {
    const wrong = t.ssoctl(['secret', 'verify', '--file', backupFile, '--password-stdin'], 'not the password at all 1\n');
    assert.equal(wrong.code, 10, 'a wrong password is a failure (10), not "opens but not the live secret" (1)');
    assert.match(wrong.stderr, /ENTSSO_E_BAD_PASSWORD/);

    const bytes = readFileSync(backupFile);
    const tampered = Buffer.from(bytes);
    tampered[tampered.length - 10] ^= 0x01;
    writeFileSync(backupFile + '.tampered', tampered);
    const bad = t.ssoctl(['secret', 'verify', '--file', backupFile + '.tampered', '--password-stdin'], PASSWORD + '\n');
    assert.match(bad.stderr, /ENTSSO_E_BAD_FILE/);
    writeFileSync(backupFile + '.truncated', bytes.subarray(0, bytes.length / 2));
    const truncated = t.ssoctl(['secret', 'verify', '--file', backupFile + '.truncated', '--password-stdin'], PASSWORD + '\n');
    assert.match(truncated.stderr, /ENTSSO_E_BAD_FILE/);

    const c = await t.client();
    const before = await c.request('health', {});
    assert.equal(before.checks.find((x) => x.id === 'backup')?.verdict, 'warning', 'backed up but not verified');
    const ok = t.ssoctl(['secret', 'verify', '--file', backupFile, '--password-stdin'], PASSWORD + '\n');
    assert.equal(ok.code, 0, ok.stderr);
    const afterHealth = await c.request('health', {});
    assert.equal(afterHealth.checks.find((x) => x.id === 'backup')?.verdict, 'ok');
  });

  test(`rotation over ${ROWS} configurations survives SIGKILL of the MSS mid-way; every row decrypts to its old value`, async () => {
    const c = await t.client();
    for (let i = 0; i < ROWS; i++) {
      await c.request('config.set', { application: 'Rotation.Test', identifier: `cfg-${String(i).padStart(6, '0')}`, fields: { Index: String(i), Secret: `s3cret-${i}` }, expectedTimestamp: null });
    }
    const oldMsid = (await c.request('secret.info', {})).currentMsid;
    const newBackup = join(t.dir, '..', 'new.backup');
    const gen = t.ssoctl(['secret', 'generate', '--file', newBackup, '--reminder', 'rotation', '--password-stdin', '--json'], PASSWORD + '\n');
    assert.equal(gen.code, 0, gen.stderr);
    const { msid: newMsid } = JSON.parse(gen.stdout);
    assert.notEqual(newMsid, oldMsid);

    // Writes are refused while re-encrypting.
    const s = await waitForState(c, 'reencrypting', 10_000);
    assert.ok(s.reencrypt && s.reencrypt.total > 0);
    await assert.rejects(
      c.request('config.set', { application: 'Rotation.Test', identifier: 'cfg-000001', fields: { Index: 'x' }, expectedTimestamp: null }),
      (e: unknown) => e instanceof SsoError && e.code === 'ENTSSO_E_REENCRYPT_IN_PROGRESS',
    );

    await waitUntil(() => (c.state?.reencrypt?.done ?? 0) > 0, 20_000, () => 'no re-encryption progress');
    const progressAtKill = c.state?.reencrypt;
    await t.mss!.kill('SIGKILL');
    assert.ok(progressAtKill && progressAtKill.done < progressAtKill.total, `killed mid-way (${progressAtKill?.done}/${progressAtKill?.total})`);

    await t.startMss(MSS_ARGS);
    await waitForState(c, 'ready', 120_000);
    const info = await c.request('secret.info', {});
    assert.equal(info.currentMsid, newMsid);
    assert.equal(info.previousMsid, oldMsid);
    for (let i = 0; i < ROWS; i += Math.max(1, Math.floor(ROWS / 500))) {
      const doc = await c.request('config.get', { application: 'Rotation.Test', identifier: `cfg-${String(i).padStart(6, '0')}`, reveal: true });
      assert.equal(doc.fields.Secret, `s3cret-${i}`);
    }
    // Every row is under the new MSID: proven by the store itself.
    const { openStore } = await import('../../src/ssoService/ssodb/openStore');
    const store = await openStore({ kind: 'sqlite', file: t.ssodbFile });
    try {
      assert.equal(await store.countRowsNotUnder(newMsid), 0);
    } finally {
      await store.close();
    }
  });

  test('back up, destroy the MSS secret store, restore from the file: a fresh SSO service decrypts everything again', async () => {
    const before = await (await t.client()).request('config.get', { application: 'Rotation.Test', identifier: 'cfg-000003', reveal: true });
    const latest = join(t.dir, '..', 'latest.backup');
    assert.equal(t.ssoctl(['secret', 'backup', '--file', latest, '--password-stdin'], PASSWORD + '\n').code, 0);

    await t.service!.kill('SIGKILL');
    await t.mss!.kill('SIGKILL');
    rmSync(t.env.paths.vault, { recursive: true, force: true });
    await t.startMss(); // starts without a secret, waiting for a restore
    await t.startService();
    const c = await t.client();
    assert.equal((await c.request('status', {})).state, 'no-secret');

    const restored = t.ssoctl(['secret', 'restore', '--file', latest, '--password-stdin'], PASSWORD + '\n');
    assert.equal(restored.code, 0, restored.stderr);
    await waitForState(c, 'ready', t.syncIntervalMs + 3000);
    const after = await c.request('config.get', { application: 'Rotation.Test', identifier: 'cfg-000003', reveal: true });
    assert.deepEqual(after.fields, before.fields);
  });
});
