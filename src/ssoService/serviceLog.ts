/**
 * The daemons' log line, the one place where what they log is made safe for a terminal and for
 * tools that read the log line by line: untrusted parts of a message (a peer's error, a name)
 * cannot start a new line, move the cursor or hide text, and no line grows without bound.
 */
import { escapeUnsafeCharacters } from '../protocol/untrustedText';

export const LOG_MESSAGE_MAX_LENGTH = 2000;

/** An unexpected error's type and the code locations of its stack, without its message (it may quote a request or a value). */
export function errorTypeAndPlace(err: unknown): string {
  if (!(err instanceof Error)) return typeof err;
  const frames = (err.stack ?? '')
    .split('\n')
    .filter((l) => /^\s+at /.test(l))
    .slice(0, 3)
    .map((l) => l.trim());
  return [err.name, ...frames].join(' | ');
}

export function serviceLogLine(message: string, at = new Date(), pid = process.pid): string {
  const safe = escapeUnsafeCharacters(message);
  const bounded = safe.length > LOG_MESSAGE_MAX_LENGTH ? `${safe.slice(0, LOG_MESSAGE_MAX_LENGTH)}… (${safe.length - LOG_MESSAGE_MAX_LENGTH} more characters)` : safe;
  return `${at.toISOString()} ssod[${pid}] ${bounded}\n`;
}
