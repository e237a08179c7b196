/**
 * What the SSO service does for its clients, independent of the transport: list and read
 * applications and configurations, write with optimistic concurrency, audit everything.
 * Encryption happens here and only here; the store sees ciphertext, clients see values.
 */
import * as os from 'node:os';
import { SsoError } from '../../protocol/errors';
import {
  AppFlags,
  type ApplicationDetail,
  type ApplicationInfo,
  type ConfigDocument,
  type FieldInfo,
  type HealthReport,
  type IdentifierInfo,
  type Page,
  type ParamsOf,
  type SecretInfo,
  type MssNodesReport,
  type BackupFileInfo,
} from '../../protocol/messages';
import { readProtectedHeader } from '../crypto/protectedFile';
import { healthReport } from './healthChecks';
import type { MssOp, MssOps } from '../mss/mssProtocol';
import type { MasterSecret } from '../crypto/masterSecret';
import type { ApplicationRow, AuditRetention, ChangeAuditRows, CredentialRow, NewAuditEntry, SsoStore, ComposedSave, ComposeSave, ConfigurationRead } from '../ssodb/store';
import { auditsRefusal, onceMoreAfterSecretChange, type WriteAttempt } from './secretChangeRetry';
import { nameKeyedRecord } from '../../protocol/names';
import { LIMITS } from '../../protocol/limits';
import type { CallContext, Handlers, RpcOperations } from '../rpc/rpcOperations';
import { ApplicationTransfer } from './applicationTransfer';
import { applicationFlags } from './applicationFlags';
import {
  checkConfigurationSize,
  checkFieldsVersion,
  decryptValues,
  encryptValues,
  fieldListChange,
  fieldsVersion,
  readApplicationState,
  writtenValues,
  type ApplicationState,
} from './applicationState';
import type { SecretCache } from './secretCache';
import { listAuditPage } from './auditLog';
import type { AuditPage } from '../../protocol/messages';
import { ValueSearch } from './valueSearch';
import { SavedDocument } from './operationsSavedDocument';
import { EnvironmentCompare } from './environmentCompare';
import { changedFieldLabels, ConfigHistory, DEFAULT_HISTORY_SETTINGS, historyNote, type HistorySettings } from './configHistory';

const DEFAULT_PAGE_SIZE = 100;

/**
 * How the service reaches the master secret server for the secret lifecycle (runs on the MSS,
 * as in ENTSSO): the active node, or a named node for node operations.
 */
type MssCaller = <K extends MssOp>(op: K, params: MssOps[K]['params'], node?: string) => Promise<MssOps[K]['result']>;

interface OperationsOptions {
  /** The service log: audit rows of best-effort events that could not be written are reported there. */
  log?: (message: string) => void;
  /** Applied a few rows at a time by every audit write. */
  auditRetention?: AuditRetention;
  /** How many versions of a configuration are kept, and how long (absent: 20, 365 days). */
  history?: HistorySettings;
  /** Synchronises the secrets from the MSS now (a write was refused under a secret SSODB no longer names); absent: no retry. */
  resyncSecrets?: () => Promise<void>;
}

/** An audit row as an operation states it; the service adds who. */
type AuditEntryOf = Omit<NewAuditEntry, 'user'>;

/** How often the log reports best-effort audit rows that could not be written (the first at once). */
const LOST_AUDIT_LOG_INTERVAL_MS = 60_000;

export class SsoOperations implements RpcOperations {
  private readonly osUser = safeUserName();
  private readonly transfer: ApplicationTransfer;
  private readonly valueSearch: ValueSearch;
  private readonly maskedDocuments = new WeakMap<ConfigurationRead, ConfigDocument>();
  private readonly savedDocument = new SavedDocument();
  private lostAuditRows = 0;
  private lostAuditLoggedAt = Number.NEGATIVE_INFINITY;
  private readonly history: ConfigHistory;
  private readonly environmentCompare: EnvironmentCompare;

