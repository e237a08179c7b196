/**
 * ssoctl app add-field|remove-field|export|import: the application lifecycle over the same
 * service operations as the extension (apps.addField, apps.removeField, apps.export,
 * apps.planImport + apps.import). Files are read and written here, by the caller; passwords come
 * from a hidden prompt (twice when a file is written) or the first line of stdin.
 */
import { basename, extname } from 'node:path';
import * as readline from 'node:readline';
import type { SsoClient } from '../../ssoClient/client';
import type { CreatedApplicationDefinition, FieldDefinition, ImportMode, ImportPlan, TransferFormat } from '../../protocol/messages';
import { type ParsedArgs, UsageError, flag, opt, positional } from '../args';
import { print } from '../context';
import { readInputFileBase64 } from '../inputFile';
import { checkOutputFile, writeOutputFile } from '../privateFile';
import { readPassword } from '../password';
import { normaliseName } from '../../protocol/names';
import { newName } from '../newNames';

export const appTransferOptions = {
  file: { value: true },
  reminder: { value: true },
  format: { value: true },
  name: { value: true },
  mode: { value: true },
  'dry-run': {},
  'password-stdin': {},
  force: {},
  'with-history': {},
};

export async function addField(client: SsoClient, args: ParsedArgs): Promise<void> {
  const name = positional(args, 2, 'application name');
  const a = await client.request('apps.addField', { name, fields: parseFieldSpecs(args.options.get('field') ?? []) });
  print(args, a, () => `Application "${a.name}" now has fields ${a.fields.map((f) => f.label + (f.masked ? ' (masked)' : '')).join(', ')}. Every stored value was kept.`);
}

export async function removeField(client: SsoClient, args: ParsedArgs): Promise<void> {
  const name = positional(args, 2, 'application name');
  const fields = args.options.get('field') ?? [];
  if (fields.length === 0) throw new UsageError('Say which field to remove: --field <name> (repeatable).');
  if (!flag(args, 'yes')) {
    throw new UsageError(`Removing ${fields.map((f) => `"${f}"`).join(', ')} from "${name}" deletes its value from every stored configuration. Repeat with --yes to confirm.`);
  }
  const a = await client.request('apps.removeField', { name, fields });
  print(args, a, () => `Removed ${fields.map((f) => `"${f}"`).join(', ')} from "${a.name}" and purged their values; its fields are now ${a.fields.map((f) => f.label).join(', ')}.`);
}

export async function exportApplications(client: SsoClient, args: ParsedArgs): Promise<void> {
  const names = args.positionals.slice(2);
  if (names.length === 0) throw new UsageError('Say which applications to export: ssoctl app export NAME... --file F.');
  const file = opt(args, 'file');
  if (!file) throw new UsageError('Say where to write the export: --file <path>.');
  checkOutputFile(file, flag(args, 'force'));
  const format = transferFormat(args, file);
  if (format === 'sso' && names.length !== 1) throw new UsageError('A .sso file holds one application: export one application per .sso file.');
  if (format === 'sso' && opt(args, 'reminder') !== undefined) throw new UsageError('A .sso file has no room for a password reminder; --reminder is for the entsso format.');
  const withHistory = flag(args, 'with-history');
  if (withHistory && format === 'sso') throw new UsageError('A .sso file holds no history: export --with-history in the entsso format.');
  const password = await readPassword(args, 'Export password', true);
  const r = await client.request('apps.export', { names, format, password, reminder: opt(args, 'reminder'), ...(withHistory ? { withHistory } : {}) });
  await writeOutputFile(file, Buffer.from(r.file, 'base64'));
  const warnings = [...r.warnings];
  if (format === 'sso' && basename(file, extname(file)) !== r.applications[0]) {
    warnings.push(`The snap-in takes the application name from the file name ("${basename(file, extname(file))}"); import this file with --name "${r.applications[0]}".`);
  }
  for (const w of warnings) if (!flag(args, 'json')) process.stderr.write(`warning: ${w}\n`);
  print(args, { file, format, applications: r.applications, warnings }, () =>
    `Exported ${r.applications.map((a) => `"${a}"`).join(', ')}${withHistory ? ' with their history' : ''} to ${file} (${format}).` +
      (format === 'entsso' ? ' The reminder is stored readable in the file; keep the file and its password apart.' : ''),
  );
}

