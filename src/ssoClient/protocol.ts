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
}

export interface ApplicationDetail extends ApplicationInfo {
  fields: FieldInfo[];
}

export interface IdentifierInfo {
  application: string;
  identifier: string;
  /** Opaque row version; changes on every write. */
  timestamp: string;
  /** Milliseconds since the epoch of the last write; strictly increases per row. */
  modifiedAt: number;
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
  revealed: boolean;
}

export interface SearchHit {
  application: string;
  kind: ApplicationKind;
  /** Absent when the application name itself matched. */
  identifier?: string;
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

export interface HealthCheck {
  id: 'service' | 'mss' | 'ssodb' | 'secretAge' | 'backup';
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

/** Files travel base64-encoded: they are encrypted under the user's password. */
export type Base64File = string;

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
  hello: { params: { token: string; protocolVersion: number; client: string }; result: { protocolVersion: number; serverVersion: string; state: ServiceState } };
  status: { params: Record<string, never>; result: ServiceState };
  health: { params: Record<string, never>; result: HealthReport };
  'apps.list': { params: { filter?: string; cursor?: string; limit?: number }; result: Page<ApplicationInfo> };
  'apps.get': { params: { name: string }; result: ApplicationDetail };
  'apps.create': { params: CreateApplicationParams; result: ApplicationDetail };
  'apps.delete': { params: { name: string }; result: { deleted: true } };
  'apps.setEnabled': { params: { name: string; enabled: boolean }; result: ApplicationDetail };
  'identifiers.list': { params: { application: string; filter?: string; cursor?: string; limit?: number }; result: Page<IdentifierInfo> };
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
  'audit.list': { params: { cursor?: string; limit?: number }; result: Page<AuditEntry> };
  'secret.info': { params: Record<string, never>; result: SecretInfo };
  /** Runs on the MSS: a password-protected backup of the current and previous secrets. */
  'secret.backup': { params: { password: string; reminder: string }; result: { file: Base64File; msids: string[] } };
  'secret.inspect': { params: { file: Base64File }; result: BackupFileInfo };
  /** Proves the file opens with the password and holds the live secret; records the verification. */
  'secret.verify': { params: { file: Base64File; password: string }; result: { matchesLiveSecret: boolean; msids: string[]; verifiedAt?: string } };
  'secret.restore': { params: { file: Base64File; password: string; allowForeignEnvironment?: boolean }; result: { msid: string } };
  /** Rotation, step 1: a new secret is made and a backup of it returned; nothing changes yet. */
  'secret.prepareGenerate': { params: { password: string; reminder: string }; result: { file: Base64File; newMsid: string } };
  /** Rotation, step 2 (after the backup file is safely written): switch and re-encrypt. */
  'secret.commitGenerate': { params: { newMsid: string }; result: { msid: string; rowsToReencrypt: number } };
}

export type MethodName = keyof Methods;
export type ParamsOf<M extends MethodName> = Methods[M]['params'];
export type ResultOf<M extends MethodName> = Methods[M]['result'];

/** Notifications the service pushes to every authenticated client. */
export interface Notifications {
  state: ServiceState;
}

// ---------------------------------------------------------------- JSON-RPC framing

export interface RpcRequest {
  jsonrpc: '2.0';
  id: number | string;
  method: string;
  params?: unknown;
}

export interface RpcNotification {
  jsonrpc: '2.0';
  method: string;
  params?: unknown;
}

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
