/**
 * The local SSO service protocol: JSON-RPC 2.0, one JSON object per line, over a Unix
 * domain socket (a named pipe on Windows). Shared by the service, the client library,
 * the extension and `ssoctl`. Versioned: a client states PROTOCOL_VERSION in `hello`.
 *
 * This file holds types and constants only, so that the service can import it without
 * pulling in client code.
 */

export const PROTOCOL_VERSION = 1;

/** Largest frame (one line) either side accepts; longer input is refused, not buffered. */
export const MAX_FRAME_BYTES = 4 * 1024 * 1024;

// ---------------------------------------------------------------- service state

export type ServiceStateName = 'ready' | 'cached' | 'no-secret' | 'reencrypting' | 'ssodb-unreachable';

export interface ReencryptProgress {
  fromMsid: string;
  toMsid: string;
  done: number;
  total: number;
}

export interface ServiceState {
  state: ServiceStateName;
  /** The master secret server this service syncs with (host:port), as recorded in SSODB. */
  mssName: string;
  /** Id of the current master secret held in the cache (never the secret itself). */
  msid?: string;
  /** ISO time of the last successful sync with the MSS. */
  lastSyncAt?: string;
  /** ISO time since which the MSS has been unreachable (cached / no-secret). */
  unreachableSince?: string;
  reencrypt?: ReencryptProgress;
  /** True when operations that must encrypt are allowed. */
  canEncrypt: boolean;
  /** True when stored values can be decrypted (a secret is cached). */
  canDecrypt: boolean;
  /** One or two sentences for a person: what is going on, what still works, what to do. */
  message: string;
  syncIntervalMs: number;
}

// ---------------------------------------------------------------- applications

/** ENTSSO application flags (SSOX_ApplicationInfo.ai_flags). */
export const AppFlags = {
  enabled: 0x2,
  groupMapping: 0x10000,
  allowLocal: 0x40000,
  adminSame: 0x80000,
  configStore: 0x100000,
  adapter: 0x400000,
} as const;

/** Field flag that marks a masked (write-only, password) field. */
export const FIELD_FLAG_MASKED = 0x10000000;

/** Windows domain under which config-store identifiers are stored as mappings. */
export const CONFIG_STORE_DOMAIN = '$ConfigStore$';

export type ApplicationKind = 'adapter' | 'configStore' | 'affiliate';

export interface FieldDefinition {
  label: string;
  masked: boolean;
}

export interface FieldInfo extends FieldDefinition {
  ordinal: number;
}

export interface ApplicationInfo {
  name: string;
  description: string;
  contact: string;
  userGroup: string;
  adminGroup: string;
  flags: number;
  kind: ApplicationKind;
  enabled: boolean;
  numFields: number;
  /** Number of identifiers (port configurations / config-store entries). */
  identifierCount: number;
  /**
   * True when the backend could not count them (the ENTSSO bridge: an affiliate application's
   * mappings are not listed, or the count failed): `identifierCount` is then 0 and says nothing.
   * Such an application is never called empty.
   */
  identifierCountUnknown?: boolean;
  /** A name people know it by, when the backend can tell (the ENTSSO bridge: BizTalk handler names from BizTalkMgmtDb). */
  displayName?: string;
}

export interface ApplicationDetail extends ApplicationInfo {
  fields: FieldInfo[];
  /**
   * Opaque version of the field list (labels, masked flags, order). Pass it back as
   * `expectedFieldsVersion` to `apps.addField` / `apps.removeField` so that a change based on a
   * stale view of the fields is refused (ENTSSO_E_CONFLICT) instead of applied.
   */
  fieldsVersion?: string;
}

export interface IdentifierInfo {
  application: string;
  identifier: string;
  /** Opaque row version; changes on every write. */
  timestamp: string;
  /** Milliseconds since the epoch of the last write; strictly increases per row. */
  modifiedAt: number;
  /** A name people know it by, when the backend can tell (the ENTSSO bridge: send port / receive location names). */
  displayName?: string;
}

