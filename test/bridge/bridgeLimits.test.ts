/**
 * entsso-bridge.exe over the ENTSSO STAND-IN: the service's size limits. config.set refuses a value
 * over LIMITS.valueLength and a configuration over MAX_CONFIGURATION_BYTES (as read), as the
 * project's own service does; an answer over the frame limit (a configuration another tool stored)
 * becomes ENTSSO_E_CONFIGURATION_TOO_LARGE instead of a line the extension closes the channel on.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { LIMITS } from '../../src/protocol/limits';
import { configurationBytes, MAX_CONFIGURATION_BYTES } from '../../src/protocol/configurationSize';
import { MAX_FRAME_BYTES } from '../../src/protocol/messages';
import { encryptStandinValue, readStandinState, refusal, SEED, standinValues, updateStandinState, useSeededBridge } from '../entssoStandin/standin';

const APP = SEED.ordersSettings;
const ID = 'ConfigProperties';

describe('entsso-bridge: value and configuration size limits', { timeout: 120_000 }, () => {
  const h = useSeededBridge();

  const read = () => h.bridge.getConfig(APP, ID);

  test('a value longer than LIMITS.valueLength is refused (ENTSSO_E_INVALID_REQUEST); nothing is written', async () => {
    const doc = await read();
    const writes = readStandinState(h.stateFile).writesDone;
    const err = await refusal(h.bridge.request('config.set', { application: APP, identifier: ID, fields: { ServiceUrl: 'x'.repeat(LIMITS.valueLength + 1) }, expectedTimestamp: doc.timestamp }));
    assert.equal(err.ssoCode, 'ENTSSO_E_INVALID_REQUEST');
    assert.match(err.message, /longer than 262144 characters/);
    assert.equal(readStandinState(h.stateFile).writesDone, writes);
    // At the limit it is stored.
    await h.bridge.request('config.set', { application: APP, identifier: ID, fields: { ServiceUrl: 'y'.repeat(LIMITS.valueLength) }, expectedTimestamp: doc.timestamp });
    assert.equal(standinValues(h.stateFile, APP, ID)!.ServiceUrl.length, LIMITS.valueLength);
  });

  test('a configuration over MAX_CONFIGURATION_BYTES as read (UTF-8 of the JSON) is refused with ENTSSO_E_CONFIGURATION_TOO_LARGE', async () => {
    const doc = await read();
    const writes = readStandinState(h.stateFile).writesDone;
    // 200,000 euro signs are 600,000 bytes of UTF-8: two of them are over 1 MiB, each well within the value length.
    const big = '€'.repeat(200_000);
    const err = await refusal(h.bridge.request('config.set', { application: APP, identifier: ID, fields: { ServiceUrl: big, RetryCount: big }, expectedTimestamp: doc.timestamp }));
    assert.equal(err.ssoCode, 'ENTSSO_E_CONFIGURATION_TOO_LARGE');
    assert.equal(err.error.data.details?.limit, MAX_CONFIGURATION_BYTES);
    assert.ok((err.error.data.details?.bytes as number) > MAX_CONFIGURATION_BYTES);
    assert.equal(readStandinState(h.stateFile).writesDone, writes);
    assert.ok(!err.message.includes('€€'), 'no value in the message');
  });

  test('the size is counted as the service counts it (escapes, 2-, 3- and 4-byte UTF-8): exactly MAX_CONFIGURATION_BYTES is stored, one byte more is not', async () => {
    const doc = await read();
    const apiKey = standinValues(h.stateFile, APP, ID)!.ApiKey; // masked, kept as stored
    const serviceUrl = '€'.repeat(200_000) + '😀'.repeat(1000) + 'ü\t"\\\u0001'.repeat(100);
    const asRead = (retryCount: string) => configurationBytes([['ServiceUrl', serviceUrl], ['RetryCount', retryCount], ['ApiKey', apiKey]]);
    const head = '€'.repeat(100_000);
    const fill = MAX_CONFIGURATION_BYTES - asRead(head);
    assert.ok(fill > 0 && head.length + fill <= LIMITS.valueLength);
    const exact = head + 'a'.repeat(fill);
    assert.equal(asRead(exact), MAX_CONFIGURATION_BYTES);
    const over = await refusal(h.bridge.request('config.set', { application: APP, identifier: ID, fields: { ServiceUrl: serviceUrl, RetryCount: exact + 'a' }, expectedTimestamp: doc.timestamp }));
    assert.equal(over.ssoCode, 'ENTSSO_E_CONFIGURATION_TOO_LARGE');
    assert.equal(over.error.data.details?.bytes, MAX_CONFIGURATION_BYTES + 1);
    await h.bridge.request('config.set', { application: APP, identifier: ID, fields: { ServiceUrl: serviceUrl, RetryCount: exact }, expectedTimestamp: doc.timestamp });
    assert.equal(standinValues(h.stateFile, APP, ID)!.RetryCount, exact);
  });

  test('an answer over the frame limit is refused with ENTSSO_E_CONFIGURATION_TOO_LARGE, and the bridge goes on serving', async () => {
    // Stored by another tool, past every limit of the bridge's own writes: 2 x 2.2 MB of visible values.
    updateStandinState(h.stateFile, (s) => {
      const app = s.applications.find((a) => a.name === APP)!;
      const huge = 'z'.repeat(2_200_000);
      app.configs.Huge = { ServiceUrl: encryptStandinValue(s.secretKey, huge), RetryCount: encryptStandinValue(s.secretKey, huge), ApiKey: encryptStandinValue(s.secretKey, '') };
    });
    try {
      const err = await refusal(h.bridge.request('config.get', { application: APP, identifier: 'Huge' }));
      assert.equal(err.ssoCode, 'ENTSSO_E_CONFIGURATION_TOO_LARGE');
      assert.equal(err.error.data.details?.limit, MAX_FRAME_BYTES);
      assert.equal((await h.bridge.request('status')).state, 'ready');
    } finally {
      updateStandinState(h.stateFile, (s) => {
        delete s.applications.find((a) => a.name === APP)!.configs.Huge;
      });
    }
  });
});
