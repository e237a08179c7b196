/**
 * entsso-bridge.exe over the ENTSSO STAND-IN: the row versions config.get and config.set return.
 * ENTSSO keeps none; the bridge hashes the stored values. A save must return the version of what
 * it wrote (not of whatever a later read sees), so that a write by someone else in between makes
 * the next save a conflict instead of overwriting it. Also which masked fields hold a value.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import { SsoClient } from '../../src/ssoClient/client';
import { BridgeProcess, refusal, SEED, setStandinFault, standinValues, TEST_BRIDGE_EXE, useSeededBridge } from '../entssoStandin/standin';

const APP = SEED.ordersSettings;
const ID = 'ConfigProperties';

describe('entsso-bridge: the version a save returns', { timeout: 120_000 }, () => {
  const h = useSeededBridge();

  const read = () => h.bridge.getConfig(APP, ID);
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
    assert.match(reported.message, /someone else wrote this configuration at the same moment/i);
  });

  test('with the environment\'s version key in hello, a document read through one bridge saves through the next one (a restart is no conflict)', async () => {
    const versionKey = randomBytes(32).toString('base64');
    const client = () => new SsoClient({ process: { command: 'mono', args: [TEST_BRIDGE_EXE, '--poll-ms', '300'], env: h.env }, versionKey, token: '', clientName: 'bridge-test', requestTimeoutMs: 30_000 });
    const first = client();
    await first.connect();
    const doc = await first.request('config.get', { application: APP, identifier: ID });
    first.close();
    const second = client();
    try {
      await second.connect();
      const saved = await second.request('config.set', { application: APP, identifier: ID, fields: { RetryCount: '31' }, expectedTimestamp: doc.timestamp });
      assert.equal(standinValues(h.stateFile, APP, ID)!.RetryCount, '31');
      // Still a real check: a stale version is refused by the restarted bridge too.
      const stale = await second.request('config.set', { application: APP, identifier: ID, fields: { RetryCount: '32' }, expectedTimestamp: doc.timestamp }).then(
        () => undefined,
        (e: { code?: string }) => e.code,
      );
      assert.equal(stale, 'ENTSSO_E_CONFLICT');
      assert.notEqual(saved.timestamp, doc.timestamp);
    } finally {
      second.close();
    }
  });

  test('the version key is neither echoed nor logged, and one that is not 32 to 64 bytes is refused', async () => {
    const versionKey = randomBytes(48).toString('base64');
    const b = await BridgeProcess.start(h.env);
    try {
      const hello = await b.request('hello', { token: '', protocolVersion: 1, client: 'bridge-test', versionKey });
      assert.ok(!JSON.stringify(hello).includes(versionKey));
      await b.request('config.get', { application: APP, identifier: ID });
      const short = await refusal(b.request('hello', { token: '', protocolVersion: 1, client: 'bridge-test', versionKey: randomBytes(16).toString('base64') }));
      assert.equal(short.ssoCode, 'ENTSSO_E_INVALID_REQUEST');
      assert.ok(!b.stderr.join('\n').includes(versionKey), 'the key is not in the log');
    } finally {
      await b.stop();
    }
  });

  test('config.get lists the masked fields that hold a value (maskedSet): an empty password is not shown as set', async () => {
    const empty = await h.bridge.request('config.get', { application: SEED.sftpSendHandler, identifier: SEED.sftpSendHandler });
    assert.deepEqual(empty.masked, ['password']);
    assert.deepEqual(empty.maskedSet, []);
    const set = await h.bridge.request('config.get', { application: SEED.sftpSendHandler, identifier: SEED.sendPortOrders });
    assert.deepEqual(set.maskedSet, ['password']);
    assert.equal(set.fields.password, '', 'still no value without reveal');
  });
});
