/** The SQLite rendering of the tables (tables.ts) for the embedded SSODB file, with its triggers and seed rows. */
import {
  ADDED_COLUMNS,
  DEFAULT_ADMIN_GROUP,
  IDENTIFIER_COUNT_TABLE,
  IDENTIFIER_DOMAIN,
  INDEXES,
  SHARED_TABLES,
  SQLITE_ONLY_TABLES,
  TABLES,
  type ColumnDef,
  type ColumnType,
  type IndexDef,
  type TableDef,
} from './tables';

const T = TABLES;

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
const IDENTIFIER_SEARCH_TABLE = 'SSOX_IdentifierSearch';
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

/** For an SSODB file made before each added column: the column and the statement that adds it (when missing). */
export const SQLITE_ADDED_COLUMNS: readonly { table: string; column: string; ddl: string }[] = ADDED_COLUMNS.map(({ table, column }) => ({
  table,
  column: column.name,
  ddl: `ALTER TABLE ${table} ADD COLUMN ${sqliteColumn(column).trim()}`,
}));

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
