/**
 * The two application transfer formats, to and from IncomingApplication (importPlan.ts):
 *
 * - `entsso`: a protectedFile of kind 'entsso-export' (scrypt + AES-256-GCM, reminder readable
 *   in the header) whose payload is ExportPayload below: one or more applications with their
 *   definition (kind, description, contact, groups, flags, fields with masked flags) and every
 *   configuration's values. Identifiers and labels travel as data in arrays, never as object
 *   keys, so a name such as "__proto__" is just a name.
 * - `sso`: Microsoft's .sso file (ssoFile.ts): the key/values of one application's
 *   ConfigProperties identifier; the application name is the file name (given by the caller).
 *
 * Everything read from a file is checked here, before planning: a file that opens but holds
 * something else than a valid export is ENTSSO_E_BAD_FILE, and nothing is imported.
 */
import { SsoError } from '../../protocol/errors';
import { CONFIG_PROPERTIES_IDENTIFIER, type ApplicationKind, type FieldDefinition } from '../../protocol/messages';
import { openProtectedFile, writeProtectedFile, type ProtectedFileHeader } from '../crypto/protectedFile';
import { decodeSsoFileInSlices, encodeSsoFile } from '../crypto/ssoFile';
import { checkPasswordStrength } from '../crypto/passwordKdf';
import { checkName } from '../rpc/validate';
import { LIMITS } from '../../protocol/limits';
import { escapeUnsafeCharacters, hasUnsafeCharacters } from '../../protocol/untrustedText';
import type { IncomingApplication, IncomingConfiguration, IncomingVersion } from './importPlan';

/**
 * Contents versions: 1, definitions and live values; 2, also the kept versions of configurations
 * (`history`, exported on request). A file without history is still written as version 1, so
 * that older SSO tools read it; both are read.
 */
const EXPORT_PAYLOAD_VERSION = 2;
const PAYLOAD_VERSION_WITHOUT_HISTORY = 1;
/** Most kept versions one configuration carries (the highest history.keep). */
const MAX_EXPORTED_VERSIONS = 1000;

export const SSO_FILE_WARNING =
  'A .sso file is weakly protected: Triple-DES keyed with the unsalted MD5 of the password, without any integrity check, ' +
  'so anyone holding the file can try passwords very fast. Use it only to move values to or from the SSO Application ' +
  'Configuration snap-in, and delete it afterwards; use the entsso format otherwise.';

export interface ExportedApplication {
  name: string;
  kind: ApplicationKind;
  description: string;
  contact: string;
  userGroup: string;
  adminGroup: string;
  flags: number;
  fields: FieldDefinition[];
  configurations: { identifier: string; values: { field: string; value: string }[]; history?: ExportedVersion[] }[];
}

/** A kept version in an export (contents version 2): who replaced it, when, and its values. */
export interface ExportedVersion {
  version: number;
  /** ms since the epoch: when this version had been written, and when it was replaced. */
  writtenAt: number;
  replacedAt: number;
  replacedBy: string;
  change: 'set' | 'delete';
  changedFields: string[];
  values: { field: string; value: string }[];
}

interface ExportPayload {
  format: 'entsso-export';
  version: number;
  exportedAt: string;
  applications: ExportedApplication[];
}

// ---------------------------------------------------------------- entsso

export async function writeExportFile(
  applications: ExportedApplication[],
  options: { password: string; reminder: string; environment: string; kdfCost?: { N: number; r: number; p: number } },
): Promise<Buffer> {
  const withHistory = applications.some((a) => a.configurations.some((c) => c.history !== undefined));
  const version = withHistory ? EXPORT_PAYLOAD_VERSION : PAYLOAD_VERSION_WITHOUT_HISTORY;
  const payload: ExportPayload = { format: 'entsso-export', version, exportedAt: new Date().toISOString(), applications };
  return writeProtectedFile('entsso-export', payload, { password: options.password, reminder: options.reminder, environment: options.environment, kdfCost: options.kdfCost });
}

