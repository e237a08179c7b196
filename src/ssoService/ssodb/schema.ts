/**
 * The SSODB schema, described once as data and rendered for both adapters: SQLite DDL for the
 * embedded file and idempotent T-SQL batches for SQL Server (sql/schema.sql is this rendering,
 * a test keeps the two identical). Table and column names mirror ENTSSO's SSOX_* tables
 * (../../../shared/docs/DOMAIN.md §3); columns ENTSSO does not have are named in the same style.
 *
 * Also here: the limits both adapters enforce, so that SQLite and SQL Server accept and refuse
 * the same inputs, and the LIKE escaping both use for substring filters.
 */
import { SsoError } from '../../protocol/errors';
import { describeNameProblem, existingNameProblem, NAME_MAX_LENGTH, newNameProblem } from '../../protocol/names';
import {
  CONFIG_STORE_DOMAIN,
  FIELD_FLAG_MASKED,
  type ApplicationKind,
  type AuditEntry,
  type FieldDefinition,
  type FieldInfo,
} from '../../protocol/messages';
import type {
  ApplicationChange,
  ApplicationRow,
  CredentialRow,
  GlobalInfo,
  ListOptions,
  NewApplication,
  LeaseState,
  MssNodeRow,
  NewAuditEntry,
  AuditRetention,
  ReencryptedRow,
  HistoryNote,
  HistoryRow,
  HistoryCipherRow,
} from './store';

// ---------------------------------------------------------------- limits

/** Longest application name, identifier, field label, contact or group (ENTSSO uses nvarchar(256)). */
export { NAME_MAX_LENGTH };
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

/** Embedded store only: each application's number of configurations (see SQLITE_IDENTIFIER_COUNT). */
export const IDENTIFIER_COUNT_TABLE = 'SSOX_IdentifierCount';

/** The row of SSOX_GlobalInfo created on first start. */
export const DEFAULT_ADMIN_GROUP = 'SSO Administrators';

// ---------------------------------------------------------------- schema as data

type ColumnType =
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

