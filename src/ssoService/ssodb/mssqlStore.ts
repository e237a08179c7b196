/**
 * The SSODB on SQL Server, through `mssql` (tedious). Same semantics as the SQLite adapter; one
 * contract suite runs against both.
 *
 * `mssql` is loaded with require() when a connection is opened, so bundles that never use SQL
 * Server never load it (esbuild marks it external). The pool can be injected instead, which the
 * golden tests do to pin every SQL text and parameter type sent through the driver.
 *
 * Row versions: a BIGINT column fed from the sequence dbo.SSOX_RowVersionSeq, not ROWVERSION.
 * A ROWVERSION column changes on every UPDATE of its row, and a rotation re-encrypting a row
 * must leave its timestamp alone (the value is unchanged; an editor holding the row must not get
 * a conflict). A sequence gives the same properties as rowversion where they matter (database
 * wide, unique, increasing) while only the statements that should bump it do. Optimistic
 * concurrency is application-level: `UPDATE … WHERE ec_row_version = @expected`, then the rows
 * affected (or returned by OUTPUT) tell whether the caller's version was current.
 *
 * Every SQL text is an exported constant (MSSQL_SQL); parameters are always typed explicitly.
 * Names compare case-insensitively through the columns' collation (schema.ts), so `@app` can
 * be any casing and results carry the stored spelling.
 */
import type * as Mssql from 'mssql';
import { SsoError } from '../../protocol/errors';
import { cleartextLoginRefusal, withLoginGuard } from './cleartextLoginGuard';
import { azureIdentityMissing, type SqlServerConnection, sqlServerPoolConfig } from './sqlServerConnection';
import { auditPageParams, auditSlice, auditWindow, auditWindowParams, MSSQL_AUDIT_SQL } from './auditQuery';
import { importedVersionParams, importedVersions, MSSQL_IMPORT_HISTORY_SQL } from './historyImport';
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
  DESCRIPTION_MAX_LENGTH,
  fieldFlags,
  IDENTIFIER_DOMAIN,
  ISO_TIME_MAX_LENGTH,
  isRowVersion,
  mappingNotFound,
  MSID_MAX_LENGTH,
  MSSQL_SCHEMA_BATCHES,
  NAME_MAX_LENGTH,
  ROW_VERSION_SEQUENCE,
  sameFields,
  SHORT_TEXT_MAX_LENGTH,
  toApplicationRow,
  toAuditEntry,
  toAuditRecord,
  type AuditRecord,
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
  ImportedVersion,
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
  HistoryNote,
  HistoryRow,
  HistoryCipherRow,
  ReencryptedHistoryRow,
  ConfigurationRead,
} from './store';

// ---------------------------------------------------------------- the driver surface used

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

export type MssqlStoreOptions =
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

export function createMssqlStore(options: MssqlStoreOptions): SsoStore {
  return new MssqlStore(options);
}

// ---------------------------------------------------------------- SQL

const SEQ = `dbo.${ROW_VERSION_SEQUENCE}`;

const APPLICATION_COLUMNS = `a.ai_app_name AS name, a.ai_description AS description, a.ai_contact AS contact,
  a.ai_user_group_name AS userGroup, a.ai_admin_group_name AS adminGroup, a.ai_flags AS flags,
  a.ai_kind AS kind, a.ai_num_fields AS numFields,
  (SELECT COUNT_BIG(*) FROM dbo.SSOX_IndividualMapping AS m
    WHERE m.im_app_name = a.ai_app_name AND m.im_windows_domain_name = @domain) AS identifierCount`;

const CREDENTIALS_KEY_MATCH = `ec_app_name = @app AND ec_windows_domain_name = @domain AND ec_windows_user_name = @identifier`;

const CREDENTIALS_COLUMNS = `ec_app_name AS application, ec_windows_user_name AS identifier, ec_msid AS msid,
  ec_credentials AS ciphertext, ec_row_version AS [timestamp], ec_modified_at AS modifiedAt`;

const HISTORY_COLUMNS = `ch_app_name AS application, ch_identifier AS identifier, ch_version AS version,
  ch_modified_at AS modifiedAt, ch_saved_at AS savedAt, ch_saved_by AS savedBy, ch_change AS changeKind,
  ch_changed_fields AS changedFields`;

const GLOBAL_INFO_OUTPUT = `inserted.gi_SecretServer AS secretServer, inserted.gi_SSOAdminGroup AS adminGroup,
  inserted.gi_CurrentMsid AS currentMsid, inserted.gi_PreviousMsid AS previousMsid,
  inserted.gi_SecretCreatedAt AS secretCreatedAt, inserted.gi_LastBackupAt AS lastBackupAt,
  inserted.gi_LastVerifiedBackupAt AS lastVerifiedBackupAt, inserted.gi_RowVersion AS [timestamp]`;

/** Only the columns whose @setX flag is 1 change, so concurrent patches of different fields both stick. */
function patchColumn(column: string, param: string): string {
  return `${column} = CASE WHEN @set${param[0]!.toUpperCase()}${param.slice(1)} = 1 THEN @${param} ELSE ${column} END`;
}

const GLOBAL_INFO_PATCHABLE: readonly (readonly [keyof Omit<GlobalInfo, 'timestamp'>, string])[] = [
  ['secretServer', 'gi_SecretServer'],
  ['adminGroup', 'gi_SSOAdminGroup'],
  ['currentMsid', 'gi_CurrentMsid'],
  ['previousMsid', 'gi_PreviousMsid'],
  ['secretCreatedAt', 'gi_SecretCreatedAt'],
  ['lastBackupAt', 'gi_LastBackupAt'],
  ['lastVerifiedBackupAt', 'gi_LastVerifiedBackupAt'],
];

