/**
 * The SQL Server adapter.
 *
 * 1. Golden tests: the exact T-SQL text of every statement, and for each operation the
 *    statements, parameter names, parameter types and values it sends through `mssql`, using a
 *    fake pool. The fake proves what the code around the driver does (which statement, which
 *    types, how results and driver errors are read); it proves nothing about SQL Server itself.
 * 2. The store contract against a real SQL Server, when MSSQL_TEST_URL names one (public CI
 *    does, see .github/workflows/sqlserver.yml). Without it the suite is skipped with the reason
 *    printed; with MSSQL_TEST_REQUIRED=1 a missing URL or an unreachable server is a failure.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type * as Mssql from 'mssql';
import { SsoError } from '../../../src/protocol/errors';
import { mssqlPoolConfig, type MssqlPool, type MssqlRequest, type MssqlResult, type MssqlTransaction, type MssqlTypes } from '../../../src/ssoService/ssodb/mssqlDriver';
import { MSSQL_SQL } from '../../../src/ssoService/ssodb/mssqlSql';
import { createMssqlStore } from '../../../src/ssoService/ssodb/mssqlStore';
import {
  MSSQL_MARK_OLD_SEARCH_TEXT_REDACTED,
  MSSQL_OLD_SEARCH_TEXT_STATE,
  MSSQL_REDACT_OLD_SEARCH_TEXT,
  REDACTED_SEARCH_DETAIL,
} from '../../../src/ssoService/ssodb/oldSearchText';
import { MSSQL_SCHEMA_BATCHES } from '../../../src/ssoService/ssodb/schema/mssqlDdl';
import type { SsoStore } from '../../../src/ssoService/ssodb/store';
import { app, expectSsoError, runStoreContract } from './storeContract';

const sql = require('mssql') as typeof Mssql;
const types: MssqlTypes = { NVarChar: sql.NVarChar, VarBinary: sql.VarBinary, BigInt: sql.BigInt, Int: sql.Int, Bit: sql.Bit, MAX: sql.MAX };

// ---------------------------------------------------------------- golden SQL texts

const GOLDEN_SQL: Record<keyof typeof MSSQL_SQL, string> = {
  ping: String.raw`SELECT gi_id AS ok FROM dbo.SSOX_GlobalInfo WHERE gi_id = 1;`,
  getGlobalInfo: String.raw`SELECT gi_SecretServer AS secretServer, gi_SSOAdminGroup AS adminGroup, gi_CurrentMsid AS currentMsid,
  gi_PreviousMsid AS previousMsid, gi_SecretCreatedAt AS secretCreatedAt, gi_LastBackupAt AS lastBackupAt,
  gi_LastVerifiedBackupAt AS lastVerifiedBackupAt, gi_SwitchingMsids AS switchingMsids, gi_RowVersion AS [timestamp]
FROM dbo.SSOX_GlobalInfo WHERE gi_id = 1;`,
  updateGlobalInfo: String.raw`UPDATE dbo.SSOX_GlobalInfo SET
  gi_SecretServer = CASE WHEN @setSecretServer = 1 THEN @secretServer ELSE gi_SecretServer END,
  gi_SSOAdminGroup = CASE WHEN @setAdminGroup = 1 THEN @adminGroup ELSE gi_SSOAdminGroup END,
  gi_CurrentMsid = CASE WHEN @setCurrentMsid = 1 THEN @currentMsid ELSE gi_CurrentMsid END,
  gi_PreviousMsid = CASE WHEN @setPreviousMsid = 1 THEN @previousMsid ELSE gi_PreviousMsid END,
  gi_SecretCreatedAt = CASE WHEN @setSecretCreatedAt = 1 THEN @secretCreatedAt ELSE gi_SecretCreatedAt END,
  gi_LastBackupAt = CASE WHEN @setLastBackupAt = 1 THEN @lastBackupAt ELSE gi_LastBackupAt END,
  gi_LastVerifiedBackupAt = CASE WHEN @setLastVerifiedBackupAt = 1 THEN @lastVerifiedBackupAt ELSE gi_LastVerifiedBackupAt END,
  gi_SwitchingMsids = CASE WHEN @setSwitchingMsids = 1 THEN @switchingMsids ELSE gi_SwitchingMsids END,
  gi_RowVersion = NEXT VALUE FOR dbo.SSOX_RowVersionSeq
OUTPUT inserted.gi_SecretServer AS secretServer, inserted.gi_SSOAdminGroup AS adminGroup,
  inserted.gi_CurrentMsid AS currentMsid, inserted.gi_PreviousMsid AS previousMsid,
  inserted.gi_SecretCreatedAt AS secretCreatedAt, inserted.gi_LastBackupAt AS lastBackupAt,
  inserted.gi_LastVerifiedBackupAt AS lastVerifiedBackupAt, inserted.gi_SwitchingMsids AS switchingMsids,
  inserted.gi_RowVersion AS [timestamp]
WHERE gi_id = 1 AND (@leaseHolder IS NULL OR EXISTS (
  SELECT 1 FROM dbo.SSOX_MssLease WHERE ml_id = 1 AND ml_holder = @leaseHolder
    AND ml_expires_at > DATEDIFF_BIG(MILLISECOND, '19700101', SYSUTCDATETIME())));`,
  publishedSecrets: String.raw`SELECT gi_CurrentMsid AS currentMsid, gi_PreviousMsid AS previousMsid, gi_SwitchingMsids AS switchingMsids
FROM dbo.SSOX_GlobalInfo WITH (HOLDLOCK) WHERE gi_id = 1;`,
  listApplications: String.raw`SELECT TOP (@limit) a.ai_app_name AS name, a.ai_description AS description, a.ai_contact AS contact,
  a.ai_user_group_name AS userGroup, a.ai_admin_group_name AS adminGroup, a.ai_flags AS flags,
  a.ai_kind AS kind, a.ai_num_fields AS numFields,
  (SELECT COUNT_BIG(*) FROM dbo.SSOX_IndividualMapping AS m
    WHERE m.im_app_name = a.ai_app_name AND m.im_windows_domain_name = @domain) AS identifierCount
FROM dbo.SSOX_ApplicationInfo AS a
WHERE a.ai_app_name > @after AND a.ai_app_name LIKE @pattern ESCAPE '\'
ORDER BY a.ai_app_name;`,
  getApplication: String.raw`SELECT a.ai_app_name AS name, a.ai_description AS description, a.ai_contact AS contact,
  a.ai_user_group_name AS userGroup, a.ai_admin_group_name AS adminGroup, a.ai_flags AS flags,
  a.ai_kind AS kind, a.ai_num_fields AS numFields,
  (SELECT COUNT_BIG(*) FROM dbo.SSOX_IndividualMapping AS m
    WHERE m.im_app_name = a.ai_app_name AND m.im_windows_domain_name = @domain) AS identifierCount
FROM dbo.SSOX_ApplicationInfo AS a WHERE a.ai_app_name = @app;
SELECT fi_ordinal AS ordinal, fi_label AS label, fi_flags AS flags
FROM dbo.SSOX_FieldInfo WHERE fi_app_name = @app ORDER BY fi_ordinal;`,
  applicationName: String.raw`SELECT ai_app_name AS name FROM dbo.SSOX_ApplicationInfo WHERE ai_app_name = @app;`,
  insertApplication: String.raw`INSERT INTO dbo.SSOX_ApplicationInfo (ai_app_name, ai_description, ai_contact, ai_user_group_name,
  ai_admin_group_name, ai_flags, ai_num_fields, ai_kind)
VALUES (@app, @description, @contact, @userGroup, @adminGroup, @flags, @numFields, @kind);`,
  insertField: String.raw`INSERT INTO dbo.SSOX_FieldInfo (fi_app_name, fi_ordinal, fi_label, fi_flags) VALUES (@app, @ordinal, @label, @flags);`,
  deleteApplication: String.raw`DELETE FROM dbo.SSOX_ApplicationInfo WHERE ai_app_name = @app;`,
  setApplicationFlags: String.raw`UPDATE dbo.SSOX_ApplicationInfo SET ai_flags = @flags WHERE ai_app_name = @app;`,
  lockApplication: String.raw`SELECT a.ai_app_name AS name FROM dbo.SSOX_ApplicationInfo AS a WITH (UPDLOCK, HOLDLOCK) WHERE a.ai_app_name = @app;
SELECT fi_ordinal AS ordinal, fi_label AS label, fi_flags AS flags
FROM dbo.SSOX_FieldInfo WHERE fi_app_name = @app ORDER BY fi_ordinal;`,
  lockRows: String.raw`SELECT COUNT_BIG(*) AS n, MAX(ec_row_version) AS maxVersion
FROM dbo.SSOX_ExternalCredentials WITH (UPDLOCK, HOLDLOCK)
WHERE ec_app_name = @app AND ec_windows_domain_name = @domain;`,
  deleteFields: String.raw`DELETE FROM dbo.SSOX_FieldInfo WHERE fi_app_name = @app;`,
  setNumFields: String.raw`UPDATE dbo.SSOX_ApplicationInfo SET ai_num_fields = @numFields WHERE ai_app_name = @app;`,
  listIdentifiers: String.raw`SELECT TOP (@limit) ec_app_name AS application, ec_windows_user_name AS identifier,
  ec_row_version AS [timestamp], ec_modified_at AS modifiedAt
FROM dbo.SSOX_ExternalCredentials
WHERE ec_app_name = @app AND ec_windows_domain_name = @domain
  AND ec_windows_user_name > @after AND ec_windows_user_name LIKE @pattern ESCAPE '\'
ORDER BY ec_windows_user_name;`,
  searchApplications: String.raw`SELECT TOP (@limit) ai_app_name AS application, ai_kind AS kind
FROM dbo.SSOX_ApplicationInfo WHERE ai_app_name LIKE @pattern ESCAPE '\'
ORDER BY ai_app_name;`,
  searchIdentifiers: String.raw`SELECT TOP (@limit) m.im_app_name AS application, a.ai_kind AS kind, m.im_windows_user_name AS identifier
FROM dbo.SSOX_IndividualMapping AS m JOIN dbo.SSOX_ApplicationInfo AS a ON a.ai_app_name = m.im_app_name
WHERE m.im_windows_domain_name = @domain AND m.im_windows_user_name LIKE @pattern ESCAPE '\'
ORDER BY m.im_app_name, m.im_windows_domain_name, m.im_windows_user_name;`,
  getCredentials: String.raw`SELECT ec_app_name AS application, ec_windows_user_name AS identifier, ec_msid AS msid,
  ec_credentials AS ciphertext, ec_row_version AS [timestamp], ec_modified_at AS modifiedAt
FROM dbo.SSOX_ExternalCredentials WHERE ec_app_name = @app AND ec_windows_domain_name = @domain AND ec_windows_user_name = @identifier;`,
  listCredentials: String.raw`SELECT TOP (@limit) ec_app_name AS application, ec_windows_user_name AS identifier, ec_msid AS msid,
  ec_credentials AS ciphertext, ec_row_version AS [timestamp], ec_modified_at AS modifiedAt
FROM dbo.SSOX_ExternalCredentials
WHERE ec_app_name = @app AND ec_windows_domain_name = @domain AND ec_windows_user_name > @after
ORDER BY ec_windows_user_name;`,
  insertMapping: String.raw`INSERT INTO dbo.SSOX_IndividualMapping (im_app_name, im_windows_domain_name, im_windows_user_name,
  im_external_user_name, im_flags)
OUTPUT inserted.im_app_name AS application
SELECT a.ai_app_name, @domain, @identifier, @identifier, 0 FROM dbo.SSOX_ApplicationInfo AS a WHERE a.ai_app_name = @app;`,
  insertCredentials: String.raw`INSERT INTO dbo.SSOX_ExternalCredentials (ec_app_name, ec_windows_domain_name, ec_windows_user_name,
  ec_msid, ec_credentials, ec_row_version, ec_modified_at)
OUTPUT inserted.ec_app_name AS application, inserted.ec_windows_user_name AS identifier,
  inserted.ec_row_version AS [timestamp], inserted.ec_modified_at AS modifiedAt
VALUES (@app, @domain, @identifier, @msid, @ciphertext, NEXT VALUE FOR dbo.SSOX_RowVersionSeq, @now);`,
  updateCredentials: String.raw`UPDATE dbo.SSOX_ExternalCredentials SET
  ec_msid = @msid, ec_credentials = @ciphertext, ec_row_version = NEXT VALUE FOR dbo.SSOX_RowVersionSeq,
  ec_modified_at = CASE WHEN @now > ec_modified_at THEN @now ELSE ec_modified_at + 1 END
OUTPUT inserted.ec_app_name AS application, inserted.ec_windows_user_name AS identifier,
  inserted.ec_row_version AS [timestamp], inserted.ec_modified_at AS modifiedAt
WHERE ec_app_name = @app AND ec_windows_domain_name = @domain AND ec_windows_user_name = @identifier AND ec_row_version = @expected;`,
  credentialsState: String.raw`SELECT
  (SELECT COUNT_BIG(*) FROM dbo.SSOX_ApplicationInfo WHERE ai_app_name = @app) AS applications,
  (SELECT COUNT_BIG(*) FROM dbo.SSOX_ExternalCredentials WHERE ec_app_name = @app AND ec_windows_domain_name = @domain AND ec_windows_user_name = @identifier) AS mappings;`,
  deleteCredentials: String.raw`DELETE FROM dbo.SSOX_ExternalCredentials WHERE ec_app_name = @app AND ec_windows_domain_name = @domain AND ec_windows_user_name = @identifier AND ec_row_version = @expected;`,
  deleteMapping: String.raw`DELETE FROM dbo.SSOX_IndividualMapping
WHERE im_app_name = @app AND im_windows_domain_name = @domain AND im_windows_user_name = @identifier;`,
  listRowsNotUnder: String.raw`SELECT TOP (@limit) ec_app_name AS application, ec_windows_user_name AS identifier, ec_msid AS msid,
  ec_credentials AS ciphertext, ec_row_version AS [timestamp], ec_modified_at AS modifiedAt
FROM dbo.SSOX_ExternalCredentials WHERE ec_msid <> @msid
ORDER BY ec_msid, ec_app_name, ec_windows_domain_name, ec_windows_user_name;`,
  countRowsBySecret: String.raw`SELECT msid, SUM(n) AS n FROM (
  SELECT ec_msid AS msid, COUNT_BIG(*) AS n FROM dbo.SSOX_ExternalCredentials WHERE ec_msid <> @msid GROUP BY ec_msid
  UNION ALL SELECT ch_msid, COUNT_BIG(*) FROM dbo.SSOX_ConfigHistory WHERE ch_msid <> @msid GROUP BY ch_msid
) AS counts GROUP BY msid ORDER BY msid;`,
  reencryptRow: String.raw`UPDATE dbo.SSOX_ExternalCredentials SET ec_msid = @msid, ec_credentials = @ciphertext
WHERE ec_app_name = @app AND ec_windows_domain_name = @domain AND ec_windows_user_name = @identifier AND ec_row_version = @expected;`,
  insertHistory: String.raw`INSERT INTO dbo.SSOX_ConfigHistory (ch_app_name, ch_identifier, ch_version, ch_msid, ch_credentials,
  ch_modified_at, ch_saved_at, ch_saved_by, ch_change, ch_changed_fields)
SELECT ec_app_name, ec_windows_user_name,
  COALESCE((SELECT MAX(last.v) FROM (
    SELECT MAX(h.ch_version) FROM dbo.SSOX_ConfigHistory AS h WITH (UPDLOCK, HOLDLOCK) WHERE h.ch_app_name = @app AND h.ch_identifier = @identifier
    UNION ALL
    SELECT n.hn_last_version FROM dbo.SSOX_ConfigHistoryNumber AS n WITH (UPDLOCK, HOLDLOCK) WHERE n.hn_app_name = @app AND n.hn_identifier = @identifier
  ) AS last (v)), 0) + 1,
  ec_msid, ec_credentials, ec_modified_at, @now, @savedBy, @change, @changedFields
FROM dbo.SSOX_ExternalCredentials WITH (UPDLOCK, HOLDLOCK)
WHERE ec_app_name = @app AND ec_windows_domain_name = @domain AND ec_windows_user_name = @identifier AND ec_row_version = @expected;`,
  pruneHistory: String.raw`DELETE FROM dbo.SSOX_ConfigHistory WHERE ch_app_name = @app AND ch_identifier = @identifier
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
  listHistory: String.raw`SELECT TOP (@limit) ch_app_name AS application, ch_identifier AS identifier, ch_version AS version,
  ch_modified_at AS modifiedAt, ch_saved_at AS savedAt, ch_saved_by AS savedBy, ch_change AS changeKind,
  ch_changed_fields AS changedFields FROM dbo.SSOX_ConfigHistory
WHERE ch_app_name = @app AND ch_identifier = @identifier AND ch_version < @before
ORDER BY ch_version DESC;`,
  historyVersion: String.raw`SELECT ch_app_name AS application, ch_identifier AS identifier, ch_version AS version,
  ch_modified_at AS modifiedAt, ch_saved_at AS savedAt, ch_saved_by AS savedBy, ch_change AS changeKind,
  ch_changed_fields AS changedFields, ch_msid AS msid, ch_credentials AS ciphertext FROM dbo.SSOX_ConfigHistory
WHERE ch_app_name = @app AND ch_identifier = @identifier AND ch_version = @version;`,
  historyNotUnder: String.raw`SELECT TOP (@limit) ch_app_name AS application, ch_identifier AS identifier, ch_version AS version,
  ch_modified_at AS modifiedAt, ch_saved_at AS savedAt, ch_saved_by AS savedBy, ch_change AS changeKind,
  ch_changed_fields AS changedFields, ch_msid AS msid, ch_credentials AS ciphertext FROM dbo.SSOX_ConfigHistory
WHERE ch_msid <> @msid ORDER BY ch_msid, ch_id;`,
  reencryptHistory: String.raw`UPDATE dbo.SSOX_ConfigHistory SET ch_msid = @msid, ch_credentials = @ciphertext
WHERE ch_app_name = @app AND ch_identifier = @identifier AND ch_version = @version AND ch_msid = @expectedMsid;`,
  insertAudit: String.raw`INSERT INTO dbo.SSOX_AuditTable (au_at, au_user, au_action, au_outcome, au_app_name, au_identifier, au_fields, au_detail)
VALUES (@at, @user, @action, @outcome, @application, @identifier, @fields, @detail);`,
  listAudit: String.raw`SELECT TOP (@limit) au_id AS id, au_at AS at, au_user AS [user], au_action AS action, au_outcome AS outcome,
  au_app_name AS application, au_identifier AS identifier, au_fields AS fields, au_detail AS detail
FROM dbo.SSOX_AuditTable WHERE au_id < @before ORDER BY au_id DESC;`,
  pruneAudit: String.raw`DELETE FROM dbo.SSOX_AuditTable WHERE au_id IN (
  SELECT oldest.au_id FROM (SELECT TOP (@limit) au_id, au_at FROM dbo.SSOX_AuditTable ORDER BY au_id) AS oldest
  WHERE oldest.au_id <= (SELECT COALESCE(MAX(au_id), 0) FROM dbo.SSOX_AuditTable) - @maxRows OR oldest.au_at < @cutoff);`,
  takeLease: String.raw`UPDATE dbo.SSOX_MssLease WITH (UPDLOCK, HOLDLOCK) SET
  ml_epoch = CASE WHEN ml_holder = @node THEN ml_epoch ELSE ml_epoch + 1 END,
  ml_taken_at = CASE WHEN ml_holder = @node THEN ml_taken_at ELSE DATEDIFF_BIG(MILLISECOND, '19700101', SYSUTCDATETIME()) END,
  ml_holder = @node,
  ml_expires_at = DATEDIFF_BIG(MILLISECOND, '19700101', SYSUTCDATETIME()) + @ttl
WHERE ml_id = 1 AND (ml_holder IS NULL OR ml_holder = @node OR DATEDIFF_BIG(MILLISECOND, '19700101', SYSUTCDATETIME()) > ml_expires_at + @grace);
SELECT ml_holder AS holder, ml_expires_at AS expiresAt, ml_epoch AS epoch, ml_taken_at AS takenAt FROM dbo.SSOX_MssLease WHERE ml_id = 1;`,
  getLease: String.raw`SELECT ml_holder AS holder, ml_expires_at AS expiresAt, ml_epoch AS epoch, ml_taken_at AS takenAt FROM dbo.SSOX_MssLease WHERE ml_id = 1;`,
  releaseLease: String.raw`UPDATE dbo.SSOX_MssLease SET ml_holder = NULL, ml_expires_at = 0 WHERE ml_id = 1 AND ml_holder = @node;`,
  upsertMssNode: String.raw`UPDATE dbo.SSOX_MssNodes WITH (UPDLOCK, HOLDLOCK) SET mn_role = @role, mn_last_seen = @seen, mn_last_takeover = COALESCE(@takeover, mn_last_takeover) WHERE mn_name = @name;
IF @@ROWCOUNT = 0 INSERT INTO dbo.SSOX_MssNodes (mn_name, mn_role, mn_last_seen, mn_last_takeover) VALUES (@name, @role, @seen, @takeover);`,
  listMssNodes: String.raw`SELECT mn_name AS name, mn_role AS role, mn_last_seen AS lastSeenAt, mn_last_takeover AS lastTakeoverAt FROM dbo.SSOX_MssNodes ORDER BY mn_name;`,
};

// ---------------------------------------------------------------- a fake pool that records

type Param = [name: string, type: string, value: unknown];
type Sent =
  | { via: 'pool' | 'tx'; method: 'query' | 'batch'; statement: string; params: Param[] }
  | { via: 'tx'; event: 'begin' | 'commit' | 'rollback' };
type Reply = (statement: string, params: Param[]) => Partial<MssqlResult> | undefined;

/** The statement's name in MSSQL_SQL (or 'schema#n'), so that failures read well. */
function statementName(text: string): string {
  const name = (Object.keys(MSSQL_SQL) as (keyof typeof MSSQL_SQL)[]).find((key) => MSSQL_SQL[key] === text);
  if (name) return name;
  if (text === MSSQL_REDACT_OLD_SEARCH_TEXT) return 'redactOldSearchText';
  if (text === MSSQL_OLD_SEARCH_TEXT_STATE) return 'oldSearchTextState';
  if (text === MSSQL_MARK_OLD_SEARCH_TEXT_REDACTED) return 'markOldSearchTextRedacted';
  const batch = MSSQL_SCHEMA_BATCHES.indexOf(text);
  return batch >= 0 ? `schema#${batch}` : `UNKNOWN SQL: ${text}`;
}

