/**
 * The document a save keeps for the read that follows it holds plain (non-masked) values: it is
 * kept only for that read, a few seconds at most, and handed out once.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
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

/** V8's collector, reachable without starting node with --expose-gc. */
function collectGarbage(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}

test('a document replaced by the next save, or taken, is no longer held (its plain values go with it)', async () => {
  const saved = new SavedDocument();
  const refs: WeakRef<ConfigDocument>[] = [];
  // Built in a function of its own, so that nothing on this stack keeps them.
  const keepOne = (identifier: string, then: (doc: ConfigDocument) => void) => {
    const document = { ...documentOf(), fields: { Url: 'x'.repeat(1_000_000) } } as unknown as ConfigDocument;
    refs.push(new WeakRef(document));
    saved.keep(read, { ...row, identifier }, document);
    then(document);
  };
  keepOne('Replaced', () => undefined);
  keepOne('Taken', () => assert.ok(saved.take(read, { ...row, identifier: 'Taken' })));
  keepOne('Kept', () => undefined);
  await new Promise((resolve) => setImmediate(resolve));
  collectGarbage();
  assert.equal(refs[0]?.deref(), undefined, 'the replaced document is still reachable (its timer holds it)');
  assert.equal(refs[1]?.deref(), undefined, 'the taken document is still reachable (its timer holds it)');
  assert.ok(refs[2]?.deref(), 'the document kept for the next read is held');
});
