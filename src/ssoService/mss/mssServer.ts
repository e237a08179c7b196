/**
 * The master secret server role: holds the master secret (encrypted at rest in its vault),
 * publishes its name and the secret ids in SSODB, and hands the secret to SSO services that
 * present a certificate of the environment's CA (mutual TLS; anything else is refused by TLS).
 */
import * as tls from 'node:tls';
import { FrameTooLargeError, LineDecoder, encodeLine } from '../../ssoClient/jsonLines';
import type { SecretVault } from '../crypto/secretVault';
import type { SsoStore } from '../ssodb/store';
import { toWire, type MssRequest, type MssResponse } from './mssProtocol';

export interface TlsMaterial {
  ca: string;
  cert: string;
  key: string;
}

export interface MssServerOptions {
  vault: SecretVault;
  store: SsoStore;
  tls: TlsMaterial;
  host: string;
  port: number;
  log: (message: string) => void;
}

/** Small: a request is one short JSON line. */
const MAX_REQUEST_BYTES = 4096;

export class MssServer {
  private server: tls.Server | undefined;
  private sockets = new Set<tls.TLSSocket>();

  constructor(private readonly options: MssServerOptions) {}

  get name(): string {
    return `${this.options.host}:${this.options.port}`;
  }

  async start(): Promise<void> {
    await this.publish();
    const server = tls.createServer(
      {
        ca: this.options.tls.ca,
        cert: this.options.tls.cert,
        key: this.options.tls.key,
        requestCert: true,
        rejectUnauthorized: true,
        minVersion: 'TLSv1.2',
      },
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
    this.options.log(`master secret server listening on ${this.name} (secret ${this.options.vault.current().msid})`);
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Records this node as the environment's MSS and the secret ids in SSOX_GlobalInfo. */
  private async publish(): Promise<void> {
    const current = this.options.vault.current();
    const previous = this.options.vault.previous();
    await this.options.store.updateGlobalInfo({
      secretServer: this.name,
      currentMsid: current.msid,
      previousMsid: previous?.msid ?? null,
      secretCreatedAt: current.createdAt,
    });
  }

  private accept(socket: tls.TLSSocket): void {
    this.sockets.add(socket);
    const decoder = new LineDecoder((line) => this.onLine(socket, line), MAX_REQUEST_BYTES);
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

  private onLine(socket: tls.TLSSocket, line: string): void {
    let request: MssRequest;
    try {
      request = JSON.parse(line);
    } catch {
      socket.destroy();
      return;
    }
    socket.write(encodeLine(this.handle(request)));
  }

  private handle(request: MssRequest): MssResponse {
    const id = typeof request?.id === 'number' ? request.id : 0;
    if (request?.op !== 'getSecrets') return { id, error: { code: 'ENTSSO_E_INVALID_REQUEST', message: 'Unknown master secret server operation.' } };
    const previous = this.options.vault.previous();
    return {
      id,
      result: {
        current: toWire(this.options.vault.current()),
        previous: previous ? toWire(previous) : undefined,
        server: this.name,
      },
    };
  }
}
