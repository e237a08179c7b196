/**
 * The embedded SSODB: one SQLite file through node-sqlite3-wasm (SQLite compiled to WebAssembly,
 * so it also runs on VS Code's Electron Node, where native modules built for Node do not load).
 *
 * Durability: rollback journal in TRUNCATE mode with synchronous=FULL. Each write is one
 * transaction, committed (journal synced, database synced, journal truncated and synced) before
 * its promise resolves. TRUNCATE rather than DELETE because committing by truncating and syncing
 * the journal survives a power cut without the directory fsync DELETE mode would need
 * (synchronous=EXTRA), which this library's VFS cannot do on Windows. WAL cannot work with this
 * VFS (no shared memory). Writes touch only the B-tree pages involved, so they do not get slower
 * as the file grows.
 *
 * Several processes share the file (the MSS and the SSO service, possibly more). The library's
 * VFS has a single lock, the directory `<file>.lock` created with mkdir: readers and writers
 * exclude each other, and a process that finds it taken gets SQLITE_BUSY at once. So:
 * - every operation is one short transaction run inside one synchronous call: the lock is never
 *   held across an `await`, and is held for milliseconds;
 * - on SQLITE_BUSY the whole operation is retried with a short randomised backoff until the busy
 *   timeout (default 5 s), then it fails with ENTSSO_E_SSODB_UNREACHABLE;
 * - a lock left by a process killed while holding it is broken once it is older than
 *   staleLockMs (see LockDirectory), and the dead writer's journal is rolled back (see
 *   reservedLockFix.ts, which works around a defect of the library that would skip that rollback).
 *
 * Pieces: SQL in sqliteSql.ts, retry on BUSY in sqliteRetry.ts, locks in lockDirectory.ts, the
 * `fs.accessSync` patch in reservedLockFix.ts, write transactions (group commit, kept reads) in sqliteWrites.ts.
 */
import { SsoError } from '../../protocol/errors';
import { redactOldSearchTextSqlite } from './oldSearchText';
import { auditPageParams, auditSlice, auditWindow, auditWindowParams, SQLITE_AUDIT_SQL } from './auditQuery';
import { importedVersionParams, importedVersions, SQLITE_IMPORT_HISTORY_SQL } from './historyImport';
import { CommittedStateMemo } from './committedStateMemo';
import { LockDirectory } from './lockDirectory';
import { msidsWritten, refuseUnlessPublished } from './publishedSecrets';
import { SqliteConnection, type BeginMode, type Params } from './sqliteConnection';
import { sqliteStoreSettings, type SqliteDataStore, type SqliteStoreOptions } from './sqliteStoreOptions';
import { checkExpectedTimestamp, composeSave, memoKey, prepareAuditRows, rowUpdated, SqliteWrites, type PreparedAuditRows, type RevisingWrite } from './sqliteWrites';
import { COORDINATION_SIDE, ftsPhrase, indexedByTrigrams, SQLITE_SQL } from './sqliteSql';
import { stagedRowsMayExceed } from './stagedAudit';
import { retryWhileBusy, unreachable } from './sqliteRetry';
import type { AuditEntry, FieldInfo } from '../../protocol/messages';
import {
  applicationExists, applicationNotFound, leaseNotHeld, auditPruneBounds, changeConflict, checkApplicationChanges, checkCursor, checkFilter,
  checkFlags, checkGlobalInfoPatch, checkLimit, checkListOptions, checkMsid, checkName, checkNewApplication, checkRowWriteNames, checkReencryptedRow, checkCredentialsWrite,
  containsPattern, credentialsConflict, fieldFlags, IDENTIFIER_DOMAIN, isRowVersion, mappingNotFound, nextModifiedAt, sameFields,
  SQLITE_ADDED_COLUMNS, SQLITE_DERIVED_TABLES, SQLITE_SCHEMA, toApplicationRow, toAuditEntry, toCredentialRow, toFieldInfo, toGlobalInfo, toIdentifierRow,
  toLeaseState, toMssNodeRow, checkHistoryNote, checkHistoryVersion, toHistoryRecord, toHistoryRow, toHistoryCipherRow, toSearchHit, toSecretRowCounts,
  type SqlRow,
} from './schema';
import type {
  ApplicationChange,
  ApplicationRow,
  AuditQuery,
  AuditRetention,
  AuditSlice,
  CredentialRow,
  GlobalInfo,
  ListOptions,
  NewApplication,
  NewAuditEntry,
  ReencryptedRow,
  LeaseFence,
  LeaseState,
  MssNodeRow,
  RowChange,
  ChangeAudit,
  ChangeAuditRows,
  ComposedSave,
  ComposeSave,
  ConfigurationRead,
  HistoryNote,
  HistoryRow,
  HistoryCipherRow,
  ReencryptedHistoryRow,
  SearchHit,
} from './store';

