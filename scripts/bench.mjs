// `npm run bench`: builds, then runs every benchmark of bench/ once and writes the results table.
//
//   npm run bench                      full mode (the numbers; 10–20 min): bench/results/latest.{json,md}
//   npm run bench -- --quick           quick mode (CI smoke, < 2 min): bench/results/latest-quick.{json,md}
//   npm run bench -- --only tree,decrypt    a subset (ids: libraries tree decrypt writes extension rotation failover)
//   npm run bench -- --out bench/results/mine   another file stem
//
// Exit code: 0 when every benchmark ran, whether or not it met its target (these are not timed
// tests); 1 when a benchmark crashed; 2 on a usage error. CI runs the quick mode for that signal.
//
// Node built-ins only. Steps: (1) `node --import tsx bench/run.ts …` in its own process group (it
// builds its own production snapshot of src/ into a scratch folder and runs that, so dist/ is
// neither needed nor touched); (2) anything it started and left behind (MSS / SSO service
// processes, code-server) is found again through a marker in its environment and killed.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const isWindows = process.platform === 'win32';
const log = (m) => process.stderr.write(`[bench] ${m}\n`);

if (!existsSync(join(root, 'node_modules', 'tsx'))) {
  log('node_modules is missing: run "npm ci" first.');
  process.exit(1);
}

const runId = randomUUID();
const pidDir = mkdtempSync(join(tmpdir(), 'entsso-bench-pids-'));
const env = { ...process.env, ENTSSO_BENCH_RUN_ID: runId, ENTSSO_TEST_PID_DIR: pidDir };
const child = spawn(process.execPath, ['--import', 'tsx', join('bench', 'run.ts'), ...process.argv.slice(2)], {
  cwd: root,
  env,
  stdio: 'inherit',
  detached: !isWindows,
});

const signalRunner = (signal) => {
  try {
    if (isWindows) child.kill(signal);
    else process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
};
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, () => {
    signalRunner('SIGTERM');
    setTimeout(() => signalRunner('SIGKILL'), 5000).unref();
  });
}

const code = await new Promise((r) => child.once('exit', (c, s) => r(c ?? (s ? 1 : 0))));
signalRunner('SIGKILL');
const killed = killLeftovers();
if (killed.length) log(`killed ${killed.length} process(es) the benchmarks left behind: ${killed.join(', ')}`);
rmSync(pidDir, { recursive: true, force: true });
process.exit(code);

/** Processes of this run still alive: code-server groups recorded by the UI harness, and any process carrying our run id. */
function killLeftovers() {
  if (isWindows) return [];
  const out = [];
  for (const f of readdirSync(pidDir)) {
    try {
      const { pid } = JSON.parse(readFileSync(join(pidDir, f), 'utf8'));
      process.kill(-Number(pid), 'SIGKILL');
      out.push(Number(pid));
    } catch {
      // gone
    }
  }
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d) || Number(d) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${d}/environ`, 'latin1').includes(`ENTSSO_BENCH_RUN_ID=${runId}`)) {
        process.kill(Number(d), 'SIGKILL');
        out.push(Number(d));
      }
    } catch {
      // gone, or not ours to read
    }
  }
  return out;
}
