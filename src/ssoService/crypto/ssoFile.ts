/**
 * Microsoft's `.sso` application export format, as written by the SSO Application
 * Configuration MMC snap-in and the community tools derived from it (DOMAIN.md §5):
 *
 *   Base64( 3DES-ECB/PKCS7( UTF-8( <SSOApplicationExport><applicationData>
 *                                    <add key="…" value="…" /> …
 *                                  </applicationData></SSOApplicationExport> ) ) )
 *   with the 3DES key = MD5(UTF-8 password): 16 bytes, i.e. two-key 3DES (K1|K2|K1).
 *
 * Weak by design (unsalted MD5, ECB, no integrity check): kept for compatibility only;
 * our own exports use protectedFile.ts. The application name is the file name (callers).
 *
 * 3DES comes from node-forge, not Node's crypto: OpenSSL 3 moves DES to its "legacy"
 * provider and Electron's BoringSSL lacks some DES modes, while forge runs the same
 * everywhere. The tests check it against OpenSSL's des-ede-ecb.
 *
 * The XML parser below accepts only this one shape (plus an XML declaration, comments
 * and whitespace, which the known writers emit), never expands DTDs, and never puts
 * decrypted text in an error message.
 */
import type Forge from 'node-forge';
import forge from './forgeSubset';
import { SsoError } from '../../protocol/errors';
import { type XmlAttributeProblem, type XmlAttributeSpan, decodeXmlAttribute, escapeXmlAttribute, isXmlSpace, isXmlText, scanXmlAttributes } from '../../protocol/xmlText';

const MAX_SSO_FILE_CHARS = 32 * 1024 * 1024;
const BLOCK_BYTES = 8;

// ---------------------------------------------------------------- encode

export function encodeSsoFile(entries: Record<string, string>, password: string): string {
  if (typeof password !== 'string' || password.length === 0) {
    throw new SsoError('ENTSSO_E_BAD_PASSWORD', 'A password is required to write a .sso file.', { reason: 'weak-password' });
  }
  const cipher = tripleDes(password, 'encrypt');
  cipher.update(forge.util.createBuffer(Buffer.from(buildXml(entries), 'utf8').toString('binary')));
  return finish(cipher).toString('base64');
}

function buildXml(entries: Record<string, string>): string {
  if (!entries || typeof entries !== 'object') throw invalid('The entries of a .sso file must be an object of text keys and values.');
  // Same prologue as the MMC snap-in writes.
  let xml = '<?xml version="1.0" encoding="utf-8" ?><SSOApplicationExport><applicationData>';
  for (const [key, value] of Object.entries(entries)) {
    if (key.length === 0) throw invalid('A .sso file cannot hold an empty key.');
    if (typeof value !== 'string') throw invalid(`The value of key "${safeName(key)}" must be text.`);
    if (!isXmlText(key)) throw invalid(`The key "${safeName(key)}" contains a character that .sso files cannot hold.`);
    if (!isXmlText(value)) throw invalid(`The value of key "${safeName(key)}" contains a control character that .sso files cannot hold.`);
    xml += `<add key="${escapeXmlAttribute(key)}" value="${escapeXmlAttribute(value)}" />`;
  }
  return xml + '</applicationData></SSOApplicationExport>';
}

/** Key names are not secret, but keep messages one short line. */
function safeName(key: string): string {
  const printable = key.replace(/\p{Cc}/gu, '?');
  return printable.length > 60 ? `${printable.slice(0, 57)}…` : printable;
}

// ---------------------------------------------------------------- decode

export function decodeSsoFile(text: string, password: string): Record<string, string> {
  const steps = decodeSteps(text, password);
  for (let step = steps.next(); ; step = steps.next()) if (step.done) return step.value;
}

/**
 * decodeSsoFile for the service: a 3 MB file takes forge's 3DES about 0.5-0.8 s, which on the
 * event loop held every other client's request that long. A wrong password is refused after the
 * first block; the rest is decrypted in slices with the event loop free between them, one file
 * at a time (files planned together would otherwise add their slices up between two requests).
 */
