/**
 * Connection commands: "SSO: Connect to SSO Service…" (name, socket path, token → SecretStorage;
 * where Enterprise SSO is installed, "This machine's Enterprise SSO" is offered first, with nothing
 * to type), "SSO: Connect to This Machine's Enterprise SSO", "SSO: Switch Environment…", "SSO: Remove Environment…", retrying
 * the connection, and "SSO: Show Log".
 */
import { stat } from 'node:fs/promises';
import * as vscode from 'vscode';
import type { ConnectionManager } from '../connection/connectionManager';
import { LOCAL_ENTSSO_NAME, LocalServiceCache, bridgeProcess, installedEntssoFolder, localEntssoLabel, missingLocalServiceReason, type LocalServiceState } from '../connection/entssoBridge';
import { checkEnvironmentName, endpointOf, parseEnvironments, toSettingValue, upsertEnvironment, withoutEnvironment, type EnvironmentSetting } from '../connection/environmentSettings';
import { SsoError } from '../protocol/errors';
import { UserCancelled, UserFacingError, registerCommand, showError, type CommandContext } from './commandRunner';
import { askText, runSteps, type Problem } from './prompts';
import { confirmInStatusBar } from './routineConfirmation';
import { askWarningModal, notifyInformation, withNotificationProgress } from '../views/notifications';

interface ConnectionCommandsContext extends CommandContext {
  readonly connection: ConnectionManager;
  /** Where the bundled entsso-bridge.exe is (asked whether this machine has the ENTSSO service). */
  readonly extensionPath: string;
}

const CONNECT_TIMEOUT_MS = 15_000;

/** Whether this machine has the ENTSSO service, asked of the bridge once per window (off Windows never). */
const localService = new LocalServiceCache();

export function registerConnectionCommands(ctx: ConnectionCommandsContext): vscode.Disposable[] {
  return [
    registerCommand(ctx, 'entsso.connect', () => connect(ctx)),
    registerCommand(ctx, 'entsso.connectThisMachine', () => connectThisMachine(ctx)),
    registerCommand(ctx, 'entsso.switchEnvironment', () => switchEnvironment(ctx)),
    registerCommand(ctx, 'entsso.removeEnvironment', (node?: unknown) => removeEnvironment(ctx, node)),
    registerCommand(ctx, 'entsso.retryConnection', () => retryConnection(ctx)),
    registerCommand(ctx, 'entsso.showLog', () => ctx.log.show()),
    ctx.connection.onDidFailAuthentication(({ environment, error }) => {
      showError(ctx, vscode.l10n.t('{0} (environment "{1}")', error.message, environment), [{ title: vscode.l10n.t('Connect…'), command: 'entsso.connect' }]);
    }),
  ];
}

async function connect(ctx: ConnectionCommandsContext): Promise<void> {
  const entssoFolder = installedEntssoFolder();
  if (entssoFolder && (await pickThisMachine(entssoFolder, await thisMachineService(ctx)))) return connectThisMachine(ctx, true);
  const current = ctx.connection.environment;
  const title = vscode.l10n.t('Connect to SSO Service');
  let name = current?.name ?? 'dev';
  let socketPath: string | undefined;
  let token = '';
  // Back (steps 2 and 3) shows the step before with what was entered there.
  await runSteps([
    async () => {
      name = await askText({ title: vscode.l10n.t(`{0} (1/3)`, title), prompt: vscode.l10n.t('A name for this SSO environment, for example dev, test or prod.'), value: name, validate: (v) => checkEnvironmentName(v) });
    },
    async () => {
      const existing = ctx.connection.environments.find((e) => e.name.toLowerCase() === name.trim().toLowerCase());
      socketPath = await askText({
        title: vscode.l10n.t(`{0} (2/3)`, title),
        prompt: vscode.l10n.t('Path of the SSO service socket: <environment folder>/run/ssod.sock, as printed by "ssoctl init".'),
        value: socketPath ?? existing?.socketPath ?? '',
        validate: socketPathProblem,
        back: true,
      });
    },
    async () => {
      token = await askText({
        title: vscode.l10n.t(`{0} (3/3)`, title),
        prompt: vscode.l10n.t('The access token of the SSO environment (the content of its access-token file). It is kept in VS Code\'s secret storage, never in settings.'),
        password: true,
        value: token,
        validate: (v) => (v.trim() ? undefined : vscode.l10n.t('Enter the access token.')),
        back: true,
      });
    },
  ]);
  if (socketPath === undefined) throw new UserCancelled();

  const envName = name.trim();
  await ctx.connection.storeToken(envName, token.trim());
  const { environments } = parseEnvironments(vscode.workspace.getConfiguration('entsso').get('environments'));
  // A token typed here replaces a token file: SecretStorage is used from now on.
  await saveAndActivate(upsertEnvironment(environments, { name: envName, socketPath: socketPath.trim() }), envName);
  ctx.log.info(`Environment "${envName}" saved (socket ${socketPath.trim()}); its token is in secret storage.`);
  void ctx.connection.reconnect();
  await connectAndReport(ctx, envName);
}

