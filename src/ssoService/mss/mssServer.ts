/**
 * The master secret server role on the network: mutual TLS with the environment's CA (TLS
 * itself refuses clients without a CA-issued certificate, expired or foreign ones), one JSON
 * line per request, answered by the SecretAuthority. Connected services are told at once
 * when the secret or the re-encryption state changes.
 */
import * as tls from 'node:tls';
import { SsoError } from '../../ssoClient/errors';
import { FrameTooLargeError, LineDecoder, encodeLine } from '../../ssoClient/jsonLines';
import type { SsoStore } from '../ssodb/store';
import { toWire, type MssOp, type MssOps, type MssRequest, type MssResponse } from './mssProtocol';
import { SecretAuthority } from './secretAuthority';

export interface TlsMaterial {
  ca: string;
  cert: string;
  key: string;
}

export interface MssServerOptions {
  vaultDir: string;
  environmentId: string;
  store: SsoStore;
  tls: TlsMaterial;
  host: string;
  port: number;
  reencryptBatchRows?: number;
  log: (message: string) => void;
}

/** Requests are short JSON lines (a backup file to verify or restore is the largest). */
const MAX_REQUEST_BYTES = 1024 * 1024;

type OpHandler<K extends MssOp> = (params: Record<string, unknown>) => Promise<MssOps[K]['result']>;

export class MssServer {
  readonly authority: SecretAuthority;
  private server: tls.Server | undefined;
  private sockets = new Set<tls.TLSSocket>();

  constructor(private readonly options: MssServerOptions) {
    this.authority = new SecretAuthority({
      vaultDir: options.vaultDir,
      store: options.store,
      environmentId: options.environmentId,
      name: this.name,
      reencryptBatchRows: options.reencryptBatchRows,
      log: options.log,
      onChanged: () => this.notifyChanged(),
    });
  }

  get name(): string {
    return `${this.options.host}:${this.options.port}`;
  }

  async start(): Promise<void> {
    await this.authority.start();
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
    const holding = this.authority.holdsSecret ? `secret ${this.authority.secrets().current.msid}` : 'no secret: waiting for a restore';
    this.options.log(`master secret server listening on ${this.name} (${holding})`);
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
    await this.authority.stop();
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
  };

  private accept(socket: tls.TLSSocket): void {
    this.sockets.add(socket);
    const decoder = new LineDecoder((line) => void this.onLine(socket, line), MAX_REQUEST_BYTES);
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

  private async onLine(socket: tls.TLSSocket, line: string): Promise<void> {
    let request: MssRequest;
    try {
      request = JSON.parse(line);
    } catch {
      socket.destroy();
      return;
    }
    const response = await this.handle(request);
    if (!socket.destroyed) socket.write(encodeLine(response));
  }

  private async handle(request: MssRequest): Promise<MssResponse> {
    const id = typeof request?.id === 'number' ? request.id : 0;
    const handler = Object.prototype.hasOwnProperty.call(this.handlers, request?.op) ? (this.handlers[request.op] as OpHandler<MssOp>) : undefined;
    if (!handler) return { id, error: { code: 'ENTSSO_E_INVALID_REQUEST', message: 'Unknown master secret server operation.' } };
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

function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}
