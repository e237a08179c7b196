/**
 * The connection to the SSO service of the active environment: reads the settings, gets the
 * access token (SecretStorage, or a token file named in the settings), keeps one SsoClient
 * that reconnects by itself, and tells everyone about connection and service state changes.
 * For an environment of kind `entsso` it starts entsso-bridge.exe instead (no token) and logs its stderr.
 * Sets the context keys `entsso.configured`, `entsso.connected`, `entsso.localEnvironment`,
 * `entsso.entssoInstalled` and the `entsso.cannot.…` keys of what the backend does not serve.
 */
import * as l10n from '@vscode/l10n';
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import * as vscode from 'vscode';
import { SsoClient, type ConnectionStatus, type RequestOptions } from '../ssoClient/client';
import { SsoError } from '../protocol/errors';
import type { MethodName, ParamsOf, ResultOf, ServiceState } from '../protocol/messages';
import { capabilityContext, serves } from '../model/capabilities';
import type { StatusInput } from '../model/serviceStatus';
import { boundedBridgeLog } from './bridgeLog';
import { bridgeVersionKey, forgetBridgeVersionKey } from './bridgeVersionKey';
import { stateChangeLog } from './stateLog';
import { bridgeProcess, installedEntssoFolder } from './entssoBridge';
import { endpointOf, parseEnvironments, resolveActive, sameConnection, secretKeyFor, type EnvironmentSetting } from './environmentSettings';

const SECTION = 'entsso';
const CONNECT_WAIT_MS = 10_000;
/** A bridge that keeps dying is restarted at most this often. */
const BRIDGE_RESTART_MAX_DELAY_MS = 30_000;

export class ConnectionManager implements vscode.Disposable {
  private client: SsoClient | undefined;
  private env: EnvironmentSetting | undefined;
  private phase: ConnectionStatus = 'disconnected';
  private connectionError: string | undefined;
  private disconnectedSince: string | undefined;
  private generation = 0;
  private lastLoggedError: string | undefined;
  private readonly disposables: vscode.Disposable[] = [];
  /** Logs state changes of the current client, bounded; a new one per client. */
  private logState = stateChangeLog((line) => this.log.info(line));

  private readonly changeEmitter = new vscode.EventEmitter<void>();
  /** Connection phase, service state or active environment changed. */
  readonly onDidChange = this.changeEmitter.event;
  private readonly connectedEmitter = new vscode.EventEmitter<void>();
  /** Fired after every successful (re)connection: views reload what they show. */
  readonly onDidConnect = this.connectedEmitter.event;
  private readonly environmentEmitter = new vscode.EventEmitter<void>();
  /** The active environment changed (or its settings did). */
  readonly onDidChangeEnvironment = this.environmentEmitter.event;
  private readonly authEmitter = new vscode.EventEmitter<{ environment: string; error: SsoError }>();
  /** The service refused the token (or the protocol version): the client stopped retrying. */
  readonly onDidFailAuthentication = this.authEmitter.event;

