/**
 * The local endpoint of the SSO service: JSON-RPC 2.0 over a Unix domain socket that only
 * the owner can open (0600 in a 0700 folder), plus the environment's access token in `hello`.
 * Every request is validated before it runs; a bad request gets an error reply, never a
 * crash or a hung connection. State changes are pushed to every authenticated client.
 */
import { chmodSync, existsSync, unlinkSync } from 'node:fs';
import * as net from 'node:net';
import { dirname } from 'node:path';
import { SsoError } from '../../protocol/errors';
import { FrameTooLargeError, LineDecoder, encodeLine } from '../../protocol/jsonLines';
import { MAX_FRAME_BYTES, PROTOCOL_VERSION, type Methods, type RpcErrorObject, type ServiceMethodName, type ServiceState } from '../../protocol/messages';
import { RateLimitedLog } from '../rateLimitedLog';
import { preparePrivateSocketFolder } from '../environmentPermissions';
import { DEFAULT_REFUSALS_PER_WINDOW, DEFAULT_REFUSAL_WINDOW_MS, RefusalThrottle } from './refusalThrottle';
import type { AccessToken } from './accessToken';
import type { CallContext, RpcOperations } from './rpcOperations';
import { isMethodName, validateParams } from './validate';

// The package's own version, inlined by esbuild (only this field of package.json is bundled).
import { version as packageVersion } from '../../../package.json';

/** Said in `hello`: the version of the package that runs, so a mismatch can be seen from a client. */
export const SERVER_VERSION: string = packageVersion;

/** Connections that have not said a valid hello within this time are closed. */
export const HELLO_TIMEOUT_MS = 10_000;
/**
 * Before `hello` succeeds a peer is anyone who can open the socket: it gets a small frame (a hello
 * is about 150 bytes), and only so many such connections are held at once, so together they buffer
 * at most MAX_UNAUTHENTICATED_CONNECTIONS x UNAUTHENTICATED_FRAME_BYTES (1 MiB). A new connection
 * past the limit closes the oldest unauthenticated one, not itself: a flood of idle connections
 * then cannot lock out a client that says hello at once.
 */
const UNAUTHENTICATED_FRAME_BYTES = 16 * 1024;
export const MAX_UNAUTHENTICATED_CONNECTIONS = 64;
/** How often the token file is checked for a rotation made by another process. */
const TOKEN_FILE_CHECK_MS = 1000;
const DROP_LOG_INTERVAL_MS = 10_000;
/** Evictions are logged once per this many: a flood must not flood the log too. */
const EVICTION_LOG_EVERY = 1000;
/** Replies a client does not read are not queued without end: past this the connection is dropped. */
const MAX_UNREAD_REPLY_BYTES = 4 * MAX_FRAME_BYTES;

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

type RawMessage = { jsonrpc?: unknown; id?: unknown; method?: unknown; params?: unknown };

interface RpcServerOptions {
  socketPath: string;
  accessToken: AccessToken;
  operations: RpcOperations;
  currentState: () => ServiceState;
  log: (message: string) => void;
}

export class RpcServer {
  private server: net.Server | undefined;
  private connections = new Set<Connection>();
  private evictions = 0;
  private tokenWatch: NodeJS.Timeout | undefined;
  /** Peers can cause these lines: at most one per interval each. */
  private readonly dropLog: RateLimitedLog;
  private readonly unreadLog: RateLimitedLog;
  private readonly refusals: RefusalThrottle;

  constructor(private readonly options: RpcServerOptions) {
    this.dropLog = new RateLimitedLog(options.log, DROP_LOG_INTERVAL_MS);
    this.unreadLog = new RateLimitedLog(options.log, DROP_LOG_INTERVAL_MS);
    this.refusals = new RefusalThrottle({
      perWindow: DEFAULT_REFUSALS_PER_WINDOW,
      windowMs: DEFAULT_REFUSAL_WINDOW_MS,
      summarise: (peer, suppressed, windowMs) => this.recordSuppressedRefusals(peer, suppressed, windowMs),
    });
  }

