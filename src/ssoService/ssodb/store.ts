/**
 * The SSODB storage interface. Two adapters implement it: the embedded SQLite file
 * (default) and SQL Server through `mssql`. One contract test suite runs against both.
 *
 * The store holds only ciphertext and metadata: it never sees the master secret nor a
 * decrypted value. Every write is durable when its promise resolves.
 *
 * Table names mirror ENTSSO's (SSOX_*); see sql/schema.sql and ../../../shared/docs/DOMAIN.md §3.
 *
 * Every method may also throw ENTSSO_E_INVALID_REQUEST for malformed input (a name that breaks the
 * name rule of src/protocol/names.ts: the full rule for names a write creates, the looser one for
 * names it refers to; a limit outside 1..10000), checked before any SQL
 * runs, and ENTSSO_E_SSODB_UNREACHABLE when the database cannot be reached, stays locked by
 * another process past the busy timeout, or fails. Error messages never contain a value.
 */
import type { ApplicationInfo, ApplicationKind, AuditEntry, AuditFilter, FieldDefinition, FieldInfo } from '../../protocol/messages';

export interface GlobalInfo {
  /** gi_SecretServer: the name (host:port) of the active master secret server. */
  secretServer: string;
  adminGroup: string;
  /** Current and previous master secret ids, as the MSS last published them. */
  currentMsid: string | null;
  previousMsid: string | null;
  secretCreatedAt: string | null;
  lastBackupAt: string | null;
  lastVerifiedBackupAt: string | null;
  /**
   * gi_SwitchingMsids: set by the active MSS while a restore switches secrets, the only secret ids
   * (space-separated) values may be written under until its publication clears it (publishedSecrets.ts).
   */
  switchingMsids: string | null;
  /** Optimistic concurrency for global info itself. */
  timestamp: string;
}

/** An application as the store holds it: the protocol's, less what the service adds (state, display name). */
export type ApplicationRow = Omit<ApplicationInfo, 'enabled' | 'displayName'>;

/** An application to create: its row without the counts, which the store derives, and with its fields. */
export type NewApplication = Omit<ApplicationRow, 'numFields' | 'identifierCount'> & { fields: FieldDefinition[] };

/** A search result: an application by its name, or (with `identifier`) one of its configurations. */
export interface SearchHit {
  application: string;
  kind: ApplicationKind;
  identifier?: string;
}

export interface CredentialRow {
  application: string;
  identifier: string;
  /** Id of the master secret the blob is encrypted under. */
  msid: string;
  /** Encrypted property bag (opaque to the store). */
  ciphertext: Buffer;
  /**
   * Opaque row version; changes on every write by a client, and NOT on re-encryption by a
   * rotation (the value is unchanged, so an editor holding the row must not see a conflict).
   */
  timestamp: string;
  /** ms since epoch of the last write; strictly increases for a row. */
  modifiedAt: number;
}

export interface ListOptions {
  /** Case-insensitive substring filter on the name; `%`, `_`, `[`, `\` and quotes are literal. */
  filter?: string;
  /** Keyset pagination: return names strictly after this one (case-insensitive order). */
  after?: string;
  limit: number;
}

export interface NewAuditEntry {
  user: string;
  action: string;
  outcome: AuditEntry['outcome'];
  application?: string;
  identifier?: string;
  fields?: string[];
  detail?: string;
}

/** A filtered audit request (see auditQuery.ts). */
export interface AuditQuery {
  /** Only rows with a smaller id (a cursor); all when absent. */
  before?: number;
  limit: number;
  filter: AuditFilter;
  /** Most rows looked at. */
  scanRows: number;
}

export interface AuditSlice {
  /** Matches among the rows looked at, newest first, at most `limit`. */
  entries: AuditEntry[];
  /** Set when older rows were not looked at: the next request starts below this id. */
  continueBelow?: number;
}

/** How much audit is kept: at most the newest `maxRows` rows, none older than `maxAgeMs`. */
export interface AuditRetention {
  maxRows: number;
  maxAgeMs: number;
}

/** The audit row of a change, written in the change's own transaction (see SsoStore.putCredentials). */
export interface ChangeAudit {
  entry: NewAuditEntry;
  /** Applied as appendAudit applies it. */
  retention?: AuditRetention;
}

/**
 * The audit rows of any other change (a delete, an application change, an import, a copy), written
 * in the change's own transaction as a save's is: all of them with the change, none without it.
 */
export interface ChangeAuditRows {
  entries: readonly NewAuditEntry[];
  /** Applied as appendAudit applies it. */
  retention?: AuditRetention;
}

