/**
 * Connection commands: "SSO: Connect to SSO Service…" (name, socket path, token → SecretStorage;
 * where Enterprise SSO is installed, "This machine's Enterprise SSO" is offered first, with nothing
 * to type), "SSO: Connect to This Machine's Enterprise SSO", "SSO: Switch Environment…", retrying
 * the connection, and "SSO: Show Log".
 */
import { stat } from 'node:fs/promises';
import * as vscode from 'vscode';
import type { ConnectionManager } from '../connection/connectionManager';
import { LOCAL_ENTSSO_LABEL, LOCAL_ENTSSO_NAME, installedEntssoFolder } from '../connection/entssoBridge';
import { checkEnvironmentName, endpointOf, parseEnvironments, toSettingValue, upsertEnvironment, type EnvironmentSetting } from '../connection/environmentSettings';
import { SsoError } from '../ssoClient/errors';
import { UserCancelled, registerCommand, showError, type CommandContext } from './commandRunner';

export interface ConnectionCommandsContext extends CommandContext {
  readonly connection: ConnectionManager;
}

const CONNECT_TIMEOUT_MS = 15_000;

export function registerConnectionCommands(ctx: ConnectionCommandsContext): vscode.Disposable[] {
  return [
    registerCommand(ctx, 'entsso.connect', () => connect(ctx)),
    registerCommand(ctx, 'entsso.connectThisMachine', () => connectThisMachine(ctx)),
    registerCommand(ctx, 'entsso.switchEnvironment', () => switchEnvironment(ctx)),
    registerCommand(ctx, 'entsso.retryConnection', () => retryConnection(ctx)),
    registerCommand(ctx, 'entsso.showLog', () => ctx.log.show()),
    ctx.connection.onDidFailAuthentication(({ environment, error }) => {
      showError(ctx, `${error.message} (environment "${environment}")`, [{ title: 'Connect…', command: 'entsso.connect' }]);
    }),
  ];
}

async function connect(ctx: ConnectionCommandsContext): Promise<void> {
  const entssoFolder = installedEntssoFolder();
  if (entssoFolder && (await pickThisMachine(entssoFolder))) return connectThisMachine(ctx);
  const current = ctx.connection.environment;
  const title = 'Connect to SSO Service';
  const name = await vscode.window.showInputBox({
    title: `${title} (1/3)`,
    prompt: 'A name for this SSO environment, for example dev, test or prod.',
    value: current?.name ?? 'dev',
    ignoreFocusOut: true,
    validateInput: (v) => checkEnvironmentName(v),
  });
  if (name === undefined) throw new UserCancelled();
  const existing = ctx.connection.environments.find((e) => e.name.toLowerCase() === name.trim().toLowerCase());
  const socketPath = await vscode.window.showInputBox({
    title: `${title} (2/3)`,
    prompt: 'Path of the SSO service socket: <environment folder>/run/ssod.sock, as printed by "ssoctl init".',
    value: existing?.socketPath ?? '',
    ignoreFocusOut: true,
    validateInput: async (v) => {
      if (!v.trim()) return 'Enter the socket path of the SSO service.';
      try {
        const s = await stat(v.trim());
        if (!s.isSocket()) return { message: 'This is not a socket. Enter the path of the SSO service socket (run/ssod.sock).', severity: vscode.InputBoxValidationSeverity.Warning };
      } catch {
        return { message: 'Nothing is listening there right now (is the SSO service running?). You can still save it.', severity: vscode.InputBoxValidationSeverity.Warning };
      }
      return undefined;
    },
  });
  if (socketPath === undefined) throw new UserCancelled();
  const token = await vscode.window.showInputBox({
    title: `${title} (3/3)`,
    prompt: 'The access token of the SSO environment (the content of its access-token file). It is kept in VS Code\'s secret storage, never in settings.',
    password: true,
    ignoreFocusOut: true,
    validateInput: (v) => (v.trim() ? undefined : 'Enter the access token.'),
  });
  if (token === undefined) throw new UserCancelled();

  const envName = name.trim();
  await ctx.connection.storeToken(envName, token.trim());
  const { environments } = parseEnvironments(vscode.workspace.getConfiguration('entsso').get('environments'));
  // A token typed here replaces a token file: SecretStorage is used from now on.
  await saveAndActivate(upsertEnvironment(environments, { name: envName, socketPath: socketPath.trim() }), envName);
  ctx.log.info(`Environment "${envName}" saved (socket ${socketPath.trim()}); its token is in secret storage.`);
  void ctx.connection.reconnect();
  await connectAndReport(ctx, envName);
}

