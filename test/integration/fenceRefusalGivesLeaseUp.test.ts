/**
 * Review 7, finding 1, on a real node: SSODB's lease fence refuses the active node's publication of
 * a rotation while no other node took the lease (SSODB's clock ahead of the node's, or the renewal
 * and the publication stalled past the expiry). The node renews its own lease every period, so
 * without giving it up it stays "active", serving a secret SSODB never names. The real MssServer on
 * the real SQLite file of an `ssoctl init` environment, in this process; the one refusal is the
 * store's own lease-not-held error, injected by a wrapper.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadEnvironment, mssTls, nodeTls } from '../../src/ssoService/environment';
import { MssServer } from '../../src/ssoService/mss/mssServer';
import { openStore } from '../../src/ssoService/ssodb/openStore';
import { leaseNotHeld } from '../../src/ssoService/ssodb/schema/storeErrors';
import type { SsoStore } from '../../src/ssoService/ssodb/store';
import { TestEnvironment, waitUntil } from './harness';

const PASSWORD = 'correct horse battery staple 42';

test('a publication refused by the lease fence: the node gives the lease up, retakes it and publishes the switch', async () => {
  const t = TestEnvironment.create();
  const env = loadEnvironment(t.dir);
  const real = await openStore({ kind: 'sqlite', file: t.ssodbFile });
  const fault = { refuseNext: false };
  let name = '';
  const store = new Proxy(real, {
    get(target, key, receiver) {
      const value = Reflect.get(target, key, receiver) as unknown;
      if (typeof value !== 'function') return value;
      if (key === 'updateGlobalInfo' && fault.refuseNext) {
        fault.refuseNext = false;
        return async () => {
          throw leaseNotHeld(name);
        };
      }
      return (value as (...a: unknown[]) => unknown).bind(target);
    },
  }) as SsoStore;
  const logs: string[] = [];
  const node = new MssServer({ vaultDir: env.paths.vault, environmentId: env.config.id, store, tls: mssTls(env), clientTls: nodeTls(env), host: '127.0.0.1', port: 0, lease: { ttlMs: 1000, renewMs: 200, graceMs: 200 }, log: (m) => logs.push(m) });
  try {
    await node.start();
    name = node.name;
    await waitUntil(async () => (await real.getGlobalInfo()).secretServer === node.name, 10_000, () => logs.join('\n'));
    const { newMsid } = await node.authority.prepareRotation(PASSWORD, 'z');
    fault.refuseNext = true;
    await assert.rejects(node.authority.commitRotation(newMsid), (e: Error & { code?: string }) => e.code === 'ENTSSO_E_MSS_UNREACHABLE');
    await waitUntil(async () => (await real.getGlobalInfo()).currentMsid === newMsid, 10_000, () => `SSODB never names ${newMsid}, which the node serves:\n${logs.join('\n')}`);
    assert.equal(node.leadership.isActive(), true);
    assert.ok(logs.some((l) => /no longer counted this node as the lease holder .*gives the lease up/.test(l)), logs.join('\n'));
  } finally {
    await node.close();
    await real.close();
    await t.dispose();
  }
});
