/**
 * entsso-bridge.exe over the ENTSSO STAND-IN (review 10, F8): an application whose configurations the
 * bridge did not count (an affiliate one: ENTSSO's mappings are not listed; or a listing that failed)
 * is answered with identifierCountUnknown, never as a counted 0, so that Delete Application does not
 * call it empty and skip typing its name.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { SEED, setStandinFault, startSeededBridge, type SeededBridge } from '../entssoStandin/standin';

interface AppAnswer {
  name: string;
  identifierCount: number;
  identifierCountUnknown?: boolean;
}

describe('entsso-bridge: applications whose configurations were not counted (ENTSSO stand-in)', { timeout: 120_000 }, () => {
  let h: SeededBridge;
  before(async () => {
    h = await startSeededBridge();
  });
  after(async () => {
    await h?.dispose();
  });

  test('an affiliate application: apps.get and apps.list say "not counted", not 0', async () => {
    const detail = (await h.bridge.request('apps.get', { name: SEED.mainframe })) as AppAnswer;
    assert.equal(detail.identifierCountUnknown, true);
    const listed = ((await h.bridge.request('apps.list', { filter: SEED.mainframe })).items as AppAnswer[]).find((a) => a.name === SEED.mainframe);
    assert.equal(listed?.identifierCountUnknown, true);
  });

  test('config-store and adapter applications are counted', async () => {
    const orders = (await h.bridge.request('apps.get', { name: SEED.ordersSettings })) as AppAnswer;
    assert.equal(orders.identifierCount, 2);
    assert.equal(orders.identifierCountUnknown, undefined);
    const handler = (await h.bridge.request('apps.get', { name: SEED.sftpSendHandler })) as AppAnswer;
    assert.equal(handler.identifierCount, 3);
    assert.equal(handler.identifierCountUnknown, undefined);
  });

  test('a count that failed (access denied listing the mappings) is "not counted", not 0', async () => {
    setStandinFault(h.stateFile, { failCalls: { GetMappingsForExternalUser: '0xC0002A5A' } });
    try {
      const detail = (await h.bridge.request('apps.get', { name: SEED.ordersSettings })) as AppAnswer;
      assert.equal(detail.identifierCountUnknown, true);
    } finally {
      setStandinFault(h.stateFile, { failCalls: {} });
    }
  });
});
