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
import type { ApplicationDetail, ApplicationInfo, ApplicationKind } from '../protocol/messages';
import {
  deletionDetail,
  fieldDefinitions,
  fieldListProblem,
  fieldRemovalDetail,
  looksSecret,
  maskableFields,
  mayHoldConfigurations,
  nameProblem,
  splitFieldList,
} from '../model/applicationDraft';
import { applicationKey, applicationLabel, perKind } from '../model/applicationList';
import { parseSsoUri } from '../model/ssoUri';
import type { ApplicationsTreeProvider, ExplorerNode } from '../views/applicationsTree';
import { openSsoDocuments, type SsoFileSystemProvider } from '../views/ssoFileSystem';
import { notifyInformation, withNotificationProgress } from '../views/notifications';
import type { RequestOptions } from '../ssoClient/client';
import { resolveApplication } from './applicationPicker';
import { UserFacingError, registerWriteCommand, type CommandContext } from './commandRunner';
import { isAddFieldsRequest } from '../views/configEditorHelp';
import { askText, confirmModal, pickMany, pickOne, requireEnvironment, runSteps, type PickItem } from './prompts';
import { normaliseName } from '../protocol/names';
import { confirmInStatusBar } from './routineConfirmation';
import { debouncedCheck } from '../model/debouncedCheck';

interface ApplicationCommandsContext extends CommandContext {
  readonly connection: ConnectionManager;
  readonly tree: ApplicationsTreeProvider;
  readonly treeView: vscode.TreeView<ExplorerNode>;
  readonly fileSystem: SsoFileSystemProvider;
}

export function registerApplicationCommands(ctx: ApplicationCommandsContext): vscode.Disposable[] {
  return [
    registerWriteCommand(ctx, 'entsso.createApplication', () => createApplication(ctx)),
    registerWriteCommand(ctx, 'entsso.deleteApplication', (node?: unknown) => deleteApplication(ctx, node)),
    registerWriteCommand(ctx, 'entsso.enableApplication', (node?: unknown) => setEnabled(ctx, node, true)),
    registerWriteCommand(ctx, 'entsso.disableApplication', (node?: unknown) => setEnabled(ctx, node, false)),
    registerWriteCommand(ctx, 'entsso.addFields', (node?: unknown) => addFields(ctx, node)),
    registerWriteCommand(ctx, 'entsso.removeFields', (node?: unknown) => removeFields(ctx, node)),
  ];
}

// ---------------------------------------------------------------- create

/** Built when asked, not at load: the texts are in the display language. */
function kindItems(): PickItem<ApplicationKind>[] {
  return [
    {
      label: vscode.l10n.t('Config store application'),
      description: vscode.l10n.t('your own settings'),
      detail: vscode.l10n.t('Key/values of an integration, kept under the identifier "ConfigProperties" (like the SSO Application Configuration snap-in), or one AppConfig XML / settings JSON field.'),
      value: 'configStore',
    },
    {
      label: vscode.l10n.t('Adapter-style application'),
      description: vscode.l10n.t('port configurations'),
      detail: vscode.l10n.t('Transport properties of ports or locations, one configuration per identifier, like the applications of a BizTalk adapter.'),
      value: 'adapter',
    },
    {
      label: vscode.l10n.t('Affiliate application'),
      description: vscode.l10n.t('back-end credentials'),
      detail: vscode.l10n.t('Credentials for a back-end system, one mapping per identifier.'),
      value: 'affiliate',
    },
  ];
}

