/**
 * ssoctl: the command line of the SSO system, for automation. Every verb except init and
 * serve is a client of the local SSO service. Exit codes: USAGE (end) and failure.ts.
 */
import { escapeUnsafeCharacters } from '../protocol/untrustedText';
import { type OptionSpec, UsageError, flag, parseArgs } from './args';
import { COMMON_OPTIONS } from './context';
import { answersWithOne, failureOf } from './failure';
import { app, appOptions } from './verbs/app';
import { config, configOptions } from './verbs/config';
import { history, historyOptions } from './verbs/history';
import { compare, compareOptions, copy, copyOptions } from './verbs/compare';
import { init, initOptions, serve, serveOptions } from './verbs/environment';
import { mss } from './verbs/mss';
import { secret, secretOptions } from './verbs/secret';
import { SSODB_USAGE, ssodb } from './ssodbOptions';
import { seed, seedOptions } from './verbs/seed';
import { audit, auditOptions, health, status } from './verbs/status';
import { token } from './verbs/token';

const USAGE = `Usage: ssoctl <command> [options]   (--dir <environment folder> or SSO_ENV_DIR)

  init      [--name N] [--mss-port P|0] [--mss-host H] [--sync-interval S] [--socket PATH]
            (SSODB: an embedded SQLite file, or SQL Server with --ssodb, see below)
  serve     [--mss] [--service] [--reencrypt-batch N]   run the master secret server and/or the SSO service
            [--mss-port P --vault-dir D] another MSS node; [--socket PATH] another service; [--lease-ttl-ms N]
            [--audit-max-rows N] [--audit-max-age-days D]   audit retention (default 100000 rows, 365 days)
  status | health                          state of the service and the master secret server
            status exits 4 with no master secret, 9 when SSODB cannot be reached; health 1 on an error
  app list [--filter F] | show NAME | create NAME --field F[:masked]... [--kind configStore|adapter|affiliate]
      | delete NAME --yes | enable NAME | disable NAME
      | add-field NAME --field F[:masked]...   add fields, keeping every stored value
      | remove-field NAME --field F... --yes   remove fields and purge their values everywhere
      | export NAME... --file F [--format entsso|sso] [--reminder R] [--with-history] [--force]
            --with-history: each configuration's kept versions too (entsso); an import restores them
            entsso: encrypted export of definitions and every value; sso: the snap-in's weakly
            protected .sso file, one application (its ConfigProperties values). The format defaults
            to sso for a file named *.sso, else entsso (for import too)
      | import --file F [--format entsso|sso] [--name APP] [--mode add|update|mirror] [--dry-run] [--yes]
            plans first and prints the plan (by field name); applies it atomically after --yes or a
            "y" at the prompt. add: only what is missing; update: also changes values; mirror: also
            removes what the file lacks. A .sso file's application is --name, else the file name.
            (export/import password: prompt, twice for export, or --password-stdin)
  config list APP [--limit N] [--cursor C] | get APP ID [--reveal] | set APP ID [--file F|stdin JSON] [--create|--expect-timestamp T]
      | delete APP ID --yes [--expect-timestamp T] | grep PATTERN|--pattern-stdin [--regex] [--app A]   find by value (masked fields never searched;
            exit 0 found, 1 none); text ignores case; --regex is case-sensitive, no backreferences/lookarounds;
            a PATTERN on the command line is seen by ps and kept in shell history: for a secret use --pattern-stdin
  history APP ID [--version N [--reveal]]  earlier versions of a configuration (each save keeps the one it
            replaces): when, by whom, which fields changed; one version's values (masked unless --reveal, audited)
  compare --from DIR --to DIR [--application APP [--identifier ID]...]   applications in two environments
            (folders; also: compare APP [ID] --dir A --with B): definitions, configurations on one side only,
            fields that differ; masked fields by keyed hashes inside each service, never a value. Exit 0 same, 1 differs
  copy --from DIR --to DIR --application APP [--identifier ID]... (--dry-run | --yes) [--masked keep|copy]
            preview, then write in one transaction on the target, refused if it changed since the preview;
            --masked copy reveals the source's masked values (audited there) and writes them (default: keep)
  audit [--limit N] [--text T] [--operation OP] [--user U] [--outcome ok|refused|failed] [--since ISO] [--until ISO]
            newest first; a filtered page looks at 20,000 rows at most (fewer lines than --limit then)
  secret info | backup --file F [--reminder R] | inspect --file F | verify --file F
      | restore --file F [--allow-foreign] | generate --file F [--reminder R]   (password: prompt or --password-stdin)
            verify and backup exit 1 when the file does not hold the live secret
  mss list | promote NODE | demote NODE     master secret server nodes (high availability)
  seed [--ports N]                         fill the environment with realistic BizTalk sample data
${SSODB_USAGE}
  token rotate                             a new access token at once: the running service writes it to
            <dir>/access-token (0600), closes every session opened with the old one and audits it;
            with no service running (--dir), the token file is rewritten and used from the next start

Common options: --json (machine-readable output), --socket PATH --token-file F (instead of --dir), --timeout S (120).
Values and passwords are never read from the command line: use stdin, a file or a prompt. Stdin and files:
UTF-8, or UTF-16 with a byte order mark (Windows PowerShell 5.1 pipes ASCII unless $OutputEncoding is UTF-8).
Exit codes: 0 ok, 1 failed, 2 usage, 3 conflict, 4 no secret or re-encrypting, 5 no service, 6 already running,
7 environment exists, 8 wrong environment, 9 SSODB unreachable, 10 failed where 1 is an answer (grep, compare,
secret verify/backup, health), 11 timed out: the change may have been made, check before repeating it.`;

