/**
 * The application lifecycle, from the explorer's context menus and the palette, like the
 * ENTSSO Administration console: create (a multi-step input: name, kind, fields, which fields
 * are masked), delete (a modal confirmation saying how many configurations are lost), enable,
 * disable, and add or remove fields (ENTSSO can only delete and recreate; the service does it in
 * one transaction that keeps every other value). Each refreshes the explorer and the documents
 * of the application that are open.
 */
import * as vscode from 'vscode';
import type { ConnectionManager } from '../connection/connectionManager';
import type { ApplicationDetail, ApplicationInfo, ApplicationKind } from '../ssoClient/protocol';
import {
  deletionDetail,
  fieldDefinitions,
  fieldListProblem,
  fieldRemovalDetail,
  looksSecret,
  maskableFields,
  nameProblem,
  splitFieldList,
} from '../model/applicationDraft';
import { applicationKey, applicationLabel, groupInfo } from '../model/applicationList';
import { parseSsoPath } from '../model/ssoUri';
import type { ApplicationsTreeProvider, ExplorerNode } from '../views/applicationsTree';
import { openSsoDocuments, type SsoFileSystemProvider } from '../views/ssoFileSystem';
import { resolveApplication } from './applicationPicker';
import { UserFacingError, registerCommand, type CommandContext } from './commandRunner';
import { askText, confirmModal, pickMany, pickOne, requireEnvironment, type PickItem } from './prompts';
import { normaliseName } from '../protocol/names';
import { debouncedCheck } from '../model/debouncedCheck';

export interface ApplicationCommandsContext extends CommandContext {
  readonly connection: ConnectionManager;
  readonly tree: ApplicationsTreeProvider;
  readonly treeView: vscode.TreeView<ExplorerNode>;
  readonly fileSystem: SsoFileSystemProvider;
}

export function registerApplicationCommands(ctx: ApplicationCommandsContext): vscode.Disposable[] {
  return [
    registerCommand(ctx, 'entsso.createApplication', () => createApplication(ctx)),
    registerCommand(ctx, 'entsso.deleteApplication', (node?: unknown) => deleteApplication(ctx, node)),
    registerCommand(ctx, 'entsso.enableApplication', (node?: unknown) => setEnabled(ctx, node, true)),
    registerCommand(ctx, 'entsso.disableApplication', (node?: unknown) => setEnabled(ctx, node, false)),
    registerCommand(ctx, 'entsso.addFields', (node?: unknown) => addFields(ctx, node)),
    registerCommand(ctx, 'entsso.removeFields', (node?: unknown) => removeFields(ctx, node)),
  ];
}

// ---------------------------------------------------------------- create

const KINDS: PickItem<ApplicationKind>[] = [
  {
    label: 'Config store application',
    description: 'your own settings',
    detail: 'Key/values of an integration, kept under the identifier "ConfigProperties" (like the SSO Application Configuration snap-in), or one AppConfig XML / settings JSON field.',
    value: 'configStore',
  },
  {
    label: 'Adapter-style application',
    description: 'port configurations',
    detail: 'Transport properties of ports or locations, one configuration per identifier, like the applications of a BizTalk adapter.',
    value: 'adapter',
  },
  {
    label: 'Affiliate application',
    description: 'back-end credentials',
    detail: 'Credentials for a back-end system, one mapping per identifier.',
    value: 'affiliate',
  },
];

const KIND_NOUNS: Record<ApplicationKind, string> = { configStore: 'config store application', adapter: 'adapter-style application', affiliate: 'affiliate application' };

