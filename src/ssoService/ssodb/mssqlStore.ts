/**
 * The SSODB on SQL Server, through `mssql` (tedious, loaded on first use: mssqlDriver.ts). Same
 * semantics as the SQLite adapter; one contract suite runs against both. This file is the store's
 * logic; the T-SQL texts are in mssqlSql.ts, the typed parameters in mssqlParams.ts, the driver
 * surface in mssqlDriver.ts and what a driver failure means in mssqlErrors.ts. The pool can be
 * injected instead, which the golden tests do to pin every SQL text and parameter type sent.
 * Row versions: a sequence, not ROWVERSION (why: schema/mssqlDdl.ts, dbo.SSOX_RowVersionSeq).
 */
import { SsoError } from '../../protocol/errors';
import { auditPageParams, auditSlice, auditWindow, auditWindowParams, MSSQL_AUDIT_SQL } from './auditQuery';
import { importedVersions, MSSQL_IMPORT_HISTORY_SQL } from './historyImport';
import type { AuditEntry, FieldInfo } from '../../protocol/messages';
import { affected, rowsOf, type MssqlTransaction } from './mssqlDriver';
import { driverErrorNumber, isDuplicateKey, notInitialised, schemaPermissionRefusal, toSsoError } from './mssqlErrors';
import { applicationParams, auditParams, importedHistoryParams, keyParams, valueParams, type Params } from './mssqlParams';
import { MssqlSession, type MssqlSessionOptions } from './mssqlSession';
import { GLOBAL_INFO_PATCHABLE, MSSQL_SQL } from './mssqlSql';
import { redactOldSearchTextMssql } from './oldSearchText';
import { MSSQL_SCHEMA_BATCHES } from './schema/mssqlDdl';
import { containsPattern } from './schema/likePattern';
import {
  AUDIT_PRUNE_PER_WRITE,
  auditPruneBounds,
  checkApplicationChanges,
  checkCursor,
  checkFilter,
  checkFlags,
  checkGlobalInfoPatch,
  checkHistoryNote,
  checkHistoryVersion,
  checkLimit,
  checkListOptions,
  checkMsid,
  checkName,
  checkNewApplication,
  checkCredentialsWrite,
  checkReencryptedRow,
  isRowVersion,
  sameFields,
} from './schema/requestChecks';
import {
  fieldFlags,
  toApplicationRow,
  toAuditEntry,
  toAuditRecord,
  toCredentialRow,
  toSecretRowCounts,
  toFieldInfo,
  toGlobalInfo,
  toHistoryCipherRow,
  toHistoryRecord,
  toHistoryRow,
  toIdentifierRow,
  toLeaseState,
  toMssNodeRow,
  toSearchHit,
  type AuditRecord,
  type SqlRow,
} from './schema/rowMappers';
import { msidsWritten, refuseUnlessPublished } from './publishedSecrets';
import { applicationExists, applicationNotFound, changeConflict, credentialsConflict, leaseNotHeld, mappingNotFound } from './schema/storeErrors';
import { IDENTIFIER_DOMAIN } from './schema/tables';
import type {
  ApplicationChange,
  ApplicationRow,
  AuditQuery,
  AuditRetention,
  ConfigurationRead,
  AuditSlice,
  ChangeAudit,
  ChangeAuditRows,
  CredentialRow,
  GlobalInfo,
  HistoryCipherRow,
  HistoryNote,
  HistoryRow,
  LeaseFence,
  LeaseState,
  ListOptions,
  MssNodeRow,
  NewApplication,
  NewAuditEntry,
  ReencryptedHistoryRow,
  ReencryptedRow,
  RowChange,
  SearchHit,
  SsoStore,
} from './store';

/** `log`: the service log, for what an administrator should fix (never data). */
export function createMssqlStore(options: MssqlSessionOptions, log?: (message: string) => void): SsoStore {
  return new MssqlStore(options, log);
}

// ---------------------------------------------------------------- the store

// 2705: a column added (ADDED_COLUMNS) by another process meanwhile.
const SCHEMA_RACE_ERRORS = new Set([2714, 1913, 2627, 2601, 2705]);

