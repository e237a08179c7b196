/**
 * ssod: runs the master secret server role, the SSO service role, or both in one process,
 * for one environment folder. Used by `ssoctl serve`, the tests and the extension's
 * "start a local environment" command (on VS Code's own runtime).
 */
import { existsSync } from 'node:fs';
import { SsoError } from '../protocol/errors';
import { assertPrivateEnvironment } from './environmentPermissions';
import { ensureRoleCertificates, loadEnvironment, mssTls, nodeTls, serviceTls, storeConfigFor } from './environment';
import { MssServer, type LeaseTiming } from './mss/mssServer';
import type { TlsMaterial } from './mss/tlsMaterial';
import { auditRetention, type AuditSettings } from './service/auditRetention';
import { SsoService } from './service/ssoService';
import { historySettingsOf } from './service/configHistory';
import { openStore } from './ssodb/openStore';
import { RateLimitedLog } from './rateLimitedLog';
import { errorTypeAndPlace } from './serviceLog';
import { compileSqliteWithBaselineOnly } from './wasmTiering';
import { keepYoungGenerationAtStartSize } from './youngGeneration';
import { growOldGenerationConservatively } from './oldGeneration';
import type { SsoStore } from './ssodb/store';

interface RolesOptions {
  dir: string;
  mss: boolean;
  service: boolean;
  /** Overrides the environment's sync interval (tests use short ones). */
  syncIntervalMs?: number;
  /** Rows per re-encryption transaction (smaller: shorter locks, more commits). */
  reencryptBatchRows?: number;
  /** Another MSS node of the same environment: its own port and vault folder. */
  mssPort?: number;
  vaultDir?: string;
  lease?: LeaseTiming;
  /** Another SSO service on the same machine needs its own socket. */
  socketPath?: string;
  /** Overrides the environment's audit retention ("audit" in environment.json). */
  audit?: AuditSettings;
  log: (message: string) => void;
}

interface RunningRoles {
  mss?: MssServer;
  service?: SsoService;
  stop(): Promise<void>;
}

export async function startRoles(options: RolesOptions): Promise<RunningRoles> {
  const env = loadEnvironment(options.dir);
  assertPrivateEnvironment(env, options.vaultDir);
  await ensureRoleCertificates(env);
  const nodeCertificate = existsSync(env.paths.nodeCert) ? nodeTls(env) : undefined;
  // Checked before anything starts: a wrong setting stops `serve` with a sentence, not later.
  const retention = auditRetention(env.config.audit, options.audit);
  // Before the store opens: the first SQLite database opened compiles its WebAssembly.
  if (options.service) {
    compileSqliteForService(options.log);
    keepYoungGenerationAtStartSize();
    growOldGenerationConservatively();
  }
  const store: SsoStore = await openStore(storeConfigFor(env), options.log, retention);
  const running: RunningRoles = {
    async stop() {
      await running.service?.stop();
      await running.mss?.close();
      await store.close();
    },
  };
  try {
    if (options.mss) {
      running.mss = new MssServer({
        vaultDir: options.vaultDir ?? env.paths.vault,
        environmentId: env.config.id,
        store,
        tls: mssTls(env),
        clientTls: requireNodeCertificate(nodeCertificate),
        host: env.config.mss.host,
        port: options.mssPort ?? env.config.mss.port,
        lease: options.lease,
        reencryptBatchRows: options.reencryptBatchRows,
        log: options.log,
      });
      await running.mss.start();
    }
    if (options.service) {
      running.service = new SsoService({
        store,
        tls: serviceTls(env),
        nodeTls: nodeCertificate,
        socketPath: options.socketPath ?? env.config.socketPath,
        tokenFile: env.paths.token,
        syncIntervalMs: options.syncIntervalMs ?? env.config.syncIntervalMs,
        environmentId: env.config.id,
        history: historySettingsOf(env.config),
        log: options.log,
        auditRetention: retention,
      });
      await running.service.start();
    }
  } catch (err) {
    await running.stop().catch(() => undefined);
    throw err;
  }
  return running;
}

/** SQLite compiled before this point (a module loaded it early) runs with V8's default tiering: said once, as it costs memory. */
export function compileSqliteForService(log: (message: string) => void): void {
  if (!compileSqliteWithBaselineOnly()) log("SQLite's WebAssembly was compiled before the service could keep it on V8's baseline compiler: the service uses more memory (see docs/PERFORMANCE.md).");
}

/** A bug hit in a loop must not fill the disk: one line per kind per interval, with a count. */
const UNEXPECTED_ERROR_LOG_INTERVAL_MS = 10_000;

/**
 * The last line of defence of a daemon process: an error no handler caught is logged by its type
 * and place (never its message, which may quote a request) and the process keeps serving the
 * others. Every per-connection handler catches its own errors; reaching this is a bug to fix.
 */
export function keepServingAfterUnexpectedErrors(log: (message: string) => void): void {
  const report = (kind: string) => {
    const limited = new RateLimitedLog(log, UNEXPECTED_ERROR_LOG_INTERVAL_MS);
    return (err: unknown) => limited.write(`${kind} (kept serving): ${errorTypeAndPlace(err)}`);
  };
  process.on('unhandledRejection', report('unhandled rejection'));
  process.on('uncaughtException', report('uncaught exception'));
}

function requireNodeCertificate(tls: TlsMaterial | undefined): TlsMaterial {
  if (tls) return tls;
  throw new SsoError('ENTSSO_E_ACCESS_DENIED', 'This folder holds no MSS node certificate (pki/node.crt): a master secret server node cannot run from it. Use the environment folder the CA issued it in.');
}