function describeType(type: Mssql.ISqlType): string {
  const { name } = type.type as unknown as { name: string };
  const length = (type as { length?: number }).length;
  return length === undefined ? name : `${name}(${length === sql.MAX ? 'MAX' : length})`;
}

class FakeDriver {
  readonly sent: Sent[] = [];
  private replies: Reply[] = [];

  /** Replies are consulted in order; the first that returns something answers (an Error is thrown). */
  reply(...replies: Reply[]): this {
    this.replies.push(...replies);
    return this;
  }

  readonly pool: MssqlPool = {
    request: () => this.request('pool'),
    transaction: () => this.transaction(),
    close: async () => undefined,
  };

  private request(via: 'pool' | 'tx'): MssqlRequest {
    const params: Param[] = [];
    const run = async (method: 'query' | 'batch', text: string): Promise<MssqlResult> => {
      const statement = statementName(text);
      this.sent.push({ via, method, statement, params });
      for (const reply of this.replies) {
        const answer = reply(statement, params);
        if (answer instanceof Error) throw answer;
        if (answer) return { rowsAffected: [0], recordset: [], recordsets: [answer.recordset ?? []], ...answer };
      }
      return { rowsAffected: [0], recordset: [], recordsets: [[]] };
    };
    const request: MssqlRequest = {
      input: (name, type, value) => {
        params.push([name, describeType(type), value]);
        return request;
      },
      query: (text) => run('query', text),
      batch: (text) => run('batch', text),
    };
    return request;
  }

