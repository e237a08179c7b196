// `npm test`: installs what is missing, builds, and runs every test once with node's test runner.
//
//   npm test                         all of test/{unit,bridge,integration,reliability,security,ui}
//   npm test -- test/unit            a folder (or several)
//   npm test -- test/ui/activation.test.ts   one file
//   npm test -- activation           files whose path contains "activation"
//   npm test -- test/unit --test-name-pattern=crypto   options starting with -- go to node's runner
//
// Node built-ins only here: on a fresh clone this runs before node_modules exists.
// Steps: (1) `npm ci` when node_modules is missing or older than package-lock.json (`npm install`
// without a lock file), and Mono via scripts/ensureMono.mjs; (2) `node esbuild.mjs` (also builds
// dist/entsso-bridge.exe); (3) code-server via scripts/ensureCodeServer.mjs
// when UI tests are selected; (4) `node --import tsx --test` over the sorted test files, one file
// at a time. The runner runs in its own process group and every process it started is found again
// afterwards through a marker in its environment and killed, so nothing is left behind (CI).
// The output ends with the runner's summary lines (# tests, # pass, # fail, …); the exit code is
// the runner's.
//
// Env: ENTSSO_TEST_TIMEOUT_MS (per test, default 300000), ENTSSO_TEST_RUN_TIMEOUT_MS (whole run,
// default 3600000), ENTSSO_SKIP_INSTALL=1 / ENTSSO_SKIP_BUILD=1 (skip steps 1 / 2).
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, ensureDependencies } from './bootstrap.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const TEST_DIRS = ['test/unit', 'test/bridge', 'test/integration', 'test/reliability', 'test/security', 'test/ui'];
const TEST_FILE = /\.test\.ts$/;
const artifacts = join(root, '.artifacts');
const tapFile = join(artifacts, 'test-results.tap');
const perTestTimeoutMs = Number(process.env.ENTSSO_TEST_TIMEOUT_MS ?? 300_000);
const runTimeoutMs = Number(process.env.ENTSSO_TEST_RUN_TIMEOUT_MS ?? 3_600_000);
const isWindows = process.platform === 'win32';

function log(msg) {
  process.stderr.write(`[test] ${msg}\n`);
}


// ---- 1. dependencies ----------------------------------------------------------------------

// ---- 4a. test files ------------------------------------------------------------------------

function walk(dir) {
  if (!existsSync(dir)) return [];
  const out = [];
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name.startsWith('.')) continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...walk(p));
    else if (TEST_FILE.test(name)) out.push(p);
  }
  return out;
}

const rel = (p) => relative(root, p).split(sep).join('/');

function selectTestFiles(filters) {
  const all = TEST_DIRS.flatMap((d) => walk(join(root, d)));
  if (filters.length === 0) return [...new Set(all)].sort((a, b) => rel(a).localeCompare(rel(b)));
  const selected = new Set();
  for (const f of filters) {
    const p = resolve(process.cwd(), f);
    let matched;
    if (existsSync(p) && statSync(p).isDirectory()) matched = walk(p);
    else if (existsSync(p)) matched = [p];
    else matched = all.filter((file) => rel(file).includes(f.split(sep).join('/')));
    if (matched.length === 0) throw new Error(`no test file matches "${f}" (looked in ${TEST_DIRS.join(', ')})`);
    for (const m of matched) selected.add(m);
  }
  return [...selected].sort((a, b) => rel(a).localeCompare(rel(b)));
}

// ---- 4b. leftovers --------------------------------------------------------------------------

/** Pids of live processes whose environment carries `marker` (Linux /proc; elsewhere none). */
function processesWithMarker(marker) {
  if (process.platform !== 'linux') return [];
  const found = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const pid = Number(name);
    if (pid === process.pid) continue;
    try {
      const env = readFileSync(`/proc/${pid}/environ`, 'latin1');
      if (!env.includes(marker)) continue;
      const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
      if (/\) Z /.test(stat)) continue; // zombie: already dead, waiting to be reaped
      found.push(pid);
    } catch {
      /* gone, or not ours to read */
    }
  }
  return found;
}

