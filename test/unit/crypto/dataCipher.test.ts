import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { inspect } from 'node:util';
import fc from 'fast-check';
import { SsoError } from '../../../src/protocol/errors';
import { bagAssociatedData, caseFold, decryptBag, encryptBag, reencryptBag } from '../../../src/ssoService/crypto/dataCipher';
import {
  generateMasterSecret,
  isMsid,
  makeMasterSecret,
  parseMasterSecret,
  sameMasterSecret,
  serializeMasterSecret,
} from '../../../src/ssoService/crypto/masterSecret';

function throwsSso(fn: () => unknown, code: string, reason?: string): SsoError {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof SsoError, `expected SsoError, got ${String(error)}`);
    assert.equal(error.code, code);
    if (reason) assert.equal(error.details.reason, reason);
    return error;
  }
  assert.fail('expected an error');
}

describe('master secret', () => {
  it('has an uppercase braced GUID id and a 32-byte key', () => {
    const secret = generateMasterSecret();
    assert.ok(isMsid(secret.msid), secret.msid);
    assert.equal(secret.key.length, 32);
    assert.ok(!Number.isNaN(Date.parse(secret.createdAt)));
    assert.notEqual(generateMasterSecret().msid, secret.msid);
  });

  it('never shows its key in JSON, inspect or string output', () => {
    const secret = generateMasterSecret();
    const outputs = [JSON.stringify(secret), inspect(secret), String(secret), `${secret}`, inspect({ nested: secret }), JSON.stringify({ secret })];
    for (const output of outputs) {
      assert.ok(output.includes(secret.msid), output);
      for (const encoding of ['hex', 'base64'] as const) assert.ok(!output.includes(secret.key.toString(encoding)), output);
      assert.ok(!output.includes('"key"') && !output.includes('data'), output);
    }
  });

  it('round-trips through its explicit serialised form', () => {
    const secret = generateMasterSecret();
    const back = parseMasterSecret(JSON.parse(JSON.stringify(serializeMasterSecret(secret))), 'a test');
    assert.ok(sameMasterSecret(secret, back));
    assert.equal(back.createdAt, secret.createdAt);
  });

  it('refuses malformed ids and keys', () => {
    const key = Buffer.alloc(32, 1);
    throwsSso(() => makeMasterSecret('{8f1d0000-0000-0000-0000-000000000000}', key, new Date().toISOString()), 'ENTSSO_E_INVALID_REQUEST');
    throwsSso(() => makeMasterSecret(generateMasterSecret().msid, Buffer.alloc(16), new Date().toISOString()), 'ENTSSO_E_INTERNAL');
    throwsSso(() => parseMasterSecret({ msid: 'x', key: 'AAAA', createdAt: 'now' }, 'a test'), 'ENTSSO_E_BAD_FILE');
  });
});

