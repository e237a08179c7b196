/**
 * Compare and copy across environments (issue 15), the service side.
 *
 * Fingerprints: to say whether a masked field holds the same value in two environments without
 * either value leaving its service, the client sends both services the same random key, fresh per
 * comparison, and each answers HMAC-SHA256(key, [label, value]) per field. The key is used for
 * this request only: never stored, never logged, never audited. A client holding the key could
 * test guesses against a hash offline, so a fingerprint of masked fields is treated like a reveal:
 * it is audited before the answer leaves, and refused when it cannot be.
 *
 * setMany: the target side of a copy. Several configurations of one application written in one
 * store transaction, each premised on the row version the caller previewed (and the application
 * on its field list): a change made behind the preview refuses the whole copy, nothing written.
 */
import { SsoError } from '../../protocol/errors';
import type { ConfigFingerprints, FieldFingerprint, FieldInfo, FingerprintParams, FingerprintResult, IdentifierInfo, SetManyParams, SetManyWrite } from '../../protocol/messages';
import { fieldFingerprintHash } from '../../protocol/fieldFingerprint';
import { nameKeyedRecord } from '../../protocol/names';
import type { MasterSecret } from '../crypto/masterSecret';
import type { ChangeAuditRows, HistoryNote, NewAuditEntry, RowChange, SsoStore } from '../ssodb/store';
import { checkConfigurationSize, decryptValues, encryptValues, fieldsVersion, writtenValues, type StoredConfiguration } from './applicationState';
import { changedFieldLabels } from './configHistory';
import type { SecretCache } from './secretCache';
import { auditsRefusal, FINAL_ATTEMPT, type WriteAttempt } from './secretChangeRetry';

type Ctx = { client: string };
type AuditEntry = Omit<NewAuditEntry, 'user'>;

interface EnvironmentCompareDeps {
  store: SsoStore;
  cache: SecretCache;
  /** Best-effort rows, several in one store write. */
  audit(ctx: Ctx, entries: AuditEntry | readonly AuditEntry[]): Promise<void>;
  auditOrRefuse(ctx: Ctx, entries: AuditEntry | readonly AuditEntry[]): Promise<void>;
  /** The audit rows of a change, for the store to write in the change's own transaction. */
  changeAudit(ctx: Ctx, entries: readonly AuditEntry[]): ChangeAuditRows;
  secretForWrite(ctx: Ctx, action: string, application: string | undefined): Promise<MasterSecret>;
  /** What a replaced version keeps in history (who, retention), as config.set keeps it. */
  historyNote(ctx: Ctx, changedFields: string[]): HistoryNote;
}

export class EnvironmentCompare {
  constructor(private readonly deps: EnvironmentCompareDeps) {}

  async fingerprints(p: FingerprintParams, ctx: Ctx): Promise<FingerprintResult> {
    const key = Buffer.from(p.key, 'base64');
    try {
      const app = await this.deps.store.getApplication(p.application);
      if (!app) throw applicationNotFound(p.application);
      const items: ConfigFingerprints[] = [];
      for (const identifier of p.identifiers) items.push(await this.fingerprintOf(app.name, app.fields, identifier, key));
      // Before anything leaves: a fingerprint is as good as a reveal (the client picks the key),
      // so one row per configuration fingerprinted, naming the masked fields; all in one write.
      const masked = app.fields.filter((f) => f.masked).map((f) => f.label);
      const found = items.filter((i) => i.found);
      if (found.length > 0) {
        await this.deps.auditOrRefuse(
          ctx,
          found.map((i) => ({ action: 'config.compare', outcome: 'ok', application: app.name, identifier: i.identifier, fields: masked, detail: `fingerprints for a comparison with another environment (one of ${found.length})` })),
        );
      }
      return { application: app.name, fieldsVersion: fieldsVersion(app.fields), items };
    } finally {
      key.fill(0);
    }
  }

  private async fingerprintOf(application: string, fields: FieldInfo[], identifier: string, key: Buffer): Promise<ConfigFingerprints> {
    const found = await this.deps.store.readConfiguration(application, identifier);
    const row = found?.row;
    if (!row) return { identifier, found: false, fields: {} };
    const values = decryptValues(this.deps.cache.secretForDecryption(row.msid), application, row.identifier, row.ciphertext);
    try {
      const out = nameKeyedRecord<FieldFingerprint>();
      for (const field of fields) {
        const value = values.get(field.label) ?? '';
        out[field.label] = value === '' ? { masked: field.masked, set: false } : { masked: field.masked, set: true, hash: fieldFingerprintHash(key, field.label, value) };
      }
      return { identifier: row.identifier, found: true, timestamp: row.timestamp, fields: out };
    } finally {
      values.clear();
    }
  }