async function createApplication(ctx: ApplicationCommandsContext): Promise<void> {
  const env = requireEnvironment(ctx.connection).name;
  const title = vscode.l10n.t('Create SSO Application in "{0}"', env);
  const applicationExists = debouncedCheck((v) => existingApplicationProblem(ctx.connection, v));
  let name = '';
  let kind: ApplicationKind = 'configStore';
  let fieldsText = '';
  let masked: string[] = [];
  await runSteps([
    async () => {
      name = normaliseName(await askText({
        title: vscode.l10n.t(`{0} (1/4)`, title),
        prompt: vscode.l10n.t('Name of the new application, e.g. "Contoso.OrderService". It cannot be renamed later.'),
        value: name,
        validate: (v) => nameProblem(v, 'application') ?? applicationExists(normaliseName(v)),
      }));
    },
    async () => {
      kind = await pickOne(kindItems(), { title: vscode.l10n.t(`{0} (2/4)`, title), placeHolder: vscode.l10n.t(`What does "{0}" hold?`, name), back: true });
    },
    async () => {
      fieldsText = await askText({
        title: vscode.l10n.t(`{0} (3/4)`, title),
        prompt: vscode.l10n.t('Field names, separated by commas, in order. Fields can be added or removed later (one transaction each, other values kept).'),
        placeholder: kind === 'adapter' ? vscode.l10n.t('e.g. Uri, UserName, Password') : vscode.l10n.t('e.g. Endpoint, UserName, Password'),
        value: fieldsText,
        back: true,
        validate: (v) => fieldListProblem(v),
      });
    },
    async () => {
      masked = await pickMaskedFields(vscode.l10n.t('{0} (4/4)', title), splitFieldList(fieldsText), kind, true);
    },
  ]);
  const labels = splitFieldList(fieldsText);
  const created = await ctx.connection.request('apps.create', { name, kind, fields: fieldDefinitions(labels, masked) });
  ctx.log.info(`Created application "${created.name}" (${kind}) with ${created.fields.length} field(s), ${masked.length} masked.`);
  await showInTree(ctx, created.name);
  void notifyInformation(
    perKind(kind, {
      adapter: () => vscode.l10n.t('Created adapter-style application "{0}" with fields {1}. Add port configurations with "New Configuration…" on it in the explorer, or import them with "SSO: Import Applications…".', created.name, describeFields(created)),
      configStore: () => vscode.l10n.t('Created config store application "{0}" with fields {1}. Add config-store entries with "New Configuration…" on it in the explorer, or import them with "SSO: Import Applications…".', created.name, describeFields(created)),
      affiliate: () => vscode.l10n.t('Created affiliate application "{0}" with fields {1}. Add mappings with "New Configuration…" on it in the explorer, or import them with "SSO: Import Applications…".', created.name, describeFields(created)),
    }),
  );
}

/** Asked after the name is typed (a local request): an existing name fails later anyway, after more typing. */
async function existingApplicationProblem(connection: ConnectionManager, name: string): Promise<string | undefined> {
  try {
    const page = await connection.request('apps.list', { filter: name, limit: 50 });
    const clash = page.items.find((a) => a.name.toLowerCase() === name.toLowerCase());
    return clash ? vscode.l10n.t('An application named "{0}" exists already (names are compared without case). Choose another name.', clash.name) : undefined;
  } catch {
    return undefined;
  }
}

async function pickMaskedFields(title: string, labels: string[], kind: ApplicationKind, isNewApplication: boolean): Promise<string[]> {
  const maskable = maskableFields(labels, kind, isNewApplication);
  if (maskable.length === 0) return [];
  // A rule in a placeholder is cut off after a few words: the first field is listed, locked, with the reason.
  const locked = maskable.length < labels.length ? { label: labels[0] as string, reason: vscode.l10n.t('first field: cannot be masked (ENTSSO rule)') } : undefined;
  return pickMany(
    maskable.map((label) => ({ label, picked: looksSecret(label), value: label })),
    { title, placeHolder: vscode.l10n.t('Tick the masked fields: passwords, keys'), locked, back: true, allowNone: true },
  );
}

function describeFields(app: ApplicationDetail): string {
  return app.fields.map((f) => (f.masked ? vscode.l10n.t('{0} (masked)', f.label) : f.label)).join(', ');
}

async function showInTree(ctx: ApplicationCommandsContext, name: string): Promise<void> {
  ctx.tree.refresh();
  const node = await ctx.tree.ensureApplication(name).catch(() => undefined);
  if (node) await ctx.treeView.reveal(node, { select: true, focus: false, expand: false }).then(undefined, () => undefined);
}

// ---------------------------------------------------------------- delete, enable, disable

