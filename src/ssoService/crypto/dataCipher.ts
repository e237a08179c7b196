/**
 * Encryption of the property bags stored in SSODB (SSOX_ExternalCredentials), with
 * AES-256-GCM from Node's built-in crypto.
 *
 * Blob: version (1 byte) | IV (12 random bytes) | GCM tag (16 bytes) | ciphertext.
 *
 * The associated data binds a blob to where it belongs: its application (case-folded,
 * because application names are unique case-insensitively), its identifier and the MSID
 * of the secret that encrypted it. Copying a blob to another row, or decrypting it with
 * another secret, fails authentication instead of yielding someone else's values.
 * The fields are length-prefixed so that ("ab","c") and ("a","bc") never collide.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { SsoError } from '../../protocol/errors';
import { assertMasterSecret, type MasterSecret } from './masterSecret';

const BAG_BLOB_VERSION = 1;
const BAG_BLOB_VERSION_TEXT = String(BAG_BLOB_VERSION);
const IV_BYTES = 12;
const TAG_BYTES = 16;
const HEADER_BYTES = 1 + IV_BYTES + TAG_BYTES;
/** Domain separation: these AAD bytes can never be mistaken for another format's. */
const AAD_LABEL = 'entsso-bag';

/** Why a blob could not be decrypted, in `SsoError.details.reason`. */
type BagFailureReason = 'truncated' | 'unsupported-version' | 'authentication-failed';

export function encryptBag(secret: MasterSecret, application: string, identifier: string, plaintext: Buffer): Buffer {
  assertMasterSecret(secret);
  assertBagAddress(application, identifier);
  if (!Buffer.isBuffer(plaintext)) {
    throw new SsoError('ENTSSO_E_INVALID_REQUEST', 'Only bytes can be encrypted.');
  }
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', secret.key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(bagAssociatedData(secret.msid, application, identifier));
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([Buffer.of(BAG_BLOB_VERSION), iv, cipher.getAuthTag(), body]);
}

/** The caller owns the returned plaintext and should wipe it (`fill(0)`) when done. */
export function decryptBag(secret: MasterSecret, application: string, identifier: string, blob: Buffer): Buffer {
  assertMasterSecret(secret);
  assertBagAddress(application, identifier);
  const where = () => `application "${application}", identifier "${identifier}"`;
  if (!Buffer.isBuffer(blob) || blob.length < HEADER_BYTES) {
    throw bagError('ENTSSO_E_INTERNAL', 'truncated', `The stored value of ${where()} is truncated.`, secret, application, identifier);
  }
  if (blob[0] !== BAG_BLOB_VERSION) {
    const message = `The stored value of ${where()} uses encryption format ${blob[0]}, which this SSO service does not know. Upgrade the SSO service.`;
    throw bagError('ENTSSO_E_UNSUPPORTED_VERSION', 'unsupported-version', message, secret, application, identifier);
  }
  const iv = blob.subarray(1, 1 + IV_BYTES);
  const tag = blob.subarray(1 + IV_BYTES, HEADER_BYTES);
  const decipher = createDecipheriv('aes-256-gcm', secret.key, iv, { authTagLength: TAG_BYTES });
  decipher.setAAD(bagAssociatedData(secret.msid, application, identifier));
  decipher.setAuthTag(tag);
  const plaintext = decipher.update(blob.subarray(HEADER_BYTES));
  let tail: Buffer;
  try {
    tail = decipher.final();
  } catch {
    plaintext.fill(0); // unauthenticated output must not linger
    const message =
      `The stored value of ${where()} cannot be decrypted with master secret ${secret.msid}: ` +
      'it was encrypted under another secret or for another application or identifier, or it was altered.';
    throw bagError('ENTSSO_E_INTERNAL', 'authentication-failed', message, secret, application, identifier);
  }
  // GCM is a stream mode: final() has nothing left to give, so the usual case copies nothing.
  if (tail.length === 0) return plaintext;
  const whole = Buffer.concat([plaintext, tail]);
  plaintext.fill(0);
  tail.fill(0);
  return whole;
}

/** Re-encrypts one row's blob for a rotation; the intermediate plaintext is wiped. */
export function reencryptBag(
  oldSecret: MasterSecret,
  newSecret: MasterSecret,
  application: string,
  identifier: string,
  blob: Buffer,
): Buffer {
  const plaintext = decryptBag(oldSecret, application, identifier, blob);
  try {
    return encryptBag(newSecret, application, identifier, plaintext);
  } finally {
    plaintext.fill(0);
  }
}

/**
 * AAD = label, version, msid, case-folded application, identifier; each as u32 big-endian length
 * + UTF-8. Written into one buffer: this runs on every read of a configuration.
 */
export function bagAssociatedData(msid: string, application: string, identifier: string): Buffer {
  const fields = [AAD_LABEL, BAG_BLOB_VERSION_TEXT, msid, caseFold(application), identifier];
  let size = 0;
  for (const field of fields) size += 4 + Buffer.byteLength(field, 'utf8');
  const aad = Buffer.allocUnsafe(size);
  let offset = 0;
  for (const field of fields) {
    const written = aad.write(field, offset + 4, 'utf8');
    aad.writeUInt32BE(written, offset);
    offset += 4 + written;
  }
  return aad;
}

/**
 * Locale-independent case folding: plain lowercase for ASCII names. Lowercase alone is not
 * enough in general: "ẖ".toUpperCase() is "H̱", which lowercases to two code points, and
 * "ẞ" lowercases to "ß" but "ß" uppercases to "SS". Lower→upper→lower maps every spelling
 * of a name that differs only in case to the same string (checked over all code points).
 */
export function caseFold(name: string): string {
  return name.toLowerCase().toUpperCase().toLowerCase();
}

function assertBagAddress(application: string, identifier: string): void {
  if (typeof application !== 'string' || application.length === 0) {
    throw new SsoError('ENTSSO_E_INVALID_REQUEST', 'An application name is required to encrypt or decrypt a value.');
  }
  if (typeof identifier !== 'string' || identifier.length === 0) {
    throw new SsoError('ENTSSO_E_INVALID_REQUEST', 'An identifier is required to encrypt or decrypt a value.');
  }
}

function bagError(
  code: 'ENTSSO_E_INTERNAL' | 'ENTSSO_E_UNSUPPORTED_VERSION',
  reason: BagFailureReason,
  message: string,
  secret: MasterSecret,
  application: string,
  identifier: string,
): SsoError {
  return new SsoError(code, message, { reason, msid: secret.msid, application, identifier });
}