describe('encryptBag / decryptBag', () => {
  const secret = generateMasterSecret();
  const plaintext = Buffer.from(JSON.stringify({ Password: 'p@ss', Uri: 'https://x' }));

  it('round-trips and uses the documented blob layout', () => {
    const blob = encryptBag(secret, 'MyApp', 'ConfigProperties', plaintext);
    assert.equal(blob[0], 1);
    assert.equal(blob.length, 1 + 12 + 16 + plaintext.length);
    assert.deepEqual(decryptBag(secret, 'MyApp', 'ConfigProperties', blob), plaintext);
  });

  it('uses a fresh IV each time', () => {
    const a = encryptBag(secret, 'App', 'id', plaintext);
    const b = encryptBag(secret, 'App', 'id', plaintext);
    assert.notDeepEqual(a.subarray(1, 13), b.subarray(1, 13));
  });

  it('treats the application name case-insensitively', () => {
    const blob = encryptBag(secret, 'MyApp', 'id', plaintext);
    assert.deepEqual(decryptBag(secret, 'MYAPP', 'id', blob), plaintext);
    assert.deepEqual(decryptBag(secret, 'myapp', 'id', blob), plaintext);
  });

  it('case-folds names whose upper case is longer or changes form (ẖ, ß, ẞ, İ, Σ)', () => {
    for (const name of ['ẖ', 'Straße', 'STRAẞE', 'İstanbul', 'ΟΔΟΣ']) {
      assert.equal(caseFold(name.toUpperCase()), caseFold(name), name);
      assert.equal(caseFold(name.toLowerCase()), caseFold(name), name);
      assert.equal(caseFold(caseFold(name)), caseFold(name), name);
    }
    assert.equal(caseFold('MyApp'), 'myapp');
  });

  it('keeps the identifier case-sensitive', () => {
    const blob = encryptBag(secret, 'App', 'ConfigProperties', plaintext);
    throwsSso(() => decryptBag(secret, 'App', 'configproperties', blob), 'ENTSSO_E_INTERNAL', 'authentication-failed');
  });

  it('fails, typed, when the blob is moved to another application or identifier', () => {
    const blob = encryptBag(secret, 'App', 'id-1', plaintext);
    throwsSso(() => decryptBag(secret, 'Other', 'id-1', blob), 'ENTSSO_E_INTERNAL', 'authentication-failed');
    throwsSso(() => decryptBag(secret, 'App', 'id-2', blob), 'ENTSSO_E_INTERNAL', 'authentication-failed');
  });

  it('fails, typed, under another secret, even one with the same key but another MSID', () => {
    const blob = encryptBag(secret, 'App', 'id', plaintext);
    throwsSso(() => decryptBag(generateMasterSecret(), 'App', 'id', blob), 'ENTSSO_E_INTERNAL', 'authentication-failed');
    const sameKeyOtherId = makeMasterSecret(generateMasterSecret().msid, secret.key, secret.createdAt);
    throwsSso(() => decryptBag(sameKeyOtherId, 'App', 'id', blob), 'ENTSSO_E_INTERNAL', 'authentication-failed');
  });

  it('still decrypts a blob written by an earlier version, and builds the same associated data bytes', () => {
    // Recorded with the implementation of 2026-11 (before the AAD was written into one buffer):
    // a change of the format would make every stored value unreadable.
    const recorded = makeMasterSecret('{8A1C9B4E-0D3F-4E8A-9C2B-5F6D7E8A9B0C}', Buffer.alloc(32, 7), '2026-01-01T00:00:00.000Z');
    const blob = Buffer.from('014e54a35038b06189a224805d9867a46c159ed20ff0e41fcb4fef66e33806eaf5b25789277aabf715542e00ad41', 'hex');
    assert.equal(decryptBag(recorded, 'Ünïcode App', 'Receive-ß', blob).toString('utf8'), '{"Field":"value"}');
    assert.equal(
      bagAssociatedData('{M}', 'ẞig App', 'id-1').toString('hex'),
      '0000000a656e7473736f2d6261670000000131000000037b4d7d0000000873736967206170700000000469642d31',
    );
  });

  it('encodes the associated data unambiguously', () => {
    assert.notDeepEqual(bagAssociatedData('{M}', 'ab', 'c'), bagAssociatedData('{M}', 'a', 'bc'));
    const blob = encryptBag(secret, 'ab', 'c', plaintext);
    throwsSso(() => decryptBag(secret, 'a', 'bc', blob), 'ENTSSO_E_INTERNAL', 'authentication-failed');
  });

  it('detects a flip of any single bit of the blob', () => {
    const blob = encryptBag(secret, 'App', 'id', Buffer.from('{"a":"b"}'));
    for (let bit = 0; bit < blob.length * 8; bit++) {
      const tampered = Buffer.from(blob);
      tampered[bit >> 3] ^= 1 << (bit & 7);
      const error = throwsSso(() => decryptBag(secret, 'App', 'id', tampered), bit < 8 ? 'ENTSSO_E_UNSUPPORTED_VERSION' : 'ENTSSO_E_INTERNAL');
      assert.ok(!error.message.includes('"a"'));
    }
  });

  it('refuses truncated blobs and unknown versions, typed', () => {
    const blob = encryptBag(secret, 'App', 'id', plaintext);
    throwsSso(() => decryptBag(secret, 'App', 'id', blob.subarray(0, 20)), 'ENTSSO_E_INTERNAL', 'truncated');
    throwsSso(() => decryptBag(secret, 'App', 'id', blob.subarray(0, blob.length - 1)), 'ENTSSO_E_INTERNAL', 'authentication-failed');
    const v2 = Buffer.from(blob);
    v2[0] = 2;
    const error = throwsSso(() => decryptBag(secret, 'App', 'id', v2), 'ENTSSO_E_UNSUPPORTED_VERSION');
    assert.match(error.message, /format 2/);
  });

  it('refuses an empty application or identifier', () => {
    throwsSso(() => encryptBag(secret, '', 'id', plaintext), 'ENTSSO_E_INVALID_REQUEST');
    throwsSso(() => encryptBag(secret, 'App', '', plaintext), 'ENTSSO_E_INVALID_REQUEST');
  });

  it('re-encrypts from the old secret to the new one', () => {
    const next = generateMasterSecret();
    const blob = encryptBag(secret, 'App', 'id', plaintext);
    const moved = reencryptBag(secret, next, 'App', 'id', blob);
    assert.deepEqual(decryptBag(next, 'App', 'id', moved), plaintext);
    throwsSso(() => decryptBag(secret, 'App', 'id', moved), 'ENTSSO_E_INTERNAL', 'authentication-failed');
    throwsSso(() => reencryptBag(next, secret, 'App', 'id', blob), 'ENTSSO_E_INTERNAL', 'authentication-failed');
  });

  it('round-trips any bytes for any address (property, seeded)', () => {
    const name = fc.string({ minLength: 1, maxLength: 40, unit: 'grapheme' });
    fc.assert(
      fc.property(name, name, fc.uint8Array({ maxLength: 2048 }), (application, identifier, bytes) => {
        const data = Buffer.from(bytes);
        const blob = encryptBag(secret, application, identifier, data);
        assert.deepEqual(decryptBag(secret, application.toUpperCase(), identifier, blob), data);
        assert.deepEqual(decryptBag(secret, application.toLowerCase(), identifier, blob), data);
      }),
      { seed: 20240611, numRuns: 200 },
    );
  });
});
