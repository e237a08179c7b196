/**
 * SSO environments with real processes, as test/integration/harness.ts makes them, but running
 * the run's build snapshot (lib/snapshot.ts) instead of dist/: `ssoctl init` a temporary
 * environment, start the MSS and the SSO service as separate child processes, connect clients.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { SsoClient } from '../../src/ssoClient/client';
import { loadEnvironment, readToken, type Environment } from '../../src/ssoService/environment';
// The same process wrapper and state wait as the tests: only the build that is run differs.
import { Daemon, waitForState } from '../../test/integration/harness';

export { Daemon, waitForState };

let ssoctlPath: string | undefined;

/** Set once per run by bench/run.ts. */
export function useSsoctl(path: string): void {
  ssoctlPath = path;
}

function ssoctl(): string {
  if (!ssoctlPath) throw new Error('no build snapshot: bench/run.ts sets it before any benchmark');
  return ssoctlPath;
}

export class SsoEnv {
  readonly daemons: Daemon[] = [];
  readonly clients: SsoClient[] = [];
  mss: Daemon | undefined;
  service: Daemon | undefined;
  private cached: Environment | undefined;

  private constructor(readonly dir: string) {}

  static create(options: { syncIntervalSeconds: number }): SsoEnv {
    // Short base path: Unix socket paths are limited to ~104 bytes.
    const base = mkdtempSync(join(tmpdir(), 'sso-bench-'));
    const e = new SsoEnv(join(base, 'env'));
    const r = spawnSync(process.execPath, [ssoctl(), 'init', '--dir', e.dir, '--mss-port', '0', '--sync-interval', String(options.syncIntervalSeconds), '--name', 'Bench'], {
      encoding: 'utf8',
      timeout: 120_000,
    });
    if (r.status !== 0) throw new Error(`ssoctl init failed: ${r.stderr}`);
    return e;
  }

  get env(): Environment {
    this.cached ??= loadEnvironment(this.dir);
    return this.cached;
  }

  get ssodbFile(): string {
    return join(this.dir, 'ssodb.sqlite');
  }

  spawnRole(role: 'mss' | 'service'): Daemon {
    const d = new Daemon(spawn(process.execPath, [ssoctl(), 'serve', '--dir', this.dir, `--${role}`], { stdio: ['ignore', 'pipe', 'pipe'] }));
    this.daemons.push(d);
    return d;
  }

  async startMss(): Promise<Daemon> {
    this.mss = this.spawnRole('mss');
    await this.mss.waitForLog(/\bready\b/, 60_000);
    return this.mss;
  }

  async startService(): Promise<Daemon> {
    this.service = this.spawnRole('service');
    await this.service.waitForLog(/\bready\b/, 60_000);
    return this.service;
  }

  async client(options: { reconnect?: boolean } = {}): Promise<SsoClient> {
    const env = this.env;
    const c = new SsoClient({ socketPath: env.config.socketPath, token: readToken(env), clientName: 'bench', reconnect: options.reconnect, requestTimeoutMs: 120_000 });
    this.clients.push(c);
    await c.connect();
    return c;
  }

  async dispose(): Promise<void> {
    for (const c of this.clients) c.close();
    await Promise.all(this.daemons.map((d) => d.kill('SIGKILL')));
    if (existsSync(this.dir)) rmSync(resolve(this.dir, '..'), { recursive: true, force: true });
  }
}
