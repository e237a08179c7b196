/**
 * Opens the configured SSODB and makes sure its schema exists. The SQL Server adapter loads the
 * `mssql` driver only when it is used, so an embedded-only bundle never loads it.
 */
import { createMssqlStore } from './mssqlStore';
import type { SqlServerConnection } from './sqlServerConnection';
import { sideFileFor, withSideFiles } from './sideFiles';
import { createSqliteStore } from './sqliteStore';
import type { AuditRetention, SsoStore } from './store';

export type StoreConfig =
  | {
      kind: 'sqlite';
      /** Path of the database file; created when missing. */
      file: string;
      /** How long to wait for another process holding the file before failing (default 5 s). */
      busyTimeoutMs?: number;
    }
  | {
      kind: 'mssql';
      /** `mssql://user:password@host:port/database?encrypt=true` or an ADO connection string. */
      url: string;
    }
  | {
      kind: 'mssql';
      connection: SqlServerConnection;
      /** The password, client secret or access token; read again for every new connection. */
      secret: () => string | undefined;
    };

/**
 * `log`: the service log, for errors that are bugs (by type and place, never their message) and for
 * what an administrator should fix. `auditRetention`: the configured one, for the audit rows the
 * embedded store moves at open (rows a stopped process staged), before any write gives it.
 */
export async function openStore(config: StoreConfig, log?: (message: string) => void, auditRetention?: AuditRetention): Promise<SsoStore> {
  const store =
    config.kind === 'sqlite'
      ? withSideFiles(createSqliteStore({ file: config.file, busyTimeoutMs: config.busyTimeoutMs, log, stagedAudit: true }), {
          auditFile: sideFileFor(config.file, 'audit'),
          audit: createSqliteStore({ file: sideFileFor(config.file, 'audit'), busyTimeoutMs: config.busyTimeoutMs }),
          coordinationFile: sideFileFor(config.file, 'coordination'),
          coordination: createSqliteStore({ file: sideFileFor(config.file, 'coordination'), busyTimeoutMs: config.busyTimeoutMs }),
          auditRetention,
        })
      : createMssqlStore('url' in config ? { url: config.url } : { connection: config.connection, secret: config.secret }, log);
  try {
    await store.init();
  } catch (error) {
    await store.close().catch(() => undefined);
    throw error;
  }
  return store;
}
