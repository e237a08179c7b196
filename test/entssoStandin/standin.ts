/**
 * Test helper for the ENTSSO bridge: builds entsso-bridge.exe and the STAND-IN of Microsoft's
 * ENTSSO interop assembly (test/entssoStandin/*.cs), seeds the stand-in's state file with
 * BizTalk-shaped data (adapter GUID applications with send ports, receive locations and handlers,
 * plus a STAND-IN of BizTalkMgmtDb with their names, and config-store applications), injects
 * faults, and runs the bridge on Mono as a child process speaking JSON lines.
 *
 * The stand-in re-reads its state file on every call; this helper writes it under the same lock
 * file and atomically (temp file + rename). Stored values are AES-256-CBC encrypted under the
 * stand-in's master secret, as the stand-in writes them.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before } from 'node:test';
import type { RpcErrorObject, ServiceState } from '../../src/protocol/messages';

export const ROOT = resolve(__dirname, '..', '..');
export const STANDIN_ROOT = join(ROOT, '.artifacts', 'entsso-standin');

// ---------------------------------------------------------------- build

let built: Promise<{ bridgeExe: string; interopRoot: string }> | undefined;

/** The TEST build of the bridge (with its test hooks: MgmtDb stand-in file, crash points); dist/ holds the shipped one, without. */
export const TEST_BRIDGE_EXE = join(ROOT, '.artifacts', 'entsso-bridge-test', 'entsso-bridge.exe');

/** Builds (when out of date) the TEST build of entsso-bridge.exe and the stand-in under .artifacts/; once per process. */
export function buildBridgeAndStandin(): Promise<{ bridgeExe: string; interopRoot: string }> {
  built ??= new Promise((resolvePromise, reject) => {
    const r = spawnSync(process.execPath, [join(ROOT, 'scripts', 'buildBridge.mjs'), '--standin-root', STANDIN_ROOT, '--test-hooks'], { cwd: ROOT, encoding: 'utf8' });
    if (r.status !== 0) reject(new Error(`building the bridge failed:\n${r.stderr}`));
    else resolvePromise({ bridgeExe: TEST_BRIDGE_EXE, interopRoot: STANDIN_ROOT });
  });
  return built;
}

// ---------------------------------------------------------------- state file

export const Flags = {
  enabled: 0x2,
  allowLocal: 0x40000,
  configStore: 0x100000,
  adapter: 0x400000,
  masked: 0x10000000,
} as const;

export interface StandinField {
  label: string;
  flags: number;
}

export interface StandinApp {
  name: string;
  description: string;
  contact: string;
  userGroup: string;
  adminGroup: string;
  flags: number;
  numFields: number;
  fields: StandinField[];
  /** identifier → label → encrypted value (base64 of IV + AES-256-CBC). */
  configs: Record<string, Record<string, string>>;
}

export interface StandinState {
  localServer: string;
  secretServer: string;
  mssReachable: boolean;
  localRunning: boolean;
  secretCached: boolean;
  reencrypting: boolean;
  accessDenied: boolean;
  /** The next N SetConfigInfo calls fail with 0xC0002A40 (write race). */
  raceCount: number;
  racesRaised: number;
  /** Successful SetConfigInfo calls so far. */
  writesDone: number;
  msid: string;
  previousMsid: string;
  secretKey: string;
  applications: StandinApp[];
  /** Interop member name (e.g. "GetConfigInfo") → HRESULT it fails with, e.g. "0xC0002A22" ("0x80070005" arrives as UnauthorizedAccessException). */
  failCalls?: Record<string, string>;
  /** Interop member name → milliseconds it takes (reads only). */
  delayCalls?: Record<string, number>;
  /** Set to {} to count calls: GetServerStatus, GetGlobalInfo and GetConfigInfo → how many were made since. */
  callCounts?: Record<string, number>;
  /** Applications PurgeCacheForApplication was called for (the last 20). */
  cachePurges?: string[];
  /** Field label → plain value that "another writer" stores right after the next successful SetConfigInfo (used once). */
  overwriteAfterSet?: Record<string, string>;
  /** Identifier → (field label → plain value) "another tool" stores in an application the moment a bridge creates its temporary copy (used once). */
  toolWriteOnCopy?: Record<string, Record<string, string>>;
}

export type StandinFault = Partial<
  Pick<StandinState, 'localServer' | 'secretServer' | 'mssReachable' | 'localRunning' | 'secretCached' | 'reencrypting' | 'accessDenied' | 'raceCount' | 'failCalls' | 'delayCalls' | 'callCounts' | 'overwriteAfterSet' | 'toolWriteOnCopy'>