export const MSSQL_SQL = {
  ping: `SELECT gi_id AS ok FROM dbo.SSOX_GlobalInfo WHERE gi_id = 1;`,

  // The lease is judged on the SERVER's clock, the one clock every MSS node shares. Right-hand
  // sides see the row as it was: the epoch and take-over time move only on a change of holder.
  takeLease: `UPDATE dbo.SSOX_MssLease WITH (UPDLOCK, HOLDLOCK) SET
  ml_epoch = CASE WHEN ml_holder = @node THEN ml_epoch ELSE ml_epoch + 1 END,
  ml_taken_at = CASE WHEN ml_holder = @node THEN ml_taken_at ELSE DATEDIFF_BIG(MILLISECOND, '19700101', SYSUTCDATETIME()) END,
  ml_holder = @node,
  ml_expires_at = DATEDIFF_BIG(MILLISECOND, '19700101', SYSUTCDATETIME()) + @ttl
WHERE ml_id = 1 AND (ml_holder IS NULL OR ml_holder = @node OR DATEDIFF_BIG(MILLISECOND, '19700101', SYSUTCDATETIME()) > ml_expires_at + @grace);
SELECT ml_holder AS holder, ml_expires_at AS expiresAt, ml_epoch AS epoch, ml_taken_at AS takenAt FROM dbo.SSOX_MssLease WHERE ml_id = 1;`,
  getLease: `SELECT ml_holder AS holder, ml_expires_at AS expiresAt, ml_epoch AS epoch, ml_taken_at AS takenAt FROM dbo.SSOX_MssLease WHERE ml_id = 1;`,
  releaseLease: `UPDATE dbo.SSOX_MssLease SET ml_holder = NULL, ml_expires_at = 0 WHERE ml_id = 1 AND ml_holder = @node;`,
  upsertMssNode: `UPDATE dbo.SSOX_MssNodes WITH (UPDLOCK, HOLDLOCK) SET mn_role = @role, mn_last_seen = @seen, mn_last_takeover = COALESCE(@takeover, mn_last_takeover) WHERE mn_name = @name;
IF @@ROWCOUNT = 0 INSERT INTO dbo.SSOX_MssNodes (mn_name, mn_role, mn_last_seen, mn_last_takeover) VALUES (@name, @role, @seen, @takeover);`,
  listMssNodes: `SELECT mn_name AS name, mn_role AS role, mn_last_seen AS lastSeenAt, mn_last_takeover AS lastTakeoverAt FROM dbo.SSOX_MssNodes ORDER BY mn_name;`,

  getGlobalInfo: `SELECT gi_SecretServer AS secretServer, gi_SSOAdminGroup AS adminGroup, gi_CurrentMsid AS currentMsid,
  gi_PreviousMsid AS previousMsid, gi_SecretCreatedAt AS secretCreatedAt, gi_LastBackupAt AS lastBackupAt,
  gi_LastVerifiedBackupAt AS lastVerifiedBackupAt, gi_RowVersion AS [timestamp]
FROM dbo.SSOX_GlobalInfo WHERE gi_id = 1;`,
  updateGlobalInfo: `UPDATE dbo.SSOX_GlobalInfo SET
  ${GLOBAL_INFO_PATCHABLE.map(([param, column]) => patchColumn(column, param)).join(',\n  ')},
  gi_RowVersion = NEXT VALUE FOR ${SEQ}
OUTPUT ${GLOBAL_INFO_OUTPUT}
WHERE gi_id = 1;`,

  listApplications: `SELECT TOP (@limit) ${APPLICATION_COLUMNS}
FROM dbo.SSOX_ApplicationInfo AS a
WHERE a.ai_app_name > @after AND a.ai_app_name LIKE @pattern ESCAPE '\\'
ORDER BY a.ai_app_name;`,
  /** Two result sets: the application, then its fields. */
  getApplication: `SELECT ${APPLICATION_COLUMNS}
FROM dbo.SSOX_ApplicationInfo AS a WHERE a.ai_app_name = @app;
SELECT fi_ordinal AS ordinal, fi_label AS label, fi_flags AS flags
FROM dbo.SSOX_FieldInfo WHERE fi_app_name = @app ORDER BY fi_ordinal;`,
  applicationName: `SELECT ai_app_name AS name FROM dbo.SSOX_ApplicationInfo WHERE ai_app_name = @app;`,
  insertApplication: `INSERT INTO dbo.SSOX_ApplicationInfo (ai_app_name, ai_description, ai_contact, ai_user_group_name,
  ai_admin_group_name, ai_flags, ai_num_fields, ai_kind)
VALUES (@app, @description, @contact, @userGroup, @adminGroup, @flags, @numFields, @kind);`,
  insertField: `INSERT INTO dbo.SSOX_FieldInfo (fi_app_name, fi_ordinal, fi_label, fi_flags) VALUES (@app, @ordinal, @label, @flags);`,
  /** Fields, mappings and credentials go with it (ON DELETE CASCADE). */
  deleteApplication: `DELETE FROM dbo.SSOX_ApplicationInfo WHERE ai_app_name = @app;`,
  setApplicationFlags: `UPDATE dbo.SSOX_ApplicationInfo SET ai_flags = @flags WHERE ai_app_name = @app;`,
  /**
   * applyApplicationChanges, first statement per application: the application row (update-locked
   * until the transaction ends; a missing one range-locked, so nobody creates it meanwhile), then
   * its fields. Two result sets.
   */
  lockApplication: `SELECT a.ai_app_name AS name FROM dbo.SSOX_ApplicationInfo AS a WITH (UPDLOCK, HOLDLOCK) WHERE a.ai_app_name = @app;
SELECT fi_ordinal AS ordinal, fi_label AS label, fi_flags AS flags
FROM dbo.SSOX_FieldInfo WHERE fi_app_name = @app ORDER BY fi_ordinal;`,
  /** How many rows an application has and their highest version; the range stays locked against inserts until commit. */
  lockRows: `SELECT COUNT_BIG(*) AS n, MAX(ec_row_version) AS maxVersion
FROM dbo.SSOX_ExternalCredentials WITH (UPDLOCK, HOLDLOCK)
WHERE ec_app_name = @app AND ec_windows_domain_name = @domain;`,
  /** Field list replacement: the old list goes, the new one is inserted with insertField. */
  deleteFields: `DELETE FROM dbo.SSOX_FieldInfo WHERE fi_app_name = @app;`,
  setNumFields: `UPDATE dbo.SSOX_ApplicationInfo SET ai_num_fields = @numFields WHERE ai_app_name = @app;`,

  listIdentifiers: `SELECT TOP (@limit) ec_app_name AS application, ec_windows_user_name AS identifier,
  ec_row_version AS [timestamp], ec_modified_at AS modifiedAt
FROM dbo.SSOX_ExternalCredentials
WHERE ec_app_name = @app AND ec_windows_domain_name = @domain
  AND ec_windows_user_name > @after AND ec_windows_user_name LIKE @pattern ESCAPE '\\'
ORDER BY ec_windows_user_name;`,
  searchApplications: `SELECT TOP (@limit) ai_app_name AS application, ai_kind AS kind
FROM dbo.SSOX_ApplicationInfo WHERE ai_app_name LIKE @pattern ESCAPE '\\'
ORDER BY ai_app_name;`,
  searchIdentifiers: `SELECT TOP (@limit) m.im_app_name AS application, a.ai_kind AS kind, m.im_windows_user_name AS identifier
FROM dbo.SSOX_IndividualMapping AS m JOIN dbo.SSOX_ApplicationInfo AS a ON a.ai_app_name = m.im_app_name
WHERE m.im_windows_domain_name = @domain AND m.im_windows_user_name LIKE @pattern ESCAPE '\\'
ORDER BY m.im_app_name, m.im_windows_domain_name, m.im_windows_user_name;`,

  getCredentials: `SELECT ${CREDENTIALS_COLUMNS}
FROM dbo.SSOX_ExternalCredentials WHERE ${CREDENTIALS_KEY_MATCH};`,
  listCredentials: `SELECT TOP (@limit) ${CREDENTIALS_COLUMNS}
FROM dbo.SSOX_ExternalCredentials
WHERE ec_app_name = @app AND ec_windows_domain_name = @domain AND ec_windows_user_name > @after
ORDER BY ec_windows_user_name;`,
  /** Inserts nothing when the application is missing; stores the application's own spelling. */
  insertMapping: `INSERT INTO dbo.SSOX_IndividualMapping (im_app_name, im_windows_domain_name, im_windows_user_name,
  im_external_user_name, im_flags)
OUTPUT inserted.im_app_name AS application
SELECT a.ai_app_name, @domain, @identifier, @identifier, 0 FROM dbo.SSOX_ApplicationInfo AS a WHERE a.ai_app_name = @app;`,
  insertCredentials: `INSERT INTO dbo.SSOX_ExternalCredentials (ec_app_name, ec_windows_domain_name, ec_windows_user_name,
  ec_msid, ec_credentials, ec_row_version, ec_modified_at)
OUTPUT inserted.ec_app_name AS application, inserted.ec_windows_user_name AS identifier,
  inserted.ec_row_version AS [timestamp], inserted.ec_modified_at AS modifiedAt
VALUES (@app, @domain, @identifier, @msid, @ciphertext, NEXT VALUE FOR ${SEQ}, @now);`,
  updateCredentials: `UPDATE dbo.SSOX_ExternalCredentials SET
  ec_msid = @msid, ec_credentials = @ciphertext, ec_row_version = NEXT VALUE FOR ${SEQ},
  ec_modified_at = CASE WHEN @now > ec_modified_at THEN @now ELSE ec_modified_at + 1 END
OUTPUT inserted.ec_app_name AS application, inserted.ec_windows_user_name AS identifier,
  inserted.ec_row_version AS [timestamp], inserted.ec_modified_at AS modifiedAt
WHERE ${CREDENTIALS_KEY_MATCH} AND ec_row_version = @expected;`,
  /** Why a versioned write matched no row: the application or the row is missing, or the version moved. */
  credentialsState: `SELECT
  (SELECT COUNT_BIG(*) FROM dbo.SSOX_ApplicationInfo WHERE ai_app_name = @app) AS applications,
  (SELECT COUNT_BIG(*) FROM dbo.SSOX_ExternalCredentials WHERE ${CREDENTIALS_KEY_MATCH}) AS mappings;`,
  deleteCredentials: `DELETE FROM dbo.SSOX_ExternalCredentials WHERE ${CREDENTIALS_KEY_MATCH} AND ec_row_version = @expected;`,
  deleteMapping: `DELETE FROM dbo.SSOX_IndividualMapping
WHERE im_app_name = @app AND im_windows_domain_name = @domain AND im_windows_user_name = @identifier;`,

  /** `<>` becomes two seeks on IX_SSOX_ExternalCredentials_msid, read in index order. */
  listRowsNotUnder: `SELECT TOP (@limit) ${CREDENTIALS_COLUMNS}
FROM dbo.SSOX_ExternalCredentials WHERE ec_msid <> @msid
ORDER BY ec_msid, ec_app_name, ec_windows_domain_name, ec_windows_user_name;`,
  countRowsNotUnder: `SELECT (SELECT COUNT_BIG(*) FROM dbo.SSOX_ExternalCredentials WHERE ec_msid <> @msid)
  + (SELECT COUNT_BIG(*) FROM dbo.SSOX_ConfigHistory WHERE ch_msid <> @msid) AS n;`,
  /** Leaves ec_row_version and ec_modified_at alone: the value is the same, only its encryption changed. */
  reencryptRow: `UPDATE dbo.SSOX_ExternalCredentials SET ec_msid = @msid, ec_credentials = @ciphertext
WHERE ${CREDENTIALS_KEY_MATCH} AND ec_row_version = @expected;`,

  /**
   * Copies the live row, at the expected version, as the next kept version; the row stays
   * update-locked until the write that follows in the same transaction. No row: the version moved.
   */
  insertHistory: `INSERT INTO dbo.SSOX_ConfigHistory (ch_app_name, ch_identifier, ch_version, ch_msid, ch_credentials,
  ch_modified_at, ch_saved_at, ch_saved_by, ch_change, ch_changed_fields)
SELECT ec_app_name, ec_windows_user_name,
  COALESCE((SELECT MAX(h.ch_version) FROM dbo.SSOX_ConfigHistory AS h WITH (UPDLOCK, HOLDLOCK)
    WHERE h.ch_app_name = @app AND h.ch_identifier = @identifier), 0) + 1,
  ec_msid, ec_credentials, ec_modified_at, @now, @savedBy, @change, @changedFields
FROM dbo.SSOX_ExternalCredentials WITH (UPDLOCK, HOLDLOCK)
WHERE ${CREDENTIALS_KEY_MATCH} AND ec_row_version = @expected;`,
  /** Retention: versions beyond `keep` for this configuration, and versions older than the age limit anywhere. */
  pruneHistory: `DELETE FROM dbo.SSOX_ConfigHistory WHERE ch_app_name = @app AND ch_identifier = @identifier
  AND ch_version <= (SELECT MAX(h.ch_version) FROM dbo.SSOX_ConfigHistory AS h
    WHERE h.ch_app_name = @app AND h.ch_identifier = @identifier) - @keep;
DELETE FROM dbo.SSOX_ConfigHistory WHERE ch_saved_at < @oldest;`,
  listHistory: `SELECT TOP (@limit) ${HISTORY_COLUMNS} FROM dbo.SSOX_ConfigHistory
WHERE ch_app_name = @app AND ch_identifier = @identifier AND ch_version < @before
ORDER BY ch_version DESC;`,
  historyVersion: `SELECT ${HISTORY_COLUMNS}, ch_msid AS msid, ch_credentials AS ciphertext FROM dbo.SSOX_ConfigHistory
WHERE ch_app_name = @app AND ch_identifier = @identifier AND ch_version = @version;`,
  historyNotUnder: `SELECT TOP (@limit) ${HISTORY_COLUMNS}, ch_msid AS msid, ch_credentials AS ciphertext FROM dbo.SSOX_ConfigHistory
WHERE ch_msid <> @msid ORDER BY ch_msid, ch_id;`,
  reencryptHistory: `UPDATE dbo.SSOX_ConfigHistory SET ch_msid = @msid, ch_credentials = @ciphertext
WHERE ch_app_name = @app AND ch_identifier = @identifier AND ch_version = @version AND ch_msid = @expectedMsid;`,

  insertAudit: `INSERT INTO dbo.SSOX_AuditTable (au_at, au_user, au_action, au_outcome, au_app_name, au_identifier, au_fields, au_detail)
VALUES (@at, @user, @action, @outcome, @application, @identifier, @fields, @detail);`,
  listAudit: `SELECT TOP (@limit) au_id AS id, au_at AS at, au_user AS [user], au_action AS action, au_outcome AS outcome,
  au_app_name AS application, au_identifier AS identifier, au_fields AS fields, au_detail AS detail
FROM dbo.SSOX_AuditTable WHERE au_id < @before ORDER BY au_id DESC;`,
  /** Looks at the @limit oldest rows only, so a prune with nothing to do stays cheap. */
  pruneAudit: `DELETE FROM dbo.SSOX_AuditTable WHERE au_id IN (
  SELECT oldest.au_id FROM (SELECT TOP (@limit) au_id, au_at FROM dbo.SSOX_AuditTable ORDER BY au_id) AS oldest
  WHERE oldest.au_id <= (SELECT COALESCE(MAX(au_id), 0) FROM dbo.SSOX_AuditTable) - @maxRows OR oldest.au_at < @cutoff);`,
} as const;

