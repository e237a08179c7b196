/**
 * A local SSO environment run from VS Code, laid out like the one `npm start` makes:
 *
 *   <data>/env/        the environment folder (`localDir` in the settings; `ssoctl init` made it)
 *   <data>/mss.pid     the master secret server, a detached `ssoctl serve --mss`
 *   <data>/service.pid the SSO service, a detached `ssoctl serve --service` (environments created
 *                      by "SSO: Create Local SSO Environment…"; `npm start` runs its own)
 *   <data>/logs/       their logs (ssod logs never hold a value)
 *
 * Stop and start behave like `npm run mss:stop` / `mss:start` (scripts/localEnvironment.mjs).
 * The processes run the extension's bundled dist/ssoctl.js on VS Code's own runtime
 * (`process.execPath` with ELECTRON_RUN_AS_NODE=1; plain node in code-server), so no system
 * Node.js is needed.
 * No `vscode` import.
 */
import * as l10n from '@vscode/l10n';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, openSync, closeSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { formatIdentity, identityOf, parseIdentity, processLiveness, type ProcessIdentity } from '../protocol/processIdentity';

export interface LocalPaths {
  data: string;
  env: string;
  logs: string;
  mssPid: string;
  servicePid: string;
  mssLog: string;
  serviceLog: string;
}

export type Role = 'mss' | 'service';

/** The layout around an environment folder (`localDir`): `<data>` is its parent. */
export function localPathsFor(localDir: string): LocalPaths {
  const data = dirname(localDir);
  const logs = join(data, 'logs');
  return {
    data,
    env: localDir,
    logs,
    mssPid: join(data, 'mss.pid'),
    servicePid: join(data, 'service.pid'),
    mssLog: join(logs, 'mss.log'),
    serviceLog: join(logs, 'service.log'),
  };
}

export function isEnvironmentFolder(dir: string): boolean {
  return existsSync(join(dir, 'environment.json'));
}

/** The environment's name, socket path and token file, as `ssoctl init` wrote them. */
export function readEnvironmentInfo(dir: string): { name: string; socketPath: string; tokenFile: string } {
  const config = JSON.parse(readFileSync(join(dir, 'environment.json'), 'utf8')) as { name?: unknown; socketPath?: unknown };
  if (typeof config.socketPath !== 'string') throw new Error(l10n.t('{0} names no socket path.', join(dir, 'environment.json')));
  return { name: typeof config.name === 'string' ? config.name : 'Local', socketPath: config.socketPath, tokenFile: join(dir, 'access-token') };
}

/** For a child this process started (so ours, and not yet reaped): is it still there? */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * The process a pid file names, when that very process still runs: same pid AND same start
 * time (see processIdentity). A pid file whose pid now belongs to another process (reused after
 * a crash or a reboot), or that cannot be verified, names nothing that may be signalled.
 */
function readRunningIdentity(file: string): ProcessIdentity | undefined {
  if (!existsSync(file)) return undefined;
  const identity = parseIdentity(readFileSync(file, 'utf8'));
  return identity && processLiveness(identity) === 'running' ? identity : undefined;
}

/** The pid in a pid file when that process still runs. */
export function readLivePid(file: string): number | undefined {
  return readRunningIdentity(file)?.pid;
}

/**
 * Stops the process of a pid file (SIGTERM, as `npm run mss:stop`), waits until it is gone so
 * that a start right after does not meet it on its port, and removes the pid file. Returns
 * whether one was running. Only the recorded process is ever signalled: its identity is checked
 * again before the SIGKILL, since its pid may be reused as soon as it exits.
 */
export async function stopByPidFile(file: string, timeoutMs = 10_000): Promise<boolean> {
  const identity = readRunningIdentity(file);
  rmSync(file, { force: true });
  if (identity === undefined) return false;
  process.kill(identity.pid, 'SIGTERM');
  const deadline = Date.now() + timeoutMs;
  while (processLiveness(identity) === 'running') {
    if (Date.now() > deadline) {
      process.kill(identity.pid, 'SIGKILL');
      break;
    }
    await delay(50);
  }
  return true;
}

