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
 *   ReservedLockFix, which works around a defect of the library that would skip that rollback).
 */
import fs from 'node:fs';
import path from 'node:path';
// Default import: the package is CommonJS without named-export hints, so this is the form that
// works whether this file ends up as CommonJS (today) or as an ES module.
import nodeSqlite3Wasm from 'node-sqlite3-wasm';
import type { Database, Statement } from 'node-sqlite3-wasm';
import { SsoError } from '../../protocol/errors';
import { identityOf, processLiveness } from '../../ssoClient/processIdentity';
import { auditPageParams, auditSlice, auditWindow, auditWindowParams, SQLITE_AUDIT_SQL } from './auditQuery';
import { importedVersionParams, importedVersions, SQLITE_IMPORT_HISTORY_SQL } from './historyImport';
import { CommittedStateMemo } from './committedStateMemo';
import type { AuditEntry, FieldInfo } from '../../protocol/messages';
import {
  applicationExists,
  applicationNotFound,
  AUDIT_PRUNE_PER_WRITE,
  auditPruneBounds,
  changeConflict,
  checkApplicationChanges,
  checkCursor,
  checkFilter,
  checkFlags,
  checkGlobalInfoPatch,
  checkLimit,
  checkListOptions,
  checkMsid,
  checkName,
  checkNewName,
  checkNewApplication,
  checkReencryptedRow,
  containsPattern,
  credentialsConflict,
  fieldFlags,
  IDENTIFIER_DOMAIN,
  isRowVersion,
  mappingNotFound,
  nextModifiedAt,
  sameFields,
  SQLITE_DERIVED_TABLES,
  SQLITE_SCHEMA,
  toApplicationRow,
  toAuditEntry,
  toAuditRecord,
  toCredentialRow,
  toFieldInfo,
  toGlobalInfo,
  toIdentifierRow,
  toLeaseState,
  toMssNodeRow,
  checkHistoryNote,
  checkHistoryVersion,
  toHistoryRecord,
  toHistoryRow,
  toHistoryCipherRow,
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
  LeaseState,
  MssNodeRow,
  RowChange,
  SsoStore,
  ConfigurationRead,
  HistoryNote,
  HistoryRow,
  HistoryCipherRow,
  ReencryptedHistoryRow,
} from './store';

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
}

export const DEFAULT_BUSY_TIMEOUT_MS = 5_000;
/**
 * Age after which a lock WITHOUT an owner record is taken as abandoned. Our processes write the
 * record microseconds after taking the lock, so an unrecorded lock older than this is one whose
 * holder died in that window; locks with a live recorded owner are never broken by age.
 */
export const DEFAULT_STALE_LOCK_MS = 2_000;

export function createSqliteStore(options: SqliteStoreOptions): SsoStore {
  return new SqliteStore({
    file: path.resolve(options.file),
    busyTimeoutMs: options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS,
    staleLockMs: options.staleLockMs ?? DEFAULT_STALE_LOCK_MS,
  });
}

// ---------------------------------------------------------------- SQL

const APPLICATION_COLUMNS = `a.ai_app_name AS name, a.ai_description AS description, a.ai_contact AS contact,
  a.ai_user_group_name AS userGroup, a.ai_admin_group_name AS adminGroup, a.ai_flags AS flags,
  a.ai_kind AS kind, a.ai_num_fields AS numFields,
  COALESCE((SELECT c.ic_count FROM SSOX_IdentifierCount c WHERE c.ic_app_name = a.ai_app_name), 0) AS identifierCount`;

const CREDENTIALS_KEY_MATCH = `ec_app_name = :app AND ec_windows_domain_name = :domain AND ec_windows_user_name = :identifier`;

const CREDENTIALS_COLUMNS = `ec_app_name AS application, ec_windows_user_name AS identifier, ec_msid AS msid,
  ec_credentials AS ciphertext, ec_row_version AS timestamp, ec_modified_at AS modifiedAt`;

const HISTORY_COLUMNS = `ch_app_name AS application, ch_identifier AS identifier, ch_version AS version,
  ch_modified_at AS modifiedAt, ch_saved_at AS savedAt, ch_saved_by AS savedBy, ch_change AS changeKind,
  ch_changed_fields AS changedFields`;

/** Rotation reads rows in the order of IX_SSOX_ExternalCredentials_msid, one range at a time. */
const ROTATION_ORDER = `ORDER BY ec_msid, ec_app_name, ec_windows_domain_name, ec_windows_user_name`;

