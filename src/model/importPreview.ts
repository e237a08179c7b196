/**
 * An import plan for people: the two read-only documents VS Code's diff editor compares
 * (what SSODB holds now, what it would hold after the import; <appSettings> XML values as
 * key/values) and the summary shown with the comparison's Apply / Discard. Masked values are never in a plan: the service puts
 * placeholders there ("(masked)", "(masked, changed by the import)").
 * No `vscode` import: unit-tested with node:test.
 */
import * as l10n from '@vscode/l10n';
import type { ApplicationDocument, ApplicationImportPlan, CreatedApplicationDefinition, ImportMode, ImportPlan } from '../protocol/messages';
import { formatFlags } from './applicationList';
import { nameKeyedRecord } from '../protocol/names';
import { APP_SETTINGS_ROOT, parseAppSettingsXml } from './appSettingsXml';

export interface PlanSides {
  before: string;
  after: string;
}

/**
 * The same layout on both sides, so that the diff lines up: applications by name, each with its
 * kind, its fields (masked ones marked) and its configurations by identifier, values in field
 * order. An application the import creates is absent on the "before" side.
 */
export function planSides(plan: ImportPlan): PlanSides {
  if (plan.documentsOmitted) {
    return {
      before: l10n.t('The documents compared here were left out: {0}\n', plan.documentsOmitted),
      after: `${describeImportPlan(plan, Number.MAX_SAFE_INTEGER)}\n`,
    };
  }
  const apps = [...plan.applications].sort((a, b) => a.application.toLowerCase().localeCompare(b.application.toLowerCase()));
  return { before: render(apps, (a) => a.before), after: render(apps, (a) => a.after, (a) => a.definition) };
}

function render(
  apps: ApplicationImportPlan[],
  side: (a: ApplicationImportPlan) => ApplicationDocument | undefined,
  definition: (a: ApplicationImportPlan) => CreatedApplicationDefinition | undefined = () => undefined,
): string {
  const out = nameKeyedRecord<unknown>();
  for (const app of apps) {
    const doc = side(app);
    if (doc) out[doc.name] = documentView(doc, definition(app));
  }
  return `${JSON.stringify(out, null, 2)}\n`;
}

/** A created application shows, after its kind, everything else it gets from the file (a crafted file chooses all of it). */
function documentView(doc: ApplicationDocument, definition?: CreatedApplicationDefinition): Record<string, unknown> {
  const order = doc.fields.map((f) => f.label);
  const configurations = nameKeyedRecord<Record<string, string | Record<string, string>>>();
  for (const identifier of Object.keys(doc.configurations).sort(compareIdentifiers)) {
    const values = doc.configurations[identifier] as Record<string, string>;
    const ordered = nameKeyedRecord<string | Record<string, string>>();
    for (const label of [...order, ...Object.keys(values).filter((k) => !order.includes(k))]) {
      const value = values[label];
      if (value !== undefined) ordered[label] = readableValue(value);
    }
    configurations[identifier] = ordered;
  }
  return { kind: doc.kind, ...(definition ? definitionView(definition) : {}), fields: doc.fields.map((f) => (f.masked ? `${f.label} (masked)` : f.label)), configurations };
}

function definitionView(d: CreatedApplicationDefinition): Record<string, string> {
  return { description: d.description, contact: d.contact, userGroup: d.userGroup, adminGroup: d.adminGroup, state: d.enabled ? 'enabled' : 'disabled', flags: formatFlags(d.flags) };
}

/**
 * An <appSettings> XML value (BizTalk Deployment Framework's AppConfig) as its key/values, so
 * that the diff shows the one setting that changes instead of one long escaped line. A key
 * given twice keeps its last value, as .NET's ConfigurationManager reads it.
 */
function readableValue(value: string): string | Record<string, string> {
  if (!value.trimStart().startsWith(`<${APP_SETTINGS_ROOT}`)) return value;
  const parsed = parseAppSettingsXml(value);
  if (!parsed.ok) return value;
  const settings = nameKeyedRecord<string>();
  for (const entry of parsed.doc.entries) settings[entry.key] = entry.value;
  return settings;
}