class MssqlStore implements SsoStore {
  private readonly session: MssqlSession;

  constructor(
    options: MssqlSessionOptions,
    private readonly log?: (message: string) => void,
  ) {
    this.session = new MssqlSession(options);
  }

  // -------------------------------------------------------------- lifecycle

  async init(): Promise<void> {
    await this.session.open();
    try {
      await this.createSchema();
    } catch (error) {
      // Two processes initialising an empty database at once: one loses the race on an object
      // that now exists; running the idempotent script again finds everything in place.
      if (!SCHEMA_RACE_ERRORS.has(driverErrorNumber(error) ?? 0)) throw schemaPermissionRefusal(error) ?? toSsoError(error);
      await this.createSchema().catch((again: unknown) => {
        throw toSsoError(again);
      });
    }
    await redactOldSearchTextMssql(this.session, this.log);
  }

  private async createSchema(): Promise<void> {
    for (const batch of MSSQL_SCHEMA_BATCHES) await this.session.batch(batch);
  }

  async close(): Promise<void> {
    await this.session.close();
  }

  async ping(): Promise<void> {
    await this.session.query(MSSQL_SQL.ping, {});
  }

  // -------------------------------------------------------------- global info

  async getGlobalInfo(): Promise<GlobalInfo> {
    const row = (await this.session.query(MSSQL_SQL.getGlobalInfo, {})).recordset?.[0];
    if (!row) throw notInitialised();
    return toGlobalInfo(row);
  }

  async updateGlobalInfo(patch: Partial<Omit<GlobalInfo, 'timestamp'>>, fence?: LeaseFence): Promise<GlobalInfo> {
    checkGlobalInfoPatch(patch);
    const params: Params = {};
    for (const [key, , kind] of GLOBAL_INFO_PATCHABLE) {
      const value = patch[key];
      params[`set${key[0]!.toUpperCase()}${key.slice(1)}`] = ['bit', value !== undefined];
      params[key] = [kind, value ?? null];
    }
    params.leaseHolder = ['name', fence?.leaseHolder ?? null];
    const row = (await this.session.query(MSSQL_SQL.updateGlobalInfo, params)).recordset?.[0];
    if (!row) throw fence ? leaseNotHeld(fence.leaseHolder) : notInitialised();
    return toGlobalInfo(row);
  }

  // -------------------------------------------------------------- applications

  async listApplications(options: ListOptions): Promise<ApplicationRow[]> {
    checkListOptions(options);
    const result = await this.session.query(MSSQL_SQL.listApplications, {
      limit: ['int', options.limit],
      domain: ['name', IDENTIFIER_DOMAIN],
      after: ['name', options.after ?? ''],
      pattern: ['pattern', containsPattern(options.filter ?? '', 'mssql')],
    });
    return rowsOf(result).map(toApplicationRow);
  }

  async getApplication(name: string): Promise<(ApplicationRow & { fields: FieldInfo[] }) | undefined> {
    checkName(name, 'application name');
    const result = await this.session.query(MSSQL_SQL.getApplication, { app: ['name', name], domain: ['name', IDENTIFIER_DOMAIN] });
    const [applications = [], fields = []] = result.recordsets ?? [];
    const row = applications[0];
    return row ? { ...toApplicationRow(row), fields: fields.map(toFieldInfo) } : undefined;
  }

  async createApplication(app: NewApplication, audit?: ChangeAuditRows): Promise<void> {
    checkNewApplication(app);
    const records = auditRecordsOf(audit);
    await this.session.inTransaction(
      async (tx) => {
        await this.session.query(MSSQL_SQL.insertApplication, applicationParams(app), tx);
        await this.insertFields(app.name, app.fields, tx);
        await this.insertAuditRows(records, tx);
      },
      (error) => (isDuplicateKey(error) ? applicationExists() : undefined),
    );
    await this.pruneAfterChange(audit);
  }

  /** Inside a change's transaction, after the change: its audit rows (see ChangeAuditRows). */
  private async insertAuditRows(records: readonly AuditRecord[], tx: MssqlTransaction): Promise<void> {
    for (const record of records) await this.session.query(MSSQL_SQL.insertAudit, auditParams(record), tx);
  }

