/**
 * A save in flight across a master secret restore (found by review): the MSS serves a fresh secret
 * B (nothing saved under it), the administrator restores the environment's real secret X, which
 * drops B. A service took B for a save; its write reaches SSODB only after the restore was
 * published. Written under B it would be unreadable by every node; SSODB refuses it (B is no
 * longer a secret it names), and the service gets X from the MSS and saves once more under X.
 *
 * Real parts: an SQLite file, the MSS's SecretAuthority (vault, restore, publication under a
 * lease), the service's SsoOperations and SecretCache. The service's link to the MSS is a direct
 * call of the authority (what getSecrets answers); only the save's write is held back, until the
 * restore is done, to place it in the race.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { SsoError } from '../../../src/protocol/errors';
import { generateMasterSecret } from '../../../src/ssoService/crypto/masterSecret';
import { SecretVault } from '../../../src/ssoService/crypto/secretVault';
import { SecretAuthority } from '../../../src/ssoService/mss/secretAuthority';
import { SsoOperations } from '../../../src/ssoService/service/operations';
import { SecretCache } from '../../../src/ssoService/service/secretCache';
import { createSqliteStore } from '../../../src/ssoService/ssodb/sqliteStore';
import type { SsoStore } from '../../../src/ssoService/ssodb/store';

const PASSWORD = 'correct horse battery staple 42';
const APP = 'Contoso.Orders';
const NODE = 'localhost:0';
const ctx = { client: 'test' };
const scratch = mkdtempSync(join(tmpdir(), 'save-across-restore-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

interface Setup {
  store: SsoStore;
  node: SecretAuthority;
  cache: SecretCache;
  ops: SsoOperations;
  backupOfX: string;
}

/** The active MSS serving a fresh secret B, a service synced to it, and a backup of the real secret X. */
async function setUp(name: string, mss: 'reachable' | 'unreachable after the restore'): Promise<Setup> {
  const store = createSqliteStore({ file: join(scratch, `${name}.db`) });
  await store.init();
  const options = { store, environmentId: 'env-test', name: NODE, log: () => undefined, onChanged: () => undefined };
  await SecretVault.create(join(scratch, `${name}-b`), generateMasterSecret());
  const node = new SecretAuthority({ ...options, vaultDir: join(scratch, `${name}-b`) });
  await node.openVault();
  await store.acquireLease(NODE, 60_000, 0);
  await node.activate();
  await SecretVault.create(join(scratch, `${name}-x`), generateMasterSecret());
  const source = new SecretAuthority({ ...options, vaultDir: join(scratch, `${name}-x`) });
  await source.openVault();
  const { file: backupOfX } = await source.backup(PASSWORD, 'the real secret');
  await store.createApplication({
    name: APP, description: '', contact: '', userGroup: 'BizTalk Application Users', adminGroup: 'SSO Administrators', flags: 0, kind: 'configStore',
    fields: [{ label: 'Host', masked: false }, { label: 'Password', masked: true }],
  });
  const cache = new SecretCache(60_000);
  cache.onSynced(node.secrets());
  let restored = false;
  const resyncSecrets = async () => {
    if (mss === 'reachable' || !restored) cache.onSynced(node.secrets());
  };
  const ops = new SsoOperations(store, cache, async () => {
    throw new Error('no master secret server operations in this test');
  }, 'env-test', { resyncSecrets });
  const restore = node.restore.bind(node);
  node.restore = async (...args) => {
    const result = await restore(...args);
    restored = true;
    return result;
  };
  return { store, node, cache, ops, backupOfX };
}

/** A save through the service whose write reaches SSODB only once `landAfter` is done. */
async function saveLandingAfter(setup: Setup, landAfter: () => Promise<unknown>): Promise<{ saved: unknown; b: string }> {
  const { store, ops, cache } = setup;
  const b = cache.secretForEncryption().msid;
  const save = store.saveConfiguration!.bind(store);
  let held = true;
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  store.saveConfiguration = async (...args) => {
    if (held) {
      held = false;
      await gate;
    }
    return save(...args);
  };
  const saving = ops.handlers['config.set']({ application: APP, identifier: 'Partner', fields: { Host: 'ftp.contoso.com', Password: 'pa55' }, expectedTimestamp: null }, ctx).then(
    (result) => result,
    (err: unknown) => err,
  );
  await new Promise((resolve) => setImmediate(resolve));
  await landAfter();
  release();
  return { saved: await saving, b };
}

test('a save that took the secret a restore drops, landing after the restore was published, is saved under the restored secret', async () => {
  const setup = await setUp('reachable', 'reachable');
  const { saved, b } = await saveLandingAfter(setup, () => setup.node.restore(setup.backupOfX, PASSWORD));
  const x = setup.node.secrets().current.msid;
  assert.notEqual(x, b);
  assert.ok(!(saved instanceof Error), `the save succeeded: ${String(saved)}`);
  const row = await setup.store.getCredentials(APP, 'Partner');
  assert.equal(row?.msid, x, `the row is under the restored secret ${x}, not the dropped ${b}`);
  const document = await setup.ops.handlers['config.get']({ application: APP, identifier: 'Partner', reveal: false }, ctx);
  assert.deepEqual([document.fields.Host, document.maskedSet], ['ftp.contoso.com', ['Password']], 'readable with the secrets the MSS holds');
  await setup.node.stop();
  await setup.store.close();
});

test('the same save, when the MSS cannot hand out the restored secret, is refused with what to do and writes nothing', async () => {
  const setup = await setUp('unreachable', 'unreachable after the restore');
  const { saved, b } = await saveLandingAfter(setup, () => setup.node.restore(setup.backupOfX, PASSWORD));
  assert.ok(saved instanceof SsoError, `refused: ${String(saved)}`);
  assert.equal(saved.code, 'ENTSSO_E_NO_SECRET');
  assert.equal(saved.details.msid, b);
  assert.match(saved.message, /Nothing was written\. Check Health/);
  assert.equal(await setup.store.getCredentials(APP, 'Partner'), undefined, 'no row under a secret no node holds');
  await setup.node.stop();
  await setup.store.close();
});