export async function decodeSsoFileInSlices(text: string, password: string): Promise<Record<string, string>> {
  refuseIfTooManyWaiting();
  decryptionsInQueue++;
  try {
    const steps = decodeSteps(text, password);
    let step = steps.next(); // up to the first block's check, at once
    if (step.done) return step.value;
    const previous = decryptionTurn;
    let done!: () => void;
    decryptionTurn = new Promise<void>((resolve) => (done = resolve));
    try {
      await previous;
      for (; !step.done; step = steps.next()) await new Promise<void>((resolve) => setImmediate(resolve));
      return step.value;
    } finally {
      done();
    }
  } finally {
    decryptionsInQueue--;
  }
}

/**
 * .sso files waiting behind the one being decrypted, at most: each holds its file (up to 32 MB of
 * text) until its turn, and a client may send plans without waiting for their answers.
 */
export const MAX_WAITING_SSO_DECRYPTIONS = 4;

/** The .sso file being decrypted and those waiting for their turn. */
let decryptionsInQueue = 0;

/** Settled when the .sso file being decrypted (the last one to ask) is done. */
let decryptionTurn: Promise<void> = Promise.resolve();

/** Refused before the file is even decoded, so a refused request holds nothing. */
function refuseIfTooManyWaiting(): void {
  if (decryptionsInQueue <= MAX_WAITING_SSO_DECRYPTIONS) return;
  throw new SsoError(
    'ENTSSO_E_BUSY',
    `The SSO service is already opening ${decryptionsInQueue} .sso files, one at a time, and takes no more for now. Try again in a few seconds, once those are done.`,
    { reason: 'sso-decryptions-queued', limit: MAX_WAITING_SSO_DECRYPTIONS },
  );
}

/** About 5 ms of forge's 3DES. */
const SLICE_BYTES = 16 * 1024;

/** Decrypts and parses, yielding between slices of the decryption. */
function* decodeSteps(text: string, password: string): Generator<void, Record<string, string>> {
  const ciphertext = decodeBase64(text);
  if (typeof password !== 'string' || password.length === 0) {
    throw new SsoError('ENTSSO_E_BAD_PASSWORD', 'A password is required to open a .sso file.', { reason: 'wrong-password' });
  }
  const decipher = tripleDes(password, 'decrypt');
  // ECB: the first block decrypts alone, and a wrong key makes it random bytes.
  decipher.update(forge.util.createBuffer(ciphertext.subarray(0, BLOCK_BYTES).toString('binary')));
  if (!mayStartAnSsoFile(Buffer.from(decipher.output.bytes(), 'binary'))) throw wrongPassword();
  for (let at = BLOCK_BYTES; at < ciphertext.length; at += SLICE_BYTES) {
    yield;
    decipher.update(forge.util.createBuffer(ciphertext.subarray(at, at + SLICE_BYTES).toString('binary')));
  }
  yield;
  const plaintext = finish(decipher);
  try {
    yield;
    const xml = decodeUtf8(plaintext);
    // A wrong key yields random bytes: not UTF-8, or not starting with markup.
    if (xml === undefined || !STARTS_WITH_MARKUP.test(xml)) throw wrongPassword();
    yield;
    return parseSsoXml(xml);
  } finally {
    plaintext.fill(0);
  }
}

const STARTS_WITH_MARKUP = /^\uFEFF?\s*</;

/** False when the first decrypted block already fails the test a whole file must pass (UTF-8 starting with markup). */
function mayStartAnSsoFile(firstBlock: Buffer): boolean {
  let prefix: string;
  try {
    // stream: a character cut at the block's end is not an error yet
    prefix = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(firstBlock, { stream: true });
  } catch {
    return false;
  }
  return /^\uFEFF?\s*$/.test(prefix) || STARTS_WITH_MARKUP.test(prefix);
}

