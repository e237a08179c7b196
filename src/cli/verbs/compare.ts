/**
 * ssoctl compare / copy: one application (or configuration) in two environments, each given by its
 * environment folder. Compare prints names and states, never a value; masked fields are compared
 * by keyed hashes computed inside each service. Copy previews first (--dry-run stops there) and
 * writes in one transaction on the target, refused if the target changed since the preview.
 */
import { SsoClient } from '../../ssoClient/client';
import { loadEnvironment, readToken } from '../../ssoService/environment';
import { SsoError } from '../../protocol/errors';
import type { MethodName } from '../../protocol/messages';
import { comparisonLines, compareApplication, fieldStateText, isIdentical, type ApplicationComparison, type MaskedChoice } from '../../model/environmentComparison';
import { copyWrites, newComparisonKey, previewCopy, readSideOfApplication, writeCopy, type CopyPreview, type EnvironmentSide } from '../../model/crossEnvironment';
import { type ParsedArgs, UsageError, flag, opt } from '../args';
import { print, requestTimeoutMs } from '../context';
import { escapeUnsafeCharacters } from '../../protocol/untrustedText';

export const compareOptions = {
  from: { value: true },
  to: { value: true },
  with: { value: true },
  application: { value: true },
  identifier: { value: true, repeat: true },
};

export const copyOptions = { ...compareOptions, 'dry-run': {}, yes: {}, masked: { value: true } };

interface Opened {
  side: EnvironmentSide;
  close(): void;
}

/** An environment folder as one side; its name is the environment's name (else the folder). */
async function openSide(dir: string, timeoutMs: number): Promise<Opened> {
  const env = loadEnvironment(dir);
  const client = new SsoClient({ socketPath: env.config.socketPath, token: readToken(env), clientName: 'ssoctl', requestTimeoutMs: timeoutMs });
  await client.connect();
  const name = env.config.name || dir;
  return {
    side: { name, request: (method, params) => client.request(method, params), serves: (method: MethodName) => client.capabilities === undefined || client.capabilities.includes(method) },
    close: () => client.close(),
  };
}

/** --from (or --dir) and --to (or --with): two environment folders, not the same one. */
function sidesOf(args: ParsedArgs): { from: string; to: string } {
  const from = opt(args, 'from') ?? opt(args, 'dir') ?? process.env.SSO_ENV_DIR;
  const to = opt(args, 'to') ?? opt(args, 'with');
  if (!from || !to) throw new UsageError('Say which two environments: --from <environment folder> --to <environment folder>.');
  return { from, to };
}

function targetOf(args: ParsedArgs): { application: string; identifiers: string[] | undefined } {
  const application = optionalApplication(args);
  if (!application) throw new UsageError('Say which application: --application NAME (or ssoctl copy NAME [IDENTIFIER]...).');
  const identifiers = [...(args.options.get('identifier') ?? []), ...args.positionals.slice(2)];
  return { application, identifiers: identifiers.length > 0 ? identifiers : undefined };
}

function optionalApplication(args: ParsedArgs): string | undefined {
  return opt(args, 'application') ?? args.positionals[1];
}

/** Most applications `ssoctl compare` without --application compares (each side listed in full). */
const COMPARE_MAX_APPLICATIONS = 2000;

async function applicationNames(side: EnvironmentSide): Promise<string[]> {
  const names: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await side.request('apps.list', { cursor, limit: 1000 });
    names.push(...page.items.map((a) => a.name));
    if (names.length > COMPARE_MAX_APPLICATIONS) throw new UsageError(`${side.name} has more than ${COMPARE_MAX_APPLICATIONS} applications: compare them one at a time with --application.`);
    cursor = page.nextCursor;
  } while (cursor !== undefined);
  return names;
}

/** Every application of either side, each once (names compare case-insensitively), in name order. */
async function everyApplication(left: EnvironmentSide, right: EnvironmentSide): Promise<string[]> {
  const byKey = new Map<string, string>();
  for (const name of [...(await applicationNames(left)), ...(await applicationNames(right))]) if (!byKey.has(name.toLowerCase())) byKey.set(name.toLowerCase(), name);
  return [...byKey.values()].sort((a, b) => a.toLowerCase().localeCompare(b.toLowerCase()));
}

async function withSides<T>(args: ParsedArgs, run: (left: EnvironmentSide, right: EnvironmentSide) => Promise<T>): Promise<T> {
  const { from, to } = sidesOf(args);
  const timeoutMs = requestTimeoutMs(args);
  const left = await openSide(from, timeoutMs);
  try {
    const right = await openSide(to, timeoutMs);
    try {
      if (left.side.name.toLowerCase() === right.side.name.toLowerCase()) left.side.name = `${left.side.name} (${from})`;
      return await run(left.side, right.side);
    } finally {
      right.close();
    }
  } finally {
    left.close();
  }
}