  private transaction(): MssqlTransaction {
    return {
      begin: async () => this.sent.push({ via: 'tx', event: 'begin' }),
      commit: async () => void this.sent.push({ via: 'tx', event: 'commit' }),
      rollback: async () => void this.sent.push({ via: 'tx', event: 'rollback' }),
      request: () => this.request('tx'),
    };
  }

  store(): SsoStore {
    return createMssqlStore({ pool: this.pool, types });
  }

  /** What was sent, with `now` (the clock) replaced by a marker once checked to be current. */
  log(): Sent[] {
    return this.sent.map((entry) => {
      if (!('params' in entry)) return entry;
      const params = entry.params.map(([name, type, value]): Param => {
        if (name !== 'now') return [name, type, value];
        assert.ok(typeof value === 'number' && Math.abs(value - Date.now()) < 60_000, '@now is the current time in ms');
        return [name, type, 'NOW'];
      });
      return { ...entry, params };
    });
  }
}

const on =
  (statement: string, answer: Partial<MssqlResult> | Error): Reply =>
  (sent) =>
    sent === statement ? (answer as Partial<MssqlResult>) : undefined;
const once = (statement: string, answer: Partial<MssqlResult> | Error): Reply => {
  let used = false;
  return (sent) => {
    if (used || sent !== statement) return undefined;
    used = true;
    return answer as Partial<MssqlResult>;
  };
};
const driverError = (number: number): Error => Object.assign(new Error(`driver message quoting (key value 'S3cr3t')`), { number, code: 'EREQUEST', name: 'RequestError' });

const pool = (statement: string, params: Param[] = []): Sent => ({ via: 'pool', method: 'query', statement, params });
const tx = (statement: string, params: Param[] = []): Sent => ({ via: 'tx', method: 'query', statement, params });
const BEGIN: Sent = { via: 'tx', event: 'begin' };
const COMMIT: Sent = { via: 'tx', event: 'commit' };

