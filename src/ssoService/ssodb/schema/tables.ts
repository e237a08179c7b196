/**
 * The SSODB tables, described once as data (both dialects' DDL are rendered from it: sqliteDdl.ts,
 * mssqlDdl.ts), and the column limits both adapters enforce, so that SQLite and SQL Server accept
 * and refuse the same inputs (the name limit is the protocol's: NAME_MAX_LENGTH in
 * src/protocol/names.ts). Table and column names mirror ENTSSO's SSOX_* tables
 * (../../../../shared/docs/DOMAIN.md §3); columns ENTSSO does not have are named in the same style.
 */
import { CONFIG_STORE_DOMAIN, type ApplicationKind } from '../../../protocol/messages';

// ---------------------------------------------------------------- limits

export const DESCRIPTION_MAX_LENGTH = 1024;
export const MSID_MAX_LENGTH = 64;
/** ISO-8601 texts in SSOX_GlobalInfo and SSOX_AuditTable. */
export const ISO_TIME_MAX_LENGTH = 40;
export const SHORT_TEXT_MAX_LENGTH = 256;
/** Audit details and field lists are cut to this length: an audit record must never fail. */
export const AUDIT_DETAIL_MAX_LENGTH = 4000;
/** Largest page any listing returns; larger limits are refused rather than silently cut. */
export const MAX_PAGE_LIMIT = 10_000;

export const APPLICATION_KINDS: readonly ApplicationKind[] = ['adapter', 'configStore', 'affiliate'];

/** The Windows domain under which every identifier is stored (config-store mappings). */
export const IDENTIFIER_DOMAIN = CONFIG_STORE_DOMAIN;

/** Embedded store only: each application's number of configurations (see SQLITE_IDENTIFIER_COUNT in sqliteDdl.ts). */
export const IDENTIFIER_COUNT_TABLE = 'SSOX_IdentifierCount';

/** The row of SSOX_GlobalInfo created on first start. */
export const DEFAULT_ADMIN_GROUP = 'SSO Administrators';

// ---------------------------------------------------------------- schema as data

export type ColumnType =
  /** Case-insensitive name: NOCASE in SQLite, a CI collation in SQL Server. */
  | 'name'
  /** Exact-match short id (MSIDs): binary comparison in both. */
  | 'id'
  | 'description'
  | 'isoTime'
  | 'shortText'
  | 'longText'
  | 'int'
  | 'bigint'
  | 'blob'
  /** Ever-increasing surrogate key (audit ids, used as paging cursors). */
  | 'identity';

export interface ColumnDef {
  name: string;
  type: ColumnType;
  nullable?: boolean;
}

interface ForeignKeyDef {
  name: string;
  columns: string[];
  table: string;
  references: string[];
}

export interface TableDef {
  name: string;
  columns: ColumnDef[];
  primaryKey: { name: string; columns: string[] };
  /** Natural keys (the clustered primary key of a wide-keyed table is a surrogate id). */
  unique?: { name: string; columns: string[] }[];
  foreignKeys?: ForeignKeyDef[];
  checks?: { name: string; expression: string }[];
}

export interface IndexDef {
  name: string;
  table: string;
  columns: string[];
  /** Why the index exists (rendered as a comment). */
  purpose: string;
}

export const TABLES = {
  globalInfo: 'SSOX_GlobalInfo',
  applicationInfo: 'SSOX_ApplicationInfo',
  fieldInfo: 'SSOX_FieldInfo',
  individualMapping: 'SSOX_IndividualMapping',
  externalCredentials: 'SSOX_ExternalCredentials',
  audit: 'SSOX_AuditTable',
  /** The master secret server lease: which MSS node is active (high availability). */
  mssLease: 'SSOX_MssLease',
  /** MSS nodes seen by the environment, for `ssoctl mss list` and the health view. */
  mssNodes: 'SSOX_MssNodes',
  /** Earlier versions of configurations (issue 15, history), encrypted like the live rows. */
  configHistory: 'SSOX_ConfigHistory',
  /** The last version number of a configuration whose versions went past the age limit (history numbers never restart). */
  configHistoryNumber: 'SSOX_ConfigHistoryNumber',
  /** SQLite only: the database-wide row-version counter (SQL Server uses ROW_VERSION_SEQUENCE, mssqlDdl.ts). */
  rowVersionCounter: 'SSOX_RowVersionCounter',
} as const;