export const SQLITE_SQL = {
  globalInfo: `SELECT gi_SecretServer AS secretServer, gi_SSOAdminGroup AS adminGroup, gi_CurrentMsid AS currentMsid,
  gi_PreviousMsid AS previousMsid, gi_SecretCreatedAt AS secretCreatedAt, gi_LastBackupAt AS lastBackupAt,
  gi_LastVerifiedBackupAt AS lastVerifiedBackupAt, gi_RowVersion AS timestamp
FROM SSOX_GlobalInfo WHERE gi_id = 1`,
  updateGlobalInfo: `UPDATE SSOX_GlobalInfo SET gi_SecretServer = :secretServer, gi_SSOAdminGroup = :adminGroup,
  gi_CurrentMsid = :currentMsid, gi_PreviousMsid = :previousMsid, gi_SecretCreatedAt = :secretCreatedAt,
  gi_LastBackupAt = :lastBackupAt, gi_LastVerifiedBackupAt = :lastVerifiedBackupAt, gi_RowVersion = :version
WHERE gi_id = 1`,
  nextRowVersion: `UPDATE SSOX_RowVersionCounter SET rv_value = rv_value + 1 WHERE rv_id = 1 RETURNING rv_value AS version`,

  tableExists: `SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = :table`,
  listApplications: `SELECT ${APPLICATION_COLUMNS}
FROM SSOX_ApplicationInfo a
WHERE a.ai_app_name > :after AND a.ai_app_name LIKE :pattern ESCAPE '\\'
ORDER BY a.ai_app_name
LIMIT :limit`,
  application: `SELECT ${APPLICATION_COLUMNS} FROM SSOX_ApplicationInfo a WHERE a.ai_app_name = :app`,
  applicationName: `SELECT ai_app_name AS name FROM SSOX_ApplicationInfo WHERE ai_app_name = :app`,
  fields: `SELECT fi_ordinal AS ordinal, fi_label AS label, fi_flags AS flags
FROM SSOX_FieldInfo WHERE fi_app_name = :app ORDER BY fi_ordinal`,
  insertApplication: `INSERT INTO SSOX_ApplicationInfo (ai_app_name, ai_description, ai_contact, ai_user_group_name,
  ai_admin_group_name, ai_flags, ai_num_fields, ai_kind)
VALUES (:app, :description, :contact, :userGroup, :adminGroup, :flags, :numFields, :kind)`,
  insertField: `INSERT INTO SSOX_FieldInfo (fi_app_name, fi_ordinal, fi_label, fi_flags) VALUES (:app, :ordinal, :label, :flags)`,
  /** Fields, mappings and credentials go with it (ON DELETE CASCADE). */
  deleteApplication: `DELETE FROM SSOX_ApplicationInfo WHERE ai_app_name = :app`,
  setApplicationFlags: `UPDATE SSOX_ApplicationInfo SET ai_flags = :flags WHERE ai_app_name = :app`,
  /** Field list replacement (applyApplicationChanges): the old list goes, the new one is inserted. */
  deleteFields: `DELETE FROM SSOX_FieldInfo WHERE fi_app_name = :app`,
  setNumFields: `UPDATE SSOX_ApplicationInfo SET ai_num_fields = :numFields WHERE ai_app_name = :app`,
  /** How many rows an application has and the highest row version among them (see ApplicationChange.expected). */
  rowsVersion: `SELECT COUNT(*) AS n, MAX(ec_row_version) AS maxVersion
FROM SSOX_ExternalCredentials WHERE ec_app_name = :app AND ec_windows_domain_name = :domain`,

  listIdentifiers: `SELECT ec_app_name AS application, ec_windows_user_name AS identifier,
  ec_row_version AS timestamp, ec_modified_at AS modifiedAt
FROM SSOX_ExternalCredentials
WHERE ec_app_name = :app AND ec_windows_domain_name = :domain
  AND ec_windows_user_name > :after AND ec_windows_user_name LIKE :pattern ESCAPE '\\'
ORDER BY ec_windows_user_name
LIMIT :limit`,
  searchApplications: `SELECT ai_app_name AS application, ai_kind AS kind
FROM SSOX_ApplicationInfo WHERE ai_app_name LIKE :pattern ESCAPE '\\'
ORDER BY ai_app_name LIMIT :limit`,
  // Three characters or more: from the trigram index (the join drops anything stale).
  searchIdentifiersIndexed: `SELECT m.im_app_name AS application, a.ai_kind AS kind, m.im_windows_user_name AS identifier
FROM SSOX_IdentifierSearch s
JOIN SSOX_IndividualMapping m ON m.im_id = s.rowid
JOIN SSOX_ApplicationInfo a ON a.ai_app_name = m.im_app_name
WHERE SSOX_IdentifierSearch MATCH :phrase AND m.im_windows_domain_name = :domain
ORDER BY m.im_app_name, m.im_windows_domain_name, m.im_windows_user_name LIMIT :limit`,
  searchIdentifiers: `SELECT m.im_app_name AS application, a.ai_kind AS kind, m.im_windows_user_name AS identifier
FROM SSOX_IndividualMapping m JOIN SSOX_ApplicationInfo a ON a.ai_app_name = m.im_app_name
WHERE m.im_windows_domain_name = :domain AND m.im_windows_user_name LIKE :pattern ESCAPE '\\'
ORDER BY m.im_app_name, m.im_windows_domain_name, m.im_windows_user_name LIMIT :limit`,

  credentials: `SELECT ${CREDENTIALS_COLUMNS} FROM SSOX_ExternalCredentials WHERE ${CREDENTIALS_KEY_MATCH}`,
  listCredentials: `SELECT ${CREDENTIALS_COLUMNS}
FROM SSOX_ExternalCredentials
WHERE ec_app_name = :app AND ec_windows_domain_name = :domain AND ec_windows_user_name > :after
ORDER BY ec_windows_user_name
LIMIT :limit`,
  insertMapping: `INSERT INTO SSOX_IndividualMapping (im_app_name, im_windows_domain_name, im_windows_user_name,
  im_external_user_name, im_flags)
VALUES (:app, :domain, :identifier, :identifier, 0)`,
  insertCredentials: `INSERT INTO SSOX_ExternalCredentials (ec_app_name, ec_windows_domain_name, ec_windows_user_name,
  ec_msid, ec_credentials, ec_row_version, ec_modified_at)
VALUES (:app, :domain, :identifier, :msid, :ciphertext, :version, :modifiedAt)`,
  updateCredentials: `UPDATE SSOX_ExternalCredentials
SET ec_msid = :msid, ec_credentials = :ciphertext, ec_row_version = :version, ec_modified_at = :modifiedAt
WHERE ${CREDENTIALS_KEY_MATCH}`,
  /** The credentials row goes with the mapping (ON DELETE CASCADE). */
  deleteMapping: `DELETE FROM SSOX_IndividualMapping
WHERE im_app_name = :app AND im_windows_domain_name = :domain AND im_windows_user_name = :identifier`,

  rowsBelowMsid: `SELECT ${CREDENTIALS_COLUMNS} FROM SSOX_ExternalCredentials WHERE ec_msid < :msid ${ROTATION_ORDER} LIMIT :limit`,
  rowsAboveMsid: `SELECT ${CREDENTIALS_COLUMNS} FROM SSOX_ExternalCredentials WHERE ec_msid > :msid ${ROTATION_ORDER} LIMIT :limit`,
  countRowsNotUnder: `SELECT (SELECT COUNT(*) FROM SSOX_ExternalCredentials WHERE ec_msid < :msid)
  + (SELECT COUNT(*) FROM SSOX_ExternalCredentials WHERE ec_msid > :msid)
  + (SELECT COUNT(*) FROM SSOX_ConfigHistory WHERE ch_msid <> :msid) AS n`,
  /** Leaves ec_row_version and ec_modified_at alone: the value is the same, only its encryption changed. */
  reencrypt: `UPDATE SSOX_ExternalCredentials SET ec_msid = :msid, ec_credentials = :ciphertext
WHERE ${CREDENTIALS_KEY_MATCH} AND ec_row_version = :expected`,

  /** Copies the live row (already checked at its expected version) as the next kept version. */
  insertHistory: `INSERT INTO SSOX_ConfigHistory (ch_app_name, ch_identifier, ch_version, ch_msid, ch_credentials,
  ch_modified_at, ch_saved_at, ch_saved_by, ch_change, ch_changed_fields)
SELECT ec_app_name, ec_windows_user_name,
  COALESCE((SELECT MAX(h.ch_version) FROM SSOX_ConfigHistory h WHERE h.ch_app_name = :app AND h.ch_identifier = :identifier), 0) + 1,
  ec_msid, ec_credentials, ec_modified_at, :savedAt, :savedBy, :change, :changedFields
FROM SSOX_ExternalCredentials WHERE ${CREDENTIALS_KEY_MATCH}`,
  pruneHistory: `DELETE FROM SSOX_ConfigHistory WHERE ch_app_name = :app AND ch_identifier = :identifier
  AND ch_version <= (SELECT MAX(h.ch_version) FROM SSOX_ConfigHistory h WHERE h.ch_app_name = :app AND h.ch_identifier = :identifier) - :keep`,
  expireHistory: `DELETE FROM SSOX_ConfigHistory WHERE ch_saved_at < :oldest`,
  listHistory: `SELECT ${HISTORY_COLUMNS} FROM SSOX_ConfigHistory
WHERE ch_app_name = :app AND ch_identifier = :identifier AND ch_version < :before
ORDER BY ch_version DESC LIMIT :limit`,
  historyVersion: `SELECT ${HISTORY_COLUMNS}, ch_msid AS msid, ch_credentials AS ciphertext FROM SSOX_ConfigHistory
WHERE ch_app_name = :app AND ch_identifier = :identifier AND ch_version = :version`,
  historyNotUnder: `SELECT ${HISTORY_COLUMNS}, ch_msid AS msid, ch_credentials AS ciphertext FROM SSOX_ConfigHistory
WHERE ch_msid <> :msid ORDER BY ch_msid, ch_id LIMIT :limit`,
  reencryptHistory: `UPDATE SSOX_ConfigHistory SET ch_msid = :msid, ch_credentials = :ciphertext
WHERE ch_app_name = :app AND ch_identifier = :identifier AND ch_version = :version AND ch_msid = :expectedMsid`,

  insertAudit: `INSERT INTO SSOX_AuditTable (au_at, au_user, au_action, au_outcome, au_app_name, au_identifier, au_fields, au_detail)
VALUES (:at, :user, :action, :outcome, :application, :identifier, :fields, :detail)`,
  listAudit: `SELECT au_id AS id, au_at AS at, au_user AS user, au_action AS action, au_outcome AS outcome,
  au_app_name AS application, au_identifier AS identifier, au_fields AS fields, au_detail AS detail
FROM SSOX_AuditTable WHERE au_id < :before ORDER BY au_id DESC LIMIT :limit`,
  /** Looks at the :limit oldest rows only, so a prune with nothing to do stays cheap. */
  pruneAudit: `DELETE FROM SSOX_AuditTable WHERE au_id IN (
  SELECT au_id FROM (SELECT au_id, au_at FROM SSOX_AuditTable ORDER BY au_id LIMIT :limit)
  WHERE au_id <= (SELECT COALESCE(MAX(au_id), 0) FROM SSOX_AuditTable) - :maxRows OR au_at < :cutoff)`,

  ping: `SELECT gi_id FROM SSOX_GlobalInfo WHERE gi_id = 1`,

  lease: `SELECT ml_holder AS holder, ml_expires_at AS expiresAt, ml_epoch AS epoch, ml_taken_at AS takenAt FROM SSOX_MssLease WHERE ml_id = 1`,
  // Right-hand sides see the row as it was: the epoch moves and the take-over time is set only
  // when the holder changes.
  takeLease: `UPDATE SSOX_MssLease SET
  ml_epoch = CASE WHEN ml_holder = :node THEN ml_epoch ELSE ml_epoch + 1 END,
  ml_taken_at = CASE WHEN ml_holder = :node THEN ml_taken_at ELSE :now END,
  ml_holder = :node,
  ml_expires_at = :now + :ttl
WHERE ml_id = 1 AND (ml_holder IS NULL OR ml_holder = :node OR :now > ml_expires_at + :grace)`,
  releaseLease: `UPDATE SSOX_MssLease SET ml_holder = NULL, ml_expires_at = 0 WHERE ml_id = 1 AND ml_holder = :node`,
  upsertMssNode: `INSERT INTO SSOX_MssNodes (mn_name, mn_role, mn_last_seen, mn_last_takeover) VALUES (:name, :role, :seen, :takeover)
ON CONFLICT (mn_name) DO UPDATE SET mn_role = excluded.mn_role, mn_last_seen = excluded.mn_last_seen,
  mn_last_takeover = COALESCE(excluded.mn_last_takeover, SSOX_MssNodes.mn_last_takeover)`,
  listMssNodes: `SELECT mn_name AS name, mn_role AS role, mn_last_seen AS lastSeenAt, mn_last_takeover AS lastTakeoverAt FROM SSOX_MssNodes ORDER BY mn_name`,
} as const;