  async listen(): Promise<void> {
    const { socketPath } = this.options;
    preparePrivateSocketFolder(dirname(socketPath));
    await removeStaleSocket(socketPath);
    const server = net.createServer((socket) => this.accept(socket));
    // Created 0600 from the start: umask covers the window before chmod. The umask is
    // process-wide, so it is restored whether listen succeeds or fails.
    const oldMask = process.umask(0o177);
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(socketPath, () => {
          server.off('error', reject);
          resolve();
        });
      });
    } finally {
      process.umask(oldMask);
    }
    if (process.platform !== 'win32') chmodSync(socketPath, 0o600);
    this.server = server;
    this.tokenWatch = setInterval(() => this.adoptTokenRotatedElsewhere(), TOKEN_FILE_CHECK_MS);
    this.tokenWatch.unref();
  }

  broadcastState(state: ServiceState): void {
    const line = encodeLine({ jsonrpc: '2.0', method: 'state', params: state });
    for (const c of this.connections) if (c.ctx && !c.socket.destroyed) c.socket.write(line);
  }

  async close(): Promise<void> {
    clearInterval(this.tokenWatch);
    await this.refusals.close();
    for (const c of this.connections) c.socket.destroy();
    this.connections.clear();
    const server = this.server;
    this.server = undefined;
    if (!server) return; // never listened: the socket there, if any, is another service's
    await new Promise<void>((resolve) => server.close(() => resolve()));
    if (existsSync(this.options.socketPath)) {
      try {
        unlinkSync(this.options.socketPath);
      } catch {
        // already gone
      }
    }
  }

  private accept(socket: net.Socket): void {
    this.makeRoomForUnauthenticated();
    const conn: Connection = { socket, ctx: undefined };
    this.connections.add(conn);
    const helloTimer = setTimeout(() => {
      if (!conn.ctx) socket.destroy();
    }, HELLO_TIMEOUT_MS);
    const decoder = new LineDecoder(
      (line) => this.onLineSafely(conn, line),
      () => (conn.ctx ? MAX_FRAME_BYTES : UNAUTHENTICATED_FRAME_BYTES),
    );
    socket.on('data', (data) => {
      try {
        decoder.push(data);
      } catch (err) {
        if (err instanceof FrameTooLargeError) this.closeAfterOversizedFrame(conn, err);
        else this.dropAfterUnexpectedError(conn, err);
      }
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(helloTimer);
      this.connections.delete(conn);
    });
  }

  /** Said once, then nothing more is read: the rest of a huge frame is not worth receiving. */
  private closeAfterOversizedFrame(conn: Connection, err: FrameTooLargeError): void {
    this.reply(conn, null, undefined, rpcError(-32600, new SsoError('ENTSSO_E_INVALID_REQUEST', `${err.message} Send smaller requests.`)));
    conn.socket.pause();
    conn.socket.removeAllListeners('data');
    conn.socket.end();
    setTimeout(() => conn.socket.destroy(), 1000).unref();
  }

  /** The set keeps insertion order: the first unauthenticated connection found is the oldest. */
  private makeRoomForUnauthenticated(): void {
    let waiting = 0;
    let oldest: Connection | undefined;
    for (const c of this.connections) {
      if (c.ctx) continue;
      oldest ??= c;
      waiting++;
    }
    if (waiting < MAX_UNAUTHENTICATED_CONNECTIONS || !oldest) return;
    this.connections.delete(oldest);
    oldest.socket.destroy();
    this.evictions++;
    if (this.evictions % EVICTION_LOG_EVERY === 1) {
      this.options.log(`too many connections without hello (${MAX_UNAUTHENTICATED_CONNECTIONS}): closed the oldest (${this.evictions} so far)`);
    }
  }

  /** Whatever goes wrong with one line costs at most that connection, never the process. */
  private onLineSafely(conn: Connection, line: string): void {
    this.onLine(conn, line).catch((err: unknown) => this.dropAfterUnexpectedError(conn, err));
  }

  private dropAfterUnexpectedError(conn: Connection, err: unknown): void {
    this.dropLog.write(`dropped a connection after an unexpected error: ${errorKind(err)}`);
    conn.socket.destroy();
  }

  private async onLine(conn: Connection, line: string): Promise<void> {
    if (conn.refused) return;
    let message: RawMessage;
    try {
      message = JSON.parse(line);
    } catch {
      this.refuse(conn, null, -32700, 'The message is not valid JSON.');
      return;
    }
    const request = framedRequest(message);
    if (typeof request === 'string') {
      this.refuse(conn, idOf(message), request === 'method' ? -32601 : -32600, request === 'method' ? unknownMethodMessage(message) : 'The message is not a JSON-RPC 2.0 request with an id.');
      return;
    }
    try {
      const result = await this.dispatch(conn, request.method, request.params);
      this.reply(conn, request.id, result);
    } catch (err) {
      this.reply(conn, request.id, undefined, rpcError(1, toSsoError(err, this.options.log)));
    }
  }

  /** An invalid request is answered; before hello it also ends the connection (nothing else is owed to a stranger). */
  private refuse(conn: Connection, id: number | string | null, code: number, message: string): void {
    this.reply(conn, id, undefined, rpcError(code, new SsoError('ENTSSO_E_INVALID_REQUEST', message)));
    if (!conn.ctx) conn.socket.end();
  }

  private async dispatch(conn: Connection, method: ServiceMethodName, rawParams: unknown): Promise<unknown> {
    if (method === 'hello') return this.hello(conn, rawParams);
    if (!conn.ctx) {
      setImmediate(() => conn.socket.end());
      throw new SsoError('ENTSSO_E_ACCESS_DENIED', 'Say hello with the access token first.');
    }
    const params = validateParams(method, rawParams);
    if (method === 'token.rotate') return this.rotateToken(conn, conn.ctx);
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
    if (!this.options.accessToken.matches(params.token)) {
      // Before the await: lines that arrive while the refusal is recorded go unanswered.
      conn.refused = true;
      await this.recordRefusal(params.client, 'wrong or missing access token');
      this.closeAfterRefusal(conn);
      throw this.wrongTokenError(params.token);
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
    return { protocolVersion: PROTOCOL_VERSION, serverVersion: SERVER_VERSION, state: this.options.currentState(), backend: 'ssod' as const };
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


  /** A token rotated away is named as such, so that a client says what to do instead of retrying it. */
  private wrongTokenError(token: string): SsoError {
    const rotatedAt = this.options.accessToken.rotatedAt(token);
    if (rotatedAt === undefined) return new SsoError('ENTSSO_E_ACCESS_DENIED', 'The access token is wrong. Use the token of this SSO environment (ssoctl prints where it is kept).');
    return new SsoError('ENTSSO_E_ACCESS_DENIED', `${rotatedMessage(rotatedAt, this.options.accessToken.file)}`, { reason: 'token-rotated', rotatedAt });
  }

  private async rotateToken(conn: Connection, ctx: CallContext): Promise<Methods['token.rotate']['result']> {
    let rotatedAt: string;
    try {
      rotatedAt = this.options.accessToken.rotate();
    } catch (err) {
      await this.options.operations.audit(ctx, { action: 'token.rotate', outcome: 'failed', detail: errorCode(err) });
      throw new SsoError('ENTSSO_E_INTERNAL', `The new access token could not be written to ${this.options.accessToken.file} (${errorCode(err)}); the old token stays in force. Check that folder's permissions and free space, then rotate again.`);
    }
    await this.options.operations.audit(ctx, { action: 'token.rotate', outcome: 'ok' });
    const closed = this.closeSessionsAfterRotation(rotatedAt, conn);
    // The caller authenticated with the old token too: its session ends once this reply is out.
    setImmediate(() => this.closeSession(conn, rotatedAt));
    return { rotatedAt, tokenFile: this.options.accessToken.file, closedSessions: closed };
  }

  /** Another service of the environment, or ssoctl with no service running, rotated the token in the file. */
  private adoptTokenRotatedElsewhere(): void {
    if (!this.options.accessToken.adoptFileIfChanged()) return;
    const closed = this.closeSessionsAfterRotation(new Date().toISOString());
    void this.options.operations.audit({ client: 'ssod' }, { action: 'token.rotate', outcome: 'ok', detail: `adopted from the token file; ${closed} sessions closed` });
  }

  /** Closes every session authenticated with the token in force until now, except `keep` (closed by the caller). */
  private closeSessionsAfterRotation(rotatedAt: string, keep?: Connection): number {
    let closed = 0;
    for (const c of this.connections) {
      if (!c.ctx || c === keep) continue;
      this.closeSession(c, rotatedAt);
      closed++;
    }
    this.options.log(`access token rotated: ${closed + (keep ? 1 : 0)} sessions opened with the old token closed`);
    return closed;
  }

  private closeSession(conn: Connection, rotatedAt: string): void {
    conn.ctx = undefined;
    if (conn.socket.destroyed) return;
    const params = { reason: 'token-rotated', message: rotatedMessage(rotatedAt, this.options.accessToken.file), rotatedAt };
    conn.socket.end(encodeLine({ jsonrpc: '2.0', method: 'session.closed', params }));
    setTimeout(() => conn.socket.destroy(), 1000).unref();
  }

  private reply(conn: Connection, id: number | string | null, result?: unknown, error?: RpcErrorObject): void {
    if (conn.socket.destroyed || !conn.socket.writable) return;
    if (conn.socket.writableLength > MAX_UNREAD_REPLY_BYTES) {
      this.unreadLog.write('dropped a connection that does not read its replies');
      conn.socket.destroy();
      return;
    }
    conn.socket.write(encodeLine(error ? { jsonrpc: '2.0', id, error } : { jsonrpc: '2.0', id, result: result ?? null }));
  }
}

function rotatedMessage(rotatedAt: string, tokenFile: string): string {
  return `The access token of this SSO environment was rotated at ${rotatedAt}; sessions opened with the old one are closed. The new token is in ${tokenFile}: in VS Code run "SSO: Retry Connection" when the environment reads its token from that file, else "SSO: Connect to SSO Service…" and enter it.`;
}

function errorCode(err: unknown): string {
  const code = (err as NodeJS.ErrnoException)?.code;
  return typeof code === 'string' ? code : errorKind(err);
}

function rpcError(code: number, err: SsoError): RpcErrorObject {
  return { code, message: err.message, data: { ssoCode: err.code, details: err.details } };
}

/**
 * The framing fields, type-checked before anything converts them: a hostile value (a 5000-deep
 * array as `method`, say) is only ever tested with typeof, never turned into a string.
 */
function framedRequest(message: unknown): { id: number | string; method: ServiceMethodName; params: unknown } | 'framing' | 'method' {
  if (typeof message !== 'object' || message === null || Array.isArray(message)) return 'framing';
  const m = message as RawMessage;
  const id = idOf(m);
  if (m.jsonrpc !== '2.0' || id === null) return 'framing';
  if (!isMethodName(m.method)) return 'method';
  return { id, method: m.method, params: m.params };
}

function idOf(message: unknown): number | string | null {
  if (typeof message !== 'object' || message === null) return null;
  const id = (message as RawMessage).id;
  if (typeof id === 'number' && Number.isFinite(id)) return id;
  if (typeof id === 'string' && id.length <= 128) return id;
  return null;
}

/** Names the method back only when it is a short, plain name: anything else could be a payload. */
function unknownMethodMessage(message: unknown): string {
  const method = (message as RawMessage).method;
  const shown = typeof method === 'string' && /^[A-Za-z][\w.]{0,63}$/.test(method) ? ` "${method}"` : '';
  return `Unknown method${shown}. Use one of the methods of the SSO service protocol (see protocol.ts).`;
}

/** The type of an unexpected error, never its message: that may carry data from the request. */
function errorKind(err: unknown): string {
  return err instanceof Error ? err.name : typeof err;
}

/** Unexpected errors are logged by type only and answered with a generic message: their text may hold data. */
function toSsoError(err: unknown, log: (m: string) => void): SsoError {
  if (err instanceof SsoError) return err;
  log(`internal error while handling a request: ${errorKind(err)}`);
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
  if (alive) throw new SsoError('ENTSSO_E_ALREADY_RUNNING', `Another SSO service is already listening at ${socketPath}. Stop it first.`);
  unlinkSync(socketPath);
}