async function deleteApplication(ctx: ApplicationCommandsContext, node: unknown): Promise<void> {
  const env = requireEnvironment(ctx.connection).name;
  const chosen = await resolveApplication(ctx.connection, node, { title: vscode.l10n.t(`Delete SSO Application in "{0}"`, env), placeHolder: vscode.l10n.t('Which application should be deleted?') });
  // Counted now, not from the tree: the confirmation must say what is really lost.
  const app = await ctx.connection.request('apps.get', { name: chosen.name });
  // Not counted (the ENTSSO bridge: affiliate applications, a failed count) is not empty: asked like a full one.
  const mayHold = mayHoldConfigurations(app);
  await confirmModal(
    app.identifierCountUnknown
      ? vscode.l10n.t('Delete application "{0}" and everything it holds?', applicationLabel(app))
      : mayHold
        ? deleteApplicationQuestion(app)
        : vscode.l10n.t('Delete application "{0}"?', applicationLabel(app)),
    deletionDetail(app, env),
    vscode.l10n.t('Delete'),
  );
  if (mayHold) await confirmByTypingName(app, env);
  await ctx.connection.request('apps.delete', { name: app.name });
  ctx.log.info(`Deleted application "${app.name}" with ${app.identifierCountUnknown ? 'an uncounted number of' : app.identifierCount} configuration(s).`);
  ctx.fileSystem.clearCaches();
  ctx.tree.refresh();
  confirmInStatusBar(
    app.identifierCount > 0 && !app.identifierCountUnknown
      ? deletedApplicationMessage(app)
      : vscode.l10n.t('Deleted application "{0}".', app.name),
  );
}

/** What holds configurations is deleted only after its name is typed, as cloud consoles ask for a resource that holds data. */
async function confirmByTypingName(app: ApplicationInfo, env: string): Promise<void> {
  await askText({
    title: vscode.l10n.t(`Delete "{0}" from "{1}"`, applicationLabel(app), env),
    prompt: typeNameToDeletePrompt(app),
    placeholder: app.name,
    validate: (typed) => (typed.trim() === app.name ? undefined : vscode.l10n.t('Type the application name exactly: {0}', app.name)),
  });
}

async function setEnabled(ctx: ApplicationCommandsContext, node: unknown, enabled: boolean): Promise<void> {
  const env = requireEnvironment(ctx.connection).name;
  const app = await resolveApplication(ctx.connection, node, {
    title: enabled ? vscode.l10n.t('Enable SSO Application in "{0}"', env) : vscode.l10n.t('Disable SSO Application in "{0}"', env),
    placeHolder: enabled ? vscode.l10n.t('Which application should be enabled?') : vscode.l10n.t('Which application should be disabled?'),
    filter: (a) => a.enabled !== enabled,
    none: enabled ? vscode.l10n.t('Every application of "{0}" is enabled already.', env) : vscode.l10n.t('Every application of "{0}" is disabled already.', env),
  });
  const updated = await ctx.connection.request('apps.setEnabled', { name: app.name, enabled });
  ctx.log.info(`Application "${updated.name}" ${enabled ? 'enabled' : 'disabled'}.`);
  ctx.tree.refresh();
  void notifyInformation(
    enabled
      ? vscode.l10n.t('Application "{0}" is enabled. BizTalk can read its configurations again once its SSO cache expires (60 s to 5 min).', updated.name)
      : vscode.l10n.t('Application "{0}" is disabled. BizTalk lookups of its configurations fail once its SSO cache expires (60 s to 5 min); the values are kept.', updated.name),
  );
}

function deleteApplicationQuestion(app: ApplicationInfo): string {
  const [label, count] = [applicationLabel(app), app.identifierCount];
  return perKind(app.kind, {
    adapter: () => (count === 1 ? vscode.l10n.t('Delete application "{0}" and its 1 port configuration?', label) : vscode.l10n.t('Delete application "{0}" and its {1} port configurations?', label, count)),
    configStore: () => (count === 1 ? vscode.l10n.t('Delete application "{0}" and its 1 config-store entry?', label) : vscode.l10n.t('Delete application "{0}" and its {1} config-store entries?', label, count)),
    affiliate: () => (count === 1 ? vscode.l10n.t('Delete application "{0}" and its 1 mapping?', label) : vscode.l10n.t('Delete application "{0}" and its {1} mappings?', label, count)),
  });
}

function deletedApplicationMessage(app: ApplicationInfo): string {
  const [name, count] = [app.name, app.identifierCount];
  return perKind(app.kind, {
    adapter: () => (count === 1 ? vscode.l10n.t('Deleted application "{0}" and its 1 port configuration.', name) : vscode.l10n.t('Deleted application "{0}" and its {1} port configurations.', name, count)),
    configStore: () => (count === 1 ? vscode.l10n.t('Deleted application "{0}" and its 1 config-store entry.', name) : vscode.l10n.t('Deleted application "{0}" and its {1} config-store entries.', name, count)),
    affiliate: () => (count === 1 ? vscode.l10n.t('Deleted application "{0}" and its 1 mapping.', name) : vscode.l10n.t('Deleted application "{0}" and its {1} mappings.', name, count)),
  });
}

