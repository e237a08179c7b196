/**
 * Export and import of applications (the service side of `ssoctl app export|import` and, later,
 * the palette commands): export to a password-protected file; import in two steps, PLAN then
 * APPLY. Planning decrypts what SSODB holds and returns what would change, by field name, with
 * before/after documents whose masked values are placeholders. Applying recomputes the plan from
 * the file and SSODB, refuses (ENTSSO_E_CONFLICT) if its basis differs from the one the caller
 * reviewed, and hands the store every change at once: one transaction, all or nothing.
 *
 * Size: files travel base64-encoded in one protocol frame (MAX_FRAME_BYTES, 4 MiB), so a file
 * is at most MAX_TRANSFER_FILE_BYTES (3,000,000 bytes), i.e. about 2.2 MB of definitions and
 * values in an entsso export (its body is base64 of the ciphertext). Larger sets of applications
 * are exported in several files. A plan whose documents would not fit a frame is returned
 * without them (`documentsOmitted`).
 */
import { createHash } from 'node:crypto';
import { SsoError } from '../../protocol/errors';
import {
  CONFIG_PROPERTIES_IDENTIFIER,
  MAX_FRAME_BYTES,
  MAX_TRANSFER_FILE_BYTES,
  type ApplicationImportPlan,
  type ExportFileInfo,
  type ImportPlan,
  type ImportResult,
  type ImportSource,
  type ParamsOf,
  type ResultOf,
} from '../../protocol/messages';
import type { MasterSecret } from '../crypto/masterSecret';
import { readProtectedHeader } from '../crypto/protectedFile';
import type { ApplicationChange, ChangeAuditRows, NewAuditEntry, SsoStore } from '../ssodb/store';
import { newNameProblem } from '../../protocol/names';
import { escapeUnsafeCharacters } from '../../protocol/untrustedText';
import { checkConfigurationSize, encryptValues, expectedOf, readApplicationState, valuesOfFields, type ApplicationState } from './applicationState';
import { compareNames, importBasis, maskedComparisonAudit, planApplicationImport, type IncomingApplication, type PlannedApplication } from './importPlan';
import type { SecretCache } from './secretCache';
import { exportedHistory, historyImportNotes, importedHistory, type HistoryLimits } from './historyTransfer';
import { auditsRefusal, FINAL_ATTEMPT, type WriteAttempt } from './secretChangeRetry';
import { readExportFile, readSsoFile, SSO_FILE_WARNING, writeExportFile, writeSsoFile, type ExportedApplication, type ExportedVersion } from './transferFiles';

interface TransferContext {
  client: string;
}

interface TransferDeps {
  store: SsoStore;
  cache: SecretCache;
  environmentId: string;
  /** This environment's history limits: an import keeps no more of a file's versions than a save would. */
  historyLimits: HistoryLimits;
  audit(ctx: TransferContext, entry: Omit<NewAuditEntry, 'user'>): Promise<void>;
  /** Audits an event that must not happen unaudited, its rows all or none; throws ENTSSO_E_AUDIT_FAILED when it cannot. */
  auditOrRefuse(ctx: TransferContext, entries: Omit<NewAuditEntry, 'user'> | readonly Omit<NewAuditEntry, 'user'>[]): Promise<void>;
  /** The audit rows of a change, for the store to write in the change's own transaction. */
  changeAudit(ctx: TransferContext, entries: readonly Omit<NewAuditEntry, 'user'>[]): ChangeAuditRows;
  /** The secret to encrypt with, or the refusal (audited) when the service cannot encrypt. */
  secretForWrite(ctx: TransferContext, action: string, application: string | undefined): Promise<MasterSecret>;
}

/** Room left in a frame for the JSON-RPC envelope around a file or a plan. */
const FRAME_MARGIN = 64 * 1024;

interface Prepared {
  planned: { incoming: IncomingApplication; state: ApplicationState | undefined; planned: PlannedApplication; basis: string }[];
  warnings: string[];
}

