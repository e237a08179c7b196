/**
 * The document a save prepares for the read that follows it holds plain (non-masked) values and,
 * until built, a way to the master secret: it is kept only for that read, a few seconds at most,
 * and built at most once.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ConfigDocument } from '../../../src/protocol/messages';
import { SavedDocument } from '../../../src/ssoService/service/operationsSavedDocument';
import type { ConfigurationRead, CredentialRow } from '../../../src/ssoService/ssodb/store';

const row: CredentialRow = { application: 'App', identifier: 'Id', msid: '{M}', ciphertext: Buffer.from('ct'), timestamp: 't1', modifiedAt: 1 };
const read: ConfigurationRead = { name: 'App', fields: [{ label: 'Url', masked: false, ordinal: 0 }], row };
const documentOf = (): ConfigDocument => ({ application: 'App', identifier: 'Id', timestamp: 't1', modifiedAt: 1, fields: { Url: 'https://example' }, masked: [], revealed: false }) as unknown as ConfigDocument;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

test('the prepared document is handed to the read of that row once, and built once', async () => {
  let builds = 0;
  const saved = new SavedDocument();
  saved.prepareSoon(read, row, () => (builds++, documentOf()));
  await sleep(5);
  assert.deepEqual(saved.take(read, { ...row }), documentOf());
  assert.equal(saved.take(read, { ...row }), undefined, 'handed out once');
  assert.equal(builds, 1);
});

test('a read before the turn after the save builds it; the way to the secret is then dropped (no second build)', () => {
  let builds = 0;
  const saved = new SavedDocument();
  saved.prepareSoon(read, row, () => (builds++, documentOf()));
  assert.deepEqual(saved.take(read, { ...row }), documentOf());
  assert.equal(builds, 1);
});

test('not kept past its time: a read that comes later decrypts for itself', async () => {
  const saved = new SavedDocument(20);
  saved.prepareSoon(read, row, documentOf);
  await sleep(60);
  assert.equal(saved.take(read, { ...row }), undefined);
});

test('another row, or the same row written again, gets nothing', async () => {
  const saved = new SavedDocument();
  saved.prepareSoon(read, row, documentOf);
  await sleep(5);
  assert.equal(saved.take(read, { ...row, timestamp: 't2' }), undefined);
  saved.prepareSoon(read, row, documentOf);
  assert.equal(saved.take(read, { ...row, ciphertext: Buffer.from('other') }), undefined);
});