export function createSqliteStore(options: SqliteStoreOptions): SqliteDataStore {
  return new SqliteStore(sqliteStoreSettings(options));
}

// ---------------------------------------------------------------- the store

class SqliteStore implements SqliteDataStore {
  private readonly db: SqliteConnection;
  private readonly lock: LockDirectory;
  private readonly memo: CommittedStateMemo;
  private readonly writes: SqliteWrites;

  constructor(private readonly options: Required<SqliteStoreOptions>) {
    this.lock = new LockDirectory(`${options.file}.lock`, options.staleLockMs);
    this.memo = new CommittedStateMemo(options.file);
    this.db = new SqliteConnection(options.file, this.lock);
    this.writes = new SqliteWrites(this.db, this.lock, this.memo, options.busyTimeoutMs);
  }

  // -------------------------------------------------------------- lifecycle

  async init(): Promise<void> {
    this.lock.use();
    this.db.open();
    this.memo.open();
    // A process restarted right after a crash may find the dead process's lock still fresh:
    // start-up waits until it turns stale and is broken, rather than failing. (Even a PRAGMA
    // reads the schema first, so it takes the lock too.)
    const waitMs = this.options.busyTimeoutMs + this.options.staleLockMs;
    await this.attempt(
      null,
      () => this.db.exec('PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON; PRAGMA journal_mode = TRUNCATE'),
      waitMs,
    );
    await this.attempt('BEGIN IMMEDIATE', () => this.createSchema(), waitMs);
  }

  /** Idempotent; fills a derived table only in the transaction that creates it; adds a column a file made before it lacks. */
  private createSchema(): void {
    const missing = SQLITE_DERIVED_TABLES.filter(({ table }) => this.rows(SQLITE_SQL.tableExists, { table }).length === 0);
    for (const ddl of SQLITE_SCHEMA) this.db.exec(ddl);
    for (const { fill } of missing) this.db.exec(fill);
    for (const { table, column, ddl } of SQLITE_ADDED_COLUMNS) if (this.rows(SQLITE_SQL.columnExists, { table, column }).length === 0) this.db.exec(ddl);
    redactOldSearchTextSqlite(this.db);
  }

  async close(): Promise<void> {
    if (!this.db.isOpen) return;
    await this.writes.drain();
    // The database first: should SQLite release a lock as it closes, the link-lock patch must still know the path.
    this.db.close();
    this.memo.close();
    this.lock.close();
  }

  async ping(): Promise<void> {
    await this.read(() => this.rows(SQLITE_SQL.ping));
  }

  // -------------------------------------------------------------- global info

  async getGlobalInfo(): Promise<GlobalInfo> {
    return this.read(() => this.globalInfo());
  }

  async updateGlobalInfo(patch: Partial<Omit<GlobalInfo, 'timestamp'>>, fence?: LeaseFence): Promise<GlobalInfo> {
    checkGlobalInfoPatch(patch);
    return this.write(() => this.writeGlobalInfo(patch, fence, SQLITE_SQL.updateGlobalInfo));
  }

  /** With the lease kept in `coordinationFile` (withSideFiles), read in the same transaction: attached to this file's. */
  async updateGlobalInfoFenced(patch: Partial<Omit<GlobalInfo, 'timestamp'>>, fence: LeaseFence, coordinationFile: string): Promise<GlobalInfo> {
    checkGlobalInfoPatch(patch);
    return this.writes.withSideFile(coordinationFile, COORDINATION_SIDE, () => this.writeGlobalInfo(patch, fence, SQLITE_SQL.updateGlobalInfoFenced));
  }

