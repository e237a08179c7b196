/**
 * The local SSO environment from the issue "One command runs the whole thing", inside VS Code:
 * - "SSO: Stop / Start Local Master Secret Server", for an active environment with `localDir`
 *   (the one `npm start` writes, or one made below): exactly `npm run mss:stop` / `mss:start`.
 * - "SSO: Create Local SSO Environment…", for desktop users without Node.js: runs the bundled
 *   `ssoctl init`, starts the master secret server and the SSO service detached (each with a pid
 *   file, so that the MSS can be stopped and started on its own), optionally seeds the BizTalk
 *   sample data, adds the environment to the settings and connects.
 * Everything runs the extension's dist/ssoctl.js on VS Code's own runtime (localEnvironment.ts).
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { ConnectionManager } from '../connection/connectionManager';
import { checkEnvironmentName, parseEnvironments, upsertEnvironment } from '../connection/environmentSettings';
import {
  isEnvironmentFolder,
  localPathsFor,
  readEnvironmentInfo,
  readLivePid,
  runSsoctl,
  startRole,
  stopByPidFile,
  type LocalPaths,
  type SsoctlRuntime,
} from '../connection/localEnvironment';
import { UserCancelled, UserFacingError, registerCommand, type CommandContext } from './commandRunner';
import { connectAndReport } from './connectionCommands';
import { askText, pickOne, requireEnvironment, runSteps, withBusyIndicator } from './prompts';
import { askSsoDatabase, type SqlServerChoice } from './sqlServerPrompts';
import { notifyInformation, notifyWarning, withNotificationProgress } from '../views/notifications';

interface LocalEnvironmentCommandsContext extends CommandContext {
  readonly connection: ConnectionManager;
  /** The installed extension's folder (holds dist/ssoctl.js). */
  readonly extensionPath: string;
  /** Where "Create Local SSO Environment…" proposes to put it. */
  readonly globalStorage: vscode.Uri;
}

const LOCAL_SYNC_INTERVAL_S = 10;

/** Unix socket paths are limited to about 104 bytes (macOS) or 108 (Linux). */
const MAX_SOCKET_PATH_BYTES = 100;

export function registerLocalEnvironmentCommands(ctx: LocalEnvironmentCommandsContext): vscode.Disposable[] {
  return [
    registerCommand(ctx, 'entsso.stopLocalMss', () => stopLocalMss(ctx)),
    registerCommand(ctx, 'entsso.startLocalMss', () => startLocalMss(ctx)),
    registerCommand(ctx, 'entsso.createLocalEnvironment', () => createLocalEnvironment(ctx)),
  ];
}

function runtimeOf(ctx: LocalEnvironmentCommandsContext): SsoctlRuntime {
  const ssoctl = join(ctx.extensionPath, 'dist', 'ssoctl.js');
  if (!existsSync(ssoctl)) {
    throw new UserFacingError(vscode.l10n.t(`The extension's SSO command line is missing ({0}). Reinstall the Enterprise SSO Explorer extension.`, ssoctl));
  }
  return { execPath: process.execPath, ssoctl };
}

function localEnvironment(ctx: LocalEnvironmentCommandsContext): { name: string; paths: LocalPaths } {
  const env = requireEnvironment(ctx.connection);
  if (!env.localDir) {
    throw new UserFacingError(
      vscode.l10n.t(`"{0}" is not a local environment: its entry in the "entsso.environments" setting has no "localDir". Its master secret server runs elsewhere; start or stop it there.`, env.name),
    );
  }
  if (!isEnvironmentFolder(env.localDir)) {
    throw new UserFacingError(vscode.l10n.t(`The local environment folder {0} of "{1}" holds no SSO environment. Fix "localDir" in the "entsso.environments" setting, or run "SSO: Create Local SSO Environment…".`, env.localDir, env.name));
  }
  return { name: env.name, paths: localPathsFor(env.localDir) };
}

// ---------------------------------------------------------------- stop / start the MSS

async function stopLocalMss(ctx: LocalEnvironmentCommandsContext): Promise<void> {
  const { name, paths } = localEnvironment(ctx);
  const stopped = await withBusyIndicator(vscode.l10n.t(`Stopping the master secret server of "{0}"…`, name), () => stopByPidFile(paths.mssPid));
  if (!stopped) {
    void notifyInformation(vscode.l10n.t(`The master secret server of "{0}" was not running (no live process in {1}).`, name, paths.mssPid));
    return;
  }
  ctx.log.info(`Master secret server of "${name}" stopped (pid file ${paths.mssPid}).`);
  void notifyInformation(
    vscode.l10n.t(`Master secret server of "{0}" stopped. The SSO service keeps decrypting from its cached secret; edits are blocked until you run "SSO: Start Local Master Secret Server".`, name),
  );
}

