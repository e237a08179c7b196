/**
 * The text of an `sso:` document and back: a pretty JSON object of field → value in field
 * order, masked fields shown as a placeholder until revealed; validation of what the user
 * typed (with positions, for diagnostics) and the `config.set` request built from it.
 * No `vscode` import: unit-tested with node:test.
 */
import * as l10n from '@vscode/l10n';
import type { ConfigDocument } from '../protocol/messages';
import { parseJson, positionAt, type JsonNode } from './jsonSyntax';
import { nameKeyedRecord } from '../protocol/names';
import { escapeMarkdown } from './markdown';
import { LIMITS } from '../protocol/limits';
import { MAX_CONFIGURATION_BYTES } from '../protocol/configurationSize';

/** Shown instead of a masked value. Saved unchanged, it keeps the stored value. */
export const MASK_PLACEHOLDER = '••••••••';

/** What a document must look like: the application's fields in order, and which are masked. */
export interface DocumentSchema {
  application: string;
  identifier: string;
  fields: string[];
  masked: string[];
  /** Masked fields that hold a value; undefined when the service does not say (then all are taken as set). */
  maskedSet?: string[];
}

export function schemaOf(doc: ConfigDocument, fieldOrder?: string[]): DocumentSchema {
  const fromDoc = Object.keys(doc.fields);
  // Prefer the application's field order (JavaScript objects put integer-like keys first).
  const fields = fieldOrder && fieldOrder.length === fromDoc.length && fromDoc.every((f) => fieldOrder.includes(f)) ? [...fieldOrder] : fromDoc;
  return { application: doc.application, identifier: doc.identifier, fields, masked: [...doc.masked], ...(doc.maskedSet ? { maskedSet: [...doc.maskedSet] } : {}) };
}

/** Whether a masked field holds a value (services that do not say are taken as "yes"). */
function isMaskedSet(schema: DocumentSchema, label: string): boolean {
  return schema.maskedSet === undefined || schema.maskedSet.includes(label);
}

/** The document text: 2-space pretty JSON, one field per line in field order, trailing newline. */
export function serializeConfig(doc: ConfigDocument, schema: DocumentSchema = schemaOf(doc)): string {
  if (schema.fields.length === 0) return '{}\n';
  const lines = schema.fields.map((label) => {
    const masked = schema.masked.includes(label);
    // An empty masked field shows as "", so that it is not taken for a set one.
    const value = masked && !doc.revealed ? (isMaskedSet(schema, label) ? MASK_PLACEHOLDER : '') : (doc.fields[label] ?? '');
    return `  ${JSON.stringify(label)}: ${JSON.stringify(value)}`;
  });
  return `{\n${lines.join(',\n')}\n}\n`;
}

type ProblemSeverity = 'error' | 'warning';

/** What a quick fix can do about a problem: the key of an unknown field, the field whose value is not a string. */
type ProblemFix = { kind: 'unknown-field'; key: string; propertyStart: number; propertyEnd: number } | { kind: 'not-a-string'; label: string };

export interface DocumentProblem {
  message: string;
  /** Offsets into the text. */
  start: number;
  end: number;
  severity: ProblemSeverity;
  fix?: ProblemFix;
}

type ValidationResult = { ok: true; values: Record<string, string> } | { ok: false; problems: DocumentProblem[] };

const KIND_NAMES: Record<JsonNode['kind'], string> = {
  string: 'a string',
  number: 'a number',
  boolean: 'true/false',
  null: 'null',
  object: 'an object',
  array: 'an array',
};

/**
 * Validates a document against its schema: valid JSON, an object, only the application's
 * field names (exact spelling, each once, none missing), string values only. Messages name
 * fields and positions, never a value.
 */
export function validateConfigText(text: string, schema: DocumentSchema): ValidationResult {
  const parsed = parseJson(text);
  if (!parsed.ok) {
    return { ok: false, problems: [{ message: l10n.t('Invalid JSON: {0}', parsed.error.message), start: parsed.error.start, end: parsed.error.end, severity: 'error' }] };
  }
  const root = parsed.root;
  if (root.kind !== 'object') {
    return {
      ok: false,
      problems: [{ message: l10n.t('The document must be a JSON object of field name to string value, not {0}.', KIND_NAMES[root.kind]), start: root.start, end: root.end, severity: 'error' }],
    };
  }
  const problems: DocumentProblem[] = [];
  const values = nameKeyedRecord<string>();
  const known = new Map(schema.fields.map((f) => [f, f]));
  const byLower = new Map(schema.fields.map((f) => [f.toLowerCase(), f]));
  const seen = new Set<string>();
  const fieldList = schema.fields.map((f) => `"${f}"`).join(', ');
  for (const prop of root.properties) {
    const label = known.get(prop.key);
    if (label === undefined) {
      const near = byLower.get(prop.key.toLowerCase());
      const hint = near !== undefined ? l10n.t(' Did you mean "{0}"? Field names are case-sensitive.', near) : l10n.t(' Its fields are: {0}.', fieldList);
      problems.push({
        message: l10n.t('"{0}" is not a field of application "{1}": add it to the application ("Add Fields…"), or remove it from the document.{2}', prop.key, schema.application, hint),
        start: prop.keyStart,
        end: prop.keyEnd,
        severity: 'error',
        fix: { kind: 'unknown-field', key: prop.key, propertyStart: prop.keyStart, propertyEnd: prop.value.end },
      });
      continue;
    }
    if (seen.has(label)) {
      problems.push({ message: l10n.t('Field "{0}" appears more than once; keep one.', label), start: prop.keyStart, end: prop.keyEnd, severity: 'error' });
      continue;
    }
    seen.add(label);
    if (prop.value.kind !== 'string') {
      problems.push({
        message: l10n.t('The value of "{0}" must be a string in double quotes, not {1}. SSO stores every value as text.', label, KIND_NAMES[prop.value.kind]),
        start: prop.value.start,
        end: prop.value.end,
        severity: 'error',
        ...(prop.value.kind === 'number' || prop.value.kind === 'boolean' ? { fix: { kind: 'not-a-string' as const, label } } : {}),
      });
      continue;
    }
    if (schema.masked.includes(label) && prop.value.value !== MASK_PLACEHOLDER && prop.value.value.startsWith(MASK_PLACEHOLDER)) {
      // A kept version's "differs" placeholder, copied over by a diff editor: saving it would store the text as the value.
      problems.push({
        message: l10n.t('The value of "{0}" is a placeholder copied from a kept version, not a value. To bring that version back, open it from "SSO: Show History" and run "Restore This Version".', label),
        start: prop.value.start,
        end: prop.value.end,
        severity: 'error',
      });
      continue;
    }
    const tooLong = valueTooLong(label, prop.value);
    if (tooLong) problems.push(tooLong);
    values[label] = prop.value.value;
  }
  const tooLarge = problems.length === 0 ? configurationTooLarge(values, root.start) : undefined;
  if (tooLarge) problems.push(tooLarge);
  const missing = schema.fields.filter((f) => !seen.has(f) && !root.properties.some((p) => p.key === f));
  if (missing.length > 0) {
    problems.push({
      message:
        missing.length > 1
          ? l10n.t('Missing fields {0}: every field of "{1}" must stay in the document (use "" for an empty value).', missing.map((m) => `"${m}"`).join(', '), schema.application)
          : l10n.t('Missing field "{0}": every field of "{1}" must stay in the document (use "" for an empty value).', missing[0]!, schema.application),
      start: root.start,
      end: root.start + 1,
      severity: 'error',
    });
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, values };
}

