/**
 * entsso-bridge.exe over the ENTSSO STAND-IN, driven by the extension's own SsoClient: the
 * connection is closed (environment switch, settings change, "Retry") while a field change runs.
 * The bridge used to get 2 s after its stdin closed and was killed half-way, leaving the
 * application missing for BizTalk (review 8, finding 3, /tmp/r8/teardown.ts). A field change is
 * sent with its own timeout and `finishOnClose`, so the bridge finishes it and exits by itself.
 * A delay on GetConfigInfo stands for a larger application on real ENTSSO.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { SsoClient } from '../../src/ssoClient/client';
import { SEED, bridgeEnv, buildBridgeAndStandin, readStandinState, seedStandinState, setStandinFault, standinValues } from '../entssoStandin/standin';

const APP = SEED.sftpSendHandler;
const IDS = [SEED.sftpSendHandler, SEED.sendPortOrders, SEED.sendPortInvoices];

test('closing the connection during apps.addField: the bridge finishes it, the application keeps every value', { timeout: 120_000 }, async () => {
  const { bridgeExe, interopRoot } = await buildBridgeAndStandin();
  const dir = mkdtempSync(join(tmpdir(), 'entsso-bridge-close-'));
  try {
    const { stateFile } = seedStandinState(join(dir, 'state.json'));
    const before = Object.fromEntries(IDS.map((id) => [id, standinValues(stateFile, APP, id)]));
    let stopped: () => void = () => undefined;
    const bridgeStopped = new Promise<void>((r) => (stopped = r));
    const onProcessLog = (line: string) => {
      if (/ stop /.test(line)) stopped();
    };
    const client = new SsoClient({ process: { command: 'mono', args: [bridgeExe], env: bridgeEnv({ stateFile, interopRoot }) }, token: '', clientName: 'vscode', requestTimeoutMs: 60_000, onProcessLog });
    await client.connect();
    // Six configuration reads at 400 ms: the old 2 s grace ended it after the original was deleted.
    setStandinFault(stateFile, { delayCalls: { GetConfigInfo: 400 } });
    const change = client.request('apps.addField', { name: APP, fields: [{ label: 'proxyHost', masked: false }] }, { timeoutMs: 5 * 60_000, finishOnClose: true });
    await new Promise((r) => setTimeout(r, 200));
    client.close();
    const outcome = await change.then(
      () => 'ok',
      (e: Error) => `refused: ${e.message}`,
    );
    // Until the bridge stopped by itself (or, killed, for longer than its old grace and kill): nothing changes after that.
    await Promise.race([bridgeStopped, new Promise((r) => setTimeout(r, 10_000))]);
    setStandinFault(stateFile, { delayCalls: {} });
    const names = readStandinState(stateFile).applications.map((a) => a.name);
    assert.ok(names.includes(APP), `the application exists (${outcome}); applications: ${names.join(', ')}`);
    assert.equal(outcome, 'ok', 'the answer arrives after close()');
    for (const id of IDS) assert.deepEqual(standinValues(stateFile, APP, id), { ...before[id], proxyHost: '' }, id);
    assert.deepEqual(names.filter((n) => n.includes('~entsso-bridge')), []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
