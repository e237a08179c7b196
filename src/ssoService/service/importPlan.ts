/**
 * Import planning, as pure functions: given what a file holds for one application and what
 * SSODB holds for it (decrypted), what an import in a given mode creates, changes and removes.
 * The service shows the plan (field NAMES only, masked values as placeholders), then applies the
 * very same computation in one store transaction. No I/O here, so it is unit-tested directly.
 *
 * Rules:
 * - Names compare case-insensitively (applications, identifiers, field labels), as in ENTSSO;
 *   what exists keeps its spelling.
 * - A key is "missing" for an identifier when its stored values have no entry for the field
 *   (a field added later, or a value never written); a key with a value, even '', exists.
 * - add:    creates missing applications, fields, identifiers and keys; never changes a value.
 *   update: also changes values that differ.
 *   mirror: also removes the keys and identifiers the file lacks, and the fields it lacks (their
 *           values are purged from every identifier). A file that speaks only for some identifiers
 *           (a .sso file: ConfigProperties) removes no other identifier.
 * - Fields the file has and SSODB lacks are appended (every mode: no value is lost). A field
 *   masked on one side and not on the other, or an application of another kind, cannot be
 *   reconciled safely: the import is refused, naming the application and the fields.
 * - ENTSSO's rules hold for the result: at least one field; a config-store application's first
 *   field is not masked when created; no change leaves a masked field first.
 */
import { createHash } from 'node:crypto';
import { SsoError } from '../../protocol/errors';
import { escapeUnsafeCharacters } from '../../protocol/untrustedText';
import {
  MASKED_CHANGED_PLACEHOLDER,
  MASKED_PLACEHOLDER,
  type ApplicationDocument,
  type ApplicationImportPlan,
  type ApplicationKind,
  type CreatedApplicationDefinition,
  type FieldDefinition,
  type IdentifierImportPlan,
  type ImportMode,
  type TransferFormat,
} from '../../protocol/messages';
import type { HistoryRow, NewApplication, NewAuditEntry } from '../ssodb/store';
import { applicationFlags, flagsFitKind, isEnabled } from './applicationFlags';

/** Most fields an application may have (the protocol's limit). */
export const MAX_FIELDS = 256;

const DEFAULT_USER_GROUP = 'SSO Affiliate Administrators';
export const DEFAULT_ADMIN_GROUP = 'SSO Administrators';

interface IncomingField {
  label: string;
  /** Undefined when the file does not say (a .sso file). */
  masked?: boolean;
}

export interface IncomingConfiguration {
  identifier: string;
  /** Field label (as in the file's field list) → value. */
  values: Map<string, string>;
  /** Kept versions (an export made with its history), restored with a configuration the import creates. */
  history?: IncomingVersion[];
}

/** A kept version read from an export file: its values in clear, held in memory only. */
export type IncomingVersion = Omit<HistoryRow, 'application' | 'identifier'> & { values: Map<string, string> };

/** What a file holds for one application. */
export interface IncomingApplication {
  name: string;
  /** Undefined when the file does not say (a .sso file). */
  kind?: ApplicationKind;
  description?: string;
  contact?: string;
  userGroup?: string;
  adminGroup?: string;
  flags?: number;
  fields: IncomingField[];
  configurations: IncomingConfiguration[];
  /** 'all': the file holds every identifier of the application; 'listed': only those it lists (mirror deletes no other). */
  identifierScope: 'all' | 'listed';
}

/** What SSODB holds for the application, decrypted. */
export interface CurrentApplication {
  name: string;
  kind: ApplicationKind;
  fields: FieldDefinition[];
  rows: { identifier: string; timestamp: string; values: Map<string, string> }[];
}

export type PlannedRow =
  | { op: 'put'; identifier: string; expectedTimestamp: string | null; values: Map<string, string> }
  | { op: 'delete'; identifier: string; expectedTimestamp: string };

