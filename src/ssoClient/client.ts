/**
 * The one client of the SSO protocol, used by the extension, `ssoctl` and the tests.
 * JSON-RPC 2.0 over a Unix domain socket (named pipe on Windows) to the project's SSO service,
 * authenticated by the environment's access token in `hello`, or over the stdin/stdout of
 * entsso-bridge.exe, which the client starts itself (and restarts when it dies). Optionally
 * reconnects by itself, with a bounded backoff, and re-emits the state the server pushes.
 */
import { EventEmitter } from 'node:events';
import { SsoError, isSsoErrorCode } from '../protocol/errors';
import { LineDecoder, encodeLine } from '../protocol/jsonLines';
import { escapeUnsafeCharacters } from '../protocol/untrustedText';
import {
  MAX_FRAME_BYTES,
  PROTOCOL_VERSION,
  type BackendKind,
  type HelloResult,
  type MethodName,
  type ParamsOf,
  type ResultOf,
  type RpcResponse,
  type ServiceState,
  type ServiceStateName,
} from '../protocol/messages';
import { openProcessTransport, openSocketTransport, type ProcessSpec, type Transport, type TransportHandlers } from './transport';

export type { ProcessSpec } from './transport';

interface CommonClientOptions {
  token: string;
  /** Who is calling, recorded in the service's audit (e.g. "vscode", "ssoctl"). */
  clientName: string;
  /** Per-request timeout. */
  requestTimeoutMs?: number;
  /** Reconnect after the connection drops (the extension wants this; the CLI does not). */
  reconnect?: boolean;
  /** First delay before reconnecting; doubles after each failed attempt up to `reconnectMaxDelayMs`. */
  reconnectDelayMs?: number;
  /** Longest delay between attempts (default: `reconnectDelayMs`, i.e. no backoff). */
  reconnectMaxDelayMs?: number;
  /** Lines the bridge process writes to its stderr (its log). */
  onProcessLog?: (line: string) => void;
  /** Something the server sent was ignored (a malformed pushed state): said once per client. */
  onProtocolWarning?: (message: string) => void;
}

/**
 * Either `socketPath` (the project's SSO service) or `process` (a bridge started by the client).
 * `versionKey`: base64 of the key the bridge hashes row versions with, sent in each `hello` so that
 * a restarted bridge gives the same versions (src/connection/bridgeVersionKey.ts).
 */
export type ClientOptions = CommonClientOptions & ({ socketPath: string; process?: undefined } | { process: ProcessSpec; socketPath?: undefined; versionKey?: string });

/** A connection that lasted this long resets the backoff. */
const STABLE_CONNECTION_MS = 30_000;

/** How one request differs from the client's defaults. */
export interface RequestOptions {
  /** This request's own timeout (a field change through the ENTSSO bridge takes minutes on a large application). */
  timeoutMs?: number;
  /** Closing the connection lets this request finish: the bridge is not killed under it before its deadline. */
  finishOnClose?: boolean;
}

interface Pending {
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
  method: string;
  /** performance.now() past which the request is given up (monotonic: a clock change moves no deadline). */
  deadline: number;
  timeoutMs: number;
  finishOnClose?: boolean;
  /** Set once its connection was closed while it finishes (finishOnClose): the answer can still come from it. */
  closing?: Transport;
}

export type ConnectionStatus = 'connecting' | 'connected' | 'disconnected';

interface SsoClientEvents {
  state: [ServiceState];
  connection: [ConnectionStatus, SsoError | undefined];
}

export class SsoClient extends EventEmitter<SsoClientEvents> {
  private transport: Transport | undefined;
  private pending = new Map<number, Pending>();
  /**
   * One timer for every pending request's deadline, not one per request: a timer set and cleared
   * per request was work on every read, on its way out and back (docs/PERFORMANCE.md, "Fifth
   * round"). Unreferenced: while a request is pending its channel keeps the process alive.
   */
  private deadlineTimer: NodeJS.Timeout | undefined;
  private deadlineTimerAt = Infinity;
  private nextId = 1;
  private closedByUser = false;
  /** The latest connect() (or close()): an earlier attempt still under way gives up. */
  private connectAttempt = 0;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private lastState: ServiceState | undefined;
  /** States pushed so far, and how many had come when the hello was answered (see connect). */
  private statePushes = 0;
  private statePushesAtHello = 0;
  private lastHello: HelloResult | undefined;
  /** Failed connects, and connections that did not last STABLE_CONNECTION_MS, in a row. */
  private failedAttempts = 0;
  private connectedAt = 0;
  private status: ConnectionStatus = 'disconnected';
  /** Why the service said it is closing this session, if it did: reported instead of "connection lost". */
  private closedByService: SsoError | undefined;
  private warnedMalformedState = false;

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

