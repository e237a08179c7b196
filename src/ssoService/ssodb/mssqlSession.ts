/**
 * How the SQL Server adapter runs statements: the pool (opened from a URL or a connection
 * description, or injected by a test), typed parameters, transactions rolled back on any error,
 * deadlock victims run again, and driver failures turned into SsoErrors (mssqlErrors.ts).
 */
import { SsoError } from '../../protocol/errors';
import { loadSqlServerDriver, mssqlPoolConfig, type Executor, type MssqlPool, type MssqlRequest, type MssqlResult, type MssqlTransaction, type MssqlTypes } from './mssqlDriver';
import { driverErrorNumber, toSsoError } from './mssqlErrors';
import { sqlType, type Params } from './mssqlParams';
import { sqlServerPoolConfig, type SqlServerConnection } from './sqlServerConnection';

export type MssqlSessionOptions =
  | {
      /** `mssql://user:password@host:port/database?encrypt=true&trustServerCertificate=false`, or an ADO connection string. */
      url: string;
      connectTimeoutMs?: number;
      requestTimeoutMs?: number;
    }
  | {
      /** Where the database is and how to sign in; `secret` is read for every new connection. */
      connection: SqlServerConnection;
      secret: () => string | undefined;
      connectTimeoutMs?: number;
      requestTimeoutMs?: number;
    }
  | { pool: MssqlPool; types: MssqlTypes };

const DEADLOCK_ATTEMPTS = 3;

export class MssqlSession {
  private pool: MssqlPool | undefined;
  private types: MssqlTypes | undefined;

  constructor(private readonly options: MssqlSessionOptions) {
    if ('pool' in options) {
      this.pool = options.pool;
      this.types = options.types;
    }
  }

  /** Connects, unless connected already or given a pool. */
  async open(): Promise<void> {
    if (!this.pool) await this.connect();
  }

  private async connect(): Promise<void> {
    if ('pool' in this.options) return;
    const sql = loadSqlServerDriver();
    const config = 'url' in this.options ? mssqlPoolConfig(this.options) : sqlServerPoolConfig(this.options.connection, this.options.secret, this.options);
    const pool = new sql.ConnectionPool(config);
    // A broken idle connection is reported as an 'error' event; unhandled, it would end the process.
    pool.on('error', () => undefined);
    try {
      await pool.connect();
    } catch (error) {
      await pool.close().catch(() => undefined);
      throw toSsoError(error);
    }
    this.pool = pool as unknown as MssqlPool;
    this.types = sql;
  }

  async close(): Promise<void> {
    const pool = this.pool;
    this.pool = undefined;
    if (pool) await pool.close().catch(() => undefined);
  }

  /** One batch as it is, errors raw: the schema script's caller tells a lost creation race from a failure. */
  async batch(text: string): Promise<void> {
    await this.connection().request().batch(text);
  }

  private connection(): MssqlPool {
    if (!this.pool) throw new SsoError('ENTSSO_E_SSODB_UNREACHABLE', 'The connection to the SSO database is closed.');
    return this.pool;
  }

  private request(executor: Executor, params: Params): MssqlRequest {
    const types = this.types!;
    const request = executor.request();
    for (const [name, [kind, value]] of Object.entries(params)) request.input(name, sqlType(types, kind), value);
    return request;
  }

  /**
   * One statement. Outside a transaction it is retried on deadlock and its errors become
   * SsoErrors; inside one, errors stay raw for the transaction's owner (see inTransaction).
   */
  async query(text: string, params: Params, tx?: MssqlTransaction): Promise<MssqlResult> {
    if (tx) return this.request(tx, params).query(text);
    try {
      return await this.retryingDeadlocks(() => this.request(this.connection(), params).query(text));
    } catch (error) {
      throw toSsoError(error);
    }
  }

  /**
   * Runs `work` in a transaction, rolled back on any error; a deadlock victim is run again.
   * `classify` turns the driver errors that are expected outcomes (a duplicate key…) into
   * SsoErrors; any other failure is ENTSSO_E_SSODB_UNREACHABLE.
   */
  async inTransaction<T>(
    work: (tx: MssqlTransaction) => Promise<T>,
    classify: (error: unknown) => SsoError | undefined = () => undefined,
  ): Promise<T> {
    try {
      return await this.retryingDeadlocks(async () => {
        const tx = this.connection().transaction();
        await tx.begin();
        try {
          const result = await work(tx);
          await tx.commit();
          return result;
        } catch (error) {
          // SQL Server has already rolled back a deadlock victim; rollback then fails, harmlessly.
          await tx.rollback().catch(() => undefined);
          throw error;
        }
      });
    } catch (error) {
      throw classify(error) ?? toSsoError(error);
    }
  }

  private async retryingDeadlocks<T>(operation: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await operation();
      } catch (error) {
        if (driverErrorNumber(error) !== 1205 || attempt >= DEADLOCK_ATTEMPTS) throw error;
        await new Promise((resolve) => setTimeout(resolve, 10 + Math.random() * 40 * attempt));
      }
    }
  }
}
