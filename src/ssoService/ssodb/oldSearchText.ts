/**
 * Find by value (`config.grep`) no longer records the text searched for, but audit rows written by
 * earlier versions hold it in au_detail (`text "…"`, `regular expression "…"`): often a password.
 * Hiding it on the page is not enough: a text filter over au_detail would rebuild it one character
 * at a time. So each store rewrites those rows in place when it opens, and the text filter leaves
 * config.grep's au_detail out.
 *
 * An earlier version can still write such rows after this one has run (several machines sharing a
 * SQL Server SSODB, an embedded file opened by an older version after a downgrade), so a one-time
 * "done" flag is not enough: each SSODB keeps a high-water mark, the largest audit id already
 * rewritten, and each open rewrites only the rows above it (a range of the primary key) and moves
 * the mark in the same transaction. A scan of the whole audit (no index on au_action) cost an
 * embedded file 17-50 ms with 100k audit rows and 164-235 ms with 1M at every open (measured here).
 */
import type { SsoError } from '../../protocol/errors';
import type { MssqlSession } from './mssqlSession';
import { driverErrorNumber, toSsoError } from './mssqlErrors';
import type { SqliteConnection } from './sqliteConnection';

/** What an old row's detail becomes: its kind only. */
export const REDACTED_SEARCH_DETAIL = {
  text: 'text search; the text searched for is not shown (recorded by an earlier version)',
  regex: 'regular expression search; the text searched for is not shown (recorded by an earlier version)',
} as const;

const TEXT_PREFIX = 'text "';
const REGEX_PREFIX = 'regular expression "';

/** The audit ids an open rewrites: (after, upTo]. */
interface AuditIdRange {
  after: number;
  upTo: number;
}

/**
 * The rows above the mark, up to the last row there is now. Ids below the mark again mean the
 * table was emptied and its ids restarted (a TRUNCATE on SQL Server; the data file's staged rows
 * are moved out, though AUTOINCREMENT keeps counting there): then every row is new.
 * Undefined when no row came after the mark.
 */
function idsToRewrite(mark: number, lastId: number): AuditIdRange | undefined {
  const after = mark <= lastId ? mark : 0;
  return after < lastId ? { after, upTo: lastId } : undefined;
}

/** A stored mark as a number: anything that is not a non-negative integer counts as no mark (0). */
function parseMark(value: unknown): number {
  const text = value === null || value === undefined ? '' : String(value).trim();
  return /^\d{1,15}$/.test(text) ? Number(text) : 0;
}

// ---------------------------------------------------------------- embedded SSODB (SQLite)

/**
 * The mark of one file, in a one-row table of its own (each of the three files has an audit
 * table: the data file's holds the rows a change staged). Not in PRAGMA user_version: an id may
 * outgrow its 32 bits.
 */
const SQLITE_MARK_TABLE = `CREATE TABLE IF NOT EXISTS SSOX_OldSearchTextRedacted (
  otr_id INTEGER PRIMARY KEY CHECK (otr_id = 1),
  otr_up_to INTEGER NOT NULL
)`;
const SQLITE_MARK = `SELECT otr_up_to AS upTo FROM SSOX_OldSearchTextRedacted WHERE otr_id = 1`;
const SQLITE_LAST_AUDIT_ID = `SELECT COALESCE(MAX(au_id), 0) AS lastId FROM SSOX_AuditTable`;
const SQLITE_SET_MARK = `INSERT INTO SSOX_OldSearchTextRedacted (otr_id, otr_up_to) VALUES (1, :upTo)
ON CONFLICT (otr_id) DO UPDATE SET otr_up_to = excluded.otr_up_to`;