export class ApplicationTransfer {
  constructor(private readonly deps: TransferDeps) {}

  // -------------------------------------------------------------- export

  async export(p: ParamsOf<'apps.export'>, ctx: TransferContext): Promise<ResultOf<'apps.export'>> {
    try {
      if (p.format === 'sso' && p.names.length !== 1) {
        throw new SsoError('ENTSSO_E_INVALID_REQUEST', 'A .sso file holds exactly one application: export one application per .sso file.');
      }
      const states: ApplicationState[] = [];
      for (const name of p.names) {
        const state = await readApplicationState(this.deps.store, this.deps.cache, name);
        if (!state) throw new SsoError('ENTSSO_E_APPLICATION_NOT_FOUND', `There is no SSO application named "${name}". Nothing was exported.`, { application: name });
        states.push(state);
      }
      let file: Buffer;
      const warnings: string[] = [];
      if (p.format === 'sso') {
        const state = states[0]!;
        const row = state.rows.find((r) => r.identifier.toLowerCase() === CONFIG_PROPERTIES_IDENTIFIER.toLowerCase());
        if (!row) {
          throw new SsoError(
            'ENTSSO_E_MAPPING_NOT_FOUND',
            `Application "${state.app.name}" has no "${CONFIG_PROPERTIES_IDENTIFIER}" configuration, which is what a .sso file holds. Export it in the entsso format instead.`,
            { application: state.app.name, identifier: CONFIG_PROPERTIES_IDENTIFIER },
          );
        }
        // The snap-in's files list every key of the application, empty or not.
        file = writeSsoFile(new Map(state.app.fields.map((f) => [f.label, row.values.get(f.label) ?? ''])), p.password);
        warnings.push(SSO_FILE_WARNING);
        if (state.rows.length > 1) {
          warnings.push(`Only the "${CONFIG_PROPERTIES_IDENTIFIER}" configuration of "${state.app.name}" is in the .sso file; its ${state.rows.length - 1} other configuration(s) are not.`);
        }
      } else {
        const applications = await Promise.all(states.map(async (state) => withHistory(exportedApplication(state), p.withHistory ? await exportedHistory(this.deps.store, this.deps.cache, state) : undefined)));
        file = await writeExportFile(applications, { password: p.password, reminder: p.reminder ?? '', environment: this.deps.environmentId });
      }
      if (file.length > MAX_TRANSFER_FILE_BYTES) {
        throw new SsoError(
          'ENTSSO_E_INVALID_REQUEST',
          `The export would be ${file.length} bytes, more than the ${MAX_TRANSFER_FILE_BYTES} bytes a file can travel in. Export fewer applications per file${p.withHistory ? ', or without their history' : ''}.`,
          { bytes: file.length, limit: MAX_TRANSFER_FILE_BYTES },
        );
      }
      // Before the file leaves the service, one row per application in one transaction: no rows, no export.
      await this.deps.auditOrRefuse(
        ctx,
        states.map((state) => ({ action: 'app.export', outcome: 'ok', application: state.app.name, fields: state.app.fields.map((f) => f.label), detail: `format ${p.format}, ${state.rows.length} configuration(s)${p.withHistory && p.format === 'entsso' ? ', with history' : ''}` })),
      );
      return { file: file.toString('base64'), format: p.format, applications: states.map((s) => s.app.name), warnings };
    } catch (err) {
      await this.auditFailure(ctx, 'app.export', p.names, err);
      throw err;
    }
  }

  inspect(fileB64: string): ExportFileInfo {
    const h = readProtectedHeader(Buffer.from(fileB64, 'base64'));
    if (h.format !== 'entsso-export') throw new SsoError('ENTSSO_E_BAD_FILE', 'This file is a master secret backup, not an application export.', { reason: 'wrong-kind' });
    return { format: h.format, version: h.version, created: h.created, environment: h.environment, foreignEnvironment: h.environment !== this.deps.environmentId, reminder: h.reminder };
  }