export interface PlannedApplication {
  /** The public plan, without `basis` and `rowsRead` (the service adds them). */
  plan: Omit<ApplicationImportPlan, 'basis' | 'rowsRead'>;
  /** Set when the application is created. */
  create?: NewApplication;
  /** Set when the field list of an existing application changes: the new list. */
  fields?: FieldDefinition[];
  rows: PlannedRow[];
  /**
   * Per existing configuration, the masked fields whose stored value was compared with the
   * file's: the plan tells whether they are equal, which is as good as a reveal to whoever wrote
   * the file (the service audits it before the plan leaves).
   */
  maskedCompared: { identifier: string; fields: string[] }[];
}

/**
 * The audit of a plan's masked comparisons: one row per application (not per configuration, so
 * that previewing a large file again and again cannot push older rows out of a count-bounded
 * audit), naming the masked fields compared, the configuration when there is one, and how many.
 */
export function maskedComparisonAudit(planned: PlannedApplication): Omit<NewAuditEntry, 'user'> | undefined {
  const compared = planned.maskedCompared;
  if (compared.length === 0) return undefined;
  const fields = [...new Set(compared.flatMap((c) => c.fields))];
  const configurations = compared.length === 1 ? 'one configuration' : `${compared.length} configurations`;
  return {
    action: 'app.importPlan',
    outcome: 'ok',
    application: planned.plan.application,
    ...(compared.length === 1 ? { identifier: compared[0]!.identifier } : {}),
    fields,
    detail: `an import plan compared the masked values of ${configurations} with a file's`,
  };
}

// ---------------------------------------------------------------- planning

export function planApplicationImport(incoming: IncomingApplication, current: CurrentApplication | undefined, mode: ImportMode): PlannedApplication {
  return current ? planUpdate(incoming, current, mode) : planCreate(incoming);
}

function planCreate(incoming: IncomingApplication): PlannedApplication {
  if (incoming.fields.length === 0) {
    throw refuse(`The file holds no field for the application "${incoming.name}", and an SSO application needs at least one. Nothing was imported.`, incoming.name);
  }
  if (incoming.fields.length > MAX_FIELDS) throw refuse(`The application "${incoming.name}" would have more than ${MAX_FIELDS} fields. Nothing was imported.`, incoming.name);
  const kind = incoming.kind ?? 'configStore';
  const fields = incoming.fields.map((f) => ({ label: f.label, masked: f.masked ?? false }));
  if (kind === 'configStore' && fields[0]!.masked) {
    throw refuse(
      `The first field of "${incoming.name}" is masked in the file, and the first field of an application cannot be masked (ENTSSO rule). Nothing was imported.`,
      incoming.name,
      [fields[0]!.label],
    );
  }
  const labels = labelMap(fields);
  const rows: PlannedRow[] = [];
  const identifiers: IdentifierImportPlan[] = [];
  for (const config of sortedConfigurations(incoming.configurations)) {
    const values = canonicalValues(config.values, labels);
    rows.push({ op: 'put', identifier: config.identifier, expectedTimestamp: null, values });
    identifiers.push({ identifier: config.identifier, action: 'create', timestamp: null, created: [...values.keys()], changed: [], removed: [], kept: [] });
  }
  const create: NewApplication = {
    name: incoming.name,
    kind,
    description: incoming.description ?? '',
    contact: incoming.contact ?? '',
    userGroup: incoming.userGroup ?? DEFAULT_USER_GROUP,
    adminGroup: incoming.adminGroup ?? DEFAULT_ADMIN_GROUP,
    flags: incoming.flags ?? applicationFlags(kind, true),
    fields,
  };
  if (!flagsFitKind(kind, create.flags)) throw refuseFlags(incoming.name, kind, create.flags);
  const changedMasked = new Map(rows.map((r) => [r.identifier.toLowerCase(), new Set(r.op === 'put' ? r.values.keys() : [])]));
  return {
    plan: {
      application: incoming.name,
      action: 'create',
      kind,
      fieldsAdded: fields,
      fieldsRemoved: [],
      identifiers,
      unchangedIdentifiers: 0,
      after: document(incoming.name, kind, fields, rowsAsConfigurations(rows), changedMasked),
      definition: definitionOf(create),
    },
    create,
    rows,
    maskedCompared: [],
  };
}