  async setMany(p: SetManyParams, ctx: Ctx, attempt: WriteAttempt = FINAL_ATTEMPT): Promise<{ application: string; written: IdentifierInfo[] }> {
    const secret = await this.deps.secretForWrite(ctx, 'config.setMany', p.application);
    try {
      // The field list first, then only the rows written: each write's expectedTimestamp is its premise.
      const app = await this.deps.store.getApplication(p.application);
      if (!app) throw applicationNotFound(p.application);
      if (fieldsVersion(app.fields) !== p.expectedFieldsVersion) throw fieldsChanged(app);
      const rows: RowChange[] = [];
      for (const write of p.writes) rows.push(this.rowChange(app, await this.storedRow(app.name, write.identifier), write, secret, ctx));
      const fields = app.fields.map(({ label, masked }) => ({ label, masked }));
      const from = p.source ? ` from environment ${JSON.stringify(p.source)}` : '';
      const audit = p.writes.map((write): AuditEntry => ({ action: 'config.set', outcome: 'ok', application: app.name, identifier: write.identifier, fields: Object.keys(write.fields), detail: `one of ${p.writes.length} written in one transaction${from}` }));
      // The writes and their rows in one transaction: never a copy without its audit.
      await this.deps.store.applyApplicationChanges([{ application: app.name, expected: { fields }, rows }], this.deps.changeAudit(ctx, audit));
      const written: IdentifierInfo[] = [];
      for (const write of p.writes) {
        const read = await this.deps.store.readConfiguration(app.name, write.identifier);
        if (read?.row) written.push({ application: app.name, identifier: read.row.identifier, timestamp: read.row.timestamp, modifiedAt: read.row.modifiedAt });
      }
      return { application: app.name, written };
    } catch (err) {
      if (err instanceof SsoError && auditsRefusal(attempt, err)) await this.deps.audit(ctx, { action: 'config.setMany', outcome: 'refused', application: p.application, detail: err.code });
      throw err;
    }
  }

  /** The stored row a write replaces, decrypted; undefined when there is none. */
  private async storedRow(application: string, identifier: string): Promise<StoredConfiguration | undefined> {
    const row = (await this.deps.store.readConfiguration(application, identifier))?.row;
    if (!row) return undefined;
    return { identifier: row.identifier, timestamp: row.timestamp, values: decryptValues(this.deps.cache.secretForDecryption(row.msid), application, row.identifier, row.ciphertext) };
  }

  /** One write as config.set computes it: masked '' keeps the stored value unless cleared. */
  private rowChange(app: { name: string; fields: FieldInfo[] }, current: StoredConfiguration | undefined, write: SetManyWrite, secret: MasterSecret, ctx: Ctx): RowChange {
    const application = app.name;
    const fields = app.fields;
    const stored = storedFor(application, current, write);
    const labels = labelsOf(application, fields, [...Object.keys(write.fields), ...(write.clearMasked ?? [])]);
    const values = writtenValues(fields, stored, labels, write.fields, write.clearMasked);
    const fieldLabels = fields.map((f) => f.label);
    const identifier = current?.identifier ?? write.identifier;
    checkConfigurationSize(application, identifier, { labels: fieldLabels, values }, { labels: fieldLabels, values: stored });
    const history = current ? this.deps.historyNote(ctx, changedFieldLabels(fields, stored, values)) : undefined;
    return { op: 'put', identifier, expectedTimestamp: write.expectedTimestamp, msid: secret.msid, ciphertext: encryptValues(secret, application, identifier, values), ...(history ? { history } : {}) };
  }
}

/** The stored values a write starts from; refused at once when the row is not as previewed. */
function storedFor(application: string, current: StoredConfiguration | undefined, write: SetManyWrite): Map<string, string> {
  if (write.expectedTimestamp === null) {
    if (current) throw rowConflict(application, write.identifier, 'it exists now');
    return new Map();
  }
  if (!current) throw rowConflict(application, write.identifier, 'it was deleted');
  if (current.timestamp !== write.expectedTimestamp) throw rowConflict(application, write.identifier, 'it was changed');
  return current.values;
}

function labelsOf(application: string, fields: FieldInfo[], names: string[]): Map<string, string> {
  const labels = new Map(fields.map((f) => [f.label.toLowerCase(), f.label]));
  const unknown = names.filter((n) => !labels.has(n.toLowerCase()));
  if (unknown.length > 0) {
    throw new SsoError(
      'ENTSSO_E_UNKNOWN_FIELD',
      `Application "${application}" has no field named ${unknown.map((u) => `"${u}"`).join(', ')}. Its fields are: ${fields.map((f) => f.label).join(', ')}. Nothing was written.`,
      { unknown, fields: fields.map((f) => f.label) },
    );
  }
  return labels;
}

function applicationNotFound(name: string): SsoError {
  return new SsoError('ENTSSO_E_APPLICATION_NOT_FOUND', `There is no SSO application named "${name}". Create it first (or refresh the list: it may have been deleted).`, { application: name });
}

function fieldsChanged(app: { name: string; fields: FieldInfo[] }): SsoError {
  return new SsoError(
    'ENTSSO_E_CONFLICT',
    `The fields of "${app.name}" changed since the preview (they are now: ${app.fields.map((f) => f.label).join(', ')}). Nothing was written: compare again and review the new preview.`,
    { reason: 'fields-changed', application: app.name },
  );
}

function rowConflict(application: string, identifier: string, what: string): SsoError {
  return new SsoError(
    'ENTSSO_E_CONFLICT',
    `The configuration "${identifier}" of "${application}" changed since the preview (${what}). Nothing was written: compare again and review the new preview.`,
    { reason: 'row-changed', application, identifier },
  );
}
