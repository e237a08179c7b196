/**
 * Config-store layouts that keep many settings in ONE field, shown in the editor as readable
 * key/values and saved back in their own layout:
 * - BizTalk Deployment Framework: field `AppConfig` holding `<appSettings>` XML (appSettingsXml.ts);
 * - JSON: field `settings` holding a JSON object.
 * Any other document (and one of these whose value is not that shape) is shown field by field
 * (configDocument.ts), with a notice saying why.
 * No `vscode` import: unit-tested with node:test.
 */
import * as l10n from '@vscode/l10n';
import type { ConfigDocument } from '../protocol/messages';
import { newAppSettingsXml, parseAppSettingsXml, updateAppSettingsXml, xmlValueProblem, type AppSettingsEntry } from './appSettingsXml';
import { valueTooLong, type DocumentProblem } from './configDocument';
import { parseJson, type JsonNode } from './jsonSyntax';

const APP_CONFIG_FIELD = 'AppConfig';
const JSON_SETTINGS_FIELD = 'settings';

type LayoutKind = 'appSettingsXml' | 'jsonSettings';

/** A document shown in a layout: which field holds it and its stored value (to write back into). */
export interface LayoutView {
  kind: LayoutKind;
  field: string;
  /** The field's value as read; edits are applied to it, so what the editor does not show survives. */
  stored: string;
}

interface LayoutDetection {
  view?: LayoutView;
  /** Why a document that looks like a layout is shown field by field instead (no value in it). */
  notice?: string;
}

/** Which layout a document is in, if any. Masked (unrevealed) values cannot be shown in a layout. */
export function detectLayout(doc: ConfigDocument): LayoutDetection {
  const labels = Object.keys(doc.fields);
  if (labels.length !== 1) return {};
  const field = labels[0] as string;
  const kind = layoutOfField(field);
  if (!kind) return {};
  if (doc.masked.includes(field) && !doc.revealed) return {};
  const stored = doc.fields[field] ?? '';
  if (stored.trim() === '') return { view: { kind, field, stored } };
  const reason = kind === 'appSettingsXml' ? appSettingsReason(stored) : jsonSettingsReason(stored);
  if (reason) {
    return {
      notice: kind === 'appSettingsXml'
        ? l10n.t('"{0}" is shown as its stored text, not as key/values: it is not an <appSettings> document ({1}).', field, reason)
        : l10n.t('"{0}" is shown as its stored text, not as key/values: it is not a JSON object ({1}).', field, reason),
    };
  }
  return { view: { kind, field, stored } };
}

function layoutOfField(label: string): LayoutKind | undefined {
  if (label === APP_CONFIG_FIELD) return 'appSettingsXml';
  if (label === JSON_SETTINGS_FIELD) return 'jsonSettings';
  return undefined;
}

function appSettingsReason(xml: string): string | undefined {
  const parsed = parseAppSettingsXml(xml);
  return parsed.ok ? undefined : parsed.reason;
}

function jsonSettingsReason(text: string): string | undefined {
  const parsed = parseJson(text);
  if (!parsed.ok) return l10n.t('invalid JSON at offset {0}', parsed.error.start);
  if (parsed.root.kind !== 'object') return parsed.root.kind === 'array' ? l10n.t('it is an array') : l10n.t('it is a {0}', parsed.root.kind);
  const unsafe = unsafeNumber(parsed.root, text);
  return unsafe ? l10n.t('it holds a number at offset {0} that JavaScript cannot keep exactly', unsafe.start) : undefined;
}

/** An integer beyond 2^53 would change when read and written back: such documents are not edited as key/values. */
function unsafeNumber(node: JsonNode, text: string): JsonNode | undefined {
  if (node.kind === 'number') {
    const raw = text.slice(node.start, node.end);
    return /^-?\d+$/.test(raw) && !Number.isSafeInteger(Number(raw)) ? node : undefined;
  }
  const children = node.kind === 'object' ? node.properties.map((p) => p.value) : node.kind === 'array' ? node.items : [];
  for (const child of children) {
    const found = unsafeNumber(child, text);
    if (found) return found;
  }
  return undefined;
}

// ---------------------------------------------------------------- the readable text

/** The editor text of a layout: a JSON object of key → value, two-space indented, trailing newline. */
export function serializeLayout(view: LayoutView): string {
  if (view.kind === 'appSettingsXml') {
    const entries = view.stored.trim() === '' ? [] : appSettingsEntries(view.stored);
    if (entries.length === 0) return '{}\n';
    return `{\n${entries.map((e) => `  ${JSON.stringify(e.key)}: ${JSON.stringify(e.value)}`).join(',\n')}\n}\n`;
  }
  const value: unknown = view.stored.trim() === '' ? {} : JSON.parse(view.stored);
  return `${JSON.stringify(value, null, 2)}\n`;
}

function appSettingsEntries(xml: string): AppSettingsEntry[] {
  const parsed = parseAppSettingsXml(xml);
  if (!parsed.ok) throw new Error(`not an <appSettings> document: ${parsed.reason}`);
  return parsed.doc.entries;
}

