/**
 * entsso-bridge.exe over the ENTSSO STAND-IN: adding and removing fields, which ENTSSO allows only
 * by recreating the application. Every stored value (masked ones included) is kept, also when the
 * bridge is SIGKILLed at each step (ENTSSO_BRIDGE_CRASH_AT) and started again: the next start
 * either undoes the change (copy incomplete, or the original not deleted yet) or finishes it, never loses a value.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { BridgeRpcError, SEED, type SeededBridge, readStandinState, setStandinFault, standinValues, startSeededBridge, updateStandinState } from '../entssoStandin/standin';

const APP = SEED.sftpSendHandler;
const IDS = [SEED.sftpSendHandler, SEED.sendPortOrders, SEED.sendPortInvoices];

function valuesOf(h: SeededBridge): Record<string, Record<string, string> | undefined> {
  return Object.fromEntries(IDS.map((id) => [id, standinValues(h.stateFile, APP, id)]));
}

function fieldLabels(h: SeededBridge): string[] {
  const app = readStandinState(h.stateFile).applications.find((a) => a.name === APP);
  assert.ok(app, 'the application exists');
  return app.fields.map((f) => f.label);
}

function assertNoTemporaryApplication(h: SeededBridge): void {
  assert.deepEqual(readStandinState(h.stateFile).applications.filter((a) => a.name.includes('~entsso-bridge')).map((a) => a.name), []);
}

const pick = (values: Record<string, string> | undefined, labels: string[]) => Object.fromEntries(labels.map((l) => [l, values?.[l]]));

describe('entsso-bridge: field changes keep every value', { timeout: 300_000 }, () => {
  test('apps.addField appends fields, keeps every value, the application stays enabled with its flags', async () => {
    const h = await startSeededBridge();
    try {
      const before = valuesOf(h);
      const flags = readStandinState(h.stateFile).applications.find((a) => a.name === APP)!.flags;
      const app = await h.bridge.request('apps.get', { name: APP });
      const changed = await h.bridge.request('apps.addField', { name: APP, fields: [{ label: 'proxyHost', masked: false }, { label: 'proxyPassword', masked: true }], expectedFieldsVersion: app.fieldsVersion });
      assert.deepEqual(changed.fields.map((f: { label: string }) => f.label), ['uri', 'userName', 'password', 'sshHostKeyFingerprint', 'proxyHost', 'proxyPassword']);
      assert.equal(changed.enabled, true);
      assert.equal(readStandinState(h.stateFile).applications.find((a) => a.name === APP)!.flags, flags);
      const after = valuesOf(h);
      for (const id of IDS) assert.deepEqual(after[id], { ...before[id], proxyHost: '', proxyPassword: '' }, id);
      assertNoTemporaryApplication(h);
      // The old fields version is stale now.
      const stale = await h.bridge.request('apps.addField', { name: APP, fields: [{ label: 'x' }], expectedFieldsVersion: app.fieldsVersion }).catch((e: BridgeRpcError) => e);
      assert.equal((stale as BridgeRpcError).ssoCode, 'ENTSSO_E_CONFLICT');
      assert.ok(!h.bridge.stderr.join('\n').includes('sftp-Pa55'), 'no value in the log');
    } finally {
      await h.dispose();
    }
  });

  test('apps.removeField drops the fields and their values, keeps the rest; refuses a masked first field and unknown names', async () => {
    const h = await startSeededBridge();
    try {
      const before = valuesOf(h);
      const changed = await h.bridge.request('apps.removeField', { name: APP, fields: ['sshHostKeyFingerprint'] });
      assert.deepEqual(changed.fields.map((f: { label: string }) => f.label), ['uri', 'userName', 'password']);
      for (const id of IDS) assert.deepEqual(valuesOf(h)[id], pick(before[id], ['uri', 'userName', 'password']), id);
      const masked = await h.bridge.request('apps.removeField', { name: APP, fields: ['uri', 'userName'] }).catch((e: BridgeRpcError) => e);
      assert.equal((masked as BridgeRpcError).ssoCode, 'ENTSSO_E_INVALID_REQUEST');
      const unknown = await h.bridge.request('apps.removeField', { name: APP, fields: ['nope'] }).catch((e: BridgeRpcError) => e);
      assert.equal((unknown as BridgeRpcError).ssoCode, 'ENTSSO_E_UNKNOWN_FIELD');
      assert.deepEqual(fieldLabels(h), ['uri', 'userName', 'password']);
    } finally {
      await h.dispose();
    }
  });

  test('refused up front while the MSS is unreachable; a write failing half-way is undone at once', async () => {
    const h = await startSeededBridge();
    try {
      setStandinFault(h.stateFile, { mssReachable: false });
      await h.bridge.waitForState('cached');
      const writes = readStandinState(h.stateFile).writesDone;
      const err = await h.bridge.request('apps.addField', { name: APP, fields: [{ label: 'proxyHost' }] }).catch((e: BridgeRpcError) => e);
      assert.equal((err as BridgeRpcError).ssoCode, 'ENTSSO_E_NO_SECRET');
      assert.equal(readStandinState(h.stateFile).writesDone, writes);
      assertNoTemporaryApplication(h);
      setStandinFault(h.stateFile, { mssReachable: true });
      await h.bridge.waitForState('ready');
      // ENTSSO refuses the first copy into the temporary application: the copy is removed before the answer.
      setStandinFault(h.stateFile, { failCalls: { SetConfigInfo: '0xC0002A5B' } });
      const halfway = await h.bridge.request('apps.addField', { name: APP, fields: [{ label: 'proxyHost' }] }).catch((e: BridgeRpcError) => e);
      assert.equal((halfway as BridgeRpcError).ssoCode, 'ENTSSO_E_NO_SECRET');
      assertNoTemporaryApplication(h);
      assert.deepEqual(fieldLabels(h), ['uri', 'userName', 'password', 'sshHostKeyFingerprint']);
      setStandinFault(h.stateFile, { failCalls: {} });
      await h.bridge.request('apps.addField', { name: APP, fields: [{ label: 'proxyHost' }] });
      assert.deepEqual(fieldLabels(h), ['uri', 'userName', 'password', 'sshHostKeyFingerprint', 'proxyHost']);
    } finally {
      await h.dispose();
    }
  });

  test('a write race during the copies is retried; fields keep their flags (BTDF\'s SYNC); every SSO server is told to purge its cache', async () => {
    const h = await startSeededBridge();
    try {
      const SYNC = 0x20000000;
      updateStandinState(h.stateFile, (s) => {
        for (const f of s.applications.find((a) => a.name === APP)!.fields) f.flags |= SYNC;
      });
      const before = valuesOf(h);
      const app = await h.bridge.request('apps.get', { name: APP });
      // ENTSSO refuses the first write of the copy with 0xC0002A40; an immediate retry succeeds.
      setStandinFault(h.stateFile, { raceCount: 1 });
      await h.bridge.request('apps.addField', { name: APP, fields: [{ label: 'proxyHost' }], expectedFieldsVersion: app.fieldsVersion });
      const state = readStandinState(h.stateFile);
      assert.equal(state.racesRaised, 1, 'the race was raised');
      const fields = state.applications.find((a) => a.name === APP)!.fields;
      assert.deepEqual(
        fields.map((f) => [f.label, f.flags]),
        [['uri', SYNC], ['userName', SYNC], ['password', SYNC | 0x10000000], ['sshHostKeyFingerprint', SYNC], ['proxyHost', 0]],
      );
      for (const id of IDS) assert.deepEqual(valuesOf(h)[id], { ...before[id], proxyHost: '' }, id);
      assert.ok(state.cachePurges?.includes(APP), `PurgeCacheForApplication was called for the recreated application: ${JSON.stringify(state.cachePurges)}`);
      assertNoTemporaryApplication(h);
      // The fields version sees flags: the same labels without SYNC are another field list.
      const withSync = (await h.bridge.request('apps.get', { name: APP })).fieldsVersion;
      updateStandinState(h.stateFile, (s) => {
        for (const f of s.applications.find((a) => a.name === APP)!.fields) f.flags &= ~SYNC;
      });
      assert.notEqual((await h.bridge.request('apps.get', { name: APP })).fieldsVersion, withSync);
    } finally {
      await h.dispose();
    }
  });

  // Steps of bridge/FieldChanges.cs in order; up to temp-created/temp-copy the copy is incomplete (undone);
  // at temp-complete the original was never deleted and may hold saves made since the copy (undone:
  // finishing would replace them, review 9 finding 1); from old-deleted on the copy is the truth (finished).
  const steps: [string, 'undone' | 'finished'][] = [
    ['start', 'undone'],
    ['temp-created', 'undone'],
    ['temp-copy', 'undone'],
    ['temp-complete', 'undone'],
    ['old-deleted', 'finished'],
    ['new-created', 'finished'],
    ['new-copy', 'finished'],
    ['new-complete', 'finished'],
  ];

  for (const [step, outcome] of steps) {
    test(`addField, bridge SIGKILLed at "${step}": the next start ${outcome === 'undone' ? 'undoes' : 'finishes'} it, no value lost`, async () => {
      const h = await startSeededBridge({ crashAt: step });
      try {
        const before = valuesOf(h);
        const err = await h.bridge.request('apps.addField', { name: APP, fields: [{ label: 'proxyHost' }] }).catch((e: Error) => e);
        assert.ok(err instanceof Error && /exited/.test(err.message), `the bridge died at ${step}`);
        const exit = await h.bridge.exited;
        assert.equal(exit.signal, 'SIGKILL');
        const restarted = await h.restart();
        assert.ok(step === 'start' || (await restarted.logLines(/ recovery /)).length > 0, 'the restart reports its recovery');
        assertNoTemporaryApplication(h);
        const expectedFields = outcome === 'undone' ? ['uri', 'userName', 'password', 'sshHostKeyFingerprint'] : ['uri', 'userName', 'password', 'sshHostKeyFingerprint', 'proxyHost'];
        assert.deepEqual(fieldLabels(h), expectedFields);
        const after = valuesOf(h);
        for (const id of IDS) assert.deepEqual(after[id], outcome === 'undone' ? before[id] : { ...before[id], proxyHost: '' }, `${step}: ${id}`);
        const doc = await restarted.request('config.get', { application: APP, identifier: SEED.sendPortOrders, reveal: true });
        assert.equal(doc.fields.password, before[SEED.sendPortOrders]!.password);
      } finally {
        await h.dispose();
      }
    });
  }

  test('a restart while the MSS is unreachable waits, then finishes the interrupted change once ENTSSO can encrypt', async () => {
    const h = await startSeededBridge({ crashAt: 'old-deleted' });
    try {
      const before = valuesOf(h);
      await h.bridge.request('apps.addField', { name: APP, fields: [{ label: 'proxyHost' }] }).catch(() => undefined);
      await h.bridge.exited;
      setStandinFault(h.stateFile, { mssReachable: false });
      const restarted = await h.restart();
      assert.ok((await restarted.logLines(/ recovery-pending /)).length > 0, restarted.stderr.join('\n'));
      assert.ok(readStandinState(h.stateFile).applications.some((a) => a.name === `${APP}~entsso-bridge-tmp`), 'the complete copy is kept');
      setStandinFault(h.stateFile, { mssReachable: true });
      await restarted.waitForState('ready');
      const list = await restarted.request('apps.list', {});
      assert.ok(list.items.some((a: { name: string }) => a.name === APP));
      assertNoTemporaryApplication(h);
      for (const id of IDS) assert.deepEqual(valuesOf(h)[id], { ...before[id], proxyHost: '' }, id);
    } finally {
      await h.dispose();
    }
  });

  for (const step of ['temp-copy', 'old-deleted', 'new-copy']) {
    test(`removeField, bridge SIGKILLed at "${step}": no value of a kept field lost`, async () => {
      const h = await startSeededBridge({ crashAt: step });
      try {
        const before = valuesOf(h);
        await h.bridge.request('apps.removeField', { name: APP, fields: ['sshHostKeyFingerprint'] }).catch(() => undefined);
        await h.bridge.exited;
        await h.restart();
        assertNoTemporaryApplication(h);
        const kept = step === 'temp-copy' ? ['uri', 'userName', 'password', 'sshHostKeyFingerprint'] : ['uri', 'userName', 'password'];
        assert.deepEqual(fieldLabels(h), kept);
        for (const id of IDS) assert.deepEqual(valuesOf(h)[id], pick(before[id], kept), `${step}: ${id}`);
      } finally {
        await h.dispose();
      }
    });
  }
});