>;

function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** The stand-in's lock: a file created exclusively; one older than 10 s was left by a killed process. */
function withLock<T>(file: string, fn: () => T): T {
  const lock = `${file}.lock`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      closeSync(openSync(lock, 'wx'));
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      try {
        if (Date.now() - statSync(lock).mtimeMs > 10_000) rmSync(lock, { force: true });
      } catch {
        /* gone meanwhile */
      }
      if (Date.now() > deadline) throw new Error(`the stand-in state ${file} stayed locked for 30 s`, { cause: err });
      sleep(5);
    }
  }
  try {
    return fn();
  } finally {
    rmSync(lock, { force: true });
  }
}

function writeAtomically(file: string, value: unknown): void {
  const temporary = `${file}.tmp-${process.pid}`;
  writeFileSync(temporary, JSON.stringify(value, null, 1));
  renameSync(temporary, file);
}

export function readStandinState(file: string): StandinState {
  return withLock(file, () => JSON.parse(readFileSync(file, 'utf8')) as StandinState);
}

/** Changes the stand-in's state (faults, servers) atomically; the next ENTSSO call sees it. */
export function setStandinFault(file: string, patch: StandinFault): StandinState {
  return withLock(file, () => {
    const state = { ...(JSON.parse(readFileSync(file, 'utf8')) as StandinState), ...patch };
    writeAtomically(file, state);
    return state;
  });
}

/** Changes anything in the state under the lock (tests only). */
export function updateStandinState(file: string, change: (state: StandinState) => void): StandinState {
  return withLock(file, () => {
    const state = JSON.parse(readFileSync(file, 'utf8')) as StandinState;
    change(state);
    writeAtomically(file, state);
    return state;
  });
}

export function encryptStandinValue(secretKey: string, value: string): string {
  const iv = randomBytes(16);
  const cipher = createCipheriv('aes-256-cbc', Buffer.from(secretKey, 'base64'), iv);
  return Buffer.concat([iv, cipher.update(value, 'utf8'), cipher.final()]).toString('base64');
}

export function decryptStandinValue(secretKey: string, stored: string): string {
  const all = Buffer.from(stored, 'base64');
  const decipher = createDecipheriv('aes-256-cbc', Buffer.from(secretKey, 'base64'), all.subarray(0, 16));
  return Buffer.concat([decipher.update(all.subarray(16)), decipher.final()]).toString('utf8');
}

/** The decrypted values stored for an identifier (undefined when there is none); for assertions. */
export function standinValues(file: string, application: string, identifier: string): Record<string, string> | undefined {
  const state = readStandinState(file);
  const app = state.applications.find((a) => a.name.toLowerCase() === application.toLowerCase());
  const stored = app?.configs[identifier];
  if (!stored) return undefined;
  return Object.fromEntries(Object.entries(stored).map(([k, v]) => [k, decryptStandinValue(state.secretKey, v)]));
}

// ---------------------------------------------------------------- BizTalk-shaped seed

export interface SeedField {
  label: string;
  masked?: boolean;
}

export interface SeedApplication {
  name: string;
  kind: 'configStore' | 'adapter' | 'affiliate';
  enabled?: boolean;
  description?: string;
  fields: SeedField[];
  configs?: Record<string, Record<string, string>>;
}

export interface SeedOptions {
  localServer?: string;
  /** The master secret server's name; the same as localServer (the default) makes this machine the MSS. */
  secretServer?: string;
  /** Where to write the STAND-IN of BizTalkMgmtDb; default `<state file>.mgmtdb.json`; false: none. */
  mgmtDbFile?: string | false;
  /** Replace the default applications. */
  applications?: SeedApplication[];
}

export const SEED = {
  sftpSendHandler: '{6A8C3F52-1B7E-4F0A-9C3D-2E5B8A7F1C01}',
  fileReceiveHandler: '{B4D2E9A1-7C3F-4E8B-A5D6-3F1C9E2B7A02}',
  sendPortOrders: '{0F3E8D21-9A4B-4C7E-B2D5-6E1F8A3C9B11}',
  sendPortInvoices: '{1A2B3C4D-5E6F-4A7B-8C9D-0E1F2A3B4C12}',
  receiveLocationOrders: '{9E8D7C6B-5A4F-4E3D-2C1B-0A9F8E7D6C21}',
  ordersSettings: 'Contoso.Orders.Settings',
  paymentsSettings: 'Contoso.Payments.Settings',
  archiveSettings: 'Contoso.Archive.Settings',
  mainframe: 'Contoso.Mainframe',
} as const;

