/**
 * Review 5, finding 10: a header line (read before any password) with an unknown key holding 30,000 nested
 * arrays passes the header checks and then overflows the stack in structuredClone: a RangeError,
 * which the service reports as ENTSSO_E_INTERNAL ("unexpected error, see the log") instead of a
 * damaged file. Now no key this version does not know passes, and only the checked fields are copied.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { SsoError } from '../../../src/protocol/errors';
import { readProtectedHeader } from '../../../src/ssoService/crypto/protectedFile';

function withHeader(extra: string, kdfExtra = ''): Buffer {
  const h = `{"format":"entsso-export","version":1,"created":"2020-01-01T00:00:00.000Z","environment":"x","reminder":"","kdf":{"name":"scrypt","N":16384,"r":8,"p":1,"salt":"${randomBytes(16).toString('base64')}"${kdfExtra}},"cipher":"aes-256-gcm","iv":"${randomBytes(12).toString('base64')}","passwordCheck":"${randomBytes(16).toString('base64')}"${extra}}`;
  return Buffer.from(`${h}\n${randomBytes(64).toString('base64')}\n`);
}

describe('a deeply nested header', () => {
  it('is refused as a bad file', () => {
    const deep = '['.repeat(30000) + ']'.repeat(30000);
    assert.throws(() => readProtectedHeader(withHeader(`,"x":${deep}`)), (err) => err instanceof SsoError && err.code === 'ENTSSO_E_BAD_FILE', 'an unknown key');
    assert.throws(() => readProtectedHeader(withHeader('', `,"x":${deep}`)), (err) => err instanceof SsoError && err.code === 'ENTSSO_E_BAD_FILE', 'an unknown key in kdf');
    assert.throws(() => readProtectedHeader(withHeader(`,"reminder2":{"a":1}`)), (err) => err instanceof SsoError && err.code === 'ENTSSO_E_BAD_FILE' && !/reminder2/.test(err.message), 'named nowhere');
  });

  it('hands on the fields it checked', () => {
    const header = readProtectedHeader(withHeader(''));
    assert.deepEqual(Object.keys(header).sort(), ['cipher', 'created', 'environment', 'format', 'iv', 'kdf', 'passwordCheck', 'reminder', 'version']);
    assert.deepEqual(Object.keys(header.kdf).sort(), ['N', 'name', 'p', 'r', 'salt']);
  });
});
