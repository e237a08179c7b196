/**
 * Reading a configuration through SsoOperations on a real embedded SSODB: the document without
 * masked values is decrypted once and kept while the store's read is unchanged; what is kept
 * never holds a masked value, never outlives a change of the row, and never answers once the
 * secret is no longer held.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import crypto from 'node:crypto';
import { after, before, describe, it, mock } from 'node:test';
import type { ConfigDocument } from '../../../src/protocol/messages';
import { SsoError } from '../../../src/protocol/errors';
import { encryptBag } from '../../../src/ssoService/crypto/dataCipher';
import { generateMasterSecret, type MasterSecret } from '../../../src/ssoService/crypto/masterSecret';
import { SsoOperations } from '../../../src/ssoService/service/operations';
import { SecretCache } from '../../../src/ssoService/service/secretCache';
import { createSqliteStore } from '../../../src/ssoService/ssodb/sqliteStore';
import type { SsoStore } from '../../../src/ssoService/ssodb/store';

const APP = 'Contoso.Ftp.ReceivePorts';
const ctx = { client: 'test' };
let scratch: string;
let store: SsoStore;
let writer: SsoStore;
let secret: MasterSecret;
let cache: SecretCache;
let ops: SsoOperations;

async function putValues(identifier: string, values: Record<string, string>, expected: string | null): Promise<void> {
  await writer.putCredentials(APP, identifier, expected, secret.msid, encryptBag(secret, APP, identifier, Buffer.from(JSON.stringify(values))));
}

function get(identifier: string, reveal = false): Promise<ConfigDocument> {
  return ops.handlers['config.get']({ application: APP, identifier, reveal }, ctx) as Promise<ConfigDocument>;
}

/** A save through the service, then the turn of the event loop that follows its reply. */
async function saveThroughService(identifier: string, fields: Record<string, string>, expectedTimestamp: string): Promise<string> {
  const saved = await ops.handlers['config.set']({ application: APP, identifier, fields, expectedTimestamp }, ctx);
  await new Promise((resolve) => setImmediate(resolve));
  return saved.timestamp;
}

/** How many AES-GCM decryptions `run` made. */
async function decryptionsDuring<T>(run: () => Promise<T>): Promise<{ result: T; decryptions: number }> {
  const spy = mock.method(crypto, 'createDecipheriv');
  try {
    const result = await run();
    return { result, decryptions: spy.mock.callCount() };
  } finally {
    spy.mock.restore();
  }
}

before(async () => {
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'config-documents-'));
  const file = path.join(scratch, 'ssodb.sqlite');
  store = createSqliteStore({ file });
  await store.init();
  writer = createSqliteStore({ file }); // another connection, as another process would have
  await writer.init();
  secret = generateMasterSecret();
  cache = new SecretCache(60_000);
  cache.onSynced({ current: secret });
  ops = new SsoOperations(store, cache, async () => {
    throw new Error('no master secret server in this test');
  }, 'test-environment');
  await store.createApplication(configStoreApplication(APP, [
    { label: 'Host', masked: false },
    { label: 'Password', masked: true },
  ]));
  await putValues('Partner', { Host: 'ftp.contoso.com', Password: 'pa55' }, null);
});

after(async () => {
  await store.close();
  await writer.close();
  fs.rmSync(scratch, { recursive: true, force: true });
});