  constructor(
    private readonly store: SsoStore,
    private readonly cache: SecretCache,
    private readonly callMss: MssCaller,
    private readonly environmentId: string,
    private readonly options: OperationsOptions = {},
  ) {
    // A version's reveal is refused when it cannot be audited, as every reveal is.
    this.history = new ConfigHistory({ store, cache, audit: (ctx, entry) => this.auditOrRefuse(ctx, entry) });
    this.transfer = new ApplicationTransfer({
      store,
      cache,
      environmentId,
      historyLimits: historyNote(options.history ?? DEFAULT_HISTORY_SETTINGS, '', 'set', []),
      audit: (ctx, entry) => this.audit(ctx, entry),
      auditOrRefuse: (ctx, entry) => this.auditOrRefuse(ctx, entry),
      changeAudit: (ctx, entries) => this.changeAudit(ctx, entries),
      secretForWrite: (ctx, action, application) => this.secretForWrite(ctx, action, application),
    });
    this.valueSearch = new ValueSearch({ store, cache, audit: (ctx, entry) => this.audit(ctx, entry) });
    this.environmentCompare = new EnvironmentCompare({
      store,
      cache,
      audit: (ctx, entries) => this.auditBatch(ctx, [entries].flat()),
      auditOrRefuse: (ctx, entries) => this.auditOrRefuse(ctx, entries),
      changeAudit: (ctx, entries) => this.changeAudit(ctx, entries),
      secretForWrite: (ctx, action, application) => this.secretForWrite(ctx, action, application),
      historyNote: (ctx, changed) => historyNote(this.options.history ?? DEFAULT_HISTORY_SETTINGS, this.who(ctx), 'set', changed),
    });
  }

  readonly handlers: Handlers = {
    status: async () => this.cache.snapshot(),
    health: async () => this.health(),
    'apps.list': async (p) => this.listApplications(p),
    'apps.get': async (p) => this.getApplication(p.name),
    'apps.create': async (p, ctx) => this.createApplication(p, ctx),
    'apps.delete': async (p, ctx) => this.deleteApplication(p.name, ctx),
    'apps.setEnabled': async (p, ctx) => this.setEnabled(p.name, p.enabled, ctx),
    'apps.addField': async (p, ctx) => this.onceMoreAfterSecretChange((attempt) => this.addFields(p, ctx, attempt)),
    'apps.removeField': async (p, ctx) => this.onceMoreAfterSecretChange((attempt) => this.removeFields(p, ctx, attempt)),
    'apps.export': async (p, ctx) => this.transfer.export(p, ctx),
    'apps.inspectExport': async (p) => this.transfer.inspect(p.file),
    'apps.planImport': async (p, ctx) => this.transfer.plan(p, ctx),
    'apps.import': async (p, ctx) => this.onceMoreAfterSecretChange((attempt) => this.transfer.apply(p, ctx, attempt)),
    'identifiers.list': async (p) => this.listIdentifiers(p),
    search: async (p) => this.store.search(p.query, p.limit ?? 50),
    'config.get': async (p, ctx) => this.readConfig(p, ctx),
    'config.set': async (p, ctx) => this.onceMoreAfterSecretChange((attempt) => this.writeConfig(p, ctx, attempt)),
    'config.delete': async (p, ctx) => this.deleteConfig(p, ctx),
    'config.grep': async (p, ctx) => this.valueSearch.page(p, ctx),
    'config.fingerprints': async (p, ctx) => this.environmentCompare.fingerprints(p, ctx),
    'config.setMany': async (p, ctx) => this.onceMoreAfterSecretChange((attempt) => this.environmentCompare.setMany(p, ctx, attempt)),
    'history.list': async (p) => this.history.list(p),
    'history.get': async (p, ctx) => this.history.get(p, ctx),
    'audit.list': async (p) => this.listAudit(p),
    'secret.info': async () => this.secretInfo(),
    'mss.nodes': async () => this.mssNodes(),
    'mss.promote': async (p, ctx) => this.auditedFirst(ctx, 'mss.promote', () => this.callMss('promote', {}, p.node)),
    'mss.demote': async (p, ctx) => this.auditedFirst(ctx, 'mss.demote', () => this.callMss('demote', {}, p.node)),
    'secret.backup': async (p, ctx) => this.audited(ctx, 'secret.backup', () => this.callMss('backup', p)),
    'secret.backupWritten': async (p, ctx) => this.audited(ctx, 'secret.backupWritten', () => this.callMss('backupWritten', p)),
    'secret.inspect': async (p) => this.inspectBackup(p.file),
    'secret.verify': async (p, ctx) => this.audited(ctx, 'secret.verify', () => this.callMss('verify', p)),
    'secret.restore': async (p, ctx) => this.auditedFirst(ctx, 'secret.restore', () => this.callMss('restore', p)),
    'secret.prepareGenerate': async (p, ctx) => this.audited(ctx, 'secret.prepareGenerate', () => this.callMss('prepareRotation', p)),
    'secret.commitGenerate': async (p, ctx) => this.auditedFirst(ctx, 'secret.generate', () => this.callMss('commitRotation', p)),
  };