function decodeBase64(text: string): Buffer {
  if (typeof text !== 'string') throw notSsoFile();
  if (text.length > MAX_SSO_FILE_CHARS) throw badFile('The file is too large to be a .sso application export.');
  const compact = text.replace(/^\uFEFF/, '').replace(/\s+/g, '');
  if (compact.length === 0 || compact.length % 4 !== 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(compact)) throw notSsoFile();
  const bytes = Buffer.from(compact, 'base64');
  if (bytes.length % BLOCK_BYTES !== 0) throw notSsoFile();
  return bytes;
}

function tripleDes(password: string, direction: 'encrypt' | 'decrypt'): Forge.cipher.BlockCipher {
  // Buffer's UTF-8 encoder, like .NET's Encoding.UTF8, turns a lone surrogate into U+FFFD.
  const md5 = forge.md.md5.create().update(Buffer.from(password, 'utf8').toString('binary')).digest().getBytes();
  const key = forge.util.createBuffer(md5 + md5.slice(0, 8)); // two-key 3DES: K1 | K2 | K1
  const cipher = direction === 'encrypt' ? forge.cipher.createCipher('3DES-ECB', key) : forge.cipher.createDecipher('3DES-ECB', key);
  cipher.start();
  key.clear();
  return cipher;
}

function finish(cipher: Forge.cipher.BlockCipher): Buffer {
  const ok = cipher.finish(); // PKCS#7: on decryption, false when the padding is wrong
  if (!ok) throw wrongPassword();
  return Buffer.from(cipher.output.getBytes(), 'binary');
}

function decodeUtf8(bytes: Buffer): string | undefined {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    return undefined;
  }
}

function wrongPassword(): SsoError {
  return new SsoError(
    'ENTSSO_E_BAD_PASSWORD',
    'The password does not open this .sso file. (.sso files carry no integrity check, so a damaged file looks the same.)',
    { reason: 'wrong-password' },
  );
}

function notSsoFile(): SsoError {
  return badFile('This is not a .sso application export: it is not Base64-encoded Triple-DES data.');
}

function badFile(message: string): SsoError {
  return new SsoError('ENTSSO_E_BAD_FILE', message);
}

function invalid(message: string): SsoError {
  return new SsoError('ENTSSO_E_INVALID_REQUEST', message);
}

// ---------------------------------------------------------------- the strict XML reader

