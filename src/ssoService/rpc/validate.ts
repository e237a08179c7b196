/**
 * Validation of request parameters at the protocol boundary: every method's params are
 * checked here before any handler runs, so handlers can trust their input. A bad request
 * gets ENTSSO_E_INVALID_REQUEST naming the offending parameter, never a crash.
 *
 * Kept hand-written on purpose, rather than a schema library generating types and checks
 * (zod, valibot, typebox): the checks that matter here are not shapes but the name rule
 * (src/protocol/names.ts: NFC, lookalikes, stored names looser than new ones), byte sizes of
 * configurations and name-keyed records safe from "__proto__", which a schema would only wrap
 * as custom refinements; the extension and the service would load a runtime dependency for
 * the shapes alone; and `ParamsOf<M>` in src/protocol/messages.ts stays the one definition of
 * the types that every client reads. Each method's validator returns exactly `ParamsOf<M>`,
 * so TypeScript checks the two against each other.
 */
import { SsoError } from '../../protocol/errors';
import { hasUnsafeCharacters } from '../../protocol/untrustedText';
import type { ApplicationKind, AuditFilter, FieldDefinition, ImportMode, ImportSource, ParamsOf, ServiceMethodName, TransferFormat } from '../../protocol/messages';
import { GREP_MAX_PATTERN_LENGTH } from '../../protocol/messages';
import { COMPARE_KEY_MAX_BYTES, COMPARE_KEY_MIN_BYTES, COMPARE_MAX_IDENTIFIERS, SET_MANY_MAX_WRITES } from '../../protocol/messages';
import { LIMITS } from '../../protocol/limits';
import { describeNameProblem, existingNameProblem, nameKeyedRecord, newNameProblem, normaliseName } from '../../protocol/names';

type Obj = Record<string, unknown>;

function fail(message: string): never {
  throw new SsoError('ENTSSO_E_INVALID_REQUEST', message);
}

function asObject(value: unknown, what = 'params'): Obj {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) fail(`${what} must be an object.`);
  return value as Obj;
}

function onlyKeys(o: Obj, allowed: string[]): void {
  for (const key of Object.keys(o)) if (!allowed.includes(key)) fail(`Unknown parameter "${key}".`);
}

/**
 * A name that refers to an application, identifier or field that may exist: the looser rule every
 * stored name obeys (see src/protocol/names.ts), so that names stored before the name rule stay
 * reachable. Passed on as given: a stored name is found by its stored spelling.
 */
export function checkName(value: unknown, what: string): string {
  const problem = existingNameProblem(value);
  if (problem) fail(describeNameProblem(problem, what.charAt(0).toLowerCase() + what.slice(1)));
  return value as string;
}

/** A name for something the request creates: normalised to NFC, then held to the full name rule. */
export function checkNewName(value: unknown, what: string): string {
  const name = typeof value === 'string' ? normaliseName(value) : value;
  const problem = newNameProblem(name);
  if (problem) fail(describeNameProblem(problem, what.charAt(0).toLowerCase() + what.slice(1)));
  return name as string;
}

function optString(o: Obj, key: string, max: number): string | undefined {
  const v = o[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') fail(`"${key}" must be a string.`);
  if (v.length > max) fail(`"${key}" is longer than ${max} characters.`);
  return v;
}

function optBool(o: Obj, key: string): boolean | undefined {
  const v = o[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'boolean') fail(`"${key}" must be true or false.`);
  return v;
}

function optLimit(o: Obj): number | undefined {
  const v = o.limit;
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > LIMITS.pageSize) fail(`"limit" must be a whole number from 1 to ${LIMITS.pageSize}.`);
  return v;
}

function timestamp(o: Obj, key: string, nullable: boolean): string | null {
  const v = o[key];
  if (v === null && nullable) return null;
  if (typeof v !== 'string' || !/^[0-9A-Za-z]{1,64}$/.test(v)) fail(`"${key}" must be the timestamp the configuration was read with${nullable ? ', or null to create it' : ''}.`);
  return v;
}

function stringRecord(value: unknown, key: string): Record<string, string> {
  const o = asObject(value, `"${key}"`);
  const entries = Object.entries(o);
  if (entries.length > LIMITS.fieldCount) fail(`"${key}" has more than ${LIMITS.fieldCount} fields.`);
  const out = nameKeyedRecord<string>();
  for (const [k, v] of entries) {
    checkName(k, `Field name "${k.slice(0, 40)}"`);
    if (typeof v !== 'string') fail(`The value of field "${k}" must be a string.`);
    if (v.length > LIMITS.valueLength) fail(`The value of field "${k}" is longer than ${LIMITS.valueLength} characters.`);
    out[k] = v;
  }
  return out;
}