  /** After the commit, as appendAudit prunes: a failed prune must not undo a committed change. */
  private async pruneAfterChange(audit: ChangeAuditRows | undefined): Promise<void> {
    if (audit?.retention && audit.entries.length > 0) await this.runPrune(auditPruneBounds(audit.retention, AUDIT_PRUNE_PER_WRITE)).catch(() => 0);
  }

  private async insertFields(app: string, fields: NewApplication['fields'], tx: MssqlTransaction): Promise<void> {
    for (const [ordinal, field] of fields.entries()) {
      await this.session.query(
        MSSQL_SQL.insertField,
        { app: ['name', app], ordinal: ['int', ordinal], label: ['name', field.label], flags: ['int', fieldFlags(field.masked)] },
        tx,
      );
    }
  }

  async applyApplicationChanges(changes: ApplicationChange[], audit?: ChangeAuditRows): Promise<void> {
    checkApplicationChanges(changes);
    const records = auditRecordsOf(audit);
    if (changes.length === 0 && records.length === 0) return;
    await this.session.inTransaction(
      async (tx) => {
        await this.refuseUnlessPublished(msidsWritten(changes), tx);
        for (const change of changes) await this.applyChange(change, tx);
        await this.insertAuditRows(records, tx);
      },
      (error) => {
        // The locks taken make these unexpected; should they happen, the batch's premise failed.
        if (isDuplicateKey(error) || driverErrorNumber(error) === 547) {
          return new SsoError('ENTSSO_E_CONFLICT', 'The SSO database was changed by someone else at the same time. Nothing was changed: read it again and repeat the change.', {
            reason: 'concurrent-write',
          });
        }
        return undefined;
      },
    );
    await this.pruneAfterChange(audit);
  }

  private async applyChange(change: ApplicationChange, tx: MssqlTransaction): Promise<void> {
    const locked = await this.session.query(MSSQL_SQL.lockApplication, { app: ['name', change.application] }, tx);
    const [applications = [], fieldRows = []] = locked.recordsets ?? [];
    const stored = applications[0];
    let app: string;
    if (change.create) {
      if (stored) throw changeConflict(change.application, 'application-exists');
      await this.session.query(MSSQL_SQL.insertApplication, applicationParams(change.create), tx);
      await this.insertFields(change.create.name, change.create.fields, tx);
      app = change.create.name;
    } else {
      const expected = change.expected!;
      if (!stored) throw changeConflict(change.application, 'application-gone');
      app = String(stored.name);
      if (!sameFields(fieldRows.map(toFieldInfo), expected.fields)) throw changeConflict(app, 'fields-changed');
      const rows = rowsOf(await this.session.query(MSSQL_SQL.lockRows, { app: ['name', app], domain: ['name', IDENTIFIER_DOMAIN] }, tx))[0] ?? {};
      const maxVersion = rows.maxVersion === null || rows.maxVersion === undefined ? null : String(rows.maxVersion);
      if (expected.rowCount !== undefined && (Number(rows.n ?? 0) !== expected.rowCount || maxVersion !== expected.maxTimestamp)) throw changeConflict(app, 'rows-changed');
      if (change.fields) {
        await this.session.query(MSSQL_SQL.deleteFields, { app: ['name', app] }, tx);
        await this.insertFields(app, change.fields, tx);
        await this.session.query(MSSQL_SQL.setNumFields, { app: ['name', app], numFields: ['int', change.fields.length] }, tx);
      }
    }
    for (const row of change.rows) await this.applyRow(app, row, tx);
  }

