// `npm start`, as a new user runs it: it prints a URL; VS Code at that URL shows the seeded
// BizTalk adapters' applications and opens a send port's configuration; `npm run mss:stop`
// turns the status bar to the cached state within the sync interval + 2 s and `mss:start` turns
// it back; Ctrl+C leaves no process of the project running. Runs on a temporary data folder
// (ENTSSO_DATA_DIR) so that a developer's own .data/ is never touched.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { repoRoot } from './harness/codeServer';
import { Workbench } from './harness/workbench';

const STATUS_ID = 'entsso.status';

/** Live processes descended from `root` (code-server's own children included) or naming the data folder. */
function processesOf(dataDir: string, root?: number): number[] {
  const rows = spawnSync('ps', ['-eo', 'pid=,ppid=,args='], { encoding: 'utf8' })
    .stdout.split('\n')
    .map((l) => /^\s*(\d+)\s+(\d+)\s+(.*)$/.exec(l))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ pid: Number(m[1]), ppid: Number(m[2]), args: m[3] as string }));
  const found = new Set(rows.filter((r) => r.args.includes(dataDir) && !r.args.startsWith('ps ')).map((r) => r.pid));
  if (root !== undefined) found.add(root);
  for (let grew = true; grew; ) {
    grew = false;
    for (const r of rows) {
      if (found.has(r.ppid) && !found.has(r.pid)) {
        found.add(r.pid);
        grew = true;
      }
    }
  }
  return [...found].filter((pid) => rows.some((r) => r.pid === pid));
}

describe('npm start', { timeout: 900_000 }, () => {
  let dataDir: string;
  let start: ChildProcess | undefined;
  let output = '';
  let url = '';
  let wb: Workbench | undefined;
  let syncIntervalMs = 0;
  const env = () => ({ ...process.env, ENTSSO_DATA_DIR: dataDir });

  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'entsso-start-'));
    start = spawn(process.execPath, ['scripts/start.mjs', '--no-open', '--port', '0'], { cwd: repoRoot, env: env(), stdio: ['ignore', 'pipe', 'pipe'] });
    start.stdout!.on('data', (d) => (output += d.toString()));
    start.stderr!.on('data', (d) => (output += d.toString()));
    const started = Date.now();
    while (!/is running: (http:\/\/\S+)/.test(output)) {
      if (start.exitCode !== null) throw new Error(`npm start exited early:\n${output}`);
      if (Date.now() - started > 600_000) throw new Error(`no URL within 10 minutes:\n${output}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    url = /is running: (http:\/\/\S+)/.exec(output)![1]!;
    syncIntervalMs = JSON.parse(readFileSync(join(dataDir, 'env', 'environment.json'), 'utf8')).syncIntervalMs;
    wb = await Workbench.launch();
  }, { timeout: 660_000 });

  after(async () => {
    await wb?.close();
    if (start && start.exitCode === null) start.kill('SIGKILL');
    for (const pid of processesOf(dataDir)) process.kill(pid, 'SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('prints the URL and the master secret backup password once', () => {
    assert.match(output, /A backup of the master secret was written to/);
    assert.match(output, /Its password is shown only this once/);
  });

  it('VS Code at that URL shows the seeded adapters and opens a send port configuration', async () => {
    const w = wb!;
    await w.open(url);
    await w.openView('Enterprise SSO', 60_000);
    await w.waitFor(async () => (await w.readTree('Applications')).some((r) => r.label === 'FTP adapter'), 60_000, 'the FTP adapter');
    const labels = (await w.readTree('Applications')).map((r) => r.label);
    for (const adapter of ['FILE', 'SFTP', 'WCF-SQL', 'SB-Messaging']) {
      assert.ok(labels.includes(`${adapter} adapter`), `${adapter} applications are listed under one node`);
    }
    await w.expandTreeItem('FTP adapter', { viewTitle: 'Applications' });
    await w.expandTreeItem('Send ports', { viewTitle: 'Applications' });
    const port = (await w.readTree('Applications')).find((r) => r.label.startsWith('SP_') && r.label.includes('_FTP_'));
    assert.ok(port, 'a send port is listed under it');
    await w.clickTreeItem(port.label, { viewTitle: 'Applications' });
    const text = await w.waitForEditorText((t) => t.includes('"serverAddress"'), 30_000);
    assert.match(text, /"password": "•+"/, 'the password is masked');
    await w.screenshot('npm-start-send-port');
  });

  it('npm run mss:stop turns the status bar to the cached state within the sync interval + 2 s; mss:start turns it back', async () => {
    const w = wb!;
    await w.waitForStatusBarItem(STATUS_ID, (i) => !/cached/.test(i.text), 30_000);
    const stop = spawnSync('npm', ['run', 'mss:stop'], { cwd: repoRoot, env: env(), encoding: 'utf8' });
    assert.equal(stop.status, 0, stop.stderr);
    await w.waitForStatusBarItem(STATUS_ID, (i) => /cached secret only/.test(i.text), syncIntervalMs + 2000);
    await w.screenshot('npm-start-mss-stopped');
    const startMss = spawnSync('npm', ['run', 'mss:start'], { cwd: repoRoot, env: env(), encoding: 'utf8' });
    assert.equal(startMss.status, 0, startMss.stderr);
    await w.waitForStatusBarItem(STATUS_ID, (i) => !/cached|unreachable/.test(i.text), syncIntervalMs + 5000);
  });

  it('Ctrl+C stops every process it started and keeps the data', async () => {
    await wb?.close();
    wb = undefined;
    const running = processesOf(dataDir, start!.pid);
    assert.ok(running.length >= 4, `npm start, the MSS, the service and code-server were running (${running.length})`);
    start!.kill('SIGINT');
    await new Promise((r) => start!.once('exit', r));
    await new Promise((r) => setTimeout(r, 1000));
    const alive = running.filter((pid) => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    });
    assert.deepEqual(alive, [], 'no process of the project is left');
    assert.deepEqual(processesOf(dataDir), [], 'nothing mentions the data folder either');
    assert.ok(readFileSync(join(dataDir, 'env', 'environment.json'), 'utf8').length > 0, 'the environment is kept');
  });
});