  /** What serves the protocol, as its `hello` said (`ssod` when it did not say). */
  get backend(): BackendKind | undefined {
    return this.lastHello ? (this.lastHello.backend ?? 'ssod') : undefined;
  }

  /** The method names the server serves; undefined means every method (or not connected yet). */
  get capabilities(): readonly string[] | undefined {
    return this.lastHello?.capabilities;
  }

  /** Connects and authenticates. Rejects with a typed SsoError (never hangs past the timeout). */
  async connect(): Promise<ServiceState> {
    // close() and a later connect() end this attempt: whatever it opened is closed, not kept.
    const attempt = ++this.connectAttempt;
    this.closedByUser = false;
    this.setStatus('connecting');
    let opened: Transport | undefined;
    try {
      opened = await this.openTransport();
      this.throwIfSuperseded(attempt);
      this.transport = opened;
      const hello = await this.request('hello', this.helloParams());
      this.throwIfSuperseded(attempt);
      // Its capabilities decide the menus and its backend the wording: either of the wrong shape is no connection.
      // (A malformed state in it is ignored, and said, as a pushed one is: see updateState.)
      if (!isHelloResult(hello)) throw invalidHello();
      this.lastHello = hello;
      this.connectedAt = Date.now();
      this.setStatus('connected');
      // A state pushed right after the hello's answer (read in the same chunk) was applied before
      // this line runs, and is newer than the hello's: the hello's must not overwrite it.
      if (this.statePushes === this.statePushesAtHello) this.updateState(hello.state);
      return this.lastState ?? hello.state;
    } catch (err) {
      const error = toSsoError(err);
      // Ended by close() or a newer connect(): only its own transport is this attempt's to close,
      // and there is no failure to report or retry.
      if (attempt !== this.connectAttempt) {
        opened?.close();
        throw error;
      }
      this.dropTransport();
      this.failedAttempts++;
      this.setStatus('disconnected', error);
      // The same token or protocol version would be refused again, forever: wait to be told to connect.
      if (!isFinalRefusal(error)) this.scheduleReconnect();
      throw error;
    }
  }

  private helloParams(): ParamsOf<'hello'> {
    const params: ParamsOf<'hello'> = { token: this.options.token, protocolVersion: PROTOCOL_VERSION, client: this.options.clientName };
    // The bridge only: the own service refuses parameters it does not know.
    if (this.options.process && this.options.versionKey) params.versionKey = this.options.versionKey;
    return params;
  }

  private throwIfSuperseded(attempt: number): void {
    if (attempt !== this.connectAttempt) throw new SsoError('ENTSSO_E_NOT_CONNECTED', 'This connection to the SSO service was closed, or replaced by a newer one, while it was being opened.');
  }