  private async applyRow(app: string, row: RowChange, tx: MssqlTransaction): Promise<void> {
    const key = keyParams(app, row.identifier);
    if (row.op === 'put' && row.expectedTimestamp === null) {
      // A duplicate key aborts the statement only (XACT_ABORT is off); the throw rolls back the rest.
      const inserted = await this.session.query(MSSQL_SQL.insertMapping, key, tx).catch((error: unknown) => {
        throw isDuplicateKey(error) ? changeConflict(app, 'row-exists', row.identifier) : error;
      });
      const mapping = rowsOf(inserted)[0];
      if (!mapping) throw changeConflict(app, 'application-gone');
      await this.session.query(MSSQL_SQL.insertCredentials, { ...keyParams(String(mapping.application), row.identifier), ...valueParams(row.msid, row.ciphertext) }, tx);
      for (const version of importedVersions(row)) await this.session.query(MSSQL_IMPORT_HISTORY_SQL, importedHistoryParams(String(mapping.application), row.identifier, version), tx);
      return;
    }
    const expected = row.expectedTimestamp as string;
    let done = false;
    if (isRowVersion(expected)) {
      if (row.op === 'put') {
        const params = { ...key, ...valueParams(row.msid, row.ciphertext), expected: ['bigint', expected] as const };
        const kept = !row.history || (await this.keepVersion(app, row.identifier, expected, row.history, tx));
        done = kept && rowsOf(await this.session.query(MSSQL_SQL.updateCredentials, params, tx)).length > 0;
        if (done && row.history) await this.pruneHistory(app, row.identifier, row.history, tx);
      } else {
        done = affected(await this.session.query(MSSQL_SQL.deleteCredentials, { ...key, expected: ['bigint', expected] }, tx)) > 0;
        if (done) await this.session.query(MSSQL_SQL.deleteMapping, key, tx);
      }
    }
    if (done) return;
    const state = rowsOf(await this.session.query(MSSQL_SQL.credentialsState, key, tx))[0] ?? {};
    throw changeConflict(app, Number(state.mappings ?? 0) > 0 ? 'row-changed' : 'row-gone', row.identifier);
  }

  async deleteApplication(name: string, audit?: ChangeAuditRows): Promise<void> {
    checkName(name, 'application name');
    await this.changeOfOneStatement(MSSQL_SQL.deleteApplication, { app: ['name', name] }, audit);
  }

  async setApplicationFlags(name: string, flags: number, audit?: ChangeAuditRows): Promise<void> {
    checkName(name, 'application name');
    checkFlags(flags);
    await this.changeOfOneStatement(MSSQL_SQL.setApplicationFlags, { app: ['name', name], flags: ['int', flags] }, audit);
  }

  /** A change of one application row: alone, or in one transaction with its audit rows. */
  private async changeOfOneStatement(statement: string, params: Params, audit: ChangeAuditRows | undefined): Promise<void> {
    const records = auditRecordsOf(audit);
    if (records.length === 0) {
      if (affected(await this.session.query(statement, params)) === 0) throw applicationNotFound();
      return;
    }
    const changed = await this.session.inTransaction(async (tx) => {
      if (affected(await this.session.query(statement, params, tx)) === 0) return false;
      await this.insertAuditRows(records, tx);
      return true;
    });
    if (!changed) throw applicationNotFound();
    await this.pruneAfterChange(audit);
  }

  private async applicationExists(name: string): Promise<boolean> {
    return rowsOf(await this.session.query(MSSQL_SQL.applicationName, { app: ['name', name] })).length > 0;
  }

  // -------------------------------------------------------------- identifiers and search

  async listIdentifiers(application: string, options: ListOptions): Promise<Omit<CredentialRow, 'ciphertext' | 'msid'>[]> {
    checkName(application, 'application name');
    checkListOptions(options);
    const result = await this.session.query(MSSQL_SQL.listIdentifiers, {
      limit: ['int', options.limit],
      app: ['name', application],
      domain: ['name', IDENTIFIER_DOMAIN],
      after: ['name', options.after ?? ''],
      pattern: ['pattern', containsPattern(options.filter ?? '', 'mssql')],
    });
    const rows = rowsOf(result);
    if (rows.length === 0 && !(await this.applicationExists(application))) throw applicationNotFound();
    return rows.map(toIdentifierRow);
  }

