/**
 * entsso-bridge.exe over the ENTSSO STAND-IN: only the poll thread polls ENTSSO's servers. While the
 * master secret server is down, each RPC to it takes ~21 s on Windows; `delayCalls.GetServerStatus`
 * stands in for that latency. `hello`, `status` and `health` read the last polled state, and the
 * hello waits for the first poll only once, for a bounded time.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { BridgeProcess, SEED, bridgeEnv, refusal, buildBridgeAndStandin, readStandinState, seedStandinState, setStandinFault, type StandinFault } from '../entssoStandin/standin';

async function startBridge(fault: StandinFault, pollMs: number): Promise<{ bridge: BridgeProcess; stateFile: string; dispose: () => Promise<void> }> {
  const { interopRoot } = await buildBridgeAndStandin();
  const dir = mkdtempSync(join(tmpdir(), 'entsso-bridge-polling-'));
  const { stateFile, mgmtDbFile } = seedStandinState(join(dir, 'standin-state.json'), { secretServer: 'SSOMSS01' });
  setStandinFault(stateFile, fault);
  const bridge = await BridgeProcess.start(bridgeEnv({ stateFile, interopRoot, mgmtDbFile }), { pollMs });
  return {
    bridge,
    stateFile,
    async dispose() {
      await bridge.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const serverStatusCalls = (stateFile: string) => readStandinState(stateFile).callCounts?.GetServerStatus ?? 0;

describe('entsso-bridge: requests take the state from the poll thread', { timeout: 180_000 }, () => {
  test('MSS unreachable and slow: hello and status make no GetServerStatus call', async () => {
    // One poll every 10 minutes: after the first one, every call counted comes from a request.
    const h = await startBridge({ mssReachable: false, delayCalls: { GetServerStatus: 1000 }, callCounts: {} }, 600_000);
    try {
      const hello = await h.bridge.hello();
      assert.equal(hello.state.state, 'cached');
      const before = serverStatusCalls(h.stateFile);
      assert.ok(before >= 2, `the first poll asked this machine and the MSS (${before})`);
      const status = await h.bridge.request('status');
      assert.equal(status.state, 'cached');
      await h.bridge.hello();
      // (health is left out here: before it, the field-change recovery that is pending while the MSS is down polls by itself.)
      assert.equal(serverStatusCalls(h.stateFile) - before, 0, 'GetServerStatus calls made by hello and status');
    } finally {
      await h.dispose();
    }
  });

  test('slow servers (MSS up): hello, status and health make no GetServerStatus call', async () => {
    const h = await startBridge({ delayCalls: { GetServerStatus: 1000 }, callCounts: {} }, 600_000);
    try {
      const hello = await h.bridge.hello();
      assert.equal(hello.state.state, 'ready');
      const before = serverStatusCalls(h.stateFile);
      assert.ok(before >= 2, `the first poll asked this machine and the MSS (${before})`);
      assert.equal((await h.bridge.request('status')).state, 'ready');
      const health = await h.bridge.request('health');
      assert.equal(health.state.state, 'ready');
      await h.bridge.hello();
      assert.equal(serverStatusCalls(h.stateFile) - before, 0, 'GetServerStatus calls made by hello, status and health');
    } finally {
      await h.dispose();
    }
  });

  test('a first poll slower than the bound: hello answers with a provisional state that blocks changes; the polled state follows as a push, twice', async () => {
    // Each GetServerStatus takes 11 s, so the first poll (this machine, then the MSS) takes over 22 s: longer than the 10 s the bridge waits.
    const h = await startBridge({ mssReachable: false, delayCalls: { GetServerStatus: 11_000 } }, 1000);
    try {
      const hello = await h.bridge.hello();
      assert.equal(hello.state.state, 'cached');
      assert.equal(hello.state.canEncrypt, false);
      assert.match(hello.state.message, /Still checking .* has not answered within 10 s\. Configurations can be read; changes wait until it answers\./);
      const polled = await h.bridge.waitForState('cached', 90_000);
      assert.match(polled.message, /SSOMSS01 is not reachable/);
      // The push may have reached stdout before the hello's reply: the next poll pushes the same state again.
      setStandinFault(h.stateFile, { delayCalls: {} });
      const deadline = Date.now() + 60_000;
      while (h.bridge.states.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      assert.deepEqual(h.bridge.states.slice(0, 2).map((s) => s.state), ['cached', 'cached']);
    } finally {
      await h.dispose();
    }
  });
});

describe('entsso-bridge: not an SSO administrator (the MSS\'s name cannot be read)', { timeout: 180_000 }, () => {
  const notAdministrator: StandinFault = { failCalls: { GetGlobalInfo: '0x80070005' }, mssReachable: false };
  const orders = { application: SEED.ordersSettings, identifier: 'ConfigProperties' };

  test('a save refused for want of the master secret turns the state to cached until a write works; the texts never say "the master secret server the master secret server"', async () => {
    // 5 s polls: the refusal holds 60 s, longer than this test.
    const h = await startBridge(notAdministrator, 5000);
    try {
      const hello = await h.bridge.hello();
      assert.deepEqual([hello.state.state, hello.state.mssName], ['ready', '']);
      const health = await h.bridge.request('health');
      const mss = health.checks.find((c: { id: string }) => c.id === 'mss');
      assert.deepEqual([mss.title, mss.verdict], ['Master secret server: unknown', 'warning']);
      assert.match(mss.detail, /^Unknown: .*SSO Administrators/);
      const doc = await h.bridge.request('config.get', orders);
      const refused = await refusal(h.bridge.request('config.set', { ...orders, fields: { RetryCount: '4' }, expectedTimestamp: doc.timestamp }));
      assert.equal(refused.ssoCode, 'ENTSSO_E_NO_SECRET');
      assert.equal(refused.message, 'The master secret is not available from the master secret server, so nothing can be changed. Start the Enterprise Single Sign-On service on the master secret server, then try again.');
      const cached = await h.bridge.waitForState('cached');
      assert.deepEqual([cached.canEncrypt, cached.canDecrypt], [false, true]);
      assert.match(cached.message, /^A change was refused: the master secret server did not give the master secret/);
      assert.doesNotMatch(cached.message, /master secret server the master secret server/);
      const refusedHealth = (await h.bridge.request('health')).checks.find((c: { id: string }) => c.id === 'mss');
      assert.deepEqual([refusedHealth.title, refusedHealth.verdict], ['Master secret server: unknown', 'error']);
      // The MSS is back, but no poll can tell this account: still cached until a write works.
      setStandinFault(h.stateFile, { mssReachable: true });
      assert.equal((await h.bridge.request('status')).state, 'cached');
      await h.bridge.request('config.set', { ...orders, fields: { RetryCount: '4' }, expectedTimestamp: doc.timestamp });
      const status = await h.bridge.request('status');
      assert.deepEqual([status.state, status.canEncrypt], ['ready', true]);
      assert.equal(h.bridge.states.at(-1)?.state, 'ready', 'pushed as soon as the write worked');
    } finally {
      await h.dispose();
    }
  });

  test('with no write to tell, the refusal holds for 12 polls, then a change may be retried', async () => {
    const h = await startBridge(notAdministrator, 300);
    try {
      await h.bridge.hello();
      const doc = await h.bridge.request('config.get', orders);
      await refusal(h.bridge.request('config.set', { ...orders, fields: { RetryCount: '4' }, expectedTimestamp: doc.timestamp }));
      await h.bridge.waitForState('cached');
      const ready = await h.bridge.waitForState('ready', 30_000);
      assert.equal(ready.canEncrypt, true);
    } finally {
      await h.dispose();
    }
  });
});