/** Values seeded (tests assert on them; they are test data, not secrets of anyone). */
export const SEED_VALUES = {
  ordersPassword: 'sftp-Pa55-w0rd-orders',
  ordersUser: 'svc-orders',
  ordersUri: 'sftp://files.contoso.example/out/orders',
  invoicesPassword: 'sftp-Pa55-w0rd-invoices',
  apiKey: 'pk_live_seeded-api-key-0001',
  serviceUrl: 'https://orders.contoso.example/api',
} as const;

export function defaultSeedApplications(): SeedApplication[] {
  const sftpFields = [{ label: 'uri' }, { label: 'userName' }, { label: 'password', masked: true }, { label: 'sshHostKeyFingerprint' }];
  return [
    {
      name: SEED.sftpSendHandler,
      kind: 'adapter',
      description: 'SFTP send handler',
      fields: sftpFields,
      configs: {
        [SEED.sftpSendHandler]: { uri: '', userName: '', password: '', sshHostKeyFingerprint: '' },
        [SEED.sendPortOrders]: { uri: SEED_VALUES.ordersUri, userName: SEED_VALUES.ordersUser, password: SEED_VALUES.ordersPassword, sshHostKeyFingerprint: 'ssh-rsa 2048 aa:bb:cc' },
        [SEED.sendPortInvoices]: { uri: 'sftp://files.contoso.example/out/invoices', userName: 'svc-invoices', password: SEED_VALUES.invoicesPassword, sshHostKeyFingerprint: 'ssh-rsa 2048 dd:ee:ff' },
      },
    },
    {
      name: SEED.fileReceiveHandler,
      kind: 'adapter',
      description: 'FILE receive handler',
      fields: [{ label: 'path' }, { label: 'fileMask' }, { label: 'password', masked: true }],
      configs: {
        [SEED.receiveLocationOrders]: { path: 'D:\\Drop\\Orders', fileMask: '*.xml', password: 'file-share-Pa55' },
      },
    },
    {
      name: SEED.ordersSettings,
      kind: 'configStore',
      description: 'Orders integration settings',
      fields: [{ label: 'ServiceUrl' }, { label: 'RetryCount' }, { label: 'ApiKey', masked: true }],
      configs: {
        ConfigProperties: { ServiceUrl: SEED_VALUES.serviceUrl, RetryCount: '3', ApiKey: SEED_VALUES.apiKey },
        Staging: { ServiceUrl: 'https://staging.orders.contoso.example/api', RetryCount: '5', ApiKey: 'pk_test_staging' },
      },
    },
    {
      name: SEED.paymentsSettings,
      kind: 'configStore',
      description: 'Payments settings',
      fields: [{ label: 'Endpoint' }, { label: 'ClientSecret', masked: true }],
      configs: { ConfigProperties: { Endpoint: 'https://pay.contoso.example', ClientSecret: 'cs-payments-0001' } },
    },
    {
      name: SEED.archiveSettings,
      kind: 'configStore',
      enabled: false,
      description: 'Archive settings (disabled)',
      fields: [{ label: 'Folder' }],
      configs: { ConfigProperties: { Folder: 'E:\\Archive' } },
    },
    { name: SEED.mainframe, kind: 'affiliate', description: 'Mainframe credentials (affiliate application)', fields: [{ label: 'User' }, { label: 'Password', masked: true }] },
  ];
}

function kindFlags(kind: SeedApplication['kind']): number {
  if (kind === 'adapter') return Flags.configStore | Flags.adapter | Flags.allowLocal;
  if (kind === 'configStore') return Flags.configStore | Flags.allowLocal;
  return 0;
}

