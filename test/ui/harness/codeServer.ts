// Starts and stops code-server (VS Code 1.100 in the browser) for UI and extension-host tests.
//
// Every instance gets fresh temporary --user-data-dir / --extensions-dir / config / XDG dirs,
// listens on a free loopback port (port 0, the real one is read from its log), has user settings
// written before it starts, and runs in its own process group so that stopCodeServer() can kill
// the server together with its extension host, file watcher and pty host. Instances still alive
// when the test process exits (or is sent SIGINT/SIGTERM/SIGHUP) are killed too.
//
// See test/README.md for how this is used and what was verified on these machines.
import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync, createWriteStream, type WriteStream } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { extensionEntries } from '../../../scripts/extensionFiles.mjs';

/** Root of the repository (the extension under test). */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
/** Where scripts/ensureCodeServer.mjs installs code-server. */
export const codeServerBin = join(repoRoot, '.code-server', 'node_modules', '.bin', 'code-server');
/** Screenshots, logs and other test artifacts (git-ignored). */
export const artifactsDir = join(repoRoot, '.artifacts');

/** Files and folders of the extension that a packaged .vsix would contain: the one list, in scripts/. */
export { EXTENSION_FILES } from '../../../scripts/extensionFiles.mjs';

/**
 * User settings written before code-server starts: nothing that would steal focus, open an
 * editor, talk to the network or ask the user something.
 */
export const DEFAULT_SETTINGS: Readonly<Record<string, unknown>> = {
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.welcomePage.walkthroughs.openOnInstall': false,
  'workbench.enableExperiments': false,
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  'workbench.editor.enablePreview': false,
  'security.workspace.trust.enabled': false,
  'security.workspace.trust.startupPrompt': 'never',
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'update.showReleaseNotes': false,
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'extensions.showRecommendationsOnlyOnDemand': true,
  'npm.fetchOnlinePackageInfo': false,
  'typescript.disableAutomaticTypeAcquisition': true,
  'git.enabled': false,
  'git.autoRepositoryDetection': false,
  'github.gitAuthentication': false,
  'files.autoSave': 'off',
  'files.hotExit': 'off',
  'window.confirmBeforeClose': 'never',
  'editor.minimap.enabled': false,
  'chat.commandCenter.enabled': false,
  'chat.disableAIFeatures': true,
};

export interface CodeServerOptions {
  /** Folder opened by the workbench (the last CLI argument). Default: a fresh empty temp folder. */
  workspaceFolder?: string;
  /** User settings, merged over DEFAULT_SETTINGS (e.g. to point the extension at an SSO service). */
  settings?: Record<string, unknown>;
  /** Extra environment for code-server and, through it, the extension host. `undefined` removes a variable. */
  env?: Record<string, string | undefined>;
  /**
   * How the extension under test gets into --extensions-dir:
   * 'copy' (default): copy EXTENSION_FILES of `extensionPath` into `<publisher>.<name>-<version>`;
   * 'none': install nothing (e.g. for extension-host tests, which load the extension from
   * `extensionDevelopmentPath` instead).
   */
  installExtension?: 'copy' | 'none';
  /** The extension folder to install. Default: the repository root (run `node esbuild.mjs` first). */
  extensionPath?: string;
  /** More code-server CLI arguments. */
  extraArgs?: string[];
  /** VS Code's display language (`--locale`); default English. */
  locale?: string;
  /** How long to wait for code-server to listen and answer HTTP. Default 60 s. */
  startTimeoutMs?: number;
  /** Keep the temporary folders after stop (for debugging); also kept when ENTSSO_KEEP_TEST_DIRS=1. */
  keepTempDirs?: boolean;
  /** Name used for the log file in .artifacts/logs/. Default: "code-server". */
  name?: string;
}

export interface CodeServerInstance {
  /** Base URL, e.g. `http://127.0.0.1:43123/`. */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  /** Process id of code-server, also the id of its process group. */
  readonly pid: number;
  readonly tempRoot: string;
  readonly userDataDir: string;
  readonly extensionsDir: string;
  readonly workspaceFolder: string;
  /** Folder of the installed copy of the extension, if any. */
  readonly installedExtensionDir: string | undefined;
  /** code-server's stdout+stderr, also written to this file. */
  readonly logFile: string;
  /** Text code-server printed so far. */
  output(): string;
  /** `vscode-remote://host:port/<abs path>`: how the browser names a file on the server. */
  remoteUri(absPath: string): string;
  /** URL that opens the workbench on `folder` (default: the workspace folder), optionally with a `payload`. */
  workbenchUrl(options?: { folder?: string; payload?: Array<[string, string]> }): string;
  /** Kill the whole process group (SIGTERM, then SIGKILL after a grace period) and remove temp dirs. */
  stop(): Promise<void>;
}

interface ExtensionManifest {
  publisher: string;
  name: string;
  version: string;
}

export function readExtensionManifest(extensionPath = repoRoot): ExtensionManifest {
  const pkg = JSON.parse(readFileSync(join(extensionPath, 'package.json'), 'utf8')) as ExtensionManifest;
  return { publisher: pkg.publisher, name: pkg.name, version: pkg.version };
}

