/**
 * One application as the service sees it before changing its definition or importing into it:
 * its definition and every configuration, decrypted, with the row versions read. Field changes
 * (operations.ts) and imports (applicationTransfer.ts) compute their changes from this and hand
 * the store the premises (`ApplicationChange.expected`) so that a concurrent change is refused.
 */
import { createHash } from 'node:crypto';
import { SsoError } from '../../protocol/errors';
import type { FieldDefinition, FieldInfo } from '../../protocol/messages';
import { configurationBytes, fieldsAsRead, MAX_CONFIGURATION_BYTES } from '../../protocol/configurationSize';
import { decryptBag, encryptBag } from '../crypto/dataCipher';
import type { MasterSecret } from '../crypto/masterSecret';
import type { ApplicationChange, ApplicationRow, RowChange, SsoStore } from '../ssodb/store';
import type { SecretCache } from './secretCache';

/** Rows read per page when loading every configuration of an application. */
const PAGE = 500;

export interface StoredConfiguration {
  /** The stored spelling (values are encrypted under it). */
  identifier: string;
  timestamp: string;
  /** Field label → value, as stored (may hold keys of fields removed meanwhile: see `valuesOfFields`). */
  values: Map<string, string>;
}

export interface ApplicationState {
  app: ApplicationRow & { fields: FieldInfo[] };
  rows: StoredConfiguration[];
  /** The premise for `ApplicationChange.expected`: number of rows and highest row version read. */
  rowsRead: { count: number; maxTimestamp: string | null };
}

/** Reads an application and decrypts all its configurations; undefined when it does not exist. */
export async function readApplicationState(store: SsoStore, cache: SecretCache, name: string): Promise<ApplicationState | undefined> {
  const app = await store.getApplication(name);
  if (!app) return undefined;
  const rows: StoredConfiguration[] = [];
  let max: bigint | undefined;
  let after: string | undefined;
  for (;;) {
    const page = await store.listCredentials(app.name, { after, limit: PAGE });
    for (const row of page) {
      const secret = cache.secretForDecryption(row.msid);
      rows.push({ identifier: row.identifier, timestamp: row.timestamp, values: decryptValues(secret, app.name, row.identifier, row.ciphertext) });
      const version = /^[0-9]+$/.test(row.timestamp) ? BigInt(row.timestamp) : undefined;
      if (version !== undefined && (max === undefined || version > max)) max = version;
    }
    if (page.length < PAGE) break;
    after = page[page.length - 1]!.identifier;
  }
  return { app, rows, rowsRead: { count: rows.length, maxTimestamp: max === undefined ? null : max.toString() } };
}

