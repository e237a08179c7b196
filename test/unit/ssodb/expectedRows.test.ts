/**
 * An ApplicationChange may leave the application's rows unchecked as a whole when each row change
 * carries its own expectedTimestamp (config.setMany, review finding 5); a change of the field list
 * must still give them. Real SQLite file.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createSqliteStore } from '../../../src/ssoService/ssodb/sqliteStore';
import type { SsoStore } from '../../../src/ssoService/ssodb/store';
import { app } from './storeContract';

describe('expected rows of an application change', () => {
  let scratch: string;
  let store: SsoStore;

  before(async () => {
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'expected-rows-'));
    store = createSqliteStore({ file: path.join(scratch, 'ssodb.sqlite') });
    await store.init();
    await store.createApplication(app('App'));
    await store.putCredentials('App', 'A', null, 'msid-1', Buffer.from('a'));
    await store.putCredentials('App', 'B', null, 'msid-1', Buffer.from('b'));
  });
  after(async () => {
    await store.close();
    fs.rmSync(scratch, { recursive: true, force: true });
  });

  it('without rowCount, each row is checked by its own premise only', async () => {
    const fields = app('App').fields.map(({ label, masked }) => ({ label, masked }));
    const a = await store.getCredentials('App', 'A');
    await store.putCredentials('App', 'B', (await store.getCredentials('App', 'B'))!.timestamp, 'msid-1', Buffer.from('b2')); // another row changes meanwhile
    await store.applyApplicationChanges([{ application: 'App', expected: { fields }, rows: [{ op: 'put', identifier: 'A', expectedTimestamp: a!.timestamp, msid: 'msid-1', ciphertext: Buffer.from('a2') }] }]);
    assert.equal((await store.getCredentials('App', 'A'))!.ciphertext.toString(), 'a2');
    await assert.rejects(
      store.applyApplicationChanges([{ application: 'App', expected: { fields }, rows: [{ op: 'put', identifier: 'A', expectedTimestamp: a!.timestamp, msid: 'msid-1', ciphertext: Buffer.from('a3') }] }]),
      { code: 'ENTSSO_E_CONFLICT' },
    );
  });

  it('a new field list without rowCount is refused', async () => {
    const fields = app('App').fields.map(({ label, masked }) => ({ label, masked }));
    await assert.rejects(store.applyApplicationChanges([{ application: 'App', expected: { fields }, fields, rows: [] }]), { code: 'ENTSSO_E_INVALID_REQUEST' });
  });
});
