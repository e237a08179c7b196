import assert from 'node:assert/strict';
import { test } from 'node:test';
import { historyPath, historyPickItem, parseHistoryPath, restoreRequest } from '../../../src/model/configHistory';
import type { HistoryDocument } from '../../../src/ssoClient/protocol';

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