/** A config-store application as these tests create it: no description, contact or flags. */
function configStoreApplication(name: string, fields: { label: string; masked: boolean }[]) {
  return { name, description: '', contact: '', userGroup: 'BizTalk Application Users', adminGroup: 'SSO Administrators', flags: 0, kind: 'configStore' as const, fields };
}
describe('config.get documents', () => {
  it('a read without reveal is decrypted once and then answered from what was kept, frozen', async () => {
    const first = await get('Partner');
    assert.deepEqual({ ...first.fields }, { Host: 'ftp.contoso.com', Password: '' });
    const second = await get('Partner');
    assert.equal(second, first, 'the same document, not decrypted again');
    assert.ok(Object.isFrozen(second) && Object.isFrozen(second.fields) && Object.isFrozen(second.masked));
  });

  it('a reveal always decrypts afresh, and never changes what a read without reveal gets', async () => {
    await get('Partner');
    const revealed = await get('Partner', true);
    assert.deepEqual({ ...revealed.fields }, { Host: 'ftp.contoso.com', Password: 'pa55' });
    assert.equal(revealed.revealed, true);
    assert.deepEqual({ ...(await get('Partner')).fields }, { Host: 'ftp.contoso.com', Password: '' });
  });

  it('a change written by another connection is read at once', async () => {
    const before = await get('Partner');
    await putValues('Partner', { Host: 'sftp.contoso.com', Password: 'n3w' }, before.timestamp);
    const afterChange = await get('Partner');
    assert.equal(afterChange.fields.Host, 'sftp.contoso.com');
    assert.notEqual(afterChange.timestamp, before.timestamp);
  });

  it('once the secret is no longer held, a document read before is not answered', async () => {
    await get('Partner');
    cache.onSynced({ current: generateMasterSecret() });
    try {
      await assert.rejects(get('Partner'), (error: unknown) => error instanceof SsoError && error.code === 'ENTSSO_E_NO_SECRET');
    } finally {
      cache.onSynced({ current: secret });
    }
    assert.equal((await get('Partner')).fields.Password, '');
  });

  it("the first read after this service's own save is answered from the save's bytes, not decrypted again", async () => {
    const before = await get('Partner');
    const timestamp = await saveThroughService('Partner', { Host: 'saved.contoso.com' }, before.timestamp);
    const { result: afterSave, decryptions } = await decryptionsDuring(() => get('Partner'));
    assert.equal(decryptions, 0, 'the document was prepared once the save was answered');
    assert.deepEqual({ ...afterSave.fields }, { Host: 'saved.contoso.com', Password: '' });
    assert.deepEqual(afterSave.maskedSet, ['Password']);
    assert.equal(afterSave.timestamp, timestamp);
    assert.ok(Object.isFrozen(afterSave) && Object.isFrozen(afterSave.fields));
    // What a fresh decryption of the stored row says.
    const revealed = await get('Partner', true);
    assert.equal(revealed.fields.Host, 'saved.contoso.com');
    assert.equal(revealed.modifiedAt, afterSave.modifiedAt);
  });

  it("a read right after the save's reply (no turn of the event loop between) is answered without decrypting, and the document is kept", async () => {
    const before = await get('Partner');
    const saved = await ops.handlers['config.set']({ application: APP, identifier: 'Partner', fields: { Host: 'early.contoso.com' }, expectedTimestamp: before.timestamp }, ctx);
    const { result, decryptions } = await decryptionsDuring(async () => {
      const early = await get('Partner');
      await new Promise((resolve) => setImmediate(resolve));
      return { early, again: await get('Partner') };
    });
    assert.equal(decryptions, 0, 'the document was made from the values the save encrypted, before its reply');
    assert.equal(result.early.fields.Host, 'early.contoso.com');
    assert.equal(result.early.timestamp, saved.timestamp);
    assert.equal(result.again, result.early);
  });

  it('a save decrypts only the stored row it merges into, once: the document for the next read is not a second decryption', async () => {
    const before = await get('Partner');
    const { decryptions } = await decryptionsDuring(() => saveThroughService('Partner', { Host: 'once.contoso.com' }, before.timestamp));
    assert.equal(decryptions, 1);
  });

  it("the document made from a save's values is the one a fresh decryption of the stored row gives, masked values left out", async () => {
    const odd = 'Contoso.Odd.Fields';
    await store.createApplication(configStoreApplication(odd, [
      { label: 'Host', masked: false },
      { label: 'constructor', masked: false },
      { label: 'Password', masked: true },
      { label: 'Empty secret', masked: true },
      { label: 'Ünïcödé 名前', masked: false },
      { label: 'Unset', masked: false },
    ]));
    const created = await ops.handlers['config.set']({ application: odd, identifier: 'Odd', fields: { Host: 'h', constructor: 'p', Password: 'pa55', 'Ünïcödé 名前': '\u{1F511} \ud800 "q"' }, expectedTimestamp: null }, ctx);
    const resaved = await ops.handlers['config.set']({ application: odd, identifier: 'Odd', fields: { host: 'h2', 'Empty secret': '' }, expectedTimestamp: created.timestamp }, ctx);
    // Read as the document the save kept...
    const { result: saved, decryptions } = await decryptionsDuring(() => ops.handlers['config.get']({ application: odd, identifier: 'odd' }, ctx) as Promise<ConfigDocument>);
    assert.equal(decryptions, 0);
    assert.equal(saved.timestamp, resaved.timestamp);
    // ...and as another service reading the same file decrypts it.
    const other = new SsoOperations(writer, cache, async () => {
      throw new Error('no master secret server in this test');
    }, 'test-environment');
    const fresh = (await other.handlers['config.get']({ application: odd, identifier: 'Odd' }, ctx)) as ConfigDocument;
    assert.deepEqual(saved, fresh);
    assert.equal(JSON.stringify(saved), JSON.stringify(fresh), 'the same bytes on the wire');
    assert.equal(saved.fields.Password, '');
    assert.deepEqual(saved.maskedSet, ['Password']);
  });

  it('a save and a read under other spellings of the identifier get the stored spelling, without decrypting again', async () => {
    const before = await get('Partner');
    await saveThroughService('PARTNER', { Host: 'spelled.contoso.com' }, before.timestamp);
    const { result, decryptions } = await decryptionsDuring(() => get('partner'));
    assert.equal(decryptions, 0);
    assert.equal(result.identifier, 'Partner');
    assert.equal(result.fields.Host, 'spelled.contoso.com');
  });

  it('what a save prepared is not given for the row once another connection wrote it', async () => {
    const before = await get('Partner');
    const timestamp = await saveThroughService('Partner', { Host: 'mine.contoso.com' }, before.timestamp);
    await putValues('Partner', { Host: 'theirs.contoso.com', Password: 'th3irs' }, timestamp);
    const afterOther = await get('Partner');
    assert.equal(afterOther.fields.Host, 'theirs.contoso.com');
    assert.notEqual(afterOther.timestamp, timestamp);
  });

  it("what a save prepared is not given once the application's fields changed, though the row did not", async () => {
    const before = await get('Partner');
    await saveThroughService('Partner', { Host: 'fields.contoso.com' }, before.timestamp);
    await ops.handlers['apps.addField']({ name: APP, fields: [{ label: 'Port', masked: false }] }, ctx);
    const afterFields = await get('Partner');
    assert.deepEqual({ ...afterFields.fields }, { Host: 'fields.contoso.com', Password: '', Port: '' });
  });
});
