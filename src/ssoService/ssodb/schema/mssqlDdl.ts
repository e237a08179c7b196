/**
 * The SQL Server rendering of the tables (tables.ts): idempotent T-SQL batches. sql/schema.sql is
 * this rendering; a unit test keeps the two identical.
 */
import { NAME_MAX_LENGTH } from '../../../protocol/names';
import {
  ADDED_COLUMNS,
  DEFAULT_ADMIN_GROUP,
  DESCRIPTION_MAX_LENGTH,
  INDEXES,
  ISO_TIME_MAX_LENGTH,
  MSID_MAX_LENGTH,
  SHARED_TABLES,
  SHORT_TEXT_MAX_LENGTH,
  TABLES,
  type ColumnDef,
  type ColumnType,
  type IndexDef,
  type TableDef,
} from './tables';

/**
 * SQL Server sequence feeding every row version.
 *
 * Row versions are a BIGINT column fed from this sequence, not ROWVERSION.
 * A ROWVERSION column changes on every UPDATE of its row, and a rotation re-encrypting a row
 * must leave its timestamp alone (the value is unchanged; an editor holding the row must not get
 * a conflict). A sequence gives the same properties as rowversion where they matter (database
 * wide, unique, increasing) while only the statements that should bump it do. Optimistic
 * concurrency is application-level: `UPDATE … WHERE ec_row_version = @expected`, then the rows
 * affected (or returned by OUTPUT) tell whether the caller's version was current.
 */
export const ROW_VERSION_SEQUENCE = 'SSOX_RowVersionSeq';

/** Case-insensitive, accent-sensitive, _100 weights; _SC: characters beyond the BMP (emoji…) compare by code point instead of as two undefined halves. */
const MSSQL_NAME_COLLATION = 'Latin1_General_100_CI_AS_SC';
const MSSQL_ID_COLLATION = 'Latin1_General_100_BIN2';

const T = TABLES;

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

function mssqlColumn(column: ColumnDef): string {
  return `${column.name} ${MSSQL_TYPES[column.type]}${column.nullable ? ' NULL' : ' NOT NULL'}`;
}

function mssqlTable(table: TableDef): string {
  const lines = table.columns.map((column) => `    ${mssqlColumn(column)}`);
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

/** A database made before the column was: added when missing (tables.ts, ADDED_COLUMNS). */
function mssqlAddedColumn({ table, column }: { table: string; column: ColumnDef }): string {
  return [`IF COL_LENGTH(N'dbo.${table}', N'${column.name}') IS NULL`, `  ALTER TABLE dbo.${table} ADD ${mssqlColumn(column)};`].join('\n');
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
  ...ADDED_COLUMNS.map(mssqlAddedColumn),
  ...INDEXES.map(mssqlIndex),
  MSSQL_SEED,
];

/** The full text of sql/schema.sql. */
export function renderMssqlSchemaScript(): string {
  const header = [
    '-- SSODB schema for SQL Server deployments of the SSO service.',
    '-- Generated from src/ssoService/ssodb/schema/mssqlDdl.ts (a unit test keeps this file identical to it).',
    '-- Idempotent: every object is created only when missing, so the script can be run again safely.',
    '-- Run it in the SSO database, e.g. sqlcmd -S <server> -d SSODB -i sql/schema.sql',
  ].join('\n');
  return `${header}\n\n${MSSQL_SCHEMA_BATCHES.map((batch) => `${batch}\nGO\n`).join('\n')}`;
}