/**
 * A configuration as `identifiers.list` lists it. `timestamp` null: the backend does not list row
 * versions (the ENTSSO bridge: ENTSSO keeps none, and computing one decrypts the configuration, a
 * call per row); whoever needs the version for a conflict check reads it with `config.get` then.
 * Null never matches a version.
 */
export interface ListedIdentifier extends Omit<IdentifierInfo, 'timestamp'> {
  timestamp: string | null;
}

export interface Page<T> {
  items: T[];
  /** Pass back as `cursor` for the next page; absent on the last page. */
  nextCursor?: string;
}

export interface ConfigDocument {
  application: string;
  identifier: string;
  timestamp: string;
  modifiedAt: number;
  /** Field label → value. Masked fields hold '' unless `revealed`. */
  fields: Record<string, string>;
  /** Labels of masked fields, in field order. */
  masked: string[];
  /**
   * The masked fields that hold a value (never the value), so that an empty password is not shown
   * as a set one. Absent from services older than this field: treat every masked field as set.
   */
  maskedSet?: string[];
  revealed: boolean;
}

export interface SearchHit {
  application: string;
  kind: ApplicationKind;
  /** Absent when the application name itself matched. */
  identifier?: string;
  /** Port names, when the backend knows them (the ENTSSO bridge): of the application, and of the identifier. */
  applicationDisplayName?: string;
  identifierDisplayName?: string;
}

// ---------------------------------------------------------------- configuration history (issue 15)

/** One kept version of a configuration: when, by whom and how it was replaced. Never a value. */
export interface HistoryVersionInfo {
  application: string;
  identifier: string;
  /** 1, 2, … per configuration; higher is newer. */
  version: number;
  /** When this version had been written (ISO-8601). */
  writtenAt: string;
  /** The save (or delete) that replaced it: when, who, and which fields it changed (names only). */
  replacedAt: string;
  replacedBy: string;
  change: 'set' | 'delete';
  changedFields: string[];
}

/** A kept version as a document: `timestamp` is '' (it cannot be saved over); `modifiedAt` is when it was written. */
export interface HistoryDocument extends ConfigDocument {
  version: number;
  /**
   * Masked fields whose value in this version differs from the current configuration's (compared
   * inside the service; never a value), so that a comparison can show it. Absent when the
   * configuration no longer exists.
   */
  maskedDiffers?: string[];
}

export interface AuditEntry {
  id: number;
  at: string;
  user: string;
  action: string;
  outcome: 'ok' | 'refused' | 'failed';
  application?: string;
  identifier?: string;
  /** Field names touched; never values. */
  fields?: string[];
  detail?: string;
}

/** Which audit rows `audit.list` returns: every criterion given must hold. */
export interface AuditFilter {
  /** Found ignoring case in who, operation, application, configuration, field names or detail. */
  text?: string;
  /** An operation ("config.set") or its family ("config" finds config.set, config.reveal…). */
  operation?: string;
  /** Found ignoring case in who did it. */
  user?: string;
  outcome?: AuditEntry['outcome'];
  /** ISO-8601 times: `from` inclusive, `until` exclusive. */
  from?: string;
  until?: string;
}

/**
 * A page of the audit, newest first. With a filter the service looks at a bounded number of rows
 * per request (AUDIT_SCAN_ROWS), so a page may hold fewer entries than asked, even none, and still
 * have a `nextCursor`: the older rows have not been looked at yet.
 */
export interface AuditPage extends Page<AuditEntry> {
  /** How long the service keeps its audit (environment.json "audit" or serve flags). */
  retention?: { maxRows: number; maxAgeDays: number };
}

export interface HealthCheck {
  /**
   * `portNames`: only from the ENTSSO bridge (BizTalkMgmtDb readable or not, and why).
   * `secretCoverage`: only from this project's service (configurations under a secret the MSS does not hold).
   */
  id: 'service' | 'mss' | 'ssodb' | 'secretAge' | 'backup' | 'secretCoverage' | 'portNames';
  title: string;
  verdict: 'ok' | 'warning' | 'error';
  detail: string;
  /** What the user should do next; empty when nothing. */
  nextStep: string;
}

