/**
 * The SSO service role at run time: opens SSODB, fetches the master secret from the MSS
 * named in SSODB, re-synchronises every sync interval (and at once when the MSS connection
 * drops), serves local clients, and pushes every state change to them.
 */
import { SsoError } from '../../protocol/errors';
import type { ServiceState } from '../../protocol/messages';
import type { TlsMaterial } from '../mss/tlsMaterial';
import { AccessToken } from '../rpc/accessToken';
import { RpcServer } from '../rpc/rpcServer';
import type { AuditRetention, SsoStore } from '../ssodb/store';
import { MssLink } from '../mss/mssLink';
import { ROLE_OPS, type MssOp, type MssOps } from '../mss/mssProtocol';
import { AuditSweeper } from './auditRetention';
import { SsoOperations } from './operations';
import type { HistorySettings } from './configHistory';
import { SecretCache } from './secretCache';

/** How soon a degraded service asks the MSS again (never later than its sync interval). */
const DEGRADED_RETRY_MS = 2000;

interface SsoServiceOptions {
  store: SsoStore;
  tls: TlsMaterial;
  /**
   * The MSS node certificate, when this service runs beside a node (same environment folder):
   * then it relays `mss.promote` / `mss.demote`, which the service certificate may not ask.
   */
  nodeTls?: TlsMaterial;
  socketPath: string;
  /** The environment's access-token file (0600): read at start, rewritten by token.rotate. */
  tokenFile: string;
  syncIntervalMs: number;
  environmentId: string;
  /** Configuration history retention (default: 20 versions, 365 days). */
  history?: HistorySettings;
  log: (message: string) => void;
  auditRetention: AuditRetention;
}

export class SsoService {
  readonly cache: SecretCache;
  readonly operations: SsoOperations;
  private readonly link: MssLink;
  private readonly nodeLink: MssLink | undefined;
  private readonly rpc: RpcServer;
  private readonly auditSweeper: AuditSweeper;
  private timer: NodeJS.Timeout | undefined;
  private syncing: Promise<void> | undefined;
  private lastPushed = '';
  private stopped = false;
  private retryTimer: NodeJS.Timeout | undefined;

  constructor(private readonly options: SsoServiceOptions) {
    this.cache = new SecretCache(options.syncIntervalMs);
    // A request to the MSS must fail well within one interval so that a paused MSS is noticed.
    this.link = new MssLink(options.tls, Math.max(500, Math.min(5000, Math.floor(options.syncIntervalMs / 2))));
    // Lifecycle operations run scrypt on the MSS: they get a longer timeout than a sync.
    this.nodeLink = options.nodeTls ? new MssLink(options.nodeTls, 60_000) : undefined;
    this.operations = new SsoOperations(options.store, this.cache, (op, params, node) => this.callMss(op, params, node), options.environmentId, {
      log: options.log,
      auditRetention: options.auditRetention,
      history: options.history,
      resyncSecrets: () => this.syncSoon(),
    });
    this.auditSweeper = new AuditSweeper(options.store, options.auditRetention, options.log);
    this.link.on('lost', () => void this.syncSoon());
    this.link.on('changed', () => void this.syncSoon());
    this.rpc = new RpcServer({
      socketPath: options.socketPath,
      accessToken: new AccessToken(options.tokenFile),
      operations: this.operations,
      currentState: () => this.cache.snapshot(),
      log: options.log,
    });
  }

  async start(): Promise<void> {
    await this.sync();
    await this.rpc.listen();
    this.auditSweeper.start();
    this.timer = setInterval(() => void this.sync(), this.options.syncIntervalMs);
    const s = this.cache.snapshot();
    this.options.log(`SSO service listening on ${this.options.socketPath}: ${s.state}`);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    clearTimeout(this.retryTimer);
    this.link.close();
    this.nodeLink?.close();
    await this.auditSweeper.stop();
    await this.syncing;
    await this.rpc.close();
  }

  /** An operation on the MSS, with the certificate whose role may ask it. */
  private callMss<K extends MssOp>(op: K, params: MssOps[K]['params'], node?: string): Promise<MssOps[K]['result']> {
    const address = node ?? this.cache.mssName;
    if (ROLE_OPS['sso-service'].has(op)) return this.link.request(address, op, params, 60_000);
    if (!this.nodeLink) {
      return Promise.reject(
        new SsoError('ENTSSO_E_ACCESS_DENIED', `This SSO service holds no MSS node certificate, so it cannot ask a node to "${op}". Run the command against an SSO service started from the environment folder of an MSS node.`),
      );
    }
    return this.nodeLink.request(address, op, params, 60_000);
  }

  /** One sync with SSODB and the MSS; concurrent callers share the one in flight. */
  sync(): Promise<void> {
    this.syncing ??= this.syncOnce().finally(() => {
      this.syncing = undefined;
    });
    return this.syncing;
  }

  private async syncSoon(): Promise<void> {
    if (this.stopped) return;
    await this.syncing;
    await this.sync();
  }

  private async syncOnce(): Promise<void> {
    const address = await this.readMssName();
    if (address !== undefined) {
      try {
        this.cache.onSynced(await this.link.getSecrets(address));
      } catch {
        this.cache.onMssUnreachable();
      }
    }
    this.pushIfChanged(this.cache.snapshot());
    this.retrySoonWhileDegraded();
  }

  /**
   * While the secret is only cached (or missing) every minute of waiting is a minute of refused
   * saves: try again every couple of seconds, not only at the next periodic sync.
   */
  private retrySoonWhileDegraded(): void {
    const degraded = this.cache.stateName === 'cached' || this.cache.stateName === 'no-secret' || this.cache.stateName === 'ssodb-unreachable';
    if (!degraded || this.stopped || this.retryTimer) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      if (!this.stopped) void this.sync();
    }, Math.min(this.options.syncIntervalMs, DEGRADED_RETRY_MS));
  }

  /** The MSS name comes from SSODB, as in ENTSSO, so a moved or failed-over MSS is found. */
  private async readMssName(): Promise<string | undefined> {
    try {
      const info = await this.options.store.getGlobalInfo();
      this.cache.onStoreReachable();
      this.cache.mssName = info.secretServer;
      return info.secretServer;
    } catch (err) {
      this.cache.onStoreUnreachable(err instanceof Error ? err.message : 'unknown error');
      return undefined;
    }
  }

  private pushIfChanged(state: ServiceState): void {
    const key = JSON.stringify({ ...state, lastSyncAt: undefined, message: undefined });
    if (key === this.lastPushed) return;
    this.lastPushed = key;
    // With the MSS it looked up: a failover shows when the service read the new node's name.
    this.options.log(`state: ${state.state} (MSS ${state.mssName})`);
    this.rpc.broadcastState(state);
  }
}