export async function readExportFile(file: Buffer, password: string): Promise<{ header: ProtectedFileHeader; applications: IncomingApplication[] }> {
  const { header, payload } = await openProtectedFile<unknown>(file, password, 'entsso-export');
  return { header, applications: parseExportPayload(payload) };
}

/** Checks a decrypted payload completely; every problem is ENTSSO_E_BAD_FILE naming where it is (never a value). */
export function parseExportPayload(payload: unknown): IncomingApplication[] {
  const p = payload as Partial<ExportPayload> | null;
  if (!p || typeof p !== 'object' || p.format !== 'entsso-export') throw badPayload('it is not an application export');
  if (p.version !== EXPORT_PAYLOAD_VERSION && p.version !== PAYLOAD_VERSION_WITHOUT_HISTORY) {
    if (Number.isSafeInteger(p.version) && (p.version as number) > EXPORT_PAYLOAD_VERSION) {
      throw new SsoError(
        'ENTSSO_E_BAD_FILE',
        `This export uses contents version ${p.version}, but this version of the SSO tools reads only version ${EXPORT_PAYLOAD_VERSION}. Upgrade the SSO tools to import it.`,
        { reason: 'unsupported-version' },
      );
    }
    throw badPayload('its contents version is invalid');
  }
  if (!Array.isArray(p.applications) || p.applications.length === 0) throw badPayload('it holds no application');
  const seen = new Set<string>();
  return p.applications.map((raw, index) => {
    const app = parseExportedApplication(raw, index, p.version === EXPORT_PAYLOAD_VERSION);
    if (seen.has(app.name.toLowerCase())) throw badPayload(`it holds the application "${app.name}" twice`);
    seen.add(app.name.toLowerCase());
    return app;
  });
}

const KINDS: ApplicationKind[] = ['adapter', 'configStore', 'affiliate'];

function parseExportedApplication(raw: unknown, index: number, mayHoldHistory: boolean): IncomingApplication {
  const a = raw as Partial<ExportedApplication> | null;
  if (!a || typeof a !== 'object') throw badPayload(`application ${index + 1} is not an object`);
  const name = fileName(a.name, `the name of application ${index + 1}`);
  const where = `application "${name}"`;
  if (!KINDS.includes(a.kind as ApplicationKind)) throw badPayload(`${where} has an unknown kind`);
  for (const key of ['description', 'contact', 'userGroup', 'adminGroup'] as const) {
    const max = key === 'description' ? LIMITS.descriptionLength : LIMITS.nameLength;
    if (typeof a[key] !== 'string' || (a[key] as string).length > max) throw badPayload(`the ${key} of ${where} is invalid`);
  }
  if (!Number.isSafeInteger(a.flags) || (a.flags as number) < 0 || (a.flags as number) > 0x7fffffff) throw badPayload(`the flags of ${where} are invalid`);
  if (!Array.isArray(a.fields) || a.fields.length === 0 || a.fields.length > LIMITS.fieldCount) {
    throw badPayload(`${where} must have between 1 and ${LIMITS.fieldCount} fields`);
  }
  const labels = new Map<string, string>();
  const fields = a.fields.map((f, i) => {
    const field = f as Partial<FieldDefinition> | null;
    const label = fileName(field?.label, `field ${i + 1} of ${where}`);
    if (typeof field?.masked !== 'boolean') throw badPayload(`field "${label}" of ${where} does not say whether it is masked`);
    if (labels.has(label.toLowerCase())) throw badPayload(`${where} defines the field "${label}" twice`);
    labels.set(label.toLowerCase(), label);
    return { label, masked: field.masked };
  });
  if (!Array.isArray(a.configurations)) throw badPayload(`the configurations of ${where} are missing`);
  const identifiers = new Set<string>();
  const configurations: IncomingConfiguration[] = a.configurations.map((c, i) => {
    const config = c as Partial<ExportedApplication['configurations'][number]> | null;
    const identifier = fileName(config?.identifier, `identifier ${i + 1} of ${where}`);
    if (identifiers.has(identifier.toLowerCase())) throw badPayload(`${where} holds the identifier "${identifier}" twice`);
    identifiers.add(identifier.toLowerCase());
    if (!Array.isArray(config?.values) || config.values.length > LIMITS.fieldCount) throw badPayload(`the values of "${identifier}" in ${where} are invalid`);
    const values = parseValues(config.values, labels, `"${identifier}" in ${where}`);
    if (config.history === undefined) return { identifier, values };
    if (!mayHoldHistory) throw badPayload(`"${identifier}" in ${where} holds kept versions, which a contents version 1 file cannot`);
    return { identifier, values, history: parseHistory(config.history, labels, `"${identifier}" in ${where}`) };
  });
  return {
    name,
    kind: a.kind as ApplicationKind,
    description: a.description as string,
    contact: a.contact as string,
    userGroup: a.userGroup as string,
    adminGroup: a.adminGroup as string,
    flags: a.flags as number,
    fields,
    configurations,
    identifierScope: 'all',
  };
}

