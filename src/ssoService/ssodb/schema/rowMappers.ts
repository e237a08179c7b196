/**
 * Rows to the store's records and back. Both adapters select the same column aliases (named on
 * each mapper), so one mapper serves both.
 */
import { SsoError } from '../../../protocol/errors';
import { NAME_MAX_LENGTH } from '../../../protocol/names';
import { FIELD_FLAG_MASKED, type ApplicationKind, type AuditEntry, type FieldInfo } from '../../../protocol/messages';
import type {
  ApplicationRow,
  CredentialRow,
  GlobalInfo,
  HistoryCipherRow,
  HistoryNote,
  HistoryRow,
  LeaseState,
  MssNodeRow,
  NewAuditEntry,
  SearchHit,
} from '../store';
import { invalidRequest as invalid } from './storeErrors';
import { AUDIT_DETAIL_MAX_LENGTH, SHORT_TEXT_MAX_LENGTH } from './tables';

type SqlValue = string | number | bigint | boolean | Uint8Array | Buffer | null | undefined;
export type SqlRow = Record<string, SqlValue>;

function isPresent(value: SqlValue): boolean {
  return value !== null && value !== undefined;
}

function text(value: SqlValue): string {
  return value === null || value === undefined ? '' : String(value);
}

function optionalText(value: SqlValue): string | null {
  return value === null || value === undefined ? null : String(value);
}

function toBuffer(value: SqlValue): Buffer {
  if (Buffer.isBuffer(value)) return value;
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  return Buffer.alloc(0);
}

/** Aliases: secretServer, adminGroup, currentMsid, previousMsid, secretCreatedAt, lastBackupAt, lastVerifiedBackupAt, timestamp. */
export function toGlobalInfo(row: SqlRow): GlobalInfo {
  return {
    secretServer: text(row.secretServer),
    adminGroup: text(row.adminGroup),
    currentMsid: optionalText(row.currentMsid),
    previousMsid: optionalText(row.previousMsid),
    secretCreatedAt: optionalText(row.secretCreatedAt),
    lastBackupAt: optionalText(row.lastBackupAt),
    lastVerifiedBackupAt: optionalText(row.lastVerifiedBackupAt),
    switchingMsids: optionalText(row.switchingMsids),
    timestamp: text(row.timestamp),
  };
}

/** Aliases: application, kind, and identifier for a configuration's hit (an application's has none). */
export function toSearchHit(row: SqlRow): SearchHit {
  const hit: SearchHit = { application: text(row.application), kind: text(row.kind) as ApplicationKind };
  if (isPresent(row.identifier)) hit.identifier = text(row.identifier);
  return hit;
}

/** Aliases: name, description, contact, userGroup, adminGroup, flags, kind, numFields, identifierCount. */
export function toApplicationRow(row: SqlRow): ApplicationRow {
  return {
    name: text(row.name),
    description: text(row.description),
    contact: text(row.contact),
    userGroup: text(row.userGroup),
    adminGroup: text(row.adminGroup),
    flags: Number(row.flags),
    kind: text(row.kind) as ApplicationKind,
    numFields: Number(row.numFields),
    identifierCount: Number(row.identifierCount ?? 0),
  };
}

/** Aliases: ordinal, label, flags. */
export function toFieldInfo(row: SqlRow): FieldInfo {
  return { ordinal: Number(row.ordinal), label: text(row.label), masked: isMaskedFlags(Number(row.flags)) };
}

/** Aliases: application, identifier, timestamp, modifiedAt (and msid, ciphertext for full rows). */
export function toIdentifierRow(row: SqlRow): Omit<CredentialRow, 'ciphertext' | 'msid'> {
  return {
    application: text(row.application),
    identifier: text(row.identifier),
    timestamp: text(row.timestamp),
    modifiedAt: Number(row.modifiedAt),
  };
}

/** Rows of countRowsBySecret's statement (msid, n). */
export function toSecretRowCounts(rows: SqlRow[]): { msid: string; rows: number }[] {
  return rows.map((row) => ({ msid: String(row.msid), rows: Number(row.n) }));
}

export function toCredentialRow(row: SqlRow): CredentialRow {
  return { ...toIdentifierRow(row), msid: text(row.msid), ciphertext: toBuffer(row.ciphertext) };
}

/** The history row as stored: who cut to its column, fields as JSON (names only). */
export function toHistoryRecord(note: HistoryNote, savedAt: number): { savedAt: number; savedBy: string; change: string; changedFields: string } {
  const fields = JSON.stringify(note.changedFields.map(String));
  return {
    savedAt,
    savedBy: cut(String(note.savedBy ?? ''), NAME_MAX_LENGTH),
    change: note.change,
    changedFields: fields.length > AUDIT_DETAIL_MAX_LENGTH ? JSON.stringify(['(too many fields to record)']) : fields,
  };
}

