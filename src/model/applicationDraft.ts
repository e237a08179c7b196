/**
 * What the application commands ask for, checked as the user types with the same rules the
 * service applies (names: the one name rule of src/protocol/names.ts, applied to the name as it
 * will be sent, i.e. normalised to NFC; field labels unique case-insensitively; the first field
 * of a config-store application cannot be masked), and the texts of their confirmations.
 * No `vscode` import: unit-tested with node:test.
 */
import type { ApplicationInfo, ApplicationKind, FieldDefinition } from '../protocol/messages';
import { describeNameProblem, newNameProblem, normaliseName } from '../protocol/names';
import { groupInfo } from './applicationList';

export const MAX_FIELDS = 256;

/** Why `name` (as typed) cannot name a new application, field or identifier; undefined when it can. Send `normaliseName(name)`. */
export function nameProblem(name: string, what: string): string | undefined {
  if (name.trim() === '') return `Enter the ${what}.`;
  const problem = newNameProblem(normaliseName(name));
  return problem ? describeNameProblem(problem, what) : undefined;
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
  if (labels.length === 0) return 'Enter at least one field name; separate several with commas, e.g. "Endpoint, UserName, Password".';
  if (labels.length + existing.length > MAX_FIELDS) return `An application has at most ${MAX_FIELDS} fields.`;
  const seen = new Map(existing.map((l) => [l.toLowerCase(), l]));
  for (const label of labels) {
    const problem = nameProblem(label, 'field name');
    if (problem) return `"${label.slice(0, 40)}": ${problem}`;
    const clash = seen.get(label.toLowerCase());
    if (clash !== undefined) {
      return existing.some((l) => l.toLowerCase() === label.toLowerCase())
        ? `The application already has a field "${clash}".`
        : `"${label}" is listed twice (field names are compared without case).`;
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

/** The detail of the modal confirmation of a delete: what is lost, and how to keep it. */
export function deletionDetail(app: ApplicationInfo, environment: string): string {
  const g = groupInfo(app.kind);
  const count = app.identifierCount;
  const lost =
    count === 0
      ? `It holds no ${g.identifierPlural}.`
      : `Its ${count} ${count === 1 ? g.identifierNoun : g.identifierPlural} ${count === 1 ? 'is' : 'are'} deleted with it, masked values included, and cannot be recovered.`;
  const fields = `${app.numFields} field definition${app.numFields === 1 ? '' : 's'}`;
  return `Application "${app.name}" in environment "${environment}" and its ${fields} are removed from the SSO database. ${lost}\n\nTo keep a copy, run "SSO: Export Applications…" first. BizTalk ports that use it fail once their SSO cache expires.`;
}

/** The detail of the modal confirmation of a field removal. */
export function fieldRemovalDetail(app: ApplicationInfo, fields: string[]): string {
  const g = groupInfo(app.kind);
  const count = app.identifierCount;
  const where = count === 0 ? `"${app.name}" holds no ${g.identifierPlural} yet.` : `Their values are purged from all ${count} ${count === 1 ? g.identifierNoun : g.identifierPlural} of "${app.name}", in one transaction.`;
  return `${fields.map((f) => `"${f}"`).join(', ')} ${fields.length === 1 ? 'is' : 'are'} removed from the field list. ${where} This cannot be undone except from an export.`;
}