function nameList(value: unknown, key: string): string[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || value.length > LIMITS.fieldCount) fail(`"${key}" must be a list of field names.`);
  return value.map((v, i) => checkName(v, `"${key}[${i}]"`));
}

function password(o: Obj, key = 'password'): string {
  const v = o[key];
  if (typeof v !== 'string' || v.length === 0) fail(`"${key}" must be a non-empty string.`);
  if (v.length > 1024) fail(`"${key}" is longer than 1024 characters.`);
  return v;
}

function base64File(o: Obj): string {
  const v = o.file;
  if (typeof v !== 'string' || v.length === 0 || !/^[A-Za-z0-9+/=\r\n]+$/.test(v)) fail('"file" must be the base64-encoded file.');
  return v;
}

function nodeName(o: Obj): string {
  const v = o.node;
  if (typeof v !== 'string' || !/^[A-Za-z0-9.\-[\]:]{1,255}:\d{1,5}$/.test(v)) fail('"node" must be a master secret server node as host:port.');
  return v;
}

/** The client's name goes into the service log and the audit: nothing there may forge or hide text. */
function clientName(o: Obj): string {
  const name = optString(o, 'client', 64) ?? 'unknown';
  if (hasUnsafeCharacters(name)) fail('"client" must not contain control, format (bidi, zero-width) or line-separator characters: name the client in plain text.');
  return name;
}

const KINDS: ApplicationKind[] = ['adapter', 'configStore', 'affiliate'];
const FORMATS: TransferFormat[] = ['entsso', 'sso'];
const MODES: ImportMode[] = ['add', 'update', 'mirror'];
/** Most applications one export or import names. */
const MAX_TRANSFER_APPLICATIONS = 1000;

/** A list of field definitions: 1..fieldCount, labels valid and unique (case-insensitive). */
function fieldDefinitions(value: unknown, key: string): FieldDefinition[] {
  if (!Array.isArray(value) || value.length === 0 || value.length > LIMITS.fieldCount) {
    fail(`"${key}" must list between 1 and ${LIMITS.fieldCount} field definitions.`);
  }
  const seen = new Set<string>();
  return value.map((f, i) => {
    const fo = asObject(f, `${key}[${i}]`);
    onlyKeys(fo, ['label', 'masked']);
    const label = checkNewName(fo.label, `field label ${i + 1}`);
    if (seen.has(label.toLowerCase())) fail(`Field "${label}" is defined twice.`);
    seen.add(label.toLowerCase());
    return { label, masked: optBool(fo, 'masked') ?? false };
  });
}

/** A non-empty list of distinct names (case-insensitive). */
function distinctNames(value: unknown, key: string, what: string, max: number): string[] {
  if (!Array.isArray(value) || value.length === 0 || value.length > max) fail(`"${key}" must list between 1 and ${max} ${what}s.`);
  const seen = new Set<string>();
  return value.map((v, i) => {
    const name = checkName(v, `"${key}[${i}]"`);
    if (seen.has(name.toLowerCase())) fail(`"${key}" names ${what} "${name}" twice.`);
    seen.add(name.toLowerCase());
    return name;
  });
}

function oneOf<T extends string>(o: Obj, key: string, allowed: T[], fallback?: T): T {
  const v = o[key];
  if (v === undefined && fallback !== undefined) return fallback;
  if (!allowed.includes(v as T)) fail(`"${key}" must be one of ${allowed.join(', ')}.`);
  return v as T;
}

function optFieldsVersion(o: Obj): string | undefined {
  const v = o.expectedFieldsVersion;
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || !/^[0-9a-f]{1,64}$/.test(v)) fail('"expectedFieldsVersion" must be the fieldsVersion of the application as read.');
  return v;
}

function importSource(o: Obj): ImportSource {
  const format = oneOf(o, 'format', FORMATS);
  const name = o.name === undefined ? undefined : checkName(o.name, 'Application name');
  if (format === 'sso' && name === undefined) fail('"name" is required for a .sso file: the application it holds (the snap-in uses the file name).');
  if (format === 'entsso' && name !== undefined) fail('"name" is only for .sso files: an entsso export names its applications.');
  return { file: base64File(o), format, password: password(o), name, mode: oneOf(o, 'mode', MODES) };
}