/** Warnings only: a socket may be saved before its service runs. */
async function socketPathProblem(value: string): Promise<Problem | undefined> {
  if (!value.trim()) return vscode.l10n.t('Enter the socket path of the SSO service.');
  try {
    const s = await stat(value.trim());
    if (!s.isSocket()) return { warning: vscode.l10n.t('This is not a socket. Enter the path of the SSO service socket (run/ssod.sock).') };
  } catch {
    return { warning: vscode.l10n.t('Nothing is listening there right now (is the SSO service running?). You can still save it.') };
  }
  return undefined;
}

/** The environment "This machine" is (saved, or the one it would be saved as). */
function thisMachineEnvironment(ctx: ConnectionCommandsContext): EnvironmentSetting {
  return ctx.connection.environments.find((e) => e.kind === 'entsso') ?? { name: LOCAL_ENTSSO_NAME, socketPath: '', kind: 'entsso' };
}

/** Whether this machine has the ENTSSO service, asked of the bridge that "This machine" starts (review 8, finding 8). */
function thisMachineService(ctx: ConnectionCommandsContext): Promise<LocalServiceState> {
  return localService.stateOf(bridgeProcess(thisMachineEnvironment(ctx), ctx.extensionPath), (state) => ctx.log.info(`This machine's Enterprise SSO service, as entsso-bridge.exe tells: ${state}.`));
}

/** Refused for want of the service: asked again next time (it may be installed by then). */
function refuseThisMachine(): never {
  localService.forget();
  throw new UserFacingError(missingLocalServiceReason());
}

/**
 * True for "This machine's Enterprise SSO", false for a socket of this project's service. Where only
 * the administration tools are installed it is still listed, with the reason it cannot work, and
 * choosing it says that reason instead of connecting.
 */
async function pickThisMachine(entssoFolder: string, service: LocalServiceState): Promise<boolean> {
  type Item = vscode.QuickPickItem & { thisMachine: boolean };
  const missing = service === 'missing';
  const items: Item[] = [
    {
      label: localEntssoLabel(),
      description: missing ? vscode.l10n.t('cannot work here: no Enterprise SSO service') : vscode.l10n.t('nothing to type'),
      detail: missing
        ? missingLocalServiceReason()
        : vscode.l10n.t('Enterprise SSO installed in {0}, through the bundled entsso-bridge.exe; your Windows account decides what you may do.', entssoFolder),
      iconPath: new vscode.ThemeIcon(missing ? 'warning' : 'vm'),
      thisMachine: true,
    },
    { label: vscode.l10n.t('An SSO service of this project…'), detail: vscode.l10n.t('Its socket path and access token, as printed by "ssoctl init".'), iconPath: new vscode.ThemeIcon('plug'), thisMachine: false },
  ];
  // Offered second where it cannot work, so that Enter takes what can.
  if (missing) items.reverse();
  const picked = await vscode.window.showQuickPick(items, { title: vscode.l10n.t('Connect to SSO Service'), placeHolder: vscode.l10n.t('Which SSO service should the explorer show?'), ignoreFocusOut: true });
  if (!picked) throw new UserCancelled();
  if (picked.thisMachine && missing) refuseThisMachine();
  return picked.thisMachine;
}

