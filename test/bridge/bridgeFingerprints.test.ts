/**
 * Compare across environments with one side through entsso-bridge.exe (Mono, over the ENTSSO
 * STAND-IN) and the other this project's SSO service (real processes): the bridge hashes a value
 * exactly as the service does (C# and TypeScript agree byte for byte), so masked fields compare
 * equal or different without either value leaving its side; the bridge logs the comparison
 * (names only, never the key) and refuses a short key.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { SsoError, isSsoErrorCode } from '../../src/protocol/errors';
import type { MethodName } from '../../src/protocol/messages';
import { compareApplication } from '../../src/model/environmentComparison';
import { newComparisonKey, previewCopy, readSideOfApplication, writeCopy, type EnvironmentSide } from '../../src/model/crossEnvironment';
import { TestEnvironment } from '../integration/harness';
import { BridgeRpcError, SEED, SEED_VALUES, startSeededBridge, type SeededBridge } from '../entssoStandin/standin';

describe('entsso-bridge: fingerprints for a comparison with the SSO service', { timeout: 180_000 }, () => {
  let h: SeededBridge;
  let t: TestEnvironment;
  let bridgeSide: EnvironmentSide;
  let serviceSide: EnvironmentSide;
  const replies: string[] = [];

  before(async () => {
    [h, t] = await Promise.all([startSeededBridge(), TestEnvironment.started()]);
    const capabilities = (await h.bridge.hello()).capabilities;
    bridgeSide = {
      name: 'BizTalk (bridge over the ENTSSO STAND-IN)',
      serves: (m: MethodName) => capabilities.includes(m),
      request: async (method, params) => {
        try {
          const result = await h.bridge.request(method, params);
          replies.push(JSON.stringify(result));
          return result;
        } catch (err) {
          if (err instanceof BridgeRpcError && isSsoErrorCode(err.ssoCode)) throw new SsoError(err.ssoCode, err.message);
          throw err;
        }
      },
    };
    const c = await t.client();
    serviceSide = { name: 'service', serves: () => true, request: (method, params) => c.request(method, params) };
    // The same application in the own service: one configuration equal, one with another masked value, one missing.
    await c.request('apps.create', { name: SEED.ordersSettings, kind: 'configStore', fields: [{ label: 'ServiceUrl', masked: false }, { label: 'RetryCount', masked: false }, { label: 'ApiKey', masked: true }] });
    await c.request('config.set', { application: SEED.ordersSettings, identifier: 'ConfigProperties', fields: { ServiceUrl: SEED_VALUES.serviceUrl, RetryCount: '3', ApiKey: SEED_VALUES.apiKey }, expectedTimestamp: null });
    await c.request('config.set', { application: SEED.ordersSettings, identifier: 'Staging', fields: { ServiceUrl: 'https://staging.orders.contoso.example/api', RetryCount: '5', ApiKey: 'another-key' }, expectedTimestamp: null });
  });
  after(async () => {
    await h?.dispose();
    await t?.dispose();
  });

  test('the bridge serves config.fingerprints; masked values compare equal and different across bridge and service', async () => {
    assert.ok(bridgeSide.serves('config.fingerprints'));
    const key = newComparisonKey();
    const left = await readSideOfApplication(bridgeSide, SEED.ordersSettings, key);
    const right = await readSideOfApplication(serviceSide, SEED.ordersSettings, key);
    key.fill(0);
    const c = compareApplication(SEED.ordersSettings, left, right);
    assert.deepEqual(c.definition, []);
    assert.equal(c.equal, 1, 'ConfigProperties: the same values, the masked one included, hash alike in C# and TypeScript');
    assert.deepEqual(
      c.differing.map((d) => [d.identifier, d.fields.map((f) => `${f.label}:${f.state}`)]),
      [['Staging', ['ApiKey:differs']]],
    );
    for (const reply of replies) for (const secret of [SEED_VALUES.apiKey, 'pk_test_staging']) assert.ok(!reply.includes(secret), 'no masked value leaves the bridge');
  });

  test('a copy to the bridge is refused before anything is read or revealed: ENTSSO has no batch write', async () => {
    const key = newComparisonKey();
    // The preview refuses first (review 10, F7: no masked value revealed for a copy that cannot be written)…
    await assert.rejects(previewCopy(serviceSide, bridgeSide, SEED.ordersSettings, ['Staging'], key), /cannot write several configurations in one transaction through this connection, so nothing was copied/);
    key.fill(0);
    // …and the write itself still refuses.
    await assert.rejects(writeCopy(bridgeSide, SEED.ordersSettings, 'v', [{ identifier: 'Staging', expectedTimestamp: 'x', fields: { RetryCount: '5' } }], 'service'), /cannot write several configurations in one transaction through this connection, so nothing was copied/);
  });

  test('the bridge logs the comparison by name, never the key; a short key and an unknown configuration', async () => {
    const key = newComparisonKey().toString('base64');
    const r = await h.bridge.request('config.fingerprints', { application: SEED.ordersSettings, identifiers: ['ConfigProperties', 'Nope'], key });
    assert.deepEqual(
      r.items.map((i: { identifier: string; found: boolean }) => [i.identifier, i.found]),
      [
        ['ConfigProperties', true],
        ['Nope', false],
      ],
    );
    const lines = await h.bridge.logLines(/ compare fingerprints of 1 configuration\(s\) of Contoso\.Orders\.Settings/);
    assert.ok(lines.every((l) => !l.includes(key)));
    await assert.rejects(h.bridge.request('config.fingerprints', { application: SEED.ordersSettings, identifiers: ['ConfigProperties'], key: Buffer.alloc(8).toString('base64') }), (e: unknown) => e instanceof BridgeRpcError && e.ssoCode === 'ENTSSO_E_INVALID_REQUEST');
  });
});