/** Writes a fresh stand-in state (and MgmtDb stand-in) to `file`. Returns the paths. */
export function seedStandinState(file: string, options: SeedOptions = {}): { stateFile: string; mgmtDbFile?: string } {
  const secretKey = randomBytes(32).toString('base64');
  const localServer = options.localServer ?? 'BTS01';
  const applications = (options.applications ?? defaultSeedApplications()).map((a): StandinApp => ({
    name: a.name,
    description: a.description ?? '',
    contact: 'integration-team@contoso.example',
    userGroup: a.kind === 'adapter' ? 'BizTalk Application Users' : 'SSO Affiliate Administrators',
    adminGroup: 'SSO Administrators',
    flags: kindFlags(a.kind) | (a.enabled === false ? 0 : Flags.enabled),
    numFields: a.fields.length,
    fields: a.fields.map((f) => ({ label: f.label, flags: f.masked ? Flags.masked : 0 })),
    configs: Object.fromEntries(
      Object.entries(a.configs ?? {}).map(([id, values]) => [id, Object.fromEntries(Object.entries(values).map(([k, v]) => [k, encryptStandinValue(secretKey, v)]))]),
    ),
  }));
  const state: StandinState = {
    localServer,
    secretServer: options.secretServer ?? localServer,
    mssReachable: true,
    localRunning: true,
    secretCached: true,
    reencrypting: false,
    accessDenied: false,
    raceCount: 0,
    racesRaised: 0,
    writesDone: 0,
    msid: '{5B0C2A61-0D1E-4F2A-8B3C-4D5E6F708192}',
    previousMsid: '',
    secretKey,
    applications,
  };
  rmSync(`${file}.lock`, { force: true });
  writeAtomically(file, state);
  let mgmtDbFile: string | undefined;
  if (options.mgmtDbFile !== false) {
    mgmtDbFile = options.mgmtDbFile ?? `${file}.mgmtdb.json`;
    writeAtomically(mgmtDbFile, defaultMgmtDb());
  }
  return { stateFile: file, mgmtDbFile };
}

/** A STAND-IN of what the bridge reads from BizTalkMgmtDb: handlers, send ports and receive locations with their SSO GUIDs. */
export function defaultMgmtDb() {
  return {
    note: 'STAND-IN of BizTalkMgmtDb (adm_SendHandler, adm_ReceiveHandler, bts_sendport, adm_ReceiveLocation) for tests',
    sendHandlers: [{ ssoApplication: SEED.sftpSendHandler, adapter: 'SFTP', host: 'BizTalkServerApplication' }],
    receiveHandlers: [{ ssoApplication: SEED.fileReceiveHandler, adapter: 'FILE', host: 'BizTalkServerApplication' }],
    sendPorts: [
      { ssoApplication: SEED.sftpSendHandler, identifier: SEED.sendPortOrders, name: 'SP_Orders_SFTP', adapter: 'SFTP', application: 'Orders.Integration' },
      { ssoApplication: SEED.sftpSendHandler, identifier: SEED.sendPortInvoices, name: 'SP_Invoices_SFTP', adapter: 'SFTP', application: 'Finance.Integration' },
    ],
    receiveLocations: [{ ssoApplication: SEED.fileReceiveHandler, identifier: SEED.receiveLocationOrders, name: 'RL_Orders_FILE', adapter: 'FILE', application: 'Orders.Integration' }],
  };
}

// ---------------------------------------------------------------- running the bridge

export interface BridgeEnvOptions {
  stateFile: string;
  interopRoot: string;
  mgmtDbFile?: string;
  /** Test hook: kill the bridge at this step of a field change (see bridge/FieldChanges.cs). */
  crashAt?: string;
  /** Test hook: the field-change lock's heartbeat period (bridge/FieldChangeLock.cs; 30 s otherwise). */
  lockHeartbeatMs?: number;
}

/** The environment to start `mono <bridgeExe>` with: where the interop assembly is, the stand-in's state, the MgmtDb stand-in. */
export function bridgeEnv(options: BridgeEnvOptions): Record<string, string> {
  const env: Record<string, string> = {
    CommonProgramW6432: options.interopRoot,
    ENTSSO_STANDIN_STATE: options.stateFile,
  };
  if (options.mgmtDbFile) env.ENTSSO_BRIDGE_MGMTDB_FILE = options.mgmtDbFile;
  if (options.crashAt) env.ENTSSO_BRIDGE_CRASH_AT = options.crashAt;
  if (options.lockHeartbeatMs) env.ENTSSO_BRIDGE_LOCK_HEARTBEAT_MS = String(options.lockHeartbeatMs);
  return env;
}

export class BridgeRpcError extends Error {
  constructor(readonly error: RpcErrorObject) {
    super(error.message);
  }
  get ssoCode(): string {
    return this.error.data.ssoCode;
  }
}

/** The RPC error a bridge request is refused with; fails if it succeeds or fails otherwise. */
export async function refusal(promise: Promise<unknown>): Promise<BridgeRpcError> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof BridgeRpcError) return err;
    throw new Error(`expected an RPC error, got ${String(err)}`, { cause: err });
  }
  throw new Error('expected a refusal');
}

