// Unit tests of the editor help of sso: documents: completion ranges, hover text, quick-fix edits,
// and the problems that carry what a quick fix needs.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { validateConfigText, type DocumentSchema } from '../../../src/model/configDocument';
import { fieldDescription, fieldsToComplete, keyAt, keyRangeAt, quoteValueEdit, removePropertyEdit, type TextEdit } from '../../../src/model/editorHelp';

const schema: DocumentSchema = { application: 'Contoso.OrderService', identifier: 'ConfigProperties', fields: ['Endpoint', 'ApiUser', 'ApiKey', 'TimeoutSeconds'], masked: ['ApiKey'] };

function apply(text: string, e: TextEdit): string {
  return text.slice(0, e.start) + e.newText + text.slice(e.end);
}

describe('editor help for sso: documents', () => {
  test('the unknown-field problem points to Add Fields and removal, not to a fixed field list, and carries the property', () => {
    const text = '{\n  "Endpoint": "e",\n  "ApiUser": "u",\n  "ApiKey": "k",\n  "TimeoutSeconds": "30",\n  "Region": "west"\n}\n';
    const r = validateConfigText(text, schema);
    assert.ok(!r.ok);
    const p = r.problems[0]!;
    assert.doesNotMatch(p.message, /fixed when the application is created/);
    assert.match(p.message, /"Region" is not a field of application "Contoso.OrderService": add it to the application \("Add Fields…"\), or remove it from the document/);
    assert.equal(p.fix?.kind, 'unknown-field');
    if (p.fix?.kind !== 'unknown-field') return;
    assert.equal(apply(text, removePropertyEdit(text, p.fix.propertyStart, p.fix.propertyEnd)), '{\n  "Endpoint": "e",\n  "ApiUser": "u",\n  "ApiKey": "k",\n  "TimeoutSeconds": "30"\n}\n');
  });

  test('removing an unknown field in the middle takes its whole line', () => {
    const text = '{\n  "Endpoint": "e",\n  "Region": 5,\n  "ApiUser": "u"\n}\n';
    const r = validateConfigText(text, { ...schema, fields: ['Endpoint', 'ApiUser'], masked: [] });
    assert.ok(!r.ok);
    const fix = r.problems.find((p) => p.fix?.kind === 'unknown-field')!.fix!;
    assert.ok(fix.kind === 'unknown-field');
    assert.equal(apply(text, removePropertyEdit(text, fix.propertyStart, fix.propertyEnd)), '{\n  "Endpoint": "e",\n  "ApiUser": "u"\n}\n');
  });

  test('a number or true/false gets a quote fix; the edit keeps its text', () => {
    const text = '{ "Endpoint": "e", "ApiUser": true, "ApiKey": "k", "TimeoutSeconds": 30 }';
    const r = validateConfigText(text, schema);
    assert.ok(!r.ok);
    const fixes = r.problems.filter((p) => p.fix?.kind === 'not-a-string');
    assert.deepEqual(fixes.map((p) => p.fix?.kind === 'not-a-string' && p.fix.label), ['ApiUser', 'TimeoutSeconds']);
    const quoted = fixes.reverse().reduce((t, p) => apply(t, quoteValueEdit(t, p.start, p.end)), text);
    assert.equal(quoted, '{ "Endpoint": "e", "ApiUser": "true", "ApiKey": "k", "TimeoutSeconds": "30" }');
    const nullProblem = validateConfigText('{ "Endpoint": null, "ApiUser": "u", "ApiKey": "k", "TimeoutSeconds": "1" }', schema);
    assert.ok(!nullProblem.ok && nullProblem.problems[0]!.fix === undefined, 'null is not quoted into the text "null"');
  });

  test('completion offers the missing fields where a key is typed, not in a value', () => {
    const text = '{\n  "Endpoint": "e",\n  "Ap\n}\n';
    const offset = text.indexOf('"Ap') + 3;
    assert.deepEqual(keyRangeAt(text, offset), { start: text.indexOf('"Ap'), end: offset });
    assert.deepEqual(fieldsToComplete(text, schema), ['ApiUser', 'ApiKey', 'TimeoutSeconds']);
    assert.equal(keyRangeAt(text, text.indexOf('"e"') + 1), undefined);
    const closed = '{\n  ""\n}';
    assert.deepEqual(keyRangeAt(closed, closed.indexOf('""') + 1), { start: closed.indexOf('""'), end: closed.indexOf('""') + 2 });
  });

  test('hover names the field, its place and whether it is masked, never a value', () => {
    const text = '{ "Endpoint": "secret-looking", "ApiKey": "k" }';
    const key = keyAt(text, text.indexOf('ApiKey'));
    assert.equal(key?.key, 'ApiKey');
    const d = fieldDescription(schema, 'ApiKey')!;
    assert.match(d, /^Field 3 of 4 of application "Contoso.OrderService", masked/);
    assert.equal(fieldDescription(schema, 'Region'), undefined);
    assert.equal(keyAt(text, text.indexOf('secret-looking')), undefined);
  });
});
