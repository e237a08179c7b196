/**
 * A master secret server node on the network: mutual TLS with the environment's CA (TLS
 * itself refuses clients without a CA-issued certificate, expired or foreign ones), one JSON
 * line per request, answered by the SecretAuthority.
 *
 * Several nodes may run per environment: the one holding the SSODB lease is active and serves;
 * the others are standby, keep a copy of the secrets (fetched from the active node over the
 * same channel) and take over when the lease expires. A single node is simply always active.
 * Connected services are told at once when the secret or the re-encryption state changes.
 */
import type * as net from 'node:net';
import * as tls from 'node:tls';
import { SsoError } from '../../protocol/errors';
import { FrameTooLargeError, LineDecoder, encodeLine } from '../../protocol/jsonLines';
import type { SsoStore } from '../ssodb/store';
import { Leadership, type Role } from './leadership';
import { MssLink } from './mssLink';
import { ANY_ROLE_OPS, ROLE_OPS, toWire, type MssOp, type MssOps, type MssRequest, type MssResponse } from './mssProtocol';
import { SecretAuthority } from './secretAuthority';
import { RateLimitedLog } from '../rateLimitedLog';
import { certificateRole, type CertificateRole } from '../crypto/pki';
import { escapeUnsafeCharacters } from '../../protocol/untrustedText';
import { errorCodeOf } from './errorCode';
import { isLeaseNotHeld } from '../ssodb/schema/storeErrors';
import type { TlsMaterial } from './tlsMaterial';

export interface LeaseTiming {
  ttlMs: number;
  renewMs: number;
  graceMs: number;
}

/** A node stops serving within 5 s of losing SSODB; a standby takes over within about 7 s. */
export const DEFAULT_LEASE: LeaseTiming = { ttlMs: 5000, renewMs: 1000, graceMs: 1000 };

/** Each node records itself in SSOX_MssNodes every this many renewal periods. */
const NODE_RECORD_PERIODS = 5;

interface MssServerOptions {
  vaultDir: string;
  environmentId: string;
  store: SsoStore;
  tls: TlsMaterial;
  /** Client certificate (role mss-node) a node presents to another: a standby's sync, a promote's demote. */
  clientTls: TlsMaterial;
  host: string;
  port: number;
  lease?: LeaseTiming;
  reencryptBatchRows?: number;
  log: (message: string) => void;
}

/** Requests are short JSON lines (a backup file to verify or restore is the largest). */
const MAX_REQUEST_BYTES = 1024 * 1024;
/**
 * Anyone who can reach the TCP port can open a connection: one that has not finished its TLS
 * handshake within this time is closed (Node's default is 120 s).
 */
export const MSS_HANDSHAKE_TIMEOUT_MS = 10_000;
/** Past this many unfinished handshakes a new connection closes the oldest, so idle ones cannot lock services out. */
export const MSS_MAX_PENDING_HANDSHAKES = 64;
/** Refused TLS clients are logged at most this often, with a count of the others: a log is bounded too. */
const REFUSAL_LOG_INTERVAL_MS = 10_000;

type OpHandler<K extends MssOp> = (params: Record<string, unknown>) => Promise<MssOps[K]['result']>;

export class MssServer {
  readonly authority: SecretAuthority;
  readonly leadership: Leadership;
  private readonly peers: MssLink;
  private server: tls.Server | undefined;
  private sockets = new Set<tls.TLSSocket>();
  private standbyTimer: NodeJS.Timeout | undefined;
  private syncingFromActive: Promise<void> | undefined;
  private periods = 0;
  private boundPort: number | undefined;
  /** TCP connections whose TLS handshake has not finished, oldest first, by peer address. */
  private readonly handshaking = new Map<string, { raw: net.Socket; timer: NodeJS.Timeout }>();
  private readonly refusalLog: RateLimitedLog;
  /** Connections dropped after an unexpected error: bounded across connections too. */
  private readonly peerLog: RateLimitedLog;
  /** A standby that cannot copy the secrets from the active node (every renewal period): said once a while. */
  private readonly syncLog: RateLimitedLog;
  /** An active node that SSODB does not name (checked every fifth period): said once a while. */
  private readonly republishLog: RateLimitedLog;
  /** The takeover's activation finished and the node is still active: the safety net may look. */
  private activated = false;
  /** Restores and rotations asked for and not answered: the safety net publishes nothing meanwhile. */
  private secretChangesInFlight = 0;
  /** The safety net's publication under way, if any: a secret change waits for it. */
  private republishing: Promise<void> | undefined;
  /** Why the takeovers since the last successful one failed, as logged: a retry failing the same way is not logged again. */
  private failedTakeoverSaid: string | undefined;

