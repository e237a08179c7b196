/**
 * What the application commands ask for, checked as the user types with the same rules the
 * service applies (names: the one name rule of src/protocol/names.ts, applied to the name as it
 * will be sent, i.e. normalised to NFC; field labels unique case-insensitively; the first field
 * of a config-store application cannot be masked), and the texts of their confirmations.
 * No `vscode` import: unit-tested with node:test.
 */
import * as l10n from '@vscode/l10n';
import type { ApplicationInfo, ApplicationKind, FieldDefinition } from '../protocol/messages';
import { type NameProblem, newNameProblem, normaliseName } from '../protocol/names';
import { perKind } from './applicationList';

export const MAX_FIELDS = 256;

/** What a typed name is for: each has its own sentences, since a translator cannot inflect an inserted noun. */
type NameKind = 'application' | 'identifier' | 'field';

/** Why `name` (as typed) cannot name a new application, field or identifier; undefined when it can. Send `normaliseName(name)`. */
export function nameProblem(name: string, kind: NameKind): string | undefined {
  if (name.trim() === '') return enterNameText(kind);
  const problem = newNameProblem(normaliseName(name));
  return problem ? nameProblemText(kind, problem) : undefined;
}

function enterNameText(kind: NameKind): string {
  switch (kind) {
    case 'application':
      return l10n.t('Enter the application name.');
    case 'identifier':
      return l10n.t('Enter the name.');
    case 'field':
      return l10n.t('Enter the field name.');
  }
}

/** The rule's own words (src/protocol/names.ts, shared with the service and ssoctl) after the name's subject. */
function nameProblemText(kind: NameKind, problem: NameProblem): string {
  switch (kind) {
    case 'application':
      return l10n.t('The application name {0}', problem.text);
    case 'identifier':
      return l10n.t('The name {0}', problem.text);
    case 'field':
      return l10n.t('The field name {0}', problem.text);
  }
}

/** Splits "Endpoint, ApiUser, ApiKey" into labels (trimmed, normalised to NFC, empty parts dropped). */
export function splitFieldList(text: string): string[] {
  return text
    .split(',')
    .map((s) => normaliseName(s.trim()))
    .filter((s) => s !== '');
}

/** Why a comma-separated field list cannot be used; `existing` are labels the application has already. */
export function fieldListProblem(text: string, existing: string[] = []): string | undefined {
  const labels = splitFieldList(text);
  if (labels.length === 0) return l10n.t('Enter at least one field name; separate several with commas, e.g. "Endpoint, UserName, Password".');
  if (labels.length + existing.length > MAX_FIELDS) return l10n.t('An application has at most {0} fields.', MAX_FIELDS);
  const seen = new Map(existing.map((l) => [l.toLowerCase(), l]));
  for (const label of labels) {
    const problem = nameProblem(label, 'field');
    if (problem) return `"${label.slice(0, 40)}": ${problem}`;
    const clash = seen.get(label.toLowerCase());
    if (clash !== undefined) {
      return existing.some((l) => l.toLowerCase() === label.toLowerCase())
        ? l10n.t('The application already has a field "{0}".', clash)
        : l10n.t('"{0}" is listed twice (field names are compared without case).', label);
    }
    seen.set(label.toLowerCase(), label);
  }
  return undefined;
}

/**
 * The fields to create: the labels in order, masked where picked. ENTSSO cannot mask the first
 * field of a config-store application, so it is never offered (see maskableFields).
 */
export function fieldDefinitions(labels: string[], masked: string[]): FieldDefinition[] {
  const m = new Set(masked);
  return labels.map((label) => ({ label, masked: m.has(label) }));
}

/** The labels that may be masked: all, except the first one of a new config-store application. */
export function maskableFields(labels: string[], kind: ApplicationKind, isNewApplication: boolean): string[] {
  return kind === 'configStore' && isNewApplication ? labels.slice(1) : labels;
}

/** Field labels that look like they hold a secret: pre-selected as masked. */
export function looksSecret(label: string): boolean {
  return /pass(word|phrase)?|pwd|secret|api[-_]?key|token|credential|connectionstring|sas/i.test(label);
}

