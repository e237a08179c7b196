/**
 * The project's password-protected file format, used for master secret backups
 * ('entsso-backup') and application exports ('entsso-export').
 *
 *   line 1: header, one line of JSON, readable without the password (so the password
 *           reminder can be shown before asking for the password, as ENTSSO does)
 *   line 2: Base64 of AES-256-GCM(payload JSON) followed by the 16-byte GCM tag
 *
 * The exact header bytes are the GCM associated data, so editing anything in the header
 * (the reminder, the environment, the MSIDs) makes the file fail to open.
 *
 * Key: scrypt(password, salt) with the cost recorded in the header, then HKDF into an
 * encryption key and a password-check key. GCM alone cannot tell a wrong password from
 * a damaged body (both fail authentication), so the header also carries a short password
 * check value: the first 16 bytes of HMAC-SHA256 under the check key. It lets us say
 * "wrong password" (ENTSSO_E_BAD_PASSWORD) apart from "file altered" (ENTSSO_E_BAD_FILE).
 * It does not help an attacker: testing a guess against it costs the same scrypt as
 * testing it against the ciphertext. One ambiguity remains by nature: a damaged salt,
 * cost or check value in the header also looks like a wrong password, and the message says so.
 */
import { createCipheriv, createDecipheriv, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { SsoError } from '../../protocol/errors';
import { isMsid } from './masterSecret';
import {
  checkPasswordStrength,
  derivePasswordKey,
  newScryptParams,
  scryptParamsProblem,
  subKey,
  type ScryptCost,
  type ScryptParams,
} from './passwordKdf';

type ProtectedFileKind = 'entsso-backup' | 'entsso-export';
const PROTECTED_FILE_VERSION = 1;

export interface ProtectedFileHeader {
  format: ProtectedFileKind;
  version: number;
  created: string;
  environment: string;
  /** Backups only: the MSIDs of the secrets inside. */
  msids?: string[];
  /** Password reminder, stored READABLE: it must not give the password away. */
  reminder: string;
  kdf: ScryptParams;
  cipher: 'aes-256-gcm';
  /** Base64, 12 bytes. */
  iv: string;
  /** Base64, 16 bytes: see the file comment. */
  passwordCheck: string;
}

export interface ProtectedFileOptions {
  password: string;
  reminder: string;
  environment: string;
  msids?: string[];
  /** Leave unset in production (OWASP defaults). Only raised, or lowered by tests (never below N=2^14). */
  kdfCost?: ScryptCost;
}

const IV_BYTES = 12;
const TAG_BYTES = 16;
const CHECK_BYTES = 16;
const MAX_HEADER_BYTES = 64 * 1024;
const MAX_PROTECTED_FILE_BYTES = 64 * 1024 * 1024;
const MAX_REMINDER_LENGTH = 200;
/** Our environment ids are UUIDs; a longer one in a header is shown cut. */
const MAX_SHOWN_ENVIRONMENT_LENGTH = 64;
/**
 * Characters that must not reach a terminal or a prompt as they are: C0/C1 controls and DEL
 * (ESC sequences rewrite a terminal, a newline forges a line), format characters (bidi
 * overrides and zero-width characters hide or reorder text), line/paragraph separators, and
 * lone surrogates.
 */
const UNPRINTABLE = /[\p{Cc}\p{Cf}\p{Cs}\u2028\u2029]/gu;
const KIND_NAMES: Record<ProtectedFileKind, string> = {
  'entsso-backup': 'a master secret backup',
  'entsso-export': 'an application export',
};

// ---------------------------------------------------------------- writing

export async function writeProtectedFile(kind: ProtectedFileKind, payload: object, options: ProtectedFileOptions): Promise<Buffer> {
  validateWriteRequest(kind, payload, options);
  const kdf = newScryptParams(options.kdfCost);
  const keys = await deriveFileKeys(options.password, kdf);
  const iv = randomBytes(IV_BYTES);
  const header: ProtectedFileHeader = {
    format: kind,
    version: PROTECTED_FILE_VERSION,
    created: new Date().toISOString(),
    environment: options.environment,
    ...(kind === 'entsso-backup' ? { msids: [...options.msids!] } : {}),
    reminder: options.reminder,
    kdf,
    cipher: 'aes-256-gcm',
    iv: iv.toString('base64'),
    passwordCheck: keys.check.toString('base64'),
  };
  const headerBytes = Buffer.from(JSON.stringify(header), 'utf8');
  const plaintext = Buffer.from(JSON.stringify(payload), 'utf8');
  try {
    const cipher = createCipheriv('aes-256-gcm', keys.encryption, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(headerBytes);
    const body = Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
    return Buffer.concat([headerBytes, Buffer.from('\n'), Buffer.from(body.toString('base64') + '\n', 'ascii')]);
  } finally {
    plaintext.fill(0);
    keys.encryption.fill(0);
  }
}

function validateWriteRequest(kind: ProtectedFileKind, payload: object, options: ProtectedFileOptions): void {
  if (!(kind in KIND_NAMES)) throw invalid(`Unknown protected file kind "${String(kind)}".`);
  if (!payload || typeof payload !== 'object') throw invalid('The file contents must be an object.');
  const weakness = checkPasswordStrength(options.password);
  if (weakness) throw new SsoError('ENTSSO_E_BAD_PASSWORD', weakness, { reason: 'weak-password' });
  validateReminder(options.reminder, options.password);
  if (typeof options.environment !== 'string' || options.environment.trim() === '') {
    throw invalid('The environment id is required.');
  }
  if (kind === 'entsso-backup' && !(Array.isArray(options.msids) && options.msids.length > 0 && options.msids.every(isMsid))) {
    throw invalid('A master secret backup must list the ids (MSIDs) of the secrets it holds.');
  }
  if (kind === 'entsso-export' && options.msids !== undefined) {
    throw invalid('An application export does not hold master secrets and must not list MSIDs.');
  }
}

function validateReminder(reminder: string, password: string): void {
  if (typeof reminder !== 'string') throw invalid('The password reminder must be text.');
  if (reminder.length > MAX_REMINDER_LENGTH) {
    throw invalid(`The password reminder is too long (at most ${MAX_REMINDER_LENGTH} characters).`);
  }
  if (new RegExp(UNPRINTABLE.source, 'u').test(reminder)) {
    throw invalid('The password reminder must be plain text on one line: no control, invisible or direction-changing characters.');
  }
  // The reminder is stored readable: it must not simply be (or contain) the password.
  const normalise = (text: string) => text.normalize('NFC').toLowerCase().replace(/\s+/g, '');
  if (reminder.length > 0 && normalise(reminder).includes(normalise(password))) {
    throw invalid('The password reminder must not contain the password: anyone holding the file can read the reminder.');
  }
}

// ---------------------------------------------------------------- reading

/** Reads and validates the header only (no password): e.g. to show the reminder first. */
export function readProtectedHeader(file: Buffer): ProtectedFileHeader {
  return splitProtectedFile(file).header;
}

export async function openProtectedFile<T = unknown>(
  file: Buffer,
  password: string,
  expectedKind: ProtectedFileKind,
): Promise<{ header: ProtectedFileHeader; payload: T }> {
  const { header, headerBytes, body, endsWithNewline } = splitProtectedFile(file);
  if (header.format !== expectedKind) {
    throw badFile(`This file is ${KIND_NAMES[header.format]}, not ${KIND_NAMES[expectedKind]}.`, 'wrong-kind');
  }
  if (typeof password !== 'string' || password.length === 0) {
    throw new SsoError('ENTSSO_E_BAD_PASSWORD', 'A password is required to open this file.', { reason: 'wrong-password' });
  }
  const keys = await deriveFileKeys(password, header.kdf);
  try {
    if (!timingSafeEqual(keys.check, Buffer.from(header.passwordCheck, 'base64'))) {
      throw new SsoError(
        'ENTSSO_E_BAD_PASSWORD',
        `The password is not correct for this ${KIND_NAMES[header.format].replace(/^an? /, '')}. ` +
          'Check the password reminder and try again. If you are sure of the password, the file header may be damaged.',
        { reason: 'wrong-password' },
      );
    }
    const plaintext = decryptBody(keys.encryption, header, headerBytes, body, endsWithNewline);
    try {
      return { header, payload: parsePayload<T>(plaintext) };
    } finally {
      plaintext.fill(0);
    }
  } finally {
    keys.encryption.fill(0);
  }
}

function decryptBody(key: Buffer, header: ProtectedFileHeader, headerBytes: Buffer, body: Buffer, endsWithNewline: boolean): Buffer {
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(header.iv, 'base64'), { authTagLength: TAG_BYTES });
  decipher.setAAD(headerBytes);
  decipher.setAuthTag(body.subarray(body.length - TAG_BYTES));
  const parts = [decipher.update(body.subarray(0, body.length - TAG_BYTES))];
  try {
    parts.push(decipher.final());
  } catch {
    parts.forEach((p) => p.fill(0));
    throw endsWithNewline
      ? badFile('The file has been altered or damaged since it was written: its contents or header fail the integrity check.', 'tampered')
      : badFile('The file is incomplete: it seems to have been cut short while being copied or saved.', 'truncated');
  }
  const plaintext = Buffer.concat(parts);
  parts.forEach((p) => p.fill(0));
  return plaintext;
}

function parsePayload<T>(plaintext: Buffer): T {
  try {
    return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(plaintext)) as T;
  } catch {
    // Authenticated, so we wrote it: a bug or a newer writer, not an attacker.
    throw badFile('The file opened but its contents are not readable by this version of the SSO tools.', 'bad-payload');
  }
}

