/**
 * Every T-SQL text the SQL Server adapter (mssqlStore.ts) sends, as one constant: the golden
 * tests pin each text, and sqlParse.test.ts parses each against the schema. Parameters are
 * typed by the caller (mssqlParams.ts). Names compare case-insensitively through the columns'
 * collation (schema/mssqlDdl.ts), so `@app` can be any casing and results carry the stored spelling.
 */
import type { ParamKind } from './mssqlParams';
import type { GlobalInfo } from './store';
import { ROW_VERSION_SEQUENCE } from './schema/mssqlDdl';

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
  inserted.gi_LastVerifiedBackupAt AS lastVerifiedBackupAt, inserted.gi_SwitchingMsids AS switchingMsids,
  inserted.gi_RowVersion AS [timestamp]`;

/** Only the columns whose @setX flag is 1 change, so concurrent patches of different fields both stick. */
function patchColumn(column: string, param: string): string {
  return `${column} = CASE WHEN @set${param[0]!.toUpperCase()}${param.slice(1)} = 1 THEN @${param} ELSE ${column} END`;
}

/** Each patchable field: its column and its parameter's type. */
export const GLOBAL_INFO_PATCHABLE: readonly (readonly [keyof Omit<GlobalInfo, 'timestamp'>, string, ParamKind])[] = [
  ['secretServer', 'gi_SecretServer', 'name'],
  ['adminGroup', 'gi_SSOAdminGroup', 'name'],
  ['currentMsid', 'gi_CurrentMsid', 'msid'],
  ['previousMsid', 'gi_PreviousMsid', 'msid'],
  ['secretCreatedAt', 'gi_SecretCreatedAt', 'isoTime'],
  ['lastBackupAt', 'gi_LastBackupAt', 'isoTime'],
  ['lastVerifiedBackupAt', 'gi_LastVerifiedBackupAt', 'isoTime'],
  ['switchingMsids', 'gi_SwitchingMsids', 'shortText'],
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
  gi_LastVerifiedBackupAt AS lastVerifiedBackupAt, gi_SwitchingMsids AS switchingMsids, gi_RowVersion AS [timestamp]
FROM dbo.SSOX_GlobalInfo WHERE gi_id = 1;`,
  // With @leaseHolder (a publication), made only while that node holds the lease, judged on the server's clock as takeLease judges it.
  updateGlobalInfo: `UPDATE dbo.SSOX_GlobalInfo SET
  ${GLOBAL_INFO_PATCHABLE.map(([param, column]) => patchColumn(column, param)).join(',\n  ')},
  gi_RowVersion = NEXT VALUE FOR ${SEQ}
OUTPUT ${GLOBAL_INFO_OUTPUT}
WHERE gi_id = 1 AND (@leaseHolder IS NULL OR EXISTS (
  SELECT 1 FROM dbo.SSOX_MssLease WHERE ml_id = 1 AND ml_holder = @leaseHolder
    AND ml_expires_at > DATEDIFF_BIG(MILLISECOND, '19700101', SYSUTCDATETIME())));`,

  // The secret fence of a write (publishedSecrets.ts), in its transaction: the shared lock is held
  // to its commit, so a publication of another secret waits for the write, never slips under it.
  publishedSecrets: `SELECT gi_CurrentMsid AS currentMsid, gi_PreviousMsid AS previousMsid, gi_SwitchingMsids AS switchingMsids
FROM dbo.SSOX_GlobalInfo WITH (HOLDLOCK) WHERE gi_id = 1;`,

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
  countRowsBySecret: `SELECT msid, SUM(n) AS n FROM (
  SELECT ec_msid AS msid, COUNT_BIG(*) AS n FROM dbo.SSOX_ExternalCredentials WHERE ec_msid <> @msid GROUP BY ec_msid
  UNION ALL SELECT ch_msid, COUNT_BIG(*) FROM dbo.SSOX_ConfigHistory WHERE ch_msid <> @msid GROUP BY ch_msid
) AS counts GROUP BY msid ORDER BY msid;`,
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
  COALESCE((SELECT MAX(last.v) FROM (
    SELECT MAX(h.ch_version) FROM dbo.SSOX_ConfigHistory AS h WITH (UPDLOCK, HOLDLOCK) WHERE h.ch_app_name = @app AND h.ch_identifier = @identifier
    UNION ALL
    SELECT n.hn_last_version FROM dbo.SSOX_ConfigHistoryNumber AS n WITH (UPDLOCK, HOLDLOCK) WHERE n.hn_app_name = @app AND n.hn_identifier = @identifier
  ) AS last (v)), 0) + 1,
  ec_msid, ec_credentials, ec_modified_at, @now, @savedBy, @change, @changedFields
FROM dbo.SSOX_ExternalCredentials WITH (UPDLOCK, HOLDLOCK)
WHERE ${CREDENTIALS_KEY_MATCH} AND ec_row_version = @expected;`,
  /**
   * Retention: versions beyond `keep` for this configuration, and versions older than the age
   * limit anywhere, after recording the last number of each configuration they leave.
   */
  pruneHistory: `DELETE FROM dbo.SSOX_ConfigHistory WHERE ch_app_name = @app AND ch_identifier = @identifier
  AND ch_version <= (SELECT MAX(h.ch_version) FROM dbo.SSOX_ConfigHistory AS h
    WHERE h.ch_app_name = @app AND h.ch_identifier = @identifier) - @keep;
UPDATE dbo.SSOX_ConfigHistoryNumber SET hn_last_version = (SELECT MAX(h.ch_version) FROM dbo.SSOX_ConfigHistory AS h
    WHERE h.ch_app_name = dbo.SSOX_ConfigHistoryNumber.hn_app_name AND h.ch_identifier = dbo.SSOX_ConfigHistoryNumber.hn_identifier AND h.ch_saved_at < @oldest)
WHERE hn_last_version < (SELECT MAX(h.ch_version) FROM dbo.SSOX_ConfigHistory AS h
    WHERE h.ch_app_name = dbo.SSOX_ConfigHistoryNumber.hn_app_name AND h.ch_identifier = dbo.SSOX_ConfigHistoryNumber.hn_identifier AND h.ch_saved_at < @oldest);
INSERT INTO dbo.SSOX_ConfigHistoryNumber (hn_app_name, hn_identifier, hn_last_version)
SELECT h.ch_app_name, h.ch_identifier, MAX(h.ch_version) FROM dbo.SSOX_ConfigHistory AS h
WHERE h.ch_saved_at < @oldest AND NOT EXISTS (SELECT 1 FROM dbo.SSOX_ConfigHistoryNumber AS n WITH (UPDLOCK, HOLDLOCK)
    WHERE n.hn_app_name = h.ch_app_name AND n.hn_identifier = h.ch_identifier)
GROUP BY h.ch_app_name, h.ch_identifier;
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
