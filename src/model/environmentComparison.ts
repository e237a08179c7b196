/**
 * Compare and copy across environments (issue 15), the pure part: what differs between one
 * application (or configuration) in two environments, worked out from definitions and field
 * fingerprints (src/protocol/messages.ts FieldFingerprint), never from masked values; the two
 * read-only documents of the diff editor; the report of an application; what a copy writes.
 * No `vscode` import and no I/O: unit-tested with node:test.
 */
import * as l10n from '@vscode/l10n';
import { SsoError } from '../protocol/errors';
import type { ApplicationDetail, ConfigDocument, ConfigFingerprints, SetManyWrite } from '../protocol/messages';

/**
 * One field of one configuration in both environments. `unknown`: both hold a masked value but
 * one side cannot fingerprint it (an ENTSSO bridge older than config.fingerprints), so equality
 * cannot be told.
 */
type FieldState = 'equal' | 'differs' | 'unknown' | 'onlyLeft' | 'onlyRight';

export interface FieldComparison {
  label: string;
  masked: boolean;
  state: FieldState;
  leftSet: boolean;
  rightSet: boolean;
}

interface DefinitionDifference {
  what: 'field only on the left' | 'field only on the right' | 'masked on one side only' | 'field order' | 'kind' | 'enabled' | 'flags';
  detail: string;
}

interface ConfigurationDifference {
  identifier: string;
  fields: FieldComparison[];
}

export interface ApplicationComparison {
  application: string;
  /** Set when the application exists on one side only. */
  onlyOn?: 'left' | 'right';
  definition: DefinitionDifference[];
  onlyLeft: string[];
  onlyRight: string[];
  /** Identifiers on both sides with at least one field not equal. */
  differing: ConfigurationDifference[];
  equal: number;
}

const byName = (a: string, b: string) => a.toLowerCase().localeCompare(b.toLowerCase());

/** Field labels of both sides, matched case-insensitively, in the left side's order then the right's. */
function unionLabels(left: readonly string[], right: readonly string[]): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const label of [...left, ...right]) {
    if (seen.has(label.toLowerCase())) continue;
    seen.add(label.toLowerCase());
    out.push(label);
  }
  return out;
}

function findField<T>(record: Record<string, T>, label: string): T | undefined {
  const key = Object.keys(record).find((k) => k.toLowerCase() === label.toLowerCase());
  return key === undefined ? undefined : record[key];
}

/** Field by field, from the fingerprints of one configuration on each side. */
export function compareFields(left: ConfigFingerprints, right: ConfigFingerprints): FieldComparison[] {
  return unionLabels(Object.keys(left.fields), Object.keys(right.fields)).map((label) => {
    const l = findField(left.fields, label);
    const r = findField(right.fields, label);
    const masked = (l?.masked ?? false) || (r?.masked ?? false);
    const leftSet = l?.set ?? false;
    const rightSet = r?.set ?? false;
    if (!l) return { label, masked, state: 'onlyRight', leftSet, rightSet };
    if (!r) return { label, masked, state: 'onlyLeft', leftSet, rightSet };
    return { label, masked, state: fieldState(l, r), leftSet, rightSet };
  });
}

function fieldState(l: ConfigFingerprints['fields'][string], r: ConfigFingerprints['fields'][string]): FieldState {
  if (!l.set && !r.set) return 'equal';
  if (l.set !== r.set) return 'differs';
  if (l.hash === undefined || r.hash === undefined) return 'unknown';
  return l.hash === r.hash ? 'equal' : 'differs';
}

/** Fields, masks, order, kind and flags that differ between the two definitions of an application. */
export function compareDefinitions(left: ApplicationDetail, right: ApplicationDetail): DefinitionDifference[] {
  const out: DefinitionDifference[] = [];
  const rightByName = new Map(right.fields.map((f) => [f.label.toLowerCase(), f]));
  const leftByName = new Map(left.fields.map((f) => [f.label.toLowerCase(), f]));
  for (const f of left.fields) {
    const other = rightByName.get(f.label.toLowerCase());
    if (!other) out.push({ what: 'field only on the left', detail: f.label });
    else if (other.masked !== f.masked) out.push({ what: 'masked on one side only', detail: f.masked ? l10n.t('{0}: masked on the left, not masked on the right', f.label) : l10n.t('{0}: not masked on the left, masked on the right', f.label) });
  }
  for (const f of right.fields) if (!leftByName.has(f.label.toLowerCase())) out.push({ what: 'field only on the right', detail: f.label });
  const common = (fields: ApplicationDetail['fields'], other: Map<string, unknown>) => fields.filter((f) => other.has(f.label.toLowerCase())).map((f) => f.label.toLowerCase());
  const leftOrder = common(left.fields, rightByName);
  const rightOrder = common(right.fields, leftByName);
  if (leftOrder.join('\u0000') !== rightOrder.join('\u0000')) out.push({ what: 'field order', detail: `${left.fields.map((f) => f.label).join(', ')} / ${right.fields.map((f) => f.label).join(', ')}` });
  if (left.kind !== right.kind) out.push({ what: 'kind', detail: `${left.kind} / ${right.kind}` });
  if (left.enabled !== right.enabled) out.push({ what: 'enabled', detail: left.enabled ? l10n.t('enabled / disabled') : l10n.t('disabled / enabled') });
  else if (left.flags !== right.flags) out.push({ what: 'flags', detail: `${left.flags} / ${right.flags}` });
  return out;
}