interface ColumnDef {
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

interface TableDef {
  name: string;
  columns: ColumnDef[];
  primaryKey: { name: string; columns: string[] };
  /** Natural keys (the clustered primary key of a wide-keyed table is a surrogate id). */
  unique?: { name: string; columns: string[] }[];
  foreignKeys?: ForeignKeyDef[];
  checks?: { name: string; expression: string }[];
}

interface IndexDef {
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
  /** SQLite only: the database-wide row-version counter (SQL Server uses ROW_VERSION_SEQUENCE). */
  rowVersionCounter: 'SSOX_RowVersionCounter',
} as const;

/** SQL Server sequence feeding every row version (see mssqlStore.ts for why not ROWVERSION). */
export const ROW_VERSION_SEQUENCE = 'SSOX_RowVersionSeq';

/** Case-insensitive, accent-sensitive, _100 weights; _SC: characters beyond the BMP (emoji…) compare by code point instead of as two undefined halves. */
export const MSSQL_NAME_COLLATION = 'Latin1_General_100_CI_AS_SC';
export const MSSQL_ID_COLLATION = 'Latin1_General_100_BIN2';

const T = TABLES;

const APP_KEY = ['ai_app_name'];
const MAPPING_KEY = ['im_app_name', 'im_windows_domain_name', 'im_windows_user_name'];
const CREDENTIALS_KEY = ['ec_app_name', 'ec_windows_domain_name', 'ec_windows_user_name'];
const HISTORY_KEY = ['ch_app_name', 'ch_identifier', 'ch_version'];

const SHARED_TABLES: TableDef[] = [
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

const SQLITE_ONLY_TABLES: TableDef[] = [
  {
    // See SQLITE_IDENTIFIER_COUNT.
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

const INDEXES: IndexDef[] = [
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

// ---------------------------------------------------------------- SQLite rendering

const SQLITE_TYPES: Record<ColumnType, string> = {
  name: 'TEXT COLLATE NOCASE',
  id: 'TEXT',
  description: 'TEXT',
  isoTime: 'TEXT',
  shortText: 'TEXT',
  longText: 'TEXT',
  int: 'INTEGER',
  bigint: 'INTEGER',
  blob: 'BLOB',
  identity: 'INTEGER',
};

function sqliteColumn(column: ColumnDef): string {
  return `  ${column.name} ${SQLITE_TYPES[column.type]}${column.nullable ? '' : ' NOT NULL'}`;
}

function sqliteTable(table: TableDef): string {
  const identity = table.columns.find((column) => column.type === 'identity');
  const lines = table.columns.map((column) =>
    // AUTOINCREMENT: ids never reused, so an audit paging cursor never points at a newer row.
    column === identity ? `  ${column.name} INTEGER PRIMARY KEY AUTOINCREMENT` : sqliteColumn(column),
  );
  if (!identity) lines.push(`  CONSTRAINT ${table.primaryKey.name} PRIMARY KEY (${table.primaryKey.columns.join(', ')})`);
  for (const key of table.unique ?? []) lines.push(`  CONSTRAINT ${key.name} UNIQUE (${key.columns.join(', ')})`);
  for (const fk of table.foreignKeys ?? []) {
    lines.push(
      `  CONSTRAINT ${fk.name} FOREIGN KEY (${fk.columns.join(', ')}) REFERENCES ${fk.table} (${fk.references.join(', ')}) ON DELETE CASCADE`,
    );
  }
  for (const check of table.checks ?? []) lines.push(`  CONSTRAINT ${check.name} CHECK (${check.expression})`);
  return `CREATE TABLE IF NOT EXISTS ${table.name} (\n${lines.join(',\n')}\n)`;
}

function sqliteIndex(index: IndexDef): string {
  return `CREATE INDEX IF NOT EXISTS ${index.name} ON ${index.table} (${index.columns.join(', ')})`;
}

/**
 * Find over 100k identifiers: `LIKE '%text%'` reads every row, so its cost grows with the store.
 * A trigram index (SQLite FTS5, in the bundled build) answers substring searches of three or
 * more characters from the index; kept in step by triggers, filled once for an older file.
 */
export const IDENTIFIER_SEARCH_TABLE = 'SSOX_IdentifierSearch';
const SQLITE_IDENTIFIER_SEARCH: readonly string[] = [
  `CREATE VIRTUAL TABLE IF NOT EXISTS ${IDENTIFIER_SEARCH_TABLE} USING fts5(name, tokenize = 'trigram')`,
  `CREATE TRIGGER IF NOT EXISTS TR_SSOX_IdentifierSearch_insert AFTER INSERT ON ${T.individualMapping} BEGIN INSERT INTO ${IDENTIFIER_SEARCH_TABLE} (rowid, name) VALUES (new.im_id, new.im_windows_user_name); END`,
  `CREATE TRIGGER IF NOT EXISTS TR_SSOX_IdentifierSearch_delete AFTER DELETE ON ${T.individualMapping} BEGIN DELETE FROM ${IDENTIFIER_SEARCH_TABLE} WHERE rowid = old.im_id; END`,
];

/**
 * The tree's first page shows each application's number of configurations. Counting them per
 * application reads every mapping of the page's applications, so the page got slower as the
 * store grew; the counts are kept in SSOX_IdentifierCount instead, by triggers.
 */
const DOMAIN_LITERAL = `'${IDENTIFIER_DOMAIN.replace(/'/g, "''")}'`;
const COUNTED = (row: 'new' | 'old') => `${row}.im_windows_domain_name = ${DOMAIN_LITERAL}`;
const COUNT_UP = `INSERT INTO ${IDENTIFIER_COUNT_TABLE} (ic_app_name, ic_count) VALUES (new.im_app_name, 1) ON CONFLICT (ic_app_name) DO UPDATE SET ic_count = ic_count + 1;`;
const COUNT_DOWN = `UPDATE ${IDENTIFIER_COUNT_TABLE} SET ic_count = ic_count - 1 WHERE ic_app_name = old.im_app_name;`;
const SQLITE_IDENTIFIER_COUNT: readonly string[] = [
  `CREATE TRIGGER IF NOT EXISTS TR_SSOX_IdentifierCount_insert AFTER INSERT ON ${T.individualMapping} WHEN ${COUNTED('new')} BEGIN ${COUNT_UP} END`,
  `CREATE TRIGGER IF NOT EXISTS TR_SSOX_IdentifierCount_delete AFTER DELETE ON ${T.individualMapping} WHEN ${COUNTED('old')} BEGIN ${COUNT_DOWN} END`,
  `CREATE TRIGGER IF NOT EXISTS TR_SSOX_IdentifierCount_update_old AFTER UPDATE OF im_app_name, im_windows_domain_name ON ${T.individualMapping} WHEN ${COUNTED('old')} BEGIN ${COUNT_DOWN} END`,
  `CREATE TRIGGER IF NOT EXISTS TR_SSOX_IdentifierCount_update_new AFTER UPDATE OF im_app_name, im_windows_domain_name ON ${T.individualMapping} WHEN ${COUNTED('new')} BEGIN ${COUNT_UP} END`,
];

/**
 * Derived tables the triggers above keep in step, and how to fill each from the mappings. The
 * triggers live in the file, so every later writer keeps the table right: it is filled once, in
 * the transaction that creates it (a file made by an older version), never checked again at each
 * start (at 100k identifiers that check cost 0.2 s and 28 MB of SQLite memory per process).
 */
export const SQLITE_DERIVED_TABLES: readonly { table: string; fill: string }[] = [
  {
    table: IDENTIFIER_SEARCH_TABLE,
    fill: `INSERT INTO ${IDENTIFIER_SEARCH_TABLE} (rowid, name) SELECT im_id, im_windows_user_name FROM ${T.individualMapping}`,
  },
  {
    table: IDENTIFIER_COUNT_TABLE,
    fill: `INSERT INTO ${IDENTIFIER_COUNT_TABLE} (ic_app_name, ic_count) SELECT im_app_name, COUNT(*) FROM ${T.individualMapping}
WHERE im_windows_domain_name = ${DOMAIN_LITERAL} GROUP BY im_app_name`,
  },
];

/** Statements that create the SQLite schema and its seed rows; each is idempotent. */
export const SQLITE_SCHEMA: readonly string[] = [
  ...[...SHARED_TABLES, ...SQLITE_ONLY_TABLES].map(sqliteTable),
  ...INDEXES.map(sqliteIndex),
  `INSERT OR IGNORE INTO ${T.globalInfo} (gi_id, gi_SecretServer, gi_SSOAdminGroup, gi_RowVersion) VALUES (1, '', '${DEFAULT_ADMIN_GROUP}', 0)`,
  `INSERT OR IGNORE INTO ${T.rowVersionCounter} (rv_id, rv_value) VALUES (1, 0)`,
  `INSERT OR IGNORE INTO ${T.mssLease} (ml_id, ml_holder, ml_expires_at, ml_epoch, ml_taken_at) VALUES (1, NULL, 0, 0, NULL)`,
  ...SQLITE_IDENTIFIER_SEARCH,
  ...SQLITE_IDENTIFIER_COUNT,
];

// ---------------------------------------------------------------- SQL Server rendering

const MSSQL_TYPES: Record<ColumnType, string> = {
  name: `NVARCHAR(${NAME_MAX_LENGTH}) COLLATE ${MSSQL_NAME_COLLATION}`,
  id: `NVARCHAR(${MSID_MAX_LENGTH}) COLLATE ${MSSQL_ID_COLLATION}`,
  description: `NVARCHAR(${DESCRIPTION_MAX_LENGTH})`,
  isoTime: `NVARCHAR(${ISO_TIME_MAX_LENGTH})`,
  shortText: `NVARCHAR(${SHORT_TEXT_MAX_LENGTH})`,
  longText: 'NVARCHAR(MAX)',
  int: 'INT',
  bigint: 'BIGINT',
  blob: 'VARBINARY(MAX)',
  identity: 'BIGINT IDENTITY(1, 1)',
};

function mssqlTable(table: TableDef): string {
  const lines = table.columns.map((column) => `    ${column.name} ${MSSQL_TYPES[column.type]}${column.nullable ? ' NULL' : ' NOT NULL'}`);
  lines.push(`    CONSTRAINT ${table.primaryKey.name} PRIMARY KEY CLUSTERED (${table.primaryKey.columns.join(', ')})`);
  for (const key of table.unique ?? []) lines.push(`    CONSTRAINT ${key.name} UNIQUE NONCLUSTERED (${key.columns.join(', ')})`);
  for (const fk of table.foreignKeys ?? []) {
    lines.push(
      `    CONSTRAINT ${fk.name} FOREIGN KEY (${fk.columns.join(', ')}) REFERENCES dbo.${fk.table} (${fk.references.join(', ')}) ON DELETE CASCADE`,
    );
  }
  for (const check of table.checks ?? []) lines.push(`    CONSTRAINT ${check.name} CHECK (${check.expression})`);
  return [
    `IF OBJECT_ID(N'dbo.${table.name}', N'U') IS NULL`,
    'BEGIN',
    `  CREATE TABLE dbo.${table.name} (`,
    lines.join(',\n'),
    '  );',
    'END;',
  ].join('\n');
}

function mssqlIndex(index: IndexDef): string {
  return [
    `-- ${index.purpose}`,
    `IF NOT EXISTS (SELECT 1 FROM sys.indexes WHERE name = N'${index.name}' AND object_id = OBJECT_ID(N'dbo.${index.table}'))`,
    `  CREATE INDEX ${index.name} ON dbo.${index.table} (${index.columns.join(', ')});`,
  ].join('\n');
}

// INCREMENT BY 1, NO CYCLE and the BIGINT range are the defaults; spelt out they would only add
// clauses the T-SQL parser used in the tests does not know.
const MSSQL_SEQUENCE = [
  `IF NOT EXISTS (SELECT 1 FROM sys.sequences WHERE object_id = OBJECT_ID(N'dbo.${ROW_VERSION_SEQUENCE}'))`,
  `  CREATE SEQUENCE dbo.${ROW_VERSION_SEQUENCE} AS BIGINT START WITH 1;`,
].join('\n');

const MSSQL_SEED = [
  `IF NOT EXISTS (SELECT 1 FROM dbo.${T.globalInfo} WHERE gi_id = 1)`,
  `  INSERT INTO dbo.${T.globalInfo} (gi_id, gi_SecretServer, gi_SSOAdminGroup, gi_RowVersion) VALUES (1, N'', N'${DEFAULT_ADMIN_GROUP}', 0);`,
  `IF NOT EXISTS (SELECT 1 FROM dbo.${T.mssLease} WHERE ml_id = 1)`,
  `  INSERT INTO dbo.${T.mssLease} (ml_id, ml_holder, ml_expires_at, ml_epoch, ml_taken_at) VALUES (1, NULL, 0, 0, NULL);`,
].join('\n');

/** Idempotent T-SQL batches (what sql/schema.sql holds, separated by GO), in creation order. */
export const MSSQL_SCHEMA_BATCHES: readonly string[] = [
  MSSQL_SEQUENCE,
  ...SHARED_TABLES.map(mssqlTable),
  ...INDEXES.map(mssqlIndex),
  MSSQL_SEED,
];

/** The full text of sql/schema.sql. */
export function renderMssqlSchemaScript(): string {
  const header = [
    '-- SSODB schema for SQL Server deployments of the SSO service.',
    '-- Generated from src/ssoService/ssodb/schema.ts (a unit test keeps this file identical to it).',
    '-- Idempotent: every object is created only when missing, so the script can be run again safely.',
    '-- Run it in the SSO database, e.g. sqlcmd -S <server> -d SSODB -i sql/schema.sql',
  ].join('\n');
  return `${header}\n\n${MSSQL_SCHEMA_BATCHES.map((batch) => `${batch}\nGO\n`).join('\n')}`;
}

// ---------------------------------------------------------------- shared helpers

/**
 * A LIKE pattern matching `text` anywhere, with the metacharacters escaped by backslash (the
 * statements say ESCAPE '\'). SQL Server also treats `[` as the start of a character class.
 */
export function containsPattern(text: string, dialect: 'sqlite' | 'mssql'): string {
  const metacharacters = dialect === 'mssql' ? /[\\%_[]/g : /[\\%_]/g;
  return `%${text.replace(metacharacters, (ch) => `\\${ch}`)}%`;
}

/** Field flags as stored in fi_flags. */
export function fieldFlags(masked: boolean): number {
  return masked ? FIELD_FLAG_MASKED : 0;
}

export function isMaskedFlags(flags: number): boolean {
  return (flags & FIELD_FLAG_MASKED) !== 0;
}

/** Row versions are decimal digits (a BIGINT); anything else can never match a stored one. */
export function isRowVersion(value: string): boolean {
  return /^[0-9]{1,18}$/.test(value);
}

/** The next modification time of a row: now, but always after the previous one. */
export function nextModifiedAt(previous: number | undefined, now = Date.now()): number {
  return previous === undefined ? now : Math.max(now, previous + 1);
}

// ---------------------------------------------------------------- input validation

function invalid(message: string): SsoError {
  return new SsoError('ENTSSO_E_INVALID_REQUEST', message);
}

/**
 * A name that refers to a row that may exist (src/protocol/names.ts: the looser rule every stored
 * name obeys, so that names stored before the name rule stay readable and deletable). Checked
 * before any SQL runs: SQL Server would otherwise truncate a long parameter. Trailing spaces are
 * refused because SQL Server ignores them when comparing ('a' = 'a '), SQLite does not.
 */
export function checkName(value: string, what: string): void {
  const problem = existingNameProblem(value);
  if (problem) throw invalid(describeNameProblem(problem, what));
}

/** A name the write creates (an application, a field, an identifier): the full name rule. */
export function checkNewName(value: string, what: string): void {
  const problem = newNameProblem(value);
  if (problem) throw invalid(describeNameProblem(problem, what));
}

export function checkText(value: string, max: number, what: string): void {
  if (typeof value !== 'string') throw invalid(`The ${what} must be text.`);
  if (value.length > max) throw invalid(`The ${what} is longer than ${max} characters.`);
}

export function checkOptionalText(value: string | null | undefined, max: number, what: string): void {
  if (value !== null && value !== undefined) checkText(value, max, what);
}

export function checkLimit(limit: number): void {
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_LIMIT) {
    throw invalid(`The page size must be a whole number between 1 and ${MAX_PAGE_LIMIT}.`);
  }
}

export function checkMsid(msid: string): void {
  if (typeof msid !== 'string' || msid.length === 0 || msid.length > MSID_MAX_LENGTH) {
    throw invalid(`A master secret id must be 1 to ${MSID_MAX_LENGTH} characters.`);
  }
}

export function checkKind(kind: ApplicationKind): void {
  if (!APPLICATION_KINDS.includes(kind)) throw invalid(`Unknown application kind; expected one of ${APPLICATION_KINDS.join(', ')}.`);
}

export function checkFlags(flags: number): void {
  if (!Number.isInteger(flags) || flags < 0 || flags > 0x7fffffff) throw invalid('Application flags must be a 31-bit whole number.');
}

/** A filter longer than any name cannot match; it is refused like a long name. */
export function checkFilter(filter: string | undefined): void {
  if (filter !== undefined) checkText(filter, NAME_MAX_LENGTH, 'filter');
}

export function checkCursor(after: string | undefined): void {
  if (after !== undefined) checkText(after, NAME_MAX_LENGTH, 'paging cursor');
}

// ---------------------------------------------------------------- checks of whole requests

export function checkListOptions(options: ListOptions): void {
  checkLimit(options.limit);
  checkFilter(options.filter);
  checkCursor(options.after);
}

export function checkNewApplication(app: NewApplication): void {
  checkNewName(app.name, 'application name');
  checkText(app.description, DESCRIPTION_MAX_LENGTH, 'description');
  checkText(app.contact, NAME_MAX_LENGTH, 'contact');
  checkText(app.userGroup, NAME_MAX_LENGTH, 'user group');
  checkText(app.adminGroup, NAME_MAX_LENGTH, 'administrator group');
  checkFlags(app.flags);
  checkKind(app.kind);
  app.fields.forEach((field) => checkNewName(field.label, 'field label'));
}

export function checkGlobalInfoPatch(patch: Partial<Omit<GlobalInfo, 'timestamp'>>): void {
  checkOptionalText(patch.secretServer, NAME_MAX_LENGTH, 'master secret server name');
  checkOptionalText(patch.adminGroup, NAME_MAX_LENGTH, 'administrator group');
  checkOptionalText(patch.currentMsid, MSID_MAX_LENGTH, 'current master secret id');
  checkOptionalText(patch.previousMsid, MSID_MAX_LENGTH, 'previous master secret id');
  checkOptionalText(patch.secretCreatedAt, ISO_TIME_MAX_LENGTH, 'secret creation time');
  checkOptionalText(patch.lastBackupAt, ISO_TIME_MAX_LENGTH, 'last backup time');
  checkOptionalText(patch.lastVerifiedBackupAt, ISO_TIME_MAX_LENGTH, 'last verified backup time');
}

/**
 * A field list: at least one field, valid labels, no label twice (labels compare case-insensitively).
 * Labels not in `existing` are new and held to the full name rule.
 */
export function checkFieldList(fields: FieldDefinition[], what: string, existing: readonly FieldDefinition[] = []): void {
  if (!Array.isArray(fields) || fields.length === 0) throw invalid(`The ${what} must have at least one field.`);
  const kept = new Set(existing.map((field) => field?.label));
  const seen = new Set<string>();
  for (const field of fields) {
    if (kept.has(field?.label)) checkName(field.label, 'field label');
    else checkNewName(field?.label, 'field label');
    if (typeof field.masked !== 'boolean') throw invalid('A field is masked or not (true or false).');
    const key = field.label.toLowerCase();
    if (seen.has(key)) throw invalid(`The ${what} names a field twice.`);
    seen.add(key);
  }
}

/** Checks a whole batch for applyApplicationChanges before any SQL runs. */
export function checkApplicationChanges(changes: ApplicationChange[]): void {
  if (!Array.isArray(changes)) throw invalid('The application changes must be a list.');
  const applications = new Set<string>();
  for (const change of changes) {
    checkName(change?.application, 'application name');
    const key = change.application.toLowerCase();
    if (applications.has(key)) throw invalid('A batch of application changes names an application twice.');
    applications.add(key);
    if ((change.create === undefined) === (change.expected === undefined)) {
      throw invalid('An application change either creates the application or says what it expects it to be, not both.');
    }
    if (change.create) {
      checkNewApplication(change.create);
      if (change.create.name !== change.application) throw invalid('An application created by a change must have the name of the change.');
      checkFieldList(change.create.fields, 'new application');
      if (change.fields !== undefined) throw invalid('An application created by a change gets its fields from `create`.');
    } else {
      const expected = change.expected!;
      if (!Array.isArray(expected.fields)) throw invalid('The expected field list must be a list.');
      expected.fields.forEach((field) => checkName(field?.label, 'field label'));
      if (!Number.isSafeInteger(expected.rowCount) || expected.rowCount < 0) throw invalid('The expected number of rows must be a whole number.');
      if (expected.maxTimestamp !== null && typeof expected.maxTimestamp !== 'string') throw invalid('The expected highest row version must be text or null.');
      if (change.fields !== undefined) checkFieldList(change.fields, 'new field list', expected.fields);
    }
    if (!Array.isArray(change.rows)) throw invalid('The row changes must be a list.');
    const identifiers = new Set<string>();
    for (const row of change.rows) {
      // A put without a row version creates the identifier: a new name.
      if (row?.op === 'put' && row.expectedTimestamp === null) checkNewName(row.identifier, 'identifier');
      else checkName(row?.identifier, 'identifier');
      const id = row.identifier.toLowerCase();
      if (identifiers.has(id)) throw invalid('An application change names an identifier twice.');
      identifiers.add(id);
      if (row.op === 'put') {
        checkMsid(row.msid);
        if (!Buffer.isBuffer(row.ciphertext)) throw invalid('Encrypted values must be bytes.');
        if (row.expectedTimestamp !== null && typeof row.expectedTimestamp !== 'string') throw invalid('A row version must be text or null.');
        checkHistoryNote(row.history);
      } else if (row.op === 'delete') {
        if (typeof row.expectedTimestamp !== 'string') throw invalid('Deleting a row needs the row version it was read with.');
      } else {
        throw invalid('A row change is a put or a delete.');
      }
    }
  }
}

/** True when the stored fields are exactly `expected`: same labels (same spelling), masked flags and order. */
export function sameFields(stored: FieldInfo[], expected: FieldDefinition[]): boolean {
  return stored.length === expected.length && stored.every((f, i) => f.label === expected[i]!.label && f.masked === expected[i]!.masked);
}

export function checkReencryptedRow(row: ReencryptedRow): void {
  checkName(row.application, 'application name');
  checkName(row.identifier, 'identifier');
  checkMsid(row.msid);
}

// ---------------------------------------------------------------- rows (both adapters select these aliases)

type SqlValue = string | number | bigint | boolean | Uint8Array | Buffer | null | undefined;
export type SqlRow = Record<string, SqlValue>;

function isPresent(value: SqlValue): boolean {
  return value !== null && value !== undefined;
}

function text(value: SqlValue): string {
  return value === null || value === undefined ? '' : String(value);
}

function optionalText(value: SqlValue): string | null {
  return value === null || value === undefined ? null : String(value);
}

export function toBuffer(value: SqlValue): Buffer {
  if (Buffer.isBuffer(value)) return value;
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  return Buffer.alloc(0);
}

/** Aliases: secretServer, adminGroup, currentMsid, previousMsid, secretCreatedAt, lastBackupAt, lastVerifiedBackupAt, timestamp. */
export function toGlobalInfo(row: SqlRow): GlobalInfo {
  return {
    secretServer: text(row.secretServer),
    adminGroup: text(row.adminGroup),
    currentMsid: optionalText(row.currentMsid),
    previousMsid: optionalText(row.previousMsid),
    secretCreatedAt: optionalText(row.secretCreatedAt),
    lastBackupAt: optionalText(row.lastBackupAt),
    lastVerifiedBackupAt: optionalText(row.lastVerifiedBackupAt),
    timestamp: text(row.timestamp),
  };
}

/** Aliases: name, description, contact, userGroup, adminGroup, flags, kind, numFields, identifierCount. */
export function toApplicationRow(row: SqlRow): ApplicationRow {
  return {
    name: text(row.name),
    description: text(row.description),
    contact: text(row.contact),
    userGroup: text(row.userGroup),
    adminGroup: text(row.adminGroup),
    flags: Number(row.flags),
    kind: text(row.kind) as ApplicationKind,
    numFields: Number(row.numFields),
    identifierCount: Number(row.identifierCount ?? 0),
  };
}

/** Aliases: ordinal, label, flags. */
export function toFieldInfo(row: SqlRow): FieldInfo {
  return { ordinal: Number(row.ordinal), label: text(row.label), masked: isMaskedFlags(Number(row.flags)) };
}

/** Aliases: application, identifier, timestamp, modifiedAt (and msid, ciphertext for full rows). */
export function toIdentifierRow(row: SqlRow): Omit<CredentialRow, 'ciphertext' | 'msid'> {
  return {
    application: text(row.application),
    identifier: text(row.identifier),
    timestamp: text(row.timestamp),
    modifiedAt: Number(row.modifiedAt),
  };
}

export function toCredentialRow(row: SqlRow): CredentialRow {
  return { ...toIdentifierRow(row), msid: text(row.msid), ciphertext: toBuffer(row.ciphertext) };
}

/** Most versions kept per configuration, whatever the setting says. */
export const MAX_HISTORY_KEEP = 1000;

export function checkHistoryNote(note: HistoryNote | undefined): void {
  if (note === undefined) return;
  if (!Number.isInteger(note.keep) || note.keep < 1 || note.keep > MAX_HISTORY_KEEP) throw invalid(`Versions kept per configuration must be 1 to ${MAX_HISTORY_KEEP}.`);
  if (!Number.isSafeInteger(note.maxAgeMs) || note.maxAgeMs < 1) throw invalid('The age limit of kept versions must be a positive number of milliseconds.');
  if (note.change !== 'set' && note.change !== 'delete') throw invalid('A kept version is replaced by a save or a delete.');
  if (!Array.isArray(note.changedFields)) throw invalid('The changed fields must be a list.');
}

export function checkHistoryVersion(version: number): void {
  if (!Number.isInteger(version) || version < 1 || version > 0x7fffffff) throw invalid('A version number is a whole number from 1.');
}

/** The history row as stored: who cut to its column, fields as JSON (names only). */
export function toHistoryRecord(note: HistoryNote, savedAt: number): { savedAt: number; savedBy: string; change: string; changedFields: string } {
  const fields = JSON.stringify(note.changedFields.map(String));
  return {
    savedAt,
    savedBy: cut(String(note.savedBy ?? ''), NAME_MAX_LENGTH),
    change: note.change,
    changedFields: fields.length > AUDIT_DETAIL_MAX_LENGTH ? JSON.stringify(['(too many fields to record)']) : fields,
  };
}

/** Aliases: application, identifier, version, modifiedAt, savedAt, savedBy, changeKind, changedFields (JSON). */
export function toHistoryRow(row: SqlRow): HistoryRow {
  return {
    application: text(row.application),
    identifier: text(row.identifier),
    version: Number(row.version),
    modifiedAt: Number(row.modifiedAt),
    savedAt: Number(row.savedAt),
    savedBy: text(row.savedBy),
    change: row.changeKind === 'delete' ? 'delete' : 'set',
    changedFields: JSON.parse(text(row.changedFields) || '[]') as string[],
  };
}

/** Plus msid, ciphertext. */
export function toHistoryCipherRow(row: SqlRow): HistoryCipherRow {
  return { ...toHistoryRow(row), msid: text(row.msid), ciphertext: toBuffer(row.ciphertext) };
}

/** Aliases: id, at, user, action, outcome, application, identifier, fields (JSON), detail. */
export function toAuditEntry(row: SqlRow): AuditEntry {
  const entry: AuditEntry = {
    id: Number(row.id),
    at: text(row.at),
    user: text(row.user),
    action: text(row.action),
    outcome: text(row.outcome) as AuditEntry['outcome'],
  };
  if (isPresent(row.application)) entry.application = text(row.application);
  if (isPresent(row.identifier)) entry.identifier = text(row.identifier);
  if (isPresent(row.fields)) entry.fields = JSON.parse(text(row.fields)) as string[];
  if (isPresent(row.detail)) entry.detail = text(row.detail);
  return entry;
}

/** The audit row as stored: texts cut to their column sizes (an audit record must never fail). */
export interface AuditRecord {
  at: string;
  user: string;
  action: string;
  outcome: AuditEntry['outcome'];
  application: string | null;
  identifier: string | null;
  fields: string | null;
  detail: string | null;
}

const AUDIT_OUTCOMES: readonly AuditEntry['outcome'][] = ['ok', 'refused', 'failed'];

function cut(value: string, max: number): string {
  return value.length > max ? value.slice(0, max) : value;
}

export function toAuditRecord(entry: NewAuditEntry, at = new Date()): AuditRecord {
  if (!AUDIT_OUTCOMES.includes(entry.outcome)) throw invalid(`An audit outcome is one of ${AUDIT_OUTCOMES.join(', ')}.`);
  const fields = entry.fields === undefined ? null : JSON.stringify(entry.fields.map(String));
  return {
    at: at.toISOString(),
    user: cut(String(entry.user ?? ''), NAME_MAX_LENGTH),
    action: cut(String(entry.action ?? ''), SHORT_TEXT_MAX_LENGTH),
    outcome: entry.outcome,
    application: entry.application === undefined ? null : cut(String(entry.application), NAME_MAX_LENGTH),
    identifier: entry.identifier === undefined ? null : cut(String(entry.identifier), NAME_MAX_LENGTH),
    fields: fields !== null && fields.length > AUDIT_DETAIL_MAX_LENGTH ? JSON.stringify(['(too many fields to record)']) : fields,
    detail: entry.detail === undefined ? null : cut(String(entry.detail), AUDIT_DETAIL_MAX_LENGTH),
  };
}

/** Oldest rows a write looks at for pruning (see SsoStore.appendAudit). */
export const AUDIT_PRUNE_PER_WRITE = 8;

/** The parameters of one prune, checked: rows written before `cutoff` (ISO text, compared as text) go too. */
export function auditPruneBounds(retention: AuditRetention, limit: number, now = Date.now()): { maxRows: number; cutoff: string; limit: number } {
  if (!Number.isSafeInteger(retention.maxRows) || retention.maxRows < 1) throw invalid('The audit retention must keep at least one row.');
  if (!(retention.maxAgeMs > 0)) throw invalid('The audit retention must keep rows for some time.');
  checkLimit(limit);
  return { maxRows: retention.maxRows, cutoff: new Date(Math.max(0, now - retention.maxAgeMs)).toISOString(), limit };
}

// ---------------------------------------------------------------- errors both adapters raise

export function applicationNotFound(): SsoError {
  return new SsoError('ENTSSO_E_APPLICATION_NOT_FOUND', 'The SSO application does not exist (it may have been deleted).');
}

export function applicationExists(): SsoError {
  return new SsoError('ENTSSO_E_APPLICATION_EXISTS', 'An SSO application with this name already exists (names are case-insensitive).');
}

export function mappingNotFound(): SsoError {
  return new SsoError('ENTSSO_E_MAPPING_NOT_FOUND', 'The identifier does not exist in this SSO application (it may have been deleted).');
}

export type ChangeConflictReason = 'application-exists' | 'application-gone' | 'fields-changed' | 'rows-changed' | 'row-exists' | 'row-changed' | 'row-gone';

/** A premise of applyApplicationChanges no longer holds: someone changed SSODB since it was read. */
export function changeConflict(application: string, reason: ChangeConflictReason, identifier?: string): SsoError {
  const what: Record<ChangeConflictReason, string> = {
    'application-exists': `The SSO application "${application}" was created by someone else meanwhile.`,
    'application-gone': `The SSO application "${application}" was deleted by someone else meanwhile.`,
    'fields-changed': `The fields of the SSO application "${application}" were changed by someone else meanwhile.`,
    'rows-changed': `The configurations of the SSO application "${application}" were changed by someone else meanwhile.`,
    'row-exists': `The configuration "${identifier}" of "${application}" was created by someone else meanwhile.`,
    'row-changed': `The configuration "${identifier}" of "${application}" was changed by someone else meanwhile.`,
    'row-gone': `The configuration "${identifier}" of "${application}" was deleted by someone else meanwhile.`,
  };
  return new SsoError('ENTSSO_E_CONFLICT', `${what[reason]} Nothing was changed: read it again and repeat the change.`, {
    reason,
    application,
    ...(identifier === undefined ? {} : { identifier }),
  });
}

export function credentialsConflict(reason: 'exists' | 'changed' | 'gone'): SsoError {
  const messages = {
    exists: 'The identifier already exists: it was created by someone else. Reload it and apply the change again.',
    changed: 'The configuration was changed by someone else since it was read. Reload it and apply the change again.',
    gone: 'The configuration was deleted by someone else since it was read.',
  };
  return new SsoError('ENTSSO_E_CONFLICT', messages[reason], { reason });
}

// ---------------------------------------------------------------- MSS lease and nodes

export function toLeaseState(row: SqlRow | undefined): LeaseState {
  if (!row) throw new SsoError('ENTSSO_E_SSODB_UNREACHABLE', 'The SSO database has no master secret server lease row; it is not initialised.');
  return {
    holder: row.holder === null || row.holder === undefined ? null : String(row.holder),
    expiresAt: Number(row.expiresAt),
    epoch: Number(row.epoch),
    takenAt: row.takenAt === null || row.takenAt === undefined ? null : Number(row.takenAt),
  };
}

export function toMssNodeRow(row: SqlRow): MssNodeRow {
  return {
    name: String(row.name),
    role: row.role === 'active' ? 'active' : 'standby',
    lastSeenAt: Number(row.lastSeenAt),
    lastTakeoverAt: row.lastTakeoverAt === null || row.lastTakeoverAt === undefined ? null : Number(row.lastTakeoverAt),
  };
}
