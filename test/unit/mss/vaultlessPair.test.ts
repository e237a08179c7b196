/**
 * Review 7, finding 2: every live MSS node lacks a secret (disaster recovery: vault folders lost on
 * both nodes, SSODB intact). Each stood aside while the other was seen alive, with no time limit,
 * so no node ever kept the lease, and a restore (active node only, sent to the node SSODB names)
 * was refused for ever. SecretAuthority on a store stand-in holding only SSOX_GlobalInfo and
 * SSOX_MssNodes (unit test of the takeover's decision; the integration test
 * vaultlessNodeLeavesLease runs real nodes).
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { SecretAuthority } from '../../../src/ssoService/mss/secretAuthority';
import type { MssNodeRow, SsoStore } from '../../../src/ssoService/ssodb/store';

const scratch = mkdtempSync(join(tmpdir(), 'vaultless-pair-'));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const WINDOW_MS = 40;

function store(nodes: () => MssNodeRow[]): SsoStore {
  let info = { secretServer: 'node-1:1', currentMsid: '{11111111-1111-1111-1111-111111111111}' } as Awaited<ReturnType<SsoStore['getGlobalInfo']>>;
  return {
    getGlobalInfo: async () => ({ ...info }),
    updateGlobalInfo: async (patch: object) => ((info = { ...info, ...patch }), { ...info }),
    listMssNodes: async () => nodes(),
  } as unknown as SsoStore;
}

const bothAlive = () => [
  { name: 'node-1:1', role: 'standby' as const, lastSeenAt: Date.now(), lastTakeoverAt: null },
  { name: 'node-2:1', role: 'standby' as const, lastSeenAt: Date.now(), lastTakeoverAt: null },
];

async function vaultlessNode(name: string, s: SsoStore): Promise<SecretAuthority> {
  const node = new SecretAuthority({ vaultDir: join(scratch, name.replace(':', '_')), store: s, environmentId: 'env', name, peerAliveWindowMs: WINDOW_MS, log: () => undefined, onChanged: () => undefined });
  await node.openVault();
  return node;
}

async function keepsLease(node: SecretAuthority): Promise<boolean> {
  try {
    await node.activate();
    return true;
  } catch {
    node.deactivate();
    return false;
  }
}

test('two nodes without a secret, both alive: within a few windows the node SSODB names keeps the lease (so a backup can be restored on it)', async () => {
  const s = store(bothAlive);
  const nodes = [await vaultlessNode('node-1:1', s), await vaultlessNode('node-2:1', s)];
  let keeper: number | undefined;
  // Lease alternating between them, for ten windows (the rows case gives up after four).
  for (let i = 0; i < 20 && keeper === undefined; i++) {
    if (await keepsLease(nodes[i % 2]!)) keeper = i % 2;
    await sleep(WINDOW_MS / 2);
  }
  assert.equal(keeper, 0, 'the node SSODB names (restores are sent to it) keeps the lease; no node keeping it means a restore is refused for ever');
});

test('the node SSODB names, without a secret, still leaves the lease at first while another node is alive (that one may hold the secret)', async () => {
  const s = store(bothAlive);
  const named = await vaultlessNode('node-1:1', s);
  assert.equal(await keepsLease(named), false);
});