export interface HealthReport {
  at: string;
  state: ServiceState;
  checks: HealthCheck[];
  /** The master secret server nodes, when SSODB can be read. */
  mssNodes?: MssNodesReport;
}

// ---------------------------------------------------------------- master secret lifecycle

export interface SecretInfo {
  currentMsid: string | null;
  previousMsid: string | null;
  secretCreatedAt: string | null;
  lastBackupAt: string | null;
  lastVerifiedBackupAt: string | null;
  mssName: string;
  reencrypt?: ReencryptProgress;
}

/** What a backup file says about itself without its password (ENTSSO shows the reminder first). */
export interface BackupFileInfo {
  format: string;
  version: number;
  created: string;
  environment: string;
  /** True when the file was made in another SSO environment than this one. */
  foreignEnvironment: boolean;
  msids: string[];
  reminder: string;
}

/** A master secret server node as SSODB records it (several nodes: high availability). */
interface MssNodeInfo {
  name: string;
  role: 'active' | 'standby';
  lastSeenAt: string;
  lastTakeoverAt: string | null;
  /** True when this node holds the SSODB lease now. */
  holdsLease: boolean;
}

export interface MssNodesReport {
  nodes: MssNodeInfo[];
  lease: { holder: string | null; expiresAt: string; ageMs: number | null; epoch: number };
}

/** Files travel base64-encoded: they are encrypted under the user's password. */
export type Base64File = string;

// ---------------------------------------------------------------- application export and import

/**
 * `entsso`: the project's own export (a protectedFile of kind `entsso-export`: scrypt +
 * AES-256-GCM, one or more applications with definitions, flags, fields and every value).
 * `sso`: Microsoft's `.sso` format of the SSO Application Configuration snap-in (DOMAIN.md §5):
 * one application per file, the key/values of its `ConfigProperties` identifier, weakly
 * protected (3DES under the MD5 of the password), for migration only.
 */
export type TransferFormat = 'entsso' | 'sso';

/**
 * `add`: the snap-in's behaviour: creates missing applications, fields, identifiers and keys,
 * never changes an existing value. `update`: also changes values that differ. `mirror`: also
 * removes keys, identifiers and fields that the file lacks (for a `.sso` file: keys and fields
 * only, since the format holds just the `ConfigProperties` identifier).
 */
export type ImportMode = 'add' | 'update' | 'mirror';

/** The identifier under which the snap-in (and `.sso` files) keep an application's key/values. */
export const CONFIG_PROPERTIES_IDENTIFIER = 'ConfigProperties';

/** Stands for the value of a masked field in import plans: masked values never leave the service in a plan. */
export const MASKED_PLACEHOLDER = '(masked)';
/** Stands for a masked value that the import sets or changes. */
export const MASKED_CHANGED_PLACEHOLDER = '(masked, changed by the import)';

/** Largest file (in bytes, before base64) that `apps.export` returns and `apps.import` accepts: base64 of it fits one frame. */
export const MAX_TRANSFER_FILE_BYTES = 3_000_000;

/** What an export file says about itself without its password (the reminder, shown before asking). */
export interface ExportFileInfo {
  format: string;
  version: number;
  created: string;
  environment: string;
  /** True when the file was made in another SSO environment than this one (a normal migration). */
  foreignEnvironment: boolean;
  reminder: string;
}

/** An application as shown in an import plan's before/after documents: masked values are placeholders. */
export interface ApplicationDocument {
  name: string;
  kind: ApplicationKind;
  fields: FieldDefinition[];
  /** Identifier → field label → value (masked ones replaced by MASKED_PLACEHOLDER / MASKED_CHANGED_PLACEHOLDER). */
  configurations: Record<string, Record<string, string>>;
}