function compareIdentifiers(a: string, b: string): number {
  return a.toLowerCase() < b.toLowerCase() ? -1 : a.toLowerCase() > b.toLowerCase() ? 1 : a < b ? -1 : a > b ? 1 : 0;
}

export const MODE_LABELS: Record<ImportMode, { label: string; detail: string }> = {
  // Getters: looked up when shown, once activation has loaded the translation bundle.
  add: { get label() { return l10n.t('Add missing only'); }, get detail() { return l10n.t("Creates missing applications, fields, configurations and keys; never changes an existing value (the SSO snap-in's behaviour)."); } },
  update: { get label() { return l10n.t('Add and update'); }, get detail() { return l10n.t('Also changes values that differ from the file. Nothing is removed.'); } },
  mirror: { get label() { return l10n.t('Mirror the file'); }, get detail() { return l10n.t('Also removes keys, configurations and fields that the file lacks, so that SSO holds exactly what the file holds.'); } },
};

/** One line per change, by field name (never a value), capped at `maxLines`. */
export function describeImportPlan(plan: ImportPlan, maxLines = 12): string {
  const lines: string[] = [];
  for (const app of plan.applications) {
    if (app.action === 'unchanged' && app.identifiers.length === 0) continue;
    lines.push(`${app.application}: ${app.action === 'create' ? 'created' : app.action === 'update' ? 'updated' : 'unchanged'}`);
    if (app.definition) lines.push(`  ${definitionLine(app.definition)}`);
    if (app.fieldsAdded.length > 0) lines.push(`  fields added: ${app.fieldsAdded.map((f) => f.label + (f.masked ? ' (masked)' : '')).join(', ')}`);
    if (app.fieldsRemoved.length > 0) lines.push(`  fields removed (values purged): ${app.fieldsRemoved.join(', ')}`);
    for (const id of app.identifiers) lines.push(`  ${identifierLine(id)}`);
  }
  const unchanged = plan.applications.filter((a) => a.action === 'unchanged' && a.identifiers.length === 0).length;
  if (unchanged > 0) lines.push(`${unchanged} application${unchanged === 1 ? '' : 's'} unchanged`);
  const shown = lines.length > maxLines ? [...lines.slice(0, maxLines - 1), l10n.t('… and {0} more (see the comparison)', lines.length - maxLines + 1)] : lines;
  return shown.join('\n');
}

function definitionLine(d: CreatedApplicationDefinition): string {
  return l10n.t('{0}; user group "{1}", administrator group "{2}"; flags {3}; description "{4}"; contact "{5}"', d.enabled ? l10n.t('enabled') : l10n.t('disabled'), d.userGroup, d.adminGroup, formatFlags(d.flags), d.description, d.contact);
}

function identifierLine(id: ApplicationImportPlan['identifiers'][number]): string {
  const parts = [
    id.created.length > 0 ? `new ${id.created.join(', ')}` : '',
    id.changed.length > 0 ? `changed ${id.changed.join(', ')}` : '',
    id.removed.length > 0 ? `removed ${id.removed.join(', ')}` : '',
    id.kept.length > 0 ? l10n.t('kept as they are (differ from the file) {0}', id.kept.join(', ')) : '',
  ].filter(Boolean);
  const verb = { create: 'create', update: 'update', delete: 'DELETE', unchanged: 'keep' }[id.action];
  return `${id.identifier}: ${verb}${parts.length > 0 ? ` (${parts.join('; ')})` : ''}`;
}

/** Counts for the confirmation's first line. */
export function planHeadline(plan: ImportPlan): string {
  let created = 0;
  let updated = 0;
  let deleted = 0;
  for (const app of plan.applications) {
    for (const id of app.identifiers) {
      if (id.action === 'create') created++;
      else if (id.action === 'update') updated++;
      else if (id.action === 'delete') deleted++;
    }
  }
  const apps = plan.applications.filter((a) => a.action !== 'unchanged').length;
  const createdText = created === 1 ? l10n.t('1 configuration created') : l10n.t('{0} configurations created', created);
  return apps === 1
    ? l10n.t('Apply this import? 1 application change: {0}, {1} updated, {2} deleted.', createdText, updated, deleted)
    : l10n.t('Apply this import? {0} applications change: {1}, {2} updated, {3} deleted.', apps, createdText, updated, deleted);
}
