/**
 * ssod: runs the master secret server role, the SSO service role, or both in one process,
 * for one environment folder. Used by `ssoctl serve`, the tests and the extension's
 * "start a local environment" command (on VS Code's own runtime).
 */
import { loadEnvironment, mssTls, readToken, serviceTls, storeConfigFor } from './environment';
import { MssServer, type LeaseTiming } from './mss/mssServer';
import { auditRetention, type AuditSettings } from './service/auditRetention';
import { SsoService } from './service/ssoService';
import { openStore } from './ssodb/openStore';
import type { SsoStore } from './ssodb/store';

export interface RolesOptions {
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

export interface RunningRoles {
  mss?: MssServer;
  service?: SsoService;
  stop(): Promise<void>;
}

export async function startRoles(options: RolesOptions): Promise<RunningRoles> {
  const env = loadEnvironment(options.dir);
  // Checked before anything starts: a wrong setting stops `serve` with a sentence, not later.
  const retention = options.service ? auditRetention(env.config.audit, options.audit) : undefined;
  const store: SsoStore = await openStore(storeConfigFor(env));
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
        clientTls: serviceTls(env),
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
        socketPath: options.socketPath ?? env.config.socketPath,
        token: readToken(env),
        syncIntervalMs: options.syncIntervalMs ?? env.config.syncIntervalMs,
        environmentId: env.config.id,
        log: options.log,
        auditRetention: retention ?? auditRetention(env.config.audit, options.audit),
      });
      await running.service.start();
    }
  } catch (err) {
    await running.stop().catch(() => undefined);
    throw err;
  }
  return running;
}