/** Matches only the old formats: the action and the quoted text right after the kind. */
const SQLITE_REDACT = `UPDATE SSOX_AuditTable
SET au_detail = CASE WHEN substr(au_detail, 1, ${TEXT_PREFIX.length}) = '${TEXT_PREFIX}' THEN :textDetail ELSE :regexDetail END
WHERE au_id > :after AND au_id <= :upTo AND au_action = 'config.grep'
  AND (substr(au_detail, 1, ${TEXT_PREFIX.length}) = '${TEXT_PREFIX}' OR substr(au_detail, 1, ${REGEX_PREFIX.length}) = '${REGEX_PREFIX}')`;

/** The file's mark (0 when it has none). */
function oldSearchTextMarkSqlite(db: SqliteConnection): number {
  return parseMark(db.rows(SQLITE_MARK)[0]?.upTo);
}

/**
 * In an open write transaction of an embedded SSODB file (any of the three). secure_delete makes
 * SQLite zero the old cells it frees, so the text is gone from the file's bytes, not only from its
 * rows; only for this update (it costs writes).
 */
export function redactOldSearchTextSqlite(db: SqliteConnection): void {
  db.exec(SQLITE_MARK_TABLE);
  const lastId = Number(db.rows(SQLITE_LAST_AUDIT_ID)[0]?.lastId ?? 0);
  const range = idsToRewrite(oldSearchTextMarkSqlite(db), lastId);
  if (!range) return;
  const previous = Number(db.rows('PRAGMA secure_delete')[0]?.secure_delete ?? 0);
  db.exec('PRAGMA secure_delete = ON');
  try {
    db.run(SQLITE_REDACT, { ...range, textDetail: REDACTED_SEARCH_DETAIL.text, regexDetail: REDACTED_SEARCH_DETAIL.regex });
  } finally {
    db.exec(`PRAGMA secure_delete = ${previous ? 'ON' : 'OFF'}`);
  }
  db.run(SQLITE_SET_MARK, { upTo: range.upTo });
}

// ---------------------------------------------------------------- SQL Server

/**
 * SQL Server's mark: an extended property of the audit table (no schema change; SSODB has no
 * table for it). Any right on the table lets the service read it; writing it takes ALTER on the
 * table. The `hygiene` version wrote '1' here as a flag: read as a mark, it makes the next open
 * rewrite every row above id 1 once, which is safe. Not run against a real SQL Server here (the
 * TDS stand-in does not run SQL).
 */
const MSSQL_MARKER = 'entsso.oldSearchTextRedacted';
const MSSQL_MARKER_ROW = `sys.extended_properties WHERE class = 1 AND major_id = OBJECT_ID(N'dbo.SSOX_AuditTable') AND minor_id = 0 AND name = N'${MSSQL_MARKER}'`;
const MSSQL_MARKER_TARGET = `@level0type = N'SCHEMA', @level0name = N'dbo', @level1type = N'TABLE', @level1name = N'SSOX_AuditTable'`;

/**
 * One row: the mark (NULL when none), the last audit id, and whether this login may write the mark.
 * An insert still uncommitted below the last id is waited for by the UPDATE's scan of the range
 * under READ COMMITTED with locks, SSODB's default; with READ_COMMITTED_SNAPSHOT on, such a row
 * (an earlier version's single-row insert committing within that instant) would be passed over.
 */
export const MSSQL_OLD_SEARCH_TEXT_STATE = `SELECT CAST((SELECT value FROM ${MSSQL_MARKER_ROW}) AS NVARCHAR(40)) AS mark,
  (SELECT COALESCE(MAX(au_id), 0) FROM dbo.SSOX_AuditTable) AS lastId,
  HAS_PERMS_BY_NAME(N'dbo.SSOX_AuditTable', N'OBJECT', N'ALTER') AS mayMark;`;

export const MSSQL_REDACT_OLD_SEARCH_TEXT = `UPDATE dbo.SSOX_AuditTable
SET au_detail = CASE WHEN LEFT(au_detail, ${TEXT_PREFIX.length}) = N'${TEXT_PREFIX}' THEN @textDetail ELSE @regexDetail END
WHERE au_id > @after AND au_id <= @upTo AND au_action = N'config.grep'
  AND (LEFT(au_detail, ${TEXT_PREFIX.length}) = N'${TEXT_PREFIX}' OR LEFT(au_detail, ${REGEX_PREFIX.length}) = N'${REGEX_PREFIX}');`;