/** Exit code 0: no difference; 1: differences (as diff does); 10: the comparison failed (failure.ts). Without an application: every application, the identical ones counted. */
export async function compare(args: ParsedArgs): Promise<void> {
  const one = optionalApplication(args);
  const identifiers = one ? targetOf(args).identifiers : undefined;
  await withSides(args, async (left, right) => {
    const key = newComparisonKey();
    try {
      const comparisons: ApplicationComparison[] = [];
      for (const application of one ? [one] : await everyApplication(left, right)) {
        const l = await readSideOfApplication(left, application, key, identifiers);
        const r = await readSideOfApplication(right, application, key, identifiers);
        if (!l && !r) throw new SsoError('ENTSSO_E_APPLICATION_NOT_FOUND', `There is no application "${application}" in ${left.name} or in ${right.name}. Check the name ("ssoctl app list").`);
        comparisons.push(compareApplication(l?.detail.name ?? r?.detail.name ?? application, l, r));
      }
      const differing = comparisons.filter((c) => !isIdentical(c));
      // Names come from the environments (and their files): each line escaped for the terminal.
      const text = () => {
        if (one) return comparisonLines(comparisons[0]!, left.name, right.name).map(escapeUnsafeCharacters).join('\n');
        const lines = differing.flatMap((c) => comparisonLines(c, left.name, right.name));
        return [...lines, `${comparisons.length - differing.length} of ${comparisons.length} application(s) identical in ${left.name} and ${right.name}.`].map(escapeUnsafeCharacters).join('\n');
      };
      print(args, one ? { left: left.name, right: right.name, ...comparisons[0] } : { left: left.name, right: right.name, applications: comparisons }, text);
      if (differing.length > 0) process.exitCode = 1;
    } finally {
      key.fill(0);
    }
  });
}

export async function copy(args: ParsedArgs): Promise<void> {
  const { application, identifiers } = targetOf(args);
  const masked = opt(args, 'masked') ?? 'keep';
  if (masked !== 'keep' && masked !== 'copy') throw new UsageError('--masked must be "keep" (the target keeps its masked values) or "copy" (the source\'s are revealed there, audited, and written).');
  const dryRun = flag(args, 'dry-run');
  if (!dryRun && !flag(args, 'yes')) throw new UsageError('Copy writes to the target environment: run it with --dry-run first, then again with --yes.');
  await withSides(args, async (source, target) => {
    const key = newComparisonKey();
    let preview: CopyPreview;
    try {
      preview = await previewCopy(source, target, application, identifiers, key);
    } finally {
      key.fill(0);
    }
    const changes = preview.items.filter((i) => i.action !== 'unchanged');
    if (dryRun || changes.length === 0) {
      print(args, { dryRun, ...summaryOf(preview) }, () => previewLines(preview, masked).map(escapeUnsafeCharacters).join('\n'));
      return;
    }
    const writes = await copyWrites(source, preview, () => masked as MaskedChoice);
    try {
      const written = await writeCopy(target, preview.application, preview.targetFieldsVersion, writes, source.name);
      print(args, { written }, () => `Copied ${written.length} configuration(s) of "${preview.application}" from ${source.name} to ${target.name} in one transaction.`);
    } catch (err) {
      if (err instanceof SsoError && err.code === 'ENTSSO_E_CONFLICT') throw new SsoError('ENTSSO_E_CONFLICT', `${err.message.replace(/ compare again and review the new preview\.$/, '')} Run the copy with --dry-run again.`);
      throw err;
    } finally {
      for (const w of writes) for (const k of Object.keys(w.fields)) w.fields[k] = '';
    }
  });
}

function summaryOf(preview: CopyPreview) {
  return {
    application: preview.application,
    source: preview.source,
    target: preview.target,
    items: preview.items.map((i) => ({ identifier: i.identifier, action: i.action, fields: i.fields.map((f) => ({ label: f.label, masked: f.masked, state: f.state })) })),
  };
}

function previewLines(preview: CopyPreview, masked: string): string[] {
  const lines = [`Copy "${preview.application}" from ${preview.source} to ${preview.target} (masked fields: ${masked === 'copy' ? "copy the source's" : "keep the target's"}):`];
  for (const item of preview.items) {
    if (item.action === 'unchanged') {
      lines.push(`  unchanged  ${item.identifier}`);
      continue;
    }
    lines.push(`  ${item.action.padEnd(9)}  ${item.identifier}: ${item.fields.map((f) => `${f.label} (${fieldStateText(f)})`).join(', ')}`);
  }
  const changes = preview.items.filter((i) => i.action !== 'unchanged').length;
  lines.push(changes === 0 ? '  Nothing to copy: the target already holds the same values.' : `  ${changes} configuration(s) would be written to ${preview.target} in one transaction.`);
  return lines;
}