  // -------------------------------------------------------------- import

  async plan(p: ImportSource, ctx: TransferContext): Promise<ImportPlan> {
    const prepared = await this.prepare(p);
    await this.auditMaskedComparisons(ctx, prepared);
    const applications: ApplicationImportPlan[] = prepared.planned.map(({ planned, state, basis }) => ({
      ...planned.plan,
      rowsRead: state ? state.rowsRead : { count: 0, maxTimestamp: null },
      basis,
    }));
    const plan: ImportPlan = {
      format: p.format,
      mode: p.mode,
      applications,
      hasChanges: applications.some((a) => a.action !== 'unchanged'),
      expected: Object.fromEntries(applications.map((a) => [a.application, a.basis])),
      warnings: prepared.warnings,
    };
    if (Buffer.byteLength(JSON.stringify(plan), 'utf8') <= MAX_FRAME_BYTES - FRAME_MARGIN) return plan;
    const bare: ImportPlan = {
      ...plan,
      applications: applications.map(({ before: _before, after: _after, ...rest }) => rest),
      documentsOmitted: 'The before/after documents are too large for one reply; the plan lists every change by field name.',
    };
    if (Buffer.byteLength(JSON.stringify(bare), 'utf8') > MAX_FRAME_BYTES - FRAME_MARGIN) {
      throw new SsoError('ENTSSO_E_INVALID_REQUEST', 'The import plan is too large to return in one reply. Split the import into several files.');
    }
    return bare;
  }

  async apply(p: ImportSource & { expected: Record<string, string> }, ctx: TransferContext, attempt: WriteAttempt = FINAL_ATTEMPT): Promise<ImportResult> {
    // Refused (and audited) before the file is even opened when nothing can be encrypted.
    const secret = await this.deps.secretForWrite(ctx, 'app.import', p.name);
    let names: string[] = p.name ? [p.name] : [];
    try {
      const prepared = await this.prepare(p);
      names = prepared.planned.map((x) => x.planned.plan.application);
      this.checkBasis(prepared, p.expected);
      const changes: ApplicationChange[] = [];
      const restoredVersions = new Map<string, number>();
      for (const { planned, state, incoming } of prepared.planned) {
        if (planned.plan.action === 'unchanged') continue;
        const application = planned.plan.application;
        changes.push({
          application,
          ...(planned.create ? { create: planned.create } : { expected: expectedOf(state!) }),
          ...(planned.fields ? { fields: planned.fields } : {}),
          rows: await Promise.all(
            planned.rows.map(async (row) => {
              if (row.op === 'delete') return row;
              const history = await importedHistory(this.deps.store, secret, application, incoming, row, this.deps.historyLimits);
              if (history) restoredVersions.set(application, (restoredVersions.get(application) ?? 0) + history.length);
              return { op: 'put' as const, identifier: row.identifier, expectedTimestamp: row.expectedTimestamp, msid: secret.msid, ciphertext: encryptValues(secret, application, row.identifier, row.values), ...(history ? { importedHistory: history } : {}) };
            }),
          ),
        });
      }
      const result: ImportResult = { applications: [], warnings: prepared.warnings };
      const audit: Omit<NewAuditEntry, 'user'>[] = [];
      for (const { planned } of prepared.planned) {
        const plan = planned.plan;
        const count = (action: string) => plan.identifiers.filter((i) => i.action === action).length;
        const summary = {
          application: plan.application,
          action: plan.action,
          identifiersCreated: count('create'),
          identifiersUpdated: count('update'),
          identifiersDeleted: count('delete'),
          fieldsAdded: plan.fieldsAdded.map((f) => f.label),
          fieldsRemoved: plan.fieldsRemoved,
        };
        result.applications.push(summary);
        audit.push({
          action: 'app.import',
          outcome: 'ok',
          application: plan.application,
          fields: touchedFields(plan),
          detail:
            `${p.format} file, mode ${p.mode}: ${plan.action}; identifiers created ${summary.identifiersCreated}, updated ${summary.identifiersUpdated}, deleted ${summary.identifiersDeleted}` +
            (restoredVersions.get(plan.application) ? `; kept versions restored ${restoredVersions.get(plan.application)}` : ''),
        });
      }
      // The import and its rows in one transaction: never an import without its audit.
      await this.deps.store.applyApplicationChanges(changes, this.deps.changeAudit(ctx, audit));
      return result;
    } catch (err) {
      if (auditsRefusal(attempt, err)) await this.auditFailure(ctx, 'app.import', names, err);
      throw err;
    }
  }

