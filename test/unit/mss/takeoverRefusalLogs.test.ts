/**
 * Review 7, findings 6a and 6c. (a) A node whose vault lacks the secret SSODB names refuses every
 * takeover (one every hold-off); it said so at every attempt, with "(restore it)" advice that
 * cannot be followed on a node that never becomes active. (c) A node that stood aside for rows under
 * a secret it lacks and then activated alone kept its stand-aside clock: after losing and retaking
 * the lease it skipped waiting for a peer. SecretAuthority with a real vault on a store stand-in
 * (unit test of the takeover's decision).
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { generateMasterSecret } from '../../../src/ssoService/crypto/masterSecret';
import { SecretVault } from '../../../src/ssoService/crypto/secretVault';
import { SecretAuthority } from '../../../src/ssoService/mss/secretAuthority';
import type { MssNodeRow, SecretRowCount, SsoStore } from '../../../src/ssoService/ssodb/store';

const NODE = 'node-1:1';
const LOST = '{99999999-9999-9999-9999-999999999999}';
const WINDOW_MS = 30;
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

interface World {
  published: string | null;
  rowsUnder: SecretRowCount[];
  peers: boolean;
}

function store(world: World): SsoStore {
  return {
    getGlobalInfo: async () => ({ secretServer: 'node-2:1', currentMsid: world.published }),
    updateGlobalInfo: async (patch: { currentMsid?: string }) => {
      world.published = patch.currentMsid ?? world.published;
      return {};
    },
    listMssNodes: async (): Promise<MssNodeRow[]> => (world.peers ? [{ name: 'node-2:1', role: 'standby', lastSeenAt: Date.now(), lastTakeoverAt: null }] : []),
    countRowsBySecret: async () => world.rowsUnder,
    countRowsNotUnder: async () => 0,
  } as unknown as SsoStore;
}

async function node(world: World) {
  const dir = join(mkdtempSync(join(tmpdir(), 'takeover-logs-')), 'vault');
  await SecretVault.create(dir, generateMasterSecret());
  const logs: string[] = [];
  const a = new SecretAuthority({ vaultDir: dir, store: store(world), environmentId: 'env', name: NODE, peerAliveWindowMs: WINDOW_MS, log: (m) => logs.push(m), onChanged: () => undefined });
  await a.openVault();
  return { a, logs };
}

async function takeover(a: SecretAuthority): Promise<string> {
  try {
    await a.activate();
    return 'active';
  } catch (err) {
    a.deactivate();
    return (err as { code: string }).code;
  }
}

test('a node that lacks the secret SSODB names says so once, not at every takeover attempt, and without advice it cannot follow', async () => {
  const world: World = { published: LOST, rowsUnder: [], peers: true };
  const { a, logs } = await node(world);
  for (let i = 0; i < 3; i++) assert.equal(await takeover(a), 'ENTSSO_E_NO_SECRET');
  const said = logs.filter((l) => l.includes(`SSODB says ${LOST} is current`));
  assert.equal(said.length, 1, logs.join('\n'));
  assert.doesNotMatch(said[0]!, /\(restore it\)/);
  assert.match(said[0]!, /copies .* from node-2:1 .*or restore a backup holding .* on the node that is active/);
});

test('a node that activated alone after standing aside for rows under a secret it lacks waits for a peer again when it retakes the lease', async () => {
  const world: World = { published: null, rowsUnder: [{ msid: LOST, rows: 3 }], peers: true };
  const { a, logs } = await node(world);
  world.published = a.secrets().current.msid;
  assert.equal(await takeover(a), 'ENTSSO_E_NO_SECRET', 'stands aside while the peer is alive');
  await sleep(WINDOW_MS * 4 + 20);
  assert.equal(await takeover(a), 'active', 'after four windows with no node taking over with that secret, it activates alone');
  a.deactivate(); // loses the lease (a stalled SSODB); a peer is alive again
  assert.equal(await takeover(a), 'ENTSSO_E_NO_SECRET', 'a new episode: it leaves the lease to the live peer again');
  assert.equal(logs.filter((l) => l.includes('it gives the lease up while other master secret server node(s)')).length, 2, logs.join('\n'));
  await a.stop();
});
