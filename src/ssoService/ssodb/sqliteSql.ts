/**
 * The SQL text of the embedded SSODB (SQLite dialect): every statement the store prepares, by
 * name. Statements use named parameters (`:app`), bound by SqliteStore; the schema itself is in
 * schema.ts.
 */

const APPLICATION_COLUMNS = `a.ai_app_name AS name, a.ai_description AS description, a.ai_contact AS contact,
  a.ai_user_group_name AS userGroup, a.ai_admin_group_name AS adminGroup, a.ai_flags AS flags,
  a.ai_kind AS kind, a.ai_num_fields AS numFields,
  COALESCE((SELECT c.ic_count FROM SSOX_IdentifierCount c WHERE c.ic_app_name = a.ai_app_name), 0) AS identifierCount`;

const CREDENTIALS_KEY_MATCH = `ec_app_name = :app AND ec_windows_domain_name = :domain AND ec_windows_user_name = :identifier`;

const CREDENTIALS_COLUMNS = `ec_app_name AS application, ec_windows_user_name AS identifier, ec_msid AS msid,
  ec_credentials AS ciphertext, ec_row_version AS timestamp, ec_modified_at AS modifiedAt`;

const HISTORY_COLUMNS = `ch_app_name AS application, ch_identifier AS identifier, ch_version AS version,
  ch_modified_at AS modifiedAt, ch_saved_at AS savedAt, ch_saved_by AS savedBy, ch_change AS changeKind,
  ch_changed_fields AS changedFields`;

/** Rotation reads rows in the order of IX_SSOX_ExternalCredentials_msid, one range at a time. */
const ROTATION_ORDER = `ORDER BY ec_msid, ec_app_name, ec_windows_domain_name, ec_windows_user_name`;

const AUDIT_COLUMNS = `au_at, au_user, au_action, au_outcome, au_app_name, au_identifier, au_fields, au_detail`;

/** The schema name under which the data file attaches its audit side file to move staged rows. */
export const STAGED_AUDIT_TARGET = 'audit_side';

/** The schema name under which the data file attaches its coordination side file to fence a publication. */
export const COORDINATION_SIDE = 'coordination_side';

/** A publication, fenced when :leaseHolder is set by the lease kept in `leaseSchema`. */
function updateGlobalInfo(leaseSchema: string): string {
  return `UPDATE main.SSOX_GlobalInfo SET gi_SecretServer = :secretServer, gi_SSOAdminGroup = :adminGroup,
  gi_CurrentMsid = :currentMsid, gi_PreviousMsid = :previousMsid, gi_SecretCreatedAt = :secretCreatedAt,
  gi_LastBackupAt = :lastBackupAt, gi_LastVerifiedBackupAt = :lastVerifiedBackupAt, gi_SwitchingMsids = :switchingMsids, gi_RowVersion = :version
WHERE gi_id = 1 AND (:leaseHolder IS NULL OR EXISTS (
  SELECT 1 FROM ${leaseSchema}.SSOX_MssLease WHERE ml_id = 1 AND ml_holder = :leaseHolder AND ml_expires_at > :now))`;
}

/** The trigram index answers substrings of three characters or more (shorter ones scan). */
export function indexedByTrigrams(query: string): boolean {
  return [...query].length >= 3;
}

/** The query as one FTS5 phrase: a literal substring, quotes doubled, no operators. */
export function ftsPhrase(query: string): string {
  return `"${query.replace(/"/g, '""')}"`;
}