  /** Opens the file, reads what SSODB holds for each of its applications, and plans. */
  private async prepare(p: ImportSource): Promise<Prepared> {
    const bytes = Buffer.from(p.file, 'base64');
    if (bytes.length > MAX_TRANSFER_FILE_BYTES) throw new SsoError('ENTSSO_E_INVALID_REQUEST', `The file is larger than the ${MAX_TRANSFER_FILE_BYTES} bytes an import accepts.`);
    const warnings: string[] = [];
    let incoming: IncomingApplication[];
    if (p.format === 'sso') {
      if (!p.name) throw new SsoError('ENTSSO_E_INVALID_REQUEST', 'Say which application a .sso file is for ("name"; the snap-in uses the file name).');
      incoming = [await readSsoFile(bytes, p.password, p.name)];
      warnings.push(SSO_FILE_WARNING);
      if (p.mode === 'mirror') warnings.push('A .sso file holds only the ConfigProperties configuration: mirroring it removes keys and fields, never other configurations.');
    } else {
      const opened = await readExportFile(bytes, p.password);
      if (opened.header.environment !== this.deps.environmentId) {
        warnings.push(`The export was made in another SSO environment (${opened.header.environment}) on ${opened.header.created}.`);
      }
      incoming = opened.applications;
    }
    const fileDigest = createHash('sha256').update(bytes).digest('hex');
    const planned: Prepared['planned'] = [];
    for (const app of [...incoming].sort((a, b) => compareNames(a.name, b.name))) {
      const state = await readApplicationState(this.deps.store, this.deps.cache, app.name);
      const current = state && {
        name: state.app.name,
        kind: state.app.kind,
        fields: state.app.fields.map(({ label, masked }) => ({ label, masked })),
        rows: state.rows,
      };
      const plan = planApplicationImport(app, current, p.mode);
      checkWhatImportCreates(plan, state);
      const basis = importBasis({
        mode: p.mode,
        format: p.format,
        fileDigest,
        application: app.name,
        current,
        rowsRead: state ? state.rowsRead : { count: 0, maxTimestamp: null },
      });
      planned.push({ incoming: app, state, planned: plan, basis });
      warnings.push(...(await historyImportNotes(this.deps.store, app, plan.rows, this.deps.historyLimits)));
    }
    return { planned, warnings };
  }

  /**
   * A plan says whether a masked value in the file equals the stored one (changed, kept or
   * unchanged), so whoever writes the file can test guesses: like a fingerprint, that answer is
   * audited before it leaves, one row per application compared (maskedComparisonAudit), and
   * refused when it cannot be. (Hiding equality instead would make every re-import of the same
   * file look like a change.)
   */
  private async auditMaskedComparisons(ctx: TransferContext, prepared: Prepared): Promise<void> {
    const rows = prepared.planned.flatMap(({ planned }) => maskedComparisonAudit(planned) ?? []);
    if (rows.length > 0) await this.deps.auditOrRefuse(ctx, rows);
  }

