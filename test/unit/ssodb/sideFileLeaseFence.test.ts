/**
 * The lease fence of a publication on the embedded SSODB as the service opens it (openStore: data,
 * audit and coordination files). The lease lives in the coordination file, the global info in the
 * data file: the fence must read the one in the transaction that writes the other. The store
 * contract runs here too, on the same three files, so every contract test covers them.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openStore } from '../../../src/ssoService/ssodb/openStore';
import { sideFileFor } from '../../../src/ssoService/ssodb/sideFiles';
import type { SsoStore } from '../../../src/ssoService/ssodb/store';
import { expectSsoError, runStoreContract } from './storeContract';

let scratch: string;
let counter = 0;
before(() => {
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'ssodb-sidefence-'));
});
after(() => {
  fs.rmSync(scratch, { recursive: true, force: true });
});

function newFile(): string {
  counter += 1;
  return path.join(scratch, `ssodb-${counter}.sqlite`);
}

async function refused(store: SsoStore, node: string, why: string): Promise<void> {
  const err = await expectSsoError(store.updateGlobalInfo({ secretServer: node, currentMsid: `{${node}}` }, { leaseHolder: node }), 'ENTSSO_E_MSS_UNREACHABLE');
  assert.equal(err.details.reason, 'lease-not-held', why);
}

describe('embedded SSODB as deployed: the lease fence reads the coordination file', () => {
  it('a publication is applied only while its node holds the lease, unexpired; a refused one leaves the data file unchanged', async () => {
    const file = newFile();
    // Two nodes, as two MSS processes would open the same files.
    const nodeA = await openStore({ kind: 'sqlite', file });
    const nodeB = await openStore({ kind: 'sqlite', file });
    try {
      const lease = await nodeA.acquireLease('mss-a:1', 1_500, 0);
      assert.equal(lease.holder, 'mss-a:1');
      const before = await nodeB.getGlobalInfo();
      const bytes = fs.readFileSync(file);
      await refused(nodeB, 'mss-b:2', 'the lease is held by another node');
      assert.deepEqual(await nodeB.getGlobalInfo(), before, 'a refused publication changes nothing');
      assert.ok(fs.readFileSync(file).equals(bytes), 'the data file is byte-for-byte unchanged');

      const published = await nodeA.updateGlobalInfo({ secretServer: 'mss-a:1', currentMsid: '{A}' }, { leaseHolder: 'mss-a:1' });
      assert.deepEqual([published.secretServer, published.currentMsid], ['mss-a:1', '{A}'], 'the holder publishes');
      assert.equal((await nodeB.getGlobalInfo()).currentMsid, '{A}', 'in the data file, seen by the other node');

      // Waits for the expiry by polling the clock the lease is judged on; nothing asserts how long it took.
      while (Date.now() <= lease.expiresAt) await new Promise((r) => setTimeout(r, 50));
      await refused(nodeA, 'mss-a:1', "the holder's lease expired (paused, then resumed; not yet taken over)");
      assert.equal((await nodeA.getGlobalInfo()).currentMsid, '{A}', 'the late publication changed nothing');
      await nodeA.updateGlobalInfo({ lastBackupAt: '2024-01-01T00:00:00.000Z' });
      assert.equal((await nodeB.getGlobalInfo()).lastBackupAt, '2024-01-01T00:00:00.000Z', 'an unfenced write needs no lease');
    } finally {
      await nodeA.close();
      await nodeB.close();
    }
  });
});

runStoreContract('embedded SSODB as deployed (openStore: data, audit and coordination files)', async () => {
  const file = newFile();
  return {
    open: () => openStore({ kind: 'sqlite', file }),
    dispose: async () => {
      for (const base of [file, sideFileFor(file, 'audit'), sideFileFor(file, 'coordination')]) {
        for (const suffix of ['', '-journal']) fs.rmSync(base + suffix, { force: true });
      }
    },
  };
});
