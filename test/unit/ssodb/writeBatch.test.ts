/**
 * Group commit of the embedded SSODB (src/ssoService/ssodb/writeBatch.ts): writes asked for
 * together share one durable transaction, each keeps its own outcome, and closing the store
 * first finishes the writes asked for.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { SsoError } from '../../../src/protocol/errors';
import { createSqliteStore } from '../../../src/ssoService/ssodb/sqliteStore';
import { WriteBatch } from '../../../src/ssoService/ssodb/writeBatch';
import type { SsoStore } from '../../../src/ssoService/ssodb/store';
import { app, expectSsoError } from './storeContract';

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'ssodb-batch-'));
after(() => fs.rmSync(scratch, { recursive: true, force: true }));
let counter = 0;

async function openStore(file = path.join(scratch, `ssodb-${++counter}.db`)): Promise<{ store: SsoStore; file: string }> {
  const store = createSqliteStore({ file });
  await store.init();
  return { store, file };
}

/** How many fsyncs `operation` made (every durable commit makes a few). */
async function fsyncsDuring(operation: () => Promise<unknown>): Promise<number> {
  const mutableFs = fs as unknown as { fsyncSync: typeof fs.fsyncSync };
  const original = mutableFs.fsyncSync;
  let count = 0;
  mutableFs.fsyncSync = (fd: number) => {
    count++;
    original.call(fs, fd);
  };
  try {
    await operation();
  } finally {
    mutableFs.fsyncSync = original;
  }
  return count;
}

describe('SQLite store: writes asked for together share one durable commit', () => {
  it('eight saves at once cost the fsyncs of one commit, and each is durable and has its own row version', async () => {
    const { store, file } = await openStore();
    try {
      await store.createApplication(app('Batched'));
      const rows = await Promise.all(Array.from({ length: 8 }, async (_, i) => store.putCredentials('Batched', `row-${i}`, null, 'm1', Buffer.from(`v${i}`))));
      const one = await fsyncsDuring(() => store.putCredentials('Batched', 'row-0', rows[0]!.timestamp, 'm1', Buffer.from('once')));
      assert.ok(one > 0, 'a save is synced');
      const current = await Promise.all(Array.from({ length: 8 }, (_, i) => store.getCredentials('Batched', `row-${i}`)));
      let saved: { timestamp: string }[] = [];
      const eight = await fsyncsDuring(async () => {
        saved = await Promise.all(current.map((row, i) => store.putCredentials('Batched', `row-${i}`, row!.timestamp, 'm1', Buffer.from(`again ${i}`))));
      });
      assert.equal(eight, one, `8 saves together made ${eight} fsyncs, one save ${one}`);
      assert.equal(new Set(saved.map((row) => row.timestamp)).size, 8, 'each save has its own row version');
      await store.close();
      const reopened = (await openStore(file)).store;
      try {
        for (let i = 0; i < 8; i++) assert.deepEqual((await reopened.getCredentials('Batched', `row-${i}`))!.ciphertext, Buffer.from(`again ${i}`));
      } finally {
        await reopened.close();
      }
    } finally {
      await store.close();
    }
  });

  it('a write of the batch refused on its premise is rolled back alone; the others commit', async () => {
    const { store } = await openStore();
    try {
      await store.createApplication(app('Mixed'));
      const first = await store.putCredentials('Mixed', 'kept', null, 'm1', Buffer.from('before'));
      const [ok, stale, duplicate] = await Promise.allSettled([
        store.putCredentials('Mixed', 'new', null, 'm1', Buffer.from('new')),
        store.putCredentials('Mixed', 'kept', String(BigInt(first.timestamp) + 1000n), 'm1', Buffer.from('stale write')),
        store.createApplication(app('Mixed')),
      ]);
      assert.equal(ok.status, 'fulfilled');
      assert.equal(stale.status, 'rejected');
      assert.equal(duplicate.status, 'rejected');
      await expectSsoError(Promise.reject((stale as PromiseRejectedResult).reason), 'ENTSSO_E_CONFLICT');
      assert.deepEqual((await store.getCredentials('Mixed', 'kept'))!.ciphertext, Buffer.from('before'), 'the refused write changed nothing');
      assert.deepEqual((await store.getCredentials('Mixed', 'new'))!.ciphertext, Buffer.from('new'));
    } finally {
      await store.close();
    }
  });

  it('closing the store finishes the writes already asked for', async () => {
    const { store, file } = await openStore();
    await store.createApplication(app('Closing'));
    const pending = store.putCredentials('Closing', 'last', null, 'm1', Buffer.from('last'));
    await store.close();
    await pending;
    const reopened = (await openStore(file)).store;
    try {
      assert.deepEqual((await reopened.getCredentials('Closing', 'last'))!.ciphertext, Buffer.from('last'));
    } finally {
      await reopened.close();
    }
  });
});

describe('WriteBatch when the shared transaction fails (a fake connection: the code around it is what is tested)', () => {
  const fakeDb = { exec: () => undefined, inTransaction: true } as unknown as ConstructorParameters<typeof WriteBatch>[0];

  it('a write refused on its own premise keeps its own reason; the others get the commit failure', async () => {
    const commitFailure = new Error('COMMIT failed');
    const batch = new WriteBatch(fakeDb, async (inTransaction) => {
      inTransaction();
      throw commitFailure;
    });
    const conflict = new SsoError('ENTSSO_E_CONFLICT', 'The configuration was changed by someone else.');
    const [refused, ok] = await Promise.allSettled([
      batch.add(() => {
        throw conflict;
      }),
      batch.add(() => 'written'),
    ]);
    assert.equal(refused.status, 'rejected');
    assert.equal((refused as PromiseRejectedResult).reason.code, 'ENTSSO_E_CONFLICT', 'the conflict, not the commit failure');
    assert.equal(ok.status, 'rejected');
    assert.equal((ok as PromiseRejectedResult).reason, commitFailure);
  });

  it('a failure the batch did not expect answers its writes and does not stop the writes after it', async () => {
    let calls = 0;
    const batch = new WriteBatch(fakeDb, (inTransaction) => {
      if (++calls === 1) throw new Error('thrown before any promise');
      inTransaction();
      return Promise.resolve();
    });
    const settledWithin = <T>(promise: Promise<T>) =>
      Promise.race([promise.then(() => 'resolved', () => 'rejected'), new Promise<string>((resolve) => setTimeout(() => resolve('hung'), 2_000))]);
    assert.equal(await settledWithin(batch.add(() => 'first')), 'rejected');
    assert.equal(await settledWithin(batch.add(() => 'second')), 'resolved');
  });
});