/** The whole application: definitions, identifiers on one side only, configurations that differ. */
export function compareApplication(
  application: string,
  left: { detail: ApplicationDetail; configurations: ConfigFingerprints[] } | undefined,
  right: { detail: ApplicationDetail; configurations: ConfigFingerprints[] } | undefined,
): ApplicationComparison {
  const result: ApplicationComparison = { application, definition: [], onlyLeft: [], onlyRight: [], differing: [], equal: 0 };
  // Deleted on both sides between the pick and the reads (or a typo on the command line).
  if (!left && !right) throw new SsoError('ENTSSO_E_APPLICATION_NOT_FOUND', l10n.t('There is no application "{0}" in either environment. Check the name, or refresh the list: it may have been deleted.', application));
  if (!left || !right) {
    result.onlyOn = left ? 'left' : 'right';
    const side = (left ?? right)!.configurations.filter((c) => c.found).map((c) => c.identifier).sort(byName);
    if (left) result.onlyLeft = side;
    else result.onlyRight = side;
    return result;
  }
  result.definition = compareDefinitions(left.detail, right.detail);
  const rightById = new Map(right.configurations.filter((c) => c.found).map((c) => [c.identifier.toLowerCase(), c]));
  const leftIds = new Set<string>();
  for (const l of left.configurations.filter((c) => c.found)) {
    leftIds.add(l.identifier.toLowerCase());
    const r = rightById.get(l.identifier.toLowerCase());
    if (!r) {
      result.onlyLeft.push(l.identifier);
      continue;
    }
    const fields = compareFields(l, r).filter((f) => f.state !== 'equal');
    if (fields.length === 0) result.equal++;
    else result.differing.push({ identifier: l.identifier, fields });
  }
  result.onlyRight = right.configurations.filter((c) => c.found && !leftIds.has(c.identifier.toLowerCase())).map((c) => c.identifier);
  result.onlyLeft.sort(byName);
  result.onlyRight.sort(byName);
  result.differing.sort((a, b) => byName(a.identifier, b.identifier));
  return result;
}

// ---------------------------------------------------------------- the diff editor's documents

/**
 * What a masked field shows in the diff: never its value, only whether it is set and whether it
 * equals the other side. Equal fields show the same text on both sides (no change marked);
 * different ones show different texts, so the diff editor marks them.
 */
function maskedPlaceholder(field: FieldComparison | undefined, side: 'left' | 'right', otherEnvironment: string): string {
  const set = side === 'left' ? field?.leftSet : field?.rightSet;
  if (!set) return '«masked: empty»';
  switch (field?.state) {
    case 'equal':
      return '«masked: set, equal»';
    case 'differs':
      return `«masked: set, differs from ${otherEnvironment}»`;
    case 'unknown':
      return l10n.t('«masked: set, cannot compare through this connection»');
    default:
      return '«masked: set»';
  }
}

/**
 * One side of a configuration's diff, by field: `label = value`, one line per field (line breaks
 * in a value shown as \n so lines stay aligned), masked fields as placeholders.
 */
export function sideDocument(
  side: 'left' | 'right',
  environment: string,
  otherEnvironment: string,
  application: string,
  identifier: string,
  document: Pick<ConfigDocument, 'fields' | 'masked'> | undefined,
  fields: FieldComparison[],
): string {
  // The same header on both sides (the tab title names the environments): only fields show as changed.
  const lines = [`# ${application} · ${identifier}`];
  if (!document) return [...lines, `# (no configuration "${identifier}" in ${environment})`, ''].join('\n');
  const masked = new Set(document.masked.map((m) => m.toLowerCase()));
  const labels = unionLabels(Object.keys(document.fields), fields.map((f) => f.label));
  for (const label of labels) {
    const value = findField(document.fields, label);
    if (value === undefined) {
      lines.push(l10n.t('{0} = «no such field in {1}»', label, environment));
      continue;
    }
    const comparison = fields.find((f) => f.label.toLowerCase() === label.toLowerCase());
    lines.push(`${label} = ${masked.has(label.toLowerCase()) ? maskedPlaceholder(comparison, side, otherEnvironment) : oneLine(value)}`);
  }
  return [...lines, ''].join('\n');
}