  async request<M extends MethodName>(method: M, params: ParamsOf<M>, options: RequestOptions = {}): Promise<ResultOf<M>> {
    const transport = this.transport;
    if (!transport || transport.destroyed) {
      throw new SsoError('ENTSSO_E_NOT_CONNECTED', 'Not connected to the SSO service. Check that it is running, then connect again.');
    }
    const id = this.nextId++;
    const timeoutMs = options.timeoutMs ?? this.options.requestTimeoutMs ?? 30_000;
    // The bridge runs requests one at a time: one still queued when this client gives up must not
    // run later (a save reported as failed would be stored after all), so it is told until when.
    // Wall-clock milliseconds: the bridge is a child process, on this machine's clock.
    const envelope = this.options.process ? { jsonrpc: '2.0', id, method, params, notAfter: Date.now() + timeoutMs } : { jsonrpc: '2.0', id, method, params };
    const line = encodeLine(envelope);
    refuseOversizedFrame(method, line);
    return new Promise<ResultOf<M>>((resolve, reject) => {
      const deadline = performance.now() + timeoutMs;
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject, method, deadline, timeoutMs, finishOnClose: options.finishOnClose });
      if (deadline < this.deadlineTimerAt) this.armDeadlineTimer(deadline);
      transport.write(line);
    });
  }

  /** One timer, for the earliest deadline (a field change's long one may come before short ones). */
  private armDeadlineTimer(at: number): void {
    clearTimeout(this.deadlineTimer);
    this.deadlineTimerAt = at;
    this.deadlineTimer = setTimeout(() => this.rejectOverdueRequests(), Math.max(0, at - performance.now())).unref();
  }

  private rejectOverdueRequests(): void {
    this.deadlineTimer = undefined;
    this.deadlineTimerAt = Infinity;
    const now = performance.now();
    let next = Infinity;
    for (const [id, p] of this.pending) {
      if (p.closing) continue; // bounded by its transport's kill instead
      if (p.deadline > now) {
        next = Math.min(next, p.deadline);
        continue;
      }
      this.pending.delete(id);
      p.reject(timeoutError(p.method, p.timeoutMs));
    }
    if (next !== Infinity) this.armDeadlineTimer(next);
  }

  close(): void {
    this.closedByUser = true;
    this.connectAttempt++;
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
    clearTimeout(this.deadlineTimer);
    this.deadlineTimer = undefined;
    this.deadlineTimerAt = Infinity;
    this.dropTransport();
    this.setStatus('disconnected');
  }

  private async openTransport(): Promise<Transport> {
    // The handlers exist before the transport they belong to: they find it here once it is open.
    const opened: { transport?: Transport } = {};
    const decoder = new LineDecoder((line) => this.onLine(line));
    const handlers: TransportHandlers = {
      onData: (data) => {
        try {
          decoder.push(data);
        } catch {
          opened.transport?.close(); // a frame over the limit: the peer is not speaking the protocol
        }
      },
      onClose: () => {
        if (!opened.transport) return;
        this.rejectFinishing(opened.transport);
        this.onClose(opened.transport);
      },
      onLog: this.options.onProcessLog,
    };
    opened.transport = this.options.process ? await openProcessTransport(this.options.process, handlers) : await openSocketTransport(this.options.socketPath, handlers);
    return opened.transport;
  }

  private onLine(line: string): void {
    let message: RpcResponse & { method?: string; params?: unknown };
    try {
      message = JSON.parse(line);
    } catch {
      return;
    }
    // `null`, a number, an array: no message (reading a member of null threw, and the channel was closed).
    if (typeof message !== 'object' || message === null || Array.isArray(message)) return;
    if (message.method === 'state' && message.id === undefined) {
      this.statePushes++;
      this.updateState(message.params);
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
    if (pending.method === 'hello') this.statePushesAtHello = this.statePushes;
    if (message.error !== undefined && message.error !== null) pending.reject(fromRpcError(message.error));
    else if ('result' in message) pending.resolve(message.result);
    else pending.reject(new SsoError('ENTSSO_E_INTERNAL', `The answer to "${pending.method}" held no result. Try again.`));
  }

  private onClose(transport: Transport): void {
    if (this.transport !== transport) return;
    this.transport = undefined;
    const closedByService = this.closedByService;
    this.closedByService = undefined;
    const error =
      closedByService ??
      (this.options.process
        ? new SsoError('ENTSSO_E_NOT_CONNECTED', 'The ENTSSO bridge process ended. It is restarted by itself; if this repeats, run "SSO: Show Log" to see why.')
        : new SsoError('ENTSSO_E_NOT_CONNECTED', 'The connection to the SSO service was lost. It reconnects by itself when the service is back.'));
    for (const [id, p] of this.pending) {
      if (p.closing) continue;
      this.pending.delete(id);
      p.reject(error);
    }
    // While connecting, the failed hello does the rest (connect's catch).
    if (this.status !== 'connected') return;
    this.failedAttempts = Date.now() - this.connectedAt >= STABLE_CONNECTION_MS ? 0 : this.failedAttempts + 1;
    this.setStatus('disconnected', error);
    // A session the service closed on purpose (token rotated) would be refused again: wait to be told to connect.
    if (!closedByService) this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (!this.options.reconnect || this.closedByUser || this.reconnectTimer) return;
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      if (this.closedByUser || this.transport) return;
      this.connect().catch(() => undefined);
    }, this.reconnectDelay());
  }

  /** Doubles with each failed attempt in a row, up to the maximum: a bridge that dies at start is not restarted in a tight loop. */
  reconnectDelay(): number {
    const base = this.options.reconnectDelayMs ?? 1000;
    const max = Math.max(base, this.options.reconnectMaxDelayMs ?? base);
    return Math.min(max, base * 2 ** Math.min(this.failedAttempts, 20));
  }

  private dropTransport(): void {
    const transport = this.transport;
    this.transport = undefined;
    const now = performance.now();
    let graceMs = 0;
    for (const [id, p] of this.pending) {
      if (p.closing) continue;
      if (transport && p.finishOnClose && this.options.process) {
        // Killing the bridge half-way through a field change leaves the application missing for BizTalk
        // (the own service runs it in one transaction: a closed socket changes nothing there).
        p.closing = transport;
        graceMs = Math.max(graceMs, p.deadline - now);
        continue;
      }
      this.pending.delete(id);
      p.reject(closedBeforeAnswer(p.method, this.options.process !== undefined));
    }
    transport?.close({ graceMs });
  }

  /** The closed channel is gone: requests left to finish on it get no answer any more. */
  private rejectFinishing(transport: Transport): void {
    for (const [id, p] of this.pending) {
      if (p.closing !== transport) continue;
      this.pending.delete(id);
      p.reject(new SsoError('ENTSSO_E_NOT_CONNECTED', `The ENTSSO bridge ended before "${p.method}" finished. Enterprise SSO keeps a copy of every value: the next connection to this environment finishes or undoes the change.`));
    }
  }

  private setStatus(status: ConnectionStatus, error?: SsoError): void {
    if (this.status === status && !error) return;
    this.status = status;
    this.emit('connection', status, error);
  }

  /** A state that is not one (null, a wrong shape) is ignored: listeners read its fields. */
  private updateState(state: unknown): void {
    if (!isServiceState(state)) {
      if (!this.warnedMalformedState) this.options.onProtocolWarning?.('Ignored an invalid service state from the SSO service (further ones silently).');
      this.warnedMalformedState = true;
      return;
    }
    // Its texts are shown in the status bar and logged: cut and escaped like every other text the server wrote.
    const shown = { ...state, mssName: peerText(state.mssName, ''), message: peerText(state.message, '') };
    this.lastState = shown;
    this.emit('state', shown);
  }
}