/** What a save made of the configuration it read (see SsoStore.saveConfiguration). */
export interface ComposedSave {
  /** The identifier's stored spelling when the row exists (the blob is encrypted under it), else as given. */
  identifier: string;
  msid: string;
  ciphertext: Buffer;
  history?: HistoryNote;
  audit?: ChangeAudit;
}

/** Makes a save from what readConfiguration would return (undefined: no such application), or throws to refuse it. */
export type ComposeSave = (found: ConfigurationRead | undefined) => ComposedSave;

/** Re-encryption of one row during a rotation: replaces the blob only if the row is still as read. */
export interface ReencryptedRow {
  application: string;
  identifier: string;
  /** The timestamp read with the old blob; a row written since is skipped (already current). */
  expectedTimestamp: string;
  msid: string;
  ciphertext: Buffer;
}

// ---------------------------------------------------------------- configuration history

/**
 * What a save or delete keeps of the version it replaces: the replaced row's ciphertext is copied
 * as it is (same msid, same binding to application and identifier) into SSOX_ConfigHistory, in
 * the transaction of the write. Never a value: who, when, which fields changed (names).
 */
export interface HistoryNote {
  savedBy: string;
  change: 'set' | 'delete';
  changedFields: string[];
  /** Versions kept per configuration (oldest go first), 1..MAX_HISTORY_KEEP. */
  keep: number;
  /** Versions whose replacing save is older than this (ms) go, in every configuration. */
  maxAgeMs: number;
}

/** One kept version, without its values. */
export interface HistoryRow {
  application: string;
  identifier: string;
  /** 1, 2, … per configuration; never reused while its application exists. */
  version: number;
  /** When this version had been written (ms since the epoch). */
  modifiedAt: number;
  /** When, by whom and how it was replaced, and which fields that change touched. */
  savedAt: number;
  savedBy: string;
  change: 'set' | 'delete';
  changedFields: string[];
}

/** Live rows and kept versions under one master secret (countRowsBySecret). */
export interface SecretRowCount {
  msid: string;
  rows: number;
}

export interface HistoryCipherRow extends HistoryRow {
  msid: string;
  ciphertext: Buffer;
}

/** Re-encryption of one kept version: replaces the blob only if it is still under `expectedMsid`. */
export interface ReencryptedHistoryRow {
  application: string;
  identifier: string;
  version: number;
  expectedMsid: string;
  msid: string;
  ciphertext: Buffer;
}

/** One identifier's part of an application change: write its encrypted values, or delete it. */
export type RowChange =
  | {
      op: 'put';
      identifier: string;
      /** The row version the values were computed from; null: the identifier must not exist. */
      expectedTimestamp: string | null;
      msid: string;
      ciphertext: Buffer;
      /** Keeps the replaced version (an update only), in the same transaction, as putCredentials does. */
      history?: HistoryNote;
      /** Kept versions brought by an import (history export); only with a row it creates. */
      importedHistory?: ImportedVersion[];
    }
  | { op: 'delete'; identifier: string; expectedTimestamp: string };

/** A kept version from an export file, encrypted again under this environment's secret. */
export type ImportedVersion = Omit<HistoryCipherRow, 'application' | 'identifier'>;

/**
 * A change of one application's definition and configurations, applied with others in one
 * transaction by `applyApplicationChanges`. Exactly one of `create` and `expected`.
 */
export interface ApplicationChange {
  application: string;
  /** Creates the application (with `create.fields`); it must not exist. `create.name` is `application`. */
  create?: NewApplication;
  /**
   * What the change was computed from, for an existing application: its field list (labels,
   * masked flags, in order) and its rows (how many, and the highest row version, null when none).
   * Row versions come from one database-wide, ever-increasing counter, so any insert, update or
   * delete of one of its rows changes the pair; a rotation re-encrypting rows does not. Without
   * `rowCount` the rows are not checked as a whole: each row change's expectedTimestamp is the
   * premise (config.setMany); a change with `fields` always gives it.
   */
  expected?: { fields: FieldDefinition[]; rowCount?: number; maxTimestamp?: string | null };
  /** Replaces the field list (ordinals renumbered from 0). */
  fields?: FieldDefinition[];
  rows: RowChange[];
}

/**
 * What `readConfiguration` returns. The embedded store hands back the very same (frozen) object
 * while the file is unchanged, so a caller may key derived data on its identity.
 */
export interface ConfigurationRead {
  /** The application's stored spelling. */
  name: string;
  fields: FieldInfo[];
  row: CredentialRow | undefined;
}

/** The master secret server lease (see src/ssoService/mss/leadership.ts). */
export interface LeaseState {
  holder: string | null;
  /** ms since the epoch, on the store's clock. */
  expiresAt: number;
  /** Increments at every change of holder. */
  epoch: number;
  takenAt: number | null;
}