type Verb = { run: (args: ReturnType<typeof parseArgs>) => Promise<void>; options: Record<string, OptionSpec> };

const VERBS: Record<string, Verb> = {
  init: { run: init, options: initOptions },
  serve: { run: serve, options: serveOptions },
  status: { run: status, options: {} },
  health: { run: health, options: {} },
  audit: { run: audit, options: auditOptions },
  app: { run: app, options: appOptions },
  config: { run: config, options: configOptions },
  history: { run: history, options: historyOptions },
  compare: { run: compare, options: compareOptions },
  copy: { run: copy, options: copyOptions },
  seed: { run: seed, options: seedOptions },
  secret: { run: secret, options: secretOptions },
  mss: { run: mss, options: {} },
  ssodb: { run: ssodb, options: { 'password-stdin': {} } },
  token: { run: token, options: {} },
};

/** The lines of USAGE about one verb: its entries (`  app …`, `  status | health …`) and their continuation lines. */
function usageOf(verb: string): string {
  const lines: string[] = [];
  let inVerb = false;
  for (const line of USAGE.split('\n')) {
    const entry = /^ {2}(\S[^[]*?)(?: {2,}|\s*\[|$| \.\.\.| [A-Z-])/.exec(line);
    if (entry) inVerb = (entry[1] as string).split(/\s*\|\s*|\s+/).includes(verb);
    else if (!/^ {3,}/.test(line)) inVerb = false;
    if (inVerb) lines.push(line);
  }
  return `Usage: ssoctl ${verb} [options]   (--dir <environment folder> or SSO_ENV_DIR)\n\n${lines.join('\n')}\n\nCommon options: --json, --socket PATH --token-file F (instead of --dir), --timeout S. "ssoctl --help" lists every command.\n${USAGE.slice(USAGE.indexOf('Exit codes:'))}`;
}

/** Set once the command is known: where 1 is an answer, a failure exits 10 (failure.ts). */
let oneIsAnAnswer = false;

async function main(argv: string[]): Promise<number> {
  const name = argv[0];
  if (!name || name === '--help' || name === 'help' || name === '-h') {
    process.stdout.write(USAGE + '\n');
    return name ? 0 : 2;
  }
  const verb = VERBS[name];
  if (!verb) throw new UsageError(`Unknown command "${name}".`);
  const args = parseArgs(argv, { ...COMMON_OPTIONS, help: {}, ...verb.options });
  oneIsAnAnswer = answersWithOne(args.positionals);
  if (flag(args, 'help')) {
    process.stdout.write(usageOf(name) + '\n');
    return 0;
  }
  await verb.run(args);
  return typeof process.exitCode === 'number' ? process.exitCode : 0;
}

/** An error's text may quote a file, a peer or SSODB: escaped, so that it cannot rewrite the terminal or forge a line. */
function printError(text: string): void {
  process.stderr.write(`ssoctl: ${escapeUnsafeCharacters(text)}\n`);
}

/**
 * Exits once stdout and stderr have taken everything written: a pipe takes 64 KiB at a time, and
 * process.exit() drops the rest (a --json document cut short, with exit code 0).
 */
async function exitAfterOutput(code: number): Promise<never> {
  await Promise.all([process.stdout, process.stderr].map((stream) => new Promise<void>((resolve) => stream.write('', () => resolve()))));
  process.exit(code);
}

// A reader that stopped reading (`| head`): end as a program ended by SIGPIPE does (128 + 13), without a stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
    process.exit(141);
  });
}

main(process.argv.slice(2)).then(
  (code) => exitAfterOutput(code),
  (err: unknown) => {
    const failure = failureOf(err, oneIsAnAnswer);
    printError(failure.text);
    if (err instanceof UsageError) process.stderr.write('Run "ssoctl --help" for usage.\n');
    return exitAfterOutput(failure.code);
  },
);