function oneLine(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\r/g, '\\r').replace(/\n/g, '\\n');
}

// ---------------------------------------------------------------- copy

/** Per masked field that differs: keep the target's value, or copy the source's (revealed on the source). */
export type MaskedChoice = 'keep' | 'copy';

/**
 * What a copy of one configuration writes on the target, as a config.set would: every non-masked
 * value of the source; a masked field only when the user chose to copy it (its revealed source
 * value, or cleared when the source holds none). `targetTimestamp` undefined: created.
 */
export function copyWrite(
  source: Pick<ConfigDocument, 'identifier' | 'fields' | 'masked'>,
  targetTimestamp: string | undefined,
  maskedChoices: ReadonlyMap<string, MaskedChoice>,
  revealedSource?: Pick<ConfigDocument, 'fields'>,
): SetManyWrite {
  const masked = new Set(source.masked.map((m) => m.toLowerCase()));
  const fields: Record<string, string> = Object.create(null) as Record<string, string>;
  const clearMasked: string[] = [];
  for (const [label, value] of Object.entries(source.fields)) {
    if (!masked.has(label.toLowerCase())) {
      fields[label] = value;
      continue;
    }
    if (maskedChoices.get(label) !== 'copy') continue;
    const revealed = revealedSource ? findField(revealedSource.fields, label) : undefined;
    if (revealed === undefined) {
      throw new SsoError('ENTSSO_E_CONFLICT', l10n.t('The value of masked field "{0}" was not revealed on the source, so nothing was copied. Compare again and copy from the new preview.', label), { identifier: source.identifier, field: label });
    }
    if (revealed === '') clearMasked.push(label);
    else fields[label] = revealed;
  }
  return { identifier: source.identifier, expectedTimestamp: targetTimestamp ?? null, fields, ...(clearMasked.length > 0 ? { clearMasked } : {}) };
}

/** A masked field of one configuration that the user ticked to copy. */
export interface MaskedFieldRef {
  identifier: string;
  label: string;
}

/** The choice for each masked field, from the ones ticked: compared as pairs, since a name may hold any text (" · " included). */
export function maskedChooser(copied: readonly MaskedFieldRef[]): (identifier: string, label: string) => MaskedChoice {
  return (identifier, label) => (copied.some((c) => c.identifier === identifier && c.label === label) ? 'copy' : 'keep');
}

/** The masked fields of a configuration whose value differs (or cannot be compared): the ones a copy asks about. */
export function maskedFieldsToDecide(fields: FieldComparison[]): string[] {
  return fields.filter((f) => f.masked && (f.state === 'differs' || f.state === 'unknown' || f.state === 'onlyLeft')).map((f) => f.label);
}

/**
 * Why a copy between these definitions is refused, or undefined when it may go ahead: values are
 * copied field by field only between identical field lists (labels and masks), so that no value
 * lands in a field of another meaning or loses its mask.
 */
export function copyRefusal(source: ApplicationDetail, target: ApplicationDetail | undefined, targetEnvironment: string): string | undefined {
  if (!target) return l10n.t('There is no application "{0}" in {1}. Create it there first (or export and import it), then copy its configurations.', source.name, targetEnvironment);
  const differences = compareDefinitions(source, target).filter((d) => d.what !== 'enabled' && d.what !== 'flags' && d.what !== 'kind');
  if (differences.length === 0) return undefined;
  return l10n.t('The fields of "{0}" differ in {1} ({2}). Nothing was copied: make the fields the same first (SSO: Add Fields… / Remove Fields…), then copy.', source.name, targetEnvironment, differences.map(definitionDifferenceText).join('; '));
}

// ---------------------------------------------------------------- report

export function fieldStateText(field: FieldComparison): string {
  switch (field.state) {
    case 'differs':
      if (field.leftSet !== field.rightSet) return setOnOneSideText(field.masked, field.leftSet);
      return field.masked ? l10n.t('masked, differs') : l10n.t('differs');
    case 'unknown':
      return field.masked ? l10n.t('masked, set on both sides, cannot compare through this connection') : l10n.t('set on both sides, cannot compare through this connection');
    case 'onlyLeft':
      return l10n.t('field only on the left');
    case 'onlyRight':
      return l10n.t('field only on the right');
    default:
      return l10n.t('equal');
  }
}

function setOnOneSideText(masked: boolean, leftSet: boolean): string {
  if (masked) return leftSet ? l10n.t('masked, set / empty') : l10n.t('masked, empty / set');
  return leftSet ? l10n.t('set / empty') : l10n.t('empty / set');
}