function planUpdate(incoming: IncomingApplication, current: CurrentApplication, mode: ImportMode): PlannedApplication {
  const name = current.name;
  if (incoming.kind !== undefined && incoming.kind !== current.kind) {
    throw refuse(
      `Nothing was imported: the application "${name}" is ${article(incoming.kind)} application in the file but ${article(current.kind)} application here. ` +
        'Import it under another name, or delete the application here first.',
      name,
    );
  }

  // Field lists: same names must mean the same thing; the file's extra fields are appended.
  const currentByKey = new Map(current.fields.map((f) => [f.label.toLowerCase(), f]));
  const differences: string[] = [];
  const differing: string[] = [];
  const added: FieldDefinition[] = [];
  for (const field of incoming.fields) {
    const here = currentByKey.get(field.label.toLowerCase());
    if (!here) added.push({ label: field.label, masked: field.masked ?? false });
    else if (field.masked !== undefined && field.masked !== here.masked) {
      differing.push(here.label);
      differences.push(`"${here.label}" is ${field.masked ? '' : 'not '}masked in the file but ${here.masked ? '' : 'not '}masked here`);
    }
  }
  if (differences.length > 0) {
    throw refuse(
      `Nothing was imported: the application "${name}" exists here with other field definitions: ${differences.join('; ')}. ` +
        'Make the field definitions agree (remove and add the field here, or export again), then import again.',
      name,
      differing,
    );
  }
  const inFile = new Set(incoming.fields.map((f) => f.label.toLowerCase()));
  const removedFields = mode === 'mirror' ? current.fields.filter((f) => !inFile.has(f.label.toLowerCase())) : [];
  const removedKeys = new Set(removedFields.map((f) => f.label.toLowerCase()));
  const targetFields = [...current.fields.filter((f) => !removedKeys.has(f.label.toLowerCase())), ...added];
  if (targetFields.length === 0) {
    throw refuse(`Nothing was imported: mirroring the file would remove every field of "${name}", and an SSO application needs at least one.`, name);
  }
  if (targetFields.length > MAX_FIELDS) throw refuse(`Nothing was imported: "${name}" would have more than ${MAX_FIELDS} fields.`, name);
  if (targetFields[0]!.masked && targetFields[0]!.label !== current.fields[0]?.label) {
    throw refuse(
      `Nothing was imported: mirroring the file would remove the first field(s) of "${name}" and leave the masked field "${targetFields[0]!.label}" first, which ENTSSO does not allow.`,
      name,
      [targetFields[0]!.label],
    );
  }
  const fieldsChanged = added.length > 0 || removedFields.length > 0;
  const labels = labelMap(targetFields);
  const targetKeys = new Set(targetFields.map((f) => f.label.toLowerCase()));

  const rows: PlannedRow[] = [];
  const identifiers: IdentifierImportPlan[] = [];
  const changedKeys = new Map<string, Set<string>>();
  const incomingById = new Map(incoming.configurations.map((c) => [c.identifier.toLowerCase(), c]));
  const maskedCompared: PlannedApplication['maskedCompared'] = [];
  let unchanged = 0;

  for (const row of current.rows) {
    const config = incomingById.get(row.identifier.toLowerCase());
    incomingById.delete(row.identifier.toLowerCase());
    const storedKeys = [...row.values.keys()];
    if (!config) {
      if (mode === 'mirror' && incoming.identifierScope === 'all') {
        rows.push({ op: 'delete', identifier: row.identifier, expectedTimestamp: row.timestamp });
        identifiers.push({ identifier: row.identifier, action: 'delete', timestamp: row.timestamp, created: [], changed: [], removed: storedKeys.filter((k) => currentByKey.has(k.toLowerCase())), kept: [] });
        continue;
      }
      // Out of the file's reach; only values of removed fields go.
      const removed = storedKeys.filter((k) => removedKeys.has(k.toLowerCase()));
      if (removed.length === 0) {
        unchanged++;
        continue;
      }
      rows.push({ op: 'put', identifier: row.identifier, expectedTimestamp: row.timestamp, values: onlyKeys(row.values, targetKeys) });
      identifiers.push({ identifier: row.identifier, action: 'update', timestamp: row.timestamp, created: [], changed: [], removed, kept: [] });
      continue;
    }
    const values = new Map(row.values);
    const fromFile = canonicalValues(config.values, labels);
    const created: string[] = [];
    const changed: string[] = [];
    const kept: string[] = [];
    const compared: string[] = [];
    for (const [label, value] of fromFile) {
      const stored = lookup(row.values, label);
      if (stored !== undefined && currentByKey.get(label.toLowerCase())?.masked) compared.push(label);
      if (stored === undefined) created.push(label);
      else if (stored[1] !== value) {
        if (mode === 'add') {
          kept.push(stored[0]);
          continue;
        }
        changed.push(label);
        if (stored[0] !== label) values.delete(stored[0]);
      } else continue;
      values.set(label, value);
    }
    const removed = storedKeys.filter((k) => removedKeys.has(k.toLowerCase()) || (mode === 'mirror' && targetKeys.has(k.toLowerCase()) && lookup(fromFile, k) === undefined));
    for (const key of removed) values.delete(key);
    if (compared.length > 0) maskedCompared.push({ identifier: row.identifier, fields: compared });
    if (created.length + changed.length + removed.length === 0) {
      unchanged++;
      if (kept.length > 0) identifiers.push({ identifier: row.identifier, action: 'unchanged', timestamp: row.timestamp, created, changed, removed, kept });
      continue;
    }
    rows.push({ op: 'put', identifier: row.identifier, expectedTimestamp: row.timestamp, values: onlyKeys(values, targetKeys) });
    identifiers.push({ identifier: row.identifier, action: 'update', timestamp: row.timestamp, created, changed, removed, kept });
    changedKeys.set(row.identifier.toLowerCase(), new Set([...created, ...changed]));
  }
  for (const config of sortedConfigurations([...incomingById.values()])) {
    const values = canonicalValues(config.values, labels);
    rows.push({ op: 'put', identifier: config.identifier, expectedTimestamp: null, values });
    identifiers.push({ identifier: config.identifier, action: 'create', timestamp: null, created: [...values.keys()], changed: [], removed: [], kept: [] });
    changedKeys.set(config.identifier.toLowerCase(), new Set(values.keys()));
  }
  identifiers.sort((a, b) => compareNames(a.identifier, b.identifier));

  const before = new Map(current.rows.map((r) => [r.identifier, r.values]));
  const after = new Map(before);
  for (const row of rows) {
    if (row.op === 'delete') after.delete(row.identifier);
    else after.set(row.identifier, row.values);
  }
  const hasChanges = fieldsChanged || rows.length > 0;
  return {
    plan: {
      application: name,
      action: hasChanges ? 'update' : 'unchanged',
      kind: current.kind,
      fieldsAdded: added,
      fieldsRemoved: removedFields.map((f) => f.label),
      identifiers,
      unchangedIdentifiers: unchanged,
      before: document(name, current.kind, current.fields, before),
      after: document(name, current.kind, targetFields, after, changedKeys),
    },
    fields: fieldsChanged ? targetFields : undefined,
    rows,
    maskedCompared,
  };
}

