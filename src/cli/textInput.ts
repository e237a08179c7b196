/**
 * Text ssoctl reads from stdin or a file (passwords, values, search text) as Windows tools write
 * it: UTF-8 with or without a byte order mark, or UTF-16 with one (the default of `>` and Out-File
 * in Windows PowerShell 5.1). The mark is never part of the text: a password that kept it, or
 * UTF-16 read as UTF-8, could never be typed at a prompt later.
 */
import { readFileSync } from 'node:fs';
import { UsageError } from './args';

/** Whether the bytes start with a UTF-8 or UTF-16 byte order mark. */
export function hasByteOrderMark(bytes: Buffer): boolean {
  return (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) || (bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff);
}

/** Decodes by the byte order mark (UTF-8 without one), dropping the mark; refuses bytes that are not such text. */
export function decodeText(bytes: Buffer, what: string): string {
  const encoding = bytes[0] === 0xff && bytes[1] === 0xfe ? 'utf-16le' : bytes[0] === 0xfe && bytes[1] === 0xff ? 'utf-16be' : 'utf-8';
  try {
    // TextDecoder drops one leading byte order mark of its encoding (ignoreBOM: false).
    return new TextDecoder(encoding, { fatal: true }).decode(bytes);
  } catch {
    throw new UsageError(`${what} is not UTF-8 text (nor UTF-16 with a byte order mark). Save it as UTF-8 and try again.`);
  }
}

/** stdin (`-`) or a file, decoded as above. */
export function readText(file: string | 0, what: string): string {
  return decodeText(readFileSync(file === '-' ? 0 : file), what);
}
