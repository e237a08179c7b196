/**
 * Review 7, finding 1: a publication refused by SSODB's lease fence turns the authority off. If the
 * node then renews its own lease, Leadership stays 'active', never emits 'active' again, and
 * activate() never runs again: the node serves the new secret, SSODB names the old one, nothing
 * publishes it. The authority reports the refusal (onStoppedServing) and the node gives the lease up,
 * wired here as mssServer wires them; after the hold-off it retakes the lease and publishes.
 * Real SQLite file, real Leadership and SecretAuthority; only the timing (or the refusal) of
 * updateGlobalInfo is injected.
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { generateMasterSecret } from '../../../src/ssoService/crypto/masterSecret';
import { SecretVault } from '../../../src/ssoService/crypto/secretVault';
import { Leadership } from '../../../src/ssoService/mss/leadership';
import { SecretAuthority } from '../../../src/ssoService/mss/secretAuthority';
import { leaseNotHeld } from '../../../src/ssoService/ssodb/schema/storeErrors';
import { createSqliteStore } from '../../../src/ssoService/ssodb/sqliteStore';
import type { SsoStore } from '../../../src/ssoService/ssodb/store';

const PASSWORD = 'correct horse battery staple 42';
const NODE = 'node-a:1';
// Long enough that a loaded machine's pauses between renewals do not lapse it (150 ms failed 1 run in 4 at load 10).
const TTL = 600;
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

async function activeNodeWithPreparedRotation(ttlMs = TTL) {
  const scratch = mkdtempSync(join(tmpdir(), 'fence-refusal-'));
  const store = createSqliteStore({ file: join(scratch, 'sso.db') });
  await store.init();
  await SecretVault.create(join(scratch, 'vault'), generateMasterSecret());
  const lead = new Leadership({ node: NODE, lease: store, ttlMs, renewMs: ttlMs / 3, graceMs: 0, log: () => undefined });
  const logs: string[] = [];
  // As mssServer wires them: a refused publication gives the lease up.
  const a = new SecretAuthority({
    vaultDir: join(scratch, 'vault'),
    store,
    environmentId: 'env',
    name: NODE,
    log: (m) => logs.push(m),
    onChanged: () => undefined,
    onStoppedServing: () => void lead.demote().catch(() => undefined),
  });
  await a.openVault();
  let activation: Promise<void> = Promise.resolve();
  lead.on('role', (role) => {
    activation = role === 'active' ? a.activate() : Promise.resolve(a.deactivate());
  });
  await lead.tick();
  await activation;
  await a.idle();
  const { newMsid } = await a.prepareRotation(PASSWORD, 'z');
  /** The node's periods, as mssServer runs them, until SSODB names the new secret or time runs out. */
  const runPeriods = async (forMs: number) => {
    const end = Date.now() + forMs;
    while (Date.now() < end && (await store.getGlobalInfo()).currentMsid !== newMsid) {
      await lead.tick();
      await activation.catch(() => undefined);
      if (lead.isActive()) a.resumeReencryptionIfNeeded();
      await a.idle();
      await sleep(60);
    }
  };
  return { store, lead, a, newMsid, runPeriods, logs };
}

function inject(store: SsoStore, fault: () => Promise<void>): void {
  const update = store.updateGlobalInfo.bind(store);
  let once = true;
  store.updateGlobalInfo = async (...args) => {
    if (once) {
      once = false;
      await fault();
    }
    return update(...args);
  };
}

test('a publication refused by the lease fence after a stall, lease then renewed by the same node: the node publishes its switch again', async () => {
  const { store, lead, a, newMsid, runPeriods } = await activeNodeWithPreparedRotation();
  // The publication waits on a lock past the lease's expiry (the renewal waits with it).
  inject(store, () => sleep(TTL + 300));
  await assert.rejects(a.commitRotation(newMsid), (e: Error & { code?: string }) => e.code === 'ENTSSO_E_MSS_UNREACHABLE');
  // The lock is free again; no other node took the lease.
  await runPeriods(6000);
  assert.equal(lead.isActive(), true, 'the node holds the lease again');
  assert.equal(a.secrets().current.msid, newMsid, 'and hands out the new secret');
  assert.equal((await store.getGlobalInfo()).currentMsid, newMsid, 'SSODB names the secret the active node serves');
  await a.stop();
  await lead.stop();
  await store.close();
});

test('a refusal by the lease fence with no lapse this node can see (SSODB\'s clock ahead of its own): the node publishes its switch again', async () => {
  const { store, lead, a, newMsid, runPeriods } = await activeNodeWithPreparedRotation(1500);
  // No stall: this node's own deadline has not passed, yet SSODB counts its lease as run out.
  inject(store, () => Promise.reject(leaseNotHeld(NODE)));
  await lead.tick(); // renewed just now, as every period
  await assert.rejects(a.commitRotation(newMsid), (e: Error & { code?: string }) => e.code === 'ENTSSO_E_MSS_UNREACHABLE');
  await runPeriods(6000);
  assert.equal(lead.isActive(), true, 'the node holds the lease again');
  assert.equal((await store.getGlobalInfo()).currentMsid, newMsid, 'SSODB names the secret the active node serves');
  await a.stop();
  await lead.stop();
  await store.close();
});
