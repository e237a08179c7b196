import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  checkPasswordStrength,
  DEFAULT_SCRYPT_COST,
  derivePasswordKey,
  newScryptParams,
  scryptParamsProblem,
} from '../../../src/ssoService/crypto/passwordKdf';
import { SsoError } from '../../../src/protocol/errors';

const FAST = { N: 2 ** 14, r: 8, p: 1 };

describe('derivePasswordKey (scrypt)', () => {
  it('defaults to at least OWASP’s recommendation and records the salt', () => {
    const params = newScryptParams();
    assert.equal(params.name, 'scrypt');
    assert.ok(params.N >= 2 ** 17 && params.r >= 8 && params.p >= 1);
    assert.deepEqual({ N: params.N, r: params.r, p: params.p }, DEFAULT_SCRYPT_COST);
    assert.equal(Buffer.from(params.salt, 'base64').length, 16);
    assert.notEqual(newScryptParams().salt, params.salt);
  });

  it('derives a 32-byte key at the default cost (raised maxmem), deterministic per salt', async () => {
    const params = newScryptParams();
    const started = process.hrtime.bigint();
    const key = await derivePasswordKey('correct horse battery staple', params);
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    assert.equal(key.length, 32);
    assert.ok(ms < 10_000, `scrypt took ${ms} ms`);
    assert.deepEqual(await derivePasswordKey('correct horse battery staple', params), key);
    assert.notDeepEqual(await derivePasswordKey('correct horse battery staplE', params), key);
  });

  it('normalises passwords to NFC (same key for composed and decomposed accents)', async () => {
    const params = newScryptParams(FAST);
    assert.deepEqual(await derivePasswordKey('Caf\u00e9-Au-Lait-1234', params), await derivePasswordKey('Cafe\u0301-Au-Lait-1234', params));
  });

  it('refuses parameters outside the safe bounds (a doctored header cannot exhaust memory)', async () => {
    for (const bad of [
      { N: 2 ** 30, r: 8, p: 1 },
      { N: 2 ** 20, r: 16, p: 1 },
      { N: 100_000, r: 8, p: 1 },
      { N: 2 ** 10, r: 8, p: 1 },
      { N: 2 ** 17, r: 0, p: 1 },
      { N: 2 ** 17, r: 8, p: 99 },
    ]) {
      assert.ok(scryptParamsProblem({ name: 'scrypt', salt: 'AAAAAAAAAAAAAAAAAAAAAA==', ...bad }), JSON.stringify(bad));
      await assert.rejects(derivePasswordKey('x', { name: 'scrypt', salt: 'AAAAAAAAAAAAAAAAAAAAAA==', ...bad }), (e: SsoError) => e.code === 'ENTSSO_E_BAD_FILE');
    }
    assert.ok(scryptParamsProblem({ name: 'pbkdf2', N: 2 ** 17, r: 8, p: 1, salt: 'AAAAAAAAAAAAAAAAAAAAAA==' }));
    assert.ok(scryptParamsProblem({ name: 'scrypt', N: 2 ** 17, r: 8, p: 1, salt: 'AAAA' }));
    assert.throws(() => newScryptParams({ N: 2 ** 10, r: 8, p: 1 }), (e: SsoError) => e.code === 'ENTSSO_E_INVALID_REQUEST');
  });
});

describe('checkPasswordStrength', () => {
  const weak: Array<[string, RegExp]> = [
    ['', /required/],
    ['Ab1!', /at least 12/],
    ['Short1!x', /at least 12/],
    ['            ', /only spaces/],
    ['aaaaaaaaaaaaaaaaaaaaaaaa', /repeated character|sequence/],
    ['abcdefghijklmnopqrstuvwxyz', /sequence/],
    ['123456789012', /sequence|only digits/],
    ['@dmin12345678', /common/],
    ['Secret!Secret!', /common/],
    ['lowercaseonlyletters', /./], // 20 chars of one class is allowed… unless common; see below
    ['onlylowercase', /only lowercase letters/],
    ['ONLYUPPERCASEX', /only uppercase letters/],
    ['902384756102', /only digits/],
    ['P@ssw0rd2024!', /common/],
    ['Password123456', /common/],
    ['!!Welcome2025!!', /common/],
    ['passwordpassword', /common/],
    ['BizTalk2020!!', /common/],
    ['Qwertyuiop123', /common/],
  ];
  for (const [password, reason] of weak) {
    if (password === 'lowercaseonlyletters') continue;
    it(`refuses ${JSON.stringify(password)} with a reason`, () => {
      const message = checkPasswordStrength(password);
      assert.ok(message, 'expected a reason');
      assert.match(message, reason);
      if (password.trim()) assert.ok(!message.includes(password), 'the reason must not repeat the password');
    });
  }

  for (const password of ['Tr0ub4dor&3-horse', 'correct horse battery staple', 'kP9#vX2!mQ7$', 'Zürich-Gleis-7-Abfahrt', 'lowercaseonlyletters']) {
    it(`accepts ${JSON.stringify(password)}`, () => {
      assert.equal(checkPasswordStrength(password), undefined);
    });
  }
});
