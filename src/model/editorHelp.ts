/**
 * Editor help for `sso:` documents, from the application's field list: which field names to
 * complete where a key is typed, what a field's hover says, and the text edits of the quick
 * fixes ("remove this unknown field", "quote this number").
 * No `vscode` import: unit-tested with node:test.
 */
import * as l10n from '@vscode/l10n';
import type { DocumentSchema } from './configDocument';
import { parseJson } from './jsonSyntax';

export interface TextEdit {
  start: number;
  end: number;
  newText: string;
}

/**
 * Where a key is being typed at `offset`: the range of the partial key (its opening quote
 * included, and a closing quote right after the cursor), or undefined when the cursor is in a
 * value or after the colon.
 */
export function keyRangeAt(text: string, offset: number): { start: number; end: number } | undefined {
  const lineStart = text.lastIndexOf('\n', offset - 1) + 1;
  const before = text.slice(lineStart, offset);
  const typed = /^(\s*\{?\s*)("[^"\\:]*)?$/.exec(before);
  if (!typed) return undefined;
  const start = lineStart + (typed[1] as string).length;
  const end = typed[2] !== undefined && text[offset] === '"' ? offset + 1 : offset;
  return { start, end };
}

/** The fields the document does not hold yet, in field order (the keys worth completing). */
export function fieldsToComplete(text: string, schema: DocumentSchema): string[] {
  const parsed = parseJson(text);
  const present = new Set(parsed.ok && parsed.root.kind === 'object' ? parsed.root.properties.map((p) => p.key) : presentKeysLoosely(text));
  return schema.fields.filter((f) => !present.has(f));
}

/** While the document does not parse (mid-typing), keys are found line by line. */
function presentKeysLoosely(text: string): string[] {
  return [...text.matchAll(/^\s*"((?:[^"\\]|\\.)*)"\s*:/gm)].map((m) => m[1] as string);
}

/** What hovering a field name says: its place in the application and whether it is masked (what a masked one holds is said by its own hover). */
export function fieldDescription(schema: DocumentSchema, label: string): string | undefined {
  const index = schema.fields.indexOf(label);
  if (index < 0) return undefined;
  const place = l10n.t('Field {0} of {1} of application "{2}"', index + 1, schema.fields.length, schema.application);
  return schema.masked.includes(label) ? l10n.t('{0}, masked (write-only in BizTalk tools).', place) : l10n.t('{0}: a text value (SSO stores every value as a string).', place);
}

/** Removes a property (key to value) with its comma, and its line when it stands alone on it. */
export function removePropertyEdit(text: string, propertyStart: number, propertyEnd: number): TextEdit {
  let start = propertyStart;
  let end = propertyEnd;
  const after = /^\s*,/.exec(text.slice(end));
  if (after) {
    end += after[0].length;
  } else {
    // The last property: the comma before it goes.
    const before = /,\s*$/.exec(text.slice(0, start));
    if (before) start -= before[0].length;
  }
  const lineStart = text.lastIndexOf('\n', start - 1) + 1;
  const lineEnd = text.indexOf('\n', end);
  if (after && /^\s*$/.test(text.slice(lineStart, start)) && lineEnd >= 0 && /^\s*$/.test(text.slice(end, lineEnd))) {
    start = lineStart;
    end = lineEnd + 1;
  }
  return { start, end, newText: '' };
}

/** Puts a number or true/false in double quotes, as SSO stores it. */
export function quoteValueEdit(text: string, start: number, end: number): TextEdit {
  return { start, end, newText: JSON.stringify(text.slice(start, end)) };
}

/** The key under `offset` in a document that parses, with its range (quotes included). */
export function keyAt(text: string, offset: number): { key: string; start: number; end: number } | undefined {
  const parsed = parseJson(text);
  if (!parsed.ok || parsed.root.kind !== 'object') return undefined;
  const prop = parsed.root.properties.find((p) => p.keyStart <= offset && offset <= p.keyEnd);
  return prop && { key: prop.key, start: prop.keyStart, end: prop.keyEnd };
}
