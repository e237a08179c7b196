import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { test } from 'node:test';
import {
  compareApplication,
  compareDefinitions,
  compareFields,
  comparisonReportHtml,
  copyRefusal,
  copyWrite,
  maskedChooser,
  maskedFieldsToDecide,
  sideDocument,
} from '../../../src/model/environmentComparison';
import { fingerprintsOfDocument } from '../../../src/model/crossEnvironment';
import type { ApplicationDetail, ConfigFingerprints, FieldFingerprint } from '../../../src/protocol/messages';
import { fieldFingerprintHash as fieldHash } from '../../../src/protocol/fieldFingerprint';

const set = (hash: string, masked = false): FieldFingerprint => ({ masked, set: true, hash });
const empty = (masked = false): FieldFingerprint => ({ masked, set: false });
const prints = (identifier: string, fields: Record<string, FieldFingerprint>): ConfigFingerprints => ({ identifier, found: true, timestamp: '1', fields });

const app = (fields: { label: string; masked: boolean }[], extra: Partial<ApplicationDetail> = {}): ApplicationDetail => ({
  name: 'App', description: '', contact: '', userGroup: '', adminGroup: '', flags: 3, kind: 'configStore', enabled: true, numFields: fields.length, identifierCount: 0, fields: fields.map((f, ordinal) => ({ ...f, ordinal })), fieldsVersion: 'v', ...extra,
});

test('fields: equal, different, set on one side, only on one side; masked ones without a hash cannot be told', () => {
  const left = prints('C', { Url: set('a'), Password: set('p1', true), Key: empty(true), Token: set('t', true), Old: set('o') });
  const right = prints('C', { url: set('b'), Password: set('p1', true), Key: set('k', true), Token: { masked: true, set: true }, New: set('n') });
  const states = Object.fromEntries(compareFields(left, right).map((f) => [f.label, f.state]));
  assert.deepEqual(states, { Url: 'differs', Password: 'equal', Key: 'differs', Token: 'unknown', Old: 'onlyLeft', New: 'onlyRight' }, 'labels match case-insensitively');
  const both = compareFields(prints('C', { Key: empty(true) }), prints('C', { Key: empty(true) }));
  assert.equal(both[0]!.state, 'equal', 'empty on both sides is equal');
});

test('an application: identifiers on one side only, configurations that differ, the count of equal ones', () => {
  const detail = app([{ label: 'Url', masked: false }]);
  const c = compareApplication(
    'App',
    { detail, configurations: [prints('Same', { Url: set('x') }), prints('Diff', { Url: set('x') }), prints('OnlyLeft', { Url: set('x') })] },
    { detail, configurations: [prints('same', { Url: set('x') }), prints('Diff', { Url: set('y') }), prints('OnlyRight', { Url: set('x') })] },
  );
  assert.equal(c.equal, 1);
  assert.deepEqual(c.onlyLeft, ['OnlyLeft']);
  assert.deepEqual(c.onlyRight, ['OnlyRight']);
  assert.deepEqual(c.differing.map((d) => [d.identifier, d.fields.map((f) => f.label)]), [['Diff', ['Url']]]);
  assert.equal(compareApplication('App', undefined, { detail, configurations: [] }).onlyOn, 'right');
});

test('definitions: fields on one side, a mask on one side, order, kind and enabled', () => {
  const left = app([{ label: 'A', masked: false }, { label: 'B', masked: true }, { label: 'C', masked: false }]);
  const right = app([{ label: 'B', masked: false }, { label: 'A', masked: false }, { label: 'D', masked: false }], { kind: 'adapter', enabled: false });
  assert.deepEqual(
    compareDefinitions(left, right).map((d) => d.what),
    ['masked on one side only', 'field only on the left', 'field only on the right', 'field order', 'kind', 'enabled'],
  );
  assert.deepEqual(compareDefinitions(left, left), []);
});

test('the diff documents: plain values on their line, masked ones as placeholders that differ only when the values do', () => {
  const fields = compareFields(prints('C', { Url: set('a'), Pw: set('p', true), Key: set('k1', true), Empty: empty(true) }), prints('C', { Url: set('b'), Pw: set('p', true), Key: set('k2', true), Empty: set('e', true) }));
  const doc = { fields: { Url: 'line1\nline2', Pw: '', Key: '', Empty: '' }, masked: ['Pw', 'Key', 'Empty'] };
  const left = sideDocument('left', 'dev', 'prod', 'App', 'C', doc, fields);
  const right = sideDocument('right', 'prod', 'dev', 'App', 'C', doc, fields);
  assert.match(left, /^Url = line1\\nline2$/m, 'one line per field, so the sides stay aligned');
  assert.match(left, /^Pw = «masked: set, equal»$/m);
  assert.match(right, /^Pw = «masked: set, equal»$/m);
  assert.match(left, /^Key = «masked: set, differs from prod»$/m);
  assert.match(right, /^Key = «masked: set, differs from dev»$/m);
  assert.match(left, /^Empty = «masked: empty»$/m);
  assert.match(right, /^Empty = «masked: set, differs from dev»$/m);
  assert.match(sideDocument('right', 'prod', 'dev', 'App', 'C', undefined, []), /no configuration "C" in prod/);
});

