// `npm start -- --entsso-standin`, as a new user runs it: it prints a URL and says it runs over the
// ENTSSO STAND-IN; VS Code at that URL shows the environment (its tooltip says stand-in) with
// BizTalk port names from the MgmtDb stand-in; `--standin-mss off` turns the status bar to cached
// and `on` turns it back; Ctrl+C leaves no process behind, the bridge included. Runs on a
// temporary data folder (ENTSSO_DATA_DIR) so that a developer's own .data/ is never touched.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { repoRoot } from './harness/codeServer';
import { treeItemTooltip } from './harness/ssoExtras';
import { Workbench } from './harness/workbench';

const STATUS_ID = 'entsso.status';
const VIEW = 'Applications';
const ENV = 'ENTSSO stand-in';
// npm start runs the bridge with --poll-ms 1000.
const STATE_CHANGE_MS = 1000 + 10_000;

/** Processes whose environment names the data folder: npm start's children, code-server's, and the bridges they started. */
function processesWithDataDir(dataDir: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${entry}/environ`, 'utf8').includes(dataDir)) pids.push(Number(entry));
    } catch {
      // gone, or not ours to read
    }
  }
  return pids;
}

function bridgesOf(dataDir: string): number[] {
  return processesWithDataDir(dataDir).filter((pid) => {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('entsso-bridge.exe');
    } catch {
      return false;
    }
  });
}

describe('npm start -- --entsso-standin', { timeout: 900_000 }, () => {
  let dataDir: string;
  let start: ChildProcess | undefined;
  let output = '';
  let url = '';
  let wb: Workbench | undefined;
  const env = () => ({ ...process.env, ENTSSO_DATA_DIR: dataDir });
  const w = () => wb as Workbench;

  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'entsso-start-standin-'));
    start = spawn(process.execPath, ['scripts/start.mjs', '--entsso-standin', '--no-open', '--port', '0'], { cwd: repoRoot, env: env(), stdio: ['ignore', 'pipe', 'pipe'] });
    start.stdout!.on('data', (d) => (output += d.toString()));
    start.stderr!.on('data', (d) => (output += d.toString()));
    const started = Date.now();
    while (!/is running: (http:\/\/\S+)/.test(output)) {
      if (start.exitCode !== null) throw new Error(`npm start -- --entsso-standin exited early:\n${output}`);
      if (Date.now() - started > 600_000) throw new Error(`no URL within 10 minutes:\n${output}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    url = /is running: (http:\/\/\S+)/.exec(output)![1]!;
    wb = await Workbench.launch({ viewport: { width: 1500, height: 950 } });
  }, { timeout: 660_000 });

  after(async () => {
    await wb?.close();
    if (start && start.exitCode === null) start.kill('SIGKILL');
    for (const pid of processesWithDataDir(dataDir)) process.kill(pid, 'SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('says that it runs over the ENTSSO stand-in, not a real Enterprise SSO', () => {
    assert.match(output, /on the ENTSSO STAND-IN is running: http/);
    assert.match(output, /not a real Enterprise SSO/);
  });

  it('VS Code at that URL shows the stand-in environment, said to be one, with BizTalk port names', async () => {
    await w().open(url);
    await w().openView('Enterprise SSO', 60_000);
    const handler = 'SFTP send handler (BizTalkServerApplication)';
    await w().expandTreeItem('SFTP adapter', { viewTitle: VIEW, timeoutMs: 60_000 });
    await w().waitFor(async () => (await w().readTree(VIEW)).some((r) => r.label === handler), 60_000, 'the handler by its BizTalk name');
    const root = (await w().readTree(VIEW))[0]!;
    assert.equal(root.label, ENV);
    assert.match(await treeItemTooltip(w(), ENV, VIEW), /^STAND-IN of Microsoft's ENTSSO \(test\/entssoStandin\), not a real Enterprise SSO/);
    await w().expandTreeItem(handler, { viewTitle: VIEW });
    assert.ok((await w().readTree(VIEW)).some((r) => r.label === 'Send port SP_Orders_SFTP (SFTP) — Orders.Integration'));
    await w().screenshot('bridge-npm-start-standin');
  });

  it('--standin-mss off turns the status bar to cached; on turns it back', async () => {
    await w().waitForStatusBarItem(STATUS_ID, (i) => i.text === `SSO ${ENV}`, 30_000);
    const off = spawnSync(process.execPath, ['scripts/start.mjs', '--standin-mss', 'off'], { cwd: repoRoot, env: env(), encoding: 'utf8' });
    assert.equal(off.status, 0, off.stderr);
    await w().waitForStatusBarItem(STATUS_ID, (i) => /cached secret only/.test(i.text), STATE_CHANGE_MS);
    await w().screenshot('bridge-npm-start-standin-mss-off');
    const on = spawnSync(process.execPath, ['scripts/start.mjs', '--standin-mss', 'on'], { cwd: repoRoot, env: env(), encoding: 'utf8' });
    assert.equal(on.status, 0, on.stderr);
    await w().waitForStatusBarItem(STATUS_ID, (i) => i.text === `SSO ${ENV}`, STATE_CHANGE_MS);
  });

  it('Ctrl+C stops every process it started, the bridge included, and keeps the stand-in', async () => {
    // Counted with the window open: closing it may end the extension host (and its bridge) at once.
    assert.equal(bridgesOf(dataDir).length, 1, 'the extension runs one bridge');
    await wb?.close();
    wb = undefined;
    const running = processesWithDataDir(dataDir);
    start!.kill('SIGINT');
    await new Promise((r) => start!.once('exit', r));
    const deadline = Date.now() + 10_000;
    while (processesWithDataDir(dataDir).length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    assert.deepEqual(processesWithDataDir(dataDir), [], `nothing is left of ${running.length} processes`);
    assert.ok(readFileSync(join(dataDir, 'entsso-standin', 'state.json'), 'utf8').length > 0, 'the stand-in is kept');
  });
});