/** `publisher.name`, e.g. `ssotools.entsso-explorer`. */
export function extensionId(extensionPath = repoRoot): string {
  const m = readExtensionManifest(extensionPath);
  return `${m.publisher}.${m.name}`;
}

/**
 * Copies the extension's packaged files into `<extensionsDir>/<publisher>.<name>-<version>`, which
 * VS Code scans at start. Faster than packaging a .vsix (about 10 ms against several seconds for
 * `vsce package` + `--install-extension`) and installs the same files.
 */
export function installExtensionCopy(extensionsDir: string, extensionPath = repoRoot): string {
  const m = readExtensionManifest(extensionPath);
  const main = JSON.parse(readFileSync(join(extensionPath, 'package.json'), 'utf8')).main as string | undefined;
  if (main && !existsSync(resolve(extensionPath, main)) && !existsSync(resolve(extensionPath, main + '.js'))) {
    throw new Error(`The extension is not built: ${resolve(extensionPath, main)} is missing. Run "node esbuild.mjs" first.`);
  }
  const target = join(extensionsDir, `${m.publisher}.${m.name}-${m.version}`);
  mkdirSync(target, { recursive: true });
  for (const entry of extensionEntries(extensionPath)) cpSync(join(extensionPath, entry), join(target, entry), { recursive: true });
  return target;
}

// ---- process bookkeeping -------------------------------------------------------------------

const live = new Map<number, ChildProcess>();
let exitHooksInstalled = false;

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      /* already gone */
    }
  }
}

function pidFileFor(pid: number): string | undefined {
  const dir = process.env.ENTSSO_TEST_PID_DIR;
  return dir ? join(dir, `code-server-${pid}`) : undefined;
}

function installExitHooks(): void {
  if (exitHooksInstalled) return;
  exitHooksInstalled = true;
  process.on('exit', () => {
    for (const pid of live.keys()) killGroup(pid, 'SIGKILL');
  });
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(sig, () => {
      for (const pid of live.keys()) killGroup(pid, 'SIGKILL');
      // Restore the default behaviour (terminate) unless someone else handles the signal.
      if (process.listenerCount(sig) === 0) process.kill(process.pid, sig);
    });
  }
}

/** Kills every code-server this process started and has not stopped yet (synchronously, SIGKILL). */
export function killAllCodeServers(): void {
  for (const pid of live.keys()) killGroup(pid, 'SIGKILL');
}

// ---- start ---------------------------------------------------------------------------------

