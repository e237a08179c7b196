/**
 * entsso-bridge.exe over the ENTSSO STAND-IN: a request the extension gave up on is not started
 * later. The bridge runs requests one at a time; one queued behind a slow call (a long field
 * change, a slow MSS) used to run after the client had reported it failed, so a save the user was
 * told did not happen was stored after all. Each request now carries `notAfter` (the client's
 * clock + its timeout) and the bridge refuses one past it with ENTSSO_E_TIMEOUT before starting it.
 * Delays injected into the stand-in stand for ENTSSO's latency; nothing is timed, only ordered.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SsoError } from '../../src/protocol/errors';
import { SsoClient } from '../../src/ssoClient/client';
import { BridgeRpcError, SEED, TEST_BRIDGE_EXE, readStandinState, setStandinFault, standinValues, useSeededBridge } from '../entssoStandin/standin';

const APP = SEED.ordersSettings;
const ID = 'ConfigProperties';

describe('entsso-bridge: requests past their deadline are not started', { timeout: 120_000 }, () => {
  const h = useSeededBridge();

  test('a config.set queued behind a slow call and past its notAfter is refused with ENTSSO_E_TIMEOUT; nothing is written', async () => {
    const doc = await h.bridge.request('config.get', { application: APP, identifier: ID });
    const writes = readStandinState(h.stateFile).writesDone;
    setStandinFault(h.stateFile, { delayCalls: { GetConfigInfo: 1500 } });
    const slow = h.bridge.request('config.get', { application: APP, identifier: ID });
    // Already past its deadline when the bridge reaches it (the slow read holds the bridge for 1.5 s).
    const line = JSON.stringify({ jsonrpc: '2.0', id: 'late-set', method: 'config.set', notAfter: Date.now() + 200, params: { application: APP, identifier: ID, fields: { RetryCount: '99' }, expectedTimestamp: doc.timestamp } });
    const late = h.bridge.sendRaw(line + '\n', 'late-set').then(
      () => assert.fail('the late config.set was carried out'),
      (err: unknown) => err as BridgeRpcError,
    );
    await slow;
    setStandinFault(h.stateFile, { delayCalls: {} });
    const refused = await late;
    assert.ok(refused instanceof BridgeRpcError, String(refused));
    assert.equal(refused.ssoCode, 'ENTSSO_E_TIMEOUT');
    assert.match(refused.message, /nothing was changed/);
    assert.equal(standinValues(h.stateFile, APP, ID)!.RetryCount, '3');
    assert.equal(readStandinState(h.stateFile).writesDone, writes);
    // A request within its deadline still runs.
    const inTime = JSON.stringify({ jsonrpc: '2.0', id: 'in-time', method: 'status', notAfter: Date.now() + 60_000, params: {} });
    assert.equal(((await h.bridge.sendRaw(inTime + '\n', 'in-time')) as { state: string }).state, 'ready');
  });

  test('a notAfter that is not a number is refused, not taken as "no deadline"; nothing is written', async () => {
    const writes = readStandinState(h.stateFile).writesDone;
    for (const [i, notAfter] of ['soon', null, true, {}, [1]].entries()) {
      const line = JSON.stringify({ jsonrpc: '2.0', id: `bad-deadline-${i}`, method: 'config.set', notAfter, params: { application: APP, identifier: ID, fields: { RetryCount: '77' } } });
      const refused = await h.bridge.sendRaw(line + '\n', `bad-deadline-${i}`).then(
        () => assert.fail(`config.set with notAfter ${JSON.stringify(notAfter)} was carried out`),
        (err: unknown) => err as BridgeRpcError,
      );
      assert.ok(refused instanceof BridgeRpcError, String(refused));
      assert.equal(refused.ssoCode, 'ENTSSO_E_INVALID_REQUEST');
      assert.match(refused.message, /"notAfter" must be a number/);
    }
    assert.equal(standinValues(h.stateFile, APP, ID)!.RetryCount, '3');
    assert.equal(readStandinState(h.stateFile).writesDone, writes);
  });

  test("the extension's client: a save that timed out behind a slow call is never stored, and its message says to refresh", async () => {
    const logLines: string[] = [];
    const client = new SsoClient({ process: { command: 'mono', args: [TEST_BRIDGE_EXE, '--poll-ms', '300'], env: h.env }, token: '', clientName: 'bridge-test', requestTimeoutMs: 1000, onProcessLog: (l) => logLines.push(l) });
    try {
      await client.connect();
      const doc = await client.request('config.get', { application: APP, identifier: ID });
      setStandinFault(h.stateFile, { delayCalls: { GetConfigInfo: 2500 } });
      const slow = client.request('config.get', { application: APP, identifier: ID }).catch((e: unknown) => e);
      const save = await client.request('config.set', { application: APP, identifier: ID, fields: { RetryCount: '98' }, expectedTimestamp: doc.timestamp }).then(
        () => assert.fail('answered within 1 s'),
        (e: unknown) => e as SsoError,
      );
      assert.equal(save.code, 'ENTSSO_E_TIMEOUT');
      assert.match(save.message, /may still be applied: refresh/);
      assert.equal(((await slow) as SsoError).code, 'ENTSSO_E_TIMEOUT');
      assert.doesNotMatch(((await slow) as SsoError).message, /may still be applied/, 'a read changes nothing');
      setStandinFault(h.stateFile, { delayCalls: {} });
      // Wait (bounded) until the bridge has reached the queued save, one way or the other.
      for (let i = 0; i < 300 && !logLines.some((l) => / (expired|config-set) /.test(l)); i++) await new Promise((r) => setTimeout(r, 50));
      assert.ok(logLines.some((l) => / expired config\.set/.test(l)), `the bridge did not drop the late save; its log:\n${logLines.join('\n')}`);
      assert.equal(standinValues(h.stateFile, APP, ID)!.RetryCount, '3');
    } finally {
      client.close();
      setStandinFault(h.stateFile, { delayCalls: {} });
    }
  });
});