  async search(query: string, limit: number): Promise<SearchHit[]> {
    checkFilter(query);
    checkLimit(limit);
    const pattern = containsPattern(query, 'mssql');
    const applications = rowsOf(
      await this.session.query(MSSQL_SQL.searchApplications, { limit: ['int', limit], pattern: ['pattern', pattern] }),
    ).map(toSearchHit);
    const room = limit - applications.length;
    if (room === 0) return applications;
    const identifiers = rowsOf(
      await this.session.query(MSSQL_SQL.searchIdentifiers, {
        limit: ['int', room],
        domain: ['name', IDENTIFIER_DOMAIN],
        pattern: ['pattern', pattern],
      }),
    ).map(toSearchHit);
    return [...applications, ...identifiers];
  }

  // -------------------------------------------------------------- credentials

  async getCredentials(application: string, identifier: string): Promise<CredentialRow | undefined> {
    checkName(application, 'application name');
    checkName(identifier, 'identifier');
    const row = rowsOf(await this.session.query(MSSQL_SQL.getCredentials, keyParams(application, identifier)))[0];
    return row ? toCredentialRow(row) : undefined;
  }

  async readConfiguration(application: string, identifier: string): Promise<ConfigurationRead | undefined> {
    const [app, row] = await Promise.all([this.getApplication(application), this.getCredentials(application, identifier)]);
    return app ? { name: app.name, fields: app.fields, row } : undefined;
  }

  async listCredentials(application: string, options: Omit<ListOptions, 'filter'>): Promise<CredentialRow[]> {
    checkName(application, 'application name');
    checkLimit(options.limit);
    checkCursor(options.after);
    const result = await this.session.query(MSSQL_SQL.listCredentials, {
      limit: ['int', options.limit],
      app: ['name', application],
      domain: ['name', IDENTIFIER_DOMAIN],
      after: ['name', options.after ?? ''],
    });
    const rows = rowsOf(result);
    if (rows.length === 0 && !(await this.applicationExists(application))) throw applicationNotFound();
    return rows.map(toCredentialRow);
  }

  async putCredentials(
    application: string,
    identifier: string,
    expectedTimestamp: string | null,
    msid: string,
    ciphertext: Buffer,
    history?: HistoryNote,
    audit?: ChangeAudit,
  ): Promise<Omit<CredentialRow, 'ciphertext'>> {
    checkCredentialsWrite(application, identifier, expectedTimestamp, msid, history);
    const auditRecord = audit && toAuditRecord(audit.entry);
    const row =
      expectedTimestamp === null
        ? await this.createCredentials(application, identifier, msid, ciphertext, auditRecord)
        : await this.updateCredentials(application, identifier, expectedTimestamp, msid, ciphertext, history, auditRecord);
    // After the commit, as appendAudit prunes: a failed prune must not undo a committed change.
    if (audit?.retention) await this.runPrune(auditPruneBounds(audit.retention, AUDIT_PRUNE_PER_WRITE)).catch(() => 0);
    return { ...toIdentifierRow(row), msid };
  }

  private async createCredentials(application: string, identifier: string, msid: string, ciphertext: Buffer, audit?: AuditRecord): Promise<SqlRow> {
    return this.session.inTransaction(
      async (tx) => {
        await this.refuseUnlessPublished([msid], tx);
        const mapping = rowsOf(await this.session.query(MSSQL_SQL.insertMapping, keyParams(application, identifier), tx))[0];
        if (!mapping) throw applicationNotFound();
        const inserted = await this.session.query(
          MSSQL_SQL.insertCredentials,
          { ...keyParams(String(mapping.application), identifier), ...valueParams(msid, ciphertext) },
          tx,
        );
        if (audit) await this.session.query(MSSQL_SQL.insertAudit, auditParams(audit), tx);
        return rowsOf(inserted)[0] ?? {};
      },
      (error) => {
        if (isDuplicateKey(error)) return credentialsConflict('exists');
        // 547: a foreign key failed, i.e. the application was deleted meanwhile.
        return driverErrorNumber(error) === 547 ? applicationNotFound() : undefined;
      },
    );
  }

