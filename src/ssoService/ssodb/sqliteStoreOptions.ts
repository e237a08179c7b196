/**
 * The settings of the embedded store (sqliteStore.ts) and what its data file offers beyond an
 * SsoStore.
 */
import path from 'node:path';
import type { AuditRetention, GlobalInfo, LeaseFence, SsoStore } from './store';

export interface SqliteStoreOptions {
  /** The database file; created (with its schema) when missing. */
  file: string;
  /** How long an operation waits for a lock held by another process (default 5000 ms). */
  busyTimeoutMs?: number;
  /**
   * Age after which a lock directory without an owner record is taken to be left by a dead process (default 2000 ms).
   * Must stay far above the longest transaction (milliseconds; see LockDirectory).
   */
  staleLockMs?: number;
  /** The service log: unexpected errors are reported there by type and place (default: nowhere). */
  log?: (message: string) => void;
  /** This file's audit rows are staged for an audit file (withSideFiles): pruned only near their bound (default false). */
  stagedAudit?: boolean;
}

const DEFAULT_BUSY_TIMEOUT_MS = 5_000;
/**
 * Age after which a lock WITHOUT an owner record is taken as abandoned. Our processes write the
 * record microseconds after taking the lock, so an unrecorded lock older than this is one whose
 * holder died in that window; locks with a live recorded owner are never broken by age.
 */
const DEFAULT_STALE_LOCK_MS = 2_000;

/** The data file of the embedded store: an SsoStore that can also move the audit rows it staged and fence by a side file's lease. */
export interface SqliteDataStore extends SsoStore {
  moveStagedAudit(auditFile: string, retention?: AuditRetention): Promise<number>;
  updateGlobalInfoFenced(patch: Partial<Omit<GlobalInfo, 'timestamp'>>, fence: LeaseFence, coordinationFile: string): Promise<GlobalInfo>;
  saveConfiguration: NonNullable<SsoStore['saveConfiguration']>;
}

/** `options` with every default filled in. */
export function sqliteStoreSettings(options: SqliteStoreOptions): Required<SqliteStoreOptions> {
  return {
    file: path.resolve(options.file),
    busyTimeoutMs: options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS,
    staleLockMs: options.staleLockMs ?? DEFAULT_STALE_LOCK_MS,
    log: options.log ?? (() => undefined),
    stagedAudit: options.stagedAudit ?? false,
  };
}
