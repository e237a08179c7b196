/**
 * entsso-bridge.exe over the ENTSSO STAND-IN: saves made while an application's fields are being
 * changed (review 9, finding 1), and a field-change lock whose description anyone can set (finding 3).
 * A field change recreates the application from a copy; a save that went into the original after
 * the copy was made was lost when the copy was finished. Now a save is refused while the change's
 * lock or copy exists, a live change undoes itself when the original changed since its snapshot, and
 * a recovery whose original was never deleted undoes the change instead of finishing it.
 * A delay on SetConfigInfo stands for ENTSSO's RPC latency and widens the window.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SEED, SEED_VALUES, type SeededBridge, encryptStandinValue, readStandinState, refusal, setStandinFault, standinValues, startSeededBridge, updateStandinState } from '../entssoStandin/standin';

const APP = SEED.sftpSendHandler;
const ID = SEED.sendPortOrders;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const outcome = (p: Promise<unknown>) => p.then(() => 'ok', (e: Error) => `refused: ${e.message}`);

function labels(h: SeededBridge, name: string): string[] | undefined {
  return readStandinState(h.stateFile).applications.find((a) => a.name === name)?.fields.map((f) => f.label);
}

function bridgeLeftovers(h: SeededBridge): string[] {
  return readStandinState(h.stateFile).applications.filter((a) => a.name.includes('~entsso-bridge')).map((a) => a.name);
}

/** Another tool (BTDF, the SSO snap-in) writes the original's uri straight into ENTSSO. */
function toolWritesUri(h: SeededBridge, uri: string): void {
  updateStandinState(h.stateFile, (s) => {
    const app = s.applications.find((a) => a.name === APP)!;
    app.configs[ID]!.uri = encryptStandinValue(s.secretKey, uri);
  });
}

describe('entsso-bridge: saves during a field change are refused or kept, never lost', { timeout: 300_000 }, () => {
  test('a lock whose description repeats a key: a bridge still starts, lists, and changes the fields', async () => {
    const h = await startSeededBridge({ pollMs: 60_000 });
    try {
      updateStandinState(h.stateFile, (s) => {
        const app = s.applications.find((a) => a.name === SEED.paymentsSettings)!;
        s.applications.push({ ...structuredClone(app), name: `${app.name}~entsso-bridge-lock`, description: 'owner; note=a; note=b', configs: {} });
      });
      const started = await h.restart();
      const list = await started.request('apps.list', {});
      assert.ok(list.items.length > 0, started.stderr.join('\n'));
      assert.ok((await started.logLines(/ lock-stale .*no bridge owner/)).length > 0, started.stderr.join('\n'));
      await started.request('apps.addField', { name: SEED.paymentsSettings, fields: [{ label: 'Extra' }] });
      assert.ok(labels(h, SEED.paymentsSettings)?.includes('Extra'));
      // Its description is no bridge's, so it is superseded but not deleted (review 9, finding 8).
      assert.deepEqual(bridgeLeftovers(h), [`${SEED.paymentsSettings}~entsso-bridge-lock`]);
    } finally {
      await h.dispose();
    }
  });

  test('after a crash with a complete copy: a save is refused, a save by another tool survives the recovery', async () => {
    const h = await startSeededBridge({ crashAt: 'temp-complete', pollMs: 60_000 });
    try {
      const other = await h.restart();
      const doc = await other.request('config.get', { application: APP, identifier: ID });
      const fieldsBefore = labels(h, APP);
      await h.bridge.request('apps.addField', { name: APP, fields: [{ label: 'proxyHost' }] }).catch(() => undefined);
      await h.bridge.exited;
      const refused = await refusal(other.request('config.set', { application: APP, identifier: ID, fields: { uri: 'sftp://BRIDGE-EDIT' }, expectedTimestamp: doc.timestamp }));
      assert.equal(refused.ssoCode, 'ENTSSO_E_BUSY', 'not a conflict: the editor would say someone else changed it');
      assert.match(refused.message, /fields of this application are being changed.*nothing was saved/);
      assert.equal(standinValues(h.stateFile, APP, ID)?.uri, SEED_VALUES.ordersUri);
      // Another tool writes into the original, still intact: the recovery must keep it (undo, not finish).
      toolWritesUri(h, 'sftp://TOOL-EDIT');
      const recovering = await h.restart();
      await recovering.request('apps.list', {});
      assert.equal(standinValues(h.stateFile, APP, ID)?.uri, 'sftp://TOOL-EDIT');
      assert.deepEqual(labels(h, APP), fieldsBefore, 'the interrupted change was undone');
      assert.deepEqual(bridgeLeftovers(h), []);
      // Once it is done, the refused save can be made again.
      const fresh = await other.request('config.get', { application: APP, identifier: ID });
      await other.request('config.set', { application: APP, identifier: ID, fields: { uri: 'sftp://BRIDGE-EDIT' }, expectedTimestamp: fresh.timestamp });
      assert.equal(standinValues(h.stateFile, APP, ID)?.uri, 'sftp://BRIDGE-EDIT');
    } finally {
      await h.dispose();
    }
  });

  test('a save through a second bridge during a slow field change is refused or kept', async () => {
    const h = await startSeededBridge({ pollMs: 60_000 });
    try {
      const other = await h.restart();
      const doc = await other.request('config.get', { application: APP, identifier: ID });
      setStandinFault(h.stateFile, { delayCalls: { SetConfigInfo: 800 } });
      const change = outcome(h.bridge.request('apps.addField', { name: APP, fields: [{ label: 'proxyHost' }] }));
      await sleep(1500);
      const save = await outcome(other.request('config.set', { application: APP, identifier: ID, fields: { uri: 'sftp://NEW-EDIT' }, expectedTimestamp: doc.timestamp }));
      const changed = await change;
      setStandinFault(h.stateFile, { delayCalls: {} });
      const stored = standinValues(h.stateFile, APP, ID)?.uri;
      assert.equal(stored, save === 'ok' ? 'sftp://NEW-EDIT' : SEED_VALUES.ordersUri, `save: ${save}; change: ${changed}`);
      assert.match(save, /refused: The fields of this application are being changed/);
      assert.equal(changed, 'ok');
      assert.deepEqual(bridgeLeftovers(h), []);
    } finally {
      await h.dispose();
    }
  });

  test('another tool saves during a slow field change: the change undoes itself and the value is kept', async () => {
    const h = await startSeededBridge({ pollMs: 60_000 });
    try {
      const fieldsBefore = labels(h, APP);
      // The tool writes the moment the bridge's copy is made: after its snapshot, before it compares
      // (a timed write raced the change, which on a quiet machine was over before it).
      setStandinFault(h.stateFile, { toolWriteOnCopy: { [ID]: { uri: 'sftp://TOOL-EDIT' } } });
      const changed = await outcome(h.bridge.request('apps.addField', { name: APP, fields: [{ label: 'proxyHost' }] }));
      assert.match(changed, /refused: A configuration of this application was saved while its fields were being changed/);
      assert.equal(standinValues(h.stateFile, APP, ID)?.uri, 'sftp://TOOL-EDIT');
      assert.deepEqual(labels(h, APP), fieldsBefore);
      assert.deepEqual(bridgeLeftovers(h), []);
    } finally {
      await h.dispose();
    }
  });
});