  /** Runs an operation and audits its outcome (never its parameters: they hold passwords). */
  private async audited<T>(ctx: CallContext, action: string, run: () => Promise<T>): Promise<T> {
    try {
      const result = await run();
      await this.audit(ctx, { action, outcome: 'ok' });
      return result;
    } catch (err) {
      await this.audit(ctx, { action, outcome: err instanceof SsoError && err.code !== 'ENTSSO_E_INTERNAL' ? 'refused' : 'failed', detail: err instanceof SsoError ? err.code : undefined });
      throw err;
    }
  }

  /**
   * For operations that must not happen unaudited: a `<action>.start` row is written first (the
   * operation is refused when it cannot be), then the outcome as `audited` does.
   */
  private async auditedFirst<T>(ctx: CallContext, action: string, run: () => Promise<T>): Promise<T> {
    await this.auditOrRefuse(ctx, { action: `${action}.start`, outcome: 'ok' });
    return this.audited(ctx, action, run);
  }

  private async secretInfo(): Promise<SecretInfo> {
    const info = await this.store.getGlobalInfo();
    return {
      currentMsid: info.currentMsid,
      previousMsid: info.previousMsid,
      secretCreatedAt: info.secretCreatedAt,
      lastBackupAt: info.lastBackupAt,
      lastVerifiedBackupAt: info.lastVerifiedBackupAt,
      mssName: info.secretServer,
      reencrypt: this.cache.snapshot().reencrypt,
    };
  }

  async mssNodes(): Promise<MssNodesReport> {
    const [rows, lease] = await Promise.all([this.store.listMssNodes(), this.store.getLease()]);
    const now = Date.now();
    const holds = (name: string) => lease.holder === name && lease.expiresAt > now;
    return {
      nodes: rows.map((r) => ({
        name: r.name,
        role: holds(r.name) ? 'active' : 'standby',
        lastSeenAt: new Date(r.lastSeenAt).toISOString(),
        lastTakeoverAt: r.lastTakeoverAt === null ? null : new Date(r.lastTakeoverAt).toISOString(),
        holdsLease: holds(r.name),
      })),
      lease: { holder: lease.holder, expiresAt: new Date(lease.expiresAt).toISOString(), ageMs: lease.takenAt === null ? null : now - lease.takenAt, epoch: lease.epoch },
    };
  }

  private inspectBackup(fileB64: string): BackupFileInfo {
    const h = readProtectedHeader(Buffer.from(fileB64, 'base64'));
    if (h.format !== 'entsso-backup') throw new SsoError('ENTSSO_E_BAD_FILE', 'This file is not a master secret backup.');
    return { format: h.format, version: h.version, created: h.created, environment: h.environment, foreignEnvironment: h.environment !== this.environmentId, msids: h.msids ?? [], reminder: h.reminder };
  }

  /** Who is calling, as the audit and the history record it. */
  private who(ctx: CallContext): string {
    return `${this.osUser} via ${ctx.client}`;
  }

  /**
   * Records an event in SSOX_AuditTable, best-effort: a failure is logged (never thrown, so that
   * it cannot mask the operation's own outcome). Never a value: names of fields at most.
   */
  async audit(ctx: CallContext, entry: Omit<NewAuditEntry, 'user'>): Promise<void> {
    try {
      await this.appendAudit(ctx, entry);
    } catch (err) {
      this.reportLostAuditRow(entry.action, err);
      return;
    }
    if (this.lostAuditRows > 0) this.reportLostAuditRowsSinceLastLine();
  }

  /** Best-effort rows as `audit` writes them, several in one store write (a batch of configuration writes). */
  private async auditBatch(ctx: CallContext, entries: AuditEntryOf[]): Promise<void> {
    try {
      await this.appendAudit(ctx, entries);
    } catch (err) {
      this.reportLostAuditRow(entries[0]?.action ?? 'audit', err);
      return;
    }
    if (this.lostAuditRows > 0) this.reportLostAuditRowsSinceLastLine();
  }

  /**
   * Records an event that must not happen unaudited (a reveal, an export, a restore), its rows
   * all or none: when they cannot be written the caller gets ENTSSO_E_AUDIT_FAILED and must not go on.
   */
  async auditOrRefuse(ctx: CallContext, entries: AuditEntryOf | readonly AuditEntryOf[]): Promise<void> {
    const rows = [entries].flat();
    try {
      await this.appendAudit(ctx, rows);
    } catch (err) {
      const action = rows[0]?.action ?? 'audit';
      this.options.log?.(`refused ${action}: its audit row could not be written (${err instanceof SsoError ? err.code : 'unexpected error'})`);
      throw new SsoError(
        'ENTSSO_E_AUDIT_FAILED',
        'The SSO service could not write the audit record for this, so it did not do it: revealing values, exporting and restoring happen only when audited. ' +
          'Free disk space for the SSO database or make it reachable (see "ssoctl health" or the SSO health view), then try again.',
        { action },
      );
    }
  }