  private writeGlobalInfo(patch: Partial<Omit<GlobalInfo, 'timestamp'>>, fence: LeaseFence | undefined, sql: string): GlobalInfo {
    const { timestamp: _previous, ...current } = this.globalInfo();
    const next = { ...current, ...definedEntries(patch) };
    // The lease's expiry is written on the clock of the node taking it (takeLease): judged on that clock, once the write holds the lock.
    const lease = { leaseHolder: fence?.leaseHolder ?? null, now: Date.now() };
    if (this.run(sql, { ...next, version: this.nextRowVersion(), ...lease }) === 0 && fence) throw leaseNotHeld(fence.leaseHolder);
    return this.globalInfo();
  }

  private globalInfo(): GlobalInfo {
    const row = this.rows(SQLITE_SQL.globalInfo)[0];
    if (!row) throw unreachable('The SSO database has no global information row; it is not initialised.');
    return toGlobalInfo(row);
  }

  // -------------------------------------------------------------- applications

  async listApplications(options: ListOptions): Promise<ApplicationRow[]> {
    checkListOptions(options);
    return this.memoRead(['listApplications', options.filter ?? '', options.after ?? '', options.limit], () =>
      this.rows(SQLITE_SQL.listApplications, {
        after: options.after ?? '',
        pattern: containsPattern(options.filter ?? '', 'sqlite'),
        limit: options.limit,
      }).map(toApplicationRow),
    );
  }

  async getApplication(name: string): Promise<(ApplicationRow & { fields: FieldInfo[] }) | undefined> {
    checkName(name, 'application name');
    return this.memoRead(['getApplication', name], () => {
      const row = this.rows(SQLITE_SQL.application, { app: name })[0];
      if (!row) return undefined;
      const fields = this.rows(SQLITE_SQL.fields, { app: name }).map(toFieldInfo);
      return { ...toApplicationRow(row), fields };
    });
  }

  async createApplication(app: NewApplication, audit?: ChangeAuditRows): Promise<void> {
    checkNewApplication(app);
    const writeAudit = this.changeAuditWriter(audit);
    return this.write(() => {
      if (this.applicationName(app.name) !== undefined) throw applicationExists();
      this.insertApplication(app);
      writeAudit();
    });
  }

  private insertApplication(app: NewApplication): void {
    this.run(SQLITE_SQL.insertApplication, {
      app: app.name,
      description: app.description,
      contact: app.contact,
      userGroup: app.userGroup,
      adminGroup: app.adminGroup,
      flags: app.flags,
      numFields: app.fields.length,
      kind: app.kind,
    });
    this.insertFields(app.name, app.fields);
  }

  private insertFields(app: string, fields: NewApplication['fields']): void {
    fields.forEach((field, ordinal) => this.run(SQLITE_SQL.insertField, { app, ordinal, label: field.label, flags: fieldFlags(field.masked) }));
  }

  async applyApplicationChanges(changes: ApplicationChange[], audit?: ChangeAuditRows): Promise<void> {
    checkApplicationChanges(changes);
    if (changes.length === 0 && !audit?.entries.length) return;
    const writeAudit = this.changeAuditWriter(audit);
    // One transaction: any premise that fails throws, and the whole batch rolls back.
    return this.write(() => {
      refuseUnlessPublished(msidsWritten(changes), () => this.rows(SQLITE_SQL.publishedSecrets)[0]);
      changes.forEach((change) => this.applyChange(change));
      writeAudit();
    });
  }

  private applyChange(change: ApplicationChange): void {
    let app: string;
    if (change.create) {
      if (this.applicationName(change.application) !== undefined) throw changeConflict(change.application, 'application-exists');
      this.insertApplication(change.create);
      app = change.create.name;
    } else {
      const expected = change.expected!;
      const stored = this.applicationName(change.application);
      if (stored === undefined) throw changeConflict(change.application, 'application-gone');
      app = stored;
      if (!sameFields(this.rows(SQLITE_SQL.fields, { app }).map(toFieldInfo), expected.fields)) throw changeConflict(app, 'fields-changed');
      const rows = this.rows(SQLITE_SQL.rowsVersion, { app, domain: IDENTIFIER_DOMAIN })[0] ?? {};
      const maxVersion = rows.maxVersion === null || rows.maxVersion === undefined ? null : String(rows.maxVersion);
      if (expected.rowCount !== undefined && (Number(rows.n ?? 0) !== expected.rowCount || maxVersion !== expected.maxTimestamp)) throw changeConflict(app, 'rows-changed');
      if (change.fields) {
        this.run(SQLITE_SQL.deleteFields, { app });
        this.insertFields(app, change.fields);
        this.run(SQLITE_SQL.setNumFields, { app, numFields: change.fields.length });
      }
    }
    for (const row of change.rows) this.applyRow(app, row);
  }

