/**
 * entsso-bridge.exe over the ENTSSO STAND-IN: while the master secret server is unreachable, the
 * field-change recovery that runs before requests takes ENTSSO's state from the poll thread and
 * never polls the MSS itself (on real ENTSSO each poll of a host that is down costs an RPC timeout
 * of ~21 s), and it runs only while a copy or lock is actually left (review 8, finding 4). The
 * stand-in counts GetServerStatus calls; the poll thread is set to poll every 10 minutes.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SEED, readStandinState, setStandinFault, startSeededBridge, updateStandinState } from '../entssoStandin/standin';

const pollsOf = (stateFile: string) => readStandinState(stateFile).callCounts?.GetServerStatus ?? 0;

test('MSS unreachable: config.get polls no server status, with and without an interrupted field change waiting', { timeout: 120_000 }, async () => {
  const h = await startSeededBridge({ secretServer: 'MSS01', pollMs: 600_000 });
  try {
    setStandinFault(h.stateFile, { mssReachable: false });
    // A bridge started during the outage (its recovery found ENTSSO unable to encrypt).
    const bridge = await h.restart();
    setStandinFault(h.stateFile, { callCounts: {} });
    for (let i = 0; i < 3; i++) await bridge.request('config.get', { application: SEED.ordersSettings, identifier: 'ConfigProperties' });
    assert.equal(pollsOf(h.stateFile), 0, 'no copy left: no recovery, no poll');
    // An interrupted change's copy (incomplete) waits for ENTSSO to encrypt again: still no poll per request.
    updateStandinState(h.stateFile, (s) => {
      const original = s.applications.find((a) => a.name === SEED.paymentsSettings)!;
      s.applications.push({ ...original, name: `${SEED.paymentsSettings}~entsso-bridge-tmp`, configs: {} });
    });
    for (let i = 0; i < 3; i++) await bridge.request('config.get', { application: SEED.ordersSettings, identifier: 'ConfigProperties' });
    assert.equal(pollsOf(h.stateFile), 0, 'a copy waits: the poll thread\'s state is used');
    assert.ok(readStandinState(h.stateFile).applications.some((a) => a.name.endsWith('~entsso-bridge-tmp')), 'left until ENTSSO can encrypt');
  } finally {
    await h.dispose();
  }
});
