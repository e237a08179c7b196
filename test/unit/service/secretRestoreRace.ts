/**
 * The race both secret-fence tests place a write in: the active MSS serving a fresh secret B, a
 * service synced to it, and a backup of the environment's real secret X, which a restore brings
 * back (dropping B). Real parts: an SQLite file, the MSS's SecretAuthority, the service's
 * SsoOperations and SecretCache; the service's link to the MSS is a direct call of the authority.
 */
import { join } from 'node:path';
import { generateMasterSecret } from '../../../src/ssoService/crypto/masterSecret';
import { SecretVault } from '../../../src/ssoService/crypto/secretVault';
import { SecretAuthority } from '../../../src/ssoService/mss/secretAuthority';
import { SsoOperations } from '../../../src/ssoService/service/operations';
import { SecretCache } from '../../../src/ssoService/service/secretCache';
import { createSqliteStore } from '../../../src/ssoService/ssodb/sqliteStore';
import type { SsoStore } from '../../../src/ssoService/ssodb/store';

export const PASSWORD = 'correct horse battery staple 42';
export const APP = 'Contoso.Orders';
const NODE = 'localhost:0';

export interface Setup {
  store: SsoStore;
  node: SecretAuthority;
  cache: SecretCache;
  ops: SsoOperations;
  backupOfX: string;
}

/** The active MSS serving a fresh secret B, a service synced to it, and a backup of the real secret X. */
export async function setUp(scratch: string, name: string, mss: 'reachable' | 'unreachable after the restore'): Promise<Setup> {
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

