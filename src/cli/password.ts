/**
 * Passwords for ssoctl: from the first line of stdin (--password-stdin, for automation) or
 * typed at a hidden prompt. Never from the command line, where `ps` and shell history see it.
 */
import { readFileSync } from 'node:fs';
import { SsoError } from '../protocol/errors';
import { type ParsedArgs, UsageError, flag } from './args';
import { decodeText, hasByteOrderMark } from './textInput';

/** No prompt can type these: in a password read from stdin they mean the file was not read as the text it is. */
// eslint-disable-next-line no-control-regex -- control characters are what is looked for
const UNTYPABLE = /[\u0000-\u001f\u007f\ufffd]/;

/** Set when the password came from a stdin with a byte order mark: see markedPasswordHint. */
let passwordHadByteOrderMark = false;

export async function readPassword(args: ParsedArgs, prompt: string, confirm: boolean): Promise<string> {
  if (flag(args, 'password-stdin')) {
    if (process.stdin.isTTY) throw new UsageError('--password-stdin was given, but stdin is a terminal: leave out --password-stdin to be asked (nothing is echoed).');
    const bytes = readFileSync(0);
    passwordHadByteOrderMark = hasByteOrderMark(bytes);
    const line = decodeText(bytes, 'The password on stdin').split(/\r?\n/)[0] ?? '';
    if (!line) throw new UsageError('--password-stdin was given, but stdin holds no password on its first line.');
    if (UNTYPABLE.test(line)) throw new UsageError('The password on stdin holds a control character that no prompt can type: the password file is probably not UTF-8/ASCII text. Save it as UTF-8 (or pipe the password itself).');
    return line;
  }
  if (!process.stdin.isTTY) throw new UsageError('No terminal to ask the password at: pass it on the first line of stdin with --password-stdin.');
  const password = await hiddenPrompt(`${prompt}: `);
  if (confirm && (await hiddenPrompt('Confirm the password: ')) !== password) throw new UsageError('The two passwords differ. Nothing was changed.');
  return password;
}

/**
 * ssoctl before 2026-12 kept a password file's byte order mark in the password: a backup or export
 * made then from this file does not open with the decoded password. Says so instead of only "wrong password".
 */
export function markedPasswordHint(err: unknown): unknown {
  if (!passwordHadByteOrderMark || !(err instanceof SsoError) || err.code !== 'ENTSSO_E_BAD_PASSWORD') return err;
  return new SsoError(err.code, `${err.message} (The password file starts with a byte order mark: an earlier ssoctl kept it in the password of the files it wrote. Make such a file again.)`, err.details);
}

const CTRL_C = '\u0003';
const CTRL_D = '\u0004';
const ESCAPE = '\u001b';
const ERASE = new Set(['\u007f', '\b']);
/** A cursor key or function key: ESC [ ... final byte, or ESC O x. Never part of a password. */
// eslint-disable-next-line no-control-regex -- an escape sequence starts with the ESC control character
const ESCAPE_SEQUENCE = /^\u001b(?:\[[0-9;?]*[@-~]|O.|.)?/;

/**
 * Reads one line from the terminal in raw mode, so that nothing typed is echoed: Enter ends it,
 * Backspace erases the last character, Ctrl+C interrupts the command as it would anywhere else,
 * Ctrl+D on an empty line gives up. Uses only the terminal's public raw mode (not readline's
 * private output hook), and always leaves the terminal as it found it.
 */
function hiddenPrompt(question: string): Promise<string> {
  const input = process.stdin;
  return new Promise((resolve, reject) => {
    const typed: string[] = [];
    const wasRaw = input.isRaw;
    const finish = (then: () => void) => {
      input.off('data', onData);
      input.setRawMode(wasRaw);
      input.pause();
      process.stderr.write('\n');
      then();
    };
    const onData = (chunk: string) => {
      for (let rest = chunk; rest.length > 0; ) {
        const key = rest.startsWith(ESCAPE) ? (ESCAPE_SEQUENCE.exec(rest)?.[0] ?? ESCAPE) : String.fromCodePoint(rest.codePointAt(0) as number);
        rest = rest.slice(key.length);
        if (key === '\r' || key === '\n') return finish(() => resolve(typed.join('')));
        if (key === CTRL_C) return finish(() => process.kill(process.pid, 'SIGINT'));
        if (key === CTRL_D && typed.length === 0) return finish(() => reject(new UsageError('No password was typed (Ctrl+D). Nothing was changed.')));
        if (ERASE.has(key)) typed.pop();
        else if (!key.startsWith(ESCAPE) && key >= ' ') typed.push(key);
      }
    };
    // Echo off before the prompt shows: whatever is typed as soon as it appears is never echoed.
    input.setRawMode(true);
    process.stderr.write(question);
    input.setEncoding('utf8');
    input.on('data', onData);
    input.resume();
  });
}
