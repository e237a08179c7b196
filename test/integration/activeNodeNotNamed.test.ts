/**
 * The node holding the lease and the node SSODB names as the master secret server can differ: a
 * takeover whose publication failed, a node without the secret that took the lease, a late write
 * of a node that lost it (here SSODB is simply made to name a dead node). Real MssServers (TLS on loopback) on the real SQLite file of an
 * `ssoctl init` environment, in this process so that the lease holder can be arranged exactly.
 */
import assert from 'node:assert/strict';
import { cpSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { loadEnvironment, mssTls, nodeTls, serviceTls, type Environment } from '../../src/ssoService/environment';
import { MssLink } from '../../src/ssoService/mss/mssLink';
import { MssServer } from '../../src/ssoService/mss/mssServer';
import { openStore } from '../../src/ssoService/ssodb/openStore';
import type { SsoStore } from '../../src/ssoService/ssodb/store';
import { TestEnvironment, waitUntil } from './harness';

const LEASE = { ttlMs: 1000, renewMs: 200, graceMs: 200 };
const DEAD_NODE = '127.0.0.1:1';
const PASSWORD = 'correct horse battery staple 42';
const cleanup: Array<() => Promise<void>> = [];
after(async () => {
  for (const c of cleanup.reverse()) await c();
});

async function environment(): Promise<{ env: Environment; store: SsoStore }> {
  const t = TestEnvironment.create();
  const store = await openStore({ kind: 'sqlite', file: t.ssodbFile });
  cleanup.push(async () => {
    await store.close();
    await t.dispose();
  });
  return { env: loadEnvironment(t.dir), store };
}

async function startNode(env: Environment, store: SsoStore, vaultDir: string, logs: string[] = [], lease = LEASE): Promise<MssServer> {
  const node = new MssServer({ vaultDir, environmentId: env.config.id, store, tls: mssTls(env), clientTls: nodeTls(env), host: '127.0.0.1', port: 0, lease, log: (m) => logs.push(m) });
  await node.start();
  cleanup.push(() => node.close());
  return node;
}

test('promote asks the lease holder to demote, not the node SSODB names', async () => {
  const { env, store } = await environment();
  // The holder renews every 2 s, so its safety net (every fifth period) looks only after 10 s:
  // the lease holder and the node SSODB names stay different for the few hundred ms this needs.
  const holder = await startNode(env, store, env.paths.vault, [], { ttlMs: 10_000, renewMs: 2000, graceMs: 2000 });
  await waitUntil(async () => (await store.getGlobalInfo()).secretServer === holder.name, 5000, () => 'the holder published itself');
  const copy = join(env.paths.dir, 'mss-2');
  cpSync(env.paths.vault, copy, { recursive: true });
  const other = await startNode(env, store, copy);
  // As a takeover whose publication failed leaves it, or a late publication of a node that lost the lease.
  await store.updateGlobalInfo({ secretServer: DEAD_NODE });
  assert.equal((await store.getLease()).holder, holder.name);
  assert.equal(other.leadership.currentRole, 'standby');

  const link = new MssLink(nodeTls(env), 5000);
  cleanup.push(async () => link.close());
  const answer = await link.request(other.name, 'promote', {});
  assert.deepEqual(answer, { name: other.name, role: 'active' });
  assert.equal(holder.leadership.isActive(), false);
});

test('an active node that SSODB does not name publishes itself again within a few renewal periods, and says so once', async () => {
  const { env, store } = await environment();
  const logs: string[] = [];
  const node = await startNode(env, store, env.paths.vault, logs);
  await waitUntil(async () => (await store.getGlobalInfo()).secretServer === node.name, 5000, () => 'published at its takeover');
  // As a late publication of a node that lost the lease would.
  await store.updateGlobalInfo({ secretServer: DEAD_NODE });
  await waitUntil(async () => (await store.getGlobalInfo()).secretServer === node.name, 10 * LEASE.renewMs + 2000, () => `SSODB still names ${DEAD_NODE}; log:\n${logs.join('\n')}`);
  assert.equal(node.leadership.isActive(), true);
  const said = logs.filter((l) => l.includes(`SSODB names ${DEAD_NODE} as the master secret server, not this active node`));
  assert.equal(said.length, 1, logs.join('\n'));
});

test('the republication waits while a restore is under way: only the restore publishes', async () => {
  const { env, store: real } = await environment();
  // The restore's publication in SSODB is slow (a busy SSODB): the safety net looks several times meanwhile.
  const slow = { on: false };
  const store = new Proxy(real, {
    get(target, key, receiver) {
      const value = Reflect.get(target, key, receiver) as unknown;
      if (typeof value !== 'function') return value;
      const bound = (value as (...a: unknown[]) => Promise<unknown>).bind(target);
      if (key !== 'updateGlobalInfo') return bound;
      return async (...args: unknown[]) => {
        if (slow.on) await new Promise((r) => setTimeout(r, 15 * LEASE.renewMs));
        return bound(...args);
      };
    },
  }) as SsoStore;
  const logs: string[] = [];
  const node = await startNode(env, store, env.paths.vault, logs);
  await waitUntil(async () => (await real.getGlobalInfo()).secretServer === node.name, 5000, () => 'published at its takeover');
  const link = new MssLink(serviceTls(env), 20_000);
  cleanup.push(async () => link.close());
  const { file } = await link.request(node.name, 'backup', { password: PASSWORD, reminder: 'test' });
  await real.updateGlobalInfo({ secretServer: DEAD_NODE });
  slow.on = true;
  const restored = await link.request(node.name, 'restore', { file, password: PASSWORD });
  slow.on = false;
  assert.ok(restored.msid);
  assert.equal((await real.getGlobalInfo()).secretServer, node.name, 'the restore published this node');
  assert.deepEqual(logs.filter((l) => /publishes itself again/.test(l)), [], 'the safety net published nothing during the restore');
});
