/**
 * The local endpoint of the SSO service: JSON-RPC 2.0 over a Unix domain socket that only
 * the owner can open (0600 in a 0700 folder), plus the environment's access token in `hello`.
 * Every request is validated before it runs; a bad request gets an error reply, never a
 * crash or a hung connection. State changes are pushed to every authenticated client.
 */
import { timingSafeEqual, createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, unlinkSync } from 'node:fs';
import * as net from 'node:net';
import { dirname } from 'node:path';
import { SsoError } from '../../ssoClient/errors';
import { FrameTooLargeError, LineDecoder, encodeLine } from '../../ssoClient/jsonLines';
import { PROTOCOL_VERSION, type MethodName, type RpcErrorObject, type ServiceState } from '../../ssoClient/protocol';
import type { CallContext, SsoOperations } from '../service/operations';
import { DEFAULT_REFUSALS_PER_WINDOW, DEFAULT_REFUSAL_WINDOW_MS, RefusalThrottle } from './refusalThrottle';
import { isMethodName, validateParams } from './validate';

export const SERVER_VERSION = '0.1.0';

/** Connections that have not said a valid hello within this time are closed. */
const HELLO_TIMEOUT_MS = 10_000;

/**
 * Whose refusals are throttled together. Node cannot read a Unix socket peer's uid or pid
 * (SO_PEERCRED needs a native module), and the socket is 0600: every peer runs as the owner
 * (or root), so the socket itself is the peer.
 */
const LOCAL_SOCKET_PEER = 'local socket';

interface Connection {
  socket: net.Socket;
  ctx: CallContext | undefined;
  /** Set as soon as a hello is refused: lines still in flight are not answered. */
  refused?: boolean;
}

export interface RpcServerOptions {
  socketPath: string;
  token: string;
  operations: SsoOperations;
  currentState: () => ServiceState;
  log: (message: string) => void;
}

export class RpcServer {
  private server: net.Server | undefined;
  private connections = new Set<Connection>();
  private readonly tokenDigest: Buffer;
  private readonly refusals: RefusalThrottle;

  constructor(private readonly options: RpcServerOptions) {
    this.tokenDigest = digest(options.token);
    this.refusals = new RefusalThrottle({
      perWindow: DEFAULT_REFUSALS_PER_WINDOW,
      windowMs: DEFAULT_REFUSAL_WINDOW_MS,
      summarise: (peer, suppressed, windowMs) => this.recordSuppressedRefusals(peer, suppressed, windowMs),
    });
  }