function typeNameToDeletePrompt(app: ApplicationInfo): string {
  const [name, count] = [app.name, app.identifierCount];
  if (app.identifierCountUnknown) return vscode.l10n.t('Type {0} to delete it with everything it holds. This cannot be undone; press Escape to keep it.', name);
  return perKind(app.kind, {
    adapter: () => (count === 1 ? vscode.l10n.t('Type {0} to delete it with its 1 port configuration. This cannot be undone; press Escape to keep it.', name) : vscode.l10n.t('Type {0} to delete it with its {1} port configurations. This cannot be undone; press Escape to keep it.', name, count)),
    configStore: () => (count === 1 ? vscode.l10n.t('Type {0} to delete it with its 1 config-store entry. This cannot be undone; press Escape to keep it.', name) : vscode.l10n.t('Type {0} to delete it with its {1} config-store entries. This cannot be undone; press Escape to keep it.', name, count)),
    affiliate: () => (count === 1 ? vscode.l10n.t('Type {0} to delete it with its 1 mapping. This cannot be undone; press Escape to keep it.', name) : vscode.l10n.t('Type {0} to delete it with its {1} mappings. This cannot be undone; press Escape to keep it.', name, count)),
  });
}

// ---------------------------------------------------------------- fields

async function addFields(ctx: ApplicationCommandsContext, node: unknown): Promise<void> {
  const env = requireEnvironment(ctx.connection).name;
  // From the "unknown field" quick fix of a document: its application, the field name prefilled.
  const fromDocument = isAddFieldsRequest(node) ? node : undefined;
  if (fromDocument && fromDocument.environment !== env) {
    throw new UserFacingError(vscode.l10n.t(`This document belongs to "{0}", not to the active environment "{1}". Switch to "{2}" first, then run the quick fix again.`, fromDocument.environment, env, fromDocument.environment));
  }
  const chosen = fromDocument ? { name: fromDocument.application } : await resolveApplication(ctx.connection, node, { title: vscode.l10n.t(`Add Fields in "{0}"`, env), placeHolder: vscode.l10n.t('To which application?') });
  const app = await ctx.connection.request('apps.get', { name: chosen.name });
  const existing = app.fields.map((f) => f.label);
  const title = vscode.l10n.t('Add Fields to "{0}"', app.name);
  let text = fromDocument?.fields ?? '';
  let masked: string[] = [];
  await runSteps([
    async () => {
      text = await askText({
        title: vscode.l10n.t(`{0} (1/2)`, title),
        prompt: vscode.l10n.t(`New field names, separated by commas. It has {0}. Stored values are kept; new fields start empty.`, existing.map((l) => `"${l}"`).join(', ')),
        value: text,
        validate: (v) => fieldListProblem(v, existing),
      });
    },
    async () => {
      masked = await pickMaskedFields(vscode.l10n.t('{0} (2/2)', title), splitFieldList(text), app.kind, false);
    },
  ]);
  const labels = splitFieldList(text);
  const outage = entssoOutage(ctx, app);
  if (outage) await confirmModal(labels.length === 1 ? vscode.l10n.t('Add field "{0}" to "{1}"?', labels[0] as string, app.name) : vscode.l10n.t('Add {0} fields to "{1}"?', labels.length, app.name), outage, vscode.l10n.t('Add'));
  const updated = await changeFields(ctx, app, vscode.l10n.t('Adding fields to "{0}"', app.name), (options) =>
    ctx.connection.requestWith('apps.addField', { name: app.name, fields: fieldDefinitions(labels, masked), expectedFieldsVersion: app.fieldsVersion }, options),
  );
  ctx.log.info(`Added ${labels.length} field(s) to "${app.name}" (${masked.length} masked).`);
  ctx.fileSystem.fieldsAdded(env, app.name, fieldDefinitions(labels, masked));
  if (!(await afterFieldChange(ctx, env, app.name))) return;
  confirmInStatusBar(vscode.l10n.t(`"{0}" now has fields {1}. Every stored value was kept.`, updated.name, describeFields(updated)));
}