const NAME = 'NVarChar(256)';
const PATTERN = 'NVarChar(514)';
const MSID = 'NVarChar(64)';
const DOMAIN: Param = ['domain', NAME, '$ConfigStore$'];
const key = (application: string, identifier: string): Param[] => [['app', NAME, application], DOMAIN, ['identifier', NAME, identifier]];

// ---------------------------------------------------------------- golden tests

describe('SQL Server adapter: golden SQL and parameters', () => {
  it('pins the text of every statement', () => {
    assert.deepEqual(Object.keys(MSSQL_SQL).sort(), Object.keys(GOLDEN_SQL).sort());
    for (const [name, text] of Object.entries(GOLDEN_SQL)) assert.equal(MSSQL_SQL[name as keyof typeof MSSQL_SQL], text, name);
  });

  it('init runs the idempotent schema batches in order, as batches, then rewrites the audit rows of an earlier find by value above the mark and moves the mark, in one transaction', async () => {
    const fake = new FakeDriver().reply(on('oldSearchTextState', { recordset: [{ mark: '40', lastId: '57', mayMark: 1 }] }));
    await fake.store().init();
    assert.deepEqual(fake.log(), [
      ...MSSQL_SCHEMA_BATCHES.map((_, i): Sent => ({ via: 'pool', method: 'batch', statement: `schema#${i}`, params: [] })),
      pool('oldSearchTextState'),
      BEGIN,
      tx('redactOldSearchText', [
        ['after', 'BigInt', 40],
        ['upTo', 'BigInt', 57],
        ['textDetail', 'NVarChar(MAX)', REDACTED_SEARCH_DETAIL.text],
        ['regexDetail', 'NVarChar(MAX)', REDACTED_SEARCH_DETAIL.regex],
      ]),
      tx('markOldSearchTextRedacted', [['upTo', 'BigInt', 57]]),
      COMMIT,
    ]);
  });

  it('init sends no UPDATE when no audit row came after the mark; from the first row when there is no mark, or ids went back below it', async () => {
    const upToDate = new FakeDriver().reply(on('oldSearchTextState', { recordset: [{ mark: '57', lastId: '57', mayMark: 1 }] }));
    await upToDate.store().init();
    assert.deepEqual(upToDate.log().slice(MSSQL_SCHEMA_BATCHES.length), [pool('oldSearchTextState')]);
    for (const mark of [null, '1000']) {
      const fake = new FakeDriver().reply(on('oldSearchTextState', { recordset: [{ mark, lastId: '57', mayMark: 1 }] }));
      await fake.store().init();
      const update = fake.log().find((entry) => 'statement' in entry && entry.statement === 'redactOldSearchText');
      assert.deepEqual(update && 'params' in update ? update.params.slice(0, 2) : undefined, [['after', 'BigInt', 0], ['upTo', 'BigInt', 57]], `mark ${mark}`);
    }
  });

  it('init runs the schema again when another process created an object first', async () => {
    const fake = new FakeDriver().reply(once('schema#2', driverError(2714)), on('oldSearchTextState', { recordset: [{ mark: null, lastId: '3', mayMark: 1 }] }));
    await fake.store().init();
    // The failed batch, the schema again, then the mark's state and the rewrite's transaction (5).
    assert.equal(fake.sent.length, 3 + MSSQL_SCHEMA_BATCHES.length + 5);
  });

  it('ping and global info', async () => {
    const row = {
      secretServer: 'mss:7443', adminGroup: 'SSO Administrators', currentMsid: 'm2', previousMsid: null,
      secretCreatedAt: null, lastBackupAt: '2024-01-01T00:00:00.000Z', lastVerifiedBackupAt: null, switchingMsids: 'm2 m1', timestamp: '42',
    };
    const fake = new FakeDriver().reply(on('getGlobalInfo', { recordset: [row] }), on('updateGlobalInfo', { recordset: [{ ...row, timestamp: '43' }] }));
    const store = fake.store();
    await store.ping();
    assert.deepEqual(await store.getGlobalInfo(), row);
    assert.equal((await store.updateGlobalInfo({ secretServer: 'mss:7443', previousMsid: null, lastBackupAt: undefined })).timestamp, '43');
    assert.deepEqual(fake.log(), [
      pool('ping'),
      pool('getGlobalInfo'),
      pool('updateGlobalInfo', [
        ['setSecretServer', 'Bit', true], ['secretServer', NAME, 'mss:7443'],
        ['setAdminGroup', 'Bit', false], ['adminGroup', NAME, null],
        ['setCurrentMsid', 'Bit', false], ['currentMsid', MSID, null],
        ['setPreviousMsid', 'Bit', true], ['previousMsid', MSID, null],
        ['setSecretCreatedAt', 'Bit', false], ['secretCreatedAt', 'NVarChar(40)', null],
        ['setLastBackupAt', 'Bit', false], ['lastBackupAt', 'NVarChar(40)', null],
        ['setLastVerifiedBackupAt', 'Bit', false], ['lastVerifiedBackupAt', 'NVarChar(40)', null],
        ['setSwitchingMsids', 'Bit', false], ['switchingMsids', 'NVarChar(256)', null],
        ['leaseHolder', NAME, null],
      ]),
    ]);
  });

  it('a publication fenced by the lease: the holder is sent, and no row updated is the lease-not-held refusal', async () => {
    const row = {
      secretServer: 'mss:7443', adminGroup: 'SSO Administrators', currentMsid: 'm2', previousMsid: null,
      secretCreatedAt: null, lastBackupAt: null, lastVerifiedBackupAt: null, timestamp: '44',
    };
    const held = new FakeDriver().reply(on('updateGlobalInfo', { recordset: [row] }));
    assert.equal((await held.store().updateGlobalInfo({ secretServer: 'mss:7443' }, { leaseHolder: 'mss:7443' })).timestamp, '44');
    const sent = held.log().at(-1);
    assert.deepEqual(sent && 'params' in sent ? sent.params.at(-1) : undefined, ['leaseHolder', NAME, 'mss:7443']);
    const lost = new FakeDriver().reply(on('updateGlobalInfo', { recordset: [] }));
    const refused = await expectSsoError(lost.store().updateGlobalInfo({ secretServer: 'mss:7443' }, { leaseHolder: 'mss:7443' }), 'ENTSSO_E_MSS_UNREACHABLE');
    assert.equal(refused.details.reason, 'lease-not-held');
    const unfenced = new FakeDriver().reply(on('updateGlobalInfo', { recordset: [] }));
    await expectSsoError(unfenced.store().updateGlobalInfo({ lastBackupAt: null }), 'ENTSSO_E_SSODB_UNREACHABLE');
  });

  it('lists and reads applications', async () => {
    const appRow = { name: 'Orders', description: 'd', contact: 'c', userGroup: 'u', adminGroup: 'a', flags: 0x100002, kind: 'configStore', numFields: 2, identifierCount: '3' };
    const fake = new FakeDriver().reply(
      on('listApplications', { recordset: [appRow] }),
      on('getApplication', { recordsets: [[appRow], [{ ordinal: 0, label: 'dummy', flags: 0 }, { ordinal: 1, label: 'Pwd', flags: 0x10000000 }]] }),
    );
    const store = fake.store();
    const listed = await store.listApplications({ filter: "50%_[x]'\\", after: 'Alpha', limit: 100 });
    assert.equal(listed[0]!.identifierCount, 3, 'COUNT_BIG comes back as a string');
    const read = await store.getApplication('orders');
    assert.deepEqual(read!.fields, [{ ordinal: 0, label: 'dummy', masked: false }, { ordinal: 1, label: 'Pwd', masked: true }]);
    await store.listApplications({ limit: 5 });
    assert.deepEqual(fake.log(), [
      pool('listApplications', [['limit', 'Int', 100], DOMAIN, ['after', NAME, 'Alpha'], ['pattern', PATTERN, "%50\\%\\_\\[x]'\\\\%"]]),
      pool('getApplication', [['app', NAME, 'orders'], DOMAIN]),
      pool('listApplications', [['limit', 'Int', 5], DOMAIN, ['after', NAME, ''], ['pattern', PATTERN, '%%']]),
    ]);
  });

  it('creates an application and its fields in one transaction', async () => {
    const fake = new FakeDriver();
    await fake.store().createApplication(app('Orders', { fields: [{ label: 'dummy', masked: false }, { label: 'Pwd', masked: true }] }));
    assert.deepEqual(fake.log(), [
      BEGIN,
      tx('insertApplication', [
        ['app', NAME, 'Orders'], ['description', 'NVarChar(1024)', 'Description of Orders'], ['contact', NAME, 'BizTalkAdmin@contoso.com'],
        ['userGroup', NAME, 'BizTalk Application Users'], ['adminGroup', NAME, 'SSO Administrators'], ['flags', 'Int', 0x100002],
        ['numFields', 'Int', 2], ['kind', NAME, 'configStore'],
      ]),
      tx('insertField', [['app', NAME, 'Orders'], ['ordinal', 'Int', 0], ['label', NAME, 'dummy'], ['flags', 'Int', 0]]),
      tx('insertField', [['app', NAME, 'Orders'], ['ordinal', 'Int', 1], ['label', NAME, 'Pwd'], ['flags', 'Int', 0x10000000]]),
      COMMIT,
    ]);
  });

  it('a duplicate name rolls back and reports ENTSSO_E_APPLICATION_EXISTS', async () => {
    const fake = new FakeDriver().reply(on('insertApplication', driverError(2627)));
    await expectSsoError(fake.store().createApplication(app('Orders')), 'ENTSSO_E_APPLICATION_EXISTS');
    assert.deepEqual(fake.log().map((s) => ('event' in s ? s.event : s.statement)), ['begin', 'insertApplication', 'rollback']);
  });

  it('deletes an application and sets flags, reading rowsAffected', async () => {
    const fake = new FakeDriver().reply(on('deleteApplication', { rowsAffected: [1] }));
    const store = fake.store();
    await store.deleteApplication('Orders');
    await expectSsoError(store.setApplicationFlags('Orders', 2), 'ENTSSO_E_APPLICATION_NOT_FOUND');
    assert.deepEqual(fake.log(), [pool('deleteApplication', [['app', NAME, 'Orders']]), pool('setApplicationFlags', [['app', NAME, 'Orders'], ['flags', 'Int', 2]])]);
  });

  it('lists identifiers; an empty page checks that the application exists', async () => {
    const fake = new FakeDriver();
    await expectSsoError(fake.store().listIdentifiers('Gone', { limit: 20, after: 'id9', filter: 'x' }), 'ENTSSO_E_APPLICATION_NOT_FOUND');
    assert.deepEqual(fake.log(), [
      pool('listIdentifiers', [['limit', 'Int', 20], ['app', NAME, 'Gone'], DOMAIN, ['after', NAME, 'id9'], ['pattern', PATTERN, '%x%']]),
      pool('applicationName', [['app', NAME, 'Gone']]),
    ]);
  });

  it('searches applications, then identifiers with the room left', async () => {
    const fake = new FakeDriver().reply(on('searchApplications', { recordset: [{ application: 'Beta', kind: 'configStore' }] }));
    await fake.store().search('be', 10);
    assert.deepEqual(fake.log(), [
      pool('searchApplications', [['limit', 'Int', 10], ['pattern', PATTERN, '%be%']]),
      pool('searchIdentifiers', [['limit', 'Int', 9], DOMAIN, ['pattern', PATTERN, '%be%']]),
    ]);
  });

  it('reads credentials', async () => {
    const blob = Buffer.from([1, 2, 3]);
    const fake = new FakeDriver().reply(
      on('getCredentials', { recordset: [{ application: 'Orders', identifier: 'Cfg', msid: 'm1', ciphertext: blob, timestamp: '9', modifiedAt: '1700000000000' }] }),
    );
    assert.deepEqual(await fake.store().getCredentials('orders', 'cfg'), {
      application: 'Orders', identifier: 'Cfg', msid: 'm1', ciphertext: blob, timestamp: '9', modifiedAt: 1_700_000_000_000,
    });
    assert.deepEqual(fake.log(), [pool('getCredentials', key('orders', 'cfg'))]);
  });

  it('creates credentials: the mapping under the stored application name, then the row with a new version', async () => {
    const blob = Buffer.from('ciphertext');
    const fake = new FakeDriver().reply(
      on('insertMapping', { recordset: [{ application: 'Orders' }] }),
      on('insertCredentials', { recordset: [{ application: 'Orders', identifier: 'Cfg', timestamp: '7', modifiedAt: '1700000000001' }] }),
    );
    const row = await fake.store().putCredentials('orders', 'Cfg', null, 'm1', blob);
    assert.deepEqual(row, { application: 'Orders', identifier: 'Cfg', msid: 'm1', timestamp: '7', modifiedAt: 1_700_000_000_001 });
    assert.deepEqual(fake.log(), [
      BEGIN,
      tx('publishedSecrets'),
      tx('insertMapping', key('orders', 'Cfg')),
      tx('insertCredentials', [...key('Orders', 'Cfg'), ['msid', MSID, 'm1'], ['ciphertext', 'VarBinary(MAX)', blob], ['now', 'BigInt', 'NOW']]),
      COMMIT,
    ]);
  });

  it('create: missing application, existing row, application deleted meanwhile', async () => {
    const missing = new FakeDriver();
    await expectSsoError(missing.store().putCredentials('Gone', 'Cfg', null, 'm1', Buffer.from('x')), 'ENTSSO_E_APPLICATION_NOT_FOUND');
    assert.deepEqual(missing.log().map((s) => ('event' in s ? s.event : s.statement)), ['begin', 'publishedSecrets', 'insertMapping', 'rollback']);

    const exists = new FakeDriver().reply(on('insertMapping', driverError(2601)));
    await expectSsoError(exists.store().putCredentials('Orders', 'Cfg', null, 'm1', Buffer.from('x')), 'ENTSSO_E_CONFLICT');

    const raced = new FakeDriver().reply(on('insertMapping', { recordset: [{ application: 'Orders' }] }), on('insertCredentials', driverError(547)));
    await expectSsoError(raced.store().putCredentials('Orders', 'Cfg', null, 'm1', Buffer.from('x')), 'ENTSSO_E_APPLICATION_NOT_FOUND');
  });

  it('updates credentials only at the expected version', async () => {
    const blob = Buffer.from('v2');
    const fake = new FakeDriver().reply(
      once('updateCredentials', { recordset: [{ application: 'Orders', identifier: 'Cfg', timestamp: '8', modifiedAt: '1700000000002' }] }),
    );
    const store = fake.store();
    assert.equal((await store.putCredentials('Orders', 'Cfg', '7', 'm1', blob)).timestamp, '8');
    assert.deepEqual(fake.log(), [
      BEGIN,
      tx('publishedSecrets'),
      tx('updateCredentials', [...key('Orders', 'Cfg'), ['msid', MSID, 'm1'], ['ciphertext', 'VarBinary(MAX)', blob], ['now', 'BigInt', 'NOW'], ['expected', 'BigInt', '7']]),
      COMMIT,
    ]);
  });

  it('the secret fence reads the restore\'s intent in the write\'s transaction: a secret it drops is refused, nothing is written', async () => {
    const fake = new FakeDriver().reply(on('publishedSecrets', { recordset: [{ currentMsid: 'm1', previousMsid: null, switchingMsids: 'm2 m3' }] }));
    const error = await expectSsoError(fake.store().putCredentials('Orders', 'Cfg', null, 'm1', Buffer.from('x')), 'ENTSSO_E_NO_SECRET');
    assert.deepEqual([error.details.reason, error.details.restoreInProgress], ['secret-not-current', true]);
    assert.deepEqual(fake.log().map((s) => ('event' in s ? s.event : s.statement)), ['begin', 'publishedSecrets', 'rollback']);
    const kept = new FakeDriver().reply(
      on('publishedSecrets', { recordset: [{ currentMsid: 'm1', previousMsid: null, switchingMsids: 'm2 m1' }] }),
      on('insertMapping', { recordset: [{ application: 'Orders' }] }),
      on('insertCredentials', { recordset: [{ application: 'Orders', identifier: 'Cfg', timestamp: '7', modifiedAt: '1700000000001' }] }),
    );
    assert.equal((await kept.store().putCredentials('Orders', 'Cfg', null, 'm1', Buffer.from('x'))).msid, 'm1', 'a secret the restore keeps');
  });

  it('a refused update says why: application gone, row gone, or row changed', async () => {
    const cases: [Record<string, string>, string, string][] = [
      [{ applications: '0', mappings: '0' }, 'ENTSSO_E_APPLICATION_NOT_FOUND', ''],
      [{ applications: '1', mappings: '0' }, 'ENTSSO_E_CONFLICT', 'gone'],
      [{ applications: '1', mappings: '1' }, 'ENTSSO_E_CONFLICT', 'changed'],
    ];
    for (const [state, code, reason] of cases) {
      const fake = new FakeDriver().reply(on('credentialsState', { recordset: [state] }));
      const error = await expectSsoError(fake.store().putCredentials('Orders', 'Cfg', '7', 'm1', Buffer.from('x')), code as never);
      if (reason) assert.equal(error.details.reason, reason);
      assert.deepEqual(fake.log().map((s) => ('event' in s ? s.event : s.statement)), ['begin', 'publishedSecrets', 'updateCredentials', 'commit', 'credentialsState']);
    }
    const malformed = new FakeDriver().reply(on('credentialsState', { recordset: [{ applications: '1', mappings: '1' }] }));
    await expectSsoError(malformed.store().putCredentials('Orders', 'Cfg', '12ab', 'm1', Buffer.from('x')), 'ENTSSO_E_CONFLICT');
    assert.deepEqual(malformed.log().map((s) => ('event' in s ? s.event : s.statement)), ['credentialsState'], 'a malformed version is never sent');
  });

  it('deletes credentials then the mapping in one transaction, only at the expected version', async () => {
    const fake = new FakeDriver().reply(once('deleteCredentials', { rowsAffected: [1] }), on('credentialsState', { recordset: [{ applications: '1', mappings: '0' }] }));
    const store = fake.store();
    await store.deleteCredentials('Orders', 'Cfg', '8');
    await expectSsoError(store.deleteCredentials('Orders', 'Cfg', '8'), 'ENTSSO_E_MAPPING_NOT_FOUND');
    assert.deepEqual(fake.log(), [
      BEGIN,
      tx('deleteCredentials', [...key('Orders', 'Cfg'), ['expected', 'BigInt', '8']]),
      tx('deleteMapping', key('Orders', 'Cfg')),
      COMMIT,
      BEGIN,
      tx('deleteCredentials', [...key('Orders', 'Cfg'), ['expected', 'BigInt', '8']]),
      COMMIT,
      pool('credentialsState', key('Orders', 'Cfg')),
    ]);
  });

  it('rotation: lists, counts, and re-encrypts a batch in one transaction', async () => {
    const fake = new FakeDriver().reply(
      on('countRowsBySecret', { recordset: [{ msid: 'm1', n: '2' }, { msid: 'm0', n: '1' }] }),
      once('reencryptRow', { rowsAffected: [1] }),
    );
    const store = fake.store();
    await store.listRowsNotUnder('m2', 500);
    assert.equal(await store.countRowsNotUnder('m2'), 3);
    const rows = [
      { application: 'A', identifier: 'x', expectedTimestamp: '5', msid: 'm2', ciphertext: Buffer.from('1') },
      { application: 'A', identifier: 'y', expectedTimestamp: '6', msid: 'm2', ciphertext: Buffer.from('2') },
      { application: 'A', identifier: 'z', expectedTimestamp: 'bad', msid: 'm2', ciphertext: Buffer.from('3') },
    ];
    assert.equal(await store.reencryptRows(rows), 1);
    assert.deepEqual(fake.log(), [
      pool('listRowsNotUnder', [['limit', 'Int', 500], ['msid', MSID, 'm2']]),
      pool('countRowsBySecret', [['msid', MSID, 'm2']]),
      BEGIN,
      tx('reencryptRow', [...key('A', 'x'), ['msid', MSID, 'm2'], ['ciphertext', 'VarBinary(MAX)', Buffer.from('1')], ['expected', 'BigInt', '5']]),
      tx('reencryptRow', [...key('A', 'y'), ['msid', MSID, 'm2'], ['ciphertext', 'VarBinary(MAX)', Buffer.from('2')], ['expected', 'BigInt', '6']]),
      COMMIT,
    ]);
  });

  it('history: an update keeps the replaced version, writes and prunes, in one transaction', async () => {
    const blob = Buffer.from('v2');
    const fake = new FakeDriver().reply(
      once('insertHistory', { rowsAffected: [1] }),
      once('updateCredentials', { recordset: [{ application: 'Orders', identifier: 'Cfg', timestamp: '8', modifiedAt: '1700000000002' }] }),
    );
    const note = { savedBy: 'bob via ssoctl', change: 'set' as const, changedFields: ['Pwd'], keep: 20, maxAgeMs: 86_400_000 };
    assert.equal((await fake.store().putCredentials('Orders', 'Cfg', '7', 'm1', blob, note)).timestamp, '8');
    const log = fake.log();
    const prune = log[4] as Extract<Sent, { params: Param[] }>;
    const oldest = prune.params.find(([name]) => name === 'oldest')!;
    assert.ok(Math.abs(Number(oldest[2]) - (Date.now() - 86_400_000)) < 60_000, '@oldest is now minus the age limit');
    assert.deepEqual(log, [
      BEGIN,
      tx('publishedSecrets'),
      tx('insertHistory', [...key('Orders', 'Cfg'), ['expected', 'BigInt', '7'], ['now', 'BigInt', 'NOW'], ['savedBy', NAME, 'bob via ssoctl'], ['change', NAME, 'set'], ['changedFields', 'NVarChar(MAX)', '["Pwd"]']]),
      tx('updateCredentials', [...key('Orders', 'Cfg'), ['msid', MSID, 'm1'], ['ciphertext', 'VarBinary(MAX)', blob], ['now', 'BigInt', 'NOW'], ['expected', 'BigInt', '7']]),
      tx('pruneHistory', [['app', NAME, 'Orders'], ['identifier', NAME, 'Cfg'], ['keep', 'Int', 20], ['oldest', 'BigInt', oldest[2]]]),
      COMMIT,
    ]);
  });

  it('history: no row at the expected version keeps nothing, writes nothing, and says why', async () => {
    const fake = new FakeDriver().reply(on('credentialsState', { recordset: [{ applications: '1', mappings: '1' }] }));
    const note = { savedBy: 'bob', change: 'set' as const, changedFields: [], keep: 20, maxAgeMs: 1000 };
    await expectSsoError(fake.store().putCredentials('Orders', 'Cfg', '7', 'm1', Buffer.from('x'), note), 'ENTSSO_E_CONFLICT');
    assert.deepEqual(fake.log().map((s) => ('event' in s ? s.event : s.statement)), ['begin', 'publishedSecrets', 'insertHistory', 'commit', 'credentialsState']);
  });

  it('history: a delete keeps the deleted version first, then deletes and prunes, in one transaction', async () => {
    const fake = new FakeDriver().reply(once('insertHistory', { rowsAffected: [1] }), once('deleteCredentials', { rowsAffected: [1] }));
    const note = { savedBy: 'bob', change: 'delete' as const, changedFields: [], keep: 5, maxAgeMs: 1000 };
    await fake.store().deleteCredentials('Orders', 'Cfg', '8', note);
    assert.deepEqual(fake.log().map((s) => ('event' in s ? s.event : s.statement)), ['begin', 'insertHistory', 'deleteCredentials', 'deleteMapping', 'pruneHistory', 'commit']);
  });

  it('history: lists versions newest first, reads one, re-encrypts a batch in one transaction', async () => {
    const row = { application: 'Orders', identifier: 'Cfg', version: 3, modifiedAt: '1700000000000', savedAt: '1700000000500', savedBy: 'bob', changeKind: 'set', changedFields: '["Pwd"]' };
    const fake = new FakeDriver().reply(
      on('listHistory', { recordset: [row] }),
      on('historyVersion', { recordset: [{ ...row, msid: 'm1', ciphertext: Buffer.from('c') }] }),
      once('reencryptHistory', { rowsAffected: [1] }),
    );
    const store = fake.store();
    assert.deepEqual(await store.listHistory('orders', 'cfg', { limit: 21 }), [
      { application: 'Orders', identifier: 'Cfg', version: 3, modifiedAt: 1_700_000_000_000, savedAt: 1_700_000_000_500, savedBy: 'bob', change: 'set', changedFields: ['Pwd'] },
    ]);
    await store.listHistory('orders', 'cfg', { limit: 21, before: 3 });
    assert.equal((await store.getHistoryVersion('orders', 'cfg', 3))!.msid, 'm1');
    await store.listHistoryNotUnder('m2', 100);
    const batch = [{ application: 'Orders', identifier: 'Cfg', version: 3, expectedMsid: 'm1', msid: 'm2', ciphertext: Buffer.from('n') }];
    assert.equal(await store.reencryptHistoryRows(batch), 1);
    assert.deepEqual(fake.log(), [
      pool('listHistory', [['limit', 'Int', 21], ['app', NAME, 'orders'], ['identifier', NAME, 'cfg'], ['before', 'Int', 0x7fffffff]]),
      pool('listHistory', [['limit', 'Int', 21], ['app', NAME, 'orders'], ['identifier', NAME, 'cfg'], ['before', 'Int', 3]]),
      pool('historyVersion', [['app', NAME, 'orders'], ['identifier', NAME, 'cfg'], ['version', 'Int', 3]]),
      pool('historyNotUnder', [['limit', 'Int', 100], ['msid', MSID, 'm2']]),
      BEGIN,
      tx('reencryptHistory', [['app', NAME, 'Orders'], ['identifier', NAME, 'Cfg'], ['version', 'Int', 3], ['expectedMsid', MSID, 'm1'], ['msid', MSID, 'm2'], ['ciphertext', 'VarBinary(MAX)', Buffer.from('n')]]),
      COMMIT,
    ]);
  });

  it('audit: append and list', async () => {
    const fake = new FakeDriver().reply(on('listAudit', { recordset: [{ id: '12', at: 't', user: 'u', action: 'a', outcome: 'ok', application: null, identifier: null, fields: '["F"]', detail: null }] }));
    const store = fake.store();
    await store.appendAudit({ user: 'CONTOSO\\bob', action: 'config.set', outcome: 'refused', application: 'A', fields: ['F'] });
    const listed = await store.listAudit({ limit: 50, before: 13 });
    assert.deepEqual(listed, [{ id: 12, at: 't', user: 'u', action: 'a', outcome: 'ok', fields: ['F'] }]);
    await store.listAudit({ limit: 50 });
    const [append, list, listFirst] = fake.log() as Extract<Sent, { params: Param[] }>[];
    assert.equal(append!.statement, 'insertAudit');
    const at = append!.params[0]!;
    assert.equal(at[1], 'NVarChar(40)');
    assert.ok(!Number.isNaN(Date.parse(String(at[2]))));
    assert.deepEqual(append!.params.slice(1), [
      ['user', NAME, 'CONTOSO\\bob'], ['action', NAME, 'config.set'], ['outcome', NAME, 'refused'],
      ['application', NAME, 'A'], ['identifier', NAME, null], ['fields', 'NVarChar(MAX)', '["F"]'], ['detail', 'NVarChar(MAX)', null],
    ]);
    assert.deepEqual(list, pool('listAudit', [['limit', 'Int', 50], ['before', 'BigInt', 13]]));
    assert.deepEqual(listFirst, pool('listAudit', [['limit', 'Int', 50], ['before', 'BigInt', Number.MAX_SAFE_INTEGER]]));
  });
});