interface SplitFile {
  header: ProtectedFileHeader;
  /** The exact bytes of the header line (the associated data). */
  headerBytes: Buffer;
  /** Ciphertext followed by the tag. */
  body: Buffer;
  endsWithNewline: boolean;
}

/** Everything that can be checked without the password, cheaply, before paying for scrypt. */
function splitProtectedFile(file: Buffer): SplitFile {
  if (!Buffer.isBuffer(file) || file.length === 0) throw notOurFile();
  if (file.length > MAX_PROTECTED_FILE_BYTES) throw badFile('The file is too large to be an Enterprise SSO backup or export.', 'not-protected-file');
  const newline = file.subarray(0, MAX_HEADER_BYTES).indexOf(0x0a);
  if (newline < 0) {
    throw looksLikeOurs(file) ? badFile('The file is incomplete: it ends inside its header.', 'truncated') : notOurFile();
  }
  // Tolerate CRLF line ends (a Windows copy); the associated data is the line without them.
  const headerEnd = newline > 0 && file[newline - 1] === 0x0d ? newline - 1 : newline;
  const headerBytes = file.subarray(0, headerEnd);
  const header = parseHeader(headerBytes);
  const bodyText = file.subarray(newline + 1).toString('latin1');
  const endsWithNewline = /\r?\n$/.test(bodyText);
  const body = decodeBody(bodyText.replace(/\r?\n$/, ''));
  return { header, headerBytes, body, endsWithNewline };
}