/** True for "This machine's Enterprise SSO", false for a socket of this project's service. */
async function pickThisMachine(entssoFolder: string): Promise<boolean> {
  type Item = vscode.QuickPickItem & { thisMachine: boolean };
  const items: Item[] = [
    { label: LOCAL_ENTSSO_LABEL, description: 'nothing to type', detail: `Enterprise SSO installed in ${entssoFolder}, through the bundled entsso-bridge.exe; your Windows account decides what you may do.`, iconPath: new vscode.ThemeIcon('vm'), thisMachine: true },
    { label: 'An SSO service of this project…', detail: 'Its socket path and access token, as printed by "ssoctl init".', iconPath: new vscode.ThemeIcon('plug'), thisMachine: false },
  ];
  const picked = await vscode.window.showQuickPick(items, { title: 'Connect to SSO Service', placeHolder: 'Which SSO service should the explorer show?', ignoreFocusOut: true });
  if (!picked) throw new UserCancelled();
  return picked.thisMachine;
}

/** Saves (once) and activates the environment of kind `entsso`; an existing one keeps its settings (e.g. a stand-in's bridge). */
async function connectThisMachine(ctx: ConnectionCommandsContext): Promise<void> {
  const environments = ctx.connection.environments;
  const existing = environments.find((e) => e.kind === 'entsso');
  const env: EnvironmentSetting = existing ?? { name: LOCAL_ENTSSO_NAME, socketPath: '', kind: 'entsso' };
  if (!existing && environments.some((e) => e.name.toLowerCase() === env.name.toLowerCase())) {
    throw new SsoError('ENTSSO_E_ENVIRONMENT_EXISTS', `An environment named "${env.name}" is configured already for another SSO service. Rename it in the "entsso.environments" setting, then try again.`);
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
    description: e.name === active ? '(active)' : undefined,
    detail: `${endpointOf(e)}${e.description ? ` · ${e.description}` : ''}${e.tokenFile ? ` · token from ${e.tokenFile}` : ''}`,
    iconPath: new vscode.ThemeIcon(e.name === active ? 'check' : 'server-environment'),
    env: e.name,
  }));
  if (items.length) items.push({ label: '', kind: vscode.QuickPickItemKind.Separator });
  items.push({ label: 'Connect to Another SSO Service…', iconPath: new vscode.ThemeIcon('plug'), connectNew: true });
  const picked = await vscode.window.showQuickPick(items, {
    title: 'Switch SSO Environment',
    placeHolder: envs.length ? 'Pick the environment the explorer shows' : 'No environment is configured yet',
  });
  if (!picked) throw new UserCancelled();
  if (picked.connectNew) return connect(ctx);
  if (!picked.env) return;
  if (picked.env !== active) await vscode.workspace.getConfiguration('entsso').update('activeEnvironment', picked.env, vscode.ConfigurationTarget.Global);
  void ctx.connection.reconnect();
  await connectAndReport(ctx, picked.env);
}

async function retryConnection(ctx: ConnectionCommandsContext): Promise<void> {
  const env = ctx.connection.environment;
  if (!env) return connect(ctx);
  void ctx.connection.reconnect();
  await connectAndReport(ctx, env.name);
}

/** Waits until the environment is connected (or fails) and says so. */
export async function connectAndReport(ctx: ConnectionCommandsContext, envName: string): Promise<void> {
  const ok = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Connecting to SSO environment "${envName}"…` },
    () => waitForOutcome(ctx.connection, envName),
  );
  if (ok) {
    const state = ctx.connection.state;
    void vscode.window.showInformationMessage(`Connected to SSO environment "${envName}"${state ? ` (master secret server ${state.mssName}: ${state.state})` : ''}.`);
    return;
  }
  const input = ctx.connection.statusInput();
  throw new SsoError(
    'ENTSSO_E_NOT_CONNECTED',
    `Could not connect to SSO environment "${envName}": ${input?.connectionError ?? 'the SSO service did not answer.'} It keeps retrying by itself.`,
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