describe('SQL Server adapter: application changes (applyApplicationChanges) and full rows (listCredentials)', () => {
  const FIELDS = [{ ordinal: 0, label: 'dummy', flags: 0 }, { ordinal: 1, label: 'Pwd', flags: 0x10000000 }, { ordinal: 2, label: 'Old', flags: 0 }];
  const expected = { fields: [{ label: 'dummy', masked: false }, { label: 'Pwd', masked: true }, { label: 'Old', masked: false }], rowCount: 3, maxTimestamp: '41' };
  const existing = (): Reply => on('lockApplication', { recordsets: [[{ name: 'Orders' }], FIELDS] });
  /** insertMapping outputs the application name it was given (the stored spelling, in these tests). */
  const mappingEcho: Reply = (statement, params) => (statement === 'insertMapping' ? { recordset: [{ application: String(params.find(([n]) => n === 'app')![2]) }] } : undefined);
  const field = (app: string, ordinal: number, label: string, flags: number): Sent => tx('insertField', [['app', NAME, app], ['ordinal', 'Int', ordinal], ['label', NAME, label], ['flags', 'Int', flags]]);

  it('one transaction: lock and check each application, replace its fields, then write and delete its rows at their versions', async () => {
    const put = Buffer.from('new-values');
    const created = Buffer.from('created-values');
    const fresh = Buffer.from('fresh-app-values');
    const fake = new FakeDriver().reply(
      once('lockApplication', { recordsets: [[{ name: 'Orders' }], FIELDS] }),
      on('lockRows', { recordset: [{ n: '3', maxVersion: '41' }] }),
      on('updateCredentials', { recordset: [{ application: 'Orders', identifier: 'Cfg', timestamp: '42', modifiedAt: '1' }] }),
      on('deleteCredentials', { rowsAffected: [1] }),
      mappingEcho,
    );
    await fake.store().applyApplicationChanges([
      {
        application: 'orders',
        expected,
        fields: [{ label: 'dummy', masked: false }, { label: 'Pwd', masked: true }, { label: 'New', masked: false }],
        rows: [
          { op: 'put', identifier: 'Cfg', expectedTimestamp: '41', msid: 'm1', ciphertext: put },
          { op: 'put', identifier: 'Added', expectedTimestamp: null, msid: 'm1', ciphertext: created },
          { op: 'delete', identifier: 'Gone', expectedTimestamp: '40' },
        ],
      },
      { application: 'Fresh', create: app('Fresh', { fields: [{ label: 'dummy', masked: false }] }), rows: [{ op: 'put', identifier: 'ConfigProperties', expectedTimestamp: null, msid: 'm1', ciphertext: fresh }] },
    ]);
    assert.deepEqual(fake.log(), [
      BEGIN,
      tx('publishedSecrets'),
      tx('lockApplication', [['app', NAME, 'orders']]),
      tx('lockRows', [['app', NAME, 'Orders'], DOMAIN]),
      tx('deleteFields', [['app', NAME, 'Orders']]),
      field('Orders', 0, 'dummy', 0),
      field('Orders', 1, 'Pwd', 0x10000000),
      field('Orders', 2, 'New', 0),
      tx('setNumFields', [['app', NAME, 'Orders'], ['numFields', 'Int', 3]]),
      tx('updateCredentials', [...key('Orders', 'Cfg'), ['msid', MSID, 'm1'], ['ciphertext', 'VarBinary(MAX)', put], ['now', 'BigInt', 'NOW'], ['expected', 'BigInt', '41']]),
      tx('insertMapping', key('Orders', 'Added')),
      tx('insertCredentials', [...key('Orders', 'Added'), ['msid', MSID, 'm1'], ['ciphertext', 'VarBinary(MAX)', created], ['now', 'BigInt', 'NOW']]),
      tx('deleteCredentials', [...key('Orders', 'Gone'), ['expected', 'BigInt', '40']]),
      tx('deleteMapping', key('Orders', 'Gone')),
      tx('lockApplication', [['app', NAME, 'Fresh']]),
      tx('insertApplication', [
        ['app', NAME, 'Fresh'], ['description', 'NVarChar(1024)', 'Description of Fresh'], ['contact', NAME, 'BizTalkAdmin@contoso.com'],
        ['userGroup', NAME, 'BizTalk Application Users'], ['adminGroup', NAME, 'SSO Administrators'], ['flags', 'Int', 0x100002],
        ['numFields', 'Int', 1], ['kind', NAME, 'configStore'],
      ]),
      field('Fresh', 0, 'dummy', 0),
      tx('insertMapping', key('Fresh', 'ConfigProperties')),
      tx('insertCredentials', [...key('Fresh', 'ConfigProperties'), ['msid', MSID, 'm1'], ['ciphertext', 'VarBinary(MAX)', fresh], ['now', 'BigInt', 'NOW']]),
      COMMIT,
    ]);
  });

  it('a premise that no longer holds rolls everything back with ENTSSO_E_CONFLICT naming the application', async () => {
    const cases: [Reply[], string, string[]][] = [
      [[on('lockApplication', { recordsets: [[{ name: 'Orders' }], FIELDS.slice(0, 2)] })], 'fields-changed', ['lockApplication']],
      [[existing(), on('lockRows', { recordset: [{ n: '3', maxVersion: '44' }] })], 'rows-changed', ['lockApplication', 'lockRows']],
      [[existing(), on('lockRows', { recordset: [{ n: '2', maxVersion: '41' }] })], 'rows-changed', ['lockApplication', 'lockRows']],
      [[on('lockApplication', { recordsets: [[], []] })], 'application-gone', ['lockApplication']],
      [
        [existing(), on('lockRows', { recordset: [{ n: '3', maxVersion: '41' }] }), on('credentialsState', { recordset: [{ applications: '1', mappings: '1' }] })],
        'row-changed',
        ['lockApplication', 'lockRows', 'updateCredentials', 'credentialsState'],
      ],
    ];
    for (const [replies, reason, statements] of cases) {
      const fake = new FakeDriver().reply(...replies);
      const error = await expectSsoError(
        fake.store().applyApplicationChanges([{ application: 'Orders', expected, rows: [{ op: 'put', identifier: 'Cfg', expectedTimestamp: '41', msid: 'm1', ciphertext: Buffer.from('x') }] }]),
        'ENTSSO_E_CONFLICT',
      );
      assert.equal(error.details.reason, reason);
      assert.equal(error.details.application, 'Orders');
      assert.deepEqual(fake.log().map((s) => ('event' in s ? s.event : s.statement)), ['begin', 'publishedSecrets', ...statements, 'rollback'], reason);
    }
    const duplicate = new FakeDriver().reply(existing(), on('lockRows', { recordset: [{ n: '3', maxVersion: '41' }] }), on('insertMapping', driverError(2601)));
    const taken = await expectSsoError(
      duplicate.store().applyApplicationChanges([{ application: 'Orders', expected, rows: [{ op: 'put', identifier: 'Cfg', expectedTimestamp: null, msid: 'm1', ciphertext: Buffer.from('x') }] }]),
      'ENTSSO_E_CONFLICT',
    );
    assert.deepEqual([taken.details.reason, taken.details.identifier], ['row-exists', 'Cfg']);
    assert.ok(!taken.message.includes('S3cr3t'));
    assert.deepEqual(duplicate.log().map((s) => ('event' in s ? s.event : s.statement)), ['begin', 'publishedSecrets', 'lockApplication', 'lockRows', 'insertMapping', 'rollback']);
    const exists = new FakeDriver().reply(on('lockApplication', { recordsets: [[{ name: 'Orders' }], FIELDS] }));
    const error = await expectSsoError(exists.store().applyApplicationChanges([{ application: 'Orders', create: app('Orders'), rows: [] }]), 'ENTSSO_E_CONFLICT');
    assert.equal(error.details.reason, 'application-exists');
  });

  it('malformed batches are refused before any SQL is sent; an empty batch sends nothing', async () => {
    const fake = new FakeDriver();
    const store = fake.store();
    await store.applyApplicationChanges([]);
    await expectSsoError(store.applyApplicationChanges([{ application: 'A', rows: [] }]), 'ENTSSO_E_INVALID_REQUEST');
    await expectSsoError(store.applyApplicationChanges([{ application: 'A', expected, fields: [], rows: [] }]), 'ENTSSO_E_INVALID_REQUEST');
    await expectSsoError(store.applyApplicationChanges([{ application: 'A', expected, rows: [] }, { application: 'a', expected, rows: [] }]), 'ENTSSO_E_INVALID_REQUEST');
    assert.deepEqual(fake.sent, []);
  });

  it('lists full rows of an application, keyset-paged; an empty page checks that the application exists', async () => {
    const blob = Buffer.from([9, 8, 7]);
    const fake = new FakeDriver().reply(once('listCredentials', { recordset: [{ application: 'Orders', identifier: 'Cfg', msid: 'm1', ciphertext: blob, timestamp: '5', modifiedAt: '1700000000000' }] }));
    const store = fake.store();
    assert.deepEqual(await store.listCredentials('orders', { limit: 500, after: 'A' }), [
      { application: 'Orders', identifier: 'Cfg', msid: 'm1', ciphertext: blob, timestamp: '5', modifiedAt: 1_700_000_000_000 },
    ]);
    await expectSsoError(store.listCredentials('Gone', { limit: 500 }), 'ENTSSO_E_APPLICATION_NOT_FOUND');
    assert.deepEqual(fake.log(), [
      pool('listCredentials', [['limit', 'Int', 500], ['app', NAME, 'orders'], DOMAIN, ['after', NAME, 'A']]),
      pool('listCredentials', [['limit', 'Int', 500], ['app', NAME, 'Gone'], DOMAIN, ['after', NAME, '']]),
      pool('applicationName', [['app', NAME, 'Gone']]),
    ]);
  });
});