async function startLocalMss(ctx: LocalEnvironmentCommandsContext): Promise<void> {
  const { name, paths } = localEnvironment(ctx);
  const runtime = runtimeOf(ctx);
  const started = await withBusyIndicator(vscode.l10n.t(`Starting the master secret server of "{0}"…`, name), () => startLocalRole(runtime, paths, 'mss'));
  if (!started) {
    void notifyInformation(vscode.l10n.t(`The master secret server of "{0}" is already running (pid {1}).`, name, String(readLivePid(paths.mssPid))));
    return;
  }
  ctx.log.info(`Master secret server of "${name}" started (pid file ${paths.mssPid}, log ${paths.mssLog}).`);
  const interval = ctx.connection.state?.syncIntervalMs;
  void notifyInformation(
    interval
      ? vscode.l10n.t('Master secret server of "{0}" started. The SSO service picks it up at its next sync (within {1} s); editing then comes back by itself.', name, Math.round(interval / 1000))
      : vscode.l10n.t('Master secret server of "{0}" started. The SSO service picks it up at its next sync; editing then comes back by itself.', name),
  );
}

/** Starts a role; errors of the process (its log) become a message with the next step. */
async function startLocalRole(runtime: SsoctlRuntime, paths: LocalPaths, role: 'mss' | 'service'): Promise<boolean> {
  try {
    return await startRole(runtime, paths, role);
  } catch (err) {
    const reason = err instanceof Error ? err.message : vscode.l10n.t('it did not start');
    const message = role === 'mss' ? vscode.l10n.t('Could not start the master secret server: {0}', reason) : vscode.l10n.t('Could not start the SSO service: {0}', reason);
    throw new UserFacingError(message, [{ title: vscode.l10n.t('Show Log'), command: 'entsso.showLog' }]);
  }
}

// ---------------------------------------------------------------- create

async function createLocalEnvironment(ctx: LocalEnvironmentCommandsContext): Promise<void> {
  const runtime = runtimeOf(ctx);
  const title = vscode.l10n.t('Create Local SSO Environment');
  let data = '';
  let envDir = '';
  let existing = false;
  let name: string | undefined;
  let sqlServer: SqlServerChoice | undefined;
  let seedSample: boolean | undefined;
  // Back (steps 2 to 4) shows the step before with what was entered or picked there.
  await runSteps([
    async () => {
      data = await pickDataFolder(ctx, vscode.l10n.t('{0} (1/4)', title));
      envDir = join(data, 'env');
      existing = isEnvironmentFolder(envDir);
    },
    async () => {
      name = await askText({
        title: vscode.l10n.t(`{0} (2/4)`, title),
        prompt: existing
          ? vscode.l10n.t('{0} holds an environment already: it is started and connected. The name it gets in VS Code:', envDir)
          : vscode.l10n.t('A name for the environment in VS Code, e.g. "Local".'),
        value: name ?? (existing ? readEnvironmentInfo(envDir).name : 'Local'),
        validate: (v) => checkEnvironmentName(v) ?? nameTakenProblem(ctx, v.trim(), envDir),
        back: true,
      });
      if (existing) return 'done';
    },
    async () => {
      sqlServer = await askSsoDatabase(vscode.l10n.t('{0} (3/4)', title), { back: true });
    },
    async () => {
      seedSample = await pickOne(
        [
          {
            label: vscode.l10n.t('Add BizTalk sample data'),
            detail: vscode.l10n.t('10 adapters with send ports and receive locations, config-store applications in the three layouts, an affiliate application.'),
            value: true,
          },
          { label: vscode.l10n.t('Start empty'), value: false },
        ],
        { title: vscode.l10n.t(`{0} (4/4)`, title), placeHolder: vscode.l10n.t('Fill the new environment with realistic sample data?'), back: true, active: seedSample },
      );
    },
  ]);
  if (name === undefined) throw new UserCancelled();
  const envName = name.trim();
  const paths = localPathsFor(envDir);
  await withNotificationProgress({ title: existing ? vscode.l10n.t('Starting local SSO environment "{0}"', envName) : vscode.l10n.t('Creating local SSO environment "{0}"', envName) }, async (progress) => {
    if (!existing) {
      progress.report({ message: vscode.l10n.t('SSO database, certificates, master secret…') });
      await initEnvironment(runtime, data, envDir, envName, sqlServer);
    }
    progress.report({ message: vscode.l10n.t('starting the master secret server…') });
    await startLocalRole(runtime, paths, 'mss');
    progress.report({ message: vscode.l10n.t('starting the SSO service…') });
    await startLocalRole(runtime, paths, 'service');
    if (seedSample) {
      progress.report({ message: vscode.l10n.t('adding the BizTalk sample data…') });
      await ssoctlOrFail(runtime, ['seed', '--dir', envDir], vscode.l10n.t('The sample data could not be added'));
    }
  });
  const info = readEnvironmentInfo(envDir);
  const config = vscode.workspace.getConfiguration('entsso');
  const { environments } = parseEnvironments(config.get('environments'));
  await config.update('environments', upsertEnvironment(environments, { name: envName, socketPath: info.socketPath, tokenFile: info.tokenFile, localDir: envDir }), vscode.ConfigurationTarget.Global);
  await config.update('activeEnvironment', envName, vscode.ConfigurationTarget.Global);
  ctx.log.info(`Local SSO environment "${envName}" in ${envDir} ${existing ? 'started' : 'created'}; master secret server and SSO service run detached (pid files in ${paths.data}).`);
  void ctx.connection.reconnect();
  await connectAndReport(ctx, envName);
  if (!existing) {
    void notifyWarning(vscode.l10n.t(`The master secret of "{0}" has no backup yet. Without one, a lost master secret loses every stored configuration.`, envName), vscode.l10n.t('Back Up Master Secret…'))
      .then((picked) => {
        if (picked) void vscode.commands.executeCommand('entsso.backupSecret');
      });
  }
}

