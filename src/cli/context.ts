/**
 * What every ssoctl verb shares: where the environment is, how to reach its service, how to
 * print (text or --json), and how to read values without them appearing on the command line.
 */
import { readFileSync } from 'node:fs';
import { escapeUnsafeCharacters } from '../protocol/untrustedText';
import type { Page } from '../protocol/messages';
import { SsoClient } from '../ssoClient/client';
import { loadEnvironment, readToken } from '../ssoService/environment';
import { type ParsedArgs, UsageError, opt, optNumber } from './args';
import { readText } from './textInput';

export const COMMON_OPTIONS = {
  dir: { value: true },
  socket: { value: true },
  'token-file': { value: true },
  json: {},
  timeout: { value: true },
} as const;

/** --timeout S: how long one request may take (a change on a slow SSODB may take longer than the default). */
export function requestTimeoutMs(args: ParsedArgs): number {
  const seconds = optNumber(args, 'timeout');
  // Above a day a timer overflows (it would fire at once).
  if (seconds === 0 || (seconds ?? 0) > 86_400) throw new UsageError('--timeout must be more than 0 and at most 86400 seconds.');
  return Math.round((seconds ?? 120) * 1000);
}

export function environmentDir(args: ParsedArgs): string {
  const dir = opt(args, 'dir') ?? process.env.SSO_ENV_DIR;
  if (!dir) throw new UsageError('Say which SSO environment: --dir <folder> (or set SSO_ENV_DIR).');
  return dir;
}

/** Connects to the environment's service: --socket/--token-file, or the environment folder. */
export async function connect(args: ParsedArgs): Promise<SsoClient> {
  let socketPath = opt(args, 'socket');
  let token: string;
  const tokenFile = opt(args, 'token-file');
  if (socketPath && tokenFile) {
    token = readFileSync(tokenFile, 'utf8').trim();
  } else {
    const env = loadEnvironment(environmentDir(args));
    socketPath ??= env.config.socketPath;
    token = tokenFile ? readFileSync(tokenFile, 'utf8').trim() : readToken(env);
  }
  const client = new SsoClient({ socketPath, token, clientName: 'ssoctl', requestTimeoutMs: requestTimeoutMs(args) });
  await client.connect();
  return client;
}

export function print(args: ParsedArgs, data: unknown, text: () => string): void {
  process.stdout.write(args.options.has('json') ? JSON.stringify(data, null, 2) + '\n' : text() + '\n');
}

/** In text mode, says on stderr that --limit left items out (JSON has nextCursor). */
export function noteMore(args: ParsedArgs, page: Page<unknown>, what: string): void {
  if (page.nextCursor && !args.options.has('json')) process.stderr.write(`note: the first ${page.items.length} ${what} only; more follow (raise --limit, or go on with --cursor ${page.nextCursor}).\n`);
}

/** Reads a JSON object of values from --file, or from stdin when it is not a terminal. */
export function readValues(args: ParsedArgs): Record<string, string> {
  const file = opt(args, 'file');
  let text: string;
  if (file) text = readText(file, 'The values file');
  else if (!process.stdin.isTTY) text = readText(0, 'The values on stdin');
  else throw new UsageError('Give the values as a JSON object on stdin or with --file <file> (never on the command line).');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new UsageError('The values are not valid JSON: expected an object of field name to string value.');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new UsageError('The values must be a JSON object of field name to string value.');
  for (const [k, v] of Object.entries(parsed)) if (typeof v !== 'string') throw new UsageError(`The value of "${k}" must be a string.`);
  return parsed as Record<string, string>;
}

/** Stored text (values, names, descriptions) escaped in each cell: it cannot rewrite the terminal or forge a row. */
export function table(unsafeRows: string[][]): string {
  if (unsafeRows.length === 0) return '';
  const rows = unsafeRows.map((r) => r.map(escapeUnsafeCharacters));
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  return rows.map((r) => r.map((cell, c) => cell.padEnd(widths[c]!)).join('  ').trimEnd()).join('\n');
}