/** How to run the bundled ssoctl on VS Code's runtime. */
export interface SsoctlRuntime {
  /** `process.execPath` of the extension host. */
  execPath: string;
  /** dist/ssoctl.js of the installed extension. */
  ssoctl: string;
}

function runtimeEnv(): NodeJS.ProcessEnv {
  return { ...process.env, ELECTRON_RUN_AS_NODE: '1' };
}

const READY = /ssod\[\d+\] ready$/m;

/**
 * Starts `ssoctl serve --dir <env> --<role>` detached (it outlives VS Code, like the MSS of
 * `npm start`), records its pid, and waits until it logs "ready". Returns false when one runs
 * already. A failure reports the log file, whose tail is in the error (ssod logs hold no values).
 */
export async function startRole(runtime: SsoctlRuntime, paths: LocalPaths, role: Role, timeoutMs = 30_000): Promise<boolean> {
  const pidFile = role === 'mss' ? paths.mssPid : paths.servicePid;
  if (readLivePid(pidFile) !== undefined) return false;
  const logFile = role === 'mss' ? paths.mssLog : paths.serviceLog;
  mkdirSync(paths.logs, { recursive: true, mode: 0o700 });
  const startSize = existsSync(logFile) ? readFileSync(logFile).length : 0;
  const out = openSync(logFile, 'a', 0o600);
  const child = spawn(runtime.execPath, [runtime.ssoctl, 'serve', '--dir', paths.env, `--${role}`], {
    cwd: paths.data,
    env: runtimeEnv(),
    detached: true,
    windowsHide: true,
    stdio: ['ignore', out, out],
  });
  closeSync(out);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.once('error', () => undefined);
  if (child.pid === undefined) throw new Error(notStartedText(role, runtime.execPath));
  writeFileSync(pidFile, formatIdentity(identityOf(child.pid)), { mode: 0o600 });
  child.unref();
  const deadline = Date.now() + timeoutMs;
  let exitCode: number | null | undefined;
  void exited.then((c) => (exitCode = c));
  for (;;) {
    const text = readFileSync(logFile).subarray(startSize).toString('utf8');
    if (READY.test(text)) return true;
    if (exitCode !== undefined || !isAlive(child.pid)) {
      rmSync(pidFile, { force: true });
      throw new Error(stoppedWhileStartingText(role, exitCode, logFile, lastLines(text, 3)));
    }
    if (Date.now() > deadline) throw new Error(notReadyText(role, Math.round(timeoutMs / 1000), logFile));
    await delay(100);
  }
}

/** Whole sentences per role: a translator cannot inflect an inserted noun. */
function notStartedText(role: Role, execPath: string): string {
  return role === 'mss'
    ? l10n.t('Could not start {0}: the master secret server did not start.', execPath)
    : l10n.t('Could not start {0}: the SSO service did not start.', execPath);
}

function stoppedWhileStartingText(role: Role, exitCode: number | null | undefined, logFile: string, logEnd: string): string {
  const code = exitCode ?? l10n.t('unknown');
  return role === 'mss'
    ? l10n.t('The master secret server stopped while starting (exit code {0}). Its log {1} ends with: {2}', code, logFile, logEnd)
    : l10n.t('The SSO service stopped while starting (exit code {0}). Its log {1} ends with: {2}', code, logFile, logEnd);
}

function notReadyText(role: Role, seconds: number, logFile: string): string {
  return role === 'mss'
    ? l10n.t('The master secret server did not say it was ready within {0} s; see {1}.', seconds, logFile)
    : l10n.t('The SSO service did not say it was ready within {0} s; see {1}.', seconds, logFile);
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `ssoctl <args>` to completion on VS Code's runtime; `input` goes to stdin (never values on the command line). */
export function runSsoctl(runtime: SsoctlRuntime, args: string[], input = '', timeoutMs = 120_000): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(runtime.execPath, [runtime.ssoctl, ...args], { env: runtimeEnv(), windowsHide: true, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    });
    child.stdin.end(input);
  });
}

function lastLines(text: string, n: number): string {
  const lines = text.trim().split('\n').slice(-n).map((l) => l.replace(/^\S+ ssod\[\d+\] /, ''));
  return lines.length > 0 && lines[0] !== '' ? lines.join(' | ') : l10n.t('(nothing)');
}

function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