export type MssqlStatementName = keyof typeof MSSQL_SQL;

// ---------------------------------------------------------------- parameters

type ParamKind = 'name' | 'pattern' | 'msid' | 'description' | 'isoTime' | 'shortText' | 'longText' | 'int' | 'bigint' | 'bit' | 'blob';

/** Declared lengths match the columns, so SQL Server reuses one plan per statement. */
function sqlType(types: MssqlTypes, kind: ParamKind): Mssql.ISqlType {
  switch (kind) {
    case 'name':
      return types.NVarChar(NAME_MAX_LENGTH);
    case 'pattern':
      // Every character of a name escaped, plus the two '%'.
      return types.NVarChar(NAME_MAX_LENGTH * 2 + 2);
    case 'msid':
      return types.NVarChar(MSID_MAX_LENGTH);
    case 'description':
      return types.NVarChar(DESCRIPTION_MAX_LENGTH);
    case 'isoTime':
      return types.NVarChar(ISO_TIME_MAX_LENGTH);
    case 'shortText':
      return types.NVarChar(SHORT_TEXT_MAX_LENGTH);
    case 'longText':
      return types.NVarChar(types.MAX);
    case 'int':
      return types.Int();
    case 'bigint':
      return types.BigInt();
    case 'bit':
      return types.Bit();
    case 'blob':
      return types.VarBinary(types.MAX);
  }
}

