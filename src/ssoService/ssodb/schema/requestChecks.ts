/**
 * The checks both adapters run on every request before any SQL runs, so that SQLite and SQL
 * Server accept and refuse the same inputs (SQL Server would otherwise truncate a long parameter).
 */
import { describeNameProblem, existingNameProblem, NAME_MAX_LENGTH, newNameProblem } from '../../../protocol/names';
import type { ApplicationKind, FieldDefinition, FieldInfo } from '../../../protocol/messages';
import type { ApplicationChange, AuditRetention, GlobalInfo, HistoryNote, ListOptions, NewApplication, ReencryptedRow } from '../store';
import { invalidRequest as invalid } from './storeErrors';
import {
  APPLICATION_KINDS,
  DESCRIPTION_MAX_LENGTH,
  ISO_TIME_MAX_LENGTH,
  MAX_PAGE_LIMIT,
  MSID_MAX_LENGTH,
  SHORT_TEXT_MAX_LENGTH,
} from './tables';

/** Row versions are decimal digits (a BIGINT); anything else can never match a stored one. */
export function isRowVersion(value: string): boolean {
  return /^[0-9]{1,18}$/.test(value);
}

/**
 * A name that refers to a row that may exist (src/protocol/names.ts: the looser rule every stored
 * name obeys, so that names stored before the name rule stay readable and deletable). Checked
 * before any SQL runs: SQL Server would otherwise truncate a long parameter. Trailing spaces are
 * refused because SQL Server ignores them when comparing ('a' = 'a '), SQLite does not.
 */
export function checkName(value: string, what: string): void {
  const problem = existingNameProblem(value);
  if (problem) throw invalid(describeNameProblem(problem, what));
}

/** A name the write creates (an application, a field, an identifier): the full name rule. */
export function checkNewName(value: string, what: string): void {
  const problem = newNameProblem(value);
  if (problem) throw invalid(describeNameProblem(problem, what));
}

/** The names of a row write: the identifier is new (the full rule) when no row is expected. */
export function checkRowWriteNames(application: string, identifier: string, expectedTimestamp: string | null): void {
  checkName(application, 'application name');
  if (expectedTimestamp === null) checkNewName(identifier, 'identifier');
  else checkName(identifier, 'identifier');
}

/** What both adapters check of a putCredentials before it writes (the ciphertext is opaque). */
export function checkCredentialsWrite(application: string, identifier: string, expectedTimestamp: string | null, msid: string, history: HistoryNote | undefined): void {
  checkRowWriteNames(application, identifier, expectedTimestamp);
  checkMsid(msid);
  checkHistoryNote(history);
}

function checkText(value: string, max: number, what: string): void {
  if (typeof value !== 'string') throw invalid(`The ${what} must be text.`);
  if (value.length > max) throw invalid(`The ${what} is longer than ${max} characters.`);
}

function checkOptionalText(value: string | null | undefined, max: number, what: string): void {
  if (value !== null && value !== undefined) checkText(value, max, what);
}

export function checkLimit(limit: number): void {
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_LIMIT) {
    throw invalid(`The page size must be a whole number between 1 and ${MAX_PAGE_LIMIT}.`);
  }
}

export function checkMsid(msid: string): void {
  if (typeof msid !== 'string' || msid.length === 0 || msid.length > MSID_MAX_LENGTH) {
    throw invalid(`A master secret id must be 1 to ${MSID_MAX_LENGTH} characters.`);
  }
}

function checkKind(kind: ApplicationKind): void {
  if (!APPLICATION_KINDS.includes(kind)) throw invalid(`Unknown application kind; expected one of ${APPLICATION_KINDS.join(', ')}.`);
}

export function checkFlags(flags: number): void {
  if (!Number.isInteger(flags) || flags < 0 || flags > 0x7fffffff) throw invalid('Application flags must be a 31-bit whole number.');
}

/** A filter longer than any name cannot match; it is refused like a long name. */
export function checkFilter(filter: string | undefined): void {
  if (filter !== undefined) checkText(filter, NAME_MAX_LENGTH, 'filter');
}