export const MSSQL_MARK_OLD_SEARCH_TEXT_REDACTED = `IF EXISTS (SELECT 1 FROM ${MSSQL_MARKER_ROW})
  EXEC sys.sp_updateextendedproperty @name = N'${MSSQL_MARKER}', @value = @upTo, ${MSSQL_MARKER_TARGET};
ELSE
  EXEC sys.sp_addextendedproperty @name = N'${MSSQL_MARKER}', @value = @upTo, ${MSSQL_MARKER_TARGET};`;

/** "Property cannot be added. Property … already exists": another process wrote the first mark between our check and our add. */
const MARKER_ADDED_BY_ANOTHER = 15233;
/** The right to write the mark refused although HAS_PERMS_BY_NAME granted it (a DENY it does not see, a changed grant). */
const MARK_REFUSED = new Set([15247, 229, 1088, 15151]);

export const MARK_NOT_WRITABLE_LOG =
  "SSODB (SQL Server): the SSO service's login has no ALTER right on dbo.SSOX_AuditTable, so it cannot record how far it rewrote the audit rows of an earlier version's find by value; each start rewrites again every such row after the last recorded mark (without a mark: a scan of the whole audit). To stop that, GRANT ALTER ON dbo.SSOX_AuditTable to the service's login, or start the service once with a login that has it.";

interface MssqlMarkState {
  mark: number;
  lastId: number;
  mayMark: boolean;
}

/**
 * Rewrites the rows above the mark and moves the mark, in one transaction. Without the right to
 * write the mark the UPDATE runs alone (once) and the log says why; an error other than a known
 * refusal or a lost race fails the open, as a failed UPDATE did before.
 */
export async function redactOldSearchTextMssql(session: MssqlSession, log: (message: string) => void = () => undefined): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    const state = await markStateMssql(session);
    const range = idsToRewrite(state.mark, state.lastId);
    if (!range) return;
    if (!state.mayMark) {
      log(MARK_NOT_WRITABLE_LOG);
      return redactAloneMssql(session, range);
    }
    try {
      return await session.inTransaction(async (tx) => {
        await session.query(MSSQL_REDACT_OLD_SEARCH_TEXT, redactParams(range), tx);
        await session.query(MSSQL_MARK_OLD_SEARCH_TEXT_REDACTED, { upTo: ['bigint', range.upTo] }, tx);
      });
    } catch (error) {
      const number = (error as SsoError).details?.number ?? driverErrorNumber(error);
      if (number === MARKER_ADDED_BY_ANOTHER && attempt === 1) continue;
      if (number === undefined || !MARK_REFUSED.has(Number(number))) throw toSsoError(error);
      log(`${MARK_NOT_WRITABLE_LOG} (SQL Server refused to write the mark: error ${Number(number)}.)`);
      return redactAloneMssql(session, range);
    }
  }
}

async function markStateMssql(session: MssqlSession): Promise<MssqlMarkState> {
  const row = (await session.query(MSSQL_OLD_SEARCH_TEXT_STATE, {})).recordset?.[0];
  return { mark: parseMark(row?.mark), lastId: parseMark(row?.lastId), mayMark: Number(row?.mayMark) === 1 };
}

async function redactAloneMssql(session: MssqlSession, range: AuditIdRange): Promise<void> {
  await session.query(MSSQL_REDACT_OLD_SEARCH_TEXT, redactParams(range));
}

function redactParams(range: AuditIdRange) {
  return {
    after: ['bigint', range.after],
    upTo: ['bigint', range.upTo],
    textDetail: ['longText', REDACTED_SEARCH_DETAIL.text],
    regexDetail: ['longText', REDACTED_SEARCH_DETAIL.regex],
  } as const;
}
