/**
 * Review 8, finding 8: where only the BizTalk administration tools are installed (the interop
 * assembly, no Enterprise SSO service), "This machine" would list applications but open no
 * configuration. `entsso-bridge.exe --local-service` tells the extension (src/connection/
 * entssoBridge.ts localServiceState), which then offers "This machine" with that reason and refuses
 * to connect to it. On Windows the bridge reads the service's registry key; the ENTSSO STAND-IN on
 * Mono has no Windows registry, so the TEST build's hook ENTSSO_BRIDGE_NO_LOCAL_SERVICE=1 stands in
 * for a missing key (the shipped build ignores it). Nothing here ran on Windows or real ENTSSO.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { localServiceState, missingLocalServiceReason } from '../../src/connection/entssoBridge';
import { ROOT, STANDIN_ROOT, bridgeEnv, buildBridgeAndStandin, seedStandinState } from '../entssoStandin/standin';

describe('entsso-bridge --local-service: does this machine have the ENTSSO service (ENTSSO stand-in)', { timeout: 180_000 }, () => {
  let dir: string;
  let testExe: string;
  let shippedExe: string;
  let env: Record<string, string>;
  const noService = () => ({ ...env, ENTSSO_BRIDGE_NO_LOCAL_SERVICE: '1' });

  before(async () => {
    let interopRoot: string;
    ({ bridgeExe: testExe, interopRoot } = await buildBridgeAndStandin());
    dir = mkdtempSync(join(tmpdir(), 'entsso-bridge-local-service-'));
    const { stateFile } = seedStandinState(join(dir, 'state.json'), { mgmtDbFile: false });
    env = bridgeEnv({ stateFile, interopRoot });
    // Built exactly as dist/entsso-bridge.exe is (no test hooks), into this folder.
    const r = spawnSync(process.execPath, [join(ROOT, 'scripts', 'buildBridge.mjs'), '--standin-root', STANDIN_ROOT, '--out', dir], { cwd: ROOT, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    shippedExe = join(dir, 'entsso-bridge.exe');
  });

  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('no ENTSSO service on this machine: "missing", and the self-check fails on it with the reason', async () => {
    assert.equal(await localServiceState({ command: 'mono', args: [testExe], env: noService() }), 'missing');
    const r = spawnSync('mono', [testExe, '--self-check'], { env: { ...process.env, ...noService() }, encoding: 'utf8', timeout: 60_000 });
    assert.equal(r.status, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /FAIL {2}Enterprise SSO service on this machine: not installed \(only the administration tools\)\..*open VS Code on a BizTalk server/);
  });

  test('off Windows without the hook, the bridge cannot tell ("unknown"): "This machine" is offered as before', async () => {
    assert.equal(await localServiceState({ command: 'mono', args: [testExe], env }), 'unknown');
  });

  test('the shipped build ignores the test hook', async () => {
    assert.equal(await localServiceState({ command: 'mono', args: [shippedExe], env: noService() }), 'unknown');
  });

  test('a bridge that cannot be started or does not know the flag: "unknown", never "missing"', async () => {
    assert.equal(await localServiceState({ command: join(dir, 'no-such-bridge.exe'), args: [] }), 'unknown');
    assert.equal(await localServiceState({ command: process.execPath, args: ['-e', 'process.exit(2)'] }), 'unknown');
  });

  test('the reason says what to do, not "start the service"', () => {
    const reason = missingLocalServiceReason();
    assert.match(reason, /Only the Enterprise SSO administration tools are installed on this machine/);
    assert.match(reason, /open VS Code on a BizTalk server/);
    assert.doesNotMatch(reason, /services\.msc|Start the/);
  });
});
