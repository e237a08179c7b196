import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SsoError } from '../../../src/ssoClient/errors';
import { LIMITS, isMethodName, validateParams } from '../../../src/ssoService/rpc/validate';

function invalid(fn: () => unknown, pattern: RegExp): void {
  assert.throws(fn, (err: unknown) => err instanceof SsoError && err.code === 'ENTSSO_E_INVALID_REQUEST' && pattern.test(err.message));
}

test('unknown methods are not method names', () => {
  assert.equal(isMethodName('config.get'), true);
  assert.equal(isMethodName('__proto__'), false);
  assert.equal(isMethodName('toString'), false);
  assert.equal(isMethodName(42), false);
});

test('config.set accepts a well-formed request and keeps only known keys', () => {
  const p = validateParams('config.set', { application: 'App', identifier: 'Id', fields: { a: '1' }, expectedTimestamp: null });
  assert.deepEqual(p, { application: 'App', identifier: 'Id', fields: { a: '1' }, expectedTimestamp: null, clearMasked: undefined });
});

test('bad parameters are refused with a message naming them', () => {
  invalid(() => validateParams('config.set', { application: 'App', identifier: 'Id', fields: { a: 1 }, expectedTimestamp: null }), /value of field "a" must be a string/);
  invalid(() => validateParams('config.set', { application: 'App', identifier: 'Id', fields: {}, expectedTimestamp: 'x;DROP' }), /expectedTimestamp/);
  invalid(() => validateParams('config.get', { application: '', identifier: 'Id' }), /must not be empty/);
  invalid(() => validateParams('config.get', { application: 'A\u0000B', identifier: 'Id' }), /control characters/);
  invalid(() => validateParams('config.get', { application: 'x'.repeat(LIMITS.nameLength + 1), identifier: 'Id' }), /longer than/);
  invalid(() => validateParams('apps.list', { limit: 0 }), /"limit"/);
  invalid(() => validateParams('apps.list', { limit: 1.5 }), /"limit"/);
  invalid(() => validateParams('apps.list', { extra: true }), /Unknown parameter "extra"/);
  invalid(() => validateParams('apps.list', [1, 2]), /must be an object/);
  invalid(() => validateParams('apps.create', { name: 'A', kind: 'weird', fields: [{ label: 'x' }] }), /"kind"/);
  invalid(() => validateParams('apps.create', { name: 'A', kind: 'configStore', fields: [{ label: 'x' }, { label: 'X' }] }), /defined twice/);
  invalid(() => validateParams('apps.create', { name: 'A', kind: 'configStore', fields: [] }), /"fields"/);
});

test('names with SQL metacharacters and Unicode are valid names', () => {
  const p = validateParams('apps.get', { name: "O'Brien; DROP TABLE x -- %_ 日本語" });
  assert.equal(p.name, "O'Brien; DROP TABLE x -- %_ 日本語");
});
