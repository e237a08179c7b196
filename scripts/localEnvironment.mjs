// The local environment that `npm start` runs, and `npm run mss:stop` / `mss:start`, which
// stop and start its master secret server so anyone can watch the status bar turn to the
// cached state and edits being blocked. The MSS runs detached with a pid file, so that it can
// be stopped and started independently of `npm start`, which stops it too on Ctrl+C.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { root } from './bootstrap.mjs';

/** The local environment's folder: `.data/` in the clone, or ENTSSO_DATA_DIR (tests use a temp one). */
export function localPaths() {
  const data = process.env.ENTSSO_DATA_DIR ? resolve(process.env.ENTSSO_DATA_DIR) : join(root, '.data');
  return {
    data,
    env: join(data, 'env'),
    logs: join(data, 'logs'),
    backup: join(data, 'master-secret.backup'),
    userData: join(data, 'code-server', 'user-data'),
    extensions: join(data, 'code-server', 'extensions'),
    mssPid: join(data, 'mss.pid'),
    ssoctl: join(root, 'dist', 'ssoctl.js'),
  };
}

/**
 * "pid startTime" identifies one process (Linux: field 22 of /proc/<pid>/stat), where a pid
 * alone may name another process once reused. The same rule as src/protocol/processIdentity.ts
 * (this script runs without a build, so it cannot import it). Without /proc (macOS), the pid only.
 */
function startTimeOf(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

const HAS_PROC = startTimeOf(process.pid) !== undefined;

function identityOf(pid) {
  const startTime = startTimeOf(pid);
  return startTime === undefined ? String(pid) : `${pid} ${startTime}`;
}

/** Is the process a pid file recorded still that very process? */
function running(record) {
  const [pidText, startTime] = record.trim().split(/\s+/);
  const pid = Number(pidText);
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  if (HAS_PROC) return startTime !== undefined && startTimeOf(pid) === startTime ? pid : undefined;
  try {
    process.kill(pid, 0);
    return pid;
  } catch {
    return undefined;
  }
}

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function readPid(file) {
  if (!existsSync(file)) return undefined;
  return running(readFileSync(file, 'utf8'));
}

/** Stops the process in a pid file (SIGTERM) if it is still the one recorded; returns whether one was running. */
export function stopPid(file) {
  const pid = readPid(file);
  rmSync(file, { force: true });
  if (pid === undefined) return false;
  process.kill(pid, 'SIGTERM');
  return true;
}

/** Starts the MSS detached, waits until it says ready; a running one is kept. */
export async function startMssDetached(paths) {
  if (readPid(paths.mssPid) !== undefined) return false;
  mkdirSync(paths.logs, { recursive: true });
  const logFile = join(paths.logs, 'mss.log');
  const out = openSync(logFile, 'a');
  const child = spawn(process.execPath, [paths.ssoctl, 'serve', '--dir', paths.env, '--mss'], { cwd: root, detached: true, stdio: ['ignore', out, out] });
  writeFileSync(paths.mssPid, identityOf(child.pid), { mode: 0o600 });
  child.unref();
  const deadline = Date.now() + 30_000;
  const startSize = existsSync(logFile) ? readFileSync(logFile, 'utf8').length : 0;
  while (Date.now() < deadline) {
    const text = readFileSync(logFile, 'utf8').slice(startSize);
    if (/ssod\[\d+\] ready$/m.test(text)) return true;
    if (!alive(child.pid)) throw new Error(`The master secret server did not start; see ${logFile}:\n${text}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`The master secret server did not start within 30 s; see ${logFile}.`);
}

// `node scripts/localEnvironment.mjs mss:stop|mss:start`
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const paths = localPaths();
  const verb = process.argv[2];
  if (!existsSync(join(paths.env, 'environment.json'))) {
    process.stderr.write('There is no local environment yet: run "npm start" first.\n');
    process.exit(1);
  }
  if (verb === 'mss:stop') {
    process.stdout.write(stopPid(paths.mssPid) ? 'Master secret server stopped. The SSO service keeps decrypting from its cache; edits are blocked until "npm run mss:start".\n' : 'The master secret server was not running.\n');
  } else if (verb === 'mss:start') {
    const started = await startMssDetached(paths);
    process.stdout.write(started ? 'Master secret server started. The SSO service picks it up at its next sync (within 10 s).\n' : 'The master secret server is already running.\n');
  } else {
    process.stderr.write('usage: node scripts/localEnvironment.mjs mss:stop|mss:start\n');
    process.exit(2);
  }
}