  constructor(
    private readonly secrets: vscode.SecretStorage,
    private readonly log: vscode.LogOutputChannel,
    /** Where the bundled entsso-bridge.exe is (dist/ under it). */
    private readonly extensionPath = '',
  ) {
    this.disposables.push(
      this.changeEmitter,
      this.connectedEmitter,
      this.environmentEmitter,
      this.authEmitter,
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration(`${SECTION}.environments`) || e.affectsConfiguration(`${SECTION}.activeEnvironment`)) this.applySettings();
      }),
    );
  }

  /** Reads the settings and connects (asynchronously) to the active environment. Cheap. */
  start(): void {
    void vscode.commands.executeCommand('setContext', 'entsso.entssoInstalled', installedEntssoFolder() !== undefined);
    this.applySettings(true);
  }

  /** Whether the connected backend serves `method` (the own service serves all; the ENTSSO bridge says which). */
  serves(method: MethodName): boolean {
    return serves(this.client?.capabilities, method);
  }

  get environment(): EnvironmentSetting | undefined {
    return this.env;
  }

  get environments(): EnvironmentSetting[] {
    return this.readSettings().environments;
  }

  get connectionPhase(): ConnectionStatus {
    return this.phase;
  }

  get state(): ServiceState | undefined {
    return this.phase === 'connected' ? this.client?.state : undefined;
  }

  get isConnected(): boolean {
    return this.phase === 'connected';
  }

  /** Everything the status presentation needs; undefined when no environment is configured. */
  statusInput(now = new Date()): StatusInput | undefined {
    if (!this.env) return undefined;
    return {
      environment: this.env.name,
      socketPath: endpointOf(this.env),
      phase: this.phase,
      connectionError: this.phase === 'connected' ? undefined : this.connectionError,
      disconnectedSince: this.phase === 'connected' ? undefined : this.disconnectedSince,
      state: this.state,
      now,
    };
  }

  /** Sends a request to the active environment's service, waiting briefly for a connection in progress. */
  async request<M extends MethodName>(method: M, params: ParamsOf<M>, environment?: string): Promise<ResultOf<M>> {
    const client = await this.connectedClient(environment);
    return client.request(method, params);
  }

  /** A request to the active environment with its own timeout, or finishing when the connection closes (a field change). */
  async requestWith<M extends MethodName>(method: M, params: ParamsOf<M>, options: RequestOptions): Promise<ResultOf<M>> {
    const client = await this.connectedClient(undefined);
    return client.request(method, params, options);
  }

  /** What serves the active environment, once connected (`entsso-bridge`: Microsoft's ENTSSO). */
  get backend(): string | undefined {
    return this.client?.backend;
  }

  /**
   * A connection of its own to another configured environment, for one comparison or copy: it does
   * not reconnect and the caller closes it. The active environment's connection is not touched.
   */
  async openOther(name: string): Promise<SsoClient> {
    const env = this.readSettings().environments.find((e) => e.name.toLowerCase() === name.toLowerCase());
    if (!env) throw new SsoError('ENTSSO_E_NOT_CONNECTED', l10n.t('There is no environment "{0}" in the "entsso.environments" setting. Add it there, then try again.', name));
    let client: SsoClient;
    if (env.kind === 'entsso') {
      client = new SsoClient({ process: bridgeProcess(env, this.extensionPath), versionKey: await this.versionKeyFor(env), token: '', clientName: 'vscode', requestTimeoutMs: 60_000, onProcessLog: boundedBridgeLog((line) => this.log.info(`[entsso-bridge ${env.name}] ${line}`)) });
    } else {
      const token = await this.readToken(env);
      if (token === undefined) {
        throw new SsoError('ENTSSO_E_ACCESS_DENIED', l10n.t('No access token is stored for environment "{0}". Switch to it once with "SSO: Switch Environment…" and enter its token, or set "tokenFile" for it in the "entsso.environments" setting.', env.name));
      }
      client = new SsoClient({ socketPath: env.socketPath, token, clientName: 'vscode', requestTimeoutMs: 30_000 });
    }
    try {
      await client.connect();
    } catch (err) {
      client.close();
      throw err;
    }
    return client;
  }

  /** Connects again now (e.g. "Retry", or after the token was entered). */
  async reconnect(): Promise<void> {
    this.teardown();
    this.env = resolveActive(this.readSettings().environments, this.config().get('activeEnvironment'));
    this.setEnvironmentContext(this.env);
    this.environmentEmitter.fire();
    await this.connect().catch(() => undefined);
  }

  /** Stores a token in SecretStorage (never in settings, never logged). */
  async storeToken(environment: string, token: string): Promise<void> {
    await this.secrets.store(secretKeyFor(environment), token);
  }

  /** Removes an environment's token, and the bridge's row-version key, from SecretStorage (when the environment is removed). */
  async forgetToken(environment: string): Promise<void> {
    await this.secrets.delete(secretKeyFor(environment));
    await forgetBridgeVersionKey(this.secrets, environment);
  }

  dispose(): void {
    this.teardown();
    for (const d of this.disposables) d.dispose();
  }

  // ------------------------------------------------------------------ internals

  private config(): vscode.WorkspaceConfiguration {
    return vscode.workspace.getConfiguration(SECTION);
  }

  private readSettings() {
    return parseEnvironments(this.config().get('environments'));
  }

  private applySettings(initial = false): void {
    const { environments, problems } = this.readSettings();
    for (const p of problems) this.log.warn(`Settings: ${p}`);
    const next = resolveActive(environments, this.config().get('activeEnvironment'));
    this.setEnvironmentContext(next);
    if (!initial && sameConnection(next, this.env)) return;
    this.teardown();
    this.env = next;
    if (!initial) this.environmentEmitter.fire();
    this.changeEmitter.fire();
    if (next) void this.connect().catch(() => undefined);
    else if (environments.length > 1) this.log.info('Several environments are configured and none is active: run "SSO: Switch Environment…".');
  }

  /** `entsso.configured`; `entsso.localEnvironment` offers stopping and starting its local MSS. */
  private setEnvironmentContext(env: EnvironmentSetting | undefined): void {
    void vscode.commands.executeCommand('setContext', 'entsso.configured', env !== undefined);
    void vscode.commands.executeCommand('setContext', 'entsso.localEnvironment', env?.localDir !== undefined);
  }

  private setCapabilityContext(capabilities: readonly string[] | undefined): void {
    for (const [key, value] of Object.entries(capabilityContext(capabilities))) void vscode.commands.executeCommand('setContext', key, value);
  }

  private async connect(): Promise<void> {
    const env = this.env;
    if (!env) return;
    const generation = ++this.generation;
    this.setPhase('connecting');
    // Until the bridge says what it serves, offer nothing that needs a capability.
    this.setCapabilityContext(env.kind === 'entsso' ? [] : undefined);
    if (env.kind === 'entsso') return this.connectBridge(env, generation);
    let token: string | undefined;
    try {
      token = await this.readToken(env);
    } catch (err) {
      if (generation !== this.generation) return;
      const message = err instanceof SsoError ? err.message : l10n.t('The access token could not be read.');
      this.connectionError = message;
      this.disconnectedSince ??= new Date().toISOString();
      this.log.error(`Environment "${env.name}": ${message}`);
      this.setPhase('disconnected');
      throw err;
    }
    if (generation !== this.generation) return;
    if (token === undefined) {
      this.connectionError = l10n.t('No access token is stored for environment "{0}". Run "SSO: Connect to SSO Service…" to enter it, or set "tokenFile" for it in the "entsso.environments" setting.', env.name);
      this.disconnectedSince ??= new Date().toISOString();
      this.log.warn(this.connectionError);
      this.setPhase('disconnected');
      return;
    }
    const client = new SsoClient({ socketPath: env.socketPath, token, clientName: 'vscode', reconnect: true, requestTimeoutMs: 30_000, reconnectDelayMs: 1000, onProtocolWarning: (m) => this.log.warn(m) });
    this.client = client;
    this.logState = stateChangeLog((line) => this.log.info(line));
    client.on('connection', (status, error) => this.onConnection(client, env, status, error));
    client.on('state', (state) => this.onState(client, env, state));
    this.log.info(`Connecting to the SSO service of "${env.name}" at ${env.socketPath}`);
    try {
      await client.connect();
    } catch {
      // Reported through the 'connection' event; the client retries by itself.
    }
  }

  /** ENTSSO authorises by Windows account: no token; the client starts (and restarts) the bridge. */
  private async connectBridge(env: EnvironmentSetting, generation: number): Promise<void> {
    const spec = bridgeProcess(env, this.extensionPath);
    const versionKey = await this.versionKeyFor(env);
    if (generation !== this.generation) return;
    const client = new SsoClient({
      process: spec,
      versionKey,
      token: '',
      clientName: 'vscode',
      reconnect: true,
      requestTimeoutMs: 60_000,
      reconnectDelayMs: 1000,
      reconnectMaxDelayMs: BRIDGE_RESTART_MAX_DELAY_MS,
      onProcessLog: boundedBridgeLog((line) => this.log.info(`[entsso-bridge] ${line}`)),
      onProtocolWarning: (m) => this.log.warn(`[entsso-bridge] ${m}`),
    });
    this.client = client;
    this.logState = stateChangeLog((line) => this.log.info(line));
    client.on('connection', (status, error) => this.onConnection(client, env, status, error));
    client.on('state', (state) => this.onState(client, env, state));
    this.log.info(`Connecting to ${endpointOf(env)} for "${env.name}": ${[spec.command, ...spec.args].join(' ')}`);
    try {
      await client.connect();
    } catch {
      // Reported through the 'connection' event; the client restarts the bridge by itself.
    }
  }

  private onConnection(client: SsoClient, env: EnvironmentSetting, status: ConnectionStatus, error: SsoError | undefined): void {
    if (client !== this.client) return;
    if (status === 'connected') {
      this.connectionError = undefined;
      this.disconnectedSince = undefined;
      this.lastLoggedError = undefined;
      this.log.info(`Connected to the SSO service of "${env.name}"${client.backend === 'entsso-bridge' ? ' (Enterprise SSO through entsso-bridge.exe)' : ''}.`);
      this.setCapabilityContext(client.capabilities);
      this.setPhase('connected');
      this.connectedEmitter.fire();
      return;
    }
    let news = false;
    if (status === 'disconnected') {
      if (error) this.connectionError = error.message;
      if (!this.disconnectedSince) {
        this.disconnectedSince = new Date().toISOString();
        news = true;
      }
      if (error && error.message !== this.lastLoggedError) {
        news = true;
        this.lastLoggedError = error.message;
        this.log.warn(`SSO service of "${env.name}": ${error.message} [${error.code}]`);
      }
      if (error && (error.code === 'ENTSSO_E_ACCESS_DENIED' || error.code === 'ENTSSO_E_UNSUPPORTED_VERSION')) {
        // Retrying with the same token or protocol cannot succeed.
        client.close();
        this.authEmitter.fire({ environment: env.name, error });
      }
    }
    this.setPhase(status === 'connecting' && this.disconnectedSince ? 'disconnected' : status, news);
  }

  private onState(client: SsoClient, env: EnvironmentSetting, state: ServiceState): void {
    if (client !== this.client) return;
    this.logState(env.name, state);
    this.changeEmitter.fire();
  }

  private setPhase(phase: ConnectionStatus, force = true): void {
    const changed = phase !== this.phase;
    this.phase = phase;
    if (changed) void vscode.commands.executeCommand('setContext', 'entsso.connected', phase === 'connected');
    if (changed || force) this.changeEmitter.fire();
  }

  private teardown(): void {
    this.generation++;
    const client = this.client;
    this.client = undefined;
    client?.removeAllListeners();
    client?.close();
    this.connectionError = undefined;
    this.disconnectedSince = undefined;
    this.lastLoggedError = undefined;
    if (this.phase !== 'disconnected') {
      this.phase = 'disconnected';
      void vscode.commands.executeCommand('setContext', 'entsso.connected', false);
    }
  }

  /** The bridge's row-version key of `env`; without SecretStorage, none (each bridge then makes its own, and a restart makes open documents conflict). */
  private async versionKeyFor(env: EnvironmentSetting): Promise<string | undefined> {
    try {
      return await bridgeVersionKey(this.secrets, env.name);
    } catch (err) {
      this.log.warn(`"${env.name}": no row-version key in SecretStorage (${String(err)}): open documents conflict after a bridge restart.`);
      return undefined;
    }
  }

  private async readToken(env: EnvironmentSetting): Promise<string | undefined> {
    if (env.tokenFile) {
      const path = env.tokenFile.startsWith('~/') ? homedir() + env.tokenFile.slice(1) : env.tokenFile;
      try {
        const token = (await readFile(path, 'utf8')).trim();
        if (!token) throw new SsoError('ENTSSO_E_ACCESS_DENIED', l10n.t('The token file {0} of environment "{1}" is empty. Point "tokenFile" at the access-token file of the SSO environment.', path, env.name));
        return token;
      } catch (err) {
        if (err instanceof SsoError) throw err;
        const code = (err as NodeJS.ErrnoException).code ?? l10n.t('unknown error');
        throw new SsoError('ENTSSO_E_ACCESS_DENIED', l10n.t('The token file {0} of environment "{1}" cannot be read ({2}). Fix "tokenFile" in the "entsso.environments" setting, or remove it and run "SSO: Connect to SSO Service…" to store the token securely.', path, env.name, code));
      }
    }
    return this.secrets.get(secretKeyFor(env.name));
  }

  private async connectedClient(environment: string | undefined): Promise<SsoClient> {
    const env = this.env;
    if (!env) {
      throw new SsoError('ENTSSO_E_NOT_CONNECTED', l10n.t('No SSO environment is connected. Run "SSO: Connect to SSO Service…" (or "SSO: Switch Environment…" when several are configured).'));
    }
    if (environment !== undefined && environment.toLowerCase() !== env.name.toLowerCase()) {
      throw new SsoError(
        'ENTSSO_E_WRONG_ENVIRONMENT',
        l10n.t('This belongs to environment "{0}", but the explorer is connected to "{1}". Run "SSO: Switch Environment…" to switch to "{0}".', environment, env.name),
      );
    }
    if (this.phase !== 'connected') await this.waitForConnection(CONNECT_WAIT_MS);
    const client = this.client;
    if (!client || this.phase !== 'connected') throw new SsoError('ENTSSO_E_NOT_CONNECTED', this.unreachableMessage(env.name));
    return client;
  }

  /** Why a request cannot be sent while the service is unreachable; says that reconnecting is automatic, once. */
  private unreachableMessage(environment: string): string {
    const reason = this.connectionError;
    if (!reason) return l10n.t('The SSO service of "{0}" is not reachable: it does not answer. The explorer reconnects by itself when the service is back.', environment);
    if (reason.includes('reconnects by itself')) return l10n.t('The SSO service of "{0}" is not reachable: {1}', environment, reason);
    return l10n.t('The SSO service of "{0}" is not reachable: {1} The explorer reconnects by itself when the service is back.', environment, reason);
  }

  private waitForConnection(timeoutMs: number): Promise<void> {
    // Only a first connection in progress is worth waiting for; a known outage fails fast.
    if (this.phase !== 'connecting') return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, timeoutMs);
      const sub = this.onDidChange(() => {
        if (this.phase === 'connected') done();
      });
      function done() {
        clearTimeout(timer);
        sub.dispose();
        resolve();
      }
    });
  }
}