function httpStatus(url: string, timeoutMs: number): Promise<number> {
  return new Promise((resolveStatus, reject) => {
    const req = request(url, { method: 'GET', timeout: timeoutMs }, (res) => {
      res.resume();
      resolveStatus(res.statusCode ?? 0);
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

let instanceCounter = 0;

export async function startCodeServer(options: CodeServerOptions = {}): Promise<CodeServerInstance> {
  if (!existsSync(codeServerBin)) {
    throw new Error(`code-server is not installed at ${codeServerBin}. Run "node scripts/ensureCodeServer.mjs" (npm test does it).`);
  }
  const startTimeoutMs = options.startTimeoutMs ?? 60_000;
  const tempRoot = mkdtempSync(join(tmpdir(), 'entsso-cs-'));
  const userDataDir = join(tempRoot, 'user-data');
  const extensionsDir = join(tempRoot, 'extensions');
  const xdg = join(tempRoot, 'xdg');
  const workspaceFolder = options.workspaceFolder ?? join(tempRoot, 'workspace');
  const tmp = join(tempRoot, 'tmp');
  for (const d of [join(userDataDir, 'User'), extensionsDir, join(xdg, 'config'), join(xdg, 'data'), join(xdg, 'runtime'), tmp, workspaceFolder]) {
    mkdirSync(d, { recursive: true });
  }
  const settings = { ...DEFAULT_SETTINGS, ...(options.settings ?? {}) };
  writeFileSync(join(userDataDir, 'User', 'settings.json'), JSON.stringify(settings, null, 2));
  const configFile = join(tempRoot, 'config.yaml');
  writeFileSync(configFile, 'auth: none\ncert: false\n');

  let installedExtensionDir: string | undefined;
  if ((options.installExtension ?? 'copy') === 'copy') {
    installedExtensionDir = installExtensionCopy(extensionsDir, options.extensionPath ?? repoRoot);
  }

  const logsDir = join(artifactsDir, 'logs');
  mkdirSync(logsDir, { recursive: true });
  const logFile = join(logsDir, `${options.name ?? 'code-server'}-${process.pid}-${++instanceCounter}.log`);
  const logStream: WriteStream = createWriteStream(logFile);

  const args = [
    '--auth', 'none',
    '--bind-addr', '127.0.0.1:0',
    '--config', configFile,
    '--user-data-dir', userDataDir,
    '--extensions-dir', extensionsDir,
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-workspace-trust',
    '--disable-getting-started-override',
    '--disable-proxy',
    '--ignore-last-opened',
    '--locale', options.locale ?? 'en',
    ...(options.extraArgs ?? []),
    workspaceFolder,
  ];
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    XDG_CONFIG_HOME: join(xdg, 'config'),
    XDG_DATA_HOME: join(xdg, 'data'),
    XDG_CACHE_HOME: join(xdg, 'cache'),
    // The server and extension host put their IPC sockets (vscode-ipc-*.sock) and temp files here,
    // so that they go away with the instance instead of piling up in /tmp.
    XDG_RUNTIME_DIR: join(xdg, 'runtime'),
    TMPDIR: tmp,
    // No extension gallery: code-server would otherwise query its default gallery at start (unreachable here).
    EXTENSIONS_GALLERY: JSON.stringify({ serviceUrl: '' }),
    // Never let the server inherit a password or a parent's VS Code IPC.
    PASSWORD: undefined,
    HASHED_PASSWORD: undefined,
    VSCODE_IPC_HOOK_CLI: undefined,
    ELECTRON_RUN_AS_NODE: undefined,
    NODE_OPTIONS: undefined,
  };
  for (const [k, v] of Object.entries(options.env ?? {})) env[k] = v;
  for (const k of Object.keys(env)) if (env[k] === undefined) delete env[k];

  installExitHooks();
  const child = spawn(codeServerBin, args, { cwd: workspaceFolder, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const pid = child.pid;
  if (pid === undefined) throw new Error('code-server could not be spawned');
  live.set(pid, child);
  const pidFile = pidFileFor(pid);
  if (pidFile) {
    try {
      writeFileSync(pidFile, JSON.stringify({ pid, tempRoot }));
    } catch {
      /* best effort */
    }
  }

  let output = '';
  let exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  const exitPromise = new Promise<void>((resolveExit) => {
    child.once('exit', (code, signal) => {
      exited = { code, signal };
      live.delete(pid);
      resolveExit();
    });
  });
  const onData = (chunk: Buffer) => {
    const text = chunk.toString('utf8');
    output += text;
    if (output.length > 2_000_000) output = output.slice(-1_000_000);
    logStream.write(text);
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);

  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    if (!exited) {
      killGroup(pid, 'SIGTERM');
      await withTimeout(exitPromise, 5000);
      // Whatever is left of the group (extension host, watchers) goes now.
      killGroup(pid, 'SIGKILL');
      await withTimeout(exitPromise, 5000);
    } else {
      killGroup(pid, 'SIGKILL');
    }
    live.delete(pid);
    child.stdout?.destroy();
    child.stderr?.destroy();
    await new Promise<void>((r) => logStream.end(() => r()));
    if (pidFile) {
      try {
        unlinkSync(pidFile);
      } catch {
        /* gone */
      }
    }
    if (!(options.keepTempDirs || process.env.ENTSSO_KEEP_TEST_DIRS === '1')) {
      rmSync(tempRoot, { recursive: true, force: true, maxRetries: 3 });
    }
  };

  try {
    const deadline = Date.now() + startTimeoutMs;
    // 1. the listening line tells the port.
    let port = 0;
    while (!port) {
      const m = /HTTP server listening on https?:\/\/127\.0\.0\.1:(\d+)/.exec(output);
      if (m) port = Number(m[1]);
      else if (exited) throw new Error(`code-server exited (${exited.code ?? exited.signal}) before listening:\n${output.slice(-4000)}`);
      else if (Date.now() > deadline) throw new Error(`code-server did not start listening within ${startTimeoutMs} ms:\n${output.slice(-4000)}`);
      else await delay(100);
    }
    const host = '127.0.0.1';
    const url = `http://${host}:${port}/`;
    // 2. it answers HTTP.
    for (;;) {
      try {
        const status = await httpStatus(`${url}healthz`, 5000);
        if (status === 200) break;
      } catch {
        /* not yet */
      }
      if (exited) throw new Error(`code-server exited (${exited.code ?? exited.signal}) during start:\n${output.slice(-4000)}`);
      if (Date.now() > deadline) throw new Error(`code-server did not answer ${url}healthz within ${startTimeoutMs} ms`);
      await delay(200);
    }
    const remoteUri = (absPath: string) => `vscode-remote://${host}:${port}${absPath.startsWith('/') ? '' : '/'}${absPath}`;
    return {
      url,
      host,
      port,
      pid,
      tempRoot,
      userDataDir,
      extensionsDir,
      workspaceFolder,
      installedExtensionDir,
      logFile,
      output: () => output,
      remoteUri,
      workbenchUrl(opts = {}) {
        const params = new URLSearchParams();
        params.set('folder', opts.folder ?? workspaceFolder);
        if (opts.payload) params.set('payload', JSON.stringify(opts.payload));
        return `${url}?${params.toString()}`;
      },
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** Stops an instance; accepts `undefined` so that `after()` hooks can call it unconditionally. */
export async function stopCodeServer(instance: CodeServerInstance | undefined): Promise<void> {
  if (instance) await instance.stop();
}

function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Resolves when `p` settles or after `ms`, whichever is first; leaves no timer behind. */
async function withTimeout(p: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([p, new Promise<void>((r) => (timer = setTimeout(r, ms)))]);
  } finally {
    clearTimeout(timer);
  }
}