  private applyRow(app: string, row: RowChange): void {
    const current = this.credentialsRow(app, row.identifier);
    if (row.expectedTimestamp === null) {
      if (current) throw changeConflict(app, 'row-exists', row.identifier);
    } else if (!current) {
      throw changeConflict(app, 'row-gone', row.identifier);
    } else if (String(current.timestamp) !== row.expectedTimestamp) {
      throw changeConflict(app, 'row-changed', row.identifier);
    }
    if (row.op === 'delete') {
      this.run(SQLITE_SQL.deleteMapping, { app, domain: IDENTIFIER_DOMAIN, identifier: String(current!.identifier) });
    } else {
      if (current && row.history) this.keepVersion(app, String(current.identifier), row.history);
      this.writeRow(app, row.identifier, current, row.msid, row.ciphertext);
      for (const version of importedVersions(row)) this.run(SQLITE_IMPORT_HISTORY_SQL, importedVersionParams(app, row.identifier, version));
    }
  }

  /** Inserts or updates one row (its premise already checked) with a new row version. */
  private writeRow(app: string, identifier: string, current: SqlRow | undefined, msid: string, ciphertext: Buffer): Omit<CredentialRow, 'ciphertext'> {
    const version = this.nextRowVersion();
    const modifiedAt = nextModifiedAt(current ? Number(current.modifiedAt) : undefined);
    const stored = current ? String(current.identifier) : identifier;
    const row = { app, domain: IDENTIFIER_DOMAIN, identifier: stored, msid, ciphertext, version, modifiedAt };
    if (current) this.run(SQLITE_SQL.updateCredentials, row);
    else {
      this.run(SQLITE_SQL.insertMapping, { app, domain: IDENTIFIER_DOMAIN, identifier });
      this.run(SQLITE_SQL.insertCredentials, row);
    }
    return { application: app, identifier: stored, msid, timestamp: String(version), modifiedAt };
  }

  async deleteApplication(name: string, audit?: ChangeAuditRows): Promise<void> {
    checkName(name, 'application name');
    const writeAudit = this.changeAuditWriter(audit);
    return this.write(() => {
      if (this.run(SQLITE_SQL.deleteApplication, { app: name }) === 0) throw applicationNotFound();
      writeAudit();
    });
  }

  async setApplicationFlags(name: string, flags: number, audit?: ChangeAuditRows): Promise<void> {
    checkName(name, 'application name');
    checkFlags(flags);
    const writeAudit = this.changeAuditWriter(audit);
    return this.write(() => {
      if (this.run(SQLITE_SQL.setApplicationFlags, { app: name, flags }) === 0) throw applicationNotFound();
      writeAudit();
    });
  }

  /** The stored spelling of an application name, or undefined when there is no such application. */
  private applicationName(name: string): string | undefined {
    const row = this.rows(SQLITE_SQL.applicationName, { app: name })[0];
    return row ? String(row.name) : undefined;
  }

  // -------------------------------------------------------------- identifiers and search

  async listIdentifiers(application: string, options: ListOptions): Promise<Omit<CredentialRow, 'ciphertext' | 'msid'>[]> {
    checkName(application, 'application name');
    checkListOptions(options);
    return this.memoRead(['listIdentifiers', application, options.filter ?? '', options.after ?? '', options.limit], () => {
      const rows = this.rows(SQLITE_SQL.listIdentifiers, {
        app: application,
        domain: IDENTIFIER_DOMAIN,
        after: options.after ?? '',
        pattern: containsPattern(options.filter ?? '', 'sqlite'),
        limit: options.limit,
      });
      if (rows.length === 0 && this.applicationName(application) === undefined) throw applicationNotFound();
      return rows.map(toIdentifierRow);
    });
  }

