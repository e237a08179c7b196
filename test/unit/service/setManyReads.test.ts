/**
 * config.setMany reads only what it writes (review finding 5): the field list is checked against
 * expectedFieldsVersion from the application row, then only the written rows are read and
 * decrypted; it no longer lists (and decrypts) every configuration of the application. Real
 * SQLite file through SsoOperations; the store is wrapped only to count its calls.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { ApplicationDetail, ConfigDocument } from '../../../src/protocol/messages';
import { encryptBag } from '../../../src/ssoService/crypto/dataCipher';
import { generateMasterSecret, type MasterSecret } from '../../../src/ssoService/crypto/masterSecret';
import { SsoOperations } from '../../../src/ssoService/service/operations';
import { SecretCache } from '../../../src/ssoService/service/secretCache';
import { createSqliteStore } from '../../../src/ssoService/ssodb/sqliteStore';
import type { SsoStore } from '../../../src/ssoService/ssodb/store';

const APP = 'Contoso.Copy.Target';
const ROWS = 40;
const ctx = { client: 'test' };
let scratch: string;
let store: SsoStore;
let secret: MasterSecret;
let ops: SsoOperations;
const calls = new Map<string, number>();

/** The store, counting each method called. */
function counted(inner: SsoStore): SsoStore {
  return new Proxy(inner, {
    get(target, name, receiver) {
      const value = Reflect.get(target, name, receiver) as unknown;
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        calls.set(String(name), (calls.get(String(name)) ?? 0) + 1);
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
}

const call = <T>(method: string, params: unknown) => (ops.handlers as unknown as Record<string, (p: unknown, c: typeof ctx) => Promise<T>>)[method]!(params, ctx);

before(async () => {
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'set-many-reads-'));
  const inner = createSqliteStore({ file: path.join(scratch, 'ssodb.sqlite') });
  await inner.init();
  store = counted(inner);
  secret = generateMasterSecret();
  const cache = new SecretCache(60_000);
  cache.onSynced({ current: secret });
  ops = new SsoOperations(store, cache, async () => {
    throw new Error('no master secret server in this test');
  }, 'test-environment');
  await inner.createApplication({ name: APP, description: '', contact: '', userGroup: 'u', adminGroup: 'a', flags: 0, kind: 'configStore', fields: [{ label: 'Url', masked: false }, { label: 'Password', masked: true }] });
  for (let i = 0; i < ROWS; i++) {
    const identifier = `Id${i}`;
    await inner.putCredentials(APP, identifier, null, secret.msid, encryptBag(secret, APP, identifier, Buffer.from(JSON.stringify({ Url: `u${i}`, Password: `p${i}` }))));
  }
});

after(async () => {
  await store.close();
  fs.rmSync(scratch, { recursive: true, force: true });
});

describe('config.setMany', () => {
  it(`one write into an application of ${ROWS} rows lists none of them, and keeps the masked value`, async () => {
    const detail = await call<ApplicationDetail>('apps.get', { name: APP });
    const current = await call<ConfigDocument>('config.get', { application: APP, identifier: 'Id7' });
    calls.clear();
    await call('config.setMany', { application: APP, expectedFieldsVersion: detail.fieldsVersion, writes: [{ identifier: 'Id7', expectedTimestamp: current.timestamp, fields: { Url: 'changed', Password: '' } }] });
    assert.equal(calls.get('listCredentials') ?? 0, 0, 'no listing of the application');
    const after = await call<ConfigDocument>('config.get', { application: APP, identifier: 'Id7', reveal: true });
    assert.deepEqual({ ...after.fields }, { Url: 'changed', Password: 'p7' });
  });

  it('still refuses a write whose row changed since the preview, and fields that changed', async () => {
    const detail = await call<ApplicationDetail>('apps.get', { name: APP });
    await assert.rejects(call('config.setMany', { application: APP, expectedFieldsVersion: detail.fieldsVersion, writes: [{ identifier: 'Id8', expectedTimestamp: '1', fields: { Url: 'x' } }] }), { code: 'ENTSSO_E_CONFLICT' });
    await assert.rejects(call('config.setMany', { application: APP, expectedFieldsVersion: 'stale', writes: [{ identifier: 'Id8', expectedTimestamp: null, fields: { Url: 'x' } }] }), { code: 'ENTSSO_E_CONFLICT' });
  });
});