export function checkCursor(after: string | undefined): void {
  if (after !== undefined) checkText(after, NAME_MAX_LENGTH, 'paging cursor');
}

// ---------------------------------------------------------------- checks of whole requests

export function checkListOptions(options: ListOptions): void {
  checkLimit(options.limit);
  checkFilter(options.filter);
  checkCursor(options.after);
}

export function checkNewApplication(app: NewApplication): void {
  checkNewName(app.name, 'application name');
  checkText(app.description, DESCRIPTION_MAX_LENGTH, 'description');
  checkText(app.contact, NAME_MAX_LENGTH, 'contact');
  checkText(app.userGroup, NAME_MAX_LENGTH, 'user group');
  checkText(app.adminGroup, NAME_MAX_LENGTH, 'administrator group');
  checkFlags(app.flags);
  checkKind(app.kind);
  app.fields.forEach((field) => checkNewName(field.label, 'field label'));
}

export function checkGlobalInfoPatch(patch: Partial<Omit<GlobalInfo, 'timestamp'>>): void {
  checkOptionalText(patch.secretServer, NAME_MAX_LENGTH, 'master secret server name');
  checkOptionalText(patch.adminGroup, NAME_MAX_LENGTH, 'administrator group');
  checkOptionalText(patch.currentMsid, MSID_MAX_LENGTH, 'current master secret id');
  checkOptionalText(patch.previousMsid, MSID_MAX_LENGTH, 'previous master secret id');
  checkOptionalText(patch.secretCreatedAt, ISO_TIME_MAX_LENGTH, 'secret creation time');
  checkOptionalText(patch.lastBackupAt, ISO_TIME_MAX_LENGTH, 'last backup time');
  checkOptionalText(patch.lastVerifiedBackupAt, ISO_TIME_MAX_LENGTH, 'last verified backup time');
  checkOptionalText(patch.switchingMsids, SHORT_TEXT_MAX_LENGTH, 'secrets of a master secret restore');
}

/**
 * A field list: at least one field, valid labels, no label twice (labels compare case-insensitively).
 * Labels not in `existing` are new and held to the full name rule.
 */
function checkFieldList(fields: FieldDefinition[], what: string, existing: readonly FieldDefinition[] = []): void {
  if (!Array.isArray(fields) || fields.length === 0) throw invalid(`The ${what} must have at least one field.`);
  const kept = new Set(existing.map((field) => field?.label));
  const seen = new Set<string>();
  for (const field of fields) {
    if (kept.has(field?.label)) checkName(field.label, 'field label');
    else checkNewName(field?.label, 'field label');
    if (typeof field.masked !== 'boolean') throw invalid('A field is masked or not (true or false).');
    const key = field.label.toLowerCase();
    if (seen.has(key)) throw invalid(`The ${what} names a field twice.`);
    seen.add(key);
  }
}