  /**
   * The audit rows of a change, for the store to write in the change's own transaction: a change
   * is never without its rows, whatever happens between the two (a crash, an audit file locked).
   */
  private changeAudit(ctx: CallContext, entries: readonly AuditEntryOf[]): ChangeAuditRows {
    const user = this.who(ctx);
    return { entries: entries.map((entry) => ({ ...entry, user })), retention: this.options.auditRetention };
  }

  private appendAudit(ctx: CallContext, entries: AuditEntryOf | readonly AuditEntryOf[]): Promise<void> {
    const user = this.who(ctx);
    return this.store.appendAudit([entries].flat().map((entry) => ({ ...entry, user })), this.options.auditRetention);
  }

  /** Logs the first lost row at once, then at most one summary a minute: a full disk must not flood the log. */
  private reportLostAuditRow(action: string, err: unknown): void {
    this.lostAuditRows++;
    const now = Date.now();
    if (now - this.lostAuditLoggedAt < LOST_AUDIT_LOG_INTERVAL_MS) return;
    const reason = err instanceof SsoError ? err.code : 'unexpected error';
    this.options.log?.(`audit: ${this.lostAuditRows} row(s) of best-effort events could not be written (latest: ${action}, ${reason}); these events are not refused for it`);
    this.lostAuditRows = 0;
    this.lostAuditLoggedAt = now;
  }

  /** Once the audit can be written again, the rows lost since the last line are counted in one more. */
  private reportLostAuditRowsSinceLastLine(): void {
    this.options.log?.(`audit: ${this.lostAuditRows} more row(s) of best-effort events could not be written before the audit worked again`);
    this.lostAuditRows = 0;
  }

  // ------------------------------------------------------------------ applications

  private async listApplications(p: ParamsOf<'apps.list'>): Promise<Page<ApplicationInfo>> {
    const limit = p.limit ?? DEFAULT_PAGE_SIZE;
    const rows = await this.store.listApplications({ filter: p.filter, after: p.cursor, limit: limit + 1 });
    return toPage(rows.slice(0, limit).map(toApplicationInfo), rows.length > limit, (a) => a.name);
  }

  private async getApplication(name: string): Promise<ApplicationDetail> {
    const row = await this.store.getApplication(name);
    if (!row) throw notFound(name);
    return { ...toApplicationInfo(row), fields: row.fields, fieldsVersion: fieldsVersion(row.fields) };
  }

  private async createApplication(p: ParamsOf<'apps.create'>, ctx: CallContext): Promise<ApplicationDetail> {
    await this.refuseUnlessCanEncrypt(ctx, 'app.create', p.name);
    if (p.kind === 'configStore' && p.fields[0]?.masked) {
      throw new SsoError('ENTSSO_E_INVALID_REQUEST', 'The first field of an application cannot be masked (ENTSSO rule). Add an unmasked field first.');
    }
    const flags = applicationFlags(p.kind, p.enabled ?? true);
    const audit = this.changeAudit(ctx, [{ action: 'app.create', outcome: 'ok', application: p.name, fields: p.fields.map((f) => f.label) }]);
    await this.store.createApplication({
      name: p.name,
      kind: p.kind,
      description: p.description ?? '',
      contact: p.contact ?? '',
      userGroup: p.userGroup ?? 'SSO Affiliate Administrators',
      adminGroup: p.adminGroup ?? 'SSO Administrators',
      flags,
      fields: p.fields,
    }, audit);
    return this.getApplication(p.name);
  }

  private async deleteApplication(name: string, ctx: CallContext): Promise<{ deleted: true }> {
    await this.refuseUnlessCanEncrypt(ctx, 'app.delete', name);
    await this.store.deleteApplication(name, this.changeAudit(ctx, [{ action: 'app.delete', outcome: 'ok', application: name }]));
    return { deleted: true };
  }

  private async setEnabled(name: string, enabled: boolean, ctx: CallContext): Promise<ApplicationDetail> {
    const action = enabled ? 'app.enable' : 'app.disable';
    await this.refuseUnlessCanEncrypt(ctx, action, name);
    const app = await this.getApplication(name);
    const flags = enabled ? app.flags | AppFlags.enabled : app.flags & ~AppFlags.enabled;
    await this.store.setApplicationFlags(app.name, flags, this.changeAudit(ctx, [{ action, outcome: 'ok', application: app.name }]));
    return this.getApplication(app.name);
  }