function fromRpcError(error: RpcResponse['error']): SsoError {
  const code = error?.data?.ssoCode;
  const details = error?.data?.details;
  return new SsoError(isSsoErrorCode(code) ? code : 'ENTSSO_E_INTERNAL', peerText(error?.message, 'The SSO service reported an error.'), isRecord(details) ? details : {});
}

function isFinalRefusal(error: SsoError): boolean {
  return error.code === 'ENTSSO_E_ACCESS_DENIED' || error.code === 'ENTSSO_E_UNSUPPORTED_VERSION';
}

/** The service closed the session on purpose (today: the token was rotated); reconnecting with the old token cannot work. */
function sessionClosedError(params: unknown): SsoError {
  const p = (typeof params === 'object' && params !== null ? params : {}) as { reason?: unknown; message?: unknown; rotatedAt?: unknown };
  const message = peerText(p.message, 'The SSO service closed this session. Connect again with the current access token.');
  return new SsoError('ENTSSO_E_ACCESS_DENIED', message, { reason: typeof p.reason === 'string' ? p.reason : 'session-closed', rotatedAt: p.rotatedAt });
}

function toSsoError(err: unknown): SsoError {
  if (err instanceof SsoError) return err;
  return new SsoError('ENTSSO_E_INTERNAL', err instanceof Error ? err.message : String(err));
}

/** Methods that change nothing (reads, exports, inspections): a timeout of any other may still have been carried out. */
const READ_ONLY_METHOD = /^(hello|status|health|search)$|\.(list|get|export|inspectExport|planImport|grep|fingerprints|info|inspect|nodes)$/;