  constructor(private readonly options: MssServerOptions) {
    const lease = options.lease ?? DEFAULT_LEASE;
    this.refusalLog = new RateLimitedLog(options.log, REFUSAL_LOG_INTERVAL_MS);
    this.peerLog = new RateLimitedLog(options.log, REFUSAL_LOG_INTERVAL_MS);
    this.syncLog = new RateLimitedLog(options.log, REFUSAL_LOG_INTERVAL_MS);
    this.republishLog = new RateLimitedLog(options.log, REFUSAL_LOG_INTERVAL_MS);
    // The node's name includes the port it is bound to, known only after listen() when it is 0.
    const nodeName = () => this.name;
    this.authority = new SecretAuthority({
      vaultDir: options.vaultDir,
      store: options.store,
      environmentId: options.environmentId,
      get name() {
        return nodeName();
      },
      reencryptBatchRows: options.reencryptBatchRows,
      log: options.log,
      onChanged: () => this.notifyChanged(),
      // Nodes record themselves every fifth renewal period: alive means seen within three of those.
      peerAliveWindowMs: 3 * NODE_RECORD_PERIODS * lease.renewMs,
      onStoppedServing: (reason) => this.giveUpLeaseAfterStoppingServing(reason),
    });
    this.leadership = new Leadership({
      get node() {
        return nodeName();
      },
      lease: options.store,
      ...lease,
      log: options.log,
    });
    this.leadership.on('role', (role) => void this.onRole(role));
    this.peers = new MssLink(options.clientTls, Math.max(500, lease.renewMs * 2));
    this.peers.on('changed', () => void this.syncFromActive());
  }

  /** host:port as published in SSODB: with port 0, the port actually bound (services connect to it). */
  get name(): string {
    return `${this.options.host}:${this.boundPort ?? this.options.port}`;
  }