export const SQLITE_SQL = {
  globalInfo: `SELECT gi_SecretServer AS secretServer, gi_SSOAdminGroup AS adminGroup, gi_CurrentMsid AS currentMsid,
  gi_PreviousMsid AS previousMsid, gi_SecretCreatedAt AS secretCreatedAt, gi_LastBackupAt AS lastBackupAt,
  gi_LastVerifiedBackupAt AS lastVerifiedBackupAt, gi_SwitchingMsids AS switchingMsids, gi_RowVersion AS timestamp
FROM SSOX_GlobalInfo WHERE gi_id = 1`,
  updateGlobalInfo: updateGlobalInfo('main'),
  /** The same, fenced by the lease of the coordination file, attached (withSideFiles). */
  updateGlobalInfoFenced: updateGlobalInfo(COORDINATION_SIDE),
  /** The secret fence of a write (publishedSecrets.ts): one primary key read in its transaction. */
  publishedSecrets: `SELECT gi_CurrentMsid AS currentMsid, gi_PreviousMsid AS previousMsid, gi_SwitchingMsids AS switchingMsids FROM SSOX_GlobalInfo WHERE gi_id = 1`,
  /** Whether an SSODB file made before a column was added has it (SQLITE_ADDED_COLUMNS). */
  columnExists: `SELECT 1 FROM pragma_table_info(:table) WHERE name = :column`,
  nextRowVersion: `UPDATE SSOX_RowVersionCounter SET rv_value = rv_value + 1 WHERE rv_id = 1 RETURNING rv_value AS version`,

  tableExists: `SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = :table`,
  listApplications: `SELECT ${APPLICATION_COLUMNS}
FROM SSOX_ApplicationInfo a
WHERE a.ai_app_name > :after AND a.ai_app_name LIKE :pattern ESCAPE '\\'
ORDER BY a.ai_app_name
LIMIT :limit`,
  application: `SELECT ${APPLICATION_COLUMNS} FROM SSOX_ApplicationInfo a WHERE a.ai_app_name = :app`,
  applicationName: `SELECT ai_app_name AS name FROM SSOX_ApplicationInfo WHERE ai_app_name = :app`,
  fields: `SELECT fi_ordinal AS ordinal, fi_label AS label, fi_flags AS flags
FROM SSOX_FieldInfo WHERE fi_app_name = :app ORDER BY fi_ordinal`,
  insertApplication: `INSERT INTO SSOX_ApplicationInfo (ai_app_name, ai_description, ai_contact, ai_user_group_name,
  ai_admin_group_name, ai_flags, ai_num_fields, ai_kind)
VALUES (:app, :description, :contact, :userGroup, :adminGroup, :flags, :numFields, :kind)`,
  insertField: `INSERT INTO SSOX_FieldInfo (fi_app_name, fi_ordinal, fi_label, fi_flags) VALUES (:app, :ordinal, :label, :flags)`,
  /** Fields, mappings and credentials go with it (ON DELETE CASCADE). */
  deleteApplication: `DELETE FROM SSOX_ApplicationInfo WHERE ai_app_name = :app`,
  setApplicationFlags: `UPDATE SSOX_ApplicationInfo SET ai_flags = :flags WHERE ai_app_name = :app`,
  /** Field list replacement (applyApplicationChanges): the old list goes, the new one is inserted. */
  deleteFields: `DELETE FROM SSOX_FieldInfo WHERE fi_app_name = :app`,
  setNumFields: `UPDATE SSOX_ApplicationInfo SET ai_num_fields = :numFields WHERE ai_app_name = :app`,
  /** How many rows an application has and the highest row version among them (see ApplicationChange.expected). */
  rowsVersion: `SELECT COUNT(*) AS n, MAX(ec_row_version) AS maxVersion
FROM SSOX_ExternalCredentials WHERE ec_app_name = :app AND ec_windows_domain_name = :domain`,

  listIdentifiers: `SELECT ec_app_name AS application, ec_windows_user_name AS identifier,
  ec_row_version AS timestamp, ec_modified_at AS modifiedAt
FROM SSOX_ExternalCredentials
WHERE ec_app_name = :app AND ec_windows_domain_name = :domain
  AND ec_windows_user_name > :after AND ec_windows_user_name LIKE :pattern ESCAPE '\\'
ORDER BY ec_windows_user_name
LIMIT :limit`,
  searchApplications: `SELECT ai_app_name AS application, ai_kind AS kind
FROM SSOX_ApplicationInfo WHERE ai_app_name LIKE :pattern ESCAPE '\\'
ORDER BY ai_app_name LIMIT :limit`,
  // Three characters or more: from the trigram index (the join drops anything stale).
  searchIdentifiersIndexed: `SELECT m.im_app_name AS application, a.ai_kind AS kind, m.im_windows_user_name AS identifier
FROM SSOX_IdentifierSearch s
JOIN SSOX_IndividualMapping m ON m.im_id = s.rowid
JOIN SSOX_ApplicationInfo a ON a.ai_app_name = m.im_app_name
WHERE SSOX_IdentifierSearch MATCH :phrase AND m.im_windows_domain_name = :domain
ORDER BY m.im_app_name, m.im_windows_domain_name, m.im_windows_user_name LIMIT :limit`,
  searchIdentifiers: `SELECT m.im_app_name AS application, a.ai_kind AS kind, m.im_windows_user_name AS identifier
FROM SSOX_IndividualMapping m JOIN SSOX_ApplicationInfo a ON a.ai_app_name = m.im_app_name
WHERE m.im_windows_domain_name = :domain AND m.im_windows_user_name LIKE :pattern ESCAPE '\\'
ORDER BY m.im_app_name, m.im_windows_domain_name, m.im_windows_user_name LIMIT :limit`,

  credentials: `SELECT ${CREDENTIALS_COLUMNS} FROM SSOX_ExternalCredentials WHERE ${CREDENTIALS_KEY_MATCH}`,
  listCredentials: `SELECT ${CREDENTIALS_COLUMNS}
FROM SSOX_ExternalCredentials
WHERE ec_app_name = :app AND ec_windows_domain_name = :domain AND ec_windows_user_name > :after
ORDER BY ec_windows_user_name
LIMIT :limit`,
  insertMapping: `INSERT INTO SSOX_IndividualMapping (im_app_name, im_windows_domain_name, im_windows_user_name,
  im_external_user_name, im_flags)
VALUES (:app, :domain, :identifier, :identifier, 0)`,
  insertCredentials: `INSERT INTO SSOX_ExternalCredentials (ec_app_name, ec_windows_domain_name, ec_windows_user_name,
  ec_msid, ec_credentials, ec_row_version, ec_modified_at)
VALUES (:app, :domain, :identifier, :msid, :ciphertext, :version, :modifiedAt)`,
  updateCredentials: `UPDATE SSOX_ExternalCredentials
SET ec_msid = :msid, ec_credentials = :ciphertext, ec_row_version = :version, ec_modified_at = :modifiedAt
WHERE ${CREDENTIALS_KEY_MATCH}`,
  /** The credentials row goes with the mapping (ON DELETE CASCADE). */
  deleteMapping: `DELETE FROM SSOX_IndividualMapping
WHERE im_app_name = :app AND im_windows_domain_name = :domain AND im_windows_user_name = :identifier`,

  rowsBelowMsid: `SELECT ${CREDENTIALS_COLUMNS} FROM SSOX_ExternalCredentials WHERE ec_msid < :msid ${ROTATION_ORDER} LIMIT :limit`,
  rowsAboveMsid: `SELECT ${CREDENTIALS_COLUMNS} FROM SSOX_ExternalCredentials WHERE ec_msid > :msid ${ROTATION_ORDER} LIMIT :limit`,
  /** Range seeks on both sides of :msid (`<>` would read every index entry under it). */
  countRowsBySecret: `SELECT msid, SUM(n) AS n FROM (
  SELECT ec_msid AS msid, COUNT(*) AS n FROM SSOX_ExternalCredentials WHERE ec_msid < :msid GROUP BY ec_msid
  UNION ALL SELECT ec_msid, COUNT(*) FROM SSOX_ExternalCredentials WHERE ec_msid > :msid GROUP BY ec_msid
  UNION ALL SELECT ch_msid, COUNT(*) FROM SSOX_ConfigHistory WHERE ch_msid < :msid GROUP BY ch_msid
  UNION ALL SELECT ch_msid, COUNT(*) FROM SSOX_ConfigHistory WHERE ch_msid > :msid GROUP BY ch_msid
) GROUP BY msid ORDER BY msid`,
  /** Leaves ec_row_version and ec_modified_at alone: the value is the same, only its encryption changed. */
  reencrypt: `UPDATE SSOX_ExternalCredentials SET ec_msid = :msid, ec_credentials = :ciphertext
WHERE ${CREDENTIALS_KEY_MATCH} AND ec_row_version = :expected`,

  /** Copies the live row (already checked at its expected version) as the next kept version. */
  insertHistory: `INSERT INTO SSOX_ConfigHistory (ch_app_name, ch_identifier, ch_version, ch_msid, ch_credentials,
  ch_modified_at, ch_saved_at, ch_saved_by, ch_change, ch_changed_fields)
SELECT ec_app_name, ec_windows_user_name,
  MAX(COALESCE((SELECT MAX(h.ch_version) FROM SSOX_ConfigHistory h WHERE h.ch_app_name = :app AND h.ch_identifier = :identifier), 0),
    COALESCE((SELECT n.hn_last_version FROM SSOX_ConfigHistoryNumber n WHERE n.hn_app_name = :app AND n.hn_identifier = :identifier), 0)) + 1,
  ec_msid, ec_credentials, ec_modified_at, :savedAt, :savedBy, :change, :changedFields
FROM SSOX_ExternalCredentials WHERE ${CREDENTIALS_KEY_MATCH}`,
  pruneHistory: `DELETE FROM SSOX_ConfigHistory WHERE ch_app_name = :app AND ch_identifier = :identifier
  AND ch_version <= (SELECT MAX(h.ch_version) FROM SSOX_ConfigHistory h WHERE h.ch_app_name = :app AND h.ch_identifier = :identifier) - :keep`,
  /**
   * Before expireHistory: the last number of each configuration whose versions are about to go.
   * Runs at every save that keeps a version: the unary + on the GROUP BY columns (which keeps their
   * collation) stops SQLite from grouping through the primary key's order, which made it scan the
   * whole history, reading every kept version's row, at every save; it seeks ch_saved_at instead.
   */
  recordExpiringHistory: `INSERT INTO SSOX_ConfigHistoryNumber (hn_app_name, hn_identifier, hn_last_version)
SELECT ch_app_name, ch_identifier, MAX(ch_version) FROM SSOX_ConfigHistory WHERE ch_saved_at < :oldest GROUP BY +ch_app_name, +ch_identifier
ON CONFLICT (hn_app_name, hn_identifier) DO UPDATE SET hn_last_version = MAX(hn_last_version, excluded.hn_last_version)`,
  expireHistory: `DELETE FROM SSOX_ConfigHistory WHERE ch_saved_at < :oldest`,
  listHistory: `SELECT ${HISTORY_COLUMNS} FROM SSOX_ConfigHistory
WHERE ch_app_name = :app AND ch_identifier = :identifier AND ch_version < :before
ORDER BY ch_version DESC LIMIT :limit`,
  historyVersion: `SELECT ${HISTORY_COLUMNS}, ch_msid AS msid, ch_credentials AS ciphertext FROM SSOX_ConfigHistory
WHERE ch_app_name = :app AND ch_identifier = :identifier AND ch_version = :version`,
  historyNotUnder: `SELECT ${HISTORY_COLUMNS}, ch_msid AS msid, ch_credentials AS ciphertext FROM SSOX_ConfigHistory
WHERE ch_msid <> :msid ORDER BY ch_msid, ch_id LIMIT :limit`,
  reencryptHistory: `UPDATE SSOX_ConfigHistory SET ch_msid = :msid, ch_credentials = :ciphertext
WHERE ch_app_name = :app AND ch_identifier = :identifier AND ch_version = :version AND ch_msid = :expectedMsid`,

  insertAudit: `INSERT INTO SSOX_AuditTable (au_at, au_user, au_action, au_outcome, au_app_name, au_identifier, au_fields, au_detail)
VALUES (:at, :user, :action, :outcome, :application, :identifier, :fields, :detail)`,
  listAudit: `SELECT au_id AS id, au_at AS at, au_user AS user, au_action AS action, au_outcome AS outcome,
  au_app_name AS application, au_identifier AS identifier, au_fields AS fields, au_detail AS detail
FROM SSOX_AuditTable WHERE au_id < :before ORDER BY au_id DESC LIMIT :limit`,
  /** Looks at the :limit oldest rows only, so a prune with nothing to do stays cheap. */
  pruneAudit: `DELETE FROM SSOX_AuditTable WHERE au_id IN (
  SELECT au_id FROM (SELECT au_id, au_at FROM SSOX_AuditTable ORDER BY au_id LIMIT :limit)
  WHERE au_id <= (SELECT COALESCE(MAX(au_id), 0) FROM SSOX_AuditTable) - :maxRows OR au_at < :cutoff)`,
  oldestAudit: `SELECT au_id AS id, au_at AS at FROM SSOX_AuditTable ORDER BY au_id LIMIT 1`,

  /**
   * Staged rows (this file's own SSOX_AuditTable) to the attached audit file, in their order; rows
   * already past the age limit (:cutoff, '' when it is not known) are left to the drop that follows.
   */
  moveStagedAudit: `INSERT INTO ${STAGED_AUDIT_TARGET}.SSOX_AuditTable (${AUDIT_COLUMNS})
SELECT ${AUDIT_COLUMNS} FROM main.SSOX_AuditTable WHERE au_at >= :cutoff ORDER BY au_id`,
  dropStagedAudit: `DELETE FROM main.SSOX_AuditTable`,
  pruneMovedAudit: `DELETE FROM ${STAGED_AUDIT_TARGET}.SSOX_AuditTable WHERE au_id IN (
  SELECT au_id FROM (SELECT au_id, au_at FROM ${STAGED_AUDIT_TARGET}.SSOX_AuditTable ORDER BY au_id LIMIT :limit)
  WHERE au_id <= (SELECT COALESCE(MAX(au_id), 0) FROM ${STAGED_AUDIT_TARGET}.SSOX_AuditTable) - :maxRows OR au_at < :cutoff)`,

  ping: `SELECT gi_id FROM SSOX_GlobalInfo WHERE gi_id = 1`,

  lease: `SELECT ml_holder AS holder, ml_expires_at AS expiresAt, ml_epoch AS epoch, ml_taken_at AS takenAt FROM SSOX_MssLease WHERE ml_id = 1`,
  // Right-hand sides see the row as it was: the epoch moves and the take-over time is set only
  // when the holder changes.
  takeLease: `UPDATE SSOX_MssLease SET
  ml_epoch = CASE WHEN ml_holder = :node THEN ml_epoch ELSE ml_epoch + 1 END,
  ml_taken_at = CASE WHEN ml_holder = :node THEN ml_taken_at ELSE :now END,
  ml_holder = :node,
  ml_expires_at = :now + :ttl
WHERE ml_id = 1 AND (ml_holder IS NULL OR ml_holder = :node OR :now > ml_expires_at + :grace)`,
  releaseLease: `UPDATE SSOX_MssLease SET ml_holder = NULL, ml_expires_at = 0 WHERE ml_id = 1 AND ml_holder = :node`,
  upsertMssNode: `INSERT INTO SSOX_MssNodes (mn_name, mn_role, mn_last_seen, mn_last_takeover) VALUES (:name, :role, :seen, :takeover)
ON CONFLICT (mn_name) DO UPDATE SET mn_role = excluded.mn_role, mn_last_seen = excluded.mn_last_seen,
  mn_last_takeover = COALESCE(excluded.mn_last_takeover, SSOX_MssNodes.mn_last_takeover)`,
  listMssNodes: `SELECT mn_name AS name, mn_role AS role, mn_last_seen AS lastSeenAt, mn_last_takeover AS lastTakeoverAt FROM SSOX_MssNodes ORDER BY mn_name`,
} as const;
