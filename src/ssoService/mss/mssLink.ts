/**
 * The SSO service's connection to the master secret server. It stays open between syncs so
 * that the death of the MSS is noticed at once (the socket closes) instead of at the next
 * periodic sync; a paused or cut-off MSS is still caught by the request timeout.
 */
import { EventEmitter } from 'node:events';
import * as tls from 'node:tls';
import { SsoError, isSsoErrorCode } from '../../protocol/errors';
import { LineDecoder, encodeLine } from '../../protocol/jsonLines';
import { fromWire, type GetSecretsResult, type MssOp, type MssOps, type MssResponse, type SecretsFromMss } from './mssProtocol';
import type { TlsMaterial } from './tlsMaterial';
import { restoreRecordFrom } from './unpublishedRestore';

export class MssLink extends EventEmitter<{ lost: []; changed: [] }> {
  private socket: tls.TLSSocket | undefined;
  private address: string | undefined;
  private nextId = 1;
  private waiting = new Map<number, (response: MssResponse | Error) => void>();

  constructor(
    private readonly tlsMaterial: TlsMaterial,
    private readonly timeoutMs: number,
  ) {
    super();
  }

  /** Fetches the current and previous secrets from the MSS named in SSODB (host:port). */
  async getSecrets(address: string): Promise<SecretsFromMss> {
    const result: GetSecretsResult = await this.request(address, 'getSecrets', {});
    return {
      current: fromWire(result.current),
      previous: result.previous ? fromWire(result.previous) : undefined,
      reencrypt: result.reencrypt,
      unpublishedRestore: restoreRecordFrom(result.unpublishedRestore),
    };
  }

  /** One MSS operation; MSS-side refusals come back as the MSS's own SsoError. */
  async request<K extends MssOp>(address: string, op: K, params: MssOps[K]['params'], timeoutMs = this.timeoutMs): Promise<MssOps[K]['result']> {
    const socket = await this.connectedTo(address);
    const id = this.nextId++;
    const response = await new Promise<MssResponse | Error>((resolve) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        resolve(new Error('timeout'));
        socket.destroy();
      }, timeoutMs);
      this.waiting.set(id, (r) => {
        clearTimeout(timer);
        resolve(r);
      });
      socket.write(encodeLine({ id, op, params }));
    });
    if (response instanceof Error) throw unreachable(address, response.message);
    if (response.error) {
      const code = isSsoErrorCode(response.error.code) ? response.error.code : 'ENTSSO_E_INTERNAL';
      throw new SsoError(code, response.error.message);
    }
    return response.result as MssOps[K]['result'];
  }

  close(): void {
    this.drop();
  }

  private async connectedTo(address: string): Promise<tls.TLSSocket> {
    if (this.socket && !this.socket.destroyed && this.address === address) return this.socket;
    this.drop();
    const { host, port } = parseAddress(address);
    const socket = await new Promise<tls.TLSSocket>((resolve, reject) => {
      const s = tls.connect({
        host,
        port,
        ca: this.tlsMaterial.ca,
        cert: this.tlsMaterial.cert,
        key: this.tlsMaterial.key,
        servername: host === '127.0.0.1' || host === '::1' ? undefined : host,
        minVersion: 'TLSv1.2',
      });
      const timer = setTimeout(() => {
        s.destroy();
        reject(unreachable(address, 'connection timed out'));
      }, this.timeoutMs);
      s.once('secureConnect', () => {
        clearTimeout(timer);
        resolve(s);
      });
      s.once('error', (err: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        reject(unreachable(address, err.code ?? err.message));
      });
    });
    this.attach(socket, address);
    return socket;
  }

  private attach(socket: tls.TLSSocket, address: string): void {
    this.socket = socket;
    this.address = address;
    const decoder = new LineDecoder((line) => {
      let response: MssResponse & { event?: string };
      try {
        response = JSON.parse(line);
      } catch {
        return;
      }
      if (response.event === 'changed') {
        this.emit('changed');
        return;
      }
      this.waiting.get(response.id)?.(response);
      this.waiting.delete(response.id);
    });
    socket.on('data', (d) => {
      try {
        decoder.push(d);
      } catch {
        socket.destroy();
      }
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      if (this.socket !== socket) return;
      this.socket = undefined;
      for (const [, done] of this.waiting) done(new Error('connection closed'));
      this.waiting.clear();
      this.emit('lost');
    });
  }

  private drop(): void {
    const s = this.socket;
    this.socket = undefined;
    s?.destroy();
  }
}

function parseAddress(address: string): { host: string; port: number } {
  const i = address.lastIndexOf(':');
  const port = Number(address.slice(i + 1));
  if (i <= 0 || !Number.isInteger(port) || port <= 0 || port > 65535) {
    throw new SsoError('ENTSSO_E_MSS_UNREACHABLE', `The master secret server name "${address}" recorded in SSODB is not host:port.`);
  }
  return { host: address.slice(0, i).replace(/^\[|\]$/g, ''), port };
}

function unreachable(address: string, why: string): SsoError {
  return new SsoError('ENTSSO_E_MSS_UNREACHABLE', `The master secret server ${address} did not answer (${why}).`);
}