type Params = Record<string, readonly [ParamKind, unknown]>;

const keyParams = (app: string, identifier: string): Params => ({
  app: ['name', app],
  domain: ['name', IDENTIFIER_DOMAIN],
  identifier: ['name', identifier],
});

interface Executor {
  request(): MssqlRequest;
}

// ---------------------------------------------------------------- the store

const DEADLOCK_ATTEMPTS = 3;
const SCHEMA_RACE_ERRORS = new Set([2714, 1913, 2627, 2601]);

class MssqlStore implements SsoStore {
  private pool: MssqlPool | undefined;
  private types: MssqlTypes | undefined;

  constructor(private readonly options: MssqlStoreOptions) {
    if ('pool' in options) {
      this.pool = options.pool;
      this.types = options.types;
    }
  }

  // -------------------------------------------------------------- lifecycle

  async init(): Promise<void> {
    if (!this.pool) await this.connect();
    try {
      await this.createSchema();
    } catch (error) {
      // Two processes initialising an empty database at once: one loses the race on an object
      // that now exists; running the idempotent script again finds everything in place.
      if (!SCHEMA_RACE_ERRORS.has(driverErrorNumber(error) ?? 0)) throw schemaPermissionRefusal(error) ?? toSsoError(error);
      await this.createSchema().catch((again: unknown) => {
        throw toSsoError(again);
      });
    }
  }

  private async createSchema(): Promise<void> {
    for (const batch of MSSQL_SCHEMA_BATCHES) await this.connection().request().batch(batch);
  }