/**
 * Whether deleting it is confirmed by typing its name: it holds configurations, or the backend could
 * not count them (the ENTSSO bridge: affiliate applications, a failed count), which is not "none".
 */
export function mayHoldConfigurations(app: ApplicationInfo): boolean {
  return app.identifierCountUnknown === true || app.identifierCount > 0;
}

/** What is lost with an application whose configurations were not counted: never "none". */
function uncountedLoss(app: ApplicationInfo): string {
  return perKind(app.kind, {
    adapter: () => l10n.t('Enterprise SSO does not tell how many port configurations it holds: all of them are deleted with it, masked values included, and cannot be recovered.'),
    configStore: () => l10n.t('Enterprise SSO does not tell how many config-store entries it holds: all of them are deleted with it, masked values included, and cannot be recovered.'),
    affiliate: () => l10n.t('Enterprise SSO does not tell how many mappings it holds: all of them are deleted with it, masked values included, and cannot be recovered.'),
  });
}

/** The detail of the modal confirmation of a delete: what is lost, and how to keep it. */
export function deletionDetail(app: ApplicationInfo, environment: string): string {
  const count = app.identifierCount;
  const lost = app.identifierCountUnknown ? uncountedLoss(app) : perKind(app.kind, {
    adapter: () =>
      count === 0
        ? l10n.t('It holds no port configurations.')
        : count === 1
          ? l10n.t('Its 1 port configuration is deleted with it, masked values included, and cannot be recovered.')
          : l10n.t('Its {0} port configurations are deleted with it, masked values included, and cannot be recovered.', count),
    configStore: () =>
      count === 0
        ? l10n.t('It holds no config-store entries.')
        : count === 1
          ? l10n.t('Its 1 config-store entry is deleted with it, masked values included, and cannot be recovered.')
          : l10n.t('Its {0} config-store entries are deleted with it, masked values included, and cannot be recovered.', count),
    affiliate: () =>
      count === 0
        ? l10n.t('It holds no mappings.')
        : count === 1
          ? l10n.t('Its 1 mapping is deleted with it, masked values included, and cannot be recovered.')
          : l10n.t('Its {0} mappings are deleted with it, masked values included, and cannot be recovered.', count),
  });
  const fields = app.numFields === 1 ? l10n.t('1 field definition') : l10n.t('{0} field definitions', app.numFields);
  return l10n.t('Application "{0}" in environment "{1}" and its {2} are removed from the SSO database. {3}\n\nTo keep a copy, run "SSO: Export Applications…" first. BizTalk ports that use it fail once their SSO cache expires.', app.name, environment, fields, lost);
}

/** The detail of the modal confirmation of a field removal. */
export function fieldRemovalDetail(app: ApplicationInfo, fields: string[]): string {
  const count = app.identifierCount;
  const name = app.name;
  const where = perKind(app.kind, {
    adapter: () =>
      count === 0
        ? l10n.t('"{0}" holds no port configurations yet.', name)
        : count === 1
          ? l10n.t('Their values are purged from all 1 port configuration of "{0}", in one transaction.', name)
          : l10n.t('Their values are purged from all {0} port configurations of "{1}", in one transaction.', count, name),
    configStore: () =>
      count === 0
        ? l10n.t('"{0}" holds no config-store entries yet.', name)
        : count === 1
          ? l10n.t('Their values are purged from all 1 config-store entry of "{0}", in one transaction.', name)
          : l10n.t('Their values are purged from all {0} config-store entries of "{1}", in one transaction.', count, name),
    affiliate: () =>
      count === 0
        ? l10n.t('"{0}" holds no mappings yet.', name)
        : count === 1
          ? l10n.t('Their values are purged from all 1 mapping of "{0}", in one transaction.', name)
          : l10n.t('Their values are purged from all {0} mappings of "{1}", in one transaction.', count, name),
  });
  const quoted = fields.map((f) => `"${f}"`).join(', ');
  return fields.length === 1
    ? l10n.t('{0} is removed from the field list. {1} This cannot be undone except from an export.', quoted, where)
    : l10n.t('{0} are removed from the field list. {1} This cannot be undone except from an export.', quoted, where);
}