/** Field → value pairs of a configuration or of one of its kept versions. */
function parseValues(raw: unknown[], labels: Map<string, string>, where: string): Map<string, string> {
  const values = new Map<string, string>();
  for (const entry of raw) {
    const e = entry as { field?: unknown; value?: unknown } | null;
    const label = typeof e?.field === 'string' ? labels.get(e.field.toLowerCase()) : undefined;
    if (label === undefined) throw badPayload(`${where} has a value for a field the application does not define`);
    if (values.has(label)) throw badPayload(`${where} has two values for the field "${label}"`);
    if (typeof e!.value !== 'string' || e!.value.length > LIMITS.valueLength) throw badPayload(`the value of field "${label}" of ${where} is invalid`);
    values.set(label, e!.value);
  }
  return values;
}

/**
 * The kept versions of a configuration in a file, renumbered 1..n in the order of the file's
 * numbers: the file's own numbers are not trusted (a version 0x7fffffff would leave no room for
 * the next save: the history cursor and SQL Server's int column end there). Who replaced a
 * version is shown as imported, since the file, not this environment, says so.
 */
function parseHistory(raw: unknown, labels: Map<string, string>, where: string): IncomingVersion[] {
  if (!Array.isArray(raw) || raw.length > MAX_EXPORTED_VERSIONS) throw badPayload(`the kept versions of ${where} are invalid`);
  const seen = new Set<number>();
  const latestTime = Date.now() + CLOCK_SKEW_MS;
  const parsed = raw.map((item, i) => {
    const v = item as Partial<ExportedVersion> | null;
    const what = `kept version ${i + 1} of ${where}`;
    if (!v || typeof v !== 'object' || !Number.isInteger(v.version) || (v.version as number) < 1 || (v.version as number) > 0x7fffffff) throw badPayload(`${what} has no valid version number`);
    if (seen.has(v.version as number)) throw badPayload(`${where} holds version ${v.version} twice`);
    seen.add(v.version as number);
    if (!isTime(v.writtenAt) || !isTime(v.replacedAt) || v.writtenAt > v.replacedAt || v.replacedAt > latestTime) {
      throw badPayload(`${what} has invalid times (written, then replaced, not after now)`);
    }
    if (typeof v.replacedBy !== 'string' || v.replacedBy.length === 0 || v.replacedBy.length > LIMITS.nameLength - IMPORTED_MARK.length || hasUnsafeCharacters(v.replacedBy)) {
      throw badPayload(`${what} does not say who replaced it, or says it with characters a name cannot hold`);
    }
    if (v.change !== 'set' && v.change !== 'delete') throw badPayload(`${what} does not say how it was replaced`);
    if (!Array.isArray(v.values) || v.values.length > LIMITS.fieldCount) throw badPayload(`the values of ${what} are invalid`);
    return {
      version: v.version as number,
      modifiedAt: v.writtenAt,
      savedAt: v.replacedAt,
      savedBy: markedImported(v.replacedBy),
      change: v.change,
      changedFields: changedLabels(v.changedFields, labels, what),
      values: parseValues(v.values, labels, what),
    };
  });
  return parsed.sort((a, b) => a.version - b.version).map((v, i) => ({ ...v, version: i + 1 }));
}

