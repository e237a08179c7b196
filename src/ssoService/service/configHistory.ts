/**
 * Configuration history (issue 15): every config.set and config.delete keeps the version it
 * replaces (the store copies the replaced blob in the write's transaction, see HistoryNote), so
 * an earlier version can be listed (names of changed fields, never values), read as a document
 * (masked fields as placeholders unless revealed, and a reveal is audited) and restored by the
 * client with an ordinary config.set.
 */
import { SsoError } from '../../protocol/errors';
import type { FieldInfo, HistoryDocument, HistoryVersionInfo, Page, ParamsOf } from '../../protocol/messages';
import { nameKeyedRecord } from '../../protocol/names';
import type { HistoryNote, HistoryRow, NewAuditEntry, SsoStore } from '../ssodb/store';
import { decryptValues } from './applicationState';
import type { SecretCache } from './secretCache';

/** The environment's retention settings (environment.json `history`). */
export interface HistorySettings {
  /** Versions kept per configuration. */
  keep: number;
  /** Versions replaced longer ago than this go. */
  maxAgeDays: number;
}

export const DEFAULT_HISTORY_SETTINGS: HistorySettings = { keep: 20, maxAgeDays: 365 };

const DAY_MS = 24 * 60 * 60 * 1000;

/** What a write tells the store to keep of the version it replaces. */
export function historyNote(settings: HistorySettings, savedBy: string, change: HistoryNote['change'], changedFields: string[]): HistoryNote {
  return { savedBy, change, changedFields, keep: settings.keep, maxAgeMs: Math.round(settings.maxAgeDays * DAY_MS) };
}

/** Labels of the fields whose value differs between two versions (in field order). */
export function changedFieldLabels(fields: readonly { label: string }[], before: Map<string, string>, after: Map<string, string>): string[] {
  return fields.filter((f) => (before.get(f.label) ?? '') !== (after.get(f.label) ?? '')).map((f) => f.label);
}

interface HistoryDeps {
  store: SsoStore;
  cache: SecretCache;
  audit: (ctx: { client: string }, entry: Omit<NewAuditEntry, 'user'>) => Promise<void>;
}

export class ConfigHistory {
  constructor(private readonly deps: HistoryDeps) {}

  async list(p: ParamsOf<'history.list'>): Promise<Page<HistoryVersionInfo>> {
    const name = await this.applicationName(p.application);
    const limit = p.limit ?? 100;
    const before = p.cursor === undefined ? undefined : Number(p.cursor);
    if (before !== undefined && !(Number.isInteger(before) && before >= 1)) throw new SsoError('ENTSSO_E_INVALID_REQUEST', '"cursor" must come from a previous page.');
    const rows = await this.deps.store.listHistory(name, p.identifier, { before, limit: limit + 1 });
    const items = rows.slice(0, limit).map(toVersionInfo);
    const last = items[items.length - 1];
    return rows.length > limit && last ? { items, nextCursor: String(last.version) } : { items };
  }

  async get(p: ParamsOf<'history.get'>, ctx: { client: string }): Promise<HistoryDocument> {
    const found = await this.deps.store.getApplication(p.application);
    if (!found) throw applicationNotFound(p.application);
    const row = await this.deps.store.getHistoryVersion(found.name, p.identifier, p.version);
    if (!row) {
      throw new SsoError(
        'ENTSSO_E_MAPPING_NOT_FOUND',
        `Configuration "${p.identifier}" of "${found.name}" has no version ${p.version}: it may have gone past the history limits. Show the history again.`,
        { application: found.name, identifier: p.identifier, version: p.version },
      );
    }
    const values = decryptValues(this.deps.cache.secretForDecryption(row.msid), row.application, row.identifier, row.ciphertext);
    const document = versionDocument(found.name, row, found.fields, values, p.reveal === true);
    const differs = await this.maskedDiffering(found.name, row.identifier, found.fields, values);
    if (differs) document.maskedDiffers = differs;
    if (p.reveal && document.masked.length > 0) {
      await this.deps.audit(ctx, { action: 'history.reveal', outcome: 'ok', application: found.name, identifier: row.identifier, fields: document.masked, detail: `version ${row.version}` });
    }
    return document;
  }

  /** Masked fields whose kept value is not the live one; undefined when there is no live row. */
  private async maskedDiffering(application: string, identifier: string, fields: FieldInfo[], kept: Map<string, string>): Promise<string[] | undefined> {
    const live = await this.deps.store.getCredentials(application, identifier);
    if (!live) return undefined;
    const current = decryptValues(this.deps.cache.secretForDecryption(live.msid), application, live.identifier, live.ciphertext);
    return changedFieldLabels(fields.filter((f) => f.masked), kept, current);
  }

  private async applicationName(application: string): Promise<string> {
    const found = await this.deps.store.getApplication(application);
    if (!found) throw applicationNotFound(application);
    return found.name;
  }
}

function versionDocument(application: string, row: HistoryRow, fields: FieldInfo[], values: Map<string, string>, reveal: boolean): HistoryDocument {
  const masked: string[] = [];
  const maskedSet: string[] = [];
  const out = nameKeyedRecord<string>();
  // The application's current fields: a value kept under a field removed since is not shown.
  for (const f of fields) {
    const value = values.get(f.label) ?? '';
    if (f.masked) masked.push(f.label);
    if (f.masked && value !== '') maskedSet.push(f.label);
    out[f.label] = f.masked && !reveal ? '' : value;
  }
  return { application, identifier: row.identifier, timestamp: '', modifiedAt: row.modifiedAt, fields: out, masked, maskedSet, revealed: reveal, version: row.version };
}

function toVersionInfo(row: HistoryRow): HistoryVersionInfo {
  return {
    application: row.application,
    identifier: row.identifier,
    version: row.version,
    writtenAt: new Date(row.modifiedAt).toISOString(),
    replacedAt: new Date(row.savedAt).toISOString(),
    replacedBy: row.savedBy,
    change: row.change,
    changedFields: row.changedFields,
  };
}

function applicationNotFound(name: string): SsoError {
  return new SsoError('ENTSSO_E_APPLICATION_NOT_FOUND', `There is no SSO application named "${name}". Refresh the list: it may have been deleted.`, { application: name });
}

/** The retention settings of environment.json (`history: { keep, maxAgeDays }`); absent values take the defaults. */
export function historySettingsOf(config: { history?: { keep?: number; maxAgeDays?: number } }): HistorySettings {
  const keep = config.history?.keep ?? DEFAULT_HISTORY_SETTINGS.keep;
  const maxAgeDays = config.history?.maxAgeDays ?? DEFAULT_HISTORY_SETTINGS.maxAgeDays;
  if (!Number.isInteger(keep) || keep < 1 || keep > 1000) {
    throw new SsoError('ENTSSO_E_INVALID_REQUEST', 'environment.json: "history.keep" must be a whole number from 1 to 1000 (versions kept per configuration). Fix it and start again.');
  }
  if (typeof maxAgeDays !== 'number' || !(maxAgeDays > 0) || maxAgeDays > 36500) {
    throw new SsoError('ENTSSO_E_INVALID_REQUEST', 'environment.json: "history.maxAgeDays" must be a number of days from 1 to 36500. Fix it and start again.');
  }
  return { keep, maxAgeDays };
}