export interface IdentifierImportPlan {
  identifier: string;
  /** 'unchanged': listed only because (add mode) some of its values differ from the file and are kept. */
  action: 'create' | 'update' | 'delete' | 'unchanged';
  /** Row version read when planning; null for an identifier that does not exist yet. */
  timestamp: string | null;
  /** Field names that get a value where the identifier had none. */
  created: string[];
  /** Field names whose value changes. */
  changed: string[];
  /** Field names whose value is removed. */
  removed: string[];
  /** `add` mode: field names whose value differs from the file but is left alone. */
  kept: string[];
}

export interface ApplicationImportPlan {
  application: string;
  action: 'create' | 'update' | 'unchanged';
  kind: ApplicationKind;
  fieldsAdded: FieldDefinition[];
  fieldsRemoved: string[];
  /** Identifiers that change, and (add mode) those whose differing values are kept; the others are only counted. */
  identifiers: IdentifierImportPlan[];
  unchangedIdentifiers: number;
  /** Row versions read when planning: number of identifiers and the highest row version (null when none). */
  rowsRead: { count: number; maxTimestamp: string | null };
  /** Opaque: what `apps.import` checks to refuse when SSODB (or the file) changed since this plan. */
  basis: string;
  /** Absent before when the application does not exist yet; both absent when `documentsOmitted`. */
  before?: ApplicationDocument;
  after?: ApplicationDocument;
  /** Set when the import creates the application: what it gets besides its fields (from the file, or the defaults). */
  definition?: CreatedApplicationDefinition;
}

/** What an application an import creates gets besides its fields: the preview shows all of it. */
export type CreatedApplicationDefinition = Pick<ApplicationInfo, 'description' | 'contact' | 'userGroup' | 'adminGroup' | 'flags' | 'enabled'>;

export interface ImportPlan {
  format: TransferFormat;
  mode: ImportMode;
  applications: ApplicationImportPlan[];
  /** True when applying would change SSODB. */
  hasChanges: boolean;
  /** Pass back to `apps.import` as `expected`: application name → basis. */
  expected: Record<string, string>;
  warnings: string[];
  /** Set (to the reason) when the before/after documents were left out to keep the reply within one frame. */
  documentsOmitted?: string;
}

export interface ImportResult {
  applications: { application: string; action: 'create' | 'update' | 'unchanged'; identifiersCreated: number; identifiersUpdated: number; identifiersDeleted: number; fieldsAdded: string[]; fieldsRemoved: string[] }[];
  warnings: string[];
}

/** Parameters shared by `apps.planImport` and `apps.import`. */
export interface ImportSource {
  file: Base64File;
  format: TransferFormat;
  password: string;
  /** `.sso` only: the application name (the snap-in uses the file name). */
  name?: string;
  mode: ImportMode;
}

// ---------------------------------------------------------------- find by value (config.grep)

/** Longest pattern `config.grep` accepts (never audited nor logged: it may be a password). */
export const GREP_MAX_PATTERN_LENGTH = 200;

/** One field of one configuration whose (non-masked) value matched. */
export interface GrepMatch {
  application: string;
  identifier: string;
  field: string;
  /** A short excerpt of the value around the first match (line breaks and tabs shown as spaces). */
  excerpt: string;
  /** Where the match starts in `excerpt`, and its length there. */
  matchStart: number;
  matchLength: number;
}

export interface GrepParams {
  pattern: string;
  /** A JavaScript regular expression (case-sensitive; no backreferences or lookarounds); else plain text, ignoring case. */
  regex?: boolean;
  /** Only this application. */
  application?: string;
  /** From the previous page: continues the same search (pattern, regex and application must be the same). */
  cursor?: string;
  /** Most matches per page (a page also ends after a bounded time and number of configurations). */
  limit?: number;
}

export interface GrepPage {
  matches: GrepMatch[];
  /** Configurations scanned so far by this search, and how many there were when it started. */
  scanned: number;
  total: number;
  /** Pass back as `cursor` for the next page; absent when the scan is complete. */
  nextCursor?: string;
}

// ---------------------------------------------------------------- compare and copy across environments

