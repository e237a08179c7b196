/**
 * The filtered audit query (`audit.list` with a filter), for both stores. Its work is bounded: a
 * request looks at the `scanRows` rows just below its cursor (a range of the primary key), and
 * matches only among those, so a filter that matches nothing costs the same as one page of a
 * filter that matches everything. The caller continues below `continueBelow`.
 * Every criterion is a parameter (NULL when not given): the SQL text is fixed. The text filter
 * leaves out config.grep's detail: rows of earlier versions held the text searched for there
 * (see oldSearchText.ts), and matching it would reveal it a character at a time.
 */
import { SsoError } from '../../protocol/errors';
import { checkLimit, toAuditEntry, type SqlRow } from './schema';
import type { AuditQuery, AuditSlice } from './store';

const COLUMNS = `au_id AS id, au_at AS at, au_user AS user, au_action AS action, au_outcome AS outcome,
  au_app_name AS application, au_identifier AS identifier, au_fields AS fields, au_detail AS detail`;

export const SQLITE_AUDIT_SQL = {
  window: `SELECT MIN(au_id) AS low, COUNT(*) AS n FROM (
  SELECT au_id FROM SSOX_AuditTable WHERE au_id < :before ORDER BY au_id DESC LIMIT :scan)`,
  page: `SELECT ${COLUMNS} FROM SSOX_AuditTable
WHERE au_id < :before AND au_id >= :low
  AND (:operation IS NULL OR au_action = :operation OR substr(au_action, 1, length(:operation) + 1) = :operation || '.')
  AND (:outcome IS NULL OR au_outcome = :outcome)
  AND (:user IS NULL OR instr(lower(au_user), :user) > 0)
  AND (:fromAt IS NULL OR au_at >= :fromAt)
  AND (:untilAt IS NULL OR au_at < :untilAt)
  AND (:text IS NULL OR instr(lower(au_user), :text) > 0 OR instr(lower(au_action), :text) > 0
    OR instr(lower(COALESCE(au_app_name, '')), :text) > 0 OR instr(lower(COALESCE(au_identifier, '')), :text) > 0
    OR instr(lower(COALESCE(au_fields, '')), :text) > 0
    OR (au_action <> 'config.grep' AND instr(lower(COALESCE(au_detail, '')), :text) > 0))
ORDER BY au_id DESC LIMIT :limit`,
} as const;

export const MSSQL_AUDIT_SQL = {
  window: `SELECT MIN(w.au_id) AS low, COUNT_BIG(*) AS n FROM (
  SELECT TOP (@scan) au_id FROM dbo.SSOX_AuditTable WHERE au_id < @before ORDER BY au_id DESC) AS w;`,
  page: `SELECT TOP (@limit) ${COLUMNS.replace('au_user AS user', 'au_user AS [user]')} FROM dbo.SSOX_AuditTable
WHERE au_id < @before AND au_id >= @low
  AND (@operation IS NULL OR au_action = @operation OR LEFT(au_action, LEN(@operation) + 1) = @operation + N'.')
  AND (@outcome IS NULL OR au_outcome = @outcome)
  AND (@user IS NULL OR CHARINDEX(@user, LOWER(au_user)) > 0)
  AND (@fromAt IS NULL OR au_at >= @fromAt)
  AND (@untilAt IS NULL OR au_at < @untilAt)
  AND (@text IS NULL OR CHARINDEX(@text, LOWER(au_user)) > 0 OR CHARINDEX(@text, LOWER(au_action)) > 0
    OR CHARINDEX(@text, LOWER(COALESCE(au_app_name, N''))) > 0 OR CHARINDEX(@text, LOWER(COALESCE(au_identifier, N''))) > 0
    OR CHARINDEX(@text, LOWER(COALESCE(au_fields, N''))) > 0
    OR (au_action <> N'config.grep' AND CHARINDEX(@text, LOWER(COALESCE(au_detail, N''))) > 0))
ORDER BY au_id DESC;`,
} as const;

/** The parameters of the window query: where it starts and how many rows it may look at. */
export function auditWindowParams(query: AuditQuery): { before: number; scan: number } {
  checkLimit(query.limit);
  const before = query.before ?? Number.MAX_SAFE_INTEGER;
  if (!Number.isInteger(before)) throw new SsoError('ENTSSO_E_INVALID_REQUEST', 'The audit cursor must be a whole number.');
  if (!Number.isInteger(query.scanRows) || query.scanRows < 1) throw new SsoError('ENTSSO_E_INVALID_REQUEST', 'The audit scan must look at one row or more.');
  return { before, scan: query.scanRows };
}

/** The parameters of the page query over the window [low, before); lower-cased texts, NULL for what is not filtered. */
export function auditPageParams(query: AuditQuery, low: number): Record<string, string | number | null> {
  const { filter } = query;
  return {
    before: query.before ?? Number.MAX_SAFE_INTEGER,
    low,
    limit: query.limit,
    operation: filter.operation || null,
    outcome: filter.outcome || null,
    user: filter.user ? filter.user.toLowerCase() : null,
    fromAt: filter.from || null,
    untilAt: filter.until || null,
    text: filter.text ? filter.text.toLowerCase() : null,
  };
}

/** Reads the window query's one row: the lowest id looked at, and whether the window was full. */
export function auditWindow(row: SqlRow | undefined, scan: number): { low: number; full: boolean } | undefined {
  if (!row || row.low === null || row.low === undefined) return undefined;
  return { low: Number(row.low), full: Number(row.n) >= scan };
}

export function auditSlice(rows: SqlRow[], window: { low: number; full: boolean }): AuditSlice {
  const slice: AuditSlice = { entries: rows.map(toAuditEntry) };
  if (window.full) slice.continueBelow = window.low;
  return slice;
}