/** entsso-bridge.exe on Mono as a child process; JSON lines on stdin/stdout. For tests. */
export class BridgeProcess {
  readonly stderr: string[] = [];
  readonly states: ServiceState[] = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private nextId = 1;
  private buffer = '';
  private readonly pending = new Map<number | string | null, { resolve: (v: unknown) => void; reject: (e: Error) => void }[]>();
  private readonly stateWaiters: (() => void)[] = [];

  constructor(readonly child: ChildProcess) {
    child.stdout!.setEncoding('utf8');
    child.stdout!.on('data', (d: string) => this.onData(d));
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (d: string) => this.stderr.push(...d.split('\n').filter(Boolean)));
    this.exited = new Promise((r) => child.once('exit', (code, signal) => r({ code, signal })));
    void this.exited.then(() => {
      for (const list of this.pending.values()) for (const p of list) p.reject(new Error(`the bridge exited; its log:\n${this.stderr.join('\n')}`));
      this.pending.clear();
    });
  }

  /**
   * Log lines matching `pattern`, once at least `count` have arrived: stderr is another pipe than
   * the answers, so a line written before an answer may still arrive after it.
   */
  async logLines(pattern: RegExp, count = 1, timeoutMs = 5000): Promise<string[]> {
    const deadline = Date.now() + timeoutMs;
    let found = this.stderr.filter((l) => pattern.test(l));
    while (found.length < count && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
      found = this.stderr.filter((l) => pattern.test(l));
    }
    return found;
  }

  static async start(env: Record<string, string>, options: { pollMs?: number; args?: string[] } = {}): Promise<BridgeProcess> {
    const { bridgeExe } = await buildBridgeAndStandin();
    const args = [bridgeExe, '--poll-ms', String(options.pollMs ?? 300), ...(options.args ?? [])];
    const child = spawn('mono', args, { env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
    return new BridgeProcess(child);
  }

  private onData(data: string): void {
    this.buffer += data;
    for (let nl = this.buffer.indexOf('\n'); nl !== -1; nl = this.buffer.indexOf('\n')) {
      const line = this.buffer.slice(0, nl);
      this.buffer = this.buffer.slice(nl + 1);
      if (line.trim()) this.onMessage(JSON.parse(line) as { id?: number | string | null; method?: string; params?: unknown; result?: unknown; error?: RpcErrorObject });
    }
  }

  private onMessage(message: { id?: number | string | null; method?: string; params?: unknown; result?: unknown; error?: RpcErrorObject }): void {
    if (message.method === 'state') {
      this.states.push(message.params as ServiceState);
      for (const w of this.stateWaiters.splice(0)) w();
      return;
    }
    const key = message.id ?? null;
    const waiting = this.pending.get(key);
    const next = waiting?.shift();
    if (waiting && waiting.length === 0) this.pending.delete(key);
    if (!next) return;
    if (message.error) next.reject(new BridgeRpcError(message.error));
    else next.resolve(message.result);
  }

  private expect(id: number | string | null): Promise<unknown> {
    return new Promise((resolvePromise, reject) => {
      const list = this.pending.get(id) ?? [];
      list.push({ resolve: resolvePromise, reject });
      this.pending.set(id, list);
    });
  }

  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read the result as the method's result type
  request<T = any>(method: string, params: unknown = {}): Promise<T> {
    const id = this.nextId++;
    const answer = this.expect(id);
    this.child.stdin!.write(JSON.stringify({ jsonrpc: '2.0', id, method, params }) + '\n');
    return answer as Promise<T>;
  }

  /** Sends raw bytes; the answer expected carries `id` (null for unparseable lines). */
  sendRaw(text: string | Buffer, id: number | string | null = null): Promise<unknown> {
    const answer = this.expect(id);
    this.child.stdin!.write(text);
    return answer;
  }

  /** config.get of one configuration, masked values left out (as the explorer opens it). */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read the result as config.get's result type
  getConfig(application: string, identifier: string): Promise<any> {
    return this.request('config.get', { application, identifier });
  }

  hello(): Promise<{ protocolVersion: number; serverVersion: string; state: ServiceState; backend: string; capabilities: string[] }> {
    return this.request('hello', { token: '', protocolVersion: 1, client: 'bridge-test' });
  }

  async waitForState(name: ServiceState['state'], timeoutMs = 15_000): Promise<ServiceState> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const last = this.states[this.states.length - 1];
      if (last?.state === name) return last;
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw new Error(`no "${name}" state within ${timeoutMs} ms; states: ${this.states.map((s) => s.state).join(', ')}`);
      await new Promise<void>((r) => {
        const t = setTimeout(r, remaining);
        this.stateWaiters.push(() => {
          clearTimeout(t);
          r();
        });
      });
    }
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.stdin!.end();
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5000);
    await this.exited;
    clearTimeout(timer);
  }
}