/** Most configurations one `config.fingerprints` request names. */
export const COMPARE_MAX_IDENTIFIERS = 100;
/** Most configurations one `config.setMany` request writes (one transaction). */
export const SET_MANY_MAX_WRITES = 500;
/** Bytes of the per-comparison key (random, fresh per comparison, never stored). */
export const COMPARE_KEY_MIN_BYTES = 32;
export const COMPARE_KEY_MAX_BYTES = 64;

/**
 * One field of one configuration, as compared across environments: never its value. `hash`
 * (src/protocol/fieldFingerprint.ts) is present when the field holds a value; with a key fresh
 * per comparison it says "equal or not" between two services and nothing afterwards.
 */
export interface FieldFingerprint {
  masked: boolean;
  set: boolean;
  hash?: string;
}

export interface ConfigFingerprints {
  identifier: string;
  /** False when the application has no such configuration (then no timestamp and no fields). */
  found: boolean;
  timestamp?: string;
  /** Field label (as stored) → fingerprint, every field of the application. */
  fields: Record<string, FieldFingerprint>;
}

export interface FingerprintParams {
  application: string;
  identifiers: string[];
  /** Base64 of COMPARE_KEY_MIN_BYTES..COMPARE_KEY_MAX_BYTES random bytes; the same for both sides of one comparison. */
  key: string;
}

export interface FingerprintResult {
  application: string;
  fieldsVersion: string;
  items: ConfigFingerprints[];
}

/** One configuration written by `config.setMany`: the same rules as `config.set`. */
export interface SetManyWrite {
  identifier: string;
  expectedTimestamp: string | null;
  fields: Record<string, string>;
  clearMasked?: string[];
}

export interface SetManyParams {
  application: string;
  /** The application's fieldsVersion the writes were computed from: refused when the fields changed. */
  expectedFieldsVersion: string;
  writes: SetManyWrite[];
  /** Where the values come from (e.g. the source environment of a copy), for the audit; never a value. */
  source?: string;
}

// ---------------------------------------------------------------- methods

export interface CreateApplicationParams {
  name: string;
  kind: ApplicationKind;
  description?: string;
  contact?: string;
  userGroup?: string;
  adminGroup?: string;
  enabled?: boolean;
  fields: FieldDefinition[];
}

