/**
 * The keyed hash of one field's value for a comparison across environments (FieldFingerprint in
 * messages.ts), computed alike by the SSO service, the ENTSSO bridge (bridge/Operations.cs
 * Fingerprints) and, for non-masked values read through a connection without fingerprints, the
 * client: HMAC-SHA256(key, label lower-cased in ASCII, a NUL byte, the value), UTF-8, in hex.
 * The label binds the hash to its field (names hold no NUL, so the first NUL ends it); ASCII-only
 * lower-casing is the same in every runtime, so both sides agree on labels spelt differently.
 */
import { createHmac } from 'node:crypto';

export function fieldFingerprintHash(key: Buffer, label: string, value: string): string {
  const lowered = label.replace(/[A-Z]/g, (c) => c.toLowerCase());
  return createHmac('sha256', key).update(Buffer.from(lowered, 'utf8')).update(Buffer.from([0])).update(Buffer.from(value, 'utf8')).digest('hex');
}
