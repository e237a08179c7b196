/**
 * Real processes on loopback for integration tests: `ssoctl init` a temporary environment,
 * start the MSS and the SSO service as separate child processes of the built CLI
 * (dist/ssoctl.js) so that each can be killed, stopped or restarted, and talk to them through
 * the client library and the CLI itself.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import * as tls from 'node:tls';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { SsoClient } from '../../src/ssoClient/client';
import type { ServiceState, ServiceStateName } from '../../src/protocol/messages';
import { loadEnvironment, readToken, type Environment } from '../../src/ssoService/environment';

export const ROOT = resolve(__dirname, '..', '..');
export const SSOCTL = join(ROOT, 'dist', 'ssoctl.js');

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the built ssoctl synchronously. `input` goes to stdin (values never on the command line). */
export function ssoctl(args: string[], options: { input?: string; env?: NodeJS.ProcessEnv } = {}): RunResult {
  const r = spawnSync(process.execPath, [SSOCTL, ...args], { input: options.input ?? '', encoding: 'utf8', env: { ...process.env, ...options.env }, timeout: 120_000 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

export class Daemon {
  readonly log: string[] = [];
  private exited: Promise<number | null>;

  constructor(readonly child: ChildProcess) {
    const collect = (d: Buffer) => this.log.push(...d.toString('utf8').split('\n').filter(Boolean));
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    this.exited = new Promise((r) => child.once('exit', (code) => r(code)));
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Fails at once if the process exits first: waiting out the timeout would only hide why. */
  async waitForLog(pattern: RegExp, timeoutMs = 20_000): Promise<void> {
    await waitUntil(
      () => {
        const seen = this.log.some((l) => pattern.test(l));
        if (!seen && !this.running) throw new Error(`the process exited before logging ${pattern}; log:\n${this.log.join('\n')}`);
        return seen;
      },
      timeoutMs,
      () => `log line ${pattern} not seen; log:\n${this.log.join('\n')}`,
    );
  }

  signal(sig: NodeJS.Signals): void {
    if (this.running) this.child.kill(sig);
  }

  async kill(sig: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    if (!this.running) return;
    this.child.kill(sig);
    await this.exited;
  }

  async stop(): Promise<number | null> {
    this.signal('SIGTERM');
    return this.exited;
  }
}

export interface EnvOptions {
  syncIntervalSeconds?: number;
  /** Where the temporary environment folder goes (default: the OS temp folder). */
  baseDir?: string;
}

/** One temporary SSO environment and the processes started for it. */
export class TestEnvironment {
  readonly dir: string;
  readonly daemons: Daemon[] = [];
  readonly clients: SsoClient[] = [];
  mss: Daemon | undefined;
  service: Daemon | undefined;

  private constructor(dir: string) {
    this.dir = dir;
  }

  static create(options: EnvOptions = {}): TestEnvironment {
    // Short base path: Unix socket paths are limited to ~104 bytes.
    const dir = mkdtempSync(join(options.baseDir ?? tmpdir(), 'sso-it-'));
    const t = new TestEnvironment(join(dir, 'env'));
    const r = ssoctl(['init', '--dir', t.dir, '--mss-port', '0', '--sync-interval', String(options.syncIntervalSeconds ?? 1), '--name', 'Test']);
    if (r.code !== 0) throw new Error(`ssoctl init failed: ${r.stderr}`);
    return t;
  }

  /** A new environment with its MSS and SSO service running (disposed again if they fail to start). */
  static async started(options: EnvOptions = {}): Promise<TestEnvironment> {
    const t = TestEnvironment.create(options);
    try {
      await t.startMss();
      await t.startService();
      return t;
    } catch (error) {
      await t.dispose();
      throw error;
    }
  }

  get env(): Environment {
    return loadEnvironment(this.dir);
  }

  get ssodbFile(): string {
    return join(this.dir, 'ssodb.sqlite');
  }

  get syncIntervalMs(): number {
    return this.env.config.syncIntervalMs;
  }

  spawnRole(role: 'mss' | 'service' | 'both', extraArgs: string[] = []): Daemon {
    const args = [SSOCTL, 'serve', '--dir', this.dir, ...extraArgs];
    if (role !== 'both') args.push(`--${role}`);
    const d = new Daemon(spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] }));
    this.daemons.push(d);
    return d;
  }

  async startMss(extraArgs: string[] = []): Promise<Daemon> {
    this.mss = this.spawnRole('mss', extraArgs);
    await this.mss.waitForLog(/ssod\[\d+\] ready$/);
    return this.mss;
  }

  async startService(): Promise<Daemon> {
    this.service = this.spawnRole('service');
    await this.service.waitForLog(/ssod\[\d+\] ready$/);
    return this.service;
  }

  async client(options: { token?: string; reconnect?: boolean; requestTimeoutMs?: number } = {}): Promise<SsoClient> {
    const env = this.env;
    const c = new SsoClient({ socketPath: env.config.socketPath, token: options.token ?? readToken(env), clientName: 'test', reconnect: options.reconnect, requestTimeoutMs: options.requestTimeoutMs ?? 20_000 });
    this.clients.push(c);
    await c.connect();
    return c;
  }

  ssoctl(args: string[], input?: string): RunResult {
    return ssoctl([...args, '--dir', this.dir], { input });
  }

  async dispose(): Promise<void> {
    for (const c of this.clients) c.close();
    await Promise.all(this.daemons.map((d) => d.kill('SIGKILL')));
    if (existsSync(this.dir)) rmSync(resolve(this.dir, '..'), { recursive: true, force: true });
  }
}

/** Waits for a client to see a given state (pushed by the service). */
export async function waitForState(client: SsoClient, want: ServiceStateName, timeoutMs: number): Promise<ServiceState> {
  const started = Date.now();
  if (client.state?.state === want) return client.state;
  return new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => {
      client.off('state', onState);
      reject(new Error(`state ${want} not reached within ${timeoutMs} ms (last: ${client.state?.state}, after ${Date.now() - started} ms)`));
    }, timeoutMs);
    const onState = (s: ServiceState) => {
      if (s.state !== want) return;
      clearTimeout(timer);
      client.off('state', onState);
      resolvePromise(s);
    };
    client.on('state', onState);
  });
}