test('a copy writes every plain value; a masked one only when chosen, from the revealed source, cleared when empty there', () => {
  const source = { identifier: 'C', fields: { Url: 'u', Pw: '', Key: '', Gone: '' }, masked: ['Pw', 'Key', 'Gone'] };
  const revealed = { fields: { Url: 'u', Pw: 'secret', Key: 'k', Gone: '' } };
  const write = copyWrite(source, '42', new Map([['Pw', 'copy'], ['Key', 'keep'], ['Gone', 'copy']]), revealed);
  assert.deepEqual({ ...write.fields }, { Url: 'u', Pw: 'secret' });
  assert.deepEqual(write.clearMasked, ['Gone']);
  assert.equal(write.expectedTimestamp, '42');
  assert.equal(copyWrite(source, undefined, new Map()).expectedTimestamp, null, 'not on the target: created');
  assert.throws(() => copyWrite(source, '1', new Map([['Pw', 'copy']])), { code: 'ENTSSO_E_CONFLICT', message: /not revealed/ });
});

test('only masked fields that differ (or cannot be compared, or are new) are asked about', () => {
  const fields = compareFields(prints('C', { A: set('1', true), B: set('2', true), C: set('3', true), D: set('4') }), prints('C', { A: set('1', true), B: set('x', true), C: { masked: true, set: true }, D: set('5') }));
  assert.deepEqual(maskedFieldsToDecide(fields), ['B', 'C']);
});

test('a copy is refused between different field lists, or to an environment without the application', () => {
  const fields = [{ label: 'A', masked: false }, { label: 'B', masked: true }];
  assert.equal(copyRefusal(app(fields), app(fields, { enabled: false }), 'prod'), undefined, 'enabled or not does not matter');
  assert.match(copyRefusal(app(fields), app([{ label: 'A', masked: false }, { label: 'B', masked: false }]), 'prod') ?? '', /masked on one side only.*Nothing was copied/);
  assert.match(copyRefusal(app(fields), undefined, 'prod') ?? '', /no application "App" in prod/);
});

test('the report escapes every name and links each difference to its diff', () => {
  const detail = app([{ label: 'Url', masked: false }]);
  const c = compareApplication('A<b>', { detail, configurations: [prints('<img src=x>', { Url: set('1') })] }, { detail, configurations: [prints('<img src=x>', { Url: set('2') })] });
  const html = comparisonReportHtml(c, 'dev"', 'prod');
  assert.ok(!html.includes('<img'), 'names are escaped');
  assert.match(html, /<a href="#" data-identifier="&lt;img src=x&gt;">&lt;img src=x&gt;<\/a>/);
  assert.match(html, /A&lt;b&gt;: dev&quot; ↔ prod/);
});

test('the client hashes a plain value as the service does, so a bridged side still compares its plain fields', () => {
  const key = Buffer.alloc(32, 7);
  const local = fingerprintsOfDocument({ application: 'App', identifier: 'C', timestamp: '1', modifiedAt: 0, fields: { Url: 'u', Pw: '' }, masked: ['Pw'], maskedSet: ['Pw'], revealed: false }, key);
  assert.equal(local.Url!.hash, fieldHash(key, 'Url', 'u'));
  assert.deepEqual(local.Pw, { masked: true, set: true }, 'a masked field: set or not, no hash');
  assert.equal(fieldHash(key, 'URL', 'u'), createHmac('sha256', key).update('url\u0000u').digest('hex'), 'label case does not matter (ASCII), a NUL ends the label');
  assert.notEqual(fieldHash(key, 'Url', 'u'), fieldHash(key, 'User', 'u'), 'bound to its field');
});

test('masked choices are matched as (configuration, field) pairs, even when a name holds " · "', () => {
  const choose = maskedChooser([{ identifier: 'A · B', label: 'C' }]);
  assert.equal(choose('A · B', 'C'), 'copy');
  assert.equal(choose('A', 'B · C'), 'keep', 'another configuration\'s field, though its joined name is the same');
  assert.equal(choose('A · B', 'D'), 'keep');
});

test('an application on neither side is "not found" with what to do, not a TypeError (review 10, F14, palette)', () => {
  assert.throws(
    () => compareApplication('Contoso.Gone', undefined, undefined),
    (err: Error & { code?: string }) => err.code === 'ENTSSO_E_APPLICATION_NOT_FOUND' && /"Contoso\.Gone" in either environment\. Check the name/.test(err.message),
  );
});
