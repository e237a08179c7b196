// Unit tests of the row-version key the extension keeps per environment for entsso-bridge.exe.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bridgeVersionKey } from '../../../src/connection/bridgeVersionKey';

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