  async start(): Promise<void> {
    await this.authority.openVault();
    const server = tls.createServer(
      {
        ca: this.options.tls.ca,
        cert: this.options.tls.cert,
        key: this.options.tls.key,
        requestCert: true,
        rejectUnauthorized: true,
        minVersion: 'TLSv1.2',
        handshakeTimeout: MSS_HANDSHAKE_TIMEOUT_MS,
      },
      (socket) => this.accept(socket),
    );
    server.on('connection', (raw: net.Socket) => this.trackHandshake(raw));
    server.on('tlsClientError', (err) => this.refusalLog.write(`refused a TLS client: ${errorCodeOf(err)}`));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.options.port, this.options.host, () => {
        server.off('error', reject);
        this.boundPort = (server.address() as net.AddressInfo).port;
        resolve();
      });
    });
    this.server = server;
    await this.leadership.start();
    await this.recordNode();
    this.standbyTimer = setInterval(() => void this.onRenewalPeriod(), (this.options.lease ?? DEFAULT_LEASE).renewMs);
    const holding = this.authority.holdsSecret ? `secret ${this.authority.secrets().current.msid}` : 'no secret yet';
    this.options.log(`master secret server node ${this.name} listening, ${this.leadership.currentRole} (${holding})`);
  }

  async close(): Promise<void> {
    clearInterval(this.standbyTimer);
    this.peers.close();
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
    for (const key of [...this.handshaking.keys()]) {
      this.handshaking.get(key)?.raw.destroy();
      this.handshakeDone(key);
    }
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
    await this.authority.stop();
    await this.leadership.stop();
  }

  private async onRole(role: Role): Promise<void> {
    this.activated = false;
    if (role === 'active') {
      try {
        await this.authority.activate();
        this.activated = this.leadership.currentRole === 'active';
        this.failedTakeoverSaid = undefined;
      } catch (err) {
        await this.standAside(err);
      }
    } else {
      this.authority.deactivate();
    }
    await this.recordNode(role === 'active' ? Date.now() : null);
    this.notifyChanged();
  }

  /**
   * The node took the lease but could not become the active one (SSODB refused the publication,
   * or the authority refused to serve): holding the lease would only block a node that can. It is
   * given up and taken again after the hold-off if no other node has; said when the reason
   * changes, not at every retry (one every hold-off while SSODB refuses writes).
   */
  private async standAside(err: unknown): Promise<void> {
    const code = errorCodeOf(err);
    const say = this.failedTakeoverSaid !== code;
    this.failedTakeoverSaid = code;
    if (say) this.options.log(failedTakeoverMessage(code, Math.ceil(this.leadership.demotionHoldOffMs / 1000)));
    try {
      await this.leadership.demote();
    } catch (releaseErr) {
      // Standby all the same (demote() sees to it): the lease row expires by itself.
      const ttlSeconds = Math.ceil((this.options.lease ?? DEFAULT_LEASE).ttlMs / 1000);
      if (say) this.options.log(`this node could not give the lease up in SSODB either (${errorCodeOf(releaseErr)}): it serves nothing, and the lease expires by itself within ${ttlSeconds} s`);
    }
  }

  /**
   * The active node's authority turned itself off: SSODB's lease fence refused its publication (the
   * lease had run out there: a renewal and the publication stalled, or SSODB's clock is ahead of
   * this node's), or a restore published late would strand rows (logged by the authority).
   * Renewing its own lease, the node would stay "active" and never activate again, so it gives the
   * lease up; after the hold-off it takes it again (a fresh activation judges and publishes) unless
   * another node has. A takeover's own activation is handled by onRole (standAside), not here.
   */
  private giveUpLeaseAfterStoppingServing(reason: SsoError): void {
    if (!this.activated) return;
    this.activated = false;
    const holdOffSeconds = Math.ceil(this.leadership.demotionHoldOffMs / 1000);
    const why = isLeaseNotHeld(reason) ? `SSODB refused this node's publication: it no longer counted this node as the lease holder` : `this node stopped serving`;
    this.options.log(
      `${why} (${reason.code}). This node gives the lease up and tries to take it again in ${holdOffSeconds} s unless another node has it; a new activation then judges and publishes its secret`,
    );
    this.leadership.demote().catch((err: unknown) => this.leaseNotReleased(err));
  }

  /**
   * SSODB refused to release the lease of a demotion: the node is standby all the same (demote()
   * sees to it) and the lease row expires by itself. Logged by code: SSODB's text is not the log's.
   */
  private leaseNotReleased(err: unknown): void {
    const ttlSeconds = Math.ceil((this.options.lease ?? DEFAULT_LEASE).ttlMs / 1000);
    this.options.log(`this node could not give the lease up in SSODB (${errorCodeOf(err)}): it is standby and serves nothing, and the lease expires by itself within ${ttlSeconds} s`);
  }

  private async recordNode(takeoverAt: number | null = null): Promise<void> {
    await this.options.store
      .recordMssNode({ name: this.name, role: this.leadership.currentRole, lastSeenAt: Date.now(), lastTakeoverAt: takeoverAt })
      .catch(() => undefined);
  }

  /**
   * Every renewal period: a standby keeps its copy of the secrets current. Every fifth: each node
   * says it is alive, and the active node resumes a re-encryption an SSODB fault interrupted.
   */
  private async onRenewalPeriod(): Promise<void> {
    // Liveness is for people (`ssoctl mss list`): every fifth period is plenty, and spares SSODB writes.
    if (++this.periods % NODE_RECORD_PERIODS === 0) {
      await this.recordNode();
      if (this.leadership.isActive()) {
        await this.publishAgainIfNotNamed();
        this.authority.resumeReencryptionIfNeeded();
      }
    }
    if (this.leadership.currentRole === 'standby') await this.syncFromActive();
  }

  /**
   * Safety net: an active node that SSODB does not name (its takeover's publication failed, a node
   * that lost the lease published late, …) is looked up by no service. It publishes itself again,
   * through the takeover's own checks, never while a restore or rotation is under way.
   */
  private async publishAgainIfNotNamed(): Promise<void> {
    if (!this.activated || this.republishing || this.secretChangesInFlight > 0 || !this.authority.holdsSecret) return;
    let named: string | null;
    try {
      named = (await this.options.store.getGlobalInfo()).secretServer;
    } catch {
      return; // SSODB unreachable: the lease's renewal says so, and this is tried again in five periods.
    }
    if (named === this.name || !this.activated || !this.leadership.isActive() || this.republishing || this.secretChangesInFlight > 0) return;
    this.republishLog.write(
      `SSODB names ${named ? escapeUnsafeCharacters(named.slice(0, 300)) : 'no node'} as the master secret server, not this active node ${this.name}: this node publishes itself again`,
    );
    this.republishing = this.republish().finally(() => {
      this.republishing = undefined;
    });
    await this.republishing;
  }

  /** The takeover's checks and publication, again; refused as at a takeover, the lease is given up. */
  private async republish(): Promise<void> {
    try {
      await this.authority.activate();
    } catch (err) {
      // Lost the lease meanwhile (standby already), or refused by the lease fence (given up already).
      if (this.leadership.currentRole !== 'active' || !this.activated) return;
      this.activated = false;
      await this.standAside(err);
    }
  }

  /** A restore or rotation: waits for the safety net's publication, and holds the next one off until answered. */
  private async secretChange<T>(change: () => Promise<T>): Promise<T> {
    await this.republishing;
    this.secretChangesInFlight++;
    try {
      return await change();
    } finally {
      this.secretChangesInFlight--;
    }
  }

  private syncFromActive(): Promise<void> {
    this.syncingFromActive ??= (async () => {
      if (this.leadership.currentRole !== 'standby') return;
      const active = (await this.options.store.getGlobalInfo()).secretServer;
      if (!active || active === this.name) return;
      const { current, previous, unpublishedRestore } = await this.peers.getSecrets(active);
      // Another node serves: a later failed takeover of this one is news again.
      this.failedTakeoverSaid = undefined;
      await this.authority.adoptSecrets({ current, previous }, unpublishedRestore);
    })()
      // The active node may be down (that is what the lease is for), or out of this node's reach
      // (certificates, network): said, so that a standby left behind does not go unnoticed.
      .catch((err: unknown) => this.syncLog.write(`standby could not copy the secrets from the active node: ${errorCodeOf(err)}`))
      .finally(() => {
        this.syncingFromActive = undefined;
      });
    return this.syncingFromActive;
  }

  private notifyChanged(): void {
    const line = encodeLine({ event: 'changed' });
    for (const s of this.sockets) if (!s.destroyed) s.write(line);
  }

  private readonly handlers: { [K in MssOp]: OpHandler<K> } = {
    getSecrets: async () => {
      const { current, previous } = this.authority.secrets();
      const unpublishedRestore = await this.authority.restoreLeftUnpublished();
      return { current: toWire(current), previous: previous ? toWire(previous) : undefined, reencrypt: this.authority.progress, server: this.name, unpublishedRestore };
    },
    backup: async (p) => this.authority.backup(str(p.password), str(p.reminder), p.confirmWrite === true),
    backupWritten: async (p) => this.authority.backupWritten(Array.isArray(p.msids) ? p.msids.map(str) : []),
    verify: async (p) => this.authority.verify(str(p.file), str(p.password)),
    restore: async (p) => this.secretChange(() => this.authority.restore(str(p.file), str(p.password), p.allowForeignEnvironment === true)),
    prepareRotation: async (p) => this.authority.prepareRotation(str(p.password), str(p.reminder)),
    commitRotation: async (p) => this.secretChange(() => this.authority.commitRotation(str(p.newMsid))),
    nodeStatus: async () => ({
      name: this.name,
      role: this.leadership.isActive() ? 'active' : 'standby',
      holdsSecret: this.authority.holdsSecret,
      msid: this.authority.holdsSecret ? this.authority.secrets().current.msid : undefined,
    }),
    // The asking node hears this node's role: standby even when SSODB refused the release, whose
    // error (and its text) stays here (leaseNotReleased).
    demote: async () => {
      if (this.leadership.isActive()) await this.leadership.demote().catch((err: unknown) => this.leaseNotReleased(err));
      return { name: this.name, role: this.leadership.currentRole };
    },
    promote: async () => {
      if (!this.leadership.isActive()) {
        if (!this.authority.holdsSecret) throw new SsoError('ENTSSO_E_NO_SECRET', `Node ${this.name} holds no master secret yet; it cannot become active.`);
        // The lease holder, not the node SSODB names: they differ when a takeover could not publish itself.
        const holder = (await this.options.store.getLease()).holder;
        if (holder && holder !== this.name) await this.peers.request(holder, 'demote', {}).catch(() => undefined);
        await this.leadership.tick();
      }
      return { name: this.name, role: this.leadership.currentRole };
    },
  };

  /**
   * TLS's own handshakeTimeout only runs once the peer has sent something; a peer that sends
   * nothing at all is closed by this timer.
   */
  private trackHandshake(raw: net.Socket): void {
    const key = peerKey(raw);
    if (this.handshaking.size >= MSS_MAX_PENDING_HANDSHAKES) {
      const oldestKey = this.handshaking.keys().next().value as string;
      this.handshaking.get(oldestKey)?.raw.destroy();
      this.handshakeDone(oldestKey);
      this.refusalLog.write(`too many unfinished TLS handshakes (${MSS_MAX_PENDING_HANDSHAKES}): closed the oldest`);
    }
    const timer = setTimeout(() => raw.destroy(), MSS_HANDSHAKE_TIMEOUT_MS);
    this.handshaking.set(key, { raw, timer });
    raw.once('close', () => {
      if (this.handshaking.get(key)?.raw === raw) this.handshakeDone(key);
    });
  }

  private handshakeDone(key: string): void {
    clearTimeout(this.handshaking.get(key)?.timer);
    this.handshaking.delete(key);
  }

  private accept(socket: tls.TLSSocket): void {
    this.handshakeDone(peerKey(socket));
    this.sockets.add(socket);
    const peer: Peer = { role: certificateRole(socket.getPeerCertificate().subject as { OU?: string | string[] } | undefined), refusalLogged: false };
    const drop = (err: unknown) => {
      this.peerLog.write(`dropped a master secret server connection after an unexpected error: ${err instanceof Error ? err.name : typeof err}`);
      socket.destroy();
    };
    const decoder = new LineDecoder((line) => this.onLine(socket, line, peer).catch(drop), MAX_REQUEST_BYTES);
    socket.on('data', (data) => {
      try {
        decoder.push(data);
      } catch (err) {
        if (err instanceof FrameTooLargeError) socket.destroy();
        else drop(err);
      }
    });
    socket.on('error', () => undefined);
    socket.on('close', () => this.sockets.delete(socket));
  }

  private async onLine(socket: tls.TLSSocket, line: string, peer: Peer): Promise<void> {
    let request: unknown;
    try {
      request = JSON.parse(line);
    } catch {
      socket.destroy();
      return;
    }
    const response = await this.handle(request, peer);
    if (!socket.destroyed) socket.write(encodeLine(response));
  }

  /** Each certificate asks only what its role may (ROLE_OPS); certificates from before roles existed ask nothing. */
  private roleRefusal(peer: Peer, op: MssOp): MssResponse['error'] | undefined {
    const role = peer.role;
    if (role && ROLE_OPS[role].has(op)) return undefined;
    // Once per connection: a peer repeating a refused request must not grow the log.
    if (!peer.refusalLogged) this.options.log(`refused "${op}" to ${role ? describeRole(role) : 'a certificate without a role'} (further refusals on this connection are not logged)`);
    peer.refusalLogged = true;
    const message = role
      ? `The master secret server does not accept "${op}" from ${describeRole(role)}'s certificate. ` +
        (op === 'promote' || op === 'demote' ? 'Run "ssoctl mss promote|demote" through an SSO service that runs with the environment folder of an MSS node.' : 'Send it through an SSO service.')
      : 'This client certificate has no role (it was issued before MSS roles existed). Restart the SSO service and MSS nodes with this version of ssoctl: it issues role certificates.';
    return { code: 'ENTSSO_E_ACCESS_DENIED', message };
  }

  private async handle(raw: unknown, peer: Peer): Promise<MssResponse> {
    const request = typeof raw === 'object' && raw !== null && !Array.isArray(raw) ? (raw as Partial<Record<keyof MssRequest, unknown>>) : {};
    const id = typeof request.id === 'number' && Number.isFinite(request.id) ? request.id : 0;
    // `op` is type-checked before it is used as a key: a deep array would be stringified (and recurse) there.
    const op = typeof request.op === 'string' && Object.prototype.hasOwnProperty.call(this.handlers, request.op) ? (request.op as MssOp) : undefined;
    if (!op) return { id, error: { code: 'ENTSSO_E_INVALID_REQUEST', message: 'Unknown master secret server operation.' } };
    const handler = this.handlers[op] as OpHandler<MssOp>;
    const refusal = this.roleRefusal(peer, op);
    if (refusal) return { id, error: refusal };
    // Checked on every request: a node that was paused past its lease serves nothing.
    if (!ANY_ROLE_OPS.has(op) && !this.leadership.isActive()) {
      return { id, error: { code: 'ENTSSO_E_MSS_UNREACHABLE', message: `The master secret server node ${this.name} is standby, not the active node.` } };
    }
    const params = typeof request.params === 'object' && request.params !== null ? (request.params as Record<string, unknown>) : {};
    try {
      return { id, result: await handler(params) };
    } catch (err) {
      if (err instanceof SsoError) return { id, error: { code: err.code, message: err.message } };
      this.options.log(`internal error in ${op}: ${err instanceof Error ? err.name : typeof err}`);
      return { id, error: { code: 'ENTSSO_E_INTERNAL', message: 'The master secret server hit an unexpected error. See its log.' } };
    }
  }
}

