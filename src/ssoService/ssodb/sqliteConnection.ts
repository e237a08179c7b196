/**
 * One node-sqlite3-wasm connection to an SSODB file: prepared statements kept by their SQL text,
 * and transactions that record the lock's owner (see LockDirectory) as soon as they hold it.
 */
import path from 'node:path';
import type NodeSqlite3Wasm from 'node-sqlite3-wasm';
import type { Database, Statement } from 'node-sqlite3-wasm';
import type { LockDirectory } from './lockDirectory';
import { runWhileOperating } from './operatingLocks';
import type { SqlRow } from './schema';
import { unreachable } from './sqliteRetry';

export type Params = Record<string, string | number | bigint | Uint8Array | null>;
export type BeginMode = 'BEGIN DEFERRED' | 'BEGIN IMMEDIATE' | null;

export class SqliteConnection {
  private db: Database | undefined;
  private readonly statements = new Map<string, Statement>();

  constructor(
    private readonly file: string,
    private readonly lock: LockDirectory,
  ) {}

  get isOpen(): boolean {
    return this.db !== undefined;
  }

  get inTransaction(): boolean {
    return this.db?.inTransaction ?? false;
  }

  open(): void {
    this.db ??= openDatabase(this.file);
  }

  close(): void {
    const db = this.db;
    if (!db) return;
    this.db = undefined;
    for (const statement of this.statements.values()) if (!statement.isFinalized) statement.finalize();
    this.statements.clear();
    try {
      db.close();
    } catch (error) {
      throw unreachable('The SSO database file could not be closed cleanly.', error);
    }
  }

  exec(sql: string): void {
    this.connection().exec(sql);
  }

  /** Runs `work` in one transaction (or, with `begin` null, outside any), rolled back if it throws. */
  transaction<T>(begin: BeginMode, work: () => T): T {
    const db = this.connection();
    if (begin === null) return work();
    db.exec(begin);
    this.lock.recordOwner();
    try {
      const result = work();
      db.exec('COMMIT');
      return result;
    } catch (error) {
      rollbackQuietly(db);
      throw error;
    }
  }

  /**
   * Runs `work` with `file` attached as `schema` (ATTACH is refused inside a transaction, so
   * `work` opens its own). Statements naming the schema are not kept: they would not prepare
   * once it is detached.
   */
  withAttached<T>(file: string, schema: string, work: () => T): T {
    const db = this.connection();
    db.run(`ATTACH DATABASE ? AS ${schema}`, [file]);
    try {
      return work();
    } finally {
      for (const [sql, statement] of this.statements) {
        if (!sql.includes(`${schema}.`)) continue;
        if (!statement.isFinalized) statement.finalize();
        this.statements.delete(sql);
      }
      db.run(`DETACH DATABASE ${schema}`);
    }
  }

  /**
   * `work` in one write transaction over this file and `sideFile`, attached as `schema`: SQLite
   * commits both atomically, through a super-journal. The VFS takes both files' locks; the side
   * file's is ours for this operation too (see operatingLocks.ts).
   */
  writeWithSideFile<T>(sideFile: string, schema: string, work: () => T): T {
    const file = path.resolve(sideFile);
    return runWhileOperating(`${file}.lock`, () => this.withAttached(file, schema, () => this.transaction('BEGIN IMMEDIATE', work)));
  }

  rows(sql: string, params: Params = {}): SqlRow[] {
    return this.usingStatement(sql, (statement) => statement.all(bind(params)) as SqlRow[]);
  }

  /** Returns the number of rows changed. */
  run(sql: string, params: Params): number {
    return this.usingStatement(sql, (statement) => statement.run(bind(params)).changes);
  }

  /** Runs an INSERT of one row; returns the rowid SQLite gave it. */
  insert(sql: string, params: Params): number {
    return this.usingStatement(sql, (statement) => Number(statement.run(bind(params)).lastInsertRowid));
  }

  private connection(): Database {
    if (!this.db) throw unreachable('The SSO database is closed.');
    return this.db;
  }

  /**
   * Statements are prepared once and always run to completion (`all`/`run`, never a half-read
   * `get`): a statement left mid-result would keep the file locked after COMMIT.
   */
  private statement(sql: string): Statement {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.connection().prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }

  /**
   * A statement whose step failed (BUSY included) makes the library's next reset fail with a
   * generic error, so a failed statement is dropped from the cache and prepared afresh.
   */
  private usingStatement<T>(sql: string, use: (statement: Statement) => T): T {
    const statement = this.statement(sql);
    try {
      return use(statement);
    } catch (error) {
      this.statements.delete(sql);
      try {
        statement.finalize();
      } catch {
        // finalize reports the same failure again; the statement is released either way.
      }
      throw error;
    }
  }
}

function bind(params: Params): Record<string, string | number | bigint | Uint8Array | null> {
  return Object.fromEntries(Object.entries(params).map(([name, value]) => [`:${name}`, value]));
}

let sqliteModule: typeof NodeSqlite3Wasm | undefined;

/**
 * Loaded at the first open, not at import: requiring the package compiles SQLite's 1.3 MB of
 * WebAssembly, which a CLI verb that only talks to the service never needs, and the service
 * chooses how V8 compiles it (wasmTiering.ts) before that happens.
 */
function sqliteModuleLoaded(): typeof NodeSqlite3Wasm {
  sqliteModule ??= require('node-sqlite3-wasm') as typeof NodeSqlite3Wasm;
  return sqliteModule;
}

/** Whether SQLite's WebAssembly is compiled already in this process (V8 flags set later do not apply to it). */
export function isSqliteCompiled(): boolean {
  return sqliteModule !== undefined;
}

function openDatabase(file: string): Database {
  // Outside the try: a built service whose SQLite WebAssembly is missing says so itself (sqliteWasmBinary.ts).
  const sqlite = sqliteModuleLoaded();
  try {
    return new sqlite.Database(file);
  } catch (error) {
    throw unreachable('The SSO database file cannot be opened.', error, { file });
  }
}

function rollbackQuietly(db: Database): void {
  try {
    if (db.inTransaction) db.exec('ROLLBACK');
  } catch {
    // The original error is the one worth reporting; SQLite rolls back on the next BEGIN anyway.
  }
}