async function createApplication(ctx: ApplicationCommandsContext): Promise<void> {
  const env = requireEnvironment(ctx.connection).name;
  const title = `Create SSO Application in "${env}"`;
  const applicationExists = debouncedCheck((v) => existingApplicationProblem(ctx.connection, v));
  const name = normaliseName(await askText({
    title: `${title} (1/4)`,
    prompt: 'Name of the new application, e.g. "Contoso.OrderService". It cannot be renamed later.',
    validate: (v) => nameProblem(v, 'application name') ?? applicationExists(normaliseName(v)),
  }));
  const kind = await pickOne(KINDS, { title: `${title} (2/4)`, placeHolder: `What does "${name}" hold?` });
  const fieldsText = await askText({
    title: `${title} (3/4)`,
    prompt:
      'Field names, separated by commas, in order. The field list is fixed when the application is created (fields can be added or removed later, one transaction each).',
    placeholder: kind === 'adapter' ? 'e.g. Uri, UserName, Password' : 'e.g. Endpoint, UserName, Password',
    validate: (v) => fieldListProblem(v),
  });
  const labels = splitFieldList(fieldsText);
  const masked = await pickMaskedFields(`${title} (4/4)`, maskableFields(labels, kind, true), kind === 'configStore');
  const created = await ctx.connection.request('apps.create', { name, kind, fields: fieldDefinitions(labels, masked) });
  ctx.log.info(`Created application "${created.name}" (${kind}) with ${created.fields.length} field(s), ${masked.length} masked.`);
  await showInTree(ctx, created.name);
  void vscode.window.showInformationMessage(
    `Created ${KIND_NOUNS[kind]} "${created.name}" with fields ${describeFields(created)}. Add ${groupInfo(kind).identifierPlural} with "New Configuration…" on it in the explorer, or import them with "SSO: Import Applications…".`,
  );
}

/** Asked after the name is typed (a local request): an existing name fails later anyway, after more typing. */
async function existingApplicationProblem(connection: ConnectionManager, name: string): Promise<string | undefined> {
  try {
    const page = await connection.request('apps.list', { filter: name, limit: 50 });
    const clash = page.items.find((a) => a.name.toLowerCase() === name.toLowerCase());
    return clash ? `An application named "${clash.name}" exists already (names are compared without case).` : undefined;
  } catch {
    return undefined;
  }
}

async function pickMaskedFields(title: string, maskable: string[], firstFieldRule: boolean): Promise<string[]> {
  if (maskable.length === 0) return [];
  const rule = firstFieldRule ? ' The first field of a config store application cannot be masked (ENTSSO rule).' : '';
  return pickMany(
    maskable.map((label) => ({ label, picked: looksSecret(label), value: label })),
    { title, placeHolder: `Tick the masked fields: passwords, keys (write-only, hidden in the editor until revealed).${rule}`, allowNone: true },
  );
}

function describeFields(app: ApplicationDetail): string {
  return app.fields.map((f) => `${f.label}${f.masked ? ' (masked)' : ''}`).join(', ');
}

async function showInTree(ctx: ApplicationCommandsContext, name: string): Promise<void> {
  ctx.tree.refresh();
  const node = await ctx.tree.ensureApplication(name).catch(() => undefined);
  if (node) await ctx.treeView.reveal(node, { select: true, focus: false, expand: false }).then(undefined, () => undefined);
}

// ---------------------------------------------------------------- delete, enable, disable

async function deleteApplication(ctx: ApplicationCommandsContext, node: unknown): Promise<void> {
  const env = requireEnvironment(ctx.connection).name;
  const chosen = await resolveApplication(ctx.connection, node, { title: `Delete SSO Application in "${env}"`, placeHolder: 'Which application should be deleted?' });
  // Counted now, not from the tree: the confirmation must say what is really lost.
  const app = await ctx.connection.request('apps.get', { name: chosen.name });
  await confirmModal(`Delete application "${applicationLabel(app)}"${app.identifierCount > 0 ? ` and its ${app.identifierCount} ${noun(app)}` : ''}?`, deletionDetail(app, env), 'Delete');
  await ctx.connection.request('apps.delete', { name: app.name });
  ctx.log.info(`Deleted application "${app.name}" with ${app.identifierCount} configuration(s).`);
  ctx.fileSystem.clearCaches();
  ctx.tree.refresh();
  void vscode.window.showInformationMessage(`Deleted application "${app.name}"${app.identifierCount > 0 ? ` and its ${app.identifierCount} ${noun(app)}` : ''}.`);
}

async function setEnabled(ctx: ApplicationCommandsContext, node: unknown, enabled: boolean): Promise<void> {
  const env = requireEnvironment(ctx.connection).name;
  const verb = enabled ? 'Enable' : 'Disable';
  const app = await resolveApplication(ctx.connection, node, {
    title: `${verb} SSO Application in "${env}"`,
    placeHolder: `Which application should be ${enabled ? 'enabled' : 'disabled'}?`,
    filter: (a) => a.enabled !== enabled,
    none: `Every application of "${env}" is ${enabled ? 'enabled' : 'disabled'} already.`,
  });
  const updated = await ctx.connection.request('apps.setEnabled', { name: app.name, enabled });
  ctx.log.info(`Application "${updated.name}" ${enabled ? 'enabled' : 'disabled'}.`);
  ctx.tree.refresh();
  const effect = enabled
    ? 'BizTalk can read its configurations again once its SSO cache expires (60 s to 5 min).'
    : 'BizTalk lookups of its configurations fail once its SSO cache expires (60 s to 5 min); the values are kept.';
  void vscode.window.showInformationMessage(`Application "${updated.name}" is ${enabled ? 'enabled' : 'disabled'}. ${effect}`);
}

