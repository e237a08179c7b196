/**
 * The bridge's test hooks exist in TEST builds only. The build shipped in the .vsix (what
 * scripts/buildBridge.mjs builds without --test-hooks: no ENTSSO_TEST_HOOKS symbol) must not change
 * behaviour on a test-only environment variable: with ENTSSO_BRIDGE_CRASH_AT set it passes the step,
 * with ENTSSO_BRIDGE_MGMTDB_FILE set (on Mono) it reports port names unavailable instead of reading
 * the stand-in file. The TEST build, given the same environment, is checked to act on it, so that the
 * environment used here is shown to be one the hooks would obey. Over the ENTSSO STAND-IN on Mono.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { BridgeProcess, ROOT, SEED, STANDIN_ROOT, bridgeEnv, buildBridgeAndStandin, readStandinState, seedStandinState } from '../entssoStandin/standin';

const APP = SEED.sftpSendHandler;
const PORT_NAME = 'Send port SP_Orders_SFTP (SFTP) — Orders.Integration';

describe('entsso-bridge: the shipped build has no test hooks', { timeout: 180_000 }, () => {
  let dir: string;
  let shippedExe: string;
  let testExe: string;
  let interopRoot: string;
  const started: BridgeProcess[] = [];

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'entsso-bridge-hooks-'));
    // Built exactly as dist/entsso-bridge.exe is (esbuild.mjs → buildBridge() without testHooks), into this folder.
    const r = spawnSync(process.execPath, [join(ROOT, 'scripts', 'buildBridge.mjs'), '--standin-root', STANDIN_ROOT, '--out', dir], { cwd: ROOT, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    shippedExe = join(dir, 'entsso-bridge.exe');
  });

  before(async () => {
    ({ bridgeExe: testExe, interopRoot } = await buildBridgeAndStandin());
  });

  after(async () => {
    for (const b of started) await b.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  /** A bridge `exe` on a fresh seeded stand-in (with its MgmtDb stand-in file), env hooks as given; said hello. */
  async function start(exe: string, name: string, crashAt?: string): Promise<{ bridge: BridgeProcess; stateFile: string; env: Record<string, string> }> {
    const { stateFile, mgmtDbFile } = seedStandinState(join(dir, `${name}.json`));
    assert.ok(mgmtDbFile, 'the seed wrote a MgmtDb stand-in');
    const env = bridgeEnv({ stateFile, interopRoot, mgmtDbFile, crashAt });
    const bridge = new BridgeProcess(spawn('mono', [exe, '--poll-ms', '300'], { env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] }));
    started.push(bridge);
    await bridge.hello();
    return { bridge, stateFile, env };
  }

  /** .NET keeps a string literal as UTF-16LE in the assembly. */
  const holdsLiteral = (exe: string, text: string) => readFileSync(exe).includes(Buffer.from(text, 'utf16le'));

  test('the shipped build, and dist/entsso-bridge.exe that the .vsix packs, hold neither variable name; the test build holds both', async () => {
    const dist = join(ROOT, 'dist', 'entsso-bridge.exe');
    assert.ok(existsSync(dist), 'node esbuild.mjs built dist/entsso-bridge.exe');
    for (const name of ['ENTSSO_BRIDGE_CRASH_AT', 'ENTSSO_BRIDGE_MGMTDB_FILE']) {
      assert.ok(holdsLiteral(testExe, name), `the test build reads ${name}`);
      assert.ok(!holdsLiteral(shippedExe, name), `the shipped build reads ${name}`);
      assert.ok(!holdsLiteral(dist, name), `dist/entsso-bridge.exe reads ${name}`);
    }
  });

  const addField = (bridge: BridgeProcess) => bridge.request('apps.addField', { name: APP, fields: [{ label: 'proxyHost', masked: false }] });

  test('ENTSSO_BRIDGE_CRASH_AT: the shipped build passes the step and finishes the change; the test build dies there', async () => {
    const shipped = await start(shippedExe, 'crash-shipped', 'temp-created');
    const changed = await addField(shipped.bridge);
    assert.ok(changed.fields.some((f: { label: string }) => f.label === 'proxyHost'), 'the field was added');
    assert.equal(shipped.bridge.child.exitCode, null, 'the shipped bridge is still running');
    assert.equal(shipped.bridge.child.signalCode, null, 'the shipped bridge was not killed');
    assert.deepEqual(await shipped.bridge.logLines(/crash-point/, 1, 200), [], 'no crash point in the log');

    const hooked = await start(testExe, 'crash-test', 'temp-created');
    const err = await addField(hooked.bridge).catch((e: Error) => e);
    assert.ok(err instanceof Error && /exited/.test(err.message), 'the test build died at the step');
    assert.equal((await hooked.bridge.exited).signal, 'SIGKILL');
    assert.ok(readStandinState(hooked.stateFile).applications.some((a) => a.name === `${APP}~entsso-bridge-tmp`), 'it died half-way');
  });

  test('ENTSSO_BRIDGE_MGMTDB_FILE on Mono: the shipped build reports port names unavailable, never reads the stand-in file; the test build reads it', async () => {
    const shipped = await start(shippedExe, 'names-shipped');
    const page = await shipped.bridge.request('identifiers.list', { application: APP });
    const shippedNames = page.items.map((i: { displayName?: string }) => i.displayName);
    assert.ok(page.items.length > 0, 'the identifiers are listed');
    assert.deepEqual(shippedNames.filter(Boolean), [], 'no BizTalk names without MgmtDb');
    const check = spawnSync('mono', [shippedExe, '--self-check'], { env: { ...process.env, ...shipped.env }, encoding: 'utf8', timeout: 60_000 });
    assert.match(check.stdout, /^warn {2}BizTalk port names: BizTalkMgmtDb is read on Windows only\.$/m);
    assert.ok(!check.stdout.includes('STAND-IN of BizTalkMgmtDb'), check.stdout);

    const hooked = await start(testExe, 'names-test');
    const hookedPage = await hooked.bridge.request('identifiers.list', { application: APP });
    assert.ok(hookedPage.items.some((i: { displayName?: string }) => i.displayName === PORT_NAME), 'the test build reads the stand-in file');
  });
});