/** Parses exactly `<SSOApplicationExport><applicationData><add key value/>*</applicationData></SSOApplicationExport>`. */
export function parseSsoXml(xml: string): Record<string, string> {
  const reader = new XmlReader(xml.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n'));
  reader.skipSpaces(); // XML forbids anything before the declaration; tolerating blank lines is harmless
  reader.skipDeclaration();
  reader.skipMisc();
  const entries: Record<string, string> = {};
  reader.element('SSOApplicationExport', [], () => {
    reader.skipMisc();
    reader.element('applicationData', [], () => {
      let index = 0;
      for (reader.skipMisc(); reader.startsElement('add'); reader.skipMisc()) {
        index++;
        const attributes = reader.element('add', ['key', 'value'], () => undefined);
        addEntry(entries, attributes, index);
      }
    });
    reader.skipMisc();
  });
  reader.skipMisc();
  reader.expectEnd();
  return entries;
}

function addEntry(entries: Record<string, string>, attributes: Map<string, string>, index: number): void {
  const key = attributes.get('key');
  if (key === undefined || key === '') throw malformed(`entry ${index} has no key`);
  if (Object.prototype.hasOwnProperty.call(entries, key)) throw malformed(`entry ${index} repeats the key of an earlier entry`);
  // defineProperty: a key named "__proto__" must become a plain entry.
  Object.defineProperty(entries, key, { value: attributes.get('value') ?? '', enumerable: true, writable: true, configurable: true });
}

function malformed(problem: string): SsoError {
  return badFile(`The .sso file opened, but its contents are not a valid SSO application export: ${problem}.`);
}

/** Why a start tag's attributes are refused, in this reader's words. */
const ATTRIBUTE_PROBLEMS: Record<XmlAttributeProblem, (element: string, name: string) => string> = {
  'not-separated': (element) => `attributes of <${element}> must be separated by spaces`,
  'no-name': () => 'expected an attribute name',
  'no-equals': (_element, name) => `attribute "${name}" has no value`,
  'not-quoted': (_element, name) => `the value of attribute "${name}" is not quoted`,
  'not-closed': (_element, name) => `the value of attribute "${name}" is not closed`,
  'less-than': (_element, name) => `the value of attribute "${name}" contains "<"`,
  repeated: (element, name) => `<${element}> repeats the attribute "${name}"`,
};

class XmlReader {
  private pos = 0;

  constructor(private readonly text: string) {}

  skipDeclaration(): void {
    if (!this.text.startsWith('<?xml', this.pos)) return;
    const end = this.text.indexOf('?>', this.pos);
    if (end < 0) throw this.error('the XML declaration is not closed');
    this.pos = end + 2;
  }

  /** Whitespace and comments: all that may appear between the elements. */
  skipMisc(): void {
    for (;;) {
      while (isXmlSpace(this.text[this.pos])) this.pos++;
      if (!this.text.startsWith('<!--', this.pos)) return;
      const end = this.text.indexOf('-->', this.pos + 4);
      if (end < 0) throw this.error('a comment is not closed');
      this.pos = end + 3;
    }
  }

  startsElement(name: string): boolean {
    return this.text.startsWith(`<${name}`, this.pos) && /[\s/>]/.test(this.text[this.pos + name.length + 1] ?? '');
  }

  /** Reads `<name attrs/>` or `<name attrs>…</name>`; `body` reads what is between. */
  element(name: string, allowed: string[], body: () => void): Map<string, string> {
    if (this.text.startsWith('<!DOCTYPE', this.pos)) throw this.error('document type declarations are not allowed');
    if (!this.startsElement(name)) throw this.error(`expected <${name}>`);
    this.pos += name.length + 1;
    const attributes = this.attributes(name, allowed);
    if (this.text.startsWith('/>', this.pos)) {
      this.pos += 2;
      return attributes;
    }
    this.expect('>', `<${name}> is not closed`);
    body();
    this.skipMisc();
    this.expect(`</${name}`, `expected </${name}>`);
    this.skipSpaces();
    this.expect('>', `</${name}> is not closed`);
    return attributes;
  }

  expectEnd(): void {
    if (this.pos !== this.text.length) throw this.error('unexpected content after the end of the export');
  }

  private attributes(element: string, allowed: string[]): Map<string, string> {
    const scanned = scanXmlAttributes(this.text, this.pos, (problem, at, name) => {
      // An attribute's name is said only when it is one of ours: anything else may be file content.
      throw this.error(name && !allowed.includes(name) ? `<${element}> has an unexpected attribute` : ATTRIBUTE_PROBLEMS[problem](element, name), at);
    });
    const attributes = new Map<string, string>();
    for (const a of scanned.attributes) {
      if (!allowed.includes(a.name)) throw this.error(`<${element}> has an unexpected attribute`, a.valueStart);
      attributes.set(a.name, this.attributeValue(a));
    }
    this.pos = scanned.end;
    return attributes;
  }

  private attributeValue(a: XmlAttributeSpan): string {
    return decodeXmlAttribute(this.text.slice(a.valueStart, a.valueEnd), (_problem, offset) => {
      throw this.error('an attribute value contains an invalid "&" reference', a.valueStart + offset);
    });
  }

  skipSpaces(): boolean {
    const start = this.pos;
    while (isXmlSpace(this.text[this.pos])) this.pos++;
    return this.pos > start;
  }

  private expect(token: string, problem: string): void {
    if (!this.text.startsWith(token, this.pos)) throw this.error(problem);
    this.pos += token.length;
  }

  /** Position only: the text around it may be a secret value. */
  private error(problem: string, at = this.pos): SsoError {
    return malformed(`${problem} (at character ${at + 1})`);
  }
}