export async function importApplications(client: SsoClient, args: ParsedArgs): Promise<void> {
  const file = opt(args, 'file');
  if (!file) throw new UsageError('Say which file to import: --file <path>.');
  // In JSON mode the plan is printed only with the result: a prompt would ask to apply an unseen plan.
  if (flag(args, 'json') && !flag(args, 'yes') && !flag(args, 'dry-run')) throw new UsageError('--json needs --dry-run (print the plan) or --yes (apply it): review the plan with --dry-run first.');
  const format = transferFormat(args, file);
  let name = opt(args, 'name');
  // macOS writes file names in NFD; application names are stored in NFC.
  if (format === 'sso') name ??= normaliseName(basename(file, extname(file)));
  else if (name !== undefined) throw new UsageError('--name is for .sso files only: an entsso export names its applications.');
  const mode = importMode(opt(args, 'mode') ?? 'add');
  const bytes = readInputFileBase64(file, 'an application export');
  if (format === 'entsso') {
    // As for backups: the reminder comes before the password prompt.
    const info = await client.request('apps.inspectExport', { file: bytes });
    // On stderr, also with --json: it is not part of the JSON document, and comes before the prompt.
    process.stderr.write(`Password reminder: ${info.reminder || '(none)'}\n`);
    if (info.foreignEnvironment) process.stderr.write(`This export comes from another SSO environment (${info.environment}), made ${info.created}.\n`);
  }
  const password = await readPassword(args, format === 'sso' ? '.sso file password' : 'Export password', false);
  const source = { file: bytes, format, password, name, mode };
  const plan = await client.request('apps.planImport', source);
  const dryRun = flag(args, 'dry-run');
  if (dryRun || !flag(args, 'json')) print(args, plan, () => describePlan(plan));
  if (dryRun) return;
  if (!plan.hasChanges) {
    print(args, { plan, result: null }, () => 'Nothing to import: the SSO database already holds everything in the file (for this mode).');
    return;
  }
  if (!flag(args, 'yes') && !(await confirm('Apply this import? [y/N] '))) {
    throw new UsageError('Nothing was imported. Review the plan, then repeat with --yes to apply it (or --dry-run to only print it).');
  }
  const result = await client.request('apps.import', { ...source, expected: plan.expected });
  print(args, { plan, result }, () =>
    result.applications
      .map((a) => `${a.application}: ${a.action === 'create' ? 'created' : a.action === 'update' ? 'updated' : 'unchanged'}; configurations created ${a.identifiersCreated}, updated ${a.identifiersUpdated}, deleted ${a.identifiersDeleted}`)
      .join('\n') + '\nImported, in one transaction. Host instances see the new values when their SSO cache expires (or after a restart).',
  );
}

/** The plan for people: per application and identifier, what changes, by field name. */
export function describePlan(plan: ImportPlan): string {
  const lines = [`Import plan (${plan.format} file, mode ${plan.mode}):`];
  for (const app of plan.applications) {
    lines.push(`  ${app.application} (${app.kind}): ${app.action === 'create' ? 'CREATE' : app.action === 'update' ? 'UPDATE' : 'unchanged'}`);
    if (app.definition) lines.push(`    ${definitionLine(app.definition)}`);
    if (app.fieldsAdded.length > 0) lines.push(`    fields added:   ${app.fieldsAdded.map((f) => f.label + (f.masked ? ' (masked)' : '')).join(', ')}`);
    if (app.fieldsRemoved.length > 0) lines.push(`    fields removed: ${app.fieldsRemoved.join(', ')} (their values are purged)`);
    for (const id of app.identifiers) {
      const parts = [
        id.created.length > 0 ? `new: ${id.created.join(', ')}` : '',
        id.changed.length > 0 ? `changed: ${id.changed.join(', ')}` : '',
        id.removed.length > 0 ? `removed: ${id.removed.join(', ')}` : '',
        id.kept.length > 0 ? `kept (differ from the file): ${id.kept.join(', ')}` : '',
      ].filter(Boolean);
      const action = { create: 'create', update: 'update', delete: 'DELETE', unchanged: 'keep' }[id.action];
      lines.push(`    ${id.identifier}: ${action}${parts.length > 0 ? ` (${parts.join('; ')})` : ''}`);
    }
    if (app.unchangedIdentifiers > 0) lines.push(`    ${app.unchangedIdentifiers} configuration(s) unchanged`);
  }
  for (const w of plan.warnings) lines.push(`warning: ${w}`);
  if (plan.documentsOmitted) lines.push(`note: ${plan.documentsOmitted}`);
  return lines.join('\n');
}

/** What a created application gets besides its fields (the service escaped the file's text for a terminal). */
function definitionLine(d: CreatedApplicationDefinition): string {
  return `${d.enabled ? 'enabled' : 'disabled'}; user group "${d.userGroup}", administrator group "${d.adminGroup}"; flags 0x${d.flags.toString(16).padStart(8, '0')}; description "${d.description}"; contact "${d.contact}"`;
}

function transferFormat(args: ParsedArgs, file: string): TransferFormat {
  const given = opt(args, 'format');
  if (given === undefined) return extname(file).toLowerCase() === '.sso' ? 'sso' : 'entsso';
  if (given === 'entsso' || given === 'sso') return given;
  throw new UsageError('--format must be entsso or sso.');
}

function importMode(mode: string): ImportMode {
  if (mode === 'add' || mode === 'update' || mode === 'mirror') return mode;
  throw new UsageError('--mode must be add (only what is missing), update (also change values) or mirror (also remove what the file lacks).');
}

/** `--field Name` or `--field Name:masked`, in order. */
export function parseFieldSpecs(specs: string[]): FieldDefinition[] {
  if (specs.length === 0) throw new UsageError('Give at least one --field <name>[:masked].');
  return specs.map((s) => {
    const masked = s.endsWith(':masked');
    return { label: newName(masked ? s.slice(0, -':masked'.length) : s, 'field name'), masked };
  });
}

/** Asks on the terminal; false when there is none (scripts say --yes). */
async function confirm(question: string): Promise<boolean> {
  if (!process.stdin.isTTY) return false;
  const rl = readline.createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await new Promise<string>((resolve) => rl.question(question, resolve));
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    rl.close();
  }
}