  private async updateCredentials(
    application: string,
    identifier: string,
    expectedTimestamp: string,
    msid: string,
    ciphertext: Buffer,
    history?: HistoryNote,
    audit?: AuditRecord,
  ): Promise<SqlRow> {
    if (isRowVersion(expectedTimestamp)) {
      const params: Params = { ...keyParams(application, identifier), ...valueParams(msid, ciphertext), expected: ['bigint', expectedTimestamp] };
      // Always a transaction: the secret fence's lock is held until the row is written.
      const row = await this.session.inTransaction(async (tx) => {
        await this.refuseUnlessPublished([msid], tx);
        if (history && !(await this.keepVersion(application, identifier, expectedTimestamp, history, tx))) return undefined;
        const updated = rowsOf(await this.session.query(MSSQL_SQL.updateCredentials, params, tx))[0];
        // Nothing was changed (a stale version): no audit row for a change that did not happen.
        if (!updated) return undefined;
        if (history) await this.pruneHistory(application, identifier, history, tx);
        if (audit) await this.session.query(MSSQL_SQL.insertAudit, auditParams(audit), tx);
        return updated;
      });
      if (row) return row;
    }
    const state = await this.credentialsState(application, identifier);
    if (!state.application) throw applicationNotFound();
    throw credentialsConflict(state.mapping ? 'changed' : 'gone');
  }

  async deleteCredentials(application: string, identifier: string, expectedTimestamp: string, history?: HistoryNote, audit?: ChangeAuditRows): Promise<void> {
    checkName(application, 'application name');
    checkName(identifier, 'identifier');
    checkHistoryNote(history);
    const records = auditRecordsOf(audit);
    const deleted =
      isRowVersion(expectedTimestamp) &&
      (await this.session.inTransaction(async (tx) => {
        if (history && !(await this.keepVersion(application, identifier, expectedTimestamp, history, tx))) return false;
        const params = { ...keyParams(application, identifier), expected: ['bigint', expectedTimestamp] as const };
        if (affected(await this.session.query(MSSQL_SQL.deleteCredentials, params, tx)) === 0) return false;
        await this.session.query(MSSQL_SQL.deleteMapping, keyParams(application, identifier), tx);
        if (history) await this.pruneHistory(application, identifier, history, tx);
        await this.insertAuditRows(records, tx);
        return true;
      }));
    if (deleted) return this.pruneAfterChange(audit);
    const state = await this.credentialsState(application, identifier);
    if (!state.application) throw applicationNotFound();
    if (!state.mapping) throw mappingNotFound();
    throw credentialsConflict('changed');
  }

  /** In the write's transaction: values only under a secret SSODB names (see publishedSecrets.ts). */
  private async refuseUnlessPublished(msids: Iterable<string>, tx: MssqlTransaction): Promise<void> {
    const written = [...msids];
    if (written.length === 0) return;
    const published = rowsOf(await this.session.query(MSSQL_SQL.publishedSecrets, {}, tx))[0];
    refuseUnlessPublished(written, () => published);
  }

  /** In the write's transaction: the live row at `expected` becomes the next kept version. False: no such row. */
  private async keepVersion(application: string, identifier: string, expected: string, history: HistoryNote, tx: MssqlTransaction): Promise<boolean> {
    const record = toHistoryRecord(history, Date.now());
    const result = await this.session.query(
      MSSQL_SQL.insertHistory,
      {
        ...keyParams(application, identifier),
        expected: ['bigint', expected],
        now: ['bigint', record.savedAt],
        savedBy: ['name', record.savedBy],
        change: ['shortText', record.change],
        changedFields: ['longText', record.changedFields],
      },
      tx,
    );
    return affected(result) > 0;
  }

  private async pruneHistory(application: string, identifier: string, history: HistoryNote, tx: MssqlTransaction): Promise<void> {
    const params: Params = { app: ['name', application], identifier: ['name', identifier], keep: ['int', history.keep], oldest: ['bigint', Date.now() - history.maxAgeMs] };
    await this.session.query(MSSQL_SQL.pruneHistory, params, tx);
  }

  async listHistory(application: string, identifier: string, options: { before?: number; limit: number }): Promise<HistoryRow[]> {
    checkName(application, 'application name');
    checkName(identifier, 'identifier');
    checkLimit(options.limit);
    if (options.before !== undefined) checkHistoryVersion(options.before);
    const result = await this.session.query(MSSQL_SQL.listHistory, {
      limit: ['int', options.limit],
      app: ['name', application],
      identifier: ['name', identifier],
      before: ['int', options.before ?? 0x7fffffff],
    });
    return rowsOf(result).map(toHistoryRow);
  }

