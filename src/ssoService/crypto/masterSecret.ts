/**
 * The master secret: the one key that every encrypted value in SSODB depends on
 * (DOMAIN.md §2). Each secret has an id (MSID) that is stored next to every row it
 * encrypted, so the MSS can find the rows still under the previous secret after a rotation.
 *
 * A secret object made here never shows its key by accident: `key` is a non-enumerable
 * property, and JSON.stringify / util.inspect / String() print the MSID only. Code that
 * must move the key (the vault, the MSS → service sync) does so explicitly with
 * `serializeMasterSecret`. Consequence worth knowing: `{ ...secret }` drops the key.
 */
import { randomFillSync, randomUUID, timingSafeEqual } from 'node:crypto';
import { inspect } from 'node:util';
import { SsoError } from '../../protocol/errors';

export const MASTER_KEY_BYTES = 32;

export interface MasterSecret {
  /** e.g. `{8F1D2C3B-…}`: uppercase GUID in braces, as ENTSSO shows it. Not secret. */
  msid: string;
  /** 32 random bytes (AES-256). Secret. */
  key: Buffer;
  /** ISO 8601 creation time. */
  createdAt: string;
}

/** The explicit, transportable form of a secret (key in Base64). Handle as secret material. */
interface SerializedMasterSecret {
  msid: string;
  key: string;
  createdAt: string;
}

const MSID_PATTERN = /^\{[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}\}$/;

export function isMsid(value: unknown): value is string {
  return typeof value === 'string' && MSID_PATTERN.test(value);
}

export function newMsid(): string {
  return `{${randomUUID().toUpperCase()}}`;
}

export function generateMasterSecret(): MasterSecret {
  // Buffer.alloc, not randomBytes: randomBytes may hand out a slice of a shared pool,
  // which wipeMasterSecret could not clear without clobbering unrelated data.
  const key = randomFillSync(Buffer.alloc(MASTER_KEY_BYTES));
  return makeMasterSecret(newMsid(), key, new Date().toISOString());
}

/** Builds a redacting secret object around a copy of `key`; validates every part. */
export function makeMasterSecret(msid: string, key: Buffer, createdAt: string): MasterSecret {
  if (!isMsid(msid)) {
    throw new SsoError('ENTSSO_E_INVALID_REQUEST', 'A master secret id must be an uppercase GUID in braces.');
  }
  assertKeyShape(key, msid);
  if (typeof createdAt !== 'string' || Number.isNaN(Date.parse(createdAt))) {
    throw new SsoError('ENTSSO_E_INVALID_REQUEST', `Master secret ${msid} has no valid creation time.`, { msid });
  }
  const secret = { msid, createdAt } as MasterSecret;
  Object.defineProperty(secret, 'key', { value: Buffer.from(key), enumerable: false, writable: false });
  Object.defineProperty(secret, 'toJSON', { value: () => ({ msid, createdAt }), enumerable: false });
  Object.defineProperty(secret, 'toString', { value: () => `MasterSecret ${msid}`, enumerable: false });
  Object.defineProperty(secret, inspect.custom, {
    value: () => `MasterSecret { msid: '${msid}', createdAt: '${createdAt}', key: <redacted> }`,
    enumerable: false,
  });
  return Object.freeze(secret);
}

/** Throws (ENTSSO_E_INTERNAL) unless `secret` carries a 32-byte key; used by every cipher entry point. */
export function assertMasterSecret(secret: MasterSecret): void {
  if (!secret || typeof secret !== 'object') {
    throw new SsoError('ENTSSO_E_INTERNAL', 'No master secret was given to the cipher.');
  }
  assertKeyShape(secret.key, secret.msid);
}

function assertKeyShape(key: unknown, msid: unknown): void {
  if (!Buffer.isBuffer(key) || key.length !== MASTER_KEY_BYTES) {
    const which = typeof msid === 'string' ? ` ${msid}` : '';
    // Says only what is wrong with the shape, never anything about the bytes.
    throw new SsoError('ENTSSO_E_INTERNAL', `Master secret${which} does not hold a ${MASTER_KEY_BYTES}-byte key.`);
  }
}

export function serializeMasterSecret(secret: MasterSecret): SerializedMasterSecret {
  assertMasterSecret(secret);
  return { msid: secret.msid, key: secret.key.toString('base64'), createdAt: secret.createdAt };
}

/** Inverse of serializeMasterSecret; `what` names the source in error messages (e.g. "the vault"). */
export function parseMasterSecret(value: unknown, what: string): MasterSecret {
  const v = value as Partial<SerializedMasterSecret> | null;
  if (!v || typeof v !== 'object' || typeof v.key !== 'string' || !/^[A-Za-z0-9+/]+={0,2}$/.test(v.key)) {
    throw new SsoError('ENTSSO_E_BAD_FILE', `A master secret in ${what} is malformed.`);
  }
  const key = Buffer.from(v.key, 'base64');
  try {
    return makeMasterSecret(String(v.msid), key, String(v.createdAt));
  } catch {
    throw new SsoError('ENTSSO_E_BAD_FILE', `A master secret in ${what} is malformed.`);
  } finally {
    key.fill(0);
  }
}

export function sameMasterSecret(a: MasterSecret, b: MasterSecret): boolean {
  return a.msid === b.msid && a.key.length === b.key.length && timingSafeEqual(a.key, b.key);
}

/** Best effort: JS strings and copies made by callers cannot be wiped. */
export function wipeMasterSecret(secret: MasterSecret | undefined): void {
  secret?.key.fill(0);
}