describe('SQL Server adapter: driver errors', () => {
  it('a deadlock victim is retried, a bounded number of times', async () => {
    const retried = new FakeDriver().reply(once('getCredentials', driverError(1205)));
    assert.equal(await retried.store().getCredentials('A', 'x'), undefined);
    assert.equal(retried.sent.length, 2);

    const hopeless = new FakeDriver().reply(on('getCredentials', driverError(1205)));
    await expectSsoError(hopeless.store().getCredentials('A', 'x'), 'ENTSSO_E_SSODB_UNREACHABLE');
    assert.equal(hopeless.sent.length, 3);
  });

  it('a deadlock inside a transaction runs the whole transaction again', async () => {
    const fake = new FakeDriver().reply(once('insertField', driverError(1205)));
    await fake.store().createApplication(app('Orders'));
    assert.deepEqual(fake.log().map((s) => ('event' in s ? s.event : s.statement)), [
      'begin', 'insertApplication', 'insertField', 'rollback',
      'begin', 'insertApplication', 'insertField', 'commit',
    ]);
  });

  it('connection loss and timeouts are ENTSSO_E_SSODB_UNREACHABLE, without the driver message', async () => {
    const lost = Object.assign(new Error('Connection lost - read ECONNRESET (S3cr3t)'), { code: 'ESOCKET', name: 'ConnectionError' });
    const timeout = Object.assign(new Error('Timeout: Request failed to complete in 15000ms'), { code: 'ETIMEOUT', name: 'RequestError' });
    for (const [error, expected] of [[lost, /cannot be reached/], [timeout, /did not answer in time/]] as const) {
      const fake = new FakeDriver().reply(on('getGlobalInfo', error));
      const raised = await expectSsoError(fake.store().getGlobalInfo(), 'ENTSSO_E_SSODB_UNREACHABLE');
      assert.match(raised.message, expected);
      assert.ok(!`${raised.message}${JSON.stringify(raised.details)}`.includes('S3cr3t'));
      assert.equal(raised.details.driverCode, error.code);
    }
  });

  it('a duplicate key elsewhere is a conflict, and its quoted key never reaches the message', async () => {
    const fake = new FakeDriver().reply(on('insertAudit', driverError(2627)));
    const raised = await expectSsoError(fake.store().appendAudit({ user: 'u', action: 'a', outcome: 'ok' }), 'ENTSSO_E_CONFLICT');
    assert.ok(!raised.message.includes('S3cr3t'));
  });

  it('an audit row written is not reported lost when the prune after it fails (the sweeper prunes later)', async () => {
    const fake = new FakeDriver().reply(on('pruneAudit', driverError(1205)));
    await fake.store().appendAudit({ user: 'u', action: 'config.reveal', outcome: 'ok' }, { maxRows: 10, maxAgeMs: 86_400_000 });
  });

  it('a closed store refuses with ENTSSO_E_SSODB_UNREACHABLE', async () => {
    const store = new FakeDriver().store();
    await store.close();
    await expectSsoError(store.ping(), 'ENTSSO_E_SSODB_UNREACHABLE');
  });
});

