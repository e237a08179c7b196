/**
 * Find by value (`config.grep`) no longer records the text searched for, but audit rows written by
 * earlier versions hold it in au_detail (`text "…"`, `regular expression "…"`): often a password.
 * Hiding it on the page is not enough: a text filter over au_detail would rebuild it one character
 * at a time. So each store rewrites those rows in place when it opens (a one-off: rows written
 * since never match), and the text filter leaves config.grep's au_detail out.
 */

/** What an old row's detail becomes: its kind only. */
export const REDACTED_SEARCH_DETAIL = {
  text: 'text search; the text searched for is not shown (recorded by an earlier version)',
  regex: 'regular expression search; the text searched for is not shown (recorded by an earlier version)',
} as const;

const TEXT_PREFIX = 'text "';
const REGEX_PREFIX = 'regular expression "';

/** Matches only the old formats: the action and the quoted text right after the kind. */
export const SQLITE_REDACT_OLD_SEARCH_TEXT = `UPDATE SSOX_AuditTable
SET au_detail = CASE WHEN substr(au_detail, 1, ${TEXT_PREFIX.length}) = '${TEXT_PREFIX}' THEN :textDetail ELSE :regexDetail END
WHERE au_action = 'config.grep'
  AND (substr(au_detail, 1, ${TEXT_PREFIX.length}) = '${TEXT_PREFIX}' OR substr(au_detail, 1, ${REGEX_PREFIX.length}) = '${REGEX_PREFIX}')`;

export const MSSQL_REDACT_OLD_SEARCH_TEXT = `UPDATE dbo.SSOX_AuditTable
SET au_detail = CASE WHEN LEFT(au_detail, ${TEXT_PREFIX.length}) = N'${TEXT_PREFIX}' THEN @textDetail ELSE @regexDetail END
WHERE au_action = N'config.grep'
  AND (LEFT(au_detail, ${TEXT_PREFIX.length}) = N'${TEXT_PREFIX}' OR LEFT(au_detail, ${REGEX_PREFIX.length}) = N'${REGEX_PREFIX}');`;

export const REDACT_OLD_SEARCH_TEXT_PARAMS = { textDetail: REDACTED_SEARCH_DETAIL.text, regexDetail: REDACTED_SEARCH_DETAIL.regex };
