/**
 * entsso-bridge.exe on Mono over the ENTSSO STAND-IN (test/entssoStandin), through its JSON-lines
 * protocol: every method it serves, port names from the MgmtDb STAND-IN, masked values only on
 * reveal, the state push.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import {
  BridgeRpcError,
  encryptStandinValue,
  SEED,
  SEED_VALUES,
  readStandinState,
  setStandinFault,
  standinValues,
  updateStandinState,
  useSeededBridge,
} from '../entssoStandin/standin';
import { applicationFlags } from '../../src/ssoService/service/applicationFlags';

async function rejects(promise: Promise<unknown>, ssoCode: string): Promise<BridgeRpcError> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof BridgeRpcError, `expected an RPC error, got ${String(err)}`);
    assert.equal(err.ssoCode, ssoCode, err.message);
    return err;
  }
  assert.fail(`expected ${ssoCode}`);
}

describe('entsso-bridge: methods over the ENTSSO stand-in', { timeout: 120_000 }, () => {
  const h = useSeededBridge();

  test('hello: backend, capabilities, state', async () => {
    const hello = await h.bridge.hello();
    assert.equal(hello.backend, 'entsso-bridge');
    assert.equal(hello.protocolVersion, 1);
    assert.match(hello.serverVersion, /^entsso-bridge [\d.]+ on Microsoft\.EnterpriseSingleSignOn\.Interop 10\.0\.1000\.0 \(STAND-IN of Microsoft\.EnterpriseSingleSignOn\.Interop/);
    assert.equal(hello.state.state, 'ready');
    assert.equal(hello.state.mssName, 'BTS01');
    for (const m of ['status', 'apps.list', 'identifiers.list', 'config.get', 'config.set', 'secret.backup', 'secret.generate', 'apps.addField']) assert.ok(hello.capabilities.includes(m), m);
    for (const m of ['secret.verify', 'audit.list', 'mss.nodes', 'secret.prepareGenerate']) assert.ok(!hello.capabilities.includes(m), m);
    await rejects(h.bridge.request('hello', { token: '', protocolVersion: 99, client: 't' }), 'ENTSSO_E_UNSUPPORTED_VERSION');
    await rejects(h.bridge.request('audit.list', {}), 'ENTSSO_E_INVALID_REQUEST');
  });

  test('status and health', async () => {
    const status = await h.bridge.request('status');
    assert.deepEqual([status.state, status.canEncrypt, status.canDecrypt, status.syncIntervalMs], ['ready', true, true, 300]);
    const health = await h.bridge.request('health');
    assert.deepEqual(health.checks.map((c: { id: string }) => c.id), ['service', 'mss', 'backup', 'portNames']);
    assert.equal(health.checks[0].verdict, 'ok');
    assert.equal(health.checks[3].verdict, 'ok');
    assert.match(health.checks[3].detail, /STAND-IN of BizTalkMgmtDb/);
  });

  test('apps.list: kinds, flags, counts and BizTalk port names; filter and paging', async () => {
    const page = await h.bridge.request('apps.list', {});
    const byName = Object.fromEntries(page.items.map((a: { name: string }) => [a.name, a]));
    assert.equal(page.items.length, 6);
    assert.equal(byName[SEED.sftpSendHandler].kind, 'adapter');
    assert.equal(byName[SEED.sftpSendHandler].displayName, 'SFTP send handler (BizTalkServerApplication)');
    assert.equal(byName[SEED.sftpSendHandler].identifierCount, 3);
    assert.equal(byName[SEED.sftpSendHandler].numFields, 4);
    assert.equal(byName[SEED.ordersSettings].kind, 'configStore');
    assert.equal(byName[SEED.mainframe].kind, 'affiliate');
    assert.equal(byName[SEED.archiveSettings].enabled, false);
    const filtered = await h.bridge.request('apps.list', { filter: 'receive handler' });
    assert.deepEqual(filtered.items.map((a: { name: string }) => a.name), [SEED.fileReceiveHandler]);
    const first = await h.bridge.request('apps.list', { limit: 4 });
    assert.equal(first.items.length, 4);
    const rest = await h.bridge.request('apps.list', { limit: 4, cursor: first.nextCursor });
    assert.equal(rest.items.length, 2);
    assert.equal(rest.nextCursor, undefined);
  });

  test('apps.get: fields with masked flags and a fields version', async () => {
    const app = await h.bridge.request('apps.get', { name: SEED.sftpSendHandler });
    assert.deepEqual(app.fields.map((f: { label: string; masked: boolean }) => [f.label, f.masked]), [['uri', false], ['userName', false], ['password', true], ['sshHostKeyFingerprint', false]]);
    assert.match(app.fieldsVersion, /^[0-9a-f]{16}$/);
    await rejects(h.bridge.request('apps.get', { name: 'No.Such.App' }), 'ENTSSO_E_APPLICATION_NOT_FOUND');
  });

  test('identifiers.list: port names, no row versions (unknown: null), filter by port name', async () => {
    const page = await h.bridge.request('identifiers.list', { application: SEED.sftpSendHandler });
    const names = Object.fromEntries(page.items.map((i: { identifier: string; displayName?: string }) => [i.identifier, i.displayName]));
    assert.equal(names[SEED.sendPortOrders], 'Send port SP_Orders_SFTP (SFTP) — Orders.Integration');
    assert.equal(names[SEED.sftpSendHandler], 'SFTP send handler (BizTalkServerApplication)');
    for (const i of page.items) assert.equal(i.timestamp, null);
    const filtered = await h.bridge.request('identifiers.list', { application: SEED.sftpSendHandler, filter: 'SP_Invoices' });
    assert.deepEqual(filtered.items.map((i: { identifier: string }) => i.identifier), [SEED.sendPortInvoices]);
  });

  test('search matches application names, port names and identifiers', async () => {
    const hits = await h.bridge.request('search', { query: 'SP_Orders' });
    assert.deepEqual(hits, [{ application: SEED.sftpSendHandler, kind: 'adapter', identifier: SEED.sendPortOrders }]);
    const byApp = await h.bridge.request('search', { query: 'payments' });
    assert.deepEqual(byApp, [{ application: SEED.paymentsSettings, kind: 'configStore' }]);
    const byLocation = await h.bridge.request('search', { query: 'RL_Orders_FILE' });
    assert.equal(byLocation[0].identifier, SEED.receiveLocationOrders);
  });

  test('config.get never returns a masked value without reveal; reveal does, and is logged without the value', async () => {
    const doc = await h.bridge.request('config.get', { application: SEED.sftpSendHandler, identifier: SEED.sendPortOrders });
    assert.equal(doc.fields.password, '');
    assert.equal(doc.fields.userName, SEED_VALUES.ordersUser);
    assert.deepEqual(doc.masked, ['password']);
    assert.equal(doc.revealed, false);
    assert.ok(!JSON.stringify(doc).includes(SEED_VALUES.ordersPassword));
    const revealed = await h.bridge.request('config.get', { application: SEED.sftpSendHandler, identifier: SEED.sendPortOrders, reveal: true });
    assert.equal(revealed.fields.password, SEED_VALUES.ordersPassword);
    assert.equal(revealed.revealed, true);
    assert.equal(revealed.timestamp, doc.timestamp);
    assert.equal((await h.bridge.logLines(/ reveal masked fields of /)).length, 1, 'the reveal is logged');
    assert.ok(!h.bridge.stderr.join('\n').includes(SEED_VALUES.ordersPassword), 'the log holds no value');
  });

  test('config.get reads ENTSSO once: the values shown and the row version describe the same stored row, even when it changes during the call', async () => {
    const request = { application: SEED.ordersSettings, identifier: 'Staging' };
    const before = await h.bridge.request('config.get', request);
    const retryCountAfter = String(Number(before.fields.RetryCount) + 1);
    // Every GetConfigInfo now takes 3 s; the row changes 1 s into the bridge's first one (margins for a loaded machine).
    setStandinFault(h.stateFile, { delayCalls: { GetConfigInfo: 3000 } });
    const during = h.bridge.request('config.get', request);
    await new Promise((r) => setTimeout(r, 1000));
    updateStandinState(h.stateFile, (state) => {
      const app = state.applications.find((a) => a.name === SEED.ordersSettings)!;
      app.configs.Staging!.RetryCount = encryptStandinValue(state.secretKey, retryCountAfter);
      state.delayCalls = {};
    });
    const read = await during;
    // Read before the change: the values and the version of then (a second read would show the new values under the old version).
    assert.deepEqual({ fields: read.fields, timestamp: read.timestamp }, { fields: before.fields, timestamp: before.timestamp });
    const after = await h.bridge.request('config.get', request);
    assert.equal(after.fields.RetryCount, retryCountAfter);
    assert.notEqual(after.timestamp, before.timestamp);
  });

  test('config.set writes, keeps an unchanged masked field (VT_NULL), returns the new row version', async () => {
    const doc = await h.bridge.request('config.get', { application: SEED.ordersSettings, identifier: 'ConfigProperties' });
    const info = await h.bridge.request('config.set', {
      application: SEED.ordersSettings,
      identifier: 'ConfigProperties',
      fields: { ...doc.fields, RetryCount: '7' },
      expectedTimestamp: doc.timestamp,
    });
    assert.notEqual(info.timestamp, doc.timestamp);
    assert.equal(info.modifiedAt, 0);
    assert.deepEqual(standinValues(h.stateFile, SEED.ordersSettings, 'ConfigProperties'), { ServiceUrl: SEED_VALUES.serviceUrl, RetryCount: '7', ApiKey: SEED_VALUES.apiKey });
    const cleared = await h.bridge.request('config.set', {
      application: SEED.ordersSettings,
      identifier: 'ConfigProperties',
      fields: {},
      expectedTimestamp: info.timestamp,
      clearMasked: ['ApiKey'],
    });
    assert.equal(standinValues(h.stateFile, SEED.ordersSettings, 'ConfigProperties')!.ApiKey, '');
    assert.ok(cleared.timestamp);
  });

  test('config.set creates (expectedTimestamp null) and config.delete removes', async () => {
    const created = await h.bridge.request('config.set', { application: SEED.paymentsSettings, identifier: 'Test', fields: { Endpoint: 'https://t', ClientSecret: 'new-secret' }, expectedTimestamp: null });
    assert.deepEqual(standinValues(h.stateFile, SEED.paymentsSettings, 'Test'), { Endpoint: 'https://t', ClientSecret: 'new-secret' });
    await rejects(h.bridge.request('config.set', { application: SEED.paymentsSettings, identifier: 'Test', fields: {}, expectedTimestamp: null }), 'ENTSSO_E_CONFLICT');
    await rejects(h.bridge.request('config.delete', { application: SEED.paymentsSettings, identifier: 'Test', expectedTimestamp: 'stale' }), 'ENTSSO_E_CONFLICT');
    assert.deepEqual(await h.bridge.request('config.delete', { application: SEED.paymentsSettings, identifier: 'Test', expectedTimestamp: created.timestamp }), { deleted: true });
    assert.equal(standinValues(h.stateFile, SEED.paymentsSettings, 'Test'), undefined);
    await rejects(h.bridge.request('config.get', { application: SEED.paymentsSettings, identifier: 'Test' }), 'ENTSSO_E_MAPPING_NOT_FOUND');
  });

  test('apps.create (created disabled, then enabled), apps.setEnabled, apps.delete', async () => {
    const created = await h.bridge.request('apps.create', { name: 'Contoso.New', kind: 'configStore', fields: [{ label: 'Url', masked: false }, { label: 'Secret', masked: true }] });
    assert.equal(created.enabled, true);
    assert.deepEqual(created.fields.map((f: { label: string }) => f.label), ['Url', 'Secret']);
    assert.equal(created.userGroup, 'SSO Affiliate Administrators');
    await rejects(h.bridge.request('apps.create', { name: 'Contoso.New', kind: 'configStore', fields: [{ label: 'Url' }] }), 'ENTSSO_E_APPLICATION_EXISTS');
    const disabled = await h.bridge.request('apps.setEnabled', { name: 'Contoso.New', enabled: false });
    assert.equal(disabled.enabled, false);
    assert.deepEqual(disabled.fields, [], 'ENTSSO shows no fields of a disabled application');
    await rejects(h.bridge.request('config.get', { application: 'Contoso.New', identifier: 'x' }), 'ENTSSO_E_APPLICATION_DISABLED');
    const enabled = await h.bridge.request('apps.setEnabled', { name: 'Contoso.New', enabled: true });
    assert.equal(enabled.enabled, true);
    assert.deepEqual(await h.bridge.request('apps.delete', { name: 'Contoso.New' }), { deleted: true });
    assert.ok(!readStandinState(h.stateFile).applications.some((a) => a.name === 'Contoso.New'));
  });

  test('apps.create of each kind: the flags and kind read back are the embedded service\'s (an adapter keeps identifiers)', async () => {
    for (const kind of ['configStore', 'adapter', 'affiliate'] as const) {
      const name = `Contoso.Kind.${kind}`;
      const created = await h.bridge.request('apps.create', { name, kind, fields: [{ label: 'uri', masked: false }] });
      assert.equal(created.flags, applicationFlags(kind, true), `${kind}: 0x${created.flags.toString(16)}`);
      assert.equal(created.kind, kind);
      assert.equal(readStandinState(h.stateFile).applications.find((a) => a.name === name)?.flags, applicationFlags(kind, true), 'what ENTSSO stores');
      const listed = (await h.bridge.request('apps.list', { filter: name })).items;
      assert.deepEqual(listed.map((a: { kind: string; flags: number }) => [a.kind, a.flags]), [[kind, applicationFlags(kind, true)]]);
      if (kind === 'adapter') {
        await h.bridge.request('config.set', { application: name, identifier: 'SP1', fields: { uri: 'sftp://x' }, expectedTimestamp: null });
        assert.deepEqual((await h.bridge.request('identifiers.list', { application: name })).items.map((i: { identifier: string }) => i.identifier), ['SP1']);
      }
      await h.bridge.request('apps.delete', { name });
    }
    // An adapter the embedded service exported before its adapters got the config-store bit reads as an adapter.
    updateStandinState(h.stateFile, (state) => {
      state.applications.push({ name: 'Contoso.OldAdapter', description: '', contact: '', userGroup: 'u', adminGroup: 'a', flags: 0x440002, numFields: 1, fields: [{ label: 'uri', flags: 0 }], configs: {} });
    });
    assert.equal((await h.bridge.request('apps.get', { name: 'Contoso.OldAdapter' })).kind, 'adapter');
    await h.bridge.request('apps.delete', { name: 'Contoso.OldAdapter' });
  });

  test('secret.info, backup, inspect (reminder), restore, generate on the MSS', async () => {
    const info = await h.bridge.request('secret.info');
    assert.equal(info.mssName, 'BTS01');
    const backup = await h.bridge.request('secret.backup', { password: 'backup-pass-123', reminder: 'the usual one' });
    const file = Buffer.from(backup.file, 'base64');
    assert.ok(file.length > 0);
    const key = readStandinState(h.stateFile).secretKey;
    assert.ok(!file.toString('utf8').includes(key), 'the backup does not hold the secret in clear');
    const inspected = await h.bridge.request('secret.inspect', { file: backup.file });
    assert.equal(inspected.reminder, 'the usual one');
    // Review 10, F16: a file that is no backup says so, not "a Windows error code, look in the event log".
    const notBackup = await rejects(h.bridge.request('secret.inspect', { file: Buffer.from('hello').toString('base64') }), 'ENTSSO_E_BAD_FILE');
    assert.match(notBackup.message, /^This is not an Enterprise SSO master secret backup, or it is damaged\. Pick the file that Back Up Master Secret/);
    await rejects(h.bridge.request('secret.restore', { file: backup.file, password: 'wrong-password' }), 'ENTSSO_E_BAD_PASSWORD');
    assert.deepEqual(await h.bridge.request('secret.restore', { file: backup.file, password: 'backup-pass-123' }), { msid: '' });
    const before = readStandinState(h.stateFile).msid;
    const generated = await h.bridge.request('secret.generate', { password: 'new-backup-pass', reminder: 'r2' });
    assert.ok(Buffer.from(generated.file, 'base64').length > 0);
    assert.notEqual(readStandinState(h.stateFile).msid, before);
    // Values were re-encrypted under the new secret and still read.
    const doc = await h.bridge.request('config.get', { application: SEED.sftpSendHandler, identifier: SEED.sendPortOrders, reveal: true });
    assert.equal(doc.fields.password, SEED_VALUES.ordersPassword);
    assert.ok(!h.bridge.stderr.join('\n').includes('backup-pass-123'), 'no password in the log');
  });

  test('state push: MSS off → cached (reads work, writes refused), back → ready', async () => {
    setStandinFault(h.stateFile, { mssReachable: false });
    const cached = await h.bridge.waitForState('cached');
    assert.equal(cached.canEncrypt, false);
    assert.equal(cached.canDecrypt, true);
    assert.match(cached.message, /BTS01/);
    const doc = await h.bridge.request('config.get', { application: SEED.paymentsSettings, identifier: 'ConfigProperties' });
    const refused = await rejects(
      h.bridge.request('config.set', { application: SEED.paymentsSettings, identifier: 'ConfigProperties', fields: { Endpoint: 'x' }, expectedTimestamp: doc.timestamp }),
      'ENTSSO_E_NO_SECRET',
    );
    assert.equal(refused.error.data.details?.hresult, '0xC0002A1F');
    assert.match(refused.message, /BTS01/);
    setStandinFault(h.stateFile, { mssReachable: true });
    await h.bridge.waitForState('ready');
    setStandinFault(h.stateFile, { localRunning: false });
    const down = await h.bridge.waitForState('ssodb-unreachable');
    assert.equal(down.canDecrypt, false);
    setStandinFault(h.stateFile, { localRunning: true });
    await h.bridge.waitForState('ready');
  });

  test('--self-check prints which calls work and no value', async () => {
    const { spawnSync } = await import('node:child_process');
    const { bridgeExe } = await import('../entssoStandin/standin').then((m) => m.buildBridgeAndStandin());
    const r = spawnSync('mono', [bridgeExe, '--self-check'], { env: { ...process.env, ...h.env }, encoding: 'utf8', timeout: 60_000 });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /ok {4}GetGlobalInfo.*master secret server BTS01/);
    assert.match(r.stdout, /ok {4}GetConfigInfo runtime mode/);
    assert.match(r.stdout, /result: every call tried works/);
    assert.match(r.stdout, /interop loaded: .*STAND-IN/);
    const state = readFileSync(h.stateFile, 'utf8');
    assert.ok(state.length > 0);
    for (const v of Object.values(SEED_VALUES)) assert.ok(!r.stdout.includes(v), `self-check printed ${v}`);
  });
});