// ---------------------------------------------------------------- the store

type Params = Record<string, string | number | bigint | Uint8Array | null>;
type BeginMode = 'BEGIN DEFERRED' | 'BEGIN IMMEDIATE' | null;

class SqliteStore implements SsoStore {
  private db: Database | undefined;
  private readonly statements = new Map<string, Statement>();
  private readonly lock: LockDirectory;
  private readonly memo: CommittedStateMemo;

  constructor(private readonly options: Required<SqliteStoreOptions>) {
    this.lock = new LockDirectory(`${options.file}.lock`, options.staleLockMs);
    this.memo = new CommittedStateMemo(options.file);
  }

  // -------------------------------------------------------------- lifecycle

  async init(): Promise<void> {
    this.db ??= openDatabase(this.options.file);
    this.memo.open();
    // A process restarted right after a crash may find the dead process's lock still fresh:
    // start-up waits until it turns stale and is broken, rather than failing. (Even a PRAGMA
    // reads the schema first, so it takes the lock too.)
    const waitMs = this.options.busyTimeoutMs + this.options.staleLockMs;
    await this.attempt(
      null,
      () => this.connection().exec('PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON; PRAGMA journal_mode = TRUNCATE'),
      waitMs,
    );
    await this.attempt('BEGIN IMMEDIATE', () => this.createSchema(), waitMs);
  }

