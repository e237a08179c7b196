/**
 * entsso-bridge.exe over the ENTSSO STAND-IN: every HRESULT listed in docs ENTSSO-BRIDGE.md maps to
 * the project's error code and a sentence (injected per call through the stand-in's state file),
 * and the stand-in's own documented behaviours (access denied as UnauthorizedAccessException,
 * E_FAIL for a disabled application, not the MSS, backup argument rules) come out right.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { refusal, SEED, setStandinFault, useSeededBridge } from '../entssoStandin/standin';

/** Every HRESULT of ENTSSO-BRIDGE.md "Error codes", with the code the bridge must answer. */
const TABLE: [string, string][] = [
  ['0xC0002A03', 'ENTSSO_E_APPLICATION_DISABLED'],
  ['0xC0002A04', 'ENTSSO_E_APPLICATION_NOT_FOUND'],
  ['0xC0002A05', 'ENTSSO_E_MAPPING_NOT_FOUND'],
  ['0xC0002A07', 'ENTSSO_E_INVALID_REQUEST'],
  ['0xC0002A08', 'ENTSSO_E_INVALID_REQUEST'],
  ['0xC0002A0E', 'ENTSSO_E_INVALID_REQUEST'],
  ['0xC0002A0F', 'ENTSSO_E_MSS_UNREACHABLE'],
  ['0xC0002A11', 'ENTSSO_E_INVALID_REQUEST'],
  ['0xC0002A1B', 'ENTSSO_E_BAD_PASSWORD'],
  ['0xC0002A1F', 'ENTSSO_E_NO_SECRET'],
  ['0xC0002A22', 'ENTSSO_E_INVALID_REQUEST'],
  ['0xC0002A3E', 'ENTSSO_E_REENCRYPT_IN_PROGRESS'],
  ['0xC0002A40', 'ENTSSO_E_CONFLICT'],
  ['0xC0002A54', 'ENTSSO_E_INVALID_REQUEST'],
  ['0xC0002A58', 'ENTSSO_E_INVALID_REQUEST'],
  ['0xC0002A5A', 'ENTSSO_E_ACCESS_DENIED'],
  ['0xC0002A5B', 'ENTSSO_E_NO_SECRET'],
  ['0xC0002A62', 'ENTSSO_E_INVALID_REQUEST'],
  ['0x80070005', 'ENTSSO_E_ACCESS_DENIED'],
  ['0x800706BA', 'ENTSSO_E_SSODB_UNREACHABLE'],
  ['0x800706D9', 'ENTSSO_E_MSS_UNREACHABLE'],
];