/** Checks a whole batch for applyApplicationChanges before any SQL runs. */
export function checkApplicationChanges(changes: ApplicationChange[]): void {
  if (!Array.isArray(changes)) throw invalid('The application changes must be a list.');
  const applications = new Set<string>();
  for (const change of changes) {
    checkName(change?.application, 'application name');
    const key = change.application.toLowerCase();
    if (applications.has(key)) throw invalid('A batch of application changes names an application twice.');
    applications.add(key);
    if ((change.create === undefined) === (change.expected === undefined)) {
      throw invalid('An application change either creates the application or says what it expects it to be, not both.');
    }
    if (change.create) {
      checkNewApplication(change.create);
      if (change.create.name !== change.application) throw invalid('An application created by a change must have the name of the change.');
      checkFieldList(change.create.fields, 'new application');
      if (change.fields !== undefined) throw invalid('An application created by a change gets its fields from `create`.');
    } else {
      const expected = change.expected!;
      if (!Array.isArray(expected.fields)) throw invalid('The expected field list must be a list.');
      expected.fields.forEach((field) => checkName(field?.label, 'field label'));
      // Rows as a whole may go unchecked when each row change carries its own premise, never with a new field list.
      if (expected.rowCount !== undefined || change.fields !== undefined) {
        if (!Number.isSafeInteger(expected.rowCount) || (expected.rowCount as number) < 0) throw invalid('The expected number of rows must be a whole number.');
        if (expected.maxTimestamp !== null && typeof expected.maxTimestamp !== 'string') throw invalid('The expected highest row version must be text or null.');
      }
      if (change.fields !== undefined) checkFieldList(change.fields, 'new field list', expected.fields);
    }
    if (!Array.isArray(change.rows)) throw invalid('The row changes must be a list.');
    const identifiers = new Set<string>();
    for (const row of change.rows) {
      // A put without a row version creates the identifier: a new name.
      if (row?.op === 'put' && row.expectedTimestamp === null) checkNewName(row.identifier, 'identifier');
      else checkName(row?.identifier, 'identifier');
      const id = row.identifier.toLowerCase();
      if (identifiers.has(id)) throw invalid('An application change names an identifier twice.');
      identifiers.add(id);
      if (row.op === 'put') {
        checkMsid(row.msid);
        if (!Buffer.isBuffer(row.ciphertext)) throw invalid('Encrypted values must be bytes.');
        if (row.expectedTimestamp !== null && typeof row.expectedTimestamp !== 'string') throw invalid('A row version must be text or null.');
        checkHistoryNote(row.history);
      } else if (row.op === 'delete') {
        if (typeof row.expectedTimestamp !== 'string') throw invalid('Deleting a row needs the row version it was read with.');
      } else {
        throw invalid('A row change is a put or a delete.');
      }
    }
  }
}

/** True when the stored fields are exactly `expected`: same labels (same spelling), masked flags and order. */
export function sameFields(stored: FieldInfo[], expected: FieldDefinition[]): boolean {
  return stored.length === expected.length && stored.every((f, i) => f.label === expected[i]!.label && f.masked === expected[i]!.masked);
}

export function checkReencryptedRow(row: ReencryptedRow): void {
  checkName(row.application, 'application name');
  checkName(row.identifier, 'identifier');
  checkMsid(row.msid);
}

/** Most versions kept per configuration, whatever the setting says. */
export const MAX_HISTORY_KEEP = 1000;

export function checkHistoryNote(note: HistoryNote | undefined): void {
  if (note === undefined) return;
  if (!Number.isInteger(note.keep) || note.keep < 1 || note.keep > MAX_HISTORY_KEEP) throw invalid(`Versions kept per configuration must be 1 to ${MAX_HISTORY_KEEP}.`);
  if (!Number.isSafeInteger(note.maxAgeMs) || note.maxAgeMs < 1) throw invalid('The age limit of kept versions must be a positive number of milliseconds.');
  if (note.change !== 'set' && note.change !== 'delete') throw invalid('A kept version is replaced by a save or a delete.');
  if (!Array.isArray(note.changedFields)) throw invalid('The changed fields must be a list.');
}

export function checkHistoryVersion(version: number): void {
  if (!Number.isInteger(version) || version < 1 || version > 0x7fffffff) throw invalid('A version number is a whole number from 1.');
}

/** Oldest rows a write looks at for pruning (see SsoStore.appendAudit). */
export const AUDIT_PRUNE_PER_WRITE = 8;

/** The parameters of one prune, checked: rows written before `cutoff` (ISO text, compared as text) go too. */
export function auditPruneBounds(retention: AuditRetention, limit: number, now = Date.now()): { maxRows: number; cutoff: string; limit: number } {
  if (!Number.isSafeInteger(retention.maxRows) || retention.maxRows < 1) throw invalid('The audit retention must keep at least one row.');
  if (!(retention.maxAgeMs > 0)) throw invalid('The audit retention must keep rows for some time.');
  checkLimit(limit);
  return { maxRows: retention.maxRows, cutoff: new Date(Math.max(0, now - retention.maxAgeMs)).toISOString(), limit };
}
