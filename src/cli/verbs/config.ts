/** ssoctl config list|get|set|delete: port configurations and config-store entries. */
import { SsoError } from '../../protocol/errors';
import type { GrepMatch } from '../../protocol/messages';
import { grepPages } from '../../ssoClient/valueSearchPages';
import { type ParsedArgs, UsageError, flag, opt, optInt, positional } from '../args';
import { connect, noteMore, print, readValues, table } from '../context';
import { readPages } from '../../model/pagedList';
import { readText } from '../textInput';
import { escapeUnsafeCharacters } from '../../protocol/untrustedText';
import { newName } from '../newNames';

export const configOptions = {
  reveal: {},
  file: { value: true },
  create: {},
  'expect-timestamp': { value: true },
  'clear-masked': { value: true, repeat: true },
  filter: { value: true },
  limit: { value: true },
  cursor: { value: true },
  regex: {},
  'pattern-stdin': {},
  app: { value: true },
  yes: {},
};

export async function config(args: ParsedArgs): Promise<void> {
  const verb = positional(args, 1, 'config verb (list, get, set, delete, grep)');
  if (verb === 'grep') return grep(args);
  const application = positional(args, 2, 'application name');
  const client = await connect(args);
  try {
    switch (verb) {
      case 'list': {
        // Every configuration unless --limit: an adapter application may have thousands of ports.
        const list = (cursor: string | undefined, limit: number) => client.request('identifiers.list', { application, filter: opt(args, 'filter'), cursor, limit });
        const page = await readPages(list, optInt(args, 'limit') ?? Number.MAX_SAFE_INTEGER, { cursor: opt(args, 'cursor') });
        print(args, page, () => table([['IDENTIFIER', 'TIMESTAMP', 'MODIFIED'], ...page.items.map((i) => [i.identifier, i.timestamp ?? '-', new Date(i.modifiedAt).toISOString()])]));
        noteMore(args, page, 'configurations');
        return;
      }
      case 'get': {
        const doc = await client.request('config.get', { application, identifier: positional(args, 3, 'identifier'), reveal: flag(args, 'reveal') });
        print(args, doc, () =>
          table([
            ['FIELD', 'VALUE'],
            ...Object.entries(doc.fields).map(([k, v]) => [k, doc.masked.includes(k) && !doc.revealed ? '(masked: use --reveal)' : v]),
          ]) + `\n(timestamp ${doc.timestamp})`,
        );
        return;
      }
      case 'set': {
        const given = positional(args, 3, 'identifier');
        // --create makes a new configuration: its name follows the name rule. Others are found as stored.
        const identifier = flag(args, 'create') ? newName(given, 'identifier') : given;
        const fields = readValues(args);
        const expectedTimestamp = await expectedFor(args, () => client.request('config.get', { application, identifier }).then((d) => d.timestamp));
        const row = await client.request('config.set', { application, identifier, fields, expectedTimestamp, clearMasked: args.options.get('clear-masked') });
        print(args, row, () => `Saved ${Object.keys(fields).length} field(s) of "${identifier}" in "${application}" (timestamp ${row.timestamp}).`);
        return;
      }
      case 'delete': {
        const identifier = positional(args, 3, 'identifier');
        // As `app delete`: a deletion cannot be undone, so it is confirmed; the version stays optional.
        if (!flag(args, 'yes')) throw new UsageError(`Deleting "${identifier}" removes every value stored in it. Repeat with --yes to confirm (add --expect-timestamp T to delete only the version you read).`);
        const expectedTimestamp = opt(args, 'expect-timestamp') ?? (await client.request('config.get', { application, identifier })).timestamp;
        await client.request('config.delete', { application, identifier, expectedTimestamp });
        print(args, { deleted: identifier }, () => `Deleted "${identifier}" from "${application}".`);
        return;
      }
      default:
        throw new UsageError(`Unknown config verb "${verb}". Use list, get, set, delete or grep.`);
    }
  } finally {
    client.close();
  }
}

/** --create: must not exist; --expect-timestamp: optimistic concurrency for scripts; else the current one. */
async function expectedFor(args: ParsedArgs, current: () => Promise<string>): Promise<string | null> {
  if (flag(args, 'create')) {
    if (opt(args, 'expect-timestamp')) throw new UsageError('--create and --expect-timestamp exclude each other.');
    return null;
  }
  return opt(args, 'expect-timestamp') ?? current();
}

/**
 * Find by value, like grep: one line per matching field (application, identifier, field, excerpt),
 * printed as pages arrive; exit 0 when something matched, 1 when nothing did, 10 when the search
 * failed (failure.ts). Masked fields are never searched. A pattern the service refuses is a usage
 * error (exit 2). The pattern may be a secret ("where is the old password still used?"): with
 * --pattern-stdin it is read from stdin, out of sight of `ps` and shell history.
 */
async function grep(args: ParsedArgs): Promise<void> {
  const pattern = patternOf(args);
  const client = await connect(args);
  const json = args.options.has('json');
  const all: GrepMatch[] = [];
  let found = 0;
  try {
    for await (const page of grepPages(client, { pattern, regex: flag(args, 'regex'), application: opt(args, 'app'), limit: 1000 })) {
      found += page.matches.length;
      if (json) all.push(...page.matches);
      // Tab-separated for scripts: a stored tab, newline or escape sequence must not forge a column or a line.
      else for (const m of page.matches) process.stdout.write(`${[m.application, m.identifier, m.field, m.excerpt].map(escapeUnsafeCharacters).join('\t')}\n`);
    }
  } catch (err) {
    if (err instanceof SsoError && err.code === 'ENTSSO_E_INVALID_REQUEST') throw new UsageError(err.message);
    throw err;
  } finally {
    client.close();
  }
  if (json) print(args, all, () => '');
  if (found === 0) process.exitCode = 1;
}

/** The first line of stdin with --pattern-stdin (decoded as passwords are), else the word after grep. */
function patternOf(args: ParsedArgs): string {
  if (!flag(args, 'pattern-stdin')) return positional(args, 2, 'pattern (text, or a regular expression with --regex; or --pattern-stdin)');
  if (args.positionals.length > 2) throw new UsageError('Give the pattern either on stdin (--pattern-stdin) or on the command line, not both.');
  if (process.stdin.isTTY) throw new UsageError('--pattern-stdin was given, but stdin is a terminal: pipe the pattern in, or redirect it from a file.');
  const pattern = readText(0, 'The pattern on stdin').split(/\r?\n/)[0] ?? '';
  if (!pattern) throw new UsageError('--pattern-stdin was given, but stdin holds no pattern on its first line.');
  return pattern;
}
