/**
 * The life of a restore's intent in SSODB (gi_SwitchingMsids, mss/restoreIntent.ts): named before
 * the restore counts rows, cleared by its publication; withdrawn when the restore is refused or
 * fails before its switch (and, should that withdrawal fail, by the periodic resume); and, left by a
 * node that crashed mid-restore, cleared by the next node that activates. Real SQLite file and
 * SecretAuthority; faults are injected into single store calls.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { encryptBag } from '../../../src/ssoService/crypto/dataCipher';
import { generateMasterSecret } from '../../../src/ssoService/crypto/masterSecret';
import { SecretVault } from '../../../src/ssoService/crypto/secretVault';
import { SecretAuthority } from '../../../src/ssoService/mss/secretAuthority';
import { createSqliteStore } from '../../../src/ssoService/ssodb/sqliteStore';
import type { SsoStore } from '../../../src/ssoService/ssodb/store';

const PASSWORD = 'correct horse battery staple 42';
const NODE = 'localhost:0';
const APP = 'Contoso.Orders';
const scratch = mkdtempSync(join(tmpdir(), 'restore-intent-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

/** An active node serving fresh secret B, and a backup of another secret X. */
async function activeNodeAndBackup(name: string) {
  const store = createSqliteStore({ file: join(scratch, `${name}.db`) });
  await store.init();
  const logs: string[] = [];
  const options = { store, environmentId: 'env-test', name: NODE, log: (m: string) => logs.push(m), onChanged: () => undefined };
  await SecretVault.create(join(scratch, `${name}-b`), generateMasterSecret());
  const node = new SecretAuthority({ ...options, vaultDir: join(scratch, `${name}-b`) });
  await node.openVault();
  await store.acquireLease(NODE, 600_000, 0);
  await node.activate();
  await SecretVault.create(join(scratch, `${name}-x`), generateMasterSecret());
  const source = new SecretAuthority({ ...options, vaultDir: join(scratch, `${name}-x`) });
  await source.openVault();
  const { file: backupOfX } = await source.backup(PASSWORD, 'x');
  await store.createApplication({ name: APP, description: '', contact: '', userGroup: 'u', adminGroup: 'a', flags: 0, kind: 'configStore', fields: [{ label: 'Password', masked: true }] });
  return { store, node, logs, options, b: node.secrets().current, backupOfX };
}

const switching = async (store: SsoStore) => (await store.getGlobalInfo()).switchingMsids;

test('a restore refused by its row count withdraws its intent: saves under the secret SSODB names go on', async () => {
  const { store, node, b, backupOfX } = await activeNodeAndBackup('refused');
  await store.putCredentials(APP, 'Partner', null, b.msid, encryptBag(b, APP, 'Partner', Buffer.from('{"Password":"pa55"}')));
  let duringCount: string | null | undefined;
  const count = store.countRowsBySecret.bind(store);
  store.countRowsBySecret = async (except) => ((duringCount ??= await switching(store)), count(except));
  await assert.rejects(node.restore(backupOfX, PASSWORD), (e: Error & { code?: string }) => e.code === 'ENTSSO_E_BAD_FILE');
  assert.notEqual(duringCount, null, 'named before the count');
  assert.equal(await switching(store), null, 'withdrawn');
  const row = await store.getCredentials(APP, 'Partner');
  await store.putCredentials(APP, 'Partner', row!.timestamp, b.msid, encryptBag(b, APP, 'Partner', Buffer.from('{"Password":"again"}')));
  await node.stop();
  await store.close();
});

test('a restore that fails before its switch withdraws its intent; a withdrawal that fails is logged and made by the periodic resume', async () => {
  const { store, node, logs, b, backupOfX } = await activeNodeAndBackup('failed');
  const count = store.countRowsBySecret.bind(store);
  store.countRowsBySecret = async () => {
    throw new Error('SSODB fault during the count');
  };
  await assert.rejects(node.restore(backupOfX, PASSWORD), /SSODB fault during the count/);
  assert.equal(await switching(store), null, 'withdrawn after the failure');
  assert.equal(node.secrets().current.msid, b.msid, 'not switched');

  const update = store.updateGlobalInfo.bind(store);
  const clearing = { fails: true };
  store.updateGlobalInfo = async (patch, fence) => {
    if (clearing.fails && patch.switchingMsids === null) throw new Error('SSODB refused the update');
    return update(patch, fence);
  };
  await assert.rejects(node.restore(backupOfX, PASSWORD), /SSODB fault during the count/);
  assert.notEqual(await switching(store), null, 'left behind: its withdrawal failed');
  assert.equal(logs.filter((l) => l.includes("restore's intent could not be cleared")).length, 1, logs.join('\n'));
  await assert.rejects(store.putCredentials(APP, 'Partner', null, b.msid, Buffer.from('x')), (e: Error & { details?: { restoreInProgress?: unknown } }) => e.details?.restoreInProgress === true);
  clearing.fails = false;
  store.countRowsBySecret = count;
  node.resumeReencryptionIfNeeded(); // the periodic resume
  await node.stop(); // waits for the secret changes queued (the withdrawal among them)
  assert.equal(await switching(store), null, 'cleared by the periodic resume');
  await store.close();
});

test('an intent left by a node that crashed mid-restore is cleared by the next activation, by that node or another', async () => {
  for (const who of ['the same node restarted', 'a standby holding the secret SSODB names']) {
    const { store, node, options, b, backupOfX } = await activeNodeAndBackup(who === 'the same node restarted' ? 'crash-same' : 'crash-other');
    const vaultDir = who === 'the same node restarted' ? undefined : join(scratch, 'crash-other-standby');
    // The crash: the intent is in SSODB, the process is gone before its switch.
    const count = store.countRowsBySecret.bind(store);
    store.countRowsBySecret = () => ((store.countRowsBySecret = count), new Promise(() => undefined)); // the restore's count never returns
    void node.restore(backupOfX, PASSWORD).catch(() => undefined);
    for (let i = 0; i < 200 && (await switching(store)) === null; i++) await new Promise((r) => setTimeout(r, 10));
    assert.notEqual(await switching(store), null, 'the intent was written');
    await assert.rejects(store.putCredentials(APP, 'Partner', null, b.msid, Buffer.from('x')), /restore is in progress/, 'saves under B are refused meanwhile');
    node.deactivate();
    if (vaultDir) {
      const standby = await SecretVault.create(vaultDir, b);
      assert.equal(standby.current().msid, b.msid);
    }
    const next = new SecretAuthority({ ...options, vaultDir: vaultDir ?? join(scratch, 'crash-same-b') });
    await next.openVault();
    await next.activate();
    assert.equal(await switching(store), null, `${who}: cleared by the activation's publication`);
    await store.putCredentials(APP, 'Partner', null, b.msid, encryptBag(b, APP, 'Partner', Buffer.from('{"Password":"pa55"}')));
    await next.stop();
    await store.close();
  }
});
