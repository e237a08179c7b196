/**
 * A publication of the MSS in SSODB whose write is slow (a lock wait, a SQL Server timeout) can
 * land after its node lost the lease and another node published itself: SSODB must keep naming
 * the new active node (found by review). The store is a real SQLite file, alone or with its side
 * files as the service opens it (there the lease is in the coordination file); only its write of
 * global info is delayed, to hold the publication in flight while the lease changes hands.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { generateMasterSecret } from '../../../src/ssoService/crypto/masterSecret';
import { SecretVault } from '../../../src/ssoService/crypto/secretVault';
import { SecretAuthority } from '../../../src/ssoService/mss/secretAuthority';
import { openStore } from '../../../src/ssoService/ssodb/openStore';
import { createSqliteStore } from '../../../src/ssoService/ssodb/sqliteStore';
import type { SsoStore } from '../../../src/ssoService/ssodb/store';

const PASSWORD = 'correct horse battery staple 42';
const NODE_A = 'localhost:0';
const NODE_B = 'node-b:7001';
const TTL_MS = 150;
const scratch = mkdtempSync(join(tmpdir(), 'publication-fence-'));
after(() => rmSync(scratch, { recursive: true, force: true }));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The single-file store, and the data, audit and coordination files openStore opens. */
const STORES: [string, (file: string) => Promise<SsoStore>][] = [
  [
    'one SQLite file',
    async (file) => {
      const store = createSqliteStore({ file });
      await store.init();
      return store;
    },
  ],
  ['the SSODB files as deployed (openStore)', (file) => openStore({ kind: 'sqlite', file })],
];

/** Node A active (lease taken, published) on a fresh SQLite file. */
async function activeNode(name: string, open: (file: string) => Promise<SsoStore>): Promise<{ a: SecretAuthority; store: SsoStore }> {
  const store = await open(join(scratch, `${name}.db`));
  const dir = join(scratch, name);
  await SecretVault.create(dir, generateMasterSecret());
  const a = new SecretAuthority({ vaultDir: dir, store, environmentId: 'env-test', name: NODE_A, log: () => undefined, onChanged: () => undefined });
  await a.openVault();
  assert.equal((await store.acquireLease(NODE_A, TTL_MS, 0)).holder, NODE_A);
  await a.activate();
  await a.idle();
  return { a, store };
}

/** Delays node A's next publication by `ms` (as a lock wait would), then writes it as asked. */
function delayNextPublicationOfA(store: SsoStore, ms: number): void {
  const update = store.updateGlobalInfo.bind(store);
  let slow = true;
  store.updateGlobalInfo = async (...args) => {
    if (slow && args[0].secretServer === NODE_A) {
      slow = false;
      await sleep(ms);
    }
    return update(...args);
  };
}

/** A's lease runs out; B takes it over and publishes itself, as its activation does. */
async function nodeBTakesOver(a: SecretAuthority, store: SsoStore, msid: string): Promise<void> {
  a.deactivate();
  await sleep(TTL_MS + 20);
  assert.equal((await store.acquireLease(NODE_B, TTL_MS * 10, 0)).holder, NODE_B);
  await store.updateGlobalInfo({ secretServer: NODE_B, currentMsid: msid }, { leaseHolder: NODE_B });
}

for (const [i, [label, open]] of STORES.entries()) {
  test(`a periodic publication still in flight when the lease is lost does not overwrite the new active node's (${label})`, async () => {
    const { a, store } = await activeNode(`periodic-${i}`, open);
    const { newMsid } = await a.prepareRotation(PASSWORD, 'z');
    const update = store.updateGlobalInfo.bind(store);
    store.updateGlobalInfo = async () => {
      throw new Error('SSODB is unreachable');
    };
    await assert.rejects(a.commitRotation(newMsid)); // the vault switched, the publication is pending
    await a.idle();
    store.updateGlobalInfo = update;
    delayNextPublicationOfA(store, TTL_MS + 1000); // lands well after B took over, also on a loaded machine
    await store.acquireLease(NODE_A, TTL_MS, 0); // renewed: A holds the lease as its publication starts
    a.resumeReencryptionIfNeeded(); // the periodic retry of the publication, while still active
    await sleep(20);
    await nodeBTakesOver(a, store, newMsid);
    await a.stop();
    assert.equal((await store.getGlobalInfo()).secretServer, NODE_B, 'SSODB names the active node');
    await store.close();
  });

  test(`a rotation's publication that lands after the lease was lost is refused, and the node stops acting as active (${label})`, async () => {
    const { a, store } = await activeNode(`commit-${i}`, open);
    const { newMsid } = await a.prepareRotation(PASSWORD, 'z');
    delayNextPublicationOfA(store, TTL_MS + 1000); // lands well after B took over, also on a loaded machine
    await store.acquireLease(NODE_A, TTL_MS, 0);
    const commit = a.commitRotation(newMsid).then(() => undefined, (err: unknown) => err);
    await sleep(20);
    await nodeBTakesOver(a, store, newMsid);
    const refusal = await commit;
    assert.ok(refusal instanceof Error && 'code' in refusal && refusal.code === 'ENTSSO_E_MSS_UNREACHABLE', `the rotation is refused as by a node no longer active: ${String(refusal)}`);
    assert.equal((await store.getGlobalInfo()).secretServer, NODE_B, 'SSODB names the active node');
    a.resumeReencryptionIfNeeded(); // no publication left pending on a node that lost the lease
    await a.stop();
    assert.equal((await store.getGlobalInfo()).secretServer, NODE_B);
    await store.close();
  });
}
