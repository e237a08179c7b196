/**
 * entsso-bridge.exe over the ENTSSO STAND-IN: two bridges on one ENTSSO (two VS Code windows, a
 * restarted bridge, another admin's machine) while one of them changes an application's fields.
 * The other one's recovery must leave the change alone while its owner lives (the field-change
 * lock in ENTSSO, bridge/FieldChangeLock.cs); without it, it deleted the original the owner had
 * just rebuilt and the owner then deleted the copy: the application and every value were gone.
 * A delay on GetMappingsForExternalUser (the stand-in answers from a snapshot taken before the
 * delay) stands for ENTSSO's RPC latency and widens the window, as in review 8's reproduction.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type BridgeProcess, SEED, type SeededBridge, readStandinState, refusal, setStandinFault, standinValues, startSeededBridge, updateStandinState } from '../entssoStandin/standin';

const APP = SEED.sftpSendHandler;
const IDS = [SEED.sftpSendHandler, SEED.sendPortOrders, SEED.sendPortInvoices];
const DELAY_MS = 3000;

function valuesOf(h: SeededBridge): Record<string, Record<string, string> | undefined> {
  return Object.fromEntries(IDS.map((id) => [id, standinValues(h.stateFile, APP, id)]));
}

const outcome = (p: Promise<unknown>) => p.then(() => 'ok', (e: Error) => `refused: ${e.message}`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function raceWith(second: (h: SeededBridge, other: BridgeProcess) => Promise<unknown>): Promise<void> {
  const h = await startSeededBridge({ pollMs: 60_000 });
  try {
    const other = await h.restart();
    await other.request('apps.list', {});
    const before = valuesOf(h);
    setStandinFault(h.stateFile, { delayCalls: { GetMappingsForExternalUser: DELAY_MS } });
    const owner = outcome(h.bridge.request('apps.addField', { name: APP, fields: [{ label: 'proxyHost' }] }));
    // In the middle of the owner's change (its copy complete, the original being rebuilt).
    await sleep(DELAY_MS + 1500);
    const interloper = outcome(second(h, other));
    const results = [await owner, await interloper];
    setStandinFault(h.stateFile, { delayCalls: {} });
    const names = readStandinState(h.stateFile).applications.map((a) => a.name);
    assert.ok(names.includes(APP), `the application survives (${results.join(' | ')}); applications: ${names.join(', ')}`);
    const after = valuesOf(h);
    const added = results[0] === 'ok';
    for (const id of IDS) assert.deepEqual(after[id], added ? { ...before[id], proxyHost: '' } : before[id], id);
    assert.equal(results[0], 'ok', 'the owner finishes its change');
    // Once both are idle, nothing of the bridge's own is left.
    await h.bridge.request('apps.list', {});
    assert.deepEqual(readStandinState(h.stateFile).applications.filter((a) => a.name.includes('~entsso-bridge')).map((a) => a.name), []);
  } finally {
    await h.dispose();
  }
}

describe('entsso-bridge: a second bridge leaves a running field change alone', { timeout: 120_000 }, () => {
  test('while bridge O adds a field, bridge N changes the fields of another application', async () => {
    await raceWith((_h, other) => other.request('apps.addField', { name: SEED.paymentsSettings, fields: [{ label: 'Extra' }] }));
  });

  test('while bridge O adds a field, bridge N starts (a second window, a restarted bridge)', async () => {
    await raceWith(async (h) => {
      const started = await h.restart();
      return started.request('apps.list', {});
    });
  });

  test('a lock held on another machine: left alone while its heartbeat is fresh, taken over once it is older than 10 minutes', async () => {
    // A change interrupted after the original was deleted: a complete copy and its lock are left.
    const h = await startSeededBridge({ crashAt: 'old-deleted', pollMs: 60_000 });
    try {
      const before = valuesOf(h);
      await h.bridge.request('apps.addField', { name: APP, fields: [{ label: 'proxyHost' }] }).catch(() => undefined);
      await h.bridge.exited;
      // The owner is a bridge on another machine (its process cannot be checked from here).
      const ownedBy = (heartbeat: Date) =>
        updateStandinState(h.stateFile, (s) => {
          const lock = s.applications.find((a) => a.name === `${APP}~entsso-bridge-lock`);
          assert.ok(lock, 'the killed change left its lock');
          lock.description = `entsso-bridge field-change lock; machine=BTS99; pid=4242; started=2026-01-01T00:00:00Z; heartbeat=${heartbeat.toISOString().replace(/\.\d+Z$/, 'Z')}`;
        });
      ownedBy(new Date());
      const restarted = await h.restart();
      assert.ok((await restarted.logLines(/ recovery-waits .*BTS99/)).length > 0, restarted.stderr.join('\n'));
      const names = () => readStandinState(h.stateFile).applications.map((a) => a.name);
      assert.ok(names().includes(`${APP}~entsso-bridge-tmp`) && !names().includes(APP), 'nothing touched while the owner lives');
      // Other applications' fields can still change; one whose lock a live owner holds cannot.
      await restarted.request('apps.addField', { name: SEED.fileReceiveHandler, fields: [{ label: 'x' }] });
      updateStandinState(h.stateFile, (s) => {
        const lock = s.applications.find((a) => a.name === `${APP}~entsso-bridge-lock`)!;
        s.applications.push({ ...lock, name: `${SEED.paymentsSettings}~entsso-bridge-lock` });
      });
      const refused = await refusal(restarted.request('apps.addField', { name: SEED.paymentsSettings, fields: [{ label: 'x' }] }));
      assert.equal(refused.ssoCode, 'ENTSSO_E_CONFLICT');
      assert.match(refused.message, /machine=BTS99/);
      updateStandinState(h.stateFile, (s) => {
        s.applications = s.applications.filter((a) => a.name !== `${SEED.paymentsSettings}~entsso-bridge-lock`);
      });
      ownedBy(new Date(Date.now() - 11 * 60_000));
      await restarted.request('apps.list', {});
      assert.ok(names().includes(APP), 'the stale change is finished');
      for (const id of IDS) assert.deepEqual(valuesOf(h)[id], { ...before[id], proxyHost: '' }, id);
      assert.deepEqual(names().filter((n) => n.includes('~entsso-bridge')), []);
    } finally {
      await h.dispose();
    }
  });

  test("the lock's heartbeat moves while its owner's change runs", async () => {
    const h = await startSeededBridge({ pollMs: 60_000 });
    try {
      const owner = await h.restart({ lockHeartbeatMs: 300 });
      setStandinFault(h.stateFile, { delayCalls: { GetMappingsForExternalUser: 2500 } });
      const change = owner.request('apps.addField', { name: APP, fields: [{ label: 'proxyHost' }] });
      const heartbeat = () => /heartbeat=(\S+)/.exec(readStandinState(h.stateFile).applications.find((a) => a.name === `${APP}~entsso-bridge-lock`)?.description ?? '')?.[1];
      const first = await until(heartbeat, () => true);
      const later = await until(heartbeat, (v) => v !== first);
      assert.ok(first && later && later > first, `heartbeat ${first} -> ${later}`);
      await change;
      setStandinFault(h.stateFile, { delayCalls: {} });
    } finally {
      await h.dispose();
    }
  });
});

test('a lock taken over while its change runs: the old owner deletes nothing (checked again right before deleting the original)', { timeout: 60_000 }, async () => {
  const h = await startSeededBridge({ pollMs: 60_000 });
  try {
    const before = valuesOf(h);
    setStandinFault(h.stateFile, { delayCalls: { GetMappingsForExternalUser: 2000 } });
    const change = outcome(h.bridge.request('apps.addField', { name: APP, fields: [{ label: 'proxyHost' }] }));
    const lock = await until(() => readStandinState(h.stateFile).applications.find((a) => a.name === `${APP}~entsso-bridge-lock`)?.description, () => true);
    assert.ok(lock, 'the owner took its lock');
    // Another bridge (on another machine) superseded that lock as stale: generation 1, fresh heartbeat.
    updateStandinState(h.stateFile, (s) => {
      const own = s.applications.find((a) => a.name === `${APP}~entsso-bridge-lock`)!;
      const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
      s.applications.push({ ...own, name: `${APP}~entsso-bridge-lock-1`, description: `entsso-bridge field-change lock; machine=BTS99; pid=4242; started=2026-01-01T00:00:00Z; heartbeat=${now}` });
    });
    assert.match(await change, /refused: Another Enterprise SSO client took over/);
    setStandinFault(h.stateFile, { delayCalls: {} });
    const names = readStandinState(h.stateFile).applications.map((a) => a.name);
    assert.ok(names.includes(APP) && names.includes(`${APP}~entsso-bridge-tmp`), `original and copy both kept: ${names.join(', ')}`);
    for (const id of IDS) assert.deepEqual(valuesOf(h)[id], before[id], id);
  } finally {
    await h.dispose();
  }
});

/** Polls `read` until it returns a value `accept`s (at most 15 s); that value, or the last read. */
async function until(read: () => string | undefined, accept: (v: string) => boolean): Promise<string | undefined> {
  const deadline = Date.now() + 15_000;
  let v = read();
  while (!(v !== undefined && accept(v)) && Date.now() < deadline) {
    await sleep(100);
    v = read();
  }
  return v;
}
