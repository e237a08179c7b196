import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SsoError } from '../../../src/protocol/errors';
import { isMethodName, validateParams } from '../../../src/ssoService/rpc/validate';
import { LIMITS } from '../../../src/protocol/limits';

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
  assert.deepEqual({ ...p, fields: { ...p.fields } }, { application: 'App', identifier: 'Id', fields: { a: '1' }, expectedTimestamp: null, clearMasked: undefined });
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

test('application lifecycle methods: field changes, export and import parameters', () => {
  const file = Buffer.from('x').toString('base64');
  assert.deepEqual(validateParams('apps.addField', { name: 'A', fields: [{ label: 'Pwd', masked: true }] }), { name: 'A', fields: [{ label: 'Pwd', masked: true }], expectedFieldsVersion: undefined });
  invalid(() => validateParams('apps.addField', { name: 'A', fields: [] }), /"fields"/);
  invalid(() => validateParams('apps.addField', { name: 'A', fields: [{ label: 'x' }, { label: 'X' }] }), /defined twice/);
  invalid(() => validateParams('apps.addField', { name: 'A', fields: [{ label: 'x' }], expectedFieldsVersion: 'not hex!' }), /expectedFieldsVersion/);
  invalid(() => validateParams('apps.removeField', { name: 'A', fields: ['x', 'X'] }), /names field "X" twice/);
  invalid(() => validateParams('apps.removeField', { name: 'A', fields: 'x' }), /"fields"/);
  invalid(() => validateParams('apps.export', { names: ['A'], format: 'zip', password: 'p' }), /"format"/);
  invalid(() => validateParams('apps.export', { names: [], format: 'sso', password: 'p' }), /"names"/);
  invalid(() => validateParams('apps.export', { names: ['A'], format: 'sso' }), /"password"/);
  const plan = { file, format: 'sso', password: 'p', name: 'App', mode: 'mirror' };
  assert.deepEqual(validateParams('apps.planImport', plan), plan);
  invalid(() => validateParams('apps.planImport', { ...plan, name: undefined }), /"name" is required for a \.sso file/);
  invalid(() => validateParams('apps.planImport', { ...plan, format: 'entsso' }), /"name" is only for \.sso files/);
  invalid(() => validateParams('apps.planImport', { ...plan, mode: 'replace' }), /"mode"/);
  invalid(() => validateParams('apps.planImport', { ...plan, file: 'not base64!' }), /"file"/);
  const basis = 'a'.repeat(64);
  assert.deepEqual({ ...validateParams('apps.import', { ...plan, expected: { App: basis } }).expected }, { App: basis });
  invalid(() => validateParams('apps.import', plan), /"expected"/);
  invalid(() => validateParams('apps.import', { ...plan, expected: { App: 'short' } }), /"expected"/);
  invalid(() => validateParams('apps.import', { ...plan, expected: {} }), /"expected"/);
});

test('config.grep: a pattern of 1 to 200 characters, a cursor as the service writes it, known keys only', () => {
  const cursor = `eyJhIjoxfQ.${'0'.repeat(64)}`;
  assert.deepEqual(validateParams('config.grep', { pattern: 'sql01', regex: true, application: 'App', cursor, limit: 10 }), { pattern: 'sql01', regex: true, application: 'App', cursor, limit: 10 });
  invalid(() => validateParams('config.grep', {}), /"pattern"/);
  invalid(() => validateParams('config.grep', { pattern: '' }), /"pattern"/);
  invalid(() => validateParams('config.grep', { pattern: 'x'.repeat(201) }), /longer than 200/);
  invalid(() => validateParams('config.grep', { pattern: 'x', cursor: 'not a cursor' }), /"cursor"/);
  invalid(() => validateParams('config.grep', { pattern: 'x', regex: 'yes' }), /"regex"/);
  invalid(() => validateParams('config.grep', { pattern: 'x', matchCase: true }), /Unknown parameter "matchCase"/);
});