function noun(app: ApplicationInfo): string {
  const g = groupInfo(app.kind);
  return app.identifierCount === 1 ? g.identifierNoun : g.identifierPlural;
}

// ---------------------------------------------------------------- fields

async function addFields(ctx: ApplicationCommandsContext, node: unknown): Promise<void> {
  const env = requireEnvironment(ctx.connection).name;
  const chosen = await resolveApplication(ctx.connection, node, { title: `Add Fields in "${env}"`, placeHolder: 'To which application?' });
  const app = await ctx.connection.request('apps.get', { name: chosen.name });
  const existing = app.fields.map((f) => f.label);
  const title = `Add Fields to "${app.name}"`;
  const text = await askText({
    title: `${title} (1/2)`,
    prompt: `New field names, separated by commas. It has ${existing.map((l) => `"${l}"`).join(', ')}. Stored values are kept; new fields start empty.`,
    validate: (v) => fieldListProblem(v, existing),
  });
  const labels = splitFieldList(text);
  const masked = await pickMaskedFields(`${title} (2/2)`, maskableFields(labels, app.kind, false), false);
  const updated = await ctx.connection.request('apps.addField', { name: app.name, fields: fieldDefinitions(labels, masked), expectedFieldsVersion: app.fieldsVersion });
  ctx.log.info(`Added ${labels.length} field(s) to "${app.name}" (${masked.length} masked).`);
  await afterFieldChange(ctx, app.name);
  void vscode.window.showInformationMessage(`"${updated.name}" now has fields ${describeFields(updated)}. Every stored value was kept.`);
}

async function removeFields(ctx: ApplicationCommandsContext, node: unknown): Promise<void> {
  const env = requireEnvironment(ctx.connection).name;
  const chosen = await resolveApplication(ctx.connection, node, { title: `Remove Fields in "${env}"`, placeHolder: 'From which application?' });
  const app = await ctx.connection.request('apps.get', { name: chosen.name });
  if (app.fields.length < 2) {
    throw new UserFacingError(`"${app.name}" has a single field, and an application keeps at least one. Delete the application instead, or add a field first.`);
  }
  const picked = await pickMany(
    app.fields.map((f) => ({ label: f.label, description: f.masked ? 'masked' : undefined, value: f.label })),
    { title: `Remove Fields from "${app.name}"`, placeHolder: 'Tick the fields to remove; their values are purged from every configuration.' },
  );
  if (picked.length === app.fields.length) throw new UserFacingError(`An application keeps at least one field: untick one, or delete "${app.name}" instead.`);
  await confirmModal(`Remove ${picked.length === 1 ? `field "${picked[0]}"` : `${picked.length} fields`} from "${app.name}"?`, fieldRemovalDetail(app, picked), 'Remove');
  const updated = await ctx.connection.request('apps.removeField', { name: app.name, fields: picked, expectedFieldsVersion: app.fieldsVersion });
  ctx.log.info(`Removed ${picked.length} field(s) from "${app.name}" and purged their values.`);
  await afterFieldChange(ctx, app.name);
  void vscode.window.showInformationMessage(`Removed ${picked.map((f) => `"${f}"`).join(', ')} from "${updated.name}"; its fields are now ${describeFields(updated)}.`);
}

/** The field list changed: forget cached field orders, reload the explorer and open documents of the application. */
async function afterFieldChange(ctx: ApplicationCommandsContext, application: string): Promise<void> {
  ctx.fileSystem.clearCaches();
  const key = applicationKey(application);
  const open = openSsoDocuments().filter((d) => {
    const path = parseSsoPath(d.uri.path);
    return path?.application !== undefined && applicationKey(path.application) === key && !d.isDirty;
  });
  ctx.fileSystem.touchAll(open.map((d) => d.uri));
  await showInTree(ctx, application);
}