export async function waitUntil(predicate: () => boolean | Promise<boolean>, timeoutMs: number, describe: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await predicate()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out after ${timeoutMs} ms: ${describe()}`);
}

/**
 * Asks a master secret server node for the secrets directly, as a service does, with the given
 * client certificate (none by default): did it answer with a secret, or refuse?
 */
export function askMssForSecrets(env: Environment, options: { port?: number; cert?: { cert: string; key: string } } = {}): Promise<'answered' | 'refused'> {
  const { host, port } = env.config.mss;
  const ca = readFileSync(env.paths.caCert, 'utf8');
  return new Promise((resolve) => {
    const s = tls.connect({ host, port: options.port ?? port, ca, ...(options.cert ?? {}) }, () => s.write(JSON.stringify({ id: 1, op: 'getSecrets' }) + '\n'));
    let data = '';
    const verdict = () => (data.includes('"current"') ? 'answered' : 'refused');
    s.on('data', (d) => {
      data += d.toString();
      if (data.includes('\n')) {
        s.destroy();
        resolve(verdict());
      }
    });
    s.on('error', () => resolve('refused'));
    s.on('close', () => resolve(verdict()));
    s.setTimeout(5000, () => s.destroy());
  });
}

/** The client certificate the environment's SSO services present. */
export function serviceCertificate(env: Environment): { cert: string; key: string } {
  return { cert: readFileSync(env.paths.serviceCert, 'utf8'), key: readFileSync(env.paths.serviceKey, 'utf8') };
}