  private checkBasis(prepared: Prepared, expected: Record<string, string>): void {
    const wanted = new Map(Object.entries(expected).map(([name, basis]) => [name.toLowerCase(), basis]));
    const stale = prepared.planned.filter(({ planned, basis }) => wanted.get(planned.plan.application.toLowerCase()) !== basis).map((x) => x.planned.plan.application);
    const planned = new Set(prepared.planned.map((x) => x.planned.plan.application.toLowerCase()));
    const extra = [...wanted.keys()].filter((name) => !planned.has(name));
    if (stale.length === 0 && extra.length === 0) return;
    throw new SsoError(
      'ENTSSO_E_CONFLICT',
      `The SSO database or the file changed since the import was planned${stale.length > 0 ? ` (${stale.map((n) => `"${n}"`).join(', ')})` : ''}. ` +
        'Nothing was imported: plan the import again and review the new plan.',
      { reason: 'plan-outdated', applications: stale },
    );
  }

  private async auditFailure(ctx: TransferContext, action: string, applications: string[], err: unknown): Promise<void> {
    const outcome = err instanceof SsoError && err.code !== 'ENTSSO_E_INTERNAL' ? 'refused' : 'failed';
    const detail = err instanceof SsoError ? err.code : undefined;
    if (applications.length === 0) await this.deps.audit(ctx, { action, outcome, detail });
    for (const application of applications) await this.deps.audit(ctx, { action, outcome, application, detail });
  }
}

/**
 * Before anything is planned for review: every name the import would create (application,
 * fields, identifiers) must pass the name rule, and every configuration it writes must stay
 * readable (size). Names that exist already are matched as stored, whatever their spelling.
 */
function checkWhatImportCreates(planned: PlannedApplication, state: ApplicationState | undefined): void {
  const application = planned.plan.application;
  const refuse = (what: string, name: string) => {
    const problem = newNameProblem(name);
    if (!problem) return;
    // The rejected name is the file's, as it is: escaped for terminals and notifications.
    const shown = (text: string) => escapeUnsafeCharacters(text);
    throw new SsoError('ENTSSO_E_BAD_FILE', `The file would create ${what === 'application' ? 'the application' : `${what} "${shown(name)}" in`} "${shown(application)}", whose name ${problem.text} Nothing was imported: rename it where the file comes from.`, {
      reason: 'bad-name',
      code: problem.code,
    });
  };
  if (planned.create) refuse('application', planned.create.name);
  const fields = planned.fields ?? planned.create?.fields ?? state?.app.fields ?? [];
  const existingLabels = new Set(state?.app.fields.map((f) => f.label) ?? []);
  for (const field of fields) if (!existingLabels.has(field.label)) refuse('field', field.label);
  const labels = fields.map((f) => f.label);
  for (const row of planned.rows) {
    if (row.op !== 'put') continue;
    if (row.expectedTimestamp === null) refuse('identifier', row.identifier);
    checkConfigurationSize(application, row.identifier, { labels, values: row.values });
  }
}

function withHistory(application: ExportedApplication, history: Map<string, ExportedVersion[]> | undefined): ExportedApplication {
  if (!history) return application;
  return { ...application, configurations: application.configurations.map((c) => ({ ...c, history: history.get(c.identifier) ?? [] })) };
}

function exportedApplication(state: ApplicationState): ExportedApplication {
  const fields = state.app.fields.map(({ label, masked }) => ({ label, masked }));
  return {
    name: state.app.name,
    kind: state.app.kind,
    description: state.app.description,
    contact: state.app.contact,
    userGroup: state.app.userGroup,
    adminGroup: state.app.adminGroup,
    flags: state.app.flags,
    fields,
    configurations: state.rows.map((row) => ({
      identifier: row.identifier,
      values: [...valuesOfFields(row.values, fields)].map(([field, value]) => ({ field, value })),
    })),
  };
}

/** Names of the fields an import touched, for the audit (never values). */
function touchedFields(plan: Pick<ApplicationImportPlan, 'fieldsAdded' | 'fieldsRemoved' | 'identifiers'>): string[] {
  const names = new Set<string>([...plan.fieldsAdded.map((f) => f.label), ...plan.fieldsRemoved]);
  for (const id of plan.identifiers) for (const name of [...id.created, ...id.changed, ...id.removed]) names.add(name);
  return [...names];
}