  // ------------------------------------------------------------------ field list changes

  /**
   * Appends fields in one store transaction that keeps every value. Values a configuration may
   * still hold under one of the new names (written by a client that read the field list before a
   * removal of that field) are dropped in the same transaction, so a re-added field starts empty.
   */
  private async addFields(p: ParamsOf<'apps.addField'>, ctx: CallContext, attempt: WriteAttempt): Promise<ApplicationDetail> {
    const labels = p.fields.map((f) => f.label);
    return this.fieldChange(ctx, attempt, 'app.addField', p.name, labels, p.expectedFieldsVersion, (state, secret) => {
      const existing = new Map(state.app.fields.map((f) => [f.label.toLowerCase(), f.label]));
      const clash = p.fields.filter((f) => existing.has(f.label.toLowerCase()));
      if (clash.length > 0) {
        throw new SsoError(
          'ENTSSO_E_INVALID_REQUEST',
          `Application "${state.app.name}" already has ${clash.map((f) => `"${existing.get(f.label.toLowerCase())}"`).join(', ')} (field names are compared ignoring case). Nothing was changed.`,
          { application: state.app.name, fields: clash.map((f) => f.label) },
        );
      }
      if (state.app.fields.length + p.fields.length > LIMITS.fieldCount) {
        throw new SsoError('ENTSSO_E_INVALID_REQUEST', `An application has at most ${LIMITS.fieldCount} fields; "${state.app.name}" has ${state.app.fields.length}. Nothing was changed.`);
      }
      const fields = [...state.app.fields.map(({ label, masked }) => ({ label, masked })), ...p.fields];
      return fieldListChange(state, secret, fields, labels);
    });
  }

  /** Removes fields and purges their values from every configuration, in one store transaction. */
  private async removeFields(p: ParamsOf<'apps.removeField'>, ctx: CallContext, attempt: WriteAttempt): Promise<ApplicationDetail> {
    return this.fieldChange(ctx, attempt, 'app.removeField', p.name, p.fields, p.expectedFieldsVersion, (state, secret) => {
      const labels = canonicalLabels(state.app as ApplicationDetail, p.fields);
      const removed = new Set(p.fields.map((name) => (labels.get(name.toLowerCase()) as string).toLowerCase()));
      const remaining = state.app.fields.filter((f) => !removed.has(f.label.toLowerCase())).map(({ label, masked }) => ({ label, masked }));
      if (remaining.length === 0) {
        throw new SsoError(
          'ENTSSO_E_INVALID_REQUEST',
          `An SSO application needs at least one field: "${state.app.name}" cannot lose ${state.app.fields.length === 1 ? 'its only field' : 'all its fields'}. Add the new field first, then remove the old one. Nothing was changed.`,
          { application: state.app.name },
        );
      }
      if (remaining[0]!.masked && remaining[0]!.label !== state.app.fields[0]!.label) {
        throw new SsoError(
          'ENTSSO_E_INVALID_REQUEST',
          `Removing ${[...removed].length === 1 ? 'this field' : 'these fields'} would leave the masked field "${remaining[0]!.label}" first in "${state.app.name}", and the first field of an application cannot be masked (ENTSSO rule). Nothing was changed.`,
          { application: state.app.name, fields: [remaining[0]!.label] },
        );
      }
      return fieldListChange(state, secret, remaining, [...removed]);
    });
  }

  /** The common frame of field-list changes: refuse without encryption, read, compute, apply at once, audit. */
  private async fieldChange(
    ctx: CallContext,
    attempt: WriteAttempt,
    action: string,
    name: string,
    fieldNames: string[],
    expectedFieldsVersion: string | undefined,
    compute: (state: ApplicationState, secret: ReturnType<SecretCache['secretForEncryption']>) => ReturnType<typeof fieldListChange>,
  ): Promise<ApplicationDetail> {
    const secret = await this.secretForWrite(ctx, action, name);
    let application = name;
    try {
      const state = await readApplicationState(this.store, this.cache, name);
      if (!state) throw notFound(name);
      application = state.app.name;
      checkFieldsVersion(state, expectedFieldsVersion);
      const { change, purged } = compute(state, secret);
      const detail = purged > 0 ? `${purged} configuration(s) rewritten` : undefined;
      await this.store.applyApplicationChanges([change], this.changeAudit(ctx, [{ action, outcome: 'ok', application, fields: fieldNames, detail }]));
    } catch (err) {
      if (auditsRefusal(attempt, err)) await this.audit(ctx, { action, outcome: err instanceof SsoError && err.code !== 'ENTSSO_E_INTERNAL' ? 'refused' : 'failed', application, fields: fieldNames, detail: err instanceof SsoError ? err.code : undefined });
      throw err;
    }
    return this.getApplication(application);
  }