/** Every request method with its parameters and result. The service validates params. */
export interface Methods {
  /** `token` is ignored by the ENTSSO bridge (a child process of the user's VS Code; ENTSSO authorises by Windows account). */
  /** `versionKey` (ENTSSO bridge only; the own service refuses it): base64 of 32 to 64 bytes the bridge keys its row versions with, the same for every bridge of an environment. */
  hello: { params: { token: string; protocolVersion: number; client: string; versionKey?: string }; result: HelloResult };
  status: { params: Record<string, never>; result: ServiceState };
  health: { params: Record<string, never>; result: HealthReport };
  'apps.list': { params: { filter?: string; cursor?: string; limit?: number }; result: Page<ApplicationInfo> };
  'apps.get': { params: { name: string }; result: ApplicationDetail };
  'apps.create': { params: CreateApplicationParams; result: ApplicationDetail };
  'apps.delete': { params: { name: string }; result: { deleted: true } };
  'apps.setEnabled': { params: { name: string; enabled: boolean }; result: ApplicationDetail };
  /**
   * Appends fields to an application in one atomic step that keeps every stored value (ENTSSO can
   * only delete and recreate the application). A stored value left under a previously removed
   * field of the same name is dropped, so a re-added field starts empty. Refused while the
   * service cannot encrypt.
   */
  'apps.addField': { params: { name: string; fields: FieldDefinition[]; expectedFieldsVersion?: string }; result: ApplicationDetail };
  /**
   * Removes fields in one transaction that also purges their values from every stored
   * configuration (decrypt, drop the key, re-encrypt). Refuses removing every field and leaving a
   * masked field first (ENTSSO rule). Refused while the service cannot encrypt.
   */
  'apps.removeField': { params: { name: string; fields: string[]; expectedFieldsVersion?: string }; result: ApplicationDetail };
  /**
   * Exports applications with every value (masked ones included) into a password-protected file.
   * `entsso`: any number of applications, within MAX_TRANSFER_FILE_BYTES. `sso`: exactly one
   * application, its `ConfigProperties` values; weakly protected (a warning says so).
   */
  /** `withHistory` (entsso format only): each configuration's kept versions go into the file too; an import restores them. */
  'apps.export': { params: { names: string[]; format: TransferFormat; password: string; reminder?: string; withHistory?: boolean }; result: { file: Base64File; format: TransferFormat; applications: string[]; warnings: string[] } };
  /** Reads the readable header of an `entsso` export (its reminder) without the password. */
  'apps.inspectExport': { params: { file: Base64File }; result: ExportFileInfo };
  /** Plans an import: what would be created, changed and removed, by field name; changes nothing. */
  'apps.planImport': { params: ImportSource; result: ImportPlan };
  /**
   * Applies an import in one SSODB transaction, all or nothing. `expected` is the plan's
   * `expected`: the import is refused (ENTSSO_E_CONFLICT) when SSODB or the file changed since.
   */
  'apps.import': { params: ImportSource & { expected: Record<string, string> }; result: ImportResult };
  'identifiers.list': { params: { application: string; filter?: string; cursor?: string; limit?: number }; result: Page<ListedIdentifier> };
  search: { params: { query: string; limit?: number }; result: SearchHit[] };
  'config.get': { params: { application: string; identifier: string; reveal?: boolean }; result: ConfigDocument };
  /**
   * `expectedTimestamp`: the row version the caller read; null means "create, must not exist".
   * Masked fields sent as '' keep their stored value unless `clearMasked` names them.
   */
  'config.set': {
    params: { application: string; identifier: string; fields: Record<string, string>; expectedTimestamp: string | null; clearMasked?: string[] };
    result: IdentifierInfo;
  };
  'config.delete': { params: { application: string; identifier: string; expectedTimestamp: string }; result: { deleted: true } };
  /**
   * Find by value: scans the non-masked values of every configuration (or one application's),
   * decrypted inside the service, one bounded page per request; masked fields are never searched.
   * Audited without the text searched for, once per search (the request without a cursor).
   */
  'config.grep': { params: GrepParams; result: GrepPage };
  /**
   * Fingerprints of configurations for a comparison with another environment (see FieldFingerprint):
   * no value leaves the service. Audited before it answers (refused when it cannot be), without the key.
   */
  'config.fingerprints': { params: FingerprintParams; result: FingerprintResult };
  /**
   * Writes several configurations of one application in ONE transaction, all or nothing; refused
   * (ENTSSO_E_CONFLICT) when a configuration's version is not its `expectedTimestamp` or the fields
   * changed. Each replaced version is kept in history as by config.set.
   */
  'config.setMany': { params: SetManyParams; result: { application: string; written: IdentifierInfo[] } };
  /** Kept versions of a configuration, newest first (config.set and config.delete keep the version they replace). */
  'history.list': { params: { application: string; identifier: string; cursor?: string; limit?: number }; result: Page<HistoryVersionInfo> };
  /** One kept version, masked fields as placeholders unless `reveal` (audited as history.reveal). Restore is a config.set. */
  'history.get': { params: { application: string; identifier: string; version: number; reveal?: boolean }; result: HistoryDocument };
  'audit.list': { params: { cursor?: string; limit?: number; filter?: AuditFilter }; result: AuditPage };
  'secret.info': { params: Record<string, never>; result: SecretInfo };
  /**
   * Runs on the MSS: a password-protected backup of the current and previous secrets. With
   * `confirmWrite` it is recorded only when the caller says it wrote the file (secret.backupWritten);
   * without it (clients from before that call) it is recorded as made.
   */
  'secret.backup': { params: { password: string; reminder: string; confirmWrite?: boolean }; result: { file: Base64File; msids: string[] } };
  /**
   * The caller has written the file secret.backup returned durably (`msids` as it returned them):
   * the MSS records the backup time when the file holds its current secret (`recorded`).
   */
  'secret.backupWritten': { params: { msids: string[] }; result: { recorded: boolean } };
  'secret.inspect': { params: { file: Base64File }; result: BackupFileInfo };
  /** Proves the file opens with the password and holds the live secret; records the verification. */
  'secret.verify': { params: { file: Base64File; password: string }; result: { matchesLiveSecret: boolean; msids: string[]; verifiedAt?: string } };
  'secret.restore': { params: { file: Base64File; password: string; allowForeignEnvironment?: boolean }; result: { msid: string } };
  /** Rotation, step 1: a new secret is made and a backup of it returned; nothing changes yet. */
  'secret.prepareGenerate': { params: { password: string; reminder: string }; result: { file: Base64File; newMsid: string } };
  /** Rotation, step 2 (after the backup file is safely written): switch and re-encrypt. */
  'secret.commitGenerate': { params: { newMsid: string }; result: { msid: string; rowsToReencrypt: number } };
  /**
   * ENTSSO's one-step rotation (GenerateSecret on the MSS writes the backup file of the new secret
   * itself, then switches). Served by the ENTSSO bridge only (capability `secret.generate`); the own
   * service does the safer two steps above. `file`: the backup of the new secret, as `secret.backup` returns it;
   * `msid`: '' when ENTSSO does not say it.
   */
  'secret.generate': { params: { password: string; reminder: string }; result: { file: Base64File; msid: string } };
  'mss.nodes': { params: Record<string, never>; result: MssNodesReport };
  /** Asks `node` (host:port) to take over as the active master secret server. */
  'mss.promote': { params: { node: string }; result: { name: string; role: 'active' | 'standby' } };
  /** Asks the active `node` to step down; another node takes over. */
  'mss.demote': { params: { node: string }; result: { name: string; role: 'active' | 'standby' } };
  /**
   * Replaces the environment's access token at once with a new random one, written to the token
   * file (0600); every session authenticated with the old token is closed (the caller's after this
   * reply) and told why. Audited. The new token never travels: clients read it from the file.
   */
  'token.rotate': { params: Record<string, never>; result: { rotatedAt: string; tokenFile: string; closedSessions: number } };
}