/** A connected client: the role its certificate carries. */
interface Peer {
  readonly role: CertificateRole | undefined;
  refusalLogged: boolean;
}

function describeRole(role: CertificateRole): string {
  return role === 'mss-node' ? 'a master secret server node' : 'an SSO service';
}

function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

/**
 * The line a failed takeover leaves: what happened and what to do, by the error's code only (a
 * store's message may quote SQL Server's text). The authority logs itself why it refused to serve.
 */
function failedTakeoverMessage(code: string, holdOffSeconds: number): string {
  const retry = `it gave the lease up and tries to take it again every ${holdOffSeconds} s unless another node has it (retries failing the same way are not logged)`;
  if (code === 'ENTSSO_E_NO_SECRET') return `this node took the lease but does not serve (${code}: it lacks a master secret SSODB needs, as logged when found): ${retry}`;
  if (code === 'ENTSSO_E_MSS_UNREACHABLE') return `this node took the lease but SSODB no longer counted it as the holder when it published itself (${code}): ${retry}`;
  return (
    `this node took the lease but could not publish itself as the master secret server in SSODB (${code}): ${retry}. ` +
    'SSO services keep looking up the node SSODB names until a node publishes itself: SSODB must answer and accept writes; run Check Health ("SSO: Check Health" or "ssoctl health").'
  );
}

function peerKey(socket: net.Socket): string {
  return `${socket.remoteAddress}:${socket.remotePort}`;
}