/** Longest `config.grep` cursor: two names (escaped) and a few numbers, signed. */
const GREP_MAX_CURSOR_LENGTH = 4096;

function validateGrep(o: Obj): ParamsOf<'config.grep'> {
  onlyKeys(o, ['pattern', 'regex', 'application', 'cursor', 'limit']);
  const pattern = optString(o, 'pattern', GREP_MAX_PATTERN_LENGTH);
  if (!pattern) fail(`"pattern" must be the text or regular expression to find (1 to ${GREP_MAX_PATTERN_LENGTH} characters).`);
  const cursor = optString(o, 'cursor', GREP_MAX_CURSOR_LENGTH);
  if (cursor !== undefined && !/^[A-Za-z0-9_-]+\.[0-9a-f]{64}$/.test(cursor)) fail('"cursor" must be the nextCursor of the previous page of this search.');
  const application = o.application === undefined ? undefined : checkName(o.application, 'Application name');
  return { pattern, regex: optBool(o, 'regex'), application, cursor, limit: optLimit(o) };
}

/** The comparison key: base64 of COMPARE_KEY_MIN_BYTES..COMPARE_KEY_MAX_BYTES bytes (a weak key would make the hashes guessable). */
function compareKey(o: Obj): string {
  const v = o.key;
  const bytes = typeof v === 'string' && /^[A-Za-z0-9+/]+={0,2}$/.test(v) ? Buffer.from(v, 'base64').length : 0;
  if (bytes < COMPARE_KEY_MIN_BYTES || bytes > COMPARE_KEY_MAX_BYTES) fail(`"key" must be base64 of ${COMPARE_KEY_MIN_BYTES} to ${COMPARE_KEY_MAX_BYTES} random bytes, fresh for each comparison.`);
  return v as string;
}

function validateFingerprints(o: Obj): ParamsOf<'config.fingerprints'> {
  onlyKeys(o, ['application', 'identifiers', 'key']);
  const ids = o.identifiers;
  if (!Array.isArray(ids) || ids.length === 0 || ids.length > COMPARE_MAX_IDENTIFIERS) fail(`"identifiers" must list 1 to ${COMPARE_MAX_IDENTIFIERS} configurations; compare more in several requests.`);
  return { application: checkName(o.application, 'Application name'), identifiers: ids.map((id, i) => checkName(id, `identifiers[${i}]`)), key: compareKey(o) };
}

function validateSetMany(o: Obj): ParamsOf<'config.setMany'> {
  onlyKeys(o, ['application', 'expectedFieldsVersion', 'writes', 'source']);
  const writes = o.writes;
  if (!Array.isArray(writes) || writes.length === 0 || writes.length > SET_MANY_MAX_WRITES) fail(`"writes" must list 1 to ${SET_MANY_MAX_WRITES} configurations; write more in several requests.`);
  const fieldsVersionGiven = optString(o, 'expectedFieldsVersion', 64);
  if (!fieldsVersionGiven || !/^[0-9a-f]+$/.test(fieldsVersionGiven)) fail('"expectedFieldsVersion" must be the fieldsVersion of the application the writes were computed from.');
  const source = optString(o, 'source', 200);
  if (source !== undefined && hasUnsafeCharacters(source)) fail('"source" must be plain text (no control or invisible characters).');
  const seen = new Set<string>();
  const checked = writes.map((w, i) => {
    const write = asObject(w, `writes[${i}]`);
    onlyKeys(write, ['identifier', 'fields', 'expectedTimestamp', 'clearMasked']);
    const expectedTimestamp = timestamp(write, 'expectedTimestamp', true);
    const identifier = expectedTimestamp === null ? checkNewName(write.identifier, 'identifier') : checkName(write.identifier, 'Identifier');
    if (seen.has(identifier.toLowerCase())) fail(`"writes" names configuration "${identifier}" twice.`);
    seen.add(identifier.toLowerCase());
    return { identifier, fields: stringRecord(write.fields, 'fields'), expectedTimestamp, clearMasked: nameList(write.clearMasked, 'clearMasked') };
  });
  return { application: checkName(o.application, 'Application name'), expectedFieldsVersion: fieldsVersionGiven, writes: checked, source };
}