export type MethodName = keyof Methods;
/** Methods only the ENTSSO bridge serves: the own service answers them "unknown method". */
type BridgeOnlyMethod = 'secret.generate';
/** The methods this project's own SSO service serves. */
export type ServiceMethodName = Exclude<MethodName, BridgeOnlyMethod>;

/**
 * What serves the protocol: `ssod` is this project's SSO service (serves every method);
 * `entsso-bridge` is entsso-bridge.exe over Microsoft's ENTSSO (serves `capabilities` only).
 */
export type BackendKind = 'ssod' | 'entsso-bridge';

export interface HelloResult {
  protocolVersion: number;
  serverVersion: string;
  state: ServiceState;
  /** Absent from older services: treat as `ssod`. */
  backend?: BackendKind;
  /** The method names served; absent means every method. */
  capabilities?: string[];
}
export type ParamsOf<M extends MethodName> = Methods[M]['params'];
export type ResultOf<M extends MethodName> = Methods[M]['result'];

/** Notifications the service pushes to every authenticated client. */
export interface Notifications {
  state: ServiceState;
  /** Sent just before the service closes a session on purpose (e.g. the token was rotated). */
  'session.closed': { reason: 'token-rotated'; message: string; rotatedAt: string };
}

// ---------------------------------------------------------------- JSON-RPC framing

export interface RpcErrorObject {
  /** JSON-RPC numeric code (-32600 … for framing, 1 for application errors). */
  code: number;
  message: string;
  data: { ssoCode: string; details?: Record<string, unknown> };
}

export interface RpcResponse {
  jsonrpc: '2.0';
  id: number | string | null;
  result?: unknown;
  error?: RpcErrorObject;
}