/** Saves (once) and activates the environment of kind `entsso`; an existing one keeps its settings (e.g. a stand-in's bridge). */
async function connectThisMachine(ctx: ConnectionCommandsContext, asked = false): Promise<void> {
  if (!asked && (await thisMachineService(ctx)) === 'missing') refuseThisMachine();
  const environments = ctx.connection.environments;
  const existing = environments.find((e) => e.kind === 'entsso');
  const env: EnvironmentSetting = existing ?? thisMachineEnvironment(ctx);
  if (!existing && environments.some((e) => e.name.toLowerCase() === env.name.toLowerCase())) {
    throw new SsoError(
      'ENTSSO_E_ENVIRONMENT_EXISTS',
      vscode.l10n.t('An environment named "{0}" is configured already for another SSO service. Rename it in the "entsso.environments" setting, then try again.', env.name),
    );
  }
  await saveAndActivate(existing ? environments : upsertEnvironment(environments, env), env.name);
  ctx.log.info(`Environment "${env.name}" is ${endpointOf(env)}.`);
  void ctx.connection.reconnect();
  await connectAndReport(ctx, env.name);
}

async function saveAndActivate(environments: EnvironmentSetting[], active: string): Promise<void> {
  const config = vscode.workspace.getConfiguration('entsso');
  await config.update('environments', environments.map(toSettingValue), vscode.ConfigurationTarget.Global);
  await config.update('activeEnvironment', active, vscode.ConfigurationTarget.Global);
}

async function switchEnvironment(ctx: ConnectionCommandsContext): Promise<void> {
  const envs = ctx.connection.environments;
  const active = ctx.connection.environment?.name;
  type Item = vscode.QuickPickItem & { env?: string; connectNew?: boolean };
  const items: Item[] = envs.map((e) => ({
    label: e.name,
    description: e.name === active ? vscode.l10n.t('(active)') : undefined,
    detail: [endpointOf(e), e.description ?? '', e.tokenFile ? vscode.l10n.t('token from {0}', e.tokenFile) : ''].filter(Boolean).join(' · '),
    iconPath: new vscode.ThemeIcon(e.name === active ? 'check' : 'server-environment'),
    env: e.name,
  }));
  if (items.length) items.push({ label: '', kind: vscode.QuickPickItemKind.Separator });
  items.push({ label: vscode.l10n.t('Connect to Another SSO Service…'), iconPath: new vscode.ThemeIcon('plug'), connectNew: true });
  const picked = await vscode.window.showQuickPick(items, {
    title: vscode.l10n.t('Switch SSO Environment'),
    placeHolder: envs.length ? vscode.l10n.t('Pick the environment the explorer shows') : vscode.l10n.t('No environment is configured yet: pick "Connect to Another SSO Service…"'),
  });
  if (!picked) throw new UserCancelled();
  if (picked.connectNew) return connect(ctx);
  if (!picked.env) return;
  if (picked.env !== active) await vscode.workspace.getConfiguration('entsso').update('activeEnvironment', picked.env, vscode.ConfigurationTarget.Global);
  void ctx.connection.reconnect();
  await connectAndReport(ctx, picked.env);
}

/**
 * Forgets an environment: its settings entry (wherever it is defined), the active choice when it
 * was active, and its token in secret storage. Its SSO database and a local environment's folder
 * are left alone: removing a connection must never lose data.
 */
async function removeEnvironment(ctx: ConnectionCommandsContext, node: unknown): Promise<void> {
  const envs = ctx.connection.environments;
  if (!envs.length) throw new UserFacingError(vscode.l10n.t('No SSO environment is configured, so there is nothing to remove. Use "SSO: Connect to SSO Service…" to add one.'));
  const fromNode = environmentOfNode(node);
  const name = fromNode ?? (await pickEnvironmentToRemove(envs.map((e) => e.name), ctx.connection.environment?.name));
  const env = envs.find((e) => e.name.toLowerCase() === name.toLowerCase());
  if (!env) throw new UserFacingError(vscode.l10n.t(`There is no SSO environment "{0}" in the settings. Run "SSO: Switch Environment…" to see the configured ones.`, name));
  const forgets = vscode.l10n.t('The explorer forgets how to reach it and its saved access token. Nothing in its SSO database is changed.');
  const kept = env.localDir ? vscode.l10n.t('Its folder {0} stays on disk (and its processes keep running): delete it yourself when you no longer need it.', env.localDir) : '';
  // One value for the button and the comparison, in whatever language VS Code runs.
  const removeButton = vscode.l10n.t('Remove');
  const answer = await askWarningModal(
    vscode.l10n.t(`Remove SSO environment "{0}" from VS Code?`, env.name),
    kept ? `${forgets} ${kept}` : forgets,
    removeButton,
  );
  if (answer !== removeButton) throw new UserCancelled();
  await removeFromSettings(env.name);
  await ctx.connection.forgetToken(env.name);
  ctx.log.info(`Environment "${env.name}" removed from the settings; its token was removed from secret storage.`);
  void ctx.connection.reconnect();
  confirmInStatusBar(vscode.l10n.t(`Removed SSO environment "{0}".`, env.name));
}