/**
 * A request left unanswered when the connection closed. The bridge reads its stdin in order and
 * runs what is already in the pipe after the close (for as long as a field change keeps it alive),
 * so a change sent to it may still be applied: it must not be reported as not made.
 */
function closedBeforeAnswer(method: string, toBridge: boolean): SsoError {
  if (!toBridge || READ_ONLY_METHOD.test(method)) return new SsoError('ENTSSO_E_NOT_CONNECTED', 'The connection to the SSO service was closed.');
  return new SsoError('ENTSSO_E_TIMEOUT', `The connection to the ENTSSO bridge was closed before it answered "${method}". ${mayBeApplied(method)}`, { mayBeApplied: true });
}

/** GenerateSecret switches the secret in the call whose lost answer held the new secret's only backup. */
function mayBeApplied(method: string): string {
  return method === 'secret.generate' ? 'The new master secret may be in use without a backup: run "Back Up Master Secret" now.' : 'The change may still be applied: refresh to see.';
}

/** The service closes a connection that sends a frame over its limit: such a request is refused here, and the connection stays up. */
function refuseOversizedFrame(method: string, line: string): void {
  const bytes = Buffer.byteLength(line) - 1; // the limit is on the line without its newline
  if (bytes <= MAX_FRAME_BYTES) return;
  throw new SsoError('ENTSSO_E_INVALID_REQUEST', `"${method}" is too large to send (${bytes} bytes, limit ${MAX_FRAME_BYTES}): nothing was sent. Make it smaller.`);
}

function timeoutError(method: string, timeoutMs: number): SsoError {
  const waited = `The SSO service did not answer "${method}" within ${Math.round(timeoutMs / 1000)} s.`;
  if (READ_ONLY_METHOD.test(method)) return new SsoError('ENTSSO_E_TIMEOUT', waited);
  return new SsoError('ENTSSO_E_TIMEOUT', `${waited} ${mayBeApplied(method)}`, { mayBeApplied: true });
}

const STATE_NAMES: ReadonlySet<string> = new Set<ServiceStateName>(['ready', 'cached', 'no-secret', 'reencrypting', 'ssodb-unreachable']);

/** The fields every reader of a state relies on, with their types. */
function isServiceState(value: unknown): value is ServiceState {
  if (typeof value !== 'object' || value === null) return false;
  const s = value as Partial<Record<keyof ServiceState, unknown>>;
  return (
    typeof s.state === 'string' &&
    STATE_NAMES.has(s.state) &&
    typeof s.mssName === 'string' &&
    typeof s.canEncrypt === 'boolean' &&
    typeof s.canDecrypt === 'boolean' &&
    typeof s.message === 'string' &&
    (s.reencrypt === undefined || isProgress(s.reencrypt))
  );
}

function isProgress(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  const p = value as Record<string, unknown>;
  return typeof p.done === 'number' && typeof p.total === 'number';
}

/** Longest message of the server's shown or logged; a longer one is cut. */
const MAX_PEER_MESSAGE_CHARS = 4000;

/**
 * A message the server wrote, as callers show and log it: a string (else `fallback`), cut, and with
 * line breaks and other controls escaped, so that a broken or hostile bridge cannot forge a log line.
 */
function peerText(value: unknown, fallback: string): string {
  if (typeof value !== 'string' || value.length === 0) return fallback;
  const cut = value.length > MAX_PEER_MESSAGE_CHARS ? `${value.slice(0, MAX_PEER_MESSAGE_CHARS)}… (cut)` : value;
  return escapeUnsafeCharacters(cut);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The hello answer's members the client hands on as they are (capabilities, backend), with their types. */
function isHelloResult(value: unknown): value is HelloResult {
  if (!isRecord(value)) return false;
  const { capabilities, backend } = value;
  if (capabilities !== undefined && !(Array.isArray(capabilities) && capabilities.every((c) => typeof c === 'string'))) return false;
  // A kind this version does not know (a newer service's) is served with the generic wording, not refused.
  return backend === undefined || (typeof backend === 'string' && backend.length <= 64);
}

function invalidHello(): SsoError {
  return new SsoError('ENTSSO_E_INTERNAL', 'The SSO service answered in a form this version does not understand. Update the extension (and ssoctl) to the version of the service; if they match, reinstall the extension.');
}