/** A write of global info made only while this MSS node holds the lease (see SsoStore.updateGlobalInfo). */
export interface LeaseFence {
  leaseHolder: string;
}

export interface MssNodeRow {
  name: string;
  role: 'active' | 'standby';
  /** ms since the epoch. */
  lastSeenAt: number;
  lastTakeoverAt: number | null;
}

export interface SsoStore {
  /** Creates the schema when missing; idempotent. */
  init(): Promise<void>;
  close(): Promise<void>;
  /** Cheap round trip used by health checks. Throws ENTSSO_E_SSODB_UNREACHABLE when down. */
  ping(): Promise<void>;

  getGlobalInfo(): Promise<GlobalInfo>;
  /**
   * Changes the fields present in `patch` (undefined keeps a field, null clears it) and the timestamp.
   * With `fence`, in the same statement and only while `fence.leaseHolder` holds the MSS lease,
   * unexpired (judged on the clock the lease is written with); otherwise nothing changes and it
   * throws leaseNotHeld (ENTSSO_E_MSS_UNREACHABLE, details.reason 'lease-not-held'): a
   * publication still in flight when its node lost the lease never overwrites the new holder's.
   */
  updateGlobalInfo(patch: Partial<Omit<GlobalInfo, 'timestamp'>>, fence?: LeaseFence): Promise<GlobalInfo>;

  /** In case-insensitive name order. */
  listApplications(options: ListOptions): Promise<ApplicationRow[]>;
  getApplication(name: string): Promise<(ApplicationRow & { fields: FieldInfo[] }) | undefined>;
  /**
   * Throws ENTSSO_E_APPLICATION_EXISTS (names are unique, case-insensitive). `audit`, here and in
   * every other write that takes it: its rows are written in the change's transaction, as
   * putCredentials writes its `audit` (a refused change writes none).
   */
  createApplication(app: NewApplication, audit?: ChangeAuditRows): Promise<void>;
  /** Deletes the application, its fields, mappings and credentials. Throws ENTSSO_E_APPLICATION_NOT_FOUND. */
  deleteApplication(name: string, audit?: ChangeAuditRows): Promise<void>;
  /** Throws ENTSSO_E_APPLICATION_NOT_FOUND. */
  setApplicationFlags(name: string, flags: number, audit?: ChangeAuditRows): Promise<void>;

  /**
   * Applies every change in ONE transaction, all or nothing. Throws ENTSSO_E_CONFLICT (details:
   * application, reason) when a premise no longer holds: an application to create exists, an
   * application to change is gone or has other fields or rows than `expected`, a row's version is
   * not its `expectedTimestamp` (or it exists / is gone). Nothing is changed then. The audit rows
   * are written even when there is no change (an import that finds everything unchanged).
   */
  applyApplicationChanges(changes: ApplicationChange[], audit?: ChangeAuditRows): Promise<void>;

  /**
   * Full rows (with ciphertext) of one application, keyset-paged by identifier (case-insensitive
   * order). Throws ENTSSO_E_APPLICATION_NOT_FOUND.
   */
  listCredentials(application: string, options: Omit<ListOptions, 'filter'>): Promise<CredentialRow[]>;

  /**
   * Identifiers (mappings) of one application, keyset-paged by identifier (case-insensitive order).
   * Throws ENTSSO_E_APPLICATION_NOT_FOUND.
   */
  listIdentifiers(application: string, options: ListOptions): Promise<Omit<CredentialRow, 'ciphertext' | 'msid'>[]>;
  /**
   * Applications and identifiers whose name contains `query` (case-insensitive), at most `limit`:
   * matching applications first (by name), then matching identifiers (by application, identifier).
   */
  search(query: string, limit: number): Promise<SearchHit[]>;