  async getHistoryVersion(application: string, identifier: string, version: number): Promise<HistoryCipherRow | undefined> {
    checkName(application, 'application name');
    checkName(identifier, 'identifier');
    checkHistoryVersion(version);
    const result = await this.session.query(MSSQL_SQL.historyVersion, { app: ['name', application], identifier: ['name', identifier], version: ['int', version] });
    const row = rowsOf(result)[0];
    return row ? toHistoryCipherRow(row) : undefined;
  }

  async listHistoryNotUnder(currentMsid: string, limit: number): Promise<HistoryCipherRow[]> {
    checkMsid(currentMsid);
    checkLimit(limit);
    const result = await this.session.query(MSSQL_SQL.historyNotUnder, { limit: ['int', limit], msid: ['msid', currentMsid] });
    return rowsOf(result).map(toHistoryCipherRow);
  }

  async reencryptHistoryRows(rows: ReencryptedHistoryRow[]): Promise<number> {
    rows.forEach((row) => {
      checkReencryptedRow({ ...row, expectedTimestamp: '' });
      checkMsid(row.expectedMsid);
      checkHistoryVersion(row.version);
    });
    if (rows.length === 0) return 0;
    return this.session.inTransaction(async (tx) => {
      let replaced = 0;
      for (const row of rows) {
        const params: Params = {
          app: ['name', row.application],
          identifier: ['name', row.identifier],
          version: ['int', row.version],
          expectedMsid: ['msid', row.expectedMsid],
          msid: ['msid', row.msid],
          ciphertext: ['blob', row.ciphertext],
        };
        replaced += affected(await this.session.query(MSSQL_SQL.reencryptHistory, params, tx));
      }
      return replaced;
    });
  }

  private async credentialsState(application: string, identifier: string): Promise<{ application: boolean; mapping: boolean }> {
    const row = rowsOf(await this.session.query(MSSQL_SQL.credentialsState, keyParams(application, identifier)))[0] ?? {};
    return { application: Number(row.applications ?? 0) > 0, mapping: Number(row.mappings ?? 0) > 0 };
  }

  // -------------------------------------------------------------- rotation

  async listRowsNotUnder(currentMsid: string, limit: number): Promise<CredentialRow[]> {
    checkMsid(currentMsid);
    checkLimit(limit);
    const result = await this.session.query(MSSQL_SQL.listRowsNotUnder, { limit: ['int', limit], msid: ['msid', currentMsid] });
    return rowsOf(result).map(toCredentialRow);
  }

  async countRowsNotUnder(currentMsid: string): Promise<number> {
    return (await this.countRowsBySecret(currentMsid)).reduce((sum, count) => sum + count.rows, 0);
  }

  async countRowsBySecret(exceptMsid: string) {
    checkMsid(exceptMsid);
    return toSecretRowCounts(rowsOf(await this.session.query(MSSQL_SQL.countRowsBySecret, { msid: ['msid', exceptMsid] })));
  }

  async reencryptRows(rows: ReencryptedRow[]): Promise<number> {
    rows.forEach(checkReencryptedRow);
    const current = rows.filter((row) => isRowVersion(row.expectedTimestamp));
    if (current.length === 0) return 0;
    return this.session.inTransaction(async (tx) => {
      let replaced = 0;
      for (const row of current) {
        const result = await this.session.query(
          MSSQL_SQL.reencryptRow,
          {
            ...keyParams(row.application, row.identifier),
            msid: ['msid', row.msid],
            ciphertext: ['blob', row.ciphertext],
            expected: ['bigint', row.expectedTimestamp],
          },
          tx,
        );
        replaced += affected(result);
      }
      return replaced;
    });
  }

  // -------------------------------------------------------------- MSS lease and nodes

  async acquireLease(node: string, ttlMs: number, graceMs: number): Promise<LeaseState> {
    checkName(node, 'node name');
    const result = await this.session.query(MSSQL_SQL.takeLease, { node: ['name', node], ttl: ['bigint', ttlMs], grace: ['bigint', graceMs] });
    return toLeaseState(result.recordset?.[0]);
  }