/** Strict: one line of Base64, as written (no wrapping, no stray whitespace: every byte counts). */
function decodeBody(compact: string): Buffer {
  if (compact.length === 0) throw badFile('The file is incomplete: its encrypted contents are missing.', 'truncated');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(compact)) throw badFile('The encrypted contents of the file are damaged (not valid Base64).', 'tampered');
  if (compact.length % 4 !== 0) throw badFile('The file is incomplete: it seems to have been cut short while being copied or saved.', 'truncated');
  const body = Buffer.from(compact, 'base64');
  if (body.length <= TAG_BYTES) throw badFile('The file is incomplete: its encrypted contents are too short.', 'truncated');
  return body;
}

function parseHeader(headerBytes: Buffer): ProtectedFileHeader {
  let raw: unknown;
  try {
    raw = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(headerBytes));
  } catch {
    throw looksLikeOurs(headerBytes) ? badFile('The header of the file is damaged.', 'tampered') : notOurFile();
  }
  const h = raw as Record<string, unknown>;
  if (!h || typeof h !== 'object' || typeof h.format !== 'string' || !(h.format in KIND_NAMES)) throw notOurFile();
  if (h.version !== PROTECTED_FILE_VERSION) throw unsupportedVersion(h.version);
  const problem = headerProblem(h);
  if (problem) throw badFile(`The header of the file is damaged: ${problem}.`, 'tampered');
  return knownHeaderFields(h as unknown as ProtectedFileHeader);
}

/**
 * The checked fields, copied one by one (a structuredClone of the parsed header overflowed the
 * stack on 30,000 nested arrays). Anyone can write a header (it is only authenticated once the
 * password is known), and its texts are shown before the password is asked: only ever hand them
 * on bounded and escaped.
 */
function knownHeaderFields(h: ProtectedFileHeader): ProtectedFileHeader {
  const { name, N, r, p, salt } = h.kdf;
  return {
    format: h.format,
    version: h.version,
    created: h.created,
    environment: readableHeaderText(h.environment, MAX_SHOWN_ENVIRONMENT_LENGTH),
    ...(h.msids ? { msids: [...h.msids] } : {}),
    reminder: readableHeaderText(h.reminder, MAX_REMINDER_LENGTH),
    kdf: { name, N, r, p, salt },
    cipher: h.cipher,
    iv: h.iv,
    passwordCheck: h.passwordCheck,
  };
}