  async search(query: string, limit: number): Promise<SearchHit[]> {
    checkFilter(query);
    checkLimit(limit);
    return this.read(() => {
      const pattern = containsPattern(query, 'sqlite');
      const applications = this.rows(SQLITE_SQL.searchApplications, { pattern, limit }).map(toSearchHit);
      const room = limit - applications.length;
      if (room === 0) return applications;
      const identifierRows = indexedByTrigrams(query)
        ? this.rows(SQLITE_SQL.searchIdentifiersIndexed, { phrase: ftsPhrase(query), limit: room, domain: IDENTIFIER_DOMAIN })
        : this.rows(SQLITE_SQL.searchIdentifiers, { pattern, limit: room, domain: IDENTIFIER_DOMAIN });
      const identifiers = identifierRows.map(toSearchHit);
      return [...applications, ...identifiers];
    });
  }

  // -------------------------------------------------------------- credentials

  async getCredentials(application: string, identifier: string): Promise<CredentialRow | undefined> {
    checkName(application, 'application name');
    checkName(identifier, 'identifier');
    return this.read(() => {
      const row = this.credentialsRow(application, identifier);
      return row ? toCredentialRow(row) : undefined;
    });
  }

  async readConfiguration(application: string, identifier: string): Promise<ConfigurationRead | undefined> {
    checkName(application, 'application name');
    checkName(identifier, 'identifier');
    return this.memoRead(['readConfiguration', application, identifier], () => this.configurationRead(application, identifier));
  }

  private configurationRead(application: string, identifier: string): ConfigurationRead | undefined {
    return this.configurationReadForWrite(application, identifier).found;
  }

  async putCredentials(
    application: string,
    identifier: string,
    expectedTimestamp: string | null,
    msid: string,
    ciphertext: Buffer,
    history?: HistoryNote,
    audit?: ChangeAudit,
  ): Promise<Omit<CredentialRow, 'ciphertext'>> {
    checkCredentialsWrite(application, identifier, expectedTimestamp, msid, history);
    return this.writes.add(() => this.writeCredentials(application, expectedTimestamp, { identifier, msid, ciphertext, history, audit }));
  }

  async saveConfiguration(application: string, identifier: string, expectedTimestamp: string | null, compose: ComposeSave): Promise<Omit<CredentialRow, 'ciphertext'>> {
    checkRowWriteNames(application, identifier, expectedTimestamp);
    return this.writes.add(() => {
      const { found, stored } = this.configurationReadForWrite(application, identifier);
      const save = composeSave(compose, found, this.options.log);
      if (!found) throw applicationNotFound();
      checkMsid(save.msid);
      checkHistoryNote(save.history);
      // The lookups just made in this transaction, when the save writes the row they were made for.
      const sameRow = save.identifier === (stored ? String(stored.identifier) : identifier);
      return this.writeCredentials(found.name, expectedTimestamp, save, sameRow ? { app: found.name, current: stored } : undefined);
    });
  }

  /** configurationRead, with the stored row as SQLite returned it (for a write in the same transaction). */
  private configurationReadForWrite(application: string, identifier: string): { found: ConfigurationRead | undefined; stored: SqlRow | undefined } {
    const name = this.applicationName(application);
    if (name === undefined) return { found: undefined, stored: undefined };
    const fields = this.rows(SQLITE_SQL.fields, { app: name }).map(toFieldInfo);
    const stored = this.credentialsRow(name, identifier);
    return { found: { name, fields, row: stored ? toCredentialRow(stored) : undefined }, stored };
  }

  /** Inside a write: putCredentials' work, and how it changed what the memo keeps. `known`: the application's name and row, looked up in this transaction. */
  private writeCredentials(application: string, expectedTimestamp: string | null, save: ComposedSave, known?: { app: string; current: SqlRow | undefined }): RevisingWrite<Omit<CredentialRow, 'ciphertext'>> {
    const { identifier, msid, ciphertext, history } = save;
    // Values only under a secret SSODB names (see publishedSecrets.ts), read in this transaction.
    refuseUnlessPublished([msid], () => this.rows(SQLITE_SQL.publishedSecrets)[0]);
    const audit = save.audit && prepareAuditRows([save.audit.entry], save.audit.retention);
    const app = known ? known.app : this.applicationName(application);
    if (app === undefined) throw applicationNotFound();
    const current = known ? known.current : this.credentialsRow(app, identifier);
    checkExpectedTimestamp(current, expectedTimestamp);
    if (current && history) this.keepVersion(app, String(current.identifier), history);
    const written = this.writeRow(app, identifier, current, msid, ciphertext);
    if (audit) this.insertAuditRows(audit);
    // A new row changes counts, lists and searches: only an update says precisely what it changed.
    return { result: written, revision: current ? rowUpdated({ ...written, ciphertext: Buffer.from(ciphertext) }) : undefined };
  }

