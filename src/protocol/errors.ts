/**
 * Stable error codes of the SSO system, named after ENTSSO's where ENTSSO has one.
 * Shared by the service (which raises them) and every client (which shows them).
 * Messages are for people: they say what happened and what to do, never a secret value.
 */

const SsoErrorCodes = [
  /** The master secret is not available from the MSS: nothing can be encrypted. */
  'ENTSSO_E_NO_SECRET',
  /** A master secret rotation is re-encrypting SSODB; writes wait until it ends. */
  'ENTSSO_E_REENCRYPT_IN_PROGRESS',
  /** The SSO database cannot be reached. */
  'ENTSSO_E_SSODB_UNREACHABLE',
  /** The audit record an operation needs could not be written, so the operation was not done. */
  'ENTSSO_E_AUDIT_FAILED',
  'ENTSSO_E_APPLICATION_NOT_FOUND',
  'ENTSSO_E_APPLICATION_EXISTS',
  'ENTSSO_E_APPLICATION_DISABLED',
  'ENTSSO_E_MAPPING_NOT_FOUND',
  /** The row changed since the caller read it (ENTSSO's "more recent credentials" error). */
  'ENTSSO_E_CONFLICT',
  'ENTSSO_E_UNKNOWN_FIELD',
  /** A configuration would be larger than MAX_CONFIGURATION_BYTES (src/protocol/configurationSize.ts). */
  'ENTSSO_E_CONFIGURATION_TOO_LARGE',
  'ENTSSO_E_INVALID_REQUEST',
  'ENTSSO_E_ACCESS_DENIED',
  'ENTSSO_E_UNSUPPORTED_VERSION',
  'ENTSSO_E_MSS_UNREACHABLE',
  'ENTSSO_E_BAD_PASSWORD',
  'ENTSSO_E_BAD_FILE',
  'ENTSSO_E_NOT_CONNECTED',
  /** Another SSO service already listens on this environment's socket. */
  'ENTSSO_E_ALREADY_RUNNING',
  /** An SSO environment already exists where a new one was to be created (folder, database or setting). */
  'ENTSSO_E_ENVIRONMENT_EXISTS',
  /** The request is for another environment than the one connected. */
  'ENTSSO_E_WRONG_ENVIRONMENT',
  'ENTSSO_E_TIMEOUT',
  /** The service is at a bound it keeps for itself (e.g. concurrent password key derivations): retry shortly. */
  'ENTSSO_E_BUSY',
  'ENTSSO_E_INTERNAL',
] as const;

export type SsoErrorCode = (typeof SsoErrorCodes)[number];

export function isSsoErrorCode(value: unknown): value is SsoErrorCode {
  return typeof value === 'string' && (SsoErrorCodes as readonly string[]).includes(value);
}

export class SsoError extends Error {
  override readonly name = 'SsoError';
  constructor(
    readonly code: SsoErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }
}