/**
 * `text` safe to print on a terminal or in a prompt: cut to `maxLength` characters (marked with
 * "…") and every unprintable character written as a visible escape such as \u001b.
 */
export function readableHeaderText(text: string, maxLength: number): string {
  const characters = [...text];
  const kept = characters.length > maxLength ? characters.slice(0, maxLength).join('') + '…' : text;
  return kept.replace(UNPRINTABLE, (c) => `\\u${c.codePointAt(0)!.toString(16).padStart(4, '0')}`);
}

const HEADER_KEYS = new Set(['format', 'version', 'created', 'environment', 'msids', 'reminder', 'kdf', 'cipher', 'iv', 'passwordCheck']);
const KDF_KEYS = new Set(['name', 'N', 'r', 'p', 'salt']);

function headerProblem(h: Record<string, unknown>): string | undefined {
  // Our writer puts no other key (a new one would come with a new version): anything else was crafted.
  if (!Object.keys(h).every((k) => HEADER_KEYS.has(k))) return 'it has a field this version does not know';
  if (!isIsoUtcTimestamp(h.created)) return 'the creation time is invalid';
  if (typeof h.environment !== 'string') return 'the environment id is missing';
  if (typeof h.reminder !== 'string') return 'the password reminder is missing';
  if (h.cipher !== 'aes-256-gcm') return 'the cipher is not supported';
  if (!isBase64OfLength(h.iv, IV_BYTES)) return 'the IV is invalid';
  if (!isBase64OfLength(h.passwordCheck, CHECK_BYTES)) return 'the password check value is invalid';
  const kdfProblem = scryptParamsProblem(h.kdf);
  if (kdfProblem) return `the key derivation settings are invalid (${kdfProblem})`;
  if (!Object.keys(h.kdf as object).every((k) => KDF_KEYS.has(k))) return 'the key derivation settings have a field this version does not know';
  if (h.format === 'entsso-backup' && !(Array.isArray(h.msids) && h.msids.length > 0 && h.msids.every(isMsid))) {
    return 'the list of master secret ids is invalid';
  }
  if (h.format === 'entsso-export' && h.msids !== undefined) return 'an export must not list master secret ids';
  return undefined;
}

/**
 * As the writer puts it (toISOString): Date.parse alone accepts far more, "(…)" comments
 * included, and the header's time is shown before the password is asked.
 */
function isIsoUtcTimestamp(value: unknown): boolean {
  return typeof value === 'string' && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/.test(value) && !Number.isNaN(Date.parse(value));
}

function isBase64OfLength(value: unknown, bytes: number): boolean {
  return typeof value === 'string' && /^[A-Za-z0-9+/]+={0,2}$/.test(value) && Buffer.from(value, 'base64').length === bytes
    && Buffer.from(value, 'base64').toString('base64') === value;
}

function unsupportedVersion(version: unknown): SsoError {
  if (Number.isSafeInteger(version) && (version as number) > PROTECTED_FILE_VERSION) {
    return badFile(
      `This file uses format version ${version}, but this version of the SSO tools reads only version ${PROTECTED_FILE_VERSION}. ` +
        'Upgrade the SSO tools (the extension and ssoctl) to open it.',
      'unsupported-version',
    );
  }
  return badFile('The header of the file is damaged: its format version is invalid.', 'tampered');
}

// ---------------------------------------------------------------- keys and errors

async function deriveFileKeys(password: string, kdf: ScryptParams): Promise<{ encryption: Buffer; check: Buffer }> {
  const derived = await derivePasswordKey(password, kdf);
  try {
    const checkKey = subKey(derived, 'file password check v1');
    const check = createHmac('sha256', checkKey).update('entsso password check').digest().subarray(0, CHECK_BYTES);
    checkKey.fill(0);
    return { encryption: subKey(derived, 'file encryption v1'), check: Buffer.from(check) };
  } finally {
    derived.fill(0);
  }
}

function looksLikeOurs(bytes: Buffer): boolean {
  return /^\{"format":"entsso-/.test(bytes.subarray(0, 32).toString('latin1'));
}

function notOurFile(): SsoError {
  return badFile('This is not an Enterprise SSO master secret backup or application export file.', 'not-protected-file');
}

function badFile(message: string, reason: string): SsoError {
  return new SsoError('ENTSSO_E_BAD_FILE', message, { reason });
}

function invalid(message: string): SsoError {
  return new SsoError('ENTSSO_E_INVALID_REQUEST', message);
}