/** Longest text or who an audit filter takes (longer than any stored name or operation: it could not match). */
const AUDIT_FILTER_TEXT_LENGTH = 200;
const AUDIT_OUTCOMES: readonly string[] = ['ok', 'refused', 'failed'];

function validateAuditList(o: Obj): ParamsOf<'audit.list'> {
  onlyKeys(o, ['cursor', 'limit', 'filter']);
  const cursor = optString(o, 'cursor', 32);
  if (cursor !== undefined && !/^\d{1,16}$/.test(cursor)) fail('"cursor" must be the nextCursor of the previous page.');
  return { cursor, limit: optLimit(o), ...(o.filter === undefined ? {} : { filter: auditFilter(asObject(o.filter, 'filter')) }) };
}

function auditFilter(o: Obj): AuditFilter {
  onlyKeys(o, ['text', 'operation', 'user', 'outcome', 'from', 'until']);
  const filter: AuditFilter = {};
  const text = optPlainText(o, 'text');
  const user = optPlainText(o, 'user');
  if (text) filter.text = text;
  if (user) filter.user = user;
  const operation = optString(o, 'operation', 64);
  if (operation && !/^[A-Za-z][A-Za-z0-9]*(\.[A-Za-z][A-Za-z0-9]*)*$/.test(operation)) fail('"filter.operation" must be an operation such as "config.set" or a family such as "config".');
  if (operation) filter.operation = operation;
  const outcome = optString(o, 'outcome', 16);
  if (outcome !== undefined && !AUDIT_OUTCOMES.includes(outcome)) fail(`"filter.outcome" must be one of ${AUDIT_OUTCOMES.join(', ')}.`);
  if (outcome) filter.outcome = outcome as AuditFilter['outcome'];
  const from = optIsoTime(o, 'from');
  const until = optIsoTime(o, 'until');
  if (from && until && from >= until) fail('"filter.from" must be before "filter.until".');
  if (from) filter.from = from;
  if (until) filter.until = until;
  return filter;
}

function optPlainText(o: Obj, key: string): string | undefined {
  const value = optString(o, key, AUDIT_FILTER_TEXT_LENGTH);
  if (value !== undefined && hasUnsafeCharacters(value)) fail(`"filter.${key}" must be plain text (no control, format or line-separator characters).`);
  return value;
}

/** A time as the audit stores it (UTC, milliseconds, "Z"), so that texts compare as times do. */
function optIsoTime(o: Obj, key: string): string | undefined {
  const value = optString(o, key, 40);
  if (value === undefined || value === '') return undefined;
  const time = Date.parse(value);
  if (!/^\d{4}-\d{2}-\d{2}(T[0-9:.]+(Z|[+-]\d{2}:\d{2})?)?$/.test(value) || Number.isNaN(time)) fail(`"filter.${key}" must be an ISO-8601 time such as 2026-12-06T22:40:00Z.`);
  return new Date(time).toISOString();
}

type Validators = { [M in ServiceMethodName]: (o: Obj) => ParamsOf<M> };

