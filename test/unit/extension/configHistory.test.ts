import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DIFFERS_PLACEHOLDER, historyPath, historyPickItem, parseHistoryPath, restoreRequest, serializeVersion } from '../../../src/model/configHistory';
import type { HistoryDocument } from '../../../src/protocol/messages';
import { schemaOf, validateConfigText } from '../../../src/model/configDocument';

const version = (fields: Record<string, string>, revealed = true): HistoryDocument => ({
  application: 'App', identifier: 'Cfg', timestamp: '', modifiedAt: 0, fields, masked: ['Password', 'ApiKey'], maskedSet: ['Password'], revealed, version: 4,
});

test('a version path round-trips, names with / and % included; anything else is not one', () => {
  const target = { environment: 'Prod', application: 'A/B%', identifier: 'Send/Port', version: 12 };
  const { path, query } = historyPath(target);
  assert.deepEqual(parseHistoryPath(path, query), target);
  assert.match(path, /Send%2FPort \(version 12\)\.json$/, 'the tab title says which version');
  assert.equal(parseHistoryPath(path, 'version=11'), undefined, 'name and query must agree');
  assert.equal(parseHistoryPath(path, 'version=0'), undefined);
  assert.equal(parseHistoryPath(path, 'version=1&x=2'), undefined);
  assert.equal(parseHistoryPath('/Prod/App', 'version=1'), undefined);
});

test('restore sends every field of the version and clears a masked field that was empty in it', () => {
  const request = restoreRequest(version({ Host: 'h1', Password: 'p1', ApiKey: '' }));
  assert.deepEqual({ ...request.fields }, { Host: 'h1', Password: 'p1', ApiKey: '' });
  assert.deepEqual(request.clearMasked, ['ApiKey']);
  assert.throws(() => restoreRequest(version({ Host: 'h1', Password: '', ApiKey: '' }, false)), /revealed/);
});

test('a pick row says when, who and which fields, never a value', () => {
  const item = historyPickItem(
    { application: 'App', identifier: 'Cfg', version: 3, writtenAt: '2026-01-01T00:00:00.000Z', replacedAt: '2026-01-02T00:00:00.000Z', replacedBy: 'bob via vscode', change: 'set', changedFields: ['Host', 'Password'] },
    (iso) => iso.slice(0, 10),
  );
  assert.deepEqual(item, { label: 'Version 3', description: 'written 2026-01-01', detail: 'Replaced 2026-01-02 by bob via vscode; changed: Host, Password' });
});

test('a masked field set here and now to another value says so; an unchanged or empty one does not', () => {
  const doc: HistoryDocument = { ...version({ Host: 'h', Password: '', ApiKey: '' }, false), masked: ['Password', 'ApiKey'], maskedSet: ['Password', 'ApiKey'], maskedDiffers: ['ApiKey'] };
  assert.equal(serializeVersion(doc), `{\n  "Host": "h",\n  "Password": "••••••••",\n  "ApiKey": ${JSON.stringify(DIFFERS_PLACEHOLDER)}\n}\n`);
  assert.equal(serializeVersion({ ...doc, maskedDiffers: [] }).includes('differs'), false);
});

test('that placeholder copied into the live document (the diff editor\'s revert arrow) cannot be saved as a value', () => {
  const live = version({ Host: 'h', Password: '', ApiKey: '' }, false);
  const text = `{\n  "Host": "h",\n  "Password": "••••••••",\n  "ApiKey": ${JSON.stringify(DIFFERS_PLACEHOLDER)}\n}\n`;
  const result = validateConfigText(text, schemaOf(live));
  assert.equal(result.ok, false);
  assert.match(result.ok ? '' : result.problems[0]!.message, /placeholder copied from a kept version/);
  assert.equal(validateConfigText(text.replace(JSON.stringify(DIFFERS_PLACEHOLDER), '"••••••••"'), schemaOf(live)).ok, true, 'the plain placeholder keeps the stored value, as before');
});