/** How far in the future a replacement time may be (clocks of two servers differ a little). */
const CLOCK_SKEW_MS = 5 * 60_000;
const IMPORTED_MARK = ' (imported)';

function markedImported(replacedBy: string): string {
  return replacedBy.endsWith(IMPORTED_MARK) ? replacedBy : replacedBy + IMPORTED_MARK;
}

/** The changed fields of a kept version, as the application spells its labels. */
function changedLabels(raw: unknown, labels: Map<string, string>, what: string): string[] {
  if (!Array.isArray(raw) || raw.length > LIMITS.fieldCount) throw badPayload(`${what} has an invalid list of changed fields`);
  return raw.map((f) => {
    const label = typeof f === 'string' ? labels.get(f.toLowerCase()) : undefined;
    if (label === undefined) throw badPayload(`${what} lists a changed field the application does not define`);
    return label;
  });
}

function isTime(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) >= 0;
}

// ---------------------------------------------------------------- .sso

/** A .sso file as the ConfigProperties identifier of application `name`; its keys are the fields, in file order. */
export async function readSsoFile(file: Buffer, password: string, name: string): Promise<IncomingApplication> {
  const entries = await decodeSsoFileInSlices(file.toString('utf8'), password);
  const keys = Object.keys(entries);
  if (keys.length > LIMITS.fieldCount) throw ssoBad(`it holds ${keys.length} keys, and an application has at most ${LIMITS.fieldCount} fields`);
  const seen = new Set<string>();
  const values = new Map<string, string>();
  for (const key of keys) {
    const label = fileName(key, `key ${values.size + 1}`, ssoBad);
    if (seen.has(label.toLowerCase())) throw ssoBad(`the key "${label}" appears twice (keys are compared ignoring case)`);
    seen.add(label.toLowerCase());
    const value = entries[key]!;
    if (value.length > LIMITS.valueLength) throw ssoBad(`the value of key "${label}" is longer than ${LIMITS.valueLength} characters`);
    values.set(label, value);
  }
  return {
    name,
    fields: [...values.keys()].map((label) => ({ label })),
    configurations: [{ identifier: CONFIG_PROPERTIES_IDENTIFIER, values }],
    identifierScope: 'listed',
  };
}

/** A .sso file of `values` (key → value, in order). The password must pass the same strength rules as our own files. */
export function writeSsoFile(values: Map<string, string>, password: string): Buffer {
  const weakness = checkPasswordStrength(password);
  if (weakness) throw new SsoError('ENTSSO_E_BAD_PASSWORD', weakness, { reason: 'weak-password' });
  const entries = Object.create(null) as Record<string, string>;
  for (const [key, value] of values) entries[key] = value;
  return Buffer.from(encodeSsoFile(entries, password), 'ascii');
}

// ---------------------------------------------------------------- helpers

/** A name read from a file: the same rules as names in requests, reported as a bad file. */
function fileName(value: unknown, what: string, bad: (problem: string) => SsoError = badPayload): string {
  try {
    return checkName(value, what);
  } catch (error) {
    const problem = error instanceof SsoError ? error.message.replace(/\.$/, '') : `${what} is invalid`;
    throw bad(problem.charAt(0).toLowerCase() + problem.slice(1));
  }
}

// The problem may quote names read from the file (checked only by the looser rule for existing
// names): escaped, as the message reaches terminals and notifications.
function badPayload(problem: string): SsoError {
  return new SsoError('ENTSSO_E_BAD_FILE', `The export opened, but its contents are not a valid application export: ${escapeUnsafeCharacters(problem)}. Nothing was imported.`, { reason: 'bad-payload' });
}

function ssoBad(problem: string): SsoError {
  return new SsoError('ENTSSO_E_BAD_FILE', `The .sso file opened, but it cannot be imported: ${escapeUnsafeCharacters(problem)}. Nothing was imported.`, { reason: 'bad-payload' });
}
