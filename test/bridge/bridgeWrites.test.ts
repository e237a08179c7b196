/**
 * entsso-bridge.exe over the ENTSSO STAND-IN: how config.set protects stored values. ENTSSO drops
 * unknown names silently and keeps no row version, and concurrent writes race (0xC0002A40): the
 * bridge validates names first, compares a hash of what is stored with what the user read, and
 * retries a race a bounded number of times before refusing.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { refusal, SEED, SEED_VALUES, readStandinState, setStandinFault, standinValues, useSeededBridge } from '../entssoStandin/standin';

const APP = SEED.ordersSettings;
const ID = 'ConfigProperties';

describe('entsso-bridge: config.set against races, stale reads and unknown names', { timeout: 120_000 }, () => {
  const h = useSeededBridge();

  const read = () => h.bridge.getConfig(APP, ID);

  test('a write race (0xC0002A40) is retried and then succeeds', async () => {
    const doc = await read();
    setStandinFault(h.stateFile, { raceCount: 2 });
    const before = readStandinState(h.stateFile).racesRaised;
    await h.bridge.request('config.set', { application: APP, identifier: ID, fields: { RetryCount: '11' }, expectedTimestamp: doc.timestamp });
    assert.equal(readStandinState(h.stateFile).racesRaised - before, 2);
    assert.equal(standinValues(h.stateFile, APP, ID)!.RetryCount, '11');
    assert.equal((await h.bridge.logLines(/ write-race /, 2)).length, 2);
  });

  test('a race that goes on is refused with ENTSSO_E_CONFLICT after a bounded number of attempts', async () => {
    const doc = await read();
    setStandinFault(h.stateFile, { raceCount: 50 });
    const before = readStandinState(h.stateFile).racesRaised;
    const err = await refusal(h.bridge.request('config.set', { application: APP, identifier: ID, fields: { RetryCount: '12' }, expectedTimestamp: doc.timestamp }));
    assert.equal(err.ssoCode, 'ENTSSO_E_CONFLICT');
    assert.equal(err.error.data.details?.hresult, '0xC0002A40');
    assert.equal(readStandinState(h.stateFile).racesRaised - before, 4, 'one attempt and three retries');
    assert.equal(standinValues(h.stateFile, APP, ID)!.RetryCount, '11');
    setStandinFault(h.stateFile, { raceCount: 0 });
  });

  test('an unknown field name is refused before anything is written (ENTSSO would drop it silently)', async () => {
    const doc = await read();
    const writes = readStandinState(h.stateFile).writesDone;
    const err = await refusal(h.bridge.request('config.set', { application: APP, identifier: ID, fields: { RetryCount: '13', RetryCuont: '13' }, expectedTimestamp: doc.timestamp }));
    assert.equal(err.ssoCode, 'ENTSSO_E_UNKNOWN_FIELD');
    assert.deepEqual(err.error.data.details?.fields, ['RetryCuont']);
    assert.equal(readStandinState(h.stateFile).writesDone, writes, 'nothing was written');
    assert.equal(standinValues(h.stateFile, APP, ID)!.RetryCount, '11');
    const cleared = await refusal(h.bridge.request('config.set', { application: APP, identifier: ID, fields: {}, expectedTimestamp: doc.timestamp, clearMasked: ['NoSuchMasked'] }));
    assert.equal(cleared.ssoCode, 'ENTSSO_E_UNKNOWN_FIELD');
  });

  test('a stale read is refused: the stored values changed since (masked field included)', async () => {
    const doc = await read();
    // Someone else changes only the masked value (not visible in admin mode, but in the row version).
    const other = await h.bridge.request('config.set', { application: APP, identifier: ID, fields: { ApiKey: 'rotated-by-someone-else' }, expectedTimestamp: doc.timestamp });
    assert.notEqual(other.timestamp, doc.timestamp);
    const writes = readStandinState(h.stateFile).writesDone;
    const err = await refusal(h.bridge.request('config.set', { application: APP, identifier: ID, fields: { RetryCount: '14' }, expectedTimestamp: doc.timestamp }));
    assert.equal(err.ssoCode, 'ENTSSO_E_CONFLICT');
    assert.equal(readStandinState(h.stateFile).writesDone, writes);
    assert.equal(standinValues(h.stateFile, APP, ID)!.ApiKey, 'rotated-by-someone-else');
    assert.ok(!h.bridge.stderr.join('\n').includes('rotated-by-someone-else'), 'no value in the log');
  });

  test('a masked field sent empty keeps its stored value (VT_NULL)', async () => {
    await h.bridge.request('config.set', { application: SEED.sftpSendHandler, identifier: SEED.sendPortOrders, fields: { userName: 'svc-orders-2', password: '' }, expectedTimestamp: (await h.bridge.request('config.get', { application: SEED.sftpSendHandler, identifier: SEED.sendPortOrders })).timestamp });
    const values = standinValues(h.stateFile, SEED.sftpSendHandler, SEED.sendPortOrders)!;
    assert.equal(values.password, SEED_VALUES.ordersPassword);
    assert.equal(values.userName, 'svc-orders-2');
  });

  test('writes are refused while the MSS is unreachable (cached), values unchanged', async () => {
    const doc = await read();
    setStandinFault(h.stateFile, { mssReachable: false });
    await h.bridge.waitForState('cached');
    const err = await refusal(h.bridge.request('config.set', { application: APP, identifier: ID, fields: { RetryCount: '15' }, expectedTimestamp: doc.timestamp }));
    assert.equal(err.ssoCode, 'ENTSSO_E_NO_SECRET');
    setStandinFault(h.stateFile, { mssReachable: true });
    await h.bridge.waitForState('ready');
    assert.equal(standinValues(h.stateFile, APP, ID)!.RetryCount, '11');
  });
});