  private async listIdentifiers(p: ParamsOf<'identifiers.list'>): Promise<Page<IdentifierInfo>> {
    const app = await this.getApplication(p.application);
    const limit = p.limit ?? DEFAULT_PAGE_SIZE;
    const rows = await this.store.listIdentifiers(app.name, { filter: p.filter, after: p.cursor, limit: limit + 1 });
    const items = rows.slice(0, limit).map((r) => ({ application: app.name, identifier: r.identifier, timestamp: r.timestamp, modifiedAt: r.modifiedAt }));
    return toPage(items, rows.length > limit, (i) => i.identifier);
  }

  // ------------------------------------------------------------------ configurations

  private async readConfig(p: ParamsOf<'config.get'>, ctx: CallContext): Promise<ConfigDocument> {
    // One read for the application's fields and the row: opening a document is the hot path.
    const found = await this.store.readConfiguration(p.application, p.identifier);
    if (!found) throw notFound(p.application);
    const row = found.row;
    if (!row) throw mappingNotFound(found.name, p.identifier);
    // Checked on every read, kept document or not: a secret no longer held means no answer.
    const secret = this.cache.secretForDecryption(row.msid);
    if (!p.reveal) return this.maskedDocument(found, row, secret);
    const document = this.configDocument(found, row, secret, true);
    if (document.masked.length > 0) {
      // Before the values leave the service: no audit row, no values.
      await this.auditOrRefuse(ctx, { action: 'config.reveal', outcome: 'ok', application: found.name, identifier: p.identifier, fields: document.masked });
    }
    return document;
  }

  /**
   * The document without masked values, kept for as long as the store hands back the same read
   * (its memo returns the identical object until the SSODB file changes): a configuration read
   * again and again (editors, BizTalk reading its config store) is decrypted once. Only what every
   * client gets without revealing is kept; masked values are never kept, and a reveal always
   * decrypts afresh.
   */
  private maskedDocument(found: ConfigurationRead, row: CredentialRow, secret: MasterSecret): ConfigDocument {
    let document = this.maskedDocuments.get(found);
    if (!document) {
      document = this.savedDocument.take(found, row) ?? this.frozenMaskedDocument(found, row, secret);
      this.maskedDocuments.set(found, document);
    }
    return document;
  }

  private frozenMaskedDocument(found: ConfigurationRead, row: CredentialRow, secret: MasterSecret): ConfigDocument {
    return frozenDocument(this.configDocument(found, row, secret, false));
  }

  /**
   * The document the save's next read gets, from the values the save encrypted (see
   * SavedDocument), made before the save is answered: the service is idle when that read comes,
   * and the saved row is never decrypted again for it.
   */
  private keepDocumentOfSave(found: ConfigurationRead, save: ComposedSave, values: DocumentValues, written: Omit<CredentialRow, 'ciphertext'>): void {
    const row: CredentialRow = { ...written, identifier: save.identifier, msid: save.msid, ciphertext: save.ciphertext };
    const read: ConfigurationRead = { name: found.name, fields: found.fields, row };
    this.savedDocument.keep(read, row, frozenDocument(documentOf(read.name, row, values)));
  }

  private configDocument(found: ConfigurationRead, row: CredentialRow, secret: MasterSecret, reveal: boolean): ConfigDocument {
    const values = decryptValues(secret, found.name, row.identifier, row.ciphertext);
    return documentOf(found.name, row, documentValues(found.fields, values, reveal));
  }

  private async writeConfig(p: ParamsOf<'config.set'>, ctx: CallContext, attempt: WriteAttempt): Promise<IdentifierInfo> {
    const secret = await this.secretForWrite(ctx, 'config.set', p.application, p.identifier);
    try {
      let composed: { found: ConfigurationRead; save: ComposedSave; values: DocumentValues } | undefined;
      const compose: ComposeSave = (found) => {
        const { save, values } = this.composeSave(p, ctx, secret, found);
        composed = { found: found as ConfigurationRead, save, values };
        return save;
      };
      // Where the store can, the fields and the stored row are read in the save's own transaction.
      const row = this.store.saveConfiguration
        ? await this.store.saveConfiguration(p.application, p.identifier, p.expectedTimestamp, compose)
        : await this.saveAfterReading(p, compose);
      if (composed) this.keepDocumentOfSave(composed.found, composed.save, composed.values, row);
      return { application: row.application, identifier: p.identifier, timestamp: row.timestamp, modifiedAt: row.modifiedAt };
    } catch (err) {
      // Every final refusal is audited: conflicts found before the write as well as by the store.
      if (err instanceof SsoError && auditsRefusal(attempt, err)) await this.audit(ctx, { action: 'config.set', outcome: 'refused', application: p.application, identifier: p.identifier, detail: err.code });
      throw err;
    }
  }

