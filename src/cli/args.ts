/**
 * A small, strict argument parser for ssoctl: positional words, `--flag`, `--name value`,
 * repeatable options. Unknown options are a usage error, never ignored.
 */
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

export function parseArgs(argv: string[], spec: Record<string, OptionSpec>): ParsedArgs {
  const positionals: string[] = [];
  const options = new Map<string, string[]>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (!arg.startsWith('--') || arg === '--') {
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq === -1 ? undefined : eq);
    const s = spec[name];
    if (!s) throw new UsageError(`Unknown option --${name}.`);
    let value = 'true';
    if (s.value) {
      const next = eq !== -1 ? arg.slice(eq + 1) : argv[++i];
      if (next === undefined) throw new UsageError(`--${name} needs a value.`);
      value = next;
    } else if (eq !== -1) throw new UsageError(`--${name} takes no value.`);
    const list = options.get(name) ?? [];
    if (list.length > 0 && !s.repeat) throw new UsageError(`--${name} is given twice.`);
    list.push(value);
    options.set(name, list);
  }
  return { positionals, options };
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
