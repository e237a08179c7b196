/**
 * ssoctl's arguments, parsed by Node's `util.parseArgs` (strict): positional words, `--flag`,
 * `--name value` or `--name=value`, repeatable options, and `--` after which every word is
 * positional (a name that starts with a dash). Unknown options are a usage error, never ignored.
 */
import { parseArgs as parseNodeArgs } from 'node:util';

export class UsageError extends Error {}

export interface OptionSpec {
  /** Takes a value (`--name value`); otherwise a boolean flag. */
  value?: boolean;
  repeat?: boolean;
}

export interface ParsedArgs {
  positionals: string[];
  options: Map<string, string[]>;
}

type NodeOptions = Record<string, { type: 'string' | 'boolean'; multiple: true }>;

export function parseArgs(argv: string[], spec: Record<string, OptionSpec>): ParsedArgs {
  const parsed = parseStrictly(argv, nodeOptionsFor(spec));
  const options = new Map<string, string[]>();
  for (const [name, given] of Object.entries(parsed.values)) {
    const values = (given as (string | boolean)[]).map((v) => (typeof v === 'string' ? v : 'true'));
    // util.parseArgs keeps the last of a repeated option; a repeated single option is a mistake here.
    if (values.length > 1 && !spec[name]?.repeat) throw new UsageError(`--${name} is given twice.`);
    options.set(name, values);
  }
  return { positionals: parsed.positionals, options };
}

/** Every option is collected as a list, so that one given twice can be refused instead of overwritten. */
function nodeOptionsFor(spec: Record<string, OptionSpec>): NodeOptions {
  const options: NodeOptions = {};
  for (const [name, s] of Object.entries(spec)) options[name] = { type: s.value ? 'string' : 'boolean', multiple: true };
  return options;
}

function parseStrictly(argv: string[], options: NodeOptions): { values: Record<string, unknown>; positionals: string[] } {
  try {
    return parseNodeArgs({ args: argv, options, strict: true, allowPositionals: true });
  } catch (err) {
    // Node's parse errors (ERR_PARSE_ARGS_*) name the option and say how to write it: usage errors.
    if (isParseArgsError(err)) throw new UsageError(err.message);
    throw err;
  }
}

function isParseArgsError(err: unknown): err is TypeError {
  const code = (err as { code?: unknown } | null)?.code;
  return err instanceof TypeError && typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS_');
}

export function opt(args: ParsedArgs, name: string): string | undefined {
  return args.options.get(name)?.[0];
}

export function flag(args: ParsedArgs, name: string): boolean {
  return args.options.has(name);
}

export function optInt(args: ParsedArgs, name: string): number | undefined {
  const v = opt(args, name);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new UsageError(`--${name} must be a whole number.`);
  return n;
}

export function optNumber(args: ParsedArgs, name: string): number | undefined {
  const v = opt(args, name);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n) || n < 0) throw new UsageError(`--${name} must be a number (decimals allowed).`);
  return n;
}

export function positional(args: ParsedArgs, index: number, what: string): string {
  const v = args.positionals[index];
  if (v === undefined) throw new UsageError(`Missing ${what}.`);
  return v;
}
