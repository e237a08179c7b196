import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SsoError } from '../../../src/protocol/errors';
import { generateMasterSecret } from '../../../src/ssoService/crypto/masterSecret';
import { SecretCache } from '../../../src/ssoService/service/secretCache';

test('a service that never reached the MSS is no-secret and refuses both ways', () => {
  const c = new SecretCache(60_000);
  c.mssName = 'mss01:5780';
  const s = c.snapshot();
  assert.equal(s.state, 'no-secret');
  assert.equal(s.canDecrypt, false);
  assert.ok(s.unreachableSince);
  assert.throws(() => c.secretForEncryption(), (e: unknown) => e instanceof SsoError && e.code === 'ENTSSO_E_NO_SECRET' && /mss01:5780/.test(e.message));
  assert.throws(() => c.secretForDecryption('{X}'), (e: unknown) => e instanceof SsoError && e.code === 'ENTSSO_E_NO_SECRET');
});

test('ready → cached keeps decryption, refuses encryption, and explains when and what to do', () => {
  const c = new SecretCache(30_000);
  c.mssName = 'mss01:5780';
  const secret = generateMasterSecret();
  c.onSynced({ current: secret }, new Date('2026-11-27T10:00:00Z'));
  assert.equal(c.snapshot().state, 'ready');
  assert.equal(c.secretForEncryption().msid, secret.msid);
  c.onMssUnreachable(new Date('2026-11-27T10:05:00Z'));
  c.onMssUnreachable(new Date('2026-11-27T10:06:00Z'));
  const s = c.snapshot();
  assert.equal(s.state, 'cached');
  assert.equal(s.unreachableSince, '2026-11-27T10:05:00.000Z', 'the first failure is when it became unreachable');
  assert.equal(s.canDecrypt, true);
  assert.equal(s.canEncrypt, false);
  assert.match(s.message, /mss01:5780/);
  assert.match(s.message, /Decryption still works/);
  assert.match(s.message, /every 30 s/);
  assert.equal(c.secretForDecryption(secret.msid).msid, secret.msid);
  assert.throws(() => c.secretForEncryption(), (e: unknown) => e instanceof SsoError && e.code === 'ENTSSO_E_NO_SECRET');
  c.onSynced({ current: secret });
  assert.equal(c.snapshot().state, 'ready');
  assert.equal(c.snapshot().unreachableSince, undefined);
});

test('re-encryption refuses writes with its own code; an unreachable SSODB wins over everything', () => {
  const c = new SecretCache(60_000);
  const a = generateMasterSecret();
  const b = generateMasterSecret();
  c.onSynced({ current: b, previous: a, reencrypt: { fromMsid: a.msid, toMsid: b.msid, done: 5, total: 10 } });
  assert.equal(c.snapshot().state, 'reencrypting');
  assert.throws(() => c.secretForEncryption(), (e: unknown) => e instanceof SsoError && e.code === 'ENTSSO_E_REENCRYPT_IN_PROGRESS');
  assert.equal(c.secretForDecryption(a.msid).msid, a.msid, 'rows still under the previous secret decrypt');
  c.onStoreUnreachable('disk gone');
  assert.equal(c.snapshot().state, 'ssodb-unreachable');
  assert.equal(c.snapshot().canDecrypt, false);
});

test('the snapshot never carries key material', () => {
  const c = new SecretCache(60_000);
  const secret = generateMasterSecret();
  c.onSynced({ current: secret });
  const text = JSON.stringify(c.snapshot());
  assert.ok(!text.includes(secret.key.toString('base64')));
  assert.ok(!text.includes(secret.key.toString('hex')));
});
