/**
 * The one client of the local SSO service, used by the extension, `ssoctl` and the tests.
 * JSON-RPC 2.0 over a Unix domain socket (named pipe on Windows), authenticated by the
 * environment's access token in `hello`. Optionally reconnects by itself when the service
 * restarts, and re-emits the state the service pushes.
 */
import { EventEmitter } from 'node:events';
import * as net from 'node:net';
import { SsoError, isSsoErrorCode } from './errors';
import { LineDecoder, encodeLine } from './jsonLines';
import {
  PROTOCOL_VERSION,
  type MethodName,
  type ParamsOf,
  type ResultOf,
  type RpcResponse,
  type ServiceState,
} from './protocol';

export interface ClientOptions {
  socketPath: string;
  token: string;
  /** Who is calling, recorded in the service's audit (e.g. "vscode", "ssoctl"). */
  clientName: string;
  /** Per-request timeout. */
  requestTimeoutMs?: number;
  /** Reconnect after the connection drops (the extension wants this; the CLI does not). */
  reconnect?: boolean;
  reconnectDelayMs?: number;
}

interface Pending {
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

export type ConnectionStatus = 'connecting' | 'connected' | 'disconnected';

export interface SsoClientEvents {
  state: [ServiceState];
  connection: [ConnectionStatus, SsoError | undefined];
}

export class SsoClient extends EventEmitter<SsoClientEvents> {
  private socket: net.Socket | undefined;
  private pending = new Map<number, Pending>();
  private nextId = 1;
  private closedByUser = false;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private lastState: ServiceState | undefined;
  private status: ConnectionStatus = 'disconnected';
  /** Why the service said it is closing this session, if it did: reported instead of "connection lost". */
  private closedByService: SsoError | undefined;

  constructor(private readonly options: ClientOptions) {
    super();
  }

  get connectionStatus(): ConnectionStatus {
    return this.status;
  }

  /** The last state the service reported, if connected once. */
  get state(): ServiceState | undefined {
    return this.lastState;
  }

  /** Connects and authenticates. Rejects with a typed SsoError (never hangs past the timeout). */
  async connect(): Promise<ServiceState> {
    this.closedByUser = false;
    this.setStatus('connecting');
    try {
      await this.openSocket();
      const hello = await this.request('hello', { token: this.options.token, protocolVersion: PROTOCOL_VERSION, client: this.options.clientName });
      this.setStatus('connected');
      this.updateState(hello.state);
      return hello.state;
    } catch (err) {
      const error = toSsoError(err);
      this.dropSocket();
      this.setStatus('disconnected', error);
      // The same token or protocol version would be refused again, forever: wait to be told to connect.
      if (!isFinalRefusal(error)) this.scheduleReconnect();
      throw error;
    }
  }