/** One difference of the definitions as shown ("field order: A, B / B, A"), a whole phrase per kind for translators. */
function definitionDifferenceText(d: DefinitionDifference): string {
  switch (d.what) {
    case 'field only on the left':
      return l10n.t('field only on the left: {0}', d.detail);
    case 'field only on the right':
      return l10n.t('field only on the right: {0}', d.detail);
    case 'masked on one side only':
      return l10n.t('masked on one side only: {0}', d.detail);
    case 'field order':
      return l10n.t('field order: {0}', d.detail);
    case 'kind':
      return l10n.t('kind: {0}', d.detail);
    case 'enabled':
      return l10n.t('enabled: {0}', d.detail);
    case 'flags':
      return l10n.t('flags: {0}', d.detail);
  }
}

/** Plain-text lines of an application comparison (the CLI prints them; names only, never values). */
export function comparisonLines(c: ApplicationComparison, leftEnvironment: string, rightEnvironment: string): string[] {
  const lines: string[] = [l10n.t('{0}: {1} (left) vs {2} (right)', c.application, leftEnvironment, rightEnvironment)];
  if (c.onlyOn) {
    lines.push(l10n.t('  application only in {0}', c.onlyOn === 'left' ? leftEnvironment : rightEnvironment));
    return lines;
  }
  for (const d of c.definition) lines.push(l10n.t('  definition: {0}', definitionDifferenceText(d)));
  for (const id of c.onlyLeft) lines.push(l10n.t('  only in {0}: {1}', leftEnvironment, id));
  for (const id of c.onlyRight) lines.push(l10n.t('  only in {0}: {1}', rightEnvironment, id));
  for (const d of c.differing) for (const f of d.fields) lines.push(l10n.t('  differs: {0} · {1} ({2})', d.identifier, f.label, fieldStateText(f)));
  lines.push(l10n.t('  {0} configuration(s) equal, {1} differ, {2} only in {3}, {4} only in {5}', c.equal, c.differing.length, c.onlyLeft.length, leftEnvironment, c.onlyRight.length, rightEnvironment));
  return lines;
}

export function isIdentical(c: ApplicationComparison): boolean {
  return !c.onlyOn && c.definition.length === 0 && c.onlyLeft.length === 0 && c.onlyRight.length === 0 && c.differing.length === 0;
}

// ---------------------------------------------------------------- the report of an application

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
}

/**
 * The report of an application comparison as the body of a webview page: names only, every name
 * escaped; each configuration that differs or exists on one side only is a link (data-identifier)
 * that opens its diff. No value ever: the comparison holds none.
 */
export function comparisonReportHtml(c: ApplicationComparison, left: string, right: string): string {
  const e = escapeHtml;
  const link = (identifier: string, text = identifier) => `<a href="#" data-identifier="${e(identifier)}">${e(text)}</a>`;
  const parts: string[] = [`<h1>${e(c.application)}: ${e(left)} ↔ ${e(right)}</h1>`];
  if (c.onlyOn) {
    parts.push(l10n.t('<p>The application exists only in <b>{0}</b>.</p>', e(c.onlyOn === 'left' ? left : right)));
    return parts.join('\n');
  }
  parts.push(
    `<p class="summary">${l10n.t('{0} configuration(s) equal, {1} differ, {2} only in {3}, {4} only in {5}; {6} definition difference(s).', c.equal, c.differing.length, c.onlyLeft.length, e(left), c.onlyRight.length, e(right), c.definition.length)}</p>`,
  );
  if (c.definition.length > 0) parts.push(l10n.t('<h2>Definition</h2><ul>{0}</ul>', c.definition.map((d) => `<li>${e(definitionDifferenceText(d))}</li>`).join('')));
  if (c.differing.length > 0) {
    parts.push(
      l10n.t('<h2>Fields that differ</h2><ul>{0}</ul>', c.differing.map((d) => `<li>${link(d.identifier)}: ${d.fields.map((f) => `${e(f.label)} <span class="state">(${e(fieldStateText(f))})</span>`).join(', ')}</li>`).join('')),
    );
  }
  if (c.onlyLeft.length > 0) parts.push(l10n.t('<h2>Only in {0}</h2><ul>{1}</ul>', e(left), c.onlyLeft.map((id) => `<li>${link(id)}</li>`).join('')));
  if (c.onlyRight.length > 0) parts.push(l10n.t('<h2>Only in {0}</h2><ul>{1}</ul>', e(right), c.onlyRight.map((id) => `<li>${link(id)}</li>`).join('')));
  if (isIdentical(c)) parts.push(l10n.t('<p>No difference.</p>'));
  return parts.join('\n');
}