async function removeFields(ctx: ApplicationCommandsContext, node: unknown): Promise<void> {
  const env = requireEnvironment(ctx.connection).name;
  const chosen = await resolveApplication(ctx.connection, node, { title: vscode.l10n.t(`Remove Fields in "{0}"`, env), placeHolder: vscode.l10n.t('From which application?') });
  const app = await ctx.connection.request('apps.get', { name: chosen.name });
  if (app.fields.length < 2) {
    throw new UserFacingError(vscode.l10n.t(`"{0}" has a single field, and an application keeps at least one. Delete the application instead, or add a field first.`, app.name));
  }
  const picked = await pickMany(
    app.fields.map((f) => ({ label: f.label, description: f.masked ? vscode.l10n.t('masked') : undefined, value: f.label })),
    { title: vscode.l10n.t(`Remove Fields from "{0}"`, app.name), placeHolder: vscode.l10n.t('Tick the fields to remove; their values are purged from every configuration.') },
  );
  if (picked.length === app.fields.length) throw new UserFacingError(vscode.l10n.t(`An application keeps at least one field: untick one, or delete "{0}" instead.`, app.name));
  await confirmModal(
    picked.length === 1 ? vscode.l10n.t('Remove field "{0}" from "{1}"?', picked[0] as string, app.name) : vscode.l10n.t('Remove {0} fields from "{1}"?', picked.length, app.name),
    [fieldRemovalDetail(app, picked), entssoOutage(ctx, app)].filter(Boolean).join('\n\n'),
    vscode.l10n.t('Remove'),
  );
  const updated = await changeFields(ctx, app, vscode.l10n.t('Removing fields from "{0}"', app.name), (options) =>
    ctx.connection.requestWith('apps.removeField', { name: app.name, fields: picked, expectedFieldsVersion: app.fieldsVersion }, options),
  );
  ctx.log.info(`Removed ${picked.length} field(s) from "${app.name}" and purged their values.`);
  ctx.fileSystem.fieldsRemoved(env, app.name, picked);
  if (!(await afterFieldChange(ctx, env, app.name))) return;
  confirmInStatusBar(vscode.l10n.t(`Removed {0} from "{1}"; its fields are now {2}.`, picked.map((f) => `"${f}"`).join(', '), updated.name, describeFields(updated)));
}

/** A field change through the ENTSSO bridge takes about four ENTSSO calls per configuration: minutes on a large adapter application. */
const FIELD_CHANGE_BASE_MS = 5 * 60_000;
const FIELD_CHANGE_PER_CONFIGURATION_MS = 10_000;

/** Its own timeout, scaled by the configurations; closing the connection waits for it (the bridge is not killed half-way). */
function fieldChangeRequestOptions(configurations: number): RequestOptions {
  return { timeoutMs: FIELD_CHANGE_BASE_MS + FIELD_CHANGE_PER_CONFIGURATION_MS * Math.max(0, configurations), finishOnClose: true };
}

/** ENTSSO changes fields by recreating the application: what that means for BizTalk, said before it starts (own service: nothing). */
function entssoOutage(ctx: ApplicationCommandsContext, app: ApplicationInfo): string | undefined {
  if (ctx.connection.backend !== 'entsso-bridge') return undefined;
  return vscode.l10n.t('Enterprise SSO changes fields only by recreating "{0}": until the change finishes, BizTalk cannot read its configurations. Stop the host instances that use it first, or choose a quiet moment.', app.name);
}

/** Runs a field change with its own timeout; through the ENTSSO bridge with a progress notification until it finishes. */
async function changeFields(ctx: ApplicationCommandsContext, app: ApplicationInfo, title: string, run: (options: RequestOptions) => Promise<ApplicationDetail>): Promise<ApplicationDetail> {
  const options = fieldChangeRequestOptions(app.identifierCount);
  if (ctx.connection.backend !== 'entsso-bridge') return run(options);
  return withNotificationProgress({ title }, (progress) => {
    progress.report({ message: vscode.l10n.t('BizTalk cannot read "{0}" until this finishes. Closing the connection waits for it.', app.name) });
    return run(options);
  });
}

/**
 * The field list changed: forget cached field orders, reload the explorer and open documents of the
 * application. False when the active environment changed meanwhile (nothing of the new one to reload).
 */
async function afterFieldChange(ctx: ApplicationCommandsContext, env: string, application: string): Promise<boolean> {
  if (ctx.connection.environment?.name !== env) {
    void notifyInformation(vscode.l10n.t('The field change of "{0}" in "{1}" finished.', application, env));
    return false;
  }
  ctx.fileSystem.clearCaches();
  const key = applicationKey(application);
  const open = openSsoDocuments().filter((d) => {
    const path = parseSsoUri(d.uri);
    return path?.application !== undefined && applicationKey(path.application) === key && !d.isDirty;
  });
  ctx.fileSystem.touchAll(open.map((d) => d.uri));
  await showInTree(ctx, application);
  return true;
}