export function decryptValues(secret: MasterSecret, application: string, identifier: string, blob: Buffer): Map<string, string> {
  const plaintext = decryptBag(secret, application, identifier, blob);
  try {
    const parsed = JSON.parse(plaintext.toString('utf8')) as Record<string, unknown>;
    return new Map(Object.entries(parsed).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
  } finally {
    plaintext.fill(0);
  }
}

export function encryptValues(secret: MasterSecret, application: string, identifier: string, values: Map<string, string>): Buffer {
  const plaintext = Buffer.from(JSON.stringify(Object.fromEntries(values)), 'utf8');
  try {
    return encryptBag(secret, application, identifier, plaintext);
  } finally {
    plaintext.fill(0);
  }
}

/** The stored values of the application's current fields only, in field order (stale keys of removed fields are left out). */
export function valuesOfFields(values: Map<string, string>, fields: FieldDefinition[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const field of fields) {
    const value = values.get(field.label);
    if (value !== undefined) out.set(field.label, value);
  }
  return out;
}

/**
 * The values a write leaves (config.set and config.setMany): only the current fields' values are
 * kept, so a value left under a removed field goes; a masked field written '' keeps its stored
 * value (a client never holds it) unless listed in `clearMasked`. `labels`: given name, lower
 * case → label, every name already checked. A Map, not an object: a field may be "__proto__".
 */
export function writtenValues(fields: FieldDefinition[], stored: Map<string, string>, labels: Map<string, string>, written: Record<string, string>, clearMasked: readonly string[] = []): Map<string, string> {
  const values = valuesOfFields(stored, fields);
  for (const [name, value] of Object.entries(written)) {
    const label = labels.get(name.toLowerCase()) as string;
    const keepMasked = fields.some((f) => f.label === label && f.masked) && value === '';
    if (!keepMasked) values.set(label, value);
  }
  for (const name of clearMasked) values.set(labels.get(name.toLowerCase()) as string, '');
  return values;
}

/** A configuration as read: its application's labels and its stored values. */
interface ConfigurationAsRead {
  labels: readonly string[];
  values: ReadonlyMap<string, string>;
}

/**
 * Refuses a write after which a configuration would be larger than a read or an export can carry
 * (src/protocol/configurationSize.ts): measured as read, with every field. A write that does not
 * make it larger than `before` is let through, so that a configuration stored before the limit
 * existed can still be shrunk, or have fields removed.
 */
export function checkConfigurationSize(application: string, identifier: string, after: ConfigurationAsRead, before?: ConfigurationAsRead): void {
  const bytes = configurationBytes(fieldsAsRead(after.labels, after.values));
  if (bytes <= MAX_CONFIGURATION_BYTES) return;
  if (before && bytes <= configurationBytes(fieldsAsRead(before.labels, before.values))) return;
  throw new SsoError(
    'ENTSSO_E_CONFIGURATION_TOO_LARGE',
    `Configuration "${identifier}" of "${application}" would hold ${bytes} bytes of field names and values (as JSON), more than the ${MAX_CONFIGURATION_BYTES} bytes (1 MiB) one configuration may hold. ` +
      'Nothing was saved: shorten the largest values, or keep large content elsewhere and store only its location here.',
    { application, identifier, bytes, limit: MAX_CONFIGURATION_BYTES },
  );
}

/** Opaque version of a field list (labels, masked flags, order); see ApplicationDetail.fieldsVersion. */
export function fieldsVersion(fields: FieldDefinition[]): string {
  return createHash('sha256')
    .update(JSON.stringify(fields.map((f) => [f.label, f.masked])))
    .digest('hex')
    .slice(0, 32);
}

/** The premises of a change computed from `state`. */
export function expectedOf(state: ApplicationState): NonNullable<ApplicationChange['expected']> {
  return { fields: state.app.fields.map(({ label, masked }) => ({ label, masked })), rowCount: state.rowsRead.count, maxTimestamp: state.rowsRead.maxTimestamp };
}

/** Refuses a change computed from a stale view of the field list. */
export function checkFieldsVersion(state: ApplicationState, expected: string | undefined): void {
  if (expected === undefined || expected === fieldsVersion(state.app.fields)) return;
  throw new SsoError(
    'ENTSSO_E_CONFLICT',
    `The fields of "${state.app.name}" were changed by someone else since you read them (they are now: ${state.app.fields.map((f) => f.label).join(', ')}). Nothing was changed: review them and try again.`,
    { reason: 'fields-changed', application: state.app.name, fields: state.app.fields.map((f) => f.label) },
  );
}

/**
 * A field-list change of an existing application: the new list, plus every configuration that
 * holds a key in `dropKeys` (case-insensitive) rewritten without it. All in one store transaction,
 * premised on the state read.
 */
export function fieldListChange(state: ApplicationState, secret: MasterSecret, fields: FieldDefinition[], dropKeys: string[]): { change: ApplicationChange; purged: number } {
  const drop = new Set(dropKeys.map((k) => k.toLowerCase()));
  const rows: RowChange[] = [];
  const labels = fields.map((f) => f.label);
  const labelsBefore = state.app.fields.map((f) => f.label);
  for (const row of state.rows) {
    // Added fields make every configuration larger as read, rewritten or not.
    checkConfigurationSize(state.app.name, row.identifier, { labels, values: row.values }, { labels: labelsBefore, values: row.values });
    const kept = new Map([...row.values].filter(([key]) => !drop.has(key.toLowerCase())));
    if (kept.size === row.values.size) continue;
    rows.push({ op: 'put', identifier: row.identifier, expectedTimestamp: row.timestamp, msid: secret.msid, ciphertext: encryptValues(secret, state.app.name, row.identifier, kept) });
  }
  return {
    change: {
      application: state.app.name,
      expected: expectedOf(state),
      fields,
      rows,
    },
    purged: rows.length,
  };
}