/** Aliases: application, identifier, version, modifiedAt, savedAt, savedBy, changeKind, changedFields (JSON). */
export function toHistoryRow(row: SqlRow): HistoryRow {
  return {
    application: text(row.application),
    identifier: text(row.identifier),
    version: Number(row.version),
    modifiedAt: Number(row.modifiedAt),
    savedAt: Number(row.savedAt),
    savedBy: text(row.savedBy),
    change: row.changeKind === 'delete' ? 'delete' : 'set',
    changedFields: JSON.parse(text(row.changedFields) || '[]') as string[],
  };
}

/** Plus msid, ciphertext. */
export function toHistoryCipherRow(row: SqlRow): HistoryCipherRow {
  return { ...toHistoryRow(row), msid: text(row.msid), ciphertext: toBuffer(row.ciphertext) };
}

/** Aliases: id, at, user, action, outcome, application, identifier, fields (JSON), detail. */
export function toAuditEntry(row: SqlRow): AuditEntry {
  const entry: AuditEntry = {
    id: Number(row.id),
    at: text(row.at),
    user: text(row.user),
    action: text(row.action),
    outcome: text(row.outcome) as AuditEntry['outcome'],
  };
  if (isPresent(row.application)) entry.application = text(row.application);
  if (isPresent(row.identifier)) entry.identifier = text(row.identifier);
  if (isPresent(row.fields)) entry.fields = JSON.parse(text(row.fields)) as string[];
  if (isPresent(row.detail)) entry.detail = text(row.detail);
  return entry;
}

/** The audit row as stored: texts cut to their column sizes (an audit record must never fail). */
export interface AuditRecord {
  at: string;
  user: string;
  action: string;
  outcome: AuditEntry['outcome'];
  application: string | null;
  identifier: string | null;
  fields: string | null;
  detail: string | null;
}

const AUDIT_OUTCOMES: readonly AuditEntry['outcome'][] = ['ok', 'refused', 'failed'];

function cut(value: string, max: number): string {
  return value.length > max ? value.slice(0, max) : value;
}

export function toAuditRecord(entry: NewAuditEntry, at = new Date()): AuditRecord {
  if (!AUDIT_OUTCOMES.includes(entry.outcome)) throw invalid(`An audit outcome is one of ${AUDIT_OUTCOMES.join(', ')}.`);
  const fields = entry.fields === undefined ? null : JSON.stringify(entry.fields.map(String));
  return {
    at: at.toISOString(),
    user: cut(String(entry.user ?? ''), NAME_MAX_LENGTH),
    action: cut(String(entry.action ?? ''), SHORT_TEXT_MAX_LENGTH),
    outcome: entry.outcome,
    application: entry.application === undefined ? null : cut(String(entry.application), NAME_MAX_LENGTH),
    identifier: entry.identifier === undefined ? null : cut(String(entry.identifier), NAME_MAX_LENGTH),
    fields: fields !== null && fields.length > AUDIT_DETAIL_MAX_LENGTH ? JSON.stringify(['(too many fields to record)']) : fields,
    detail: entry.detail === undefined ? null : cut(String(entry.detail), AUDIT_DETAIL_MAX_LENGTH),
  };
}

/** Field flags as stored in fi_flags. */
export function fieldFlags(masked: boolean): number {
  return masked ? FIELD_FLAG_MASKED : 0;
}

function isMaskedFlags(flags: number): boolean {
  return (flags & FIELD_FLAG_MASKED) !== 0;
}

/** The next modification time of a row: now, but always after the previous one. */
export function nextModifiedAt(previous: number | undefined, now = Date.now()): number {
  return previous === undefined ? now : Math.max(now, previous + 1);
}

// ---------------------------------------------------------------- MSS lease and nodes

export function toLeaseState(row: SqlRow | undefined): LeaseState {
  if (!row) throw new SsoError('ENTSSO_E_SSODB_UNREACHABLE', 'The SSO database has no master secret server lease row; it is not initialised.');
  return {
    holder: row.holder === null || row.holder === undefined ? null : String(row.holder),
    expiresAt: Number(row.expiresAt),
    epoch: Number(row.epoch),
    takenAt: row.takenAt === null || row.takenAt === undefined ? null : Number(row.takenAt),
  };
}

export function toMssNodeRow(row: SqlRow): MssNodeRow {
  return {
    name: String(row.name),
    role: row.role === 'active' ? 'active' : 'standby',
    lastSeenAt: Number(row.lastSeenAt),
    lastTakeoverAt: row.lastTakeoverAt === null || row.lastTakeoverAt === undefined ? null : Number(row.lastTakeoverAt),
  };
}
