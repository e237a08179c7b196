import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SsoError } from '../../../src/protocol/errors';
import { validateParams } from '../../../src/ssoService/rpc/validate';

function invalid(fn: () => unknown, pattern: RegExp): void {
  assert.throws(fn, (err: unknown) => err instanceof SsoError && err.code === 'ENTSSO_E_INVALID_REQUEST' && pattern.test(err.message));
}

const key = Buffer.alloc(32, 9).toString('base64');

test('config.fingerprints: a key of 32 to 64 bytes, 1 to 100 identifiers, known keys only', () => {
  assert.deepEqual(validateParams('config.fingerprints', { application: 'App', identifiers: ['A', 'B'], key }), { application: 'App', identifiers: ['A', 'B'], key });
  invalid(() => validateParams('config.fingerprints', { application: 'App', identifiers: ['A'], key: Buffer.alloc(31).toString('base64') }), /"key" must be base64 of 32 to 64/);
  invalid(() => validateParams('config.fingerprints', { application: 'App', identifiers: ['A'], key: Buffer.alloc(65).toString('base64') }), /"key"/);
  invalid(() => validateParams('config.fingerprints', { application: 'App', identifiers: ['A'], key: '!'.repeat(44) }), /"key"/);
  invalid(() => validateParams('config.fingerprints', { application: 'App', identifiers: [], key }), /1 to 100/);
  invalid(() => validateParams('config.fingerprints', { application: 'App', identifiers: Array.from({ length: 101 }, (_, i) => `I${i}`), key }), /1 to 100/);
  invalid(() => validateParams('config.fingerprints', { application: 'App', identifiers: ['A\u0000'], key }), /control characters/);
  invalid(() => validateParams('config.fingerprints', { application: 'App', identifiers: ['A'], key, reveal: true }), /Unknown parameter "reveal"/);
});

test('config.setMany: each write as config.set checks it, no identifier twice, a fields version, a plain source', () => {
  const write = { identifier: 'New', fields: { Url: 'u' }, expectedTimestamp: null };
  const p = validateParams('config.setMany', { application: 'App', expectedFieldsVersion: 'ab12', writes: [write, { identifier: 'Old', fields: {}, expectedTimestamp: '7', clearMasked: ['Pw'] }], source: 'dev' });
  assert.deepEqual(p.writes.map((w) => [w.identifier, w.expectedTimestamp, w.clearMasked]), [['New', null, undefined], ['Old', '7', ['Pw']]]);
  invalid(() => validateParams('config.setMany', { application: 'App', expectedFieldsVersion: 'ab12', writes: [write, { ...write, identifier: 'NEW' }] }), /names configuration "NEW" twice/);
  invalid(() => validateParams('config.setMany', { application: 'App', expectedFieldsVersion: 'ab12', writes: [] }), /1 to 500/);
  invalid(() => validateParams('config.setMany', { application: 'App', writes: [write] }), /expectedFieldsVersion/);
  invalid(() => validateParams('config.setMany', { application: 'App', expectedFieldsVersion: 'ab12', writes: [{ ...write, fields: { Url: 1 } }] }), /must be a string/);
  invalid(() => validateParams('config.setMany', { application: 'App', expectedFieldsVersion: 'ab12', writes: [write], source: 'dev\u202e' }), /"source" must be plain text/);
  invalid(() => validateParams('config.setMany', { application: 'App', expectedFieldsVersion: 'ab12', writes: [{ ...write, identifier: ' lead' }] }), /identifier/);
});