function environmentOfNode(node: unknown): string | undefined {
  if (typeof node !== 'object' || node === null) return undefined;
  const n = node as { type?: unknown; env?: unknown };
  return n.type === 'environment' && typeof n.env === 'string' ? n.env : undefined;
}

async function pickEnvironmentToRemove(names: string[], active: string | undefined): Promise<string> {
  const picked = await vscode.window.showQuickPick(
    names.map((n) => ({ label: n, description: n === active ? vscode.l10n.t('(active)') : undefined })),
    { title: vscode.l10n.t('Remove SSO Environment'), placeHolder: vscode.l10n.t('Which environment should VS Code forget? Its SSO database is not changed.') },
  );
  if (!picked) throw new UserCancelled();
  return picked.label;
}

/** Removes the entry at every settings level that defines it (user, workspace, folder). */
async function removeFromSettings(name: string): Promise<void> {
  const config = vscode.workspace.getConfiguration('entsso');
  const environments = config.inspect('environments');
  const active = config.inspect('activeEnvironment');
  const levels: [unknown, unknown, vscode.ConfigurationTarget][] = [
    [environments?.globalValue, active?.globalValue, vscode.ConfigurationTarget.Global],
    [environments?.workspaceValue, active?.workspaceValue, vscode.ConfigurationTarget.Workspace],
    [environments?.workspaceFolderValue, active?.workspaceFolderValue, vscode.ConfigurationTarget.WorkspaceFolder],
  ];
  for (const [list, activeName, target] of levels) {
    if (Array.isArray(list)) {
      const rest = withoutEnvironment(list, name);
      if (rest.length !== list.length) await config.update('environments', rest.length ? rest : undefined, target);
    }
    if (typeof activeName === 'string' && activeName.trim().toLowerCase() === name.toLowerCase()) await config.update('activeEnvironment', undefined, target);
  }
}

async function retryConnection(ctx: ConnectionCommandsContext): Promise<void> {
  localService.forget();
  const env = ctx.connection.environment;
  if (!env) return connect(ctx);
  void ctx.connection.reconnect();
  await connectAndReport(ctx, env.name);
}

/** Waits until the environment is connected (or fails) and says so. */
export async function connectAndReport(ctx: ConnectionCommandsContext, envName: string): Promise<void> {
  const ok = await withNotificationProgress(
    { title: vscode.l10n.t(`Connecting to SSO environment "{0}"…`, envName) },
    () => waitForOutcome(ctx.connection, envName),
  );
  if (ok) {
    const state = ctx.connection.state;
    void notifyInformation(
      state
        ? vscode.l10n.t('Connected to SSO environment "{0}" (master secret server {1}: {2}).', envName, state.mssName, state.state)
        : vscode.l10n.t('Connected to SSO environment "{0}".', envName),
    );
    return;
  }
  const input = ctx.connection.statusInput();
  throw new SsoError(
    'ENTSSO_E_NOT_CONNECTED',
    vscode.l10n.t(
      'Could not connect to SSO environment "{0}": {1} It keeps retrying by itself.',
      envName,
      input?.connectionError ?? vscode.l10n.t('the SSO service did not answer.'),
    ),
  );
}

function waitForOutcome(connection: ConnectionManager, envName: string): Promise<boolean> {
  const decided = () => {
    if (connection.environment?.name !== envName) return undefined;
    if (connection.isConnected) return true;
    const input = connection.statusInput();
    return input?.phase === 'disconnected' && input.connectionError ? false : undefined;
  };
  const now = decided();
  if (now !== undefined) return Promise.resolve(now);
  return new Promise((resolve) => {
    const timer = setTimeout(() => finish(false), CONNECT_TIMEOUT_MS);
    const sub = connection.onDidChange(() => {
      const d = decided();
      if (d !== undefined) finish(d);
    });
    function finish(value: boolean) {
      clearTimeout(timer);
      sub.dispose();
      resolve(value);
    }
  });
}
