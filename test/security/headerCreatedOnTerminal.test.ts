/**
 * Review 5, finding 3, end to end: the header's "created" text reaches the terminal raw, before any password,
 * through `ssoctl app import` (foreign-environment line) and `ssoctl secret inspect`.
 * Real processes: an SSO environment, ssoctl; output captured.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { TestEnvironment } from '../integration/harness';

const ESC = '\x1b';
const CREATED = `2020-01-01 (${ESC}]52;c;Y3VybCBldmlsfHNo${'\x07'}${ESC}[2J\nPassword reminder: the usual one)`;

function craftedFile(format: 'entsso-backup' | 'entsso-export'): Buffer {
  const header = {
    format, version: 1, created: CREATED, environment: 'crafted',
    ...(format === 'entsso-backup' ? { msids: ['{6B1E2C51-3C1F-4E0B-9D2E-0F6B1A2C3D4E}'] } : {}),
    reminder: '', kdf: { name: 'scrypt', N: 2 ** 14, r: 8, p: 1, salt: randomBytes(16).toString('base64') },
    cipher: 'aes-256-gcm', iv: randomBytes(12).toString('base64'), passwordCheck: randomBytes(16).toString('base64'),
  };
  return Buffer.from(`${JSON.stringify(header)}\n${randomBytes(64).toString('base64')}\n`, 'utf8');
}

describe('header "created" on a terminal', () => {
  let t: TestEnvironment;
  before(async () => {
    t = await TestEnvironment.started();
  });
  after(async () => t?.dispose());

  for (const [format, args] of [
    ['entsso-export', ['app', 'import', '--file']],
    ['entsso-backup', ['secret', 'inspect', '--file']],
  ] as const) {
    it(`${args.slice(0, 2).join(' ')} writes no raw escape or forged line`, () => {
      const file = join(t.dir, '..', `crafted-${format}`);
      writeFileSync(file, craftedFile(format));
      const r = t.ssoctl([...args, file], '');
      const out = r.stdout + r.stderr;
      assert.ok(!out.includes(ESC) && !/^Password reminder: the usual one/m.test(out), `raw on the terminal: ${JSON.stringify(out.slice(0, 400))}`);
    });
  }
});