describe('entsso-bridge: ENTSSO errors → project error codes', { timeout: 120_000 }, () => {
  const h = useSeededBridge();

  test('every HRESULT in ENTSSO-BRIDGE.md: code, hresult detail, a distinct sentence that says what to do', async () => {
    const sentences = new Map<string, string>();
    for (const [hresult, code] of TABLE) {
      setStandinFault(h.stateFile, { failCalls: { GetApplicationInfo: hresult } });
      const err = await refusal(h.bridge.request('apps.get', { name: SEED.ordersSettings }));
      assert.equal(err.ssoCode, code, `${hresult}: ${err.message}`);
      assert.equal(err.error.code, 1);
      assert.equal(err.error.data.details?.hresult, hresult);
      assert.doesNotMatch(err.message, /\{(the |The )?mss\}|0x[0-9A-F]{8}/, `${hresult}: the sentence is for a person`);
      assert.ok(err.message.length > 30 && err.message.endsWith('.'), `${hresult}: ${err.message}`);
      sentences.set(hresult, err.message);
    }
    // 0xC0002A1F and 0xC0002A5B mean the same; every other code has its own sentence.
    assert.equal(new Set(sentences.values()).size, TABLE.length - 1);
    setStandinFault(h.stateFile, { failCalls: {} });
  });

  test('the local SSO service unreachable (0x800706BA) on a configuration read: says to start it, or to use a BizTalk server where only the administration tools are installed', async () => {
    setStandinFault(h.stateFile, { failCalls: { GetConfigInfo: '0x800706BA' } });
    const err = await refusal(h.bridge.request('config.get', { application: SEED.ordersSettings, identifier: 'ConfigProperties' }));
    assert.equal(err.ssoCode, 'ENTSSO_E_SSODB_UNREACHABLE');
    assert.match(err.message, /Start the "Enterprise Single Sign-On Service" \(services\.msc\) on this machine/);
    assert.match(err.message, /Where only ENTSSO's administration tools are installed \(no SSO service\), open VS Code on a BizTalk server/);
    setStandinFault(h.stateFile, { failCalls: {} });
  });

  test('an HRESULT not in the table: ENTSSO_E_INTERNAL naming the event id to look for', async () => {
    setStandinFault(h.stateFile, { failCalls: { GetApplicationInfo: '0xC0002AFF' } });
    const err = await refusal(h.bridge.request('apps.get', { name: SEED.ordersSettings }));
    assert.equal(err.ssoCode, 'ENTSSO_E_INTERNAL');
    assert.match(err.message, /event 11007/);
    setStandinFault(h.stateFile, { failCalls: {} });
  });

  test('a Windows error code outside ENTSSO\'s range: no "ENTSSO event" advice (0x80070057 is not event 87)', async () => {
    setStandinFault(h.stateFile, { failCalls: { GetApplicationInfo: '0x80070057' } });
    const err = await refusal(h.bridge.request('apps.get', { name: SEED.ordersSettings }));
    assert.equal(err.ssoCode, 'ENTSSO_E_INTERNAL');
    assert.match(err.message, /0x80070057, a Windows error code\. Look in the Windows Application event log \(source ENTSSO\)/);
    assert.doesNotMatch(err.message, /event \d/);
    setStandinFault(h.stateFile, { failCalls: {} });
  });

  test('access denied on backup, restore, generate or the reminder: run VS Code elevated on the MSS, as a Windows and SSO administrator', async () => {
    const file = Buffer.from('x').toString('base64');
    for (const [call, method, params] of [
      ['BackupSecret', 'secret.backup', { password: 'long-enough', reminder: '' }],
      ['GenerateSecret', 'secret.generate', { password: 'long-enough', reminder: '' }],
      ['RestoreSecret', 'secret.restore', { file, password: 'long-enough' }],
      ['GetFilePasswordReminder', 'secret.inspect', { file }],
    ] as const) {
      setStandinFault(h.stateFile, { failCalls: { [call]: '0x80070005' } });
      const err = await refusal(h.bridge.request(method, params));
      assert.equal(err.ssoCode, 'ENTSSO_E_ACCESS_DENIED', method);
      assert.equal(err.error.data.details?.hresult, '0x80070005', method);
      assert.match(err.message, /SSO Administrators that is also a Windows administrator on the master secret server BTS01\. Start VS Code there with "Run as administrator"/, method);
    }
    setStandinFault(h.stateFile, { failCalls: {} });
    // Elsewhere access denied keeps its advice (group membership).
    setStandinFault(h.stateFile, { failCalls: { GetApplicationInfo: '0x80070005' } });
    assert.doesNotMatch((await refusal(h.bridge.request('apps.get', { name: SEED.ordersSettings }))).message, /Run as administrator/);
    setStandinFault(h.stateFile, { failCalls: {} });
  });

  test('the sentences name the master secret server', async () => {
    setStandinFault(h.stateFile, { failCalls: { GetApplicationInfo: '0xC0002A1F' } });
    const err = await refusal(h.bridge.request('apps.get', { name: SEED.ordersSettings }));
    assert.match(err.message, /master secret server BTS01/);
    setStandinFault(h.stateFile, { failCalls: {} });
  });

  test('access denied arrives as UnauthorizedAccessException and still maps (HResult read on every exception)', async () => {
    setStandinFault(h.stateFile, { accessDenied: true });
    const err = await refusal(h.bridge.request('apps.list', {}));
    assert.equal(err.ssoCode, 'ENTSSO_E_ACCESS_DENIED');
    assert.equal(err.error.data.details?.hresult, '0x80070005');
    assert.match(err.message, /SSO Administrators/);
    setStandinFault(h.stateFile, { accessDenied: false });
  });

  test('a disabled application: GetFieldInfo answers E_FAIL, the bridge says "disabled" and what to do', async () => {
    const err = await refusal(h.bridge.request('config.get', { application: SEED.archiveSettings, identifier: 'ConfigProperties' }));
    assert.equal(err.ssoCode, 'ENTSSO_E_APPLICATION_DISABLED');
    assert.equal(err.error.data.details?.hresult, '0x80004005');
    assert.match(err.message, /Enable the application/);
  });

  test('no such identifier / application', async () => {
    assert.equal((await refusal(h.bridge.request('config.get', { application: SEED.ordersSettings, identifier: 'Nope' }))).ssoCode, 'ENTSSO_E_MAPPING_NOT_FOUND');
    assert.equal((await refusal(h.bridge.request('identifiers.list', { application: 'No.Such' }))).ssoCode, 'ENTSSO_E_APPLICATION_NOT_FOUND');
  });

  test('backup rules: password under 7 characters, reminder over 512', async () => {
    const short = await refusal(h.bridge.request('secret.backup', { password: 'short', reminder: '' }));
    assert.equal(short.error.data.details?.hresult, '0xC0002A54');
    const long = await refusal(h.bridge.request('secret.backup', { password: 'long-enough', reminder: 'r'.repeat(513) }));
    assert.equal(long.error.data.details?.hresult, '0xC0002A58');
    assert.equal(long.ssoCode, 'ENTSSO_E_INVALID_REQUEST');
  });

  test('backup, restore, generate and the reminder away from the MSS: a refusal naming the MSS', async () => {
    setStandinFault(h.stateFile, { secretServer: 'SSOMSS01' });
    // The bridge learns the MSS's name at its next poll (requests do not poll).
    const deadline = Date.now() + 15_000;
    while ((await h.bridge.request('status')).mssName !== 'SSOMSS01' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const backup = await refusal(h.bridge.request('secret.backup', { password: 'long-enough', reminder: '' }));
    assert.equal(backup.error.data.details?.hresult, '0xC0002A0E');
    assert.match(backup.message, /only on the master secret server SSOMSS01\./);
    for (const [method, params] of [
      ['secret.generate', { password: 'long-enough', reminder: '' }],
      ['secret.restore', { file: Buffer.from('x').toString('base64'), password: 'long-enough' }],
      ['secret.inspect', { file: Buffer.from('x').toString('base64') }],
    ] as const) {
      const err = await refusal(h.bridge.request(method, params));
      assert.equal(err.error.data.details?.hresult, '0xC0002A0E', method);
    }
    setStandinFault(h.stateFile, { secretServer: 'BTS01' });
  });

  test('no cached secret: reads fail with ENTSSO_E_NO_SECRET and the state becomes no-secret', async () => {
    setStandinFault(h.stateFile, { mssReachable: false, secretCached: false });
    await h.bridge.waitForState('cached');
    const err = await refusal(h.bridge.request('config.get', { application: SEED.ordersSettings, identifier: 'ConfigProperties' }));
    assert.equal(err.ssoCode, 'ENTSSO_E_NO_SECRET');
    const state = await h.bridge.waitForState('no-secret');
    assert.equal(state.canDecrypt, false);
    setStandinFault(h.stateFile, { mssReachable: true, secretCached: true });
    await h.bridge.waitForState('ready');
  });

  test('re-encryption in progress: writes refused, state reencrypting', async () => {
    setStandinFault(h.stateFile, { reencrypting: true });
    const doc = await h.bridge.request('config.get', { application: SEED.paymentsSettings, identifier: 'ConfigProperties' });
    const err = await refusal(h.bridge.request('config.set', { application: SEED.paymentsSettings, identifier: 'ConfigProperties', fields: { Endpoint: 'x' }, expectedTimestamp: doc.timestamp }));
    assert.equal(err.ssoCode, 'ENTSSO_E_REENCRYPT_IN_PROGRESS');
    await h.bridge.waitForState('reencrypting');
    setStandinFault(h.stateFile, { reencrypting: false });
  });

  test('not an SSO administrator (GetGlobalInfo refused): ready, not a guessed "cached", and the message says why', async () => {
    setStandinFault(h.stateFile, { secretServer: 'SSOMSS01', failCalls: { GetGlobalInfo: '0x80070005' } });
    const b = await h.restart();
    const status = await b.request('status');
    assert.equal(status.state, 'ready');
    assert.equal(status.mssName, '');
    assert.match(status.message, /SSO Administrators/);
    await b.stop();
    setStandinFault(h.stateFile, { secretServer: 'BTS01', failCalls: {} });
  });

  test('without the interop assembly: ENTSSO_E_NOT_CONNECTED saying ENTSSO is not installed', async () => {
    const b = await h.restart({ interopRoot: h.dir });
    const err = await refusal(b.request('apps.list', {}));
    assert.equal(err.ssoCode, 'ENTSSO_E_NOT_CONNECTED');
    assert.match(err.message, /not installed/);
    const status = await b.request('status');
    assert.equal(status.state, 'ssodb-unreachable');
    await b.stop();
  });
});
