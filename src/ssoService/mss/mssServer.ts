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
import * as tls from 'node:tls';
import { SsoError } from '../../ssoClient/errors';
import { FrameTooLargeError, LineDecoder, encodeLine } from '../../ssoClient/jsonLines';
import type { SsoStore } from '../ssodb/store';
import { Leadership, type Role } from './leadership';
import { MssLink } from './mssLink';
import { ANY_ROLE_OPS, ROLE_OPS, toWire, type MssOp, type MssOps, type MssRequest, type MssResponse } from './mssProtocol';
import { SecretAuthority } from './secretAuthority';
import { certificateRole, type CertificateRole } from '../crypto/pki';

export interface TlsMaterial {
  ca: string;
  cert: string;
  key: string;
}

export interface LeaseTiming {
  ttlMs: number;
  renewMs: number;
  graceMs: number;
}

/** A node stops serving within 5 s of losing SSODB; a standby takes over within about 7 s. */
export const DEFAULT_LEASE: LeaseTiming = { ttlMs: 5000, renewMs: 1000, graceMs: 1000 };

export interface MssServerOptions {
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

  constructor(private readonly options: MssServerOptions) {
    const lease = options.lease ?? DEFAULT_LEASE;
    this.authority = new SecretAuthority({
      vaultDir: options.vaultDir,
      store: options.store,
      environmentId: options.environmentId,
      name: this.name,
      reencryptBatchRows: options.reencryptBatchRows,
      log: options.log,
      onChanged: () => this.notifyChanged(),
    });
    this.leadership = new Leadership({ node: this.name, lease: options.store, ...lease, log: options.log });
    this.leadership.on('role', (role) => void this.onRole(role));
    this.peers = new MssLink(options.clientTls, Math.max(500, lease.renewMs * 2));
    this.peers.on('changed', () => void this.syncFromActive());
  }

  get name(): string {
    return `${this.options.host}:${this.options.port}`;
  }

  async start(): Promise<void> {
    await this.authority.openVault();
    const server = tls.createServer(
      { ca: this.options.tls.ca, cert: this.options.tls.cert, key: this.options.tls.key, requestCert: true, rejectUnauthorized: true, minVersion: 'TLSv1.2' },
      (socket) => this.accept(socket),
    );
    server.on('tlsClientError', (err) => this.options.log(`refused a TLS client: ${err.message}`));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.options.port, this.options.host, () => {
        server.off('error', reject);
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
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
    await this.authority.stop();
    await this.leadership.stop();
  }

  private async onRole(role: Role): Promise<void> {
    if (role === 'active') {
      try {
        await this.authority.activate();
      } catch (err) {
        // Holding a lease without the current secret would only block a node that has it.
        this.options.log(err instanceof Error ? err.message : String(err));
        await this.leadership.demote();
      }
    } else {
      this.authority.deactivate();
    }
    await this.recordNode(role === 'active' ? Date.now() : null);
    this.notifyChanged();
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
    if (++this.periods % 5 === 0) {
      await this.recordNode();
      if (this.leadership.isActive()) this.authority.resumeReencryptionIfNeeded();
    }
    if (this.leadership.currentRole === 'standby') await this.syncFromActive();
  }

  private syncFromActive(): Promise<void> {
    this.syncingFromActive ??= (async () => {
      if (this.leadership.currentRole !== 'standby') return;
      const active = (await this.options.store.getGlobalInfo()).secretServer;
      if (!active || active === this.name) return;
      const secrets = await this.peers.getSecrets(active);
      await this.authority.adoptSecrets(secrets);
    })()
      .catch(() => undefined) // the active node may be down: that is what the lease is for
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
      return { current: toWire(current), previous: previous ? toWire(previous) : undefined, reencrypt: this.authority.progress, server: this.name };
    },
    backup: async (p) => this.authority.backup(str(p.password), str(p.reminder)),
    verify: async (p) => this.authority.verify(str(p.file), str(p.password)),
    restore: async (p) => this.authority.restore(str(p.file), str(p.password), p.allowForeignEnvironment === true),
    prepareRotation: async (p) => this.authority.prepareRotation(str(p.password), str(p.reminder)),
    commitRotation: async (p) => this.authority.commitRotation(str(p.newMsid)),
    nodeStatus: async () => ({
      name: this.name,
      role: this.leadership.isActive() ? 'active' : 'standby',
      holdsSecret: this.authority.holdsSecret,
      msid: this.authority.holdsSecret ? this.authority.secrets().current.msid : undefined,
    }),
    demote: async () => {
      if (this.leadership.isActive()) await this.leadership.demote();
      return { name: this.name, role: this.leadership.currentRole };
    },
    promote: async () => {
      if (!this.leadership.isActive()) {
        if (!this.authority.holdsSecret) throw new SsoError('ENTSSO_E_NO_SECRET', `Node ${this.name} holds no master secret yet; it cannot become active.`);
        const active = (await this.options.store.getGlobalInfo()).secretServer;
        if (active && active !== this.name) await this.peers.request(active, 'demote', {}).catch(() => undefined);
        await this.leadership.tick();
      }
      return { name: this.name, role: this.leadership.currentRole };
    },
  };

  private accept(socket: tls.TLSSocket): void {
    this.sockets.add(socket);
    const peer: Peer = { role: certificateRole(socket.getPeerCertificate().subject as { OU?: string | string[] } | undefined), refusalLogged: false };
    const decoder = new LineDecoder((line) => void this.onLine(socket, line, peer), MAX_REQUEST_BYTES);
    socket.on('data', (data) => {
      try {
        decoder.push(data);
      } catch (err) {
        if (err instanceof FrameTooLargeError) socket.destroy();
        else throw err;
      }
    });
    socket.on('error', () => undefined);
    socket.on('close', () => this.sockets.delete(socket));
  }

  private async onLine(socket: tls.TLSSocket, line: string, peer: Peer): Promise<void> {
    let request: MssRequest;
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

  private async handle(request: MssRequest, peer: Peer): Promise<MssResponse> {
    const id = typeof request?.id === 'number' ? request.id : 0;
    const handler = Object.prototype.hasOwnProperty.call(this.handlers, request?.op) ? (this.handlers[request.op] as OpHandler<MssOp>) : undefined;
    if (!handler) return { id, error: { code: 'ENTSSO_E_INVALID_REQUEST', message: 'Unknown master secret server operation.' } };
    const refusal = this.roleRefusal(peer, request.op);
    if (refusal) return { id, error: refusal };
    // Checked on every request: a node that was paused past its lease serves nothing.
    if (!ANY_ROLE_OPS.has(request.op) && !this.leadership.isActive()) {
      return { id, error: { code: 'ENTSSO_E_MSS_UNREACHABLE', message: `The master secret server node ${this.name} is standby, not the active node.` } };
    }
    const params = typeof request.params === 'object' && request.params !== null ? (request.params as Record<string, unknown>) : {};
    try {
      return { id, result: await handler(params) };
    } catch (err) {
      if (err instanceof SsoError) return { id, error: { code: err.code, message: err.message } };
      this.options.log(`internal error in ${request.op}: ${err instanceof Error ? err.name : typeof err}`);
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