  /** Inside a write: the live row becomes the next kept version; then the retention limits apply. */
  private keepVersion(app: string, identifier: string, history: HistoryNote): void {
    const now = Date.now();
    const key = { app, domain: IDENTIFIER_DOMAIN, identifier };
    this.run(SQLITE_SQL.insertHistory, { ...key, ...toHistoryRecord(history, now) });
    this.run(SQLITE_SQL.pruneHistory, { app, identifier, keep: history.keep });
    this.run(SQLITE_SQL.recordExpiringHistory, { oldest: now - history.maxAgeMs });
    this.run(SQLITE_SQL.expireHistory, { oldest: now - history.maxAgeMs });
  }

  async listHistory(application: string, identifier: string, options: { before?: number; limit: number }): Promise<HistoryRow[]> {
    checkName(application, 'application name');
    checkName(identifier, 'identifier');
    checkLimit(options.limit);
    if (options.before !== undefined) checkHistoryVersion(options.before);
    return this.read(() =>
      this.rows(SQLITE_SQL.listHistory, { app: application, identifier, before: options.before ?? 0x7fffffff, limit: options.limit }).map(toHistoryRow),
    );
  }

  async getHistoryVersion(application: string, identifier: string, version: number): Promise<HistoryCipherRow | undefined> {
    checkName(application, 'application name');
    checkName(identifier, 'identifier');
    checkHistoryVersion(version);
    return this.read(() => {
      const row = this.rows(SQLITE_SQL.historyVersion, { app: application, identifier, version })[0];
      return row ? toHistoryCipherRow(row) : undefined;
    });
  }

  async listHistoryNotUnder(currentMsid: string, limit: number): Promise<HistoryCipherRow[]> {
    checkMsid(currentMsid);
    checkLimit(limit);
    return this.read(() => this.rows(SQLITE_SQL.historyNotUnder, { msid: currentMsid, limit }).map(toHistoryCipherRow));
  }

  async reencryptHistoryRows(rows: ReencryptedHistoryRow[]): Promise<number> {
    rows.forEach((row) => {
      checkReencryptedRow({ ...row, expectedTimestamp: '' });
      checkMsid(row.expectedMsid);
      checkHistoryVersion(row.version);
    });
    return this.write(() => {
      let replaced = 0;
      for (const row of rows) {
        const { application: app, identifier, version, expectedMsid, msid, ciphertext } = row;
        replaced += this.run(SQLITE_SQL.reencryptHistory, { app, identifier, version, expectedMsid, msid, ciphertext });
      }
      return replaced;
    });
  }

  async listCredentials(application: string, options: Omit<ListOptions, 'filter'>): Promise<CredentialRow[]> {
    checkName(application, 'application name');
    checkLimit(options.limit);
    checkCursor(options.after);
    return this.read(() => {
      const rows = this.rows(SQLITE_SQL.listCredentials, { app: application, domain: IDENTIFIER_DOMAIN, after: options.after ?? '', limit: options.limit });
      if (rows.length === 0 && this.applicationName(application) === undefined) throw applicationNotFound();
      return rows.map(toCredentialRow);
    });
  }

  async deleteCredentials(application: string, identifier: string, expectedTimestamp: string, history?: HistoryNote, audit?: ChangeAuditRows): Promise<void> {
    checkName(application, 'application name');
    checkName(identifier, 'identifier');
    checkHistoryNote(history);
    const writeAudit = this.changeAuditWriter(audit);
    return this.write(() => {
      const current = this.credentialsRow(application, identifier);
      if (!current) {
        if (this.applicationName(application) === undefined) throw applicationNotFound();
        throw mappingNotFound();
      }
      if (String(current.timestamp) !== expectedTimestamp) throw credentialsConflict('changed');
      if (history) this.keepVersion(String(current.application), String(current.identifier), history);
      this.run(SQLITE_SQL.deleteMapping, { app: String(current.application), domain: IDENTIFIER_DOMAIN, identifier: String(current.identifier) });
      writeAudit();
    });
  }