/** A value longer than the service stores (LIMITS.valueLength), at its position: refused here, not by the service. */
export function valueTooLong(label: string, value: { value: string; start: number; end: number }): DocumentProblem | undefined {
  if (value.value.length <= LIMITS.valueLength) return undefined;
  return { message: l10n.t('The value of "{0}" has {1} characters; SSO stores at most {2}. Shorten it.', label, value.value.length, LIMITS.valueLength), start: value.start, end: value.end, severity: 'error' };
}

/**
 * A configuration over MAX_CONFIGURATION_BYTES, measured as the service does (configurationBytes: the
 * JSON of every field to its value; here all fields are present). A kept masked value counts as its placeholder.
 */
function configurationTooLarge(values: Record<string, string>, at: number): DocumentProblem | undefined {
  const bytes = Buffer.byteLength(JSON.stringify(values));
  if (bytes <= MAX_CONFIGURATION_BYTES) return undefined;
  return { message: l10n.t('The configuration holds {0} bytes; SSO stores at most {1}. Shorten it.', bytes, MAX_CONFIGURATION_BYTES), start: at, end: at + 1, severity: 'error' };
}

/** One line per problem for a save error: where and what, without echoing the text. */
export function summarizeProblems(text: string, problems: DocumentProblem[]): string {
  const first = problems.slice(0, 3).map((p) => {
    const pos = positionAt(text, p.start);
    return l10n.t('line {0}: {1}', pos.line + 1, p.message);
  });
  const more = problems.length > 3 ? ` ${l10n.t('(and {0} more)', problems.length - 3)}` : '';
  return first.join(' ') + more;
}

export interface SetRequestFields {
  fields: Record<string, string>;
  clearMasked: string[];
  /** Masked fields given a new value (the document shows it until it is reloaded). */
  changedMasked: string[];
}

/**
 * Builds the `config.set` fields from validated values. A masked field still showing the
 * placeholder is sent as '' (the service keeps the stored value); a masked field emptied by
 * the user is cleared explicitly.
 */
export function toSetRequest(values: Record<string, string>, schema: DocumentSchema): SetRequestFields {
  const fields = nameKeyedRecord<string>();
  const clearMasked: string[] = [];
  const changedMasked: string[] = [];
  for (const label of schema.fields) {
    const value = values[label];
    if (value === undefined) continue;
    if (schema.masked.includes(label)) {
      if (value === MASK_PLACEHOLDER) {
        fields[label] = '';
      } else if (value === '') {
        fields[label] = '';
        clearMasked.push(label);
      } else {
        fields[label] = value;
        changedMasked.push(label);
      }
    } else {
      fields[label] = value;
    }
  }
  return { fields, clearMasked, changedMasked };
}

/** The field whose name or value is at `offset` in a document's text, if the text parses. */
export function fieldAt(text: string, offset: number): { label: string; start: number; end: number } | undefined {
  const parsed = parseJson(text);
  if (!parsed.ok || parsed.root.kind !== 'object') return undefined;
  const prop = parsed.root.properties.find((p) => offset >= p.keyStart && offset <= p.value.end);
  return prop ? { label: prop.key, start: prop.keyStart, end: prop.value.end } : undefined;
}

/** What hovering a masked field says: whether it holds a value (never the value) and how to change it. */
export function maskedFieldHover(schema: DocumentSchema, label: string): string | undefined {
  if (!schema.masked.includes(label)) return undefined;
  const name = escapeMarkdown(label);
  if (isMaskedSet(schema, label)) {
    return l10n.t('**{0}** is a masked field and holds a value (hidden). Leave {1} to keep it, make it "" to clear it, or replace it with "SSO: Set Masked Field…" (text typed here stays in undo history and backups).', name, MASK_PLACEHOLDER);
  }
  return l10n.t('**{0}** is a masked field and is **not set**. Set it with "SSO: Set Masked Field…" (text typed here stays in undo history and backups).', name);
}