// ---------------------------------------------------------------- documents and basis

/**
 * An application as a document for a diff view: the values of its fields by identifier, masked
 * ones replaced by a placeholder (MASKED_CHANGED_PLACEHOLDER where `changedKeys` says the import
 * sets it). Null-prototype objects: identifiers and labels are data, "__proto__" included.
 */
export function document(
  name: string,
  kind: ApplicationKind,
  fields: FieldDefinition[],
  configurations: Map<string, Map<string, string>>,
  changedKeys: Map<string, Set<string>> = new Map(),
): ApplicationDocument {
  const out = Object.create(null) as Record<string, Record<string, string>>;
  for (const identifier of [...configurations.keys()].sort(compareNames)) {
    const values = configurations.get(identifier)!;
    const changed = changedKeys.get(identifier.toLowerCase());
    const doc = Object.create(null) as Record<string, string>;
    for (const field of fields) {
      const value = values.get(field.label);
      if (value === undefined) continue;
      doc[field.label] = field.masked ? (changed?.has(field.label) ? MASKED_CHANGED_PLACEHOLDER : MASKED_PLACEHOLDER) : value;
    }
    out[identifier] = doc;
  }
  return { name, kind, fields: fields.map(({ label, masked }) => ({ label, masked })), configurations: out };
}