  /** One read for the fields and the stored row (usually still kept from opening the document), then the write. */
  private async saveAfterReading(p: ParamsOf<'config.set'>, compose: ComposeSave): Promise<Omit<CredentialRow, 'ciphertext'>> {
    const found = await this.store.readConfiguration(p.application, p.identifier);
    const save = compose(found);
    return this.store.putCredentials(found!.name, save.identifier, p.expectedTimestamp, save.msid, save.ciphertext, save.history, save.audit);
  }

  /**
   * The values a save writes, merged into what is stored and encrypted, and those of them a read
   * without reveal shows (no masked value); synchronous, so it can run inside the store's transaction.
   */
  private composeSave(p: ParamsOf<'config.set'>, ctx: CallContext, secret: MasterSecret, found: ConfigurationRead | undefined): { save: ComposedSave; values: DocumentValues } {
    if (!found) throw notFound(p.application);
    const app = { name: found.name, fields: found.fields };
    const labels = canonicalLabels(app, [...Object.keys(p.fields), ...(p.clearMasked ?? [])]);
    const { identifier, values: stored } = this.storedValuesFor(app.name, found.row, p.identifier, p.expectedTimestamp);
    const values = writtenValues(app.fields, stored, labels, p.fields, p.clearMasked);
    const fieldLabels = app.fields.map((f) => f.label);
    checkConfigurationSize(app.name, identifier, { labels: fieldLabels, values }, { labels: fieldLabels, values: stored });
    // Encrypted under the identifier's stored spelling: the store keeps it, and reads decrypt under it.
    const ciphertext = encryptValues(secret, app.name, identifier, values);
    // Updating keeps the replaced version (history), in the store's write transaction.
    const history = p.expectedTimestamp === null ? undefined : historyNote(this.options.history ?? DEFAULT_HISTORY_SETTINGS, this.who(ctx), 'set', changedFieldLabels(app.fields, stored, values));
    // The audit row is written with the change, in its transaction: one commit, never one without the other.
    const audit = { entry: { action: 'config.set', outcome: 'ok' as const, application: app.name, identifier: p.identifier, fields: Object.keys(p.fields), user: this.who(ctx) }, retention: this.options.auditRetention };
    return { save: { identifier, msid: secret.msid, ciphertext, history, audit }, values: documentValues(app.fields, values, false) };
  }

  private async deleteConfig(p: ParamsOf<'config.delete'>, ctx: CallContext): Promise<{ deleted: true }> {
    await this.refuseUnlessCanEncrypt(ctx, 'config.delete', p.application, p.identifier);
    const app = await this.getApplication(p.application);
    const kept = historyNote(this.options.history ?? DEFAULT_HISTORY_SETTINGS, this.who(ctx), 'delete', []);
    await this.store.deleteCredentials(app.name, p.identifier, p.expectedTimestamp, kept, this.changeAudit(ctx, [{ action: 'config.delete', outcome: 'ok', application: app.name, identifier: p.identifier }]));
    return { deleted: true };
  }

  /**
   * The values a write starts from (the stored ones when updating, none when creating; the store
   * refuses a create over an existing row) and the identifier's stored spelling.
   */
  private storedValuesFor(
    application: string,
    row: CredentialRow | undefined,
    identifier: string,
    expected: string | null,
  ): { identifier: string; values: Map<string, string> } {
    if (expected === null) return { identifier, values: new Map() };
    if (!row) throw mappingNotFound(application, identifier);
    if (row.timestamp !== expected) throw conflict(application, identifier);
    return { identifier: row.identifier, values: decryptValues(this.cache.secretForDecryption(row.msid), application, row.identifier, row.ciphertext) };
  }

  /** `write`, made once more after re-synchronising the secrets if SSODB refused its secret (see secretChangeRetry.ts). */
  private onceMoreAfterSecretChange<T>(write: (attempt: WriteAttempt) => Promise<T>): Promise<T> {
    return onceMoreAfterSecretChange(write, this.options.resyncSecrets, this.cache);
  }

  /** Refuses (and audits the refusal) before anything is sent to the store. */
  private async secretForWrite(ctx: CallContext, action: string, application: string | undefined, identifier?: string) {
    try {
      return this.cache.secretForEncryption();
    } catch (err) {
      const code = err instanceof SsoError ? err.code : 'ENTSSO_E_INTERNAL';
      await this.audit(ctx, { action, outcome: 'refused', application, identifier, detail: code });
      throw err;
    }
  }