  private credentialsRow(application: string, identifier: string): SqlRow | undefined {
    return this.rows(SQLITE_SQL.credentials, { app: application, domain: IDENTIFIER_DOMAIN, identifier })[0];
  }

  // -------------------------------------------------------------- rotation

  async listRowsNotUnder(currentMsid: string, limit: number): Promise<CredentialRow[]> {
    checkMsid(currentMsid);
    checkLimit(limit);
    return this.read(() => {
      // `ec_msid <> X` would scan the index past every current row; two range seeks do not.
      const below = this.rows(SQLITE_SQL.rowsBelowMsid, { msid: currentMsid, limit });
      const above = below.length < limit ? this.rows(SQLITE_SQL.rowsAboveMsid, { msid: currentMsid, limit: limit - below.length }) : [];
      return [...below, ...above].map(toCredentialRow);
    });
  }

  async countRowsNotUnder(currentMsid: string): Promise<number> {
    return (await this.countRowsBySecret(currentMsid)).reduce((sum, count) => sum + count.rows, 0);
  }

  async countRowsBySecret(exceptMsid: string) {
    checkMsid(exceptMsid);
    return this.read(() => toSecretRowCounts(this.rows(SQLITE_SQL.countRowsBySecret, { msid: exceptMsid })));
  }

  async reencryptRows(rows: ReencryptedRow[]): Promise<number> {
    rows.forEach(checkReencryptedRow);
    return this.write(() => {
      let replaced = 0;
      for (const row of rows) {
        if (!isRowVersion(row.expectedTimestamp)) continue;
        replaced += this.run(SQLITE_SQL.reencrypt, {
          app: row.application,
          domain: IDENTIFIER_DOMAIN,
          identifier: row.identifier,
          expected: BigInt(row.expectedTimestamp),
          msid: row.msid,
          ciphertext: row.ciphertext,
        });
      }
      return replaced;
    });
  }

  // -------------------------------------------------------------- MSS lease and nodes

  async acquireLease(node: string, ttlMs: number, graceMs: number): Promise<LeaseState> {
    checkName(node, 'node name');
    return this.write(() => {
      // One machine, one clock: the embedded store's processes all run here.
      this.run(SQLITE_SQL.takeLease, { node, now: Date.now(), ttl: ttlMs, grace: graceMs });
      return toLeaseState(this.rows(SQLITE_SQL.lease)[0]);
    });
  }

  async releaseLease(node: string): Promise<void> {
    checkName(node, 'node name');
    await this.write(() => this.run(SQLITE_SQL.releaseLease, { node }));
  }

  async getLease(): Promise<LeaseState> {
    return this.read(() => toLeaseState(this.rows(SQLITE_SQL.lease)[0]));
  }

  async recordMssNode(node: MssNodeRow): Promise<void> {
    checkName(node.name, 'node name');
    await this.write(() =>
      this.run(SQLITE_SQL.upsertMssNode, { name: node.name, role: node.role, seen: node.lastSeenAt, takeover: node.lastTakeoverAt }),
    );
  }

  async listMssNodes(): Promise<MssNodeRow[]> {
    return this.read(() => this.rows(SQLITE_SQL.listMssNodes).map(toMssNodeRow));
  }

  // -------------------------------------------------------------- audit

  async appendAudit(entries: NewAuditEntry | readonly NewAuditEntry[], retention?: AuditRetention): Promise<void> {
    const rows = prepareAuditRows([entries].flat(), retention);
    return this.write(() => this.insertAuditRows(rows));
  }

  /** Checked before the write; the returned function writes the rows inside it, after the change. */
  private changeAuditWriter(audit: ChangeAuditRows | undefined): () => void {
    if (!audit || audit.entries.length === 0) return () => undefined;
    const rows = prepareAuditRows(audit.entries, audit.retention);
    return () => this.insertAuditRows(rows);
  }