/**
 * What an import of one application was planned from, as a digest: the mode, the file (its
 * bytes: a digest of the ciphertext, never of values), the application's definition in SSODB
 * and the row versions read. Applying recomputes it and refuses on any difference.
 */
export function importBasis(input: {
  mode: ImportMode;
  format: TransferFormat;
  fileDigest: string;
  application: string;
  current: { kind: ApplicationKind; fields: FieldDefinition[] } | undefined;
  rowsRead: { count: number; maxTimestamp: string | null };
}): string {
  const definition = input.current ? { kind: input.current.kind, fields: input.current.fields.map((f) => [f.label, f.masked]) } : null;
  return createHash('sha256')
    .update(JSON.stringify(['entsso-import-basis-v1', input.mode, input.format, input.fileDigest, input.application.toLowerCase(), definition, input.rowsRead.count, input.rowsRead.maxTimestamp]))
    .digest('hex');
}

// ---------------------------------------------------------------- helpers

/** The message names applications and fields from a file or from SSODB: escaped for terminals and notifications. */
function refuse(message: string, application: string, fields: string[] = []): SsoError {
  return new SsoError('ENTSSO_E_INVALID_REQUEST', escapeUnsafeCharacters(message), { reason: 'definition-mismatch', application, fields });
}

function refuseFlags(application: string, kind: ApplicationKind, flags: number): SsoError {
  const hex = (n: number) => `0x${n.toString(16).padStart(8, '0')}`;
  return refuse(
    `Nothing was imported: the file gives the application "${application}" the flags ${hex(flags)}, which ${article(kind)} application cannot have ` +
      `(unknown flags, or another kind's; ${article(kind)} application created here has ${hex(applicationFlags(kind, true))} enabled, ${hex(applicationFlags(kind, false))} disabled). Export it again from the environment it came from, or create it here.`,
    application,
  );
}

/** What the plan shows of a created application's definition: the file's text, escaped for terminals (ssoctl prints it). */
function definitionOf(app: NewApplication): CreatedApplicationDefinition {
  const shown = escapeUnsafeCharacters;
  return { description: shown(app.description), contact: shown(app.contact), userGroup: shown(app.userGroup), adminGroup: shown(app.adminGroup), flags: app.flags, enabled: isEnabled(app.flags) };
}

function article(kind: ApplicationKind): string {
  return kind === 'adapter' || kind === 'affiliate' ? `an ${kind}` : `a ${kind}`;
}

/** Lower-cased label → the label as it is (or will be) stored. */
function labelMap(fields: FieldDefinition[]): Map<string, string> {
  return new Map(fields.map((f) => [f.label.toLowerCase(), f.label]));
}

/** A file's values keyed by the stored labels, in the file's order. */
function canonicalValues(values: Map<string, string>, labels: Map<string, string>): Map<string, string> {
  const out = new Map<string, string>();
  for (const [key, value] of values) {
    const label = labels.get(key.toLowerCase());
    // Files are validated against their own field list, which the target list contains.
    if (label === undefined) throw new SsoError('ENTSSO_E_INTERNAL', `A value of the file has no field in the planned application.`);
    out.set(label, value);
  }
  return out;
}

/** The stored entry for `label` (case-insensitive): [stored key, value]. */
function lookup(values: Map<string, string>, label: string): [string, string] | undefined {
  const exact = values.get(label);
  if (exact !== undefined) return [label, exact];
  const lower = label.toLowerCase();
  for (const entry of values) if (entry[0].toLowerCase() === lower) return entry;
  return undefined;
}

function onlyKeys(values: Map<string, string>, keys: Set<string>): Map<string, string> {
  return new Map([...values].filter(([key]) => keys.has(key.toLowerCase())));
}

function rowsAsConfigurations(rows: PlannedRow[]): Map<string, Map<string, string>> {
  return new Map(rows.flatMap((r) => (r.op === 'put' ? [[r.identifier, r.values] as const] : [])));
}

function sortedConfigurations(configurations: IncomingConfiguration[]): IncomingConfiguration[] {
  return [...configurations].sort((a, b) => compareNames(a.identifier, b.identifier));
}

export function compareNames(a: string, b: string): number {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  return x < y ? -1 : x > y ? 1 : a < b ? -1 : a > b ? 1 : 0;
}
