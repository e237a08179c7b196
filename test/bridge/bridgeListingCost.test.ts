/**
 * entsso-bridge.exe over the ENTSSO STAND-IN: a page of identifiers decrypts nothing. ENTSSO keeps
 * no row version; the bridge used to compute one per listed configuration with a runtime
 * GetConfigInfo (a decryption, and an audit event at a high ENTSSO audit level, in the local SSO
 * service), 100 for a page. The listing now says "unknown" (timestamp null), and conflict checks
 * take the version from config.get when they need it: a delete or a save based on a version read
 * before another tool changed the configuration is still refused. Counted with the stand-in's
 * callCounts hook, never timed.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { encryptStandinValue, readStandinState, refusal, setStandinFault, standinValues, startSeededBridge, updateStandinState, type SeedApplication, type SeededBridge } from '../entssoStandin/standin';

const APP = 'Listing.Settings';
const PAGE = 100;
const ids = Array.from({ length: PAGE + 20 }, (_, i) => `Config.${String(i).padStart(4, '0')}`);

function applications(): SeedApplication[] {
  // Test data, not anyone's secrets.
  const configs = Object.fromEntries(ids.map((id, i) => [id, { ServiceUrl: `https://app.contoso.example/${i}`, Password: `listing-pw-${i}` }]));
  return [{ name: APP, kind: 'configStore', fields: [{ label: 'ServiceUrl' }, { label: 'Password', masked: true }], configs }];
}

/** "Another tool" (BTDF, the SSO snap-in…) writes the configuration directly in ENTSSO. */
function anotherToolWrites(stateFile: string, identifier: string, serviceUrl: string): void {
  updateStandinState(stateFile, (s) => {
    const app = s.applications.find((a) => a.name === APP)!;
    app.configs[identifier]!.ServiceUrl = encryptStandinValue(s.secretKey, serviceUrl);
  });
}

const configReads = (stateFile: string) => readStandinState(stateFile).callCounts?.GetConfigInfo ?? 0;

describe('entsso-bridge: identifiers.list reads no configuration (ENTSSO stand-in)', { timeout: 180_000 }, () => {
  let h: SeededBridge;
  before(async () => {
    h = await startSeededBridge({ applications: applications() });
  });
  after(async () => {
    await h?.dispose();
  });

  test(`a page of ${PAGE} identifiers makes no GetConfigInfo call, and lists no version (null, not a made-up one)`, async () => {
    setStandinFault(h.stateFile, { callCounts: {} });
    const page = await h.bridge.request('identifiers.list', { application: APP, limit: PAGE });
    assert.equal(page.items.length, PAGE);
    assert.ok(page.nextCursor, 'more than one page');
    // O(1): the count must not grow with the page (it was one per identifier).
    assert.equal(configReads(h.stateFile), 0);
    for (const item of page.items) assert.equal(item.timestamp, null, item.identifier);
    await h.bridge.request('identifiers.list', { application: APP, limit: PAGE, cursor: page.nextCursor });
    await h.bridge.request('identifiers.list', { application: APP, filter: 'Config.00', limit: PAGE });
    assert.equal(configReads(h.stateFile), 0);
    setStandinFault(h.stateFile, { callCounts: undefined });
  });

  test('a delete (from the tree: version read with config.get when it was asked for) of a configuration another tool changed meanwhile is refused as a conflict', async () => {
    const id = ids[3]!;
    const listed = (await h.bridge.request('identifiers.list', { application: APP, filter: id })).items[0];
    assert.equal(listed.timestamp, null);
    const read = await h.bridge.request('config.get', { application: APP, identifier: id });
    anotherToolWrites(h.stateFile, id, 'https://changed-by-another-tool.example');
    const err = await refusal(h.bridge.request('config.delete', { application: APP, identifier: id, expectedTimestamp: read.timestamp }));
    assert.equal(err.ssoCode, 'ENTSSO_E_CONFLICT');
    assert.ok(standinValues(h.stateFile, APP, id), 'still there');
    // "Unknown" never passes for a version: an empty one is refused too.
    assert.equal((await refusal(h.bridge.request('config.delete', { application: APP, identifier: id, expectedTimestamp: '' }))).ssoCode, 'ENTSSO_E_CONFLICT');
    // With the version read now, the delete goes through.
    const now = await h.bridge.request('config.get', { application: APP, identifier: id });
    await h.bridge.request('config.delete', { application: APP, identifier: id, expectedTimestamp: now.timestamp });
    assert.equal(standinValues(h.stateFile, APP, id), undefined);
  });

  test('a stale editor save (based on the version config.get gave) is a conflict, and nothing is written', async () => {
    const id = ids[4]!;
    const read = await h.bridge.request('config.get', { application: APP, identifier: id });
    anotherToolWrites(h.stateFile, id, 'https://other-tool.example/4');
    const err = await refusal(h.bridge.request('config.set', { application: APP, identifier: id, fields: { ServiceUrl: 'https://mine.example/4' }, expectedTimestamp: read.timestamp }));
    assert.equal(err.ssoCode, 'ENTSSO_E_CONFLICT');
    assert.equal(standinValues(h.stateFile, APP, id)?.ServiceUrl, 'https://other-tool.example/4');
  });
});