  getCredentials(application: string, identifier: string): Promise<CredentialRow | undefined>;
  /**
   * The hot path of opening a port configuration: the application's stored name and fields and
   * the one configuration, read together (one transaction on the embedded store). Undefined when
   * the application does not exist; `row` undefined when the configuration does not.
   */
  readConfiguration(application: string, identifier: string): Promise<ConfigurationRead | undefined>;
  /**
   * Writes a mapping's encrypted values. `expectedTimestamp` null: the mapping must not exist.
   * Throws ENTSSO_E_CONFLICT when the stored timestamp differs (or the row exists / is gone),
   * ENTSSO_E_APPLICATION_NOT_FOUND when the application is missing. Returns the new row, with the
   * stored spelling of the names (they compare case-insensitively).
   * With `audit`, its row is written in the same transaction as the change: one commit, and the
   * change is never without its audit row (a refused write writes neither). The embedded store
   * with its audit side file stages the row in the data file and moves it (see sideFiles.ts).
   */
  putCredentials(
    application: string,
    identifier: string,
    expectedTimestamp: string | null,
    msid: string,
    ciphertext: Buffer,
    history?: HistoryNote,
    audit?: ChangeAudit,
  ): Promise<Omit<CredentialRow, 'ciphertext'>>;
  /**
   * Optional (stores whose every transaction costs a lock): a save that reads what it changes in
   * its own write transaction, instead of a read transaction before it. `compose` gets what
   * readConfiguration would return, makes the values to write from it synchronously, or throws to
   * refuse (nothing is written); the row is then written as putCredentials writes it.
   */
  saveConfiguration?(application: string, identifier: string, expectedTimestamp: string | null, compose: ComposeSave): Promise<Omit<CredentialRow, 'ciphertext'>>;
  /**
   * Deletes the mapping and its values. Throws ENTSSO_E_CONFLICT on a stale timestamp,
   * ENTSSO_E_MAPPING_NOT_FOUND when missing, ENTSSO_E_APPLICATION_NOT_FOUND when the application is.
   * With `history`, putCredentials (of an existing row) and deleteCredentials keep the replaced
   * version in the same transaction, then drop versions beyond `keep` and older than `maxAgeMs`.
   */
  deleteCredentials(application: string, identifier: string, expectedTimestamp: string, history?: HistoryNote, audit?: ChangeAuditRows): Promise<void>;

  /** Kept versions of one configuration, newest first, versions below `before` when given. */
  listHistory(application: string, identifier: string, options: { before?: number; limit: number }): Promise<HistoryRow[]>;
  /** One kept version with its ciphertext; undefined when it does not exist (or went). */
  getHistoryVersion(application: string, identifier: string, version: number): Promise<HistoryCipherRow | undefined>;
  /** Rotation support, like listRowsNotUnder, for kept versions. */
  listHistoryNotUnder(currentMsid: string, limit: number): Promise<HistoryCipherRow[]>;
  /** Applies a batch in one transaction; a version no longer under `expectedMsid` (or gone) is skipped. */
  reencryptHistoryRows(rows: ReencryptedHistoryRow[]): Promise<number>;

  /**
   * Rotation support: up to `limit` rows whose msid is not `currentMsid`, in a stable order
   * (msid, application, identifier). Re-encrypted rows drop out, so calling again gives the next batch.
   */
  listRowsNotUnder(currentMsid: string, limit: number): Promise<CredentialRow[]>;
  /** Live rows AND kept versions (SSOX_ConfigHistory) not under `currentMsid`. */
  countRowsNotUnder(currentMsid: string): Promise<number>;
  /** The same rows, counted per secret id, from one statement (one consistent reading), in secret id order. */
  countRowsBySecret(exceptMsid: string): Promise<SecretRowCount[]>;
  /**
   * Applies a batch in one transaction; returns how many rows were replaced. A row whose timestamp
   * is no longer `expectedTimestamp` (written or deleted since it was read) is skipped, not an error.
   */
  reencryptRows(rows: ReencryptedRow[]): Promise<number>;

  /**
   * Takes the MSS lease for `node` if it is free, held by `node` (a renewal), or expired for
   * more than `graceMs`; in one atomic step. Returns the lease as it is afterwards.
   */
  acquireLease(node: string, ttlMs: number, graceMs: number): Promise<LeaseState>;
  /** Frees the lease if `node` holds it. */
  releaseLease(node: string): Promise<void>;
  getLease(): Promise<LeaseState>;
  /** Records that an MSS node is alive in a role (upsert). */
  recordMssNode(node: MssNodeRow): Promise<void>;
  listMssNodes(): Promise<MssNodeRow[]>;

  /**
   * Appends one row, or several in one transaction (all or none), durable when the promise
   * resolves. With a retention, the embedded store's same transaction also deletes up to
   * AUDIT_PRUNE_PER_WRITE of the oldest rows beyond it (SQL Server: the next statement): the audit
   * stays bounded under any write rate, at a bounded cost per write.
   */
  appendAudit(entries: NewAuditEntry | readonly NewAuditEntry[], retention?: AuditRetention): Promise<void>;
  /**
   * Deletes rows beyond the retention among the `limit` oldest (one transaction, bounded work);
   * returns how many. Rows past the count are those more than `maxRows` ids below the newest.
   */
  pruneAudit(retention: AuditRetention, limit: number): Promise<number>;
  /** Newest first; `before` is an audit id for paging. */
  listAudit(options: { before?: number; limit: number }): Promise<AuditEntry[]>;
  /** Newest first, filtered, among at most `scanRows` rows below `before` (see auditQuery.ts). */
  listAuditFiltered(query: AuditQuery): Promise<AuditSlice>;
}