/** Removes a seeded state and what goes with it. */
export function removeStandinState(file: string): void {
  for (const f of [file, `${file}.lock`, `${file}.mgmtdb.json`]) if (existsSync(f)) rmSync(f, { force: true });
}

export interface SeededBridge {
  bridge: BridgeProcess;
  stateFile: string;
  mgmtDbFile?: string;
  interopRoot: string;
  dir: string;
  env: Record<string, string>;
  /** Starts another bridge on the same state (e.g. after a kill). */
  restart(extra?: Partial<BridgeEnvOptions>): Promise<BridgeProcess>;
  dispose(): Promise<void>;
}

/** A fresh temporary folder with a seeded stand-in state, and a bridge on it that has said hello. */
export async function startSeededBridge(options: SeedOptions & { crashAt?: string; pollMs?: number } = {}): Promise<SeededBridge> {
  const { interopRoot } = await buildBridgeAndStandin();
  const dir = mkdtempSync(join(tmpdir(), 'entsso-bridge-test-'));
  const { stateFile, mgmtDbFile } = seedStandinState(join(dir, 'standin-state.json'), options);
  const env = bridgeEnv({ stateFile, interopRoot, mgmtDbFile, crashAt: options.crashAt });
  const started: BridgeProcess[] = [];
  const launch = async (extra: Partial<BridgeEnvOptions> = {}) => {
    const b = await BridgeProcess.start(bridgeEnv({ stateFile, interopRoot, mgmtDbFile, ...extra }), { pollMs: options.pollMs });
    started.push(b);
    await b.hello();
    return b;
  };
  const bridge = await launch({ crashAt: options.crashAt });
  return {
    bridge,
    stateFile,
    mgmtDbFile,
    interopRoot,
    dir,
    env,
    restart: launch,
    async dispose() {
      for (const b of started) await b.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * A seeded stand-in and a bridge on it for the tests of the calling `describe`: started in its
 * `before`, disposed of in its `after`. What it returns reads through to that bridge, so tests use
 * it as they would the result of startSeededBridge (only inside tests and hooks).
 */
export function useSeededBridge(options: SeedOptions & { crashAt?: string; pollMs?: number } = {}): SeededBridge {
  let current: SeededBridge | undefined;
  before(async () => {
    current = await startSeededBridge(options);
  });
  after(async () => {
    await current?.dispose();
  });
  const started = (): SeededBridge => {
    if (!current) throw new Error('the seeded bridge is used before its before() hook ran (or it failed to start)');
    return current;
  };
  // Each member is read when used, from the bridge the before() hook started (restart and dispose are closures).
  return new Proxy({} as SeededBridge, { get: (_, member) => started()[member as keyof SeededBridge] });
}

/**
 * The bridge's answer lines as text, one per request line written raw, in order (state pushes
 * skipped): for fuzzing, where an answer that is not valid JSON must fail the test, not the reader.
 */
export class RawAnswers {
  private readonly waiting: ((line: string) => void)[] = [];
  private buffered = '';

  constructor(private readonly bridge: BridgeProcess) {
    bridge.child.stdout!.on('data', (d: Buffer | string) => {
      this.buffered += d.toString();
      for (let end = this.buffered.indexOf('\n'); end >= 0; end = this.buffered.indexOf('\n')) {
        const line = this.buffered.slice(0, end);
        this.buffered = this.buffered.slice(end + 1);
        if (!line.includes('"method":"state"')) this.waiting.shift()?.(line);
      }
    });
  }

  /** Writes `line` and a line break; resolves with the one answer line (fails after 30 s without one: a hung bridge). */
  answerTo(line: string | Buffer): Promise<string> {
    return new Promise<string>((resolvePromise, reject) => {
      const shown = JSON.stringify(typeof line === 'string' ? line.slice(0, 120) : line.subarray(0, 120).toString());
      const timer = setTimeout(() => reject(new Error(`no answer within 30 s to ${shown}`)), 30_000);
      this.waiting.push((answer) => {
        clearTimeout(timer);
        resolvePromise(answer);
      });
      this.bridge.child.stdin!.write(Buffer.concat([Buffer.from(line), Buffer.from('\n')]));
    });
  }
}
