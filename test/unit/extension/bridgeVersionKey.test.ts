// Unit tests of the row-version key the extension keeps per environment for entsso-bridge.exe.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bridgeVersionKey, forgetBridgeVersionKey } from '../../../src/connection/bridgeVersionKey';

function fakeSecrets(initial: Record<string, string> = {}) {
  const kept = new Map(Object.entries(initial));
  return {
    kept,
    get: (key: string) => Promise.resolve(kept.get(key)),
    store: (key: string, value: string) => {
      kept.set(key, value);
      return Promise.resolve();
    },
  };
}

test('one key per environment, created once and the same ever after (every bridge of the environment gets it)', async () => {
  const secrets = fakeSecrets();
  const key = await bridgeVersionKey(secrets, 'BizTalk PROD');
  assert.equal(Buffer.from(key, 'base64').length, 32);
  assert.equal(await bridgeVersionKey(secrets, 'BizTalk PROD'), key);
  assert.equal(await bridgeVersionKey(secrets, 'biztalk prod'), key, 'environment names are case-insensitive');
  assert.notEqual(await bridgeVersionKey(secrets, 'BizTalk TEST'), key);
  assert.equal(secrets.kept.size, 2);
});

test('a kept value that is not a key is replaced', async () => {
  const secrets = fakeSecrets({ 'entsso.bridgeVersionKey.prod': 'not a key' });
  const key = await bridgeVersionKey(secrets, 'PROD');
  assert.equal(Buffer.from(key, 'base64').length, 32);
  assert.equal(secrets.kept.get('entsso.bridgeVersionKey.prod'), key);
});

test('a SecretStorage that keeps nothing is an error (the caller then goes on without a key)', async () => {
  const secrets = { get: () => Promise.resolve(undefined), store: () => Promise.resolve() };
  await assert.rejects(bridgeVersionKey(secrets, 'PROD'), /not kept/);
});

test('two windows creating the key at once: the one whose store landed later is used by both (read back after a pause)', async () => {
  const secrets = fakeSecrets();
  const windowB = 'B'.repeat(43) + '=';
  let storeOfB: Promise<void> | undefined;
  const windowA = {
    get: secrets.get,
    store: async (key: string, value: string) => {
      await secrets.store(key, value);
      // Window B, which read "no key" at the same moment, stores its own just after.
      storeOfB = new Promise((r) => setTimeout(r, 5)).then(() => secrets.store(key, windowB));
    },
  };
  const key = await bridgeVersionKey(windowA, 'PROD', 200);
  await storeOfB;
  assert.equal(secrets.kept.get('entsso.bridgeVersionKey.prod'), windowB);
  assert.equal(key, windowB, 'window A uses the key SecretStorage kept, as window B does');
});

test('forgetting an environment removes its row-version key from SecretStorage', async () => {
  const secrets = fakeSecrets();
  const deleted: string[] = [];
  await bridgeVersionKey(secrets, 'BizTalk PROD', 0);
  await forgetBridgeVersionKey({ delete: (k: string) => (deleted.push(k), Promise.resolve(void secrets.kept.delete(k))) }, 'BizTalk PROD');
  assert.deepEqual(deleted, ['entsso.bridgeVersionKey.biztalk prod']);
  assert.equal(secrets.kept.size, 0);
});