  private async refuseUnlessCanEncrypt(ctx: CallContext, action: string, application: string, identifier?: string): Promise<void> {
    await this.secretForWrite(ctx, action, application, identifier);
  }

  // ------------------------------------------------------------------ audit and health

  private async listAudit(p: ParamsOf<'audit.list'>): Promise<AuditPage> {
    return listAuditPage(this.store, { cursor: p.cursor, limit: p.limit ?? DEFAULT_PAGE_SIZE, filter: p.filter }, this.options.auditRetention);
  }

  async health(): Promise<HealthReport> {
    return healthReport({ state: this.cache.snapshot(), store: this.store, mssNodes: () => this.mssNodes() });
  }
}

/** What a document shows of a configuration's values: every field in order, masked ones empty unless revealed. */
type DocumentValues = Pick<ConfigDocument, 'fields' | 'masked' | 'maskedSet' | 'revealed'>;

function documentValues(fields: readonly FieldInfo[], values: ReadonlyMap<string, string>, reveal: boolean): DocumentValues {
  const masked: string[] = [];
  const maskedSet: string[] = [];
  const shown = nameKeyedRecord<string>();
  for (const f of fields) {
    const value = values.get(f.label) ?? '';
    if (f.masked) masked.push(f.label);
    if (f.masked && value !== '') maskedSet.push(f.label);
    shown[f.label] = f.masked && !reveal ? '' : value;
  }
  return { fields: shown, masked, maskedSet, revealed: reveal };
}

function documentOf(application: string, row: Pick<CredentialRow, 'identifier' | 'timestamp' | 'modifiedAt'>, values: DocumentValues): ConfigDocument {
  return { application, identifier: row.identifier, timestamp: row.timestamp, modifiedAt: row.modifiedAt, ...values };
}

/** Kept documents are shared by every read: frozen, so that nothing can change what the next read gets. */
function frozenDocument(document: ConfigDocument): ConfigDocument {
  Object.freeze(document.fields);
  Object.freeze(document.masked);
  Object.freeze(document.maskedSet);
  return Object.freeze(document);
}

function toApplicationInfo(row: ApplicationRow): ApplicationInfo {
  return {
    name: row.name,
    description: row.description,
    contact: row.contact,
    userGroup: row.userGroup,
    adminGroup: row.adminGroup,
    flags: row.flags,
    kind: row.kind,
    enabled: (row.flags & AppFlags.enabled) !== 0,
    numFields: row.numFields,
    identifierCount: row.identifierCount,
  };
}

function toPage<T>(items: T[], more: boolean, key: (item: T) => string): Page<T> {
  const last = items[items.length - 1];
  return more && last !== undefined ? { items, nextCursor: key(last) } : { items };
}

/** Maps given field names (case-insensitively) to the application's labels; unknown ones are an error. */
function canonicalLabels(app: Pick<ApplicationDetail, 'name' | 'fields'>, names: string[]): Map<string, string> {
  const labels = new Map(app.fields.map((f) => [f.label.toLowerCase(), f.label]));
  const unknown = names.filter((n) => !labels.has(n.toLowerCase()));
  if (unknown.length > 0) {
    throw new SsoError(
      'ENTSSO_E_UNKNOWN_FIELD',
      `Application "${app.name}" has no field named ${unknown.map((u) => `"${u}"`).join(', ')}. Its fields are: ${app.fields.map((f) => f.label).join(', ')}. Nothing was saved.`,
      { unknown, fields: app.fields.map((f) => f.label) },
    );
  }
  return labels;
}

function notFound(name: string): SsoError {
  return new SsoError('ENTSSO_E_APPLICATION_NOT_FOUND', `There is no SSO application named "${name}". Refresh the list: it may have been deleted.`, { application: name });
}

function mappingNotFound(application: string, identifier: string): SsoError {
  return new SsoError('ENTSSO_E_MAPPING_NOT_FOUND', `Application "${application}" has no configuration "${identifier}". Refresh the list: it may have been deleted.`, { application, identifier });
}

function conflict(application: string, identifier: string): SsoError {
  return new SsoError(
    'ENTSSO_E_CONFLICT',
    `The configuration "${identifier}" of "${application}" was changed by someone else after you opened it. Nothing was saved: compare with the newer version, then save again.`,
    { application, identifier },
  );
}

function safeUserName(): string {
  try {
    return os.userInfo().username;
  } catch {
    return `uid ${process.getuid?.() ?? '?'}`;
  }
}