async function pickDataFolder(ctx: LocalEnvironmentCommandsContext, title: string): Promise<string> {
  const proposed = vscode.Uri.joinPath(ctx.globalStorage, 'local').fsPath;
  const where = await pickOne(
    [
      { label: vscode.l10n.t("In VS Code's storage for this extension"), description: vscode.l10n.t('recommended'), detail: proposed, value: 'storage' as const },
      { label: vscode.l10n.t('Choose a folder…'), detail: vscode.l10n.t('The environment goes into <folder>/env, its logs and pid files next to it.'), value: 'choose' as const },
    ],
    { title, placeHolder: vscode.l10n.t('Where should the local SSO environment live?') },
  );
  if (where === 'storage') return proposed;
  const picked = await vscode.window.showOpenDialog({ title, canSelectFolders: true, canSelectFiles: false, canSelectMany: false, openLabel: vscode.l10n.t('Use This Folder') });
  if (!picked?.[0]) throw new UserCancelled();
  return picked[0].fsPath;
}

function nameTakenProblem(ctx: LocalEnvironmentCommandsContext, name: string, envDir: string): string | undefined {
  const clash = ctx.connection.environments.find((e) => e.name.toLowerCase() === name.toLowerCase());
  return clash && clash.localDir !== envDir ? vscode.l10n.t('An environment named "{0}" is configured already ({1}). Choose another name.', clash.name, clash.socketPath) : undefined;
}

async function initEnvironment(runtime: SsoctlRuntime, data: string, envDir: string, name: string, sqlServer: SqlServerChoice | undefined): Promise<void> {
  mkdirSync(data, { recursive: true, mode: 0o700 });
  // Like `npm start`: a short sync interval, so that stopping and starting the local MSS shows
  // in the status bar within seconds (production services sync every 60 s).
  const args = ['init', '--dir', envDir, '--name', name, '--mss-port', '0', '--sync-interval', String(LOCAL_SYNC_INTERVAL_S)];
  const socket = socketPathFor(envDir);
  if (socket) args.push('--socket', socket);
  if (sqlServer) args.push(...sqlServer.args);
  await ssoctlOrFail(runtime, args, vscode.l10n.t('The local SSO environment could not be created'), sqlServer?.secret);
}

/**
 * A socket path when the default one (<env>/run/ssod.sock) would be too long for a Unix socket
 * (deep storage folders on macOS), or a named pipe on Windows; undefined to keep the default.
 * The folder under the shared temp folder gets a random name (mkdtemp: new, 0700), kept in the
 * environment's settings by init: a name others could compute could be created by them first,
 * and whoever owns the folder can replace the socket. The service refuses such a folder too.
 */
function socketPathFor(envDir: string): string | undefined {
  if (process.platform === 'win32') return `\\\\.\\pipe\\entsso-${createHash('sha256').update(envDir).digest('hex').slice(0, 12)}`;
  if (Buffer.byteLength(join(envDir, 'run', 'ssod.sock')) <= MAX_SOCKET_PATH_BYTES) return undefined;
  return join(mkdtempSync(join(tmpdir(), 'entsso-')), 'ssod.sock');
}

async function ssoctlOrFail(runtime: SsoctlRuntime, args: string[], what: string, secret?: string): Promise<void> {
  const r = await runSsoctl(runtime, args, secret === undefined ? '' : `${secret}\n`);
  if (r.code === 0) return;
  // ssoctl's errors say what went wrong and never hold a value.
  const reason = r.stderr.replace(/^ssoctl: /, '').replace(/\nRun "ssoctl --help".*$/s, '').trim() || vscode.l10n.t('exit code {0}', String(r.code));
  throw new UserFacingError(vscode.l10n.t('{0}: {1}', what, reason), [{ title: vscode.l10n.t('Show Log'), command: 'entsso.showLog' }]);
}