const validators: Validators = {
  hello: (o) => {
    onlyKeys(o, ['token', 'protocolVersion', 'client']);
    if (typeof o.token !== 'string' || o.token.length > 512) fail('"token" must be the access token of the SSO environment.');
    if (typeof o.protocolVersion !== 'number') fail('"protocolVersion" must be a number.');
    return { token: o.token, protocolVersion: o.protocolVersion, client: clientName(o) };
  },
  status: (o) => (onlyKeys(o, []), {}),
  health: (o) => (onlyKeys(o, []), {}),
  'apps.list': (o) => {
    onlyKeys(o, ['filter', 'cursor', 'limit']);
    return { filter: optString(o, 'filter', LIMITS.filterLength), cursor: optString(o, 'cursor', LIMITS.nameLength), limit: optLimit(o) };
  },
  'apps.get': (o) => (onlyKeys(o, ['name']), { name: checkName(o.name, 'Application name') }),
  'apps.create': (o) => {
    onlyKeys(o, ['name', 'kind', 'description', 'contact', 'userGroup', 'adminGroup', 'enabled', 'fields']);
    if (!KINDS.includes(o.kind as ApplicationKind)) fail(`"kind" must be one of ${KINDS.join(', ')}.`);
    const fields = fieldDefinitions(o.fields, 'fields');
    return {
      name: checkNewName(o.name, 'application name'),
      kind: o.kind as ApplicationKind,
      description: optString(o, 'description', LIMITS.descriptionLength),
      contact: optString(o, 'contact', LIMITS.nameLength),
      userGroup: optString(o, 'userGroup', LIMITS.nameLength),
      adminGroup: optString(o, 'adminGroup', LIMITS.nameLength),
      enabled: optBool(o, 'enabled'),
      fields,
    };
  },
  'apps.delete': (o) => (onlyKeys(o, ['name']), { name: checkName(o.name, 'Application name') }),
  'apps.setEnabled': (o) => {
    onlyKeys(o, ['name', 'enabled']);
    const enabled = optBool(o, 'enabled');
    if (enabled === undefined) fail('"enabled" must be true or false.');
    return { name: checkName(o.name, 'Application name'), enabled };
  },
  'apps.addField': (o) => {
    onlyKeys(o, ['name', 'fields', 'expectedFieldsVersion']);
    return { name: checkName(o.name, 'Application name'), fields: fieldDefinitions(o.fields, 'fields'), expectedFieldsVersion: optFieldsVersion(o) };
  },
  'apps.removeField': (o) => {
    onlyKeys(o, ['name', 'fields', 'expectedFieldsVersion']);
    return { name: checkName(o.name, 'Application name'), fields: distinctNames(o.fields, 'fields', 'field', LIMITS.fieldCount), expectedFieldsVersion: optFieldsVersion(o) };
  },
  'apps.export': (o) => {
    onlyKeys(o, ['names', 'format', 'password', 'reminder', 'withHistory']);
    const format = oneOf(o, 'format', FORMATS);
    const withHistory = optBool(o, 'withHistory');
    if (withHistory && format === 'sso') fail('A .sso file holds no history: export with "withHistory" in the entsso format.');
    return {
      names: distinctNames(o.names, 'names', 'application', MAX_TRANSFER_APPLICATIONS),
      format,
      password: password(o),
      reminder: optString(o, 'reminder', 200),
      ...(withHistory === undefined ? {} : { withHistory }),
    };
  },
  'apps.inspectExport': (o) => (onlyKeys(o, ['file']), { file: base64File(o) }),
  'apps.planImport': (o) => {
    onlyKeys(o, ['file', 'format', 'password', 'name', 'mode']);
    return importSource(o);
  },
  'apps.import': (o) => {
    onlyKeys(o, ['file', 'format', 'password', 'name', 'mode', 'expected']);
    const source = importSource(o);
    const raw = o.expected;
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) fail('"expected" must be the "expected" of the import plan.');
    const entries = Object.entries(raw as Obj);
    if (entries.length === 0 || entries.length > MAX_TRANSFER_APPLICATIONS) fail('"expected" must be the "expected" of the import plan.');
    const expected: Record<string, string> = Object.create(null) as Record<string, string>;
    for (const [name, basis] of entries) {
      checkName(name, 'application name in "expected"');
      if (typeof basis !== 'string' || !/^[0-9a-f]{64}$/.test(basis)) fail('"expected" must be the "expected" of the import plan.');
      expected[name] = basis;
    }
    return { ...source, expected };
  },
  'identifiers.list': (o) => {
    onlyKeys(o, ['application', 'filter', 'cursor', 'limit']);
    return {
      application: checkName(o.application, 'Application name'),
      filter: optString(o, 'filter', LIMITS.filterLength),
      cursor: optString(o, 'cursor', LIMITS.nameLength),
      limit: optLimit(o),
    };
  },
  search: (o) => {
    onlyKeys(o, ['query', 'limit']);
    const query = optString(o, 'query', LIMITS.filterLength);
    if (query === undefined) fail('"query" must be a string.');
    return { query, limit: optLimit(o) };
  },
  'config.get': (o) => {
    onlyKeys(o, ['application', 'identifier', 'reveal']);
    return { application: checkName(o.application, 'Application name'), identifier: checkName(o.identifier, 'Identifier'), reveal: optBool(o, 'reveal') };
  },
  'config.set': (o) => {
    onlyKeys(o, ['application', 'identifier', 'fields', 'expectedTimestamp', 'clearMasked']);
    const expectedTimestamp = timestamp(o, 'expectedTimestamp', true);
    return {
      application: checkName(o.application, 'Application name'),
      // Null: the request creates the configuration, so its name is a new name.
      identifier: expectedTimestamp === null ? checkNewName(o.identifier, 'identifier') : checkName(o.identifier, 'Identifier'),
      fields: stringRecord(o.fields, 'fields'),
      expectedTimestamp,
      clearMasked: nameList(o.clearMasked, 'clearMasked'),
    };
  },
  'config.delete': (o) => {
    onlyKeys(o, ['application', 'identifier', 'expectedTimestamp']);
    return {
      application: checkName(o.application, 'Application name'),
      identifier: checkName(o.identifier, 'Identifier'),
      expectedTimestamp: timestamp(o, 'expectedTimestamp', false) as string,
    };
  },
  'config.grep': (o) => validateGrep(o),
  'config.fingerprints': (o) => validateFingerprints(o),
  'config.setMany': (o) => validateSetMany(o),
  'history.list': (o) => {
    onlyKeys(o, ['application', 'identifier', 'cursor', 'limit']);
    return {
      application: checkName(o.application, 'Application name'),
      identifier: checkName(o.identifier, 'Identifier'),
      cursor: optString(o, 'cursor', 12),
      limit: optLimit(o),
    };
  },
  'history.get': (o) => {
    onlyKeys(o, ['application', 'identifier', 'version', 'reveal']);
    if (typeof o.version !== 'number' || !Number.isInteger(o.version) || o.version < 1 || o.version > 0x7fffffff) fail('"version" must be a version number from history.list.');
    return { application: checkName(o.application, 'Application name'), identifier: checkName(o.identifier, 'Identifier'), version: o.version, reveal: optBool(o, 'reveal') };
  },
  'audit.list': (o) => validateAuditList(o),
  'secret.info': (o) => (onlyKeys(o, []), {}),
  'mss.nodes': (o) => (onlyKeys(o, []), {}),
  'token.rotate': (o) => (onlyKeys(o, []), {}),
  'mss.promote': (o) => (onlyKeys(o, ['node']), { node: nodeName(o) }),
  'mss.demote': (o) => (onlyKeys(o, ['node']), { node: nodeName(o) }),
  'secret.backup': (o) => {
    onlyKeys(o, ['password', 'reminder', 'confirmWrite']);
    if (o.confirmWrite !== undefined && typeof o.confirmWrite !== 'boolean') fail('"confirmWrite" must be true or false.');
    return { password: password(o), reminder: optString(o, 'reminder', 200) ?? '', confirmWrite: o.confirmWrite === true };
  },
  'secret.backupWritten': (o) => {
    onlyKeys(o, ['msids']);
    const msids = o.msids;
    if (!Array.isArray(msids) || msids.length === 0 || msids.length > 2 || !msids.every((m) => typeof m === 'string' && m.length > 0 && m.length <= 64)) {
      fail('"msids" must be the ids (1 or 2) that secret.backup returned.');
    }
    return { msids: msids as string[] };
  },
  'secret.inspect': (o) => (onlyKeys(o, ['file']), { file: base64File(o) }),
  'secret.verify': (o) => (onlyKeys(o, ['file', 'password']), { file: base64File(o), password: password(o) }),
  'secret.restore': (o) => {
    onlyKeys(o, ['file', 'password', 'allowForeignEnvironment']);
    return { file: base64File(o), password: password(o), allowForeignEnvironment: optBool(o, 'allowForeignEnvironment') };
  },
  'secret.prepareGenerate': (o) => {
    onlyKeys(o, ['password', 'reminder']);
    return { password: password(o), reminder: optString(o, 'reminder', 200) ?? '' };
  },
  'secret.commitGenerate': (o) => {
    onlyKeys(o, ['newMsid']);
    const newMsid = optString(o, 'newMsid', 64);
    if (!newMsid) fail('"newMsid" must be the id returned by secret.prepareGenerate.');
    return { newMsid };
  },
};

export function isMethodName(method: unknown): method is ServiceMethodName {
  return typeof method === 'string' && Object.prototype.hasOwnProperty.call(validators, method);
}

export function validateParams<M extends ServiceMethodName>(method: M, params: unknown): ParamsOf<M> {
  return validators[method](asObject(params)) as ParamsOf<M>;
}

/** Every method the own service serves (the validators are checked by the compiler to cover `Methods`). */
export const METHOD_NAMES: readonly ServiceMethodName[] = Object.keys(validators) as ServiceMethodName[];