const T = TABLES;

const APP_KEY = ['ai_app_name'];
const MAPPING_KEY = ['im_app_name', 'im_windows_domain_name', 'im_windows_user_name'];
const CREDENTIALS_KEY = ['ec_app_name', 'ec_windows_domain_name', 'ec_windows_user_name'];
const HISTORY_KEY = ['ch_app_name', 'ch_identifier', 'ch_version'];

/**
 * A master secret restore's intent (publishedSecrets.ts): while set, the only secrets values may be
 * written under (space-separated ids, the restored current and previous); null otherwise.
 */
const SWITCHING_MSIDS: ColumnDef = { name: 'gi_SwitchingMsids', type: 'shortText', nullable: true };

export const SHARED_TABLES: TableDef[] = [
  {
    name: T.globalInfo,
    columns: [
      { name: 'gi_id', type: 'int' },
      { name: 'gi_SecretServer', type: 'name' },
      { name: 'gi_SSOAdminGroup', type: 'name' },
      { name: 'gi_CurrentMsid', type: 'id', nullable: true },
      { name: 'gi_PreviousMsid', type: 'id', nullable: true },
      { name: 'gi_SecretCreatedAt', type: 'isoTime', nullable: true },
      { name: 'gi_LastBackupAt', type: 'isoTime', nullable: true },
      { name: 'gi_LastVerifiedBackupAt', type: 'isoTime', nullable: true },
      { name: 'gi_RowVersion', type: 'bigint' },
      SWITCHING_MSIDS,
    ],
    primaryKey: { name: 'PK_SSOX_GlobalInfo', columns: ['gi_id'] },
    checks: [{ name: 'CK_SSOX_GlobalInfo_single_row', expression: 'gi_id = 1' }],
  },
  {
    name: T.applicationInfo,
    columns: [
      { name: 'ai_app_name', type: 'name' },
      { name: 'ai_description', type: 'description' },
      { name: 'ai_contact', type: 'name' },
      { name: 'ai_user_group_name', type: 'name' },
      { name: 'ai_admin_group_name', type: 'name' },
      { name: 'ai_flags', type: 'int' },
      { name: 'ai_num_fields', type: 'int' },
      { name: 'ai_kind', type: 'shortText' },
    ],
    // The primary key is also the keyset-paging index of the application list.
    primaryKey: { name: 'PK_SSOX_ApplicationInfo', columns: APP_KEY },
    checks: [
      {
        name: 'CK_SSOX_ApplicationInfo_kind',
        expression: `ai_kind IN (${APPLICATION_KINDS.map((kind) => `'${kind}'`).join(', ')})`,
      },
    ],
  },
  {
    name: T.fieldInfo,
    columns: [
      { name: 'fi_app_name', type: 'name' },
      { name: 'fi_ordinal', type: 'int' },
      { name: 'fi_label', type: 'name' },
      { name: 'fi_flags', type: 'int' },
    ],
    primaryKey: { name: 'PK_SSOX_FieldInfo', columns: ['fi_app_name', 'fi_ordinal'] },
    foreignKeys: [{ name: 'FK_SSOX_FieldInfo_app', columns: ['fi_app_name'], table: T.applicationInfo, references: APP_KEY }],
  },
  // Mappings and credentials are keyed by (application, domain, user): up to 1,536 bytes in
  // SQL Server, over its 900-byte limit for a clustered key. So they are clustered on a
  // surrogate id and the natural key is a unique nonclustered index (1,700-byte limit).
  {
    name: T.individualMapping,
    columns: [
      { name: 'im_id', type: 'identity' },
      { name: 'im_app_name', type: 'name' },
      { name: 'im_windows_domain_name', type: 'name' },
      { name: 'im_windows_user_name', type: 'name' },
      { name: 'im_external_user_name', type: 'name' },
      { name: 'im_flags', type: 'int' },
    ],
    primaryKey: { name: 'PK_SSOX_IndividualMapping', columns: ['im_id'] },
    // Leading app name: counts per application, cascade deletes, identifier search in order.
    unique: [{ name: 'UQ_SSOX_IndividualMapping_key', columns: MAPPING_KEY }],
    foreignKeys: [{ name: 'FK_SSOX_IndividualMapping_app', columns: ['im_app_name'], table: T.applicationInfo, references: APP_KEY }],
  },
  {
    name: T.externalCredentials,
    columns: [
      { name: 'ec_id', type: 'identity' },
      { name: 'ec_app_name', type: 'name' },
      { name: 'ec_windows_domain_name', type: 'name' },
      { name: 'ec_windows_user_name', type: 'name' },
      { name: 'ec_msid', type: 'id' },
      { name: 'ec_credentials', type: 'blob' },
      { name: 'ec_row_version', type: 'bigint' },
      { name: 'ec_modified_at', type: 'bigint' },
    ],
    primaryKey: { name: 'PK_SSOX_ExternalCredentials', columns: ['ec_id'] },
    // Also the keyset-paging index of one application's identifiers.
    unique: [{ name: 'UQ_SSOX_ExternalCredentials_key', columns: CREDENTIALS_KEY }],
    foreignKeys: [
      { name: 'FK_SSOX_ExternalCredentials_mapping', columns: CREDENTIALS_KEY, table: T.individualMapping, references: MAPPING_KEY },
    ],
  },
  {
    name: T.audit,
    columns: [
      { name: 'au_id', type: 'identity' },
      { name: 'au_at', type: 'isoTime' },
      { name: 'au_user', type: 'name' },
      { name: 'au_action', type: 'shortText' },
      { name: 'au_outcome', type: 'shortText' },
      { name: 'au_app_name', type: 'name', nullable: true },
      { name: 'au_identifier', type: 'name', nullable: true },
      { name: 'au_fields', type: 'longText', nullable: true },
      { name: 'au_detail', type: 'longText', nullable: true },
    ],
    primaryKey: { name: 'PK_SSOX_AuditTable', columns: ['au_id'] },
    checks: [{ name: 'CK_SSOX_AuditTable_outcome', expression: "au_outcome IN ('ok', 'refused', 'failed')" }],
  },
  {
    // A replaced version's blob, copied as it was: same msid, same binding to (application,
    // identifier), so it decrypts exactly like the live row did. Goes with its application.
    name: T.configHistory,
    columns: [
      { name: 'ch_id', type: 'identity' },
      { name: 'ch_app_name', type: 'name' },
      { name: 'ch_identifier', type: 'name' },
      { name: 'ch_version', type: 'int' },
      { name: 'ch_msid', type: 'id' },
      { name: 'ch_credentials', type: 'blob' },
      { name: 'ch_modified_at', type: 'bigint' },
      { name: 'ch_saved_at', type: 'bigint' },
      { name: 'ch_saved_by', type: 'name' },
      { name: 'ch_change', type: 'shortText' },
      { name: 'ch_changed_fields', type: 'longText' },
    ],
    primaryKey: { name: 'PK_SSOX_ConfigHistory', columns: ['ch_id'] },
    unique: [{ name: 'UQ_SSOX_ConfigHistory_key', columns: HISTORY_KEY }],
    foreignKeys: [{ name: 'FK_SSOX_ConfigHistory_app', columns: ['ch_app_name'], table: T.applicationInfo, references: APP_KEY }],
    checks: [{ name: 'CK_SSOX_ConfigHistory_change', expression: "ch_change IN ('set', 'delete')" }],
  },
  {
    // Written as versions go past the age limit (a save of any configuration expires them in
    // every one): the next version of a configuration whose versions all went continues from
    // here, so a version number never names other content later. Goes with its application.
    name: T.configHistoryNumber,
    columns: [
      { name: 'hn_app_name', type: 'name' },
      { name: 'hn_identifier', type: 'name' },
      { name: 'hn_last_version', type: 'int' },
    ],
    primaryKey: { name: 'PK_SSOX_ConfigHistoryNumber', columns: ['hn_app_name', 'hn_identifier'] },
    foreignKeys: [{ name: 'FK_SSOX_ConfigHistoryNumber_app', columns: ['hn_app_name'], table: T.applicationInfo, references: APP_KEY }],
  },
  {
    // One row. Times are ms since the epoch on the database's clock (SQL Server) or the
    // machine's (embedded store, whose processes share one clock).
    name: T.mssLease,
    columns: [
      { name: 'ml_id', type: 'int' },
      { name: 'ml_holder', type: 'name', nullable: true },
      { name: 'ml_expires_at', type: 'bigint' },
      { name: 'ml_epoch', type: 'bigint' },
      { name: 'ml_taken_at', type: 'bigint', nullable: true },
    ],
    primaryKey: { name: 'PK_SSOX_MssLease', columns: ['ml_id'] },
    checks: [{ name: 'CK_SSOX_MssLease_single_row', expression: 'ml_id = 1' }],
  },
  {
    name: T.mssNodes,
    columns: [
      { name: 'mn_name', type: 'name' },
      { name: 'mn_role', type: 'shortText' },
      { name: 'mn_last_seen', type: 'bigint' },
      { name: 'mn_last_takeover', type: 'bigint', nullable: true },
    ],
    primaryKey: { name: 'PK_SSOX_MssNodes', columns: ['mn_name'] },
  },
];