function killLeftovers(marker, pidDir) {
  // code-server instances recorded by test/ui/harness/codeServer.ts and not stopped: kill their
  // process group and remove their temporary folders.
  const tempRoots = [];
  if (existsSync(pidDir)) {
    for (const f of readdirSync(pidDir)) {
      let record;
      try {
        record = JSON.parse(readFileSync(join(pidDir, f), 'utf8'));
      } catch {
        continue;
      }
      if (Number(record.pid) > 0) {
        try {
          process.kill(-Number(record.pid), 'SIGKILL');
        } catch {
          /* gone */
        }
      }
      if (typeof record.tempRoot === 'string' && /^entsso-cs-/.test(basename(record.tempRoot))) tempRoots.push(record.tempRoot);
    }
  }
  const pids = processesWithMarker(marker);
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
  for (const dir of tempRoots) rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
  return pids;
}

// ---- 4c. the runner ----------------------------------------------------------------------------

/** The last summary block of a TAP stream: "# tests N", "# pass N", … */
function tapSummary(file) {
  let text;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  const lines = text.trimEnd().split('\n');
  const summary = [];
  for (let i = lines.length - 1; i >= 0 && /^# \w+ [\d.]+$/.test(lines[i]); i--) summary.unshift(lines[i]);
  return summary;
}

async function runTests(files, runnerOptions) {
  mkdirSync(artifacts, { recursive: true });
  rmSync(tapFile, { force: true });
  const marker = `ENTSSO_TEST_RUN_ID=${randomUUID()}`;
  const pidDir = mkdtempSync(join(tmpdir(), 'entsso-test-pids-'));
  const args = [
    '--import', 'tsx',
    '--test',
    '--test-concurrency=1',
    `--test-timeout=${perTestTimeoutMs}`,
    '--test-reporter=spec', '--test-reporter-destination=stdout',
    '--test-reporter=tap', `--test-reporter-destination=${tapFile}`,
    ...runnerOptions,
    ...files.map(rel),
  ];
  const env = { ...process.env, [marker.split('=')[0]]: marker.split('=')[1], ENTSSO_TEST_PID_DIR: pidDir };
  const child = spawn(process.execPath, args, { cwd: root, env, stdio: 'inherit', detached: !isWindows });

  const killRunner = (signal) => {
    try {
      if (isWindows) child.kill(signal);
      else process.kill(-child.pid, signal);
    } catch {
      /* gone */
    }
  };
  let interrupted;
  const onSignal = (signal) => {
    interrupted = signal;
    log(`${signal}: stopping the tests`);
    killRunner('SIGTERM');
    setTimeout(() => killRunner('SIGKILL'), 5000).unref();
  };
  for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(s, onSignal);
  const watchdog = setTimeout(() => {
    log(`the test run exceeded ${runTimeoutMs} ms: stopping it`);
    onSignal('SIGTERM');
  }, runTimeoutMs);

  const { code, signal } = await new Promise((r) => child.once('exit', (c, s) => r({ code: c, signal: s })));
  clearTimeout(watchdog);
  // Whatever the runner's files started and did not stop: same process group first, then by marker.
  killRunner('SIGKILL');
  const leftovers = killLeftovers(marker, pidDir);
  rmSync(pidDir, { recursive: true, force: true });
  if (leftovers.length) log(`killed ${leftovers.length} process(es) left behind by the tests: ${leftovers.join(', ')}`);

  // End with the runner's own summary lines (its TAP reporter's, as written to the artifact).
  const summary = tapSummary(tapFile);
  if (summary.length) process.stdout.write(`${summary.join('\n')}\n`);
  if (interrupted) return 1;
  return code ?? (signal ? 1 : 0);
}

// ---- main ------------------------------------------------------------------------------------

async function main() {
  const argv = process.argv.slice(2);
  const runnerOptions = argv.filter((a) => a.startsWith('--'));
  const filters = argv.filter((a) => !a.startsWith('--'));

  if (process.env.ENTSSO_SKIP_INSTALL !== '1') {
    ensureDependencies();
    // Mono builds entsso-bridge.exe and runs it over the ENTSSO stand-in (test/bridge, UI tests).
    const { ensureMono } = await import('./ensureMono.mjs');
    ensureMono();
  }
  if (process.env.ENTSSO_SKIP_BUILD !== '1') {
    build();
  }
  const files = selectTestFiles(filters);
  if (files.length === 0) throw new Error(`no test files found under ${TEST_DIRS.join(', ')}`);
  if (files.some((f) => rel(f).startsWith('test/ui/'))) {
    const { ensureCodeServer } = await import('./ensureCodeServer.mjs');
    ensureCodeServer();
  }
  log(`running ${files.length} test file(s)`);
  return runTests(files, runnerOptions);
}

main().then(
  (code) => process.exit(code),
  (err) => {
    log(`failed: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  },
);