/** A short description for notices and tooltips. */
export function layoutTitle(view: LayoutView): string {
  return view.kind === 'appSettingsXml'
    ? l10n.t('"{0}" (BizTalk Deployment Framework <appSettings> XML) shown as key/values; saved back as XML', view.field)
    : l10n.t('"{0}" (a JSON object) shown as key/values; saved back as JSON', view.field);
}

type LayoutValidation = { ok: true; value: string } | { ok: false; problems: DocumentProblem[] };

/**
 * Checks the edited key/values and builds the field's new stored value in its layout. Messages
 * name keys and positions, never values.
 */
export function validateLayoutText(text: string, view: LayoutView): LayoutValidation {
  const parsed = parseJson(text);
  if (!parsed.ok) {
    return { ok: false, problems: [{ message: l10n.t('Invalid JSON: {0}', parsed.error.message), start: parsed.error.start, end: parsed.error.end, severity: 'error' }] };
  }
  const root = parsed.root;
  if (root.kind !== 'object') {
    const what = view.kind === 'appSettingsXml' ? l10n.t('key to string value') : l10n.t('key to value');
    return { ok: false, problems: [{ message: l10n.t('The document must be a JSON object of {0}.', what), start: root.start, end: root.end, severity: 'error' }] };
  }
  const problems = duplicateKeyProblems(root, view.kind === 'appSettingsXml');
  if (view.kind === 'appSettingsXml') problems.push(...appSettingsValueProblems(root));
  const unsafe = view.kind === 'jsonSettings' ? unsafeNumber(root, text) : undefined;
  if (unsafe) problems.push({ message: l10n.t('This integer is too large to be kept exactly; write it as a string in double quotes.'), start: unsafe.start, end: unsafe.end, severity: 'error' });
  if (problems.length > 0) return { ok: false, problems };
  const value = view.kind === 'appSettingsXml' ? appSettingsValue(root, view.stored) : jsonSettingsValue(text, view.stored);
  // The field's stored value is what the service limits, so the problem is the whole document's.
  const tooLong = valueTooLong(view.field, { value, start: root.start, end: root.start + 1 });
  return tooLong ? { ok: false, problems: [tooLong] } : { ok: true, value };
}

function duplicateKeyProblems(root: JsonNode & { kind: 'object' }, caseInsensitive: boolean): DocumentProblem[] {
  const seen = new Map<string, string>();
  const problems: DocumentProblem[] = [];
  for (const prop of root.properties) {
    if (prop.key.trim() === '') {
      problems.push({ message: l10n.t('A key must not be empty.'), start: prop.keyStart, end: prop.keyEnd, severity: 'error' });
      continue;
    }
    const k = caseInsensitive ? prop.key.toLowerCase() : prop.key;
    const earlier = seen.get(k);
    if (earlier !== undefined) {
      const message =
        earlier === prop.key
          ? l10n.t('The key "{0}" appears more than once; keep one.', prop.key)
          : l10n.t('The key "{0}" appears more than once (as "{1}": .NET reads appSettings keys case-insensitively); keep one.', prop.key, earlier);
      problems.push({ message, start: prop.keyStart, end: prop.keyEnd, severity: 'error' });
      continue;
    }
    seen.set(k, prop.key);
  }
  return problems;
}

function appSettingsValueProblems(root: JsonNode & { kind: 'object' }): DocumentProblem[] {
  const problems: DocumentProblem[] = [];
  for (const prop of root.properties) {
    if (prop.value.kind !== 'string') {
      problems.push({ message: l10n.t('The value of "{0}" must be a string in double quotes: appSettings values are text.', prop.key), start: prop.value.start, end: prop.value.end, severity: 'error' });
      continue;
    }
    const keyProblem = xmlValueProblem(prop.key);
    if (keyProblem) problems.push({ message: l10n.t('This key {0}.', keyProblem), start: prop.keyStart, end: prop.keyEnd, severity: 'error' });
    const valueProblem = xmlValueProblem(prop.value.value);
    if (valueProblem) problems.push({ message: l10n.t('The value of "{0}" {1}.', prop.key, valueProblem), start: prop.value.start, end: prop.value.end, severity: 'error' });
  }
  return problems;
}

function appSettingsValue(root: JsonNode & { kind: 'object' }, stored: string): string {
  const entries = root.properties.map((p) => ({ key: p.key, value: (p.value as { value: string }).value }));
  if (stored.trim() === '') return newAppSettingsXml(entries);
  const parsed = parseAppSettingsXml(stored);
  if (!parsed.ok) throw new Error(l10n.t('the stored value is not an <appSettings> document: {0}', parsed.reason));
  return updateAppSettingsXml(stored, parsed.doc, entries);
}

/** The object as typed, in the stored value's indentation (and trailing newline, if it had one). */
function jsonSettingsValue(text: string, stored: string): string {
  const value: unknown = JSON.parse(text);
  const out = JSON.stringify(value, null, indentationOf(stored));
  return stored.endsWith('\n') ? `${out}\n` : out;
}

/** The indentation of the first indented line of a JSON text: 2 spaces by default, 0 when it is on one line. */
export function indentationOf(json: string): string | number {
  if (json.trim() === '') return 2;
  const m = /\n([ \t]+)\S/.exec(json);
  if (m) return m[1] as string;
  return json.trim().includes('\n') ? 2 : 0;
}
