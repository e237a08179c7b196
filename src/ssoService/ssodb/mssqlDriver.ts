/**
 * The part of the `mssql` driver the SQL Server adapter uses, as interfaces: the real module
 * satisfies them, and the golden tests pass a recording pool in its place. Also how a
 * connection URL becomes the driver's pool configuration.
 */
import type * as Mssql from 'mssql';
import { SsoError } from '../../protocol/errors';
import { withLoginGuard } from './cleartextLoginGuard';
import type { SqlRow } from './schema/rowMappers';

/** The parameter types of the `mssql` module (the real module, or the same in a test). */
export interface MssqlTypes {
  NVarChar: Mssql.ISqlTypeFactoryWithLength;
  VarBinary: Mssql.ISqlTypeFactoryWithLength;
  BigInt: Mssql.ISqlTypeFactoryWithNoParams;
  Int: Mssql.ISqlTypeFactoryWithNoParams;
  Bit: Mssql.ISqlTypeFactoryWithNoParams;
  MAX: number;
}

export interface MssqlResult {
  recordset?: SqlRow[];
  recordsets?: SqlRow[][];
  rowsAffected: number[];
}

export interface MssqlRequest {
  input(name: string, type: Mssql.ISqlType, value: unknown): MssqlRequest;
  query(command: string): Promise<MssqlResult>;
  batch(command: string): Promise<MssqlResult>;
}

export interface MssqlTransaction {
  begin(): Promise<unknown>;
  commit(): Promise<void>;
  rollback(): Promise<void>;
  request(): MssqlRequest;
}

export interface MssqlPool {
  request(): MssqlRequest;
  transaction(): MssqlTransaction;
  close(): Promise<void>;
}

/** Where a statement runs: the pool, or a transaction. */
export interface Executor {
  request(): MssqlRequest;
}

/** The first result set's rows (none when the statement returns no rows). */
export function rowsOf(result: MssqlResult): SqlRow[] {
  return result.recordset ?? [];
}

/** Rows changed by all the statements of one request. */
export function affected(result: MssqlResult): number {
  return result.rowsAffected.reduce((sum, count) => sum + count, 0);
}

/** The `mssql` pool configuration for a `mssql://` URL or an ADO connection string. */
export function mssqlPoolConfig(options: { url: string; connectTimeoutMs?: number; requestTimeoutMs?: number }): Mssql.config {
  const timeouts = { connectionTimeout: options.connectTimeoutMs ?? 15_000, requestTimeout: options.requestTimeoutMs ?? 15_000 };
  if (!/^(mssql|sqlserver):\/\//i.test(options.url)) {
    // An ADO connection string ("Server=…;Database=…;User Id=…;Password=…"), parsed by mssql.
    const parsed = loadSqlServerDriver().ConnectionPool.parseConnectionString(options.url);
    return { ...parsed, options: withLoginGuard(parsed.options ?? {}), ...timeouts };
  }
  const url = new URL(options.url);
  const flag = (name: string, fallback: boolean): boolean => {
    const value = url.searchParams.get(name);
    return value === null ? fallback : value === 'true' || value === '1' || value === 'yes';
  };
  return {
    server: url.hostname,
    port: url.port ? Number(url.port) : 1433,
    database: decodeURIComponent(url.pathname.replace(/^\//, '')) || undefined,
    user: decodeURIComponent(url.username) || undefined,
    password: decodeURIComponent(url.password) || undefined,
    options: withLoginGuard({ encrypt: flag('encrypt', true), trustServerCertificate: flag('trustServerCertificate', false) }),
    ...timeouts,
  };
}

/**
 * The `mssql` driver, loaded on first use, not imported: bundles that never use SQL Server never
 * load it. In the built service it is dist/mssql.js next to ssoctl.js (esbuild.mjs); an
 * installation that lost it gets a sentence saying so instead of Node's "Cannot find module".
 */
export function loadSqlServerDriver(): typeof Mssql {
  try {
    return require('mssql') as typeof Mssql;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'MODULE_NOT_FOUND') throw error;
    throw new SsoError(
      'ENTSSO_E_SSODB_UNREACHABLE',
      'The SQL Server driver file dist/mssql.js is missing from this installation. Reinstall the extension (or ssoctl) to restore it.',
    );
  }
}