  async listen(): Promise<void> {
    const { socketPath } = this.options;
    mkdirSync(dirname(socketPath), { recursive: true, mode: 0o700 });
    await removeStaleSocket(socketPath);
    const server = net.createServer((socket) => this.accept(socket));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      // Created 0600 from the start: umask covers the window before chmod.
      const oldMask = process.umask(0o177);
      server.listen(socketPath, () => {
        process.umask(oldMask);
        server.off('error', reject);
        resolve();
      });
    });
    if (process.platform !== 'win32') chmodSync(socketPath, 0o600);
    this.server = server;
  }

  broadcastState(state: ServiceState): void {
    const line = encodeLine({ jsonrpc: '2.0', method: 'state', params: state });
    for (const c of this.connections) if (c.ctx && !c.socket.destroyed) c.socket.write(line);
  }

  async close(): Promise<void> {
    await this.refusals.close();
    for (const c of this.connections) c.socket.destroy();
    this.connections.clear();
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
    if (existsSync(this.options.socketPath)) {
      try {
        unlinkSync(this.options.socketPath);
      } catch {
        // already gone
      }
    }
  }

  private accept(socket: net.Socket): void {
    const conn: Connection = { socket, ctx: undefined };
    this.connections.add(conn);
    const helloTimer = setTimeout(() => {
      if (!conn.ctx) socket.destroy();
    }, HELLO_TIMEOUT_MS);
    const decoder = new LineDecoder((line) => void this.onLine(conn, line));
    socket.on('data', (data) => {
      try {
        decoder.push(data);
      } catch (err) {
        if (err instanceof FrameTooLargeError) {
          this.reply(conn, null, undefined, rpcError(-32600, new SsoError('ENTSSO_E_INVALID_REQUEST', err.message)));
          socket.end();
        } else socket.destroy();
      }
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(helloTimer);
      this.connections.delete(conn);
    });
  }

  private async onLine(conn: Connection, line: string): Promise<void> {
    if (conn.refused) return;
    let message: { jsonrpc?: unknown; id?: unknown; method?: unknown; params?: unknown };
    try {
      message = JSON.parse(line);
    } catch {
      this.reply(conn, null, undefined, rpcError(-32700, new SsoError('ENTSSO_E_INVALID_REQUEST', 'The message is not valid JSON.')));
      return;
    }
    const id = typeof message?.id === 'number' || typeof message?.id === 'string' ? message.id : null;
    if (typeof message !== 'object' || message === null || Array.isArray(message) || message.jsonrpc !== '2.0' || id === null) {
      this.reply(conn, id, undefined, rpcError(-32600, new SsoError('ENTSSO_E_INVALID_REQUEST', 'The message is not a JSON-RPC 2.0 request with an id.')));
      return;
    }
    if (!isMethodName(message.method)) {
      this.reply(conn, id, undefined, rpcError(-32601, new SsoError('ENTSSO_E_INVALID_REQUEST', `Unknown method "${String(message.method).slice(0, 64)}".`)));
      return;
    }
    try {
      const result = await this.dispatch(conn, message.method, message.params);
      this.reply(conn, id, result);
    } catch (err) {
      this.reply(conn, id, undefined, rpcError(1, toSsoError(err, this.options.log)));
    }
  }

  private async dispatch(conn: Connection, method: MethodName, rawParams: unknown): Promise<unknown> {
    if (method === 'hello') return this.hello(conn, rawParams);
    if (!conn.ctx) {
      throw new SsoError('ENTSSO_E_ACCESS_DENIED', 'Say hello with the access token first.');
    }
    const params = validateParams(method, rawParams);
    const handler = this.options.operations.handlers[method] as (p: unknown, ctx: CallContext) => Promise<unknown>;
    return handler(params, conn.ctx);
  }

  /** A refused hello (bad parameters, wrong token, other protocol) is answered once, then the connection closes. */
  private async hello(conn: Connection, rawParams: unknown) {
    let params: { token: string; protocolVersion: number; client: string };
    try {
      params = validateParams('hello', rawParams);
    } catch (err) {
      this.closeAfterRefusal(conn);
      throw err;
    }
    if (!timingSafeEqual(digest(params.token), this.tokenDigest)) {
      // Before the await: lines that arrive while the refusal is recorded go unanswered.
      conn.refused = true;
      await this.recordRefusal(params.client, 'wrong or missing access token');
      this.closeAfterRefusal(conn);
      throw new SsoError('ENTSSO_E_ACCESS_DENIED', 'The access token is wrong. Use the token of this SSO environment (ssoctl prints where it is kept).');
    }
    if (params.protocolVersion !== PROTOCOL_VERSION) {
      this.closeAfterRefusal(conn);
      throw new SsoError(
        'ENTSSO_E_UNSUPPORTED_VERSION',
        `This SSO service speaks protocol version ${PROTOCOL_VERSION}, the client ${params.protocolVersion}. Update the older of the two.`,
      );
    }
    const ctx: CallContext = { client: params.client };
    conn.ctx = ctx;
    return { protocolVersion: PROTOCOL_VERSION, serverVersion: SERVER_VERSION, state: this.options.currentState() };
  }

  /**
   * Marks the connection refused at once (pipelined lines go unanswered) and closes it once the
   * refusal's reply is written, without waiting for the peer to close its side.
   */
  private closeAfterRefusal(conn: Connection): void {
    conn.refused = true;
    setImmediate(() => conn.socket.destroySoon());
  }

  /** Audits and logs a refused connection, unless its peer has used up its refusals of this window. */
  private async recordRefusal(client: string, reason: string): Promise<void> {
    if (!this.refusals.admit(LOCAL_SOCKET_PEER)) return;
    await this.options.operations.audit({ client }, { action: 'connect', outcome: 'refused', detail: reason });
    this.options.log(`refused a connection from "${client}": ${reason}`);
  }

  private async recordSuppressedRefusals(peer: string, suppressed: number, windowMs: number): Promise<void> {
    const detail = `${suppressed} more refusals suppressed (${peer}, within ${Math.round(windowMs / 1000)} s)`;
    await this.options.operations.audit({ client: peer }, { action: 'connect', outcome: 'refused', detail });
    this.options.log(`refused connections: ${detail}`);
  }

  private reply(conn: Connection, id: number | string | null, result?: unknown, error?: RpcErrorObject): void {
    if (conn.socket.destroyed || !conn.socket.writable) return;
    conn.socket.write(encodeLine(error ? { jsonrpc: '2.0', id, error } : { jsonrpc: '2.0', id, result: result ?? null }));
  }
}

function digest(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

function rpcError(code: number, err: SsoError): RpcErrorObject {
  return { code, message: err.message, data: { ssoCode: err.code, details: err.details } };
}

/** Unexpected errors are logged by type only and answered with a generic message: their text may hold data. */
function toSsoError(err: unknown, log: (m: string) => void): SsoError {
  if (err instanceof SsoError) return err;
  log(`internal error while handling a request: ${err instanceof Error ? err.name : typeof err}`);
  return new SsoError('ENTSSO_E_INTERNAL', 'The SSO service hit an unexpected error. See the service log for details, then try again.');
}

/** A socket file left by a killed service is removed; one still answering means a second service. */
async function removeStaleSocket(socketPath: string): Promise<void> {
  if (!existsSync(socketPath)) return;
  const alive = await new Promise<boolean>((resolve) => {
    const probe = net.createConnection(socketPath);
    probe.once('connect', () => {
      probe.destroy();
      resolve(true);
    });
    probe.once('error', () => resolve(false));
  });
  if (alive) throw new SsoError('ENTSSO_E_INVALID_REQUEST', `Another SSO service is already listening at ${socketPath}. Stop it first.`);
  unlinkSync(socketPath);
}
