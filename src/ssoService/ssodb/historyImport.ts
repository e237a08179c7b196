/**
 * Kept versions brought by an import (an export made with its history): written into
 * SSOX_ConfigHistory numbered 1..n (the service renumbers a file's) after the last number the
 * configuration's history used here (SSOX_ConfigHistoryNumber), in the import's transaction, for a
 * configuration the import creates (a configuration that exists has a history of its own, which
 * an import never rewrites). Both stores call these from applyApplicationChanges.
 */
import { SsoError } from '../../protocol/errors';
import { checkHistoryVersion, checkMsid, toHistoryRecord } from './schema';
import type { ImportedVersion, RowChange } from './store';

const COLUMNS = `ch_app_name, ch_identifier, ch_version, ch_msid, ch_credentials, ch_modified_at, ch_saved_at, ch_saved_by, ch_change, ch_changed_fields`;

export const SQLITE_IMPORT_HISTORY_SQL = `INSERT INTO SSOX_ConfigHistory (${COLUMNS})
SELECT :app, :identifier,
  :version + COALESCE((SELECT hn_last_version FROM SSOX_ConfigHistoryNumber WHERE hn_app_name = :app AND hn_identifier = :identifier), 0),
  :msid, :ciphertext, :modifiedAt, :savedAt, :savedBy, :change, :changedFields`;

export const MSSQL_IMPORT_HISTORY_SQL = `INSERT INTO dbo.SSOX_ConfigHistory (${COLUMNS})
SELECT @app, @identifier,
  @version + COALESCE((SELECT hn_last_version FROM dbo.SSOX_ConfigHistoryNumber WHERE hn_app_name = @app AND hn_identifier = @identifier), 0),
  @msid, @ciphertext, @modifiedAt, @savedAt, @savedBy, @change, @changedFields;`;

/** The versions to write for a row change, checked; none for a row without any. */
export function importedVersions(row: RowChange): ImportedVersion[] {
  if (row.op !== 'put' || !row.importedHistory || row.importedHistory.length === 0) return [];
  if (row.expectedTimestamp !== null) throw invalid('Kept versions can only come with a configuration the import creates.');
  const seen = new Set<number>();
  for (const version of row.importedHistory) {
    checkHistoryVersion(version.version);
    checkMsid(version.msid);
    if (seen.has(version.version)) throw invalid('An imported history holds a version twice.');
    seen.add(version.version);
    if (!Buffer.isBuffer(version.ciphertext)) throw invalid('An imported version must be encrypted.');
    if (version.change !== 'set' && version.change !== 'delete') throw invalid('An imported version is replaced by a save or a delete.');
    // A number past the count would leave no room for the next save (int column, history cursor).
    if (version.version > row.importedHistory.length) throw invalid('Imported versions are numbered 1 to their count.');
    if (!isTimeOrder(version.modifiedAt, version.savedAt)) throw invalid('An imported version needs its times (ms since the epoch), written before replaced, not in the future.');
  }
  return row.importedHistory;
}

/** The values of one INSERT (names as both statements spell them). */
export function importedVersionParams(app: string, identifier: string, version: ImportedVersion) {
  const record = toHistoryRecord({ savedBy: version.savedBy, change: version.change, changedFields: version.changedFields, keep: 1, maxAgeMs: 0 }, version.savedAt);
  return { app, identifier, version: version.version, msid: version.msid, ciphertext: version.ciphertext, modifiedAt: version.modifiedAt, ...record };
}

const CLOCK_SKEW_MS = 5 * 60_000;

function isTimeOrder(writtenAt: number, replacedAt: number): boolean {
  return Number.isSafeInteger(writtenAt) && Number.isSafeInteger(replacedAt) && writtenAt >= 0 && writtenAt <= replacedAt && replacedAt <= Date.now() + CLOCK_SKEW_MS;
}

function invalid(message: string): SsoError {
  return new SsoError('ENTSSO_E_INVALID_REQUEST', message);
}
