/**
 * entsso-bridge.exe over the ENTSSO STAND-IN: the row versions config.get and config.set return.
 * ENTSSO keeps none; the bridge hashes the stored values. A save must return the version of what
 * it wrote (not of whatever a later read sees), so that a write by someone else in between makes
 * the next save a conflict instead of overwriting it.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { refusal, SEED, type SeededBridge, setStandinFault, standinValues, startSeededBridge } from '../entssoStandin/standin';

const APP = SEED.ordersSettings;
const ID = 'ConfigProperties';

describe('entsso-bridge: the version a save returns', { timeout: 120_000 }, () => {
  let h: SeededBridge;
  before(async () => {
    h = await startSeededBridge();
  });
  after(async () => {
    await h?.dispose();
  });

  const read = () => h.bridge.request('config.get', { application: APP, identifier: ID });
  const save = (fields: Record<string, string>, expectedTimestamp: string) => h.bridge.request('config.set', { application: APP, identifier: ID, fields, expectedTimestamp });

  test('the version returned is that of the values written (a masked value kept included): it is the version the next read gives', async () => {
    const doc = await read();
    const saved = await save({ ServiceUrl: doc.fields.ServiceUrl, RetryCount: '21', ApiKey: '' }, doc.timestamp);
    assert.notEqual(saved.timestamp, doc.timestamp);
    assert.equal((await read()).timestamp, saved.timestamp);
    // And it is a valid base for the next save.
    await save({ RetryCount: '22' }, saved.timestamp);
    assert.equal(standinValues(h.stateFile, APP, ID)!.RetryCount, '22');
  });

  test('someone else writing the moment after a save: that save says so, and the next save from the same document is a conflict', async () => {
    const doc = await read();
    setStandinFault(h.stateFile, { overwriteAfterSet: { ServiceUrl: 'https://written-by-b.example/api' } });
    let base = doc.timestamp;
    let first: unknown;
    try {
      base = (await save({ RetryCount: '23' }, doc.timestamp)).timestamp;
    } catch (err) {
      first = err;
    }
    // The document still holds A's text (RetryCount 23, the old ServiceUrl); its next save sends every field.
    const second = await refusal(save({ ServiceUrl: doc.fields.ServiceUrl, RetryCount: '24' }, base));
    assert.equal(second.ssoCode, 'ENTSSO_E_CONFLICT');
    assert.equal(standinValues(h.stateFile, APP, ID)!.ServiceUrl, 'https://written-by-b.example/api', "B's write was not overwritten");
    assert.ok(first, 'the save B overwrote at once was reported as a success');
    const reported = await refusal(Promise.reject(first as Error));
    assert.equal(reported.ssoCode, 'ENTSSO_E_CONFLICT');
    assert.match(reported.message, /someone else wrote this configuration at the same moment/);
  });
});