  private async connect(): Promise<void> {
    if ('pool' in this.options) return;
    // Loaded here, not imported: bundles that never use SQL Server never load the driver.
    const sql = require('mssql') as typeof Mssql;
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

  async ping(): Promise<void> {
    await this.query(MSSQL_SQL.ping, {});
  }

  // -------------------------------------------------------------- global info

  async getGlobalInfo(): Promise<GlobalInfo> {
    const row = (await this.query(MSSQL_SQL.getGlobalInfo, {})).recordset?.[0];
    if (!row) throw notInitialised();
    return toGlobalInfo(row);
  }

  async updateGlobalInfo(patch: Partial<Omit<GlobalInfo, 'timestamp'>>): Promise<GlobalInfo> {
    checkGlobalInfoPatch(patch);
    const params: Params = {};
    for (const [key] of GLOBAL_INFO_PATCHABLE) {
      const kind: ParamKind = key === 'currentMsid' || key === 'previousMsid' ? 'msid' : key.endsWith('At') ? 'isoTime' : 'name';
      const value = patch[key];
      params[`set${key[0]!.toUpperCase()}${key.slice(1)}`] = ['bit', value !== undefined];
      params[key] = [kind, value ?? null];
    }
    const row = (await this.query(MSSQL_SQL.updateGlobalInfo, params)).recordset?.[0];
    if (!row) throw notInitialised();
    return toGlobalInfo(row);
  }

  // -------------------------------------------------------------- applications

  async listApplications(options: ListOptions): Promise<ApplicationRow[]> {
    checkListOptions(options);
    const result = await this.query(MSSQL_SQL.listApplications, {
      limit: ['int', options.limit],
      domain: ['name', IDENTIFIER_DOMAIN],
      after: ['name', options.after ?? ''],
      pattern: ['pattern', containsPattern(options.filter ?? '', 'mssql')],
    });
    return rowsOf(result).map(toApplicationRow);
  }

  async getApplication(name: string): Promise<(ApplicationRow & { fields: FieldInfo[] }) | undefined> {
    checkName(name, 'application name');
    const result = await this.query(MSSQL_SQL.getApplication, { app: ['name', name], domain: ['name', IDENTIFIER_DOMAIN] });
    const [applications = [], fields = []] = result.recordsets ?? [];
    const row = applications[0];
    return row ? { ...toApplicationRow(row), fields: fields.map(toFieldInfo) } : undefined;
  }

  async createApplication(app: NewApplication): Promise<void> {
    checkNewApplication(app);
    await this.inTransaction(
      async (tx) => {
        await this.query(MSSQL_SQL.insertApplication, applicationParams(app), tx);
        await this.insertFields(app.name, app.fields, tx);
      },
      (error) => (isDuplicateKey(error) ? applicationExists() : undefined),
    );
  }

  private async insertFields(app: string, fields: NewApplication['fields'], tx: MssqlTransaction): Promise<void> {
    for (const [ordinal, field] of fields.entries()) {
      await this.query(
        MSSQL_SQL.insertField,
        { app: ['name', app], ordinal: ['int', ordinal], label: ['name', field.label], flags: ['int', fieldFlags(field.masked)] },
        tx,
      );
    }
  }

  async applyApplicationChanges(changes: ApplicationChange[]): Promise<void> {
    checkApplicationChanges(changes);
    if (changes.length === 0) return;
    await this.inTransaction(
      async (tx) => {
        for (const change of changes) await this.applyChange(change, tx);
      },
      (error) => {
        // The locks taken make these unexpected; should they happen, the batch's premise failed.
        if (isDuplicateKey(error) || driverErrorNumber(error) === 547) {
          return new SsoError('ENTSSO_E_CONFLICT', 'The SSO database was changed by someone else at the same time. Nothing was changed: read it again and repeat the change.', {
            reason: 'concurrent-write',
          });
        }
        return undefined;
      },
    );
  }

  private async applyChange(change: ApplicationChange, tx: MssqlTransaction): Promise<void> {
    const locked = await this.query(MSSQL_SQL.lockApplication, { app: ['name', change.application] }, tx);
    const [applications = [], fieldRows = []] = locked.recordsets ?? [];
    const stored = applications[0];
    let app: string;
    if (change.create) {
      if (stored) throw changeConflict(change.application, 'application-exists');
      await this.query(MSSQL_SQL.insertApplication, applicationParams(change.create), tx);
      await this.insertFields(change.create.name, change.create.fields, tx);
      app = change.create.name;
    } else {
      const expected = change.expected!;
      if (!stored) throw changeConflict(change.application, 'application-gone');
      app = String(stored.name);
      if (!sameFields(fieldRows.map(toFieldInfo), expected.fields)) throw changeConflict(app, 'fields-changed');
      const rows = rowsOf(await this.query(MSSQL_SQL.lockRows, { app: ['name', app], domain: ['name', IDENTIFIER_DOMAIN] }, tx))[0] ?? {};
      const maxVersion = rows.maxVersion === null || rows.maxVersion === undefined ? null : String(rows.maxVersion);
      if (Number(rows.n ?? 0) !== expected.rowCount || maxVersion !== expected.maxTimestamp) throw changeConflict(app, 'rows-changed');
      if (change.fields) {
        await this.query(MSSQL_SQL.deleteFields, { app: ['name', app] }, tx);
        await this.insertFields(app, change.fields, tx);
        await this.query(MSSQL_SQL.setNumFields, { app: ['name', app], numFields: ['int', change.fields.length] }, tx);
      }
    }
    for (const row of change.rows) await this.applyRow(app, row, tx);
  }

  private async applyRow(app: string, row: RowChange, tx: MssqlTransaction): Promise<void> {
    const key = keyParams(app, row.identifier);
    if (row.op === 'put' && row.expectedTimestamp === null) {
      // A duplicate key aborts the statement only (XACT_ABORT is off); the throw rolls back the rest.
      const inserted = await this.query(MSSQL_SQL.insertMapping, key, tx).catch((error: unknown) => {
        throw isDuplicateKey(error) ? changeConflict(app, 'row-exists', row.identifier) : error;
      });
      const mapping = rowsOf(inserted)[0];
      if (!mapping) throw changeConflict(app, 'application-gone');
      await this.query(MSSQL_SQL.insertCredentials, { ...keyParams(String(mapping.application), row.identifier), ...valueParams(row.msid, row.ciphertext) }, tx);
      for (const version of importedVersions(row)) await this.query(MSSQL_IMPORT_HISTORY_SQL, importedHistoryParams(String(mapping.application), row.identifier, version), tx);
      return;
    }
    const expected = row.expectedTimestamp as string;
    let done = false;
    if (isRowVersion(expected)) {
      if (row.op === 'put') {
        const params = { ...key, ...valueParams(row.msid, row.ciphertext), expected: ['bigint', expected] as const };
        done = rowsOf(await this.query(MSSQL_SQL.updateCredentials, params, tx)).length > 0;
      } else {
        done = affected(await this.query(MSSQL_SQL.deleteCredentials, { ...key, expected: ['bigint', expected] }, tx)) > 0;
        if (done) await this.query(MSSQL_SQL.deleteMapping, key, tx);
      }
    }
    if (done) return;
    const state = rowsOf(await this.query(MSSQL_SQL.credentialsState, key, tx))[0] ?? {};
    throw changeConflict(app, Number(state.mappings ?? 0) > 0 ? 'row-changed' : 'row-gone', row.identifier);
  }

  async deleteApplication(name: string): Promise<void> {
    checkName(name, 'application name');
    const result = await this.query(MSSQL_SQL.deleteApplication, { app: ['name', name] });
    if (affected(result) === 0) throw applicationNotFound();
  }

  async setApplicationFlags(name: string, flags: number): Promise<void> {
    checkName(name, 'application name');
    checkFlags(flags);
    const result = await this.query(MSSQL_SQL.setApplicationFlags, { app: ['name', name], flags: ['int', flags] });
    if (affected(result) === 0) throw applicationNotFound();
  }

  private async applicationExists(name: string): Promise<boolean> {
    return rowsOf(await this.query(MSSQL_SQL.applicationName, { app: ['name', name] })).length > 0;
  }

  // -------------------------------------------------------------- identifiers and search

  async listIdentifiers(application: string, options: ListOptions): Promise<Omit<CredentialRow, 'ciphertext' | 'msid'>[]> {
    checkName(application, 'application name');
    checkListOptions(options);
    const result = await this.query(MSSQL_SQL.listIdentifiers, {
      limit: ['int', options.limit],
      app: ['name', application],
      domain: ['name', IDENTIFIER_DOMAIN],
      after: ['name', options.after ?? ''],
      pattern: ['pattern', containsPattern(options.filter ?? '', 'mssql')],
    });
    const rows = rowsOf(result);
    if (rows.length === 0 && !(await this.applicationExists(application))) throw applicationNotFound();
    return rows.map(toIdentifierRow);
  }

  async search(query: string, limit: number): Promise<{ application: string; kind: ApplicationRow['kind']; identifier?: string }[]> {
    checkFilter(query);
    checkLimit(limit);
    const pattern = containsPattern(query, 'mssql');
    const applications = rowsOf(
      await this.query(MSSQL_SQL.searchApplications, { limit: ['int', limit], pattern: ['pattern', pattern] }),
    ).map((row) => ({ application: String(row.application), kind: String(row.kind) as ApplicationRow['kind'] }));
    const room = limit - applications.length;
    if (room === 0) return applications;
    const identifiers = rowsOf(
      await this.query(MSSQL_SQL.searchIdentifiers, {
        limit: ['int', room],
        domain: ['name', IDENTIFIER_DOMAIN],
        pattern: ['pattern', pattern],
      }),
    ).map((row) => ({
      application: String(row.application),
      kind: String(row.kind) as ApplicationRow['kind'],
      identifier: String(row.identifier),
    }));
    return [...applications, ...identifiers];
  }

  // -------------------------------------------------------------- credentials

  async getCredentials(application: string, identifier: string): Promise<CredentialRow | undefined> {
    checkName(application, 'application name');
    checkName(identifier, 'identifier');
    const row = rowsOf(await this.query(MSSQL_SQL.getCredentials, keyParams(application, identifier)))[0];
    return row ? toCredentialRow(row) : undefined;
  }

  async readConfiguration(application: string, identifier: string): Promise<ConfigurationRead | undefined> {
    const [app, row] = await Promise.all([this.getApplication(application), this.getCredentials(application, identifier)]);
    return app ? { name: app.name, fields: app.fields, row } : undefined;
  }

  async listCredentials(application: string, options: Omit<ListOptions, 'filter'>): Promise<CredentialRow[]> {
    checkName(application, 'application name');
    checkLimit(options.limit);
    checkCursor(options.after);
    const result = await this.query(MSSQL_SQL.listCredentials, {
      limit: ['int', options.limit],
      app: ['name', application],
      domain: ['name', IDENTIFIER_DOMAIN],
      after: ['name', options.after ?? ''],
    });
    const rows = rowsOf(result);
    if (rows.length === 0 && !(await this.applicationExists(application))) throw applicationNotFound();
    return rows.map(toCredentialRow);
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
    const row =
      expectedTimestamp === null
        ? await this.createCredentials(application, identifier, msid, ciphertext)
        : await this.updateCredentials(application, identifier, expectedTimestamp, msid, ciphertext, history);
    return { ...toIdentifierRow(row), msid };
  }

  private async createCredentials(application: string, identifier: string, msid: string, ciphertext: Buffer): Promise<SqlRow> {
    return this.inTransaction(
      async (tx) => {
        const mapping = rowsOf(await this.query(MSSQL_SQL.insertMapping, keyParams(application, identifier), tx))[0];
        if (!mapping) throw applicationNotFound();
        const inserted = await this.query(
          MSSQL_SQL.insertCredentials,
          { ...keyParams(String(mapping.application), identifier), ...valueParams(msid, ciphertext) },
          tx,
        );
        return rowsOf(inserted)[0] ?? {};
      },
      (error) => {
        if (isDuplicateKey(error)) return credentialsConflict('exists');
        // 547: a foreign key failed, i.e. the application was deleted meanwhile.
        return driverErrorNumber(error) === 547 ? applicationNotFound() : undefined;
      },
    );
  }

  private async updateCredentials(
    application: string,
    identifier: string,
    expectedTimestamp: string,
    msid: string,
    ciphertext: Buffer,
    history?: HistoryNote,
  ): Promise<SqlRow> {
    if (isRowVersion(expectedTimestamp)) {
      const params: Params = { ...keyParams(application, identifier), ...valueParams(msid, ciphertext), expected: ['bigint', expectedTimestamp] };
      const row = history
        ? await this.inTransaction(async (tx) => {
            if (!(await this.keepVersion(application, identifier, expectedTimestamp, history, tx))) return undefined;
            const updated = rowsOf(await this.query(MSSQL_SQL.updateCredentials, params, tx))[0];
            await this.pruneHistory(application, identifier, history, tx);
            return updated;
          })
        : rowsOf(await this.query(MSSQL_SQL.updateCredentials, params))[0];
      if (row) return row;
    }
    const state = await this.credentialsState(application, identifier);
    if (!state.application) throw applicationNotFound();
    throw credentialsConflict(state.mapping ? 'changed' : 'gone');
  }

  async deleteCredentials(application: string, identifier: string, expectedTimestamp: string, history?: HistoryNote): Promise<void> {
    checkName(application, 'application name');
    checkName(identifier, 'identifier');
    checkHistoryNote(history);
    const deleted =
      isRowVersion(expectedTimestamp) &&
      (await this.inTransaction(async (tx) => {
        if (history && !(await this.keepVersion(application, identifier, expectedTimestamp, history, tx))) return false;
        const params = { ...keyParams(application, identifier), expected: ['bigint', expectedTimestamp] as const };
        if (affected(await this.query(MSSQL_SQL.deleteCredentials, params, tx)) === 0) return false;
        await this.query(MSSQL_SQL.deleteMapping, keyParams(application, identifier), tx);
        if (history) await this.pruneHistory(application, identifier, history, tx);
        return true;
      }));
    if (deleted) return;
    const state = await this.credentialsState(application, identifier);
    if (!state.application) throw applicationNotFound();
    if (!state.mapping) throw mappingNotFound();
    throw credentialsConflict('changed');
  }

  /** In the write's transaction: the live row at `expected` becomes the next kept version. False: no such row. */
  private async keepVersion(application: string, identifier: string, expected: string, history: HistoryNote, tx: MssqlTransaction): Promise<boolean> {
    const record = toHistoryRecord(history, Date.now());
    const result = await this.query(
      MSSQL_SQL.insertHistory,
      {
        ...keyParams(application, identifier),
        expected: ['bigint', expected],
        now: ['bigint', record.savedAt],
        savedBy: ['name', record.savedBy],
        change: ['shortText', record.change],
        changedFields: ['longText', record.changedFields],
      },
      tx,
    );
    return affected(result) > 0;
  }

  private async pruneHistory(application: string, identifier: string, history: HistoryNote, tx: MssqlTransaction): Promise<void> {
    const params: Params = { app: ['name', application], identifier: ['name', identifier], keep: ['int', history.keep], oldest: ['bigint', Date.now() - history.maxAgeMs] };
    await this.query(MSSQL_SQL.pruneHistory, params, tx);
  }

  async listHistory(application: string, identifier: string, options: { before?: number; limit: number }): Promise<HistoryRow[]> {
    checkName(application, 'application name');
    checkName(identifier, 'identifier');
    checkLimit(options.limit);
    if (options.before !== undefined) checkHistoryVersion(options.before);
    const result = await this.query(MSSQL_SQL.listHistory, {
      limit: ['int', options.limit],
      app: ['name', application],
      identifier: ['name', identifier],
      before: ['int', options.before ?? 0x7fffffff],
    });
    return rowsOf(result).map(toHistoryRow);
  }

  async getHistoryVersion(application: string, identifier: string, version: number): Promise<HistoryCipherRow | undefined> {
    checkName(application, 'application name');
    checkName(identifier, 'identifier');
    checkHistoryVersion(version);
    const result = await this.query(MSSQL_SQL.historyVersion, { app: ['name', application], identifier: ['name', identifier], version: ['int', version] });
    const row = rowsOf(result)[0];
    return row ? toHistoryCipherRow(row) : undefined;
  }

  async listHistoryNotUnder(currentMsid: string, limit: number): Promise<HistoryCipherRow[]> {
    checkMsid(currentMsid);
    checkLimit(limit);
    const result = await this.query(MSSQL_SQL.historyNotUnder, { limit: ['int', limit], msid: ['msid', currentMsid] });
    return rowsOf(result).map(toHistoryCipherRow);
  }

  async reencryptHistoryRows(rows: ReencryptedHistoryRow[]): Promise<number> {
    rows.forEach((row) => {
      checkReencryptedRow({ ...row, expectedTimestamp: '' });
      checkMsid(row.expectedMsid);
      checkHistoryVersion(row.version);
    });
    if (rows.length === 0) return 0;
    return this.inTransaction(async (tx) => {
      let replaced = 0;
      for (const row of rows) {
        const params: Params = {
          app: ['name', row.application],
          identifier: ['name', row.identifier],
          version: ['int', row.version],
          expectedMsid: ['msid', row.expectedMsid],
          msid: ['msid', row.msid],
          ciphertext: ['blob', row.ciphertext],
        };
        replaced += affected(await this.query(MSSQL_SQL.reencryptHistory, params, tx));
      }
      return replaced;
    });
  }

  private async credentialsState(application: string, identifier: string): Promise<{ application: boolean; mapping: boolean }> {
    const row = rowsOf(await this.query(MSSQL_SQL.credentialsState, keyParams(application, identifier)))[0] ?? {};
    return { application: Number(row.applications ?? 0) > 0, mapping: Number(row.mappings ?? 0) > 0 };
  }

  // -------------------------------------------------------------- rotation

  async listRowsNotUnder(currentMsid: string, limit: number): Promise<CredentialRow[]> {
    checkMsid(currentMsid);
    checkLimit(limit);
    const result = await this.query(MSSQL_SQL.listRowsNotUnder, { limit: ['int', limit], msid: ['msid', currentMsid] });
    return rowsOf(result).map(toCredentialRow);
  }

  async countRowsNotUnder(currentMsid: string): Promise<number> {
    checkMsid(currentMsid);
    return Number(rowsOf(await this.query(MSSQL_SQL.countRowsNotUnder, { msid: ['msid', currentMsid] }))[0]?.n ?? 0);
  }

  async reencryptRows(rows: ReencryptedRow[]): Promise<number> {
    rows.forEach(checkReencryptedRow);
    const current = rows.filter((row) => isRowVersion(row.expectedTimestamp));
    if (current.length === 0) return 0;
    return this.inTransaction(async (tx) => {
      let replaced = 0;
      for (const row of current) {
        const result = await this.query(
          MSSQL_SQL.reencryptRow,
          {
            ...keyParams(row.application, row.identifier),
            msid: ['msid', row.msid],
            ciphertext: ['blob', row.ciphertext],
            expected: ['bigint', row.expectedTimestamp],
          },
          tx,
        );
        replaced += affected(result);
      }
      return replaced;
    });
  }

  // -------------------------------------------------------------- MSS lease and nodes

  async acquireLease(node: string, ttlMs: number, graceMs: number): Promise<LeaseState> {
    checkName(node, 'node name');
    const result = await this.query(MSSQL_SQL.takeLease, { node: ['name', node], ttl: ['bigint', ttlMs], grace: ['bigint', graceMs] });
    return toLeaseState(result.recordset?.[0]);
  }

  async releaseLease(node: string): Promise<void> {
    checkName(node, 'node name');
    await this.query(MSSQL_SQL.releaseLease, { node: ['name', node] });
  }

  async getLease(): Promise<LeaseState> {
    return toLeaseState((await this.query(MSSQL_SQL.getLease, {})).recordset?.[0]);
  }

  async recordMssNode(node: MssNodeRow): Promise<void> {
    checkName(node.name, 'node name');
    await this.query(MSSQL_SQL.upsertMssNode, {
      name: ['name', node.name],
      role: ['shortText', node.role],
      seen: ['bigint', node.lastSeenAt],
      takeover: ['bigint', node.lastTakeoverAt],
    });
  }

  async listMssNodes(): Promise<MssNodeRow[]> {
    return ((await this.query(MSSQL_SQL.listMssNodes, {})).recordset ?? []).map(toMssNodeRow);
  }

  // -------------------------------------------------------------- audit

  async appendAudit(entries: NewAuditEntry | readonly NewAuditEntry[], retention?: AuditRetention): Promise<void> {
    const records = [entries].flat().map((entry) => toAuditRecord(entry));
    const prune = retention && auditPruneBounds(retention, AUDIT_PRUNE_PER_WRITE);
    if (records.length === 1) await this.query(MSSQL_SQL.insertAudit, auditParams(records[0]!));
    else {
      await this.inTransaction(async (tx) => {
        for (const record of records) await this.query(MSSQL_SQL.insertAudit, auditParams(record), tx);
      });
    }
    // Its own statement: the rows above are durable whether or not the prune succeeds, so a failed
    // prune must not report them as lost (a reveal would be refused as unaudited); the service's
    // audit sweeper deletes what this one left.
    if (prune) await this.runPrune(prune).catch(() => 0);
  }

  async pruneAudit(retention: AuditRetention, limit: number): Promise<number> {
    return this.runPrune(auditPruneBounds(retention, limit));
  }

  private async runPrune(prune: ReturnType<typeof auditPruneBounds>): Promise<number> {
    const result = await this.query(MSSQL_SQL.pruneAudit, { limit: ['int', prune.limit], maxRows: ['bigint', prune.maxRows], cutoff: ['isoTime', prune.cutoff] });
    return affected(result);
  }

  async listAudit(options: { before?: number; limit: number }): Promise<AuditEntry[]> {
    checkLimit(options.limit);
    const before = options.before ?? Number.MAX_SAFE_INTEGER;
    if (!Number.isInteger(before)) throw new SsoError('ENTSSO_E_INVALID_REQUEST', 'The audit cursor must be a whole number.');
    const result = await this.query(MSSQL_SQL.listAudit, { limit: ['int', options.limit], before: ['bigint', before] });
    return rowsOf(result).map(toAuditEntry);
  }

  async listAuditFiltered(query: AuditQuery): Promise<AuditSlice> {
    const bounds = auditWindowParams(query);
    const windowRows = rowsOf(await this.query(MSSQL_AUDIT_SQL.window, { before: ['bigint', bounds.before], scan: ['int', bounds.scan] }));
    const window = auditWindow(windowRows[0], bounds.scan);
    if (!window) return { entries: [] };
    const p = auditPageParams(query, window.low);
    const page = await this.query(MSSQL_AUDIT_SQL.page, {
      before: ['bigint', p.before], low: ['bigint', p.low], limit: ['int', p.limit],
      operation: ['shortText', p.operation], outcome: ['shortText', p.outcome], user: ['name', p.user],
      fromAt: ['isoTime', p.fromAt], untilAt: ['isoTime', p.untilAt], text: ['shortText', p.text],
    });
    return auditSlice(rowsOf(page), window);
  }

  // -------------------------------------------------------------- driver plumbing

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
  private async query(text: string, params: Params, tx?: MssqlTransaction): Promise<MssqlResult> {
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
  private async inTransaction<T>(
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

// ---------------------------------------------------------------- helpers

function applicationParams(app: NewApplication): Params {
  return {
    app: ['name', app.name],
    description: ['description', app.description],
    contact: ['name', app.contact],
    userGroup: ['name', app.userGroup],
    adminGroup: ['name', app.adminGroup],
    flags: ['int', app.flags],
    numFields: ['int', app.fields.length],
    kind: ['shortText', app.kind],
  };
}

function valueParams(msid: string, ciphertext: Buffer): Params {
  return { msid: ['msid', msid], ciphertext: ['blob', ciphertext], now: ['bigint', Date.now()] };
}

function auditParams(record: AuditRecord): Params {
  return {
    at: ['isoTime', record.at],
    user: ['name', record.user],
    action: ['shortText', record.action],
    outcome: ['shortText', record.outcome],
    application: ['name', record.application],
    identifier: ['name', record.identifier],
    fields: ['longText', record.fields],
    detail: ['longText', record.detail],
  };
}

function importedHistoryParams(app: string, identifier: string, version: ImportedVersion): Params {
  const p = importedVersionParams(app, identifier, version);
  return {
    app: ['name', p.app], identifier: ['name', p.identifier], version: ['int', p.version], msid: ['msid', p.msid], ciphertext: ['blob', p.ciphertext],
    modifiedAt: ['bigint', p.modifiedAt], savedAt: ['bigint', p.savedAt], savedBy: ['name', p.savedBy], change: ['shortText', p.change], changedFields: ['longText', p.changedFields],
  };
}

function rowsOf(result: MssqlResult): SqlRow[] {
  return result.recordset ?? [];
}

function affected(result: MssqlResult): number {
  return result.rowsAffected.reduce((sum, count) => sum + count, 0);
}

/** The `mssql` pool configuration for a `mssql://` URL or an ADO connection string. */
export function mssqlPoolConfig(options: { url: string; connectTimeoutMs?: number; requestTimeoutMs?: number }): Mssql.config {
  const timeouts = { connectionTimeout: options.connectTimeoutMs ?? 15_000, requestTimeout: options.requestTimeoutMs ?? 15_000 };
  if (!/^(mssql|sqlserver):\/\//i.test(options.url)) {
    // An ADO connection string ("Server=…;Database=…;User Id=…;Password=…"), parsed by mssql.
    const sql = require('mssql') as typeof Mssql;
    const parsed = sql.ConnectionPool.parseConnectionString(options.url);
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

// ---------------------------------------------------------------- driver errors

/** SQL Server's error number, wherever the driver put it. */
export function driverErrorNumber(error: unknown): number | undefined {
  const e = error as { number?: unknown; originalError?: { number?: unknown; info?: { number?: unknown } } } | null;
  const candidates = [e?.number, e?.originalError?.info?.number, e?.originalError?.number];
  const found = candidates.find((value) => typeof value === 'number');
  return typeof found === 'number' ? found : undefined;
}

function isDuplicateKey(error: unknown): boolean {
  const number = driverErrorNumber(error);
  return number === 2627 || number === 2601;
}

function notInitialised(): SsoError {
  return new SsoError('ENTSSO_E_SSODB_UNREACHABLE', 'The SSO database has no global information row; run sql/schema.sql or start the service once with rights to create it.');
}

/** CREATE TABLE / SEQUENCE / INDEX permission denied in the database, or on the schema. */
const SCHEMA_PERMISSION_ERRORS = new Set([262, 229, 2760, 15151, 1088]);

/** The login may not create the schema: someone who may has to run sql/schema.sql. */
function schemaPermissionRefusal(error: unknown): SsoError | undefined {
  const number = driverErrorNumber(error);
  if (number === undefined || !SCHEMA_PERMISSION_ERRORS.has(number)) return undefined;
  return new SsoError(
    'ENTSSO_E_SSODB_UNREACHABLE',
    "The SSO service's login may not create the SSO database's tables. Have a database administrator run sql/schema.sql in the database (sqlcmd -S <server> -d <database> -i sql/schema.sql; it creates only what is missing), then try again.",
    { reason: 'schema-permission', number },
  );
}

const TIMEOUT_CODES = new Set(['ETIMEOUT', 'ECANCEL']);

/**
 * Every driver failure that is not a known outcome means the database cannot serve the request.
 * The driver's own message is not copied: for a duplicate key it quotes the key's value.
 */
export function toSsoError(error: unknown): SsoError {
  if (error instanceof SsoError) return error;
  const refusal = cleartextLoginRefusal(error) ?? azureIdentityMissing(error);
  if (refusal) return refusal;
  const e = error as { code?: unknown; name?: unknown } | null;
  const code = typeof e?.code === 'string' ? e.code : undefined;
  const details = { driverCode: code, number: driverErrorNumber(error), driverError: typeof e?.name === 'string' ? e.name : undefined };
  if (isDuplicateKey(error)) return new SsoError('ENTSSO_E_CONFLICT', 'The row was written by someone else at the same time. Reload and try again.', details);
  const message =
    code !== undefined && TIMEOUT_CODES.has(code)
      ? 'The SSO database (SQL Server) did not answer in time.'
      : code === 'ELOGIN'
        ? 'SQL Server refused the sign-in: a wrong user name or secret, a login without access to the database, or a database that does not exist.'
        : 'The SSO database (SQL Server) cannot be reached or refused the request.';
  return new SsoError('ENTSSO_E_SSODB_UNREACHABLE', message, details);
}