  async request<M extends MethodName>(method: M, params: ParamsOf<M>): Promise<ResultOf<M>> {
    const socket = this.socket;
    if (!socket || socket.destroyed) {
      throw new SsoError('ENTSSO_E_NOT_CONNECTED', 'Not connected to the SSO service. Check that it is running, then connect again.');
    }
    const id = this.nextId++;
    const timeoutMs = this.options.requestTimeoutMs ?? 30_000;
    return new Promise<ResultOf<M>>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new SsoError('ENTSSO_E_TIMEOUT', `The SSO service did not answer "${method}" within ${Math.round(timeoutMs / 1000)} s.`));
      }, timeoutMs);
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject, timer });
      socket.write(encodeLine({ jsonrpc: '2.0', id, method, params }));
    });
  }

  close(): void {
    this.closedByUser = true;
    clearTimeout(this.reconnectTimer);
    this.dropSocket();
    this.setStatus('disconnected');
  }

  private openSocket(): Promise<void> {
    return new Promise((resolve, reject) => {
      const socket = net.createConnection(this.options.socketPath);
      const onError = (err: NodeJS.ErrnoException) => {
        socket.destroy();
        reject(connectionError(err, this.options.socketPath));
      };
      socket.once('error', onError);
      socket.once('connect', () => {
        socket.off('error', onError);
        this.attach(socket);
        resolve();
      });
    });
  }

  private attach(socket: net.Socket): void {
    this.socket = socket;
    const decoder = new LineDecoder((line) => this.onLine(line));
    socket.on('data', (data) => {
      try {
        decoder.push(data);
      } catch {
        socket.destroy();
      }
    });
    socket.on('error', () => undefined); // 'close' follows and does the work
    socket.on('close', () => this.onClose(socket));
  }

  private onLine(line: string): void {
    let message: RpcResponse & { method?: string; params?: unknown };
    try {
      message = JSON.parse(line);
    } catch {
      return;
    }
    if (message.method === 'state' && message.id === undefined) {
      this.updateState(message.params as ServiceState);
      return;
    }
    if (message.method === 'session.closed' && message.id === undefined) {
      this.closedByService = sessionClosedError(message.params);
      return;
    }
    if (typeof message.id !== 'number') return;
    const pending = this.pending.get(message.id);
    if (!pending) return;
    this.pending.delete(message.id);
    clearTimeout(pending.timer);
    if (message.error) pending.reject(fromRpcError(message.error));
    else pending.resolve(message.result);
  }

  private onClose(socket: net.Socket): void {
    if (this.socket !== socket) return;
    this.socket = undefined;
    const closedByService = this.closedByService;
    this.closedByService = undefined;
    const error = closedByService ?? new SsoError('ENTSSO_E_NOT_CONNECTED', 'The connection to the SSO service was lost. It reconnects by itself when the service is back.');
    for (const [, p] of this.pending) {
      clearTimeout(p.timer);
      p.reject(error);
    }
    this.pending.clear();
    if (this.status === 'connected') this.setStatus('disconnected', error);
    if (!closedByService) this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (!this.options.reconnect || this.closedByUser || this.reconnectTimer) return;
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      if (this.closedByUser || this.socket) return;
      this.connect().catch(() => undefined);
    }, this.options.reconnectDelayMs ?? 1000);
  }

  private dropSocket(): void {
    const socket = this.socket;
    this.socket = undefined;
    socket?.destroy();
    for (const [, p] of this.pending) {
      clearTimeout(p.timer);
      p.reject(new SsoError('ENTSSO_E_NOT_CONNECTED', 'The connection to the SSO service was closed.'));
    }
    this.pending.clear();
  }

  private setStatus(status: ConnectionStatus, error?: SsoError): void {
    if (this.status === status && !error) return;
    this.status = status;
    this.emit('connection', status, error);
  }

  private updateState(state: ServiceState): void {
    this.lastState = state;
    this.emit('state', state);
  }
}

function fromRpcError(error: RpcResponse['error']): SsoError {
  const code = error?.data?.ssoCode;
  return new SsoError(isSsoErrorCode(code) ? code : 'ENTSSO_E_INTERNAL', error?.message ?? 'The SSO service reported an error.', error?.data?.details ?? {});
}

function isFinalRefusal(error: SsoError): boolean {
  return error.code === 'ENTSSO_E_ACCESS_DENIED' || error.code === 'ENTSSO_E_UNSUPPORTED_VERSION';
}

/** The service closed the session on purpose (today: the token was rotated); reconnecting with the old token cannot work. */
function sessionClosedError(params: unknown): SsoError {
  const p = (typeof params === 'object' && params !== null ? params : {}) as { reason?: unknown; message?: unknown; rotatedAt?: unknown };
  const message = typeof p.message === 'string' ? p.message : 'The SSO service closed this session. Connect again with the current access token.';
  return new SsoError('ENTSSO_E_ACCESS_DENIED', message, { reason: typeof p.reason === 'string' ? p.reason : 'session-closed', rotatedAt: p.rotatedAt });
}

function toSsoError(err: unknown): SsoError {
  if (err instanceof SsoError) return err;
  return new SsoError('ENTSSO_E_INTERNAL', err instanceof Error ? err.message : String(err));
}

function connectionError(err: NodeJS.ErrnoException, socketPath: string): SsoError {
  if (err.code === 'ENOENT' || err.code === 'ECONNREFUSED') {
    return new SsoError('ENTSSO_E_NOT_CONNECTED', `No SSO service is listening at ${socketPath}. Start it with "ssoctl serve", or check the socket path.`);
  }
  if (err.code === 'EACCES' || err.code === 'EPERM') {
    return new SsoError('ENTSSO_E_ACCESS_DENIED', `You are not allowed to open the SSO service socket at ${socketPath}. Run as the user that owns the SSO environment.`);
  }
  return new SsoError('ENTSSO_E_NOT_CONNECTED', `Could not reach the SSO service at ${socketPath} (${err.code ?? err.message}).`);
}