  private insertAuditRows({ records, prune }: PreparedAuditRows): void {
    const ids = records.map((record) => this.db.insert(SQLITE_SQL.insertAudit, { ...record }));
    if (prune && (!this.options.stagedAudit || stagedRowsMayExceed(this.db, ids.at(-1) ?? 0, prune))) this.run(SQLITE_SQL.pruneAudit, prune);
  }

  /** See moveStagedAuditRows: the rows putCredentials staged here go to the audit file, atomically. */
  async moveStagedAudit(auditFile: string, retention?: AuditRetention): Promise<number> {
    return this.writes.moveStagedAudit(auditFile, retention);
  }

  async pruneAudit(retention: AuditRetention, limit: number): Promise<number> {
    const prune = auditPruneBounds(retention, limit);
    return this.write(() => this.run(SQLITE_SQL.pruneAudit, prune));
  }

  async listAudit(options: { before?: number; limit: number }): Promise<AuditEntry[]> {
    checkLimit(options.limit);
    const before = options.before ?? Number.MAX_SAFE_INTEGER;
    if (!Number.isInteger(before)) throw new SsoError('ENTSSO_E_INVALID_REQUEST', 'The audit cursor must be a whole number.');
    return this.read(() => this.rows(SQLITE_SQL.listAudit, { before, limit: options.limit }).map(toAuditEntry));
  }

  async listAuditFiltered(query: AuditQuery): Promise<AuditSlice> {
    const bounds = auditWindowParams(query);
    return this.read(() => {
      const window = auditWindow(this.rows(SQLITE_AUDIT_SQL.window, bounds)[0], bounds.scan);
      return window ? auditSlice(this.rows(SQLITE_AUDIT_SQL.page, auditPageParams(query, window.low)), window) : { entries: [] };
    });
  }

  /** Database-wide, ever-increasing (like SQL Server's rowversion); only called inside a write. */
  private nextRowVersion(): number | bigint {
    const row = this.rows(SQLITE_SQL.nextRowVersion)[0];
    if (!row) throw unreachable('The SSO database has no row-version counter; it is not initialised.');
    return row.version as number | bigint;
  }

  // -------------------------------------------------------------- transactions and retries

  /** Reads lock at BEGIN too: the VFS's one lock is exclusive at every level, and holding it from BEGIN records its owner (LockDirectory). */
  private read<T>(work: () => T): Promise<T> {
    return this.attempt('BEGIN IMMEDIATE', work, this.options.busyTimeoutMs);
  }

  /**
   * A read whose result is kept until the file's committed state changes (see
   * CommittedStateMemo): repeating it costs a 4-byte header read instead of a transaction.
   * `key` must name the query and every argument that shapes its result, spelled exactly as given.
   */
  private memoRead<T>(key: (string | number)[], work: () => T): Promise<T> {
    const spelled = memoKey(key);
    const kept = this.memo.lookup<T>(spelled);
    if (kept !== undefined) return Promise.resolve(kept);
    return this.read(() => {
      const result = work();
      this.memo.keep(spelled, result);
      return result;
    });
  }

  /**
   * BEGIN IMMEDIATE takes the lock before the first read, so a write never fails half-way on BUSY.
   * Writes asked for in the same turn of the event loop share one transaction (see WriteBatch).
   */
  private write<T>(work: () => T): Promise<T> {
    return this.writes.add(() => ({ result: work(), revision: undefined }));
  }

  /** Runs `work` in one transaction; on SQLITE_BUSY rolls back and retries the whole of it. */
  private attempt<T>(begin: BeginMode, work: () => T, waitMs: number): Promise<T> {
    return retryWhileBusy(this.lock, () => this.db.transaction(begin, work), waitMs);
  }

  private rows(sql: string, params: Params = {}): SqlRow[] {
    return this.db.rows(sql, params);
  }

  /** Returns the number of rows changed. */
  private run(sql: string, params: Params): number {
    return this.db.run(sql, params);
  }
}

/** A patch property set to undefined means "leave as is", like an absent one. */
function definedEntries<T extends object>(patch: T): Partial<T> {
  return Object.fromEntries(Object.entries(patch).filter(([, value]) => value !== undefined)) as Partial<T>;
}
