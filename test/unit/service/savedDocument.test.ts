/**
 * The document a save keeps for the read that follows it holds plain (non-masked) values: it is
 * kept only for that read, a few seconds at most, and handed out once.
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

test('the kept document is handed to the read of that row once', () => {
  const saved = new SavedDocument();
  const document = documentOf();
  saved.keep(read, row, document);
  assert.equal(saved.take(read, { ...row }), document);
  assert.equal(saved.take(read, { ...row }), undefined, 'handed out once');
});

test('not kept past its time: a read that comes later decrypts for itself', async () => {
  const saved = new SavedDocument(20);
  saved.keep(read, row, documentOf());
  await sleep(60);
  assert.equal(saved.take(read, { ...row }), undefined);
});

test('another row, or the same row written again, gets nothing', () => {
  const saved = new SavedDocument();
  saved.keep(read, row, documentOf());
  assert.equal(saved.take(read, { ...row, timestamp: 't2' }), undefined);
  saved.keep(read, row, documentOf());
  assert.equal(saved.take(read, { ...row, ciphertext: Buffer.from('other') }), undefined);
});

test('the same row under another field list gets nothing', () => {
  const saved = new SavedDocument();
  saved.keep(read, row, documentOf());
  assert.equal(saved.take({ ...read, fields: [...read.fields, { label: 'Port', masked: false, ordinal: 1 }] }, { ...row }), undefined);
});