// ---------------------------------------------------------------- the contract against SQL Server

const MSSQL_TEST_URL = process.env.MSSQL_TEST_URL;
const REQUIRED = process.env.MSSQL_TEST_REQUIRED === '1';

/** Test-only: empties every table so that each contract test starts from a fresh database. */
const RESET_DATABASE = `
DELETE FROM dbo.SSOX_ExternalCredentials;
DELETE FROM dbo.SSOX_IndividualMapping;
DELETE FROM dbo.SSOX_FieldInfo;
DELETE FROM dbo.SSOX_ApplicationInfo;
DELETE FROM dbo.SSOX_AuditTable;
UPDATE dbo.SSOX_GlobalInfo SET gi_SecretServer = N'', gi_SSOAdminGroup = N'SSO Administrators', gi_CurrentMsid = NULL,
  gi_PreviousMsid = NULL, gi_SecretCreatedAt = NULL, gi_LastBackupAt = NULL, gi_LastVerifiedBackupAt = NULL, gi_RowVersion = 0;`;

async function openMssql(url: string): Promise<SsoStore> {
  const store = createMssqlStore({ url, connectTimeoutMs: 10_000 });
  await store.init();
  return store;
}

async function resetDatabase(url: string): Promise<void> {
  const store = await openMssql(url); // creates the schema when missing
  await store.close();
  const connection = await new sql.ConnectionPool(mssqlPoolConfig({ url })).connect();
  try {
    await connection.request().batch(RESET_DATABASE);
  } finally {
    await connection.close();
  }
}

