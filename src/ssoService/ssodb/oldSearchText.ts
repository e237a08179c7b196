/**
 * Find by value (`config.grep`) no longer records the text searched for, but audit rows written by
 * earlier versions hold it in au_detail (`text "…"`, `regular expression "…"`): often a password.
 * Hiding it on the page is not enough: a text filter over au_detail would rebuild it one character
 * at a time. So each store rewrites those rows in place when it opens, and the text filter leaves
 * config.grep's au_detail out. Each SSODB does it once (a marker written in the rewrite's
 * transaction): the audit has no index on au_action, and the scan cost an embedded file 17-50 ms
 * with 100k audit rows and 164-235 ms with 1M at every open (measured here), for rows this version
 * never writes.
 */
import type { MssqlSession } from './mssqlSession';
import { toSsoError } from './mssqlErrors';
import type { SqliteConnection } from './sqliteConnection';

/** What an old row's detail becomes: its kind only. */
export const REDACTED_SEARCH_DETAIL = {
  text: 'text search; the text searched for is not shown (recorded by an earlier version)',
  regex: 'regular expression search; the text searched for is not shown (recorded by an earlier version)',
} as const;

const TEXT_PREFIX = 'text "';
const REGEX_PREFIX = 'regular expression "';

/** Matches only the old formats: the action and the quoted text right after the kind. */
const SQLITE_REDACT = `UPDATE SSOX_AuditTable
SET au_detail = CASE WHEN substr(au_detail, 1, ${TEXT_PREFIX.length}) = '${TEXT_PREFIX}' THEN :textDetail ELSE :regexDetail END
WHERE au_action = 'config.grep'
  AND (substr(au_detail, 1, ${TEXT_PREFIX.length}) = '${TEXT_PREFIX}' OR substr(au_detail, 1, ${REGEX_PREFIX.length}) = '${REGEX_PREFIX}')`;

export const MSSQL_REDACT_OLD_SEARCH_TEXT = `UPDATE dbo.SSOX_AuditTable
SET au_detail = CASE WHEN LEFT(au_detail, ${TEXT_PREFIX.length}) = N'${TEXT_PREFIX}' THEN @textDetail ELSE @regexDetail END
WHERE au_action = N'config.grep'
  AND (LEFT(au_detail, ${TEXT_PREFIX.length}) = N'${TEXT_PREFIX}' OR LEFT(au_detail, ${REGEX_PREFIX.length}) = N'${REGEX_PREFIX}');`;

/**
 * The bit of the file's PRAGMA user_version saying its old rows were rewritten. Set in the
 * transaction of the rewrite, so a file has it only once its old rows are gone. A row an older
 * version writes into the file afterwards is not rewritten; the listing and the text filter still
 * leave its text out (auditLog.ts, auditQuery.ts).
 */
export const OLD_SEARCH_TEXT_REDACTED_BIT = 0x1;

/**
 * In an open transaction of an embedded SSODB file (any of the three: the data file's staged rows
 * too), once per file (OLD_SEARCH_TEXT_REDACTED_BIT). secure_delete makes SQLite zero the old
 * cells it frees, so the text is gone from the file's bytes, not only from its rows; only for this
 * update (it costs writes).
 */
export function redactOldSearchTextSqlite(db: SqliteConnection): void {
  const userVersion = Number(db.rows('PRAGMA user_version')[0]?.user_version ?? 0);
  if (userVersion & OLD_SEARCH_TEXT_REDACTED_BIT) return;
  const previous = Number(db.rows('PRAGMA secure_delete')[0]?.secure_delete ?? 0);
  db.exec('PRAGMA secure_delete = ON');
  try {
    db.run(SQLITE_REDACT, { textDetail: REDACTED_SEARCH_DETAIL.text, regexDetail: REDACTED_SEARCH_DETAIL.regex });
  } finally {
    db.exec(`PRAGMA secure_delete = ${previous ? 'ON' : 'OFF'}`);
  }
  // An integer computed here, never input: PRAGMA takes no bound parameter.
  db.exec(`PRAGMA user_version = ${userVersion | OLD_SEARCH_TEXT_REDACTED_BIT}`);
}

/**
 * SQL Server's marker: an extended property of the audit table (no schema change; SSODB has no
 * table for such a flag). Any right on the table lets the service see it; writing it takes ALTER.
 * Not run against a real SQL Server here (the TDS stand-in does not run SQL).
 */
const MSSQL_MARKER = 'entsso.oldSearchTextRedacted';

export const MSSQL_OLD_SEARCH_TEXT_MARKED = `SELECT COUNT(*) AS marked FROM sys.extended_properties
WHERE class = 1 AND major_id = OBJECT_ID(N'dbo.SSOX_AuditTable') AND minor_id = 0 AND name = N'${MSSQL_MARKER}';`;

export const MSSQL_MARK_OLD_SEARCH_TEXT_REDACTED = `EXEC sys.sp_addextendedproperty @name = N'${MSSQL_MARKER}', @value = N'1',
  @level0type = N'SCHEMA', @level0name = N'dbo', @level1type = N'TABLE', @level1name = N'SSOX_AuditTable';`;

const MSSQL_REDACT_PARAMS = { textDetail: ['longText', REDACTED_SEARCH_DETAIL.text], regexDetail: ['longText', REDACTED_SEARCH_DETAIL.regex] } as const;

/**
 * SQL Server keeps the audit in SSODB: the UPDATE scans it, so it runs until the marker is set, in
 * the UPDATE's transaction. Where the marker cannot be written (no ALTER right on the table, or
 * another process wrote it first) the UPDATE runs alone, as it did at every open before.
 */
export async function redactOldSearchTextMssql(session: MssqlSession): Promise<void> {
  if (await isMarkedMssql(session)) return;
  try {
    await session.inTransaction(async (tx) => {
      await session.query(MSSQL_REDACT_OLD_SEARCH_TEXT, MSSQL_REDACT_PARAMS, tx);
      await session.query(MSSQL_MARK_OLD_SEARCH_TEXT_REDACTED, {}, tx);
    });
  } catch {
    await session.query(MSSQL_REDACT_OLD_SEARCH_TEXT, MSSQL_REDACT_PARAMS).catch((error: unknown) => {
      throw toSsoError(error);
    });
  }
}

async function isMarkedMssql(session: MssqlSession): Promise<boolean> {
  const result = await session.query(MSSQL_OLD_SEARCH_TEXT_MARKED, {});
  return Number(result.recordset?.[0]?.marked ?? 0) > 0;
}