  async releaseLease(node: string): Promise<void> {
    checkName(node, 'node name');
    await this.session.query(MSSQL_SQL.releaseLease, { node: ['name', node] });
  }

  async getLease(): Promise<LeaseState> {
    return toLeaseState((await this.session.query(MSSQL_SQL.getLease, {})).recordset?.[0]);
  }

  async recordMssNode(node: MssNodeRow): Promise<void> {
    checkName(node.name, 'node name');
    await this.session.query(MSSQL_SQL.upsertMssNode, {
      name: ['name', node.name],
      role: ['shortText', node.role],
      seen: ['bigint', node.lastSeenAt],
      takeover: ['bigint', node.lastTakeoverAt],
    });
  }

  async listMssNodes(): Promise<MssNodeRow[]> {
    return ((await this.session.query(MSSQL_SQL.listMssNodes, {})).recordset ?? []).map(toMssNodeRow);
  }

  // -------------------------------------------------------------- audit

  async appendAudit(entries: NewAuditEntry | readonly NewAuditEntry[], retention?: AuditRetention): Promise<void> {
    const records = [entries].flat().map((entry) => toAuditRecord(entry));
    const prune = retention && auditPruneBounds(retention, AUDIT_PRUNE_PER_WRITE);
    if (records.length === 1) await this.session.query(MSSQL_SQL.insertAudit, auditParams(records[0]!));
    else {
      await this.session.inTransaction(async (tx) => {
        for (const record of records) await this.session.query(MSSQL_SQL.insertAudit, auditParams(record), tx);
      });
    }
    // Its own statement: the rows above are durable whether or not the prune succeeds, so a failed
    // prune must not report them as lost (a reveal would be refused as unaudited); the service's
    // audit sweeper deletes what this one left.
    if (prune) await this.runPrune(prune).catch(() => 0);
  }

  async pruneAudit(retention: AuditRetention, limit: number): Promise<number> {
    return this.runPrune(auditPruneBounds(retention, limit));
  }

  private async runPrune(prune: ReturnType<typeof auditPruneBounds>): Promise<number> {
    const result = await this.session.query(MSSQL_SQL.pruneAudit, { limit: ['int', prune.limit], maxRows: ['bigint', prune.maxRows], cutoff: ['isoTime', prune.cutoff] });
    return affected(result);
  }

  async listAudit(options: { before?: number; limit: number }): Promise<AuditEntry[]> {
    checkLimit(options.limit);
    const before = options.before ?? Number.MAX_SAFE_INTEGER;
    if (!Number.isInteger(before)) throw new SsoError('ENTSSO_E_INVALID_REQUEST', 'The audit cursor must be a whole number.');
    const result = await this.session.query(MSSQL_SQL.listAudit, { limit: ['int', options.limit], before: ['bigint', before] });
    return rowsOf(result).map(toAuditEntry);
  }

  async listAuditFiltered(query: AuditQuery): Promise<AuditSlice> {
    const bounds = auditWindowParams(query);
    const windowRows = rowsOf(await this.session.query(MSSQL_AUDIT_SQL.window, { before: ['bigint', bounds.before], scan: ['int', bounds.scan] }));
    const window = auditWindow(windowRows[0], bounds.scan);
    if (!window) return { entries: [] };
    const p = auditPageParams(query, window.low);
    const page = await this.session.query(MSSQL_AUDIT_SQL.page, {
      before: ['bigint', p.before], low: ['bigint', p.low], limit: ['int', p.limit],
      operation: ['shortText', p.operation], outcome: ['shortText', p.outcome], user: ['name', p.user],
      fromAt: ['isoTime', p.fromAt], untilAt: ['isoTime', p.untilAt], text: ['shortText', p.text],
    });
    return auditSlice(rowsOf(page), window);
  }
}

function auditRecordsOf(audit: ChangeAuditRows | undefined): AuditRecord[] {
  return audit ? audit.entries.map((entry) => toAuditRecord(entry)) : [];
}