describe('SQL Server adapter: store contract against a real server', async () => {
  if (!MSSQL_TEST_URL) {
    it('needs a SQL Server', (t) => {
      if (REQUIRED) assert.fail('MSSQL_TEST_REQUIRED=1 but MSSQL_TEST_URL is not set: the contract suite must run against SQL Server here.');
      t.skip('MSSQL_TEST_URL not set: the store contract did not run against SQL Server (set it to mssql://user:password@host:1433/db?trustServerCertificate=true for a disposable database)');
    });
    return;
  }
  const reachable = await resetDatabase(MSSQL_TEST_URL).then(
    () => undefined,
    (error: unknown) => (error instanceof SsoError ? `${error.code}: ${error.message} ${JSON.stringify(error.details)}` : String(error)),
  );
  if (reachable !== undefined) {
    it('needs a reachable SQL Server', (t) => {
      if (REQUIRED) assert.fail(`MSSQL_TEST_REQUIRED=1 but the SQL Server at MSSQL_TEST_URL cannot be used: ${reachable}`);
      t.skip(`SQL Server at MSSQL_TEST_URL not reachable (${reachable}): the store contract did not run against it`);
    });
    return;
  }
  const url = MSSQL_TEST_URL;
  runStoreContract('SQL Server (mssql)', async () => {
    await resetDatabase(url);
    return { open: () => openMssql(url), dispose: async () => undefined };
  });
});