  /** Idempotent; fills a derived table only in the transaction that creates it. */
  private createSchema(): void {
    const missing = SQLITE_DERIVED_TABLES.filter(({ table }) => this.rows(SQLITE_SQL.tableExists, { table }).length === 0);
    for (const ddl of SQLITE_SCHEMA) this.connection().exec(ddl);
    for (const { fill } of missing) this.connection().exec(fill);
  }

  async close(): Promise<void> {
    const db = this.db;
    if (!db) return;
    this.db = undefined;
    this.lock.close();
    this.memo.close();
    for (const statement of this.statements.values()) if (!statement.isFinalized) statement.finalize();
    this.statements.clear();
    try {
      db.close();
    } catch (error) {
      throw unreachable('The SSO database file could not be closed cleanly.', error);
    }
  }

  async ping(): Promise<void> {
    await this.read(() => this.rows(SQLITE_SQL.ping));
  }

  // -------------------------------------------------------------- global info

  async getGlobalInfo(): Promise<GlobalInfo> {
    return this.read(() => this.globalInfo());
  }

  async updateGlobalInfo(patch: Partial<Omit<GlobalInfo, 'timestamp'>>): Promise<GlobalInfo> {
    checkGlobalInfoPatch(patch);
    return this.write(() => {
      const { timestamp: _previous, ...current } = this.globalInfo();
      const next = { ...current, ...definedEntries(patch) };
      this.run(SQLITE_SQL.updateGlobalInfo, { ...next, version: this.nextRowVersion() });
      return this.globalInfo();
    });
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

  async createApplication(app: NewApplication): Promise<void> {
    checkNewApplication(app);
    return this.write(() => {
      if (this.applicationName(app.name) !== undefined) throw applicationExists();
      this.insertApplication(app);
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

  async applyApplicationChanges(changes: ApplicationChange[]): Promise<void> {
    checkApplicationChanges(changes);
    if (changes.length === 0) return;
    // One transaction: any premise that fails throws, and the whole batch rolls back.
    return this.write(() => changes.forEach((change) => this.applyChange(change)));
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
      if (Number(rows.n ?? 0) !== expected.rowCount || maxVersion !== expected.maxTimestamp) throw changeConflict(app, 'rows-changed');
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

  async deleteApplication(name: string): Promise<void> {
    checkName(name, 'application name');
    return this.write(() => {
      if (this.run(SQLITE_SQL.deleteApplication, { app: name }) === 0) throw applicationNotFound();
    });
  }

  async setApplicationFlags(name: string, flags: number): Promise<void> {
    checkName(name, 'application name');
    checkFlags(flags);
    return this.write(() => {
      if (this.run(SQLITE_SQL.setApplicationFlags, { app: name, flags }) === 0) throw applicationNotFound();
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

  async search(query: string, limit: number): Promise<{ application: string; kind: ApplicationRow['kind']; identifier?: string }[]> {
    checkFilter(query);
    checkLimit(limit);
    return this.read(() => {
      const pattern = containsPattern(query, 'sqlite');
      const applications = this.rows(SQLITE_SQL.searchApplications, { pattern, limit }).map((row) => ({
        application: String(row.application),
        kind: String(row.kind) as ApplicationRow['kind'],
      }));
      const room = limit - applications.length;
      if (room === 0) return applications;
      const identifierRows = indexable(query)
        ? this.rows(SQLITE_SQL.searchIdentifiersIndexed, { phrase: ftsPhrase(query), limit: room, domain: IDENTIFIER_DOMAIN })
        : this.rows(SQLITE_SQL.searchIdentifiers, { pattern, limit: room, domain: IDENTIFIER_DOMAIN });
      const identifiers = identifierRows.map((row) => ({
        application: String(row.application),
        kind: String(row.kind) as ApplicationRow['kind'],
        identifier: String(row.identifier),
      }));
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
    return this.memoRead(['readConfiguration', application, identifier], () => {
      const name = this.applicationName(application);
      if (name === undefined) return undefined;
      const fields = this.rows(SQLITE_SQL.fields, { app: name }).map(toFieldInfo);
      const row = this.credentialsRow(name, identifier);
      return { name, fields, row: row ? toCredentialRow(row) : undefined };
    });
  }

  async putCredentials(
    application: string,
    identifier: string,
    expectedTimestamp: string | null,
    msid: string,
    ciphertext: Buffer,
    history?: HistoryNote,
  ): Promise<Omit<CredentialRow, 'ciphertext'>> {
    checkName(application, 'application name');
    if (expectedTimestamp === null) checkNewName(identifier, 'identifier');
    else checkName(identifier, 'identifier');
    checkMsid(msid);
    checkHistoryNote(history);
    return this.write(() => {
      const app = this.applicationName(application);
      if (app === undefined) throw applicationNotFound();
      const current = this.credentialsRow(app, identifier);
      checkExpectedTimestamp(current, expectedTimestamp);
      if (current && history) this.keepVersion(app, String(current.identifier), history);
      return this.writeRow(app, identifier, current, msid, ciphertext);
    });
  }

  /** Inside a write: the live row becomes the next kept version; then the retention limits apply. */
  private keepVersion(app: string, identifier: string, history: HistoryNote): void {
    const now = Date.now();
    const key = { app, domain: IDENTIFIER_DOMAIN, identifier };
    this.run(SQLITE_SQL.insertHistory, { ...key, ...toHistoryRecord(history, now) });
    this.run(SQLITE_SQL.pruneHistory, { app, identifier, keep: history.keep });
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

  async deleteCredentials(application: string, identifier: string, expectedTimestamp: string, history?: HistoryNote): Promise<void> {
    checkName(application, 'application name');
    checkName(identifier, 'identifier');
    checkHistoryNote(history);
    return this.write(() => {
      const current = this.credentialsRow(application, identifier);
      if (!current) {
        if (this.applicationName(application) === undefined) throw applicationNotFound();
        throw mappingNotFound();
      }
      if (String(current.timestamp) !== expectedTimestamp) throw credentialsConflict('changed');
      if (history) this.keepVersion(String(current.application), String(current.identifier), history);
      this.run(SQLITE_SQL.deleteMapping, { app: String(current.application), domain: IDENTIFIER_DOMAIN, identifier: String(current.identifier) });
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
    checkMsid(currentMsid);
    return this.read(() => Number(this.rows(SQLITE_SQL.countRowsNotUnder, { msid: currentMsid })[0]?.n ?? 0));
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
    const records = [entries].flat().map((entry) => toAuditRecord(entry));
    const prune = retention && auditPruneBounds(retention, AUDIT_PRUNE_PER_WRITE);
    return this.write(() => {
      for (const record of records) this.run(SQLITE_SQL.insertAudit, { ...record });
      if (prune) this.run(SQLITE_SQL.pruneAudit, prune);
    });
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

  // -------------------------------------------------------------- row versions

  /** Database-wide, ever-increasing (like SQL Server's rowversion); only called inside a write. */
  private nextRowVersion(): number | bigint {
    const row = this.rows(SQLITE_SQL.nextRowVersion)[0];
    if (!row) throw unreachable('The SSO database has no row-version counter; it is not initialised.');
    return row.version as number | bigint;
  }

  // -------------------------------------------------------------- transactions and retries

  /**
   * Reads take the lock at BEGIN too: this VFS's lock is one directory, exclusive whatever the
   * level, so a deferred read gains no concurrency, and holding the lock from BEGIN lets the
   * transaction record its owner (see LockDirectory.recordOwner).
   */
  private read<T>(work: () => T): Promise<T> {
    return this.attempt('BEGIN IMMEDIATE', work, this.options.busyTimeoutMs);
  }

  /**
   * A read whose result is kept until the file's committed state changes (see
   * CommittedStateMemo): repeating it costs a 4-byte header read instead of a transaction.
   * `key` must name the query and every argument that shapes its result, spelled exactly as given.
   */
  private memoRead<T>(key: (string | number)[], work: () => T): Promise<T> {
    const memoKey = JSON.stringify(key);
    const kept = this.memo.lookup<T>(memoKey);
    if (kept !== undefined) return Promise.resolve(kept);
    return this.read(() => {
      const result = work();
      this.memo.keep(memoKey, result);
      return result;
    });
  }

  /** BEGIN IMMEDIATE takes the lock before the first read, so a write never fails half-way on BUSY. */
  private write<T>(work: () => T): Promise<T> {
    return this.attempt('BEGIN IMMEDIATE', work, this.options.busyTimeoutMs);
  }

  /** Runs `work` in one transaction; on SQLITE_BUSY rolls back and retries the whole of it. */
  private async attempt<T>(begin: BeginMode, work: () => T, waitMs: number): Promise<T> {
    const started = Date.now();
    for (let attempt = 0; ; attempt++) {
      try {
        return this.lock.whileOperating(() => this.transaction(begin, work));
      } catch (error) {
        if (!isBusy(error)) throw toSsoError(error);
        if (this.lock.breakIfStale()) continue;
        if (Date.now() - started >= waitMs) throw busyTimeout(waitMs);
        await sleep(backoffMs(attempt));
      }
    }
  }

  private transaction<T>(begin: BeginMode, work: () => T): T {
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

  private rows(sql: string, params: Params = {}): SqlRow[] {
    return this.usingStatement(sql, (statement) => statement.all(bind(params)) as SqlRow[]);
  }

  /** Returns the number of rows changed. */
  private run(sql: string, params: Params): number {
    return this.usingStatement(sql, (statement) => statement.run(bind(params)).changes);
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

/** The trigram index answers substrings of three characters or more (shorter ones scan). */
function indexable(query: string): boolean {
  return [...query].length >= 3;
}

/** The query as one FTS5 phrase: a literal substring, quotes doubled, no operators. */
function ftsPhrase(query: string): string {
  return `"${query.replace(/"/g, '""')}"`;
}

function bind(params: Params): Record<string, string | number | bigint | Uint8Array | null> {
  return Object.fromEntries(Object.entries(params).map(([name, value]) => [`:${name}`, value]));
}

function openDatabase(file: string): Database {
  try {
    return new nodeSqlite3Wasm.Database(file);
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

// ---------------------------------------------------------------- checks and errors





function checkExpectedTimestamp(current: SqlRow | undefined, expected: string | null): void {
  if (expected === null) {
    if (current) throw credentialsConflict('exists');
  } else if (!current) {
    throw credentialsConflict('gone');
  } else if (String(current.timestamp) !== expected) {
    throw credentialsConflict('changed');
  }
}

/** A patch property set to undefined means "leave as is", like an absent one. */
function definedEntries<T extends object>(patch: T): Partial<T> {
  return Object.fromEntries(Object.entries(patch).filter(([, value]) => value !== undefined)) as Partial<T>;
}

function isBusy(error: unknown): boolean {
  return error instanceof Error && /database is locked|database table is locked/i.test(error.message);
}

function toSsoError(error: unknown): SsoError {
  if (error instanceof SsoError) return error;
  return unreachable('The SSO database file failed.', error);
}

/** SQLite's messages name tables and columns, never bound values, so they are safe to keep as details. */
function unreachable(message: string, cause?: unknown, details: Record<string, unknown> = {}): SsoError {
  const sqlite = cause instanceof Error ? { sqlite: cause.message } : {};
  return new SsoError('ENTSSO_E_SSODB_UNREACHABLE', message, { ...details, ...sqlite });
}

function busyTimeout(waitMs: number): SsoError {
  return new SsoError(
    'ENTSSO_E_SSODB_UNREACHABLE',
    `The SSO database file stayed locked by another process for ${waitMs} ms. Try again; if it persists, check which process holds it.`,
    { reason: 'busy', waitMs },
  );
}

/** 2, 4, 8 … up to 20 ms, with jitter so that two waiting processes do not retry in step. */
function backoffMs(attempt: number): number {
  const ceiling = Math.min(20, 2 ** (attempt + 1));
  return ceiling / 2 + Math.random() * (ceiling / 2);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

// ---------------------------------------------------------------- the lock directory

/**
 * Stale-lock recovery for node-sqlite3-wasm's lock directory `<file>.lock`.
 *
 * Who may break a lock: every transaction records its owner (pid and the identity of the lock
 * directory) right after taking the lock. A recorded owner that is dead: broken at once. A
 * recorded owner that is alive: never broken, however old (it may be paused, and would resume
 * its commit). No record for this directory: the holder died in the microseconds between taking
 * the lock and recording it, so the lock is broken once older than staleLockMs (default 2 s).
 * mtime and Date.now() come from the same clock for a local file.
 *
 * Why two breakers cannot remove a fresh lock: breaking is serialised by a second directory,
 * `<file>.lock-breaker`, and staleness is checked again while holding it. Nobody can create a
 * new lock while the stale one exists, so the directory removed is the stale one that was
 * checked. A breaker is held for microseconds; one older than staleLockMs is itself stale and
 * removed (the one remaining race needs two processes to die in that window).
 *
 * Why the data is safe: a writer that died mid-commit leaves a hot journal; once the lock is
 * gone, the next transaction rolls it back (with ReservedLockFix below).
 */
/**
 * pid, its start time ("-" where there is none, see processIdentity), inode and change time in
 * nanoseconds, space-separated, padded: always fits.
 */
const OWNER_RECORD_WIDTH = 80;

export class LockDirectory {
  constructor(
    readonly lockPath: string,
    private readonly staleMs: number,
  ) {
    installReservedLockFix();
  }

  get breakerPath(): string {
    return `${this.lockPath}-breaker`;
  }

  private ownerFd: number | undefined;

  get ownerPath(): string {
    return `${this.lockPath}-owner`;
  }

  /**
   * Written by the holder right after it took the lock: its pid and the identity (inode and
   * change time) of the lock directory it created. A lock whose recorded owner is gone (killed
   * mid-transaction, even mid-COMMIT) is broken at once instead of after `staleMs`. The record
   * is never removed: the next holder overwrites it, and a record that does not describe the
   * directory present now (an earlier holder's) is ignored, so it can never break a live lock.
   * A lock taken but not yet recorded (microseconds) falls back to the age rule.
   */
  recordOwner(): void {
    try {
      const id = fs.statSync(this.lockPath, { bigint: true });
      // One open descriptor, one fixed-width write at offset 0: this runs in every transaction.
      this.ownerFd ??= openOwnerRecordForWriting(this.ownerPath);
      fs.writeSync(this.ownerFd, `${process.pid} ${OWN_START_TIME} ${id.ino} ${id.ctimeNs}`.padEnd(OWNER_RECORD_WIDTH), 0);
    } catch {
      // Only a speed-up: without it the age rule still applies.
    }
  }

  close(): void {
    if (this.ownerFd === undefined) return;
    fs.closeSync(this.ownerFd);
    this.ownerFd = undefined;
  }

  /**
   * What the owner record says about the lock directory present now: 'dead' (its process is
   * gone), 'alive', or 'unknown' (no record for this directory: taken microseconds ago, or by a
   * process that does not record owners).
   */
  private ownerState(): 'dead' | 'alive' | 'unknown' {
    let owner: OwnerRecord | undefined;
    try {
      owner = parseOwnerRecord(readOwnerRecord(this.ownerPath));
      const id = fs.statSync(this.lockPath, { bigint: true });
      if (!owner || String(id.ino) !== owner.ino || String(id.ctimeNs) !== owner.ctimeNs) return 'unknown';
    } catch {
      return 'unknown';
    }
    if (owner.pid === process.pid && owner.startTime === identityOf(process.pid).startTime) return 'alive';
    // Its pid alone would keep a lock for ever once reused by another process: the start time tells.
    return processLiveness(owner) === 'gone' ? 'dead' : 'alive';
  }

  /** True when a stale lock was removed (the caller should retry at once). */
  breakIfStale(): boolean {
    if (!this.isStale(this.lockPath) || !this.takeBreaker()) return false;
    try {
      if (!this.isStale(this.lockPath)) return false;
      removeDirectory(this.lockPath);
      return true;
    } finally {
      removeDirectory(this.breakerPath);
    }
  }

  /** Runs one synchronous database operation (see ReservedLockFix). */
  whileOperating<T>(operation: () => T): T {
    operatingLockPaths.set(this.lockPath, (operatingLockPaths.get(this.lockPath) ?? 0) + 1);
    try {
      return operation();
    } finally {
      const count = (operatingLockPaths.get(this.lockPath) ?? 1) - 1;
      if (count === 0) operatingLockPaths.delete(this.lockPath);
      else operatingLockPaths.set(this.lockPath, count);
    }
  }

  /**
   * A lock with a live recorded owner is never broken, however old: its holder may only be
   * paused (SIGSTOP, a debugger, a VM freeze), and would go on writing pages once resumed.
   * A dead recorded owner's lock is broken at once; an unrecorded one after `staleMs`.
   */
  private isStale(directory: string): boolean {
    try {
      const age = Date.now() - fs.statSync(directory).mtimeMs;
      if (directory !== this.lockPath) return age > this.staleMs;
      const owner = this.ownerState();
      return owner === 'dead' || (owner === 'unknown' && age > this.staleMs);
    } catch {
      return false;
    }
  }

  private takeBreaker(): boolean {
    if (makeDirectory(this.breakerPath)) return true;
    if (!this.isStale(this.breakerPath)) return false;
    removeDirectory(this.breakerPath);
    return makeDirectory(this.breakerPath);
  }
}

const OWN_START_TIME = identityOf(process.pid).startTime ?? '-';

interface OwnerRecord {
  pid: number;
  startTime?: string;
  ino: string;
  ctimeNs: string;
}

/** "pid start ino ctime", or "pid ino ctime" as written before start times were recorded. */
function parseOwnerRecord(text: string): OwnerRecord | undefined {
  const fields = text.trim().split(' ');
  const [pidText, startTime, ino, ctimeNs] = fields.length === 3 ? [fields[0], '-', fields[1], fields[2]] : fields;
  const pid = Number(pidText);
  if (!Number.isSafeInteger(pid) || pid <= 0 || !ino || !ctimeNs || fields.length > 4) return undefined;
  return { pid, ...(startTime && startTime !== '-' ? { startTime } : {}), ino, ctimeNs };
}

const NO_FOLLOW = fs.constants.O_NOFOLLOW ?? 0;

/**
 * The owner record is shared by every process using the file: created 0600 by whoever comes
 * first (O_EXCL), otherwise opened without following a link (O_NOFOLLOW) and accepted only as a
 * regular file of ours with no other name, so that a planted link or hard link never makes a
 * transaction overwrite another file.
 */
function openOwnerRecordForWriting(ownerPath: string): number {
  const { O_WRONLY, O_CREAT, O_EXCL } = fs.constants;
  try {
    return fs.openSync(ownerPath, O_WRONLY | O_CREAT | O_EXCL | NO_FOLLOW, 0o600);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  const fd = fs.openSync(ownerPath, O_WRONLY | NO_FOLLOW);
  try {
    const stat = fs.fstatSync(fd);
    const uid = process.getuid?.();
    if (!stat.isFile() || stat.nlink !== 1 || (uid !== undefined && stat.uid !== uid)) throw new Error('not our owner record');
    if (process.platform !== 'win32' && (stat.mode & 0o077) !== 0) fs.fchmodSync(fd, 0o600);
    return fd;
  } catch (error) {
    fs.closeSync(fd);
    throw error;
  }
}

function readOwnerRecord(ownerPath: string): string {
  const fd = fs.openSync(ownerPath, fs.constants.O_RDONLY | NO_FOLLOW);
  try {
    const buffer = Buffer.alloc(OWNER_RECORD_WIDTH);
    return buffer.subarray(0, fs.readSync(fd, buffer, 0, OWNER_RECORD_WIDTH, 0)).toString('utf8');
  } finally {
    fs.closeSync(fd);
  }
}

function makeDirectory(directory: string): boolean {
  try {
    fs.mkdirSync(directory);
    return true;
  } catch {
    return false;
  }
}

function removeDirectory(directory: string): void {
  try {
    fs.rmdirSync(directory);
  } catch {
    // Already gone: someone else broke it or its owner released it.
  }
}

// ---------------------------------------------------------------- ReservedLockFix

/**
 * Works around a defect of node-sqlite3-wasm (0.8.x): its VFS answers SQLite's "does another
 * connection hold a RESERVED lock?" (xCheckReservedLock) with "is `<file>.lock` present?" —
 * which is also true when the asking connection is the holder. SQLite asks exactly then: right
 * after taking its own lock, to decide whether a leftover journal is hot (its writer died
 * mid-commit) and must be rolled back. With the defect the answer is always "another writer is
 * active", so a dead writer's half-written pages are never rolled back (seen here: after a
 * SIGKILL in the middle of a 100-row UPDATE, 96 rows showed the uncommitted value).
 *
 * Since the directory is the VFS's only lock, while one of our operations holds it no other
 * connection can; the correct answer during our operations is "no". The VFS asks through
 * `fs.accessSync(<file>.lock)`; this wrapper reports that path as absent while an operation on
 * that file runs in this process (synchronously, see LockDirectory.whileOperating) and passes
 * every other call through unchanged. If the operation has not got the lock, SQLite returns
 * BUSY before it ever asks, so the wrapper cannot hide a live writer.
 */
const operatingLockPaths = new Map<string, number>();
let reservedLockFixInstalled = false;

function installReservedLockFix(): void {
  if (reservedLockFixInstalled) return;
  reservedLockFixInstalled = true;
  const mutableFs = fs as unknown as { accessSync: (target: fs.PathLike, mode?: number) => void };
  const original = mutableFs.accessSync;
  mutableFs.accessSync = function accessSync(target: fs.PathLike, mode?: number): void {
    if (typeof target === 'string' && operatingLockPaths.has(target)) {
      throw Object.assign(new Error(`ENOENT: no such file or directory, access '${target}'`), { code: 'ENOENT' });
    }
    original.call(fs, target, mode);
  };
}