/**
 * Columns added to a table after SSODBs were created without them: each dialect adds them at start
 * when missing (SQLITE_ADDED_COLUMNS, MSSQL_SCHEMA_BATCHES), nullable so older rows stay valid.
 */
export const ADDED_COLUMNS: readonly { table: string; column: ColumnDef }[] = [{ table: T.globalInfo, column: SWITCHING_MSIDS }];

export const SQLITE_ONLY_TABLES: TableDef[] = [
  {
    // See SQLITE_IDENTIFIER_COUNT in sqliteDdl.ts.
    name: IDENTIFIER_COUNT_TABLE,
    columns: [
      { name: 'ic_app_name', type: 'name' },
      { name: 'ic_count', type: 'bigint' },
    ],
    primaryKey: { name: 'PK_SSOX_IdentifierCount', columns: ['ic_app_name'] },
    foreignKeys: [{ name: 'FK_SSOX_IdentifierCount_app', columns: ['ic_app_name'], table: T.applicationInfo, references: ['ai_app_name'] }],
  },
  {
    name: T.rowVersionCounter,
    columns: [
      { name: 'rv_id', type: 'int' },
      { name: 'rv_value', type: 'bigint' },
    ],
    primaryKey: { name: 'PK_SSOX_RowVersionCounter', columns: ['rv_id'] },
    checks: [{ name: 'CK_SSOX_RowVersionCounter_single_row', expression: 'rv_id = 1' }],
  },
];

export const INDEXES: IndexDef[] = [
  {
    name: 'IX_SSOX_ExternalCredentials_msid',
    table: T.externalCredentials,
    columns: ['ec_msid', ...CREDENTIALS_KEY],
    purpose: "rotation: rows not under the current msid, read in key order, in two range seeks (msid < X, msid > X)",
  },
  {
    name: 'IX_SSOX_ConfigHistory_msid',
    table: T.configHistory,
    columns: ['ch_msid', 'ch_id'],
    purpose: 'rotation: kept versions not under the current msid',
  },
  {
    name: 'IX_SSOX_ConfigHistory_saved_at',
    table: T.configHistory,
    columns: ['ch_saved_at'],
    purpose: 'history retention: versions older than the age limit go at each save',
  },
];
