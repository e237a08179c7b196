/**
 * Creating and deleting a configuration (a port configuration, a config-store entry or an
 * affiliate mapping) from the explorer and the palette. "New Configuration…" asks for the name,
 * creates it with every field empty and opens it for editing; "Delete Configuration" says what
 * is lost in a modal confirmation and deletes exactly the version that was shown (a concurrent
 * change makes it fail with a conflict instead of deleting values nobody reviewed).
 */
import * as vscode from 'vscode';
import type { ConnectionManager } from '../connection/connectionManager';
import { applicationLabel, configurationName, perKind } from '../model/applicationList';
import { nameProblem } from '../model/applicationDraft';
import { formatTime } from '../model/serviceStatus';
import { parseSsoUri, sameSsoDocument } from '../model/ssoUri';
import type { ApplicationInfo } from '../protocol/messages';
import { ApplicationsTreeProvider, type ExplorerNode } from '../views/applicationsTree';
import { openSsoDocument } from '../views/ssoDocumentLanguage';
import { openSsoDocuments, ssoUri } from '../views/ssoFileSystem';
import { applicationOfNode, resolveApplication } from './applicationPicker';
import { UserFacingError, registerWriteCommand } from './commandRunner';
import type { ExplorerCommandsContext } from './explorerCommands';
import { askText, confirmModal, requireEnvironment, runSteps } from './prompts';
import { normaliseName } from '../protocol/names';
import { confirmInStatusBar } from './routineConfirmation';
import { debouncedCheck } from '../model/debouncedCheck';

/** The same parts as the explorer's own commands: the connection, the tree and the sso: file system. */
type ConfigurationLifecycleContext = ExplorerCommandsContext;

export function registerConfigurationLifecycleCommands(ctx: ConfigurationLifecycleContext): vscode.Disposable[] {
  return [
    registerWriteCommand(ctx, 'entsso.newConfiguration', (node?: unknown) => newConfiguration(ctx, node)),
    registerWriteCommand(ctx, 'entsso.deleteConfiguration', (target?: unknown) => deleteConfiguration(ctx, target)),
  ];
}

// ---------------------------------------------------------------- new

/** The identifier under which the SSO Application Configuration snap-in keeps an application's key/values. */
const CONFIG_STORE_IDENTIFIER = 'ConfigProperties';

/** What the first configuration of an application of each kind is usually called. */
function nameExample(kind: ApplicationInfo['kind']): string {
  switch (kind) {
    case 'adapter':
      return vscode.l10n.t('e.g. the port or location name, "SendToPartner"');
    case 'configStore':
      return vscode.l10n.t('e.g. "ConfigProperties", the identifier the SSO Application Configuration snap-in uses');
    case 'affiliate':
      return vscode.l10n.t('e.g. the Windows account it maps, "CONTOSO\\svc-orders"');
  }
}

async function newConfiguration(ctx: ConfigurationLifecycleContext, node: unknown): Promise<void> {
  const env = requireEnvironment(ctx.connection).name;
  // Picked from a list (not the tree's context menu): the name step can go Back to the pick.
  const picked = applicationOfNode(node) === undefined;
  let app: ApplicationInfo | undefined;
  let typed: string | undefined;
  await runSteps([
    async () => {
      app = await resolveApplication(ctx.connection, node, { title: vscode.l10n.t(`New Configuration in "{0}"`, env), placeHolder: vscode.l10n.t('In which application?'), active: app?.name });
    },
    async () => {
      const a = app as ApplicationInfo;
      const identifierExists = debouncedCheck((v) => existingIdentifierProblem(ctx.connection, a.name, v));
      const label = applicationLabel(a);
      typed = await askText({
        title: perKind(a.kind, {
          adapter: () => vscode.l10n.t('New port configuration in "{0}"', label),
          configStore: () => vscode.l10n.t('New config-store entry in "{0}"', label),
          affiliate: () => vscode.l10n.t('New mapping in "{0}"', label),
        }),
        prompt: perKind(a.kind, {
          adapter: () => vscode.l10n.t('Name of the new port configuration ({0}). It cannot be renamed later; every field starts empty.', nameExample(a.kind)),
          configStore: () => vscode.l10n.t('Name of the new config-store entry ({0}). It cannot be renamed later; every field starts empty.', nameExample(a.kind)),
          affiliate: () => vscode.l10n.t('Name of the new mapping ({0}). It cannot be renamed later; every field starts empty.', nameExample(a.kind)),
        }),
        // A config store application usually holds one entry, under the snap-in's identifier.
        value: typed ?? (a.kind === 'configStore' && a.identifierCount === 0 ? CONFIG_STORE_IDENTIFIER : undefined),
        validate: (v) => nameProblem(v, 'identifier') ?? identifierExists(normaliseName(v)),
        back: picked,
        keepOnBack: (v) => (typed = v),
      });
    },
  ]);
  if (!app || typed === undefined) return;
  const identifier = normaliseName(typed);
  const row = await ctx.connection.request('config.set', { application: app.name, identifier, fields: {}, expectedTimestamp: null });
  const name = configurationName(app, row);
  ctx.log.info(`Created configuration "${row.identifier}" in "${row.application}" with every field empty.`);
  // Reloaded first: the application's count (and so whether it can be expanded) changed too.
  ctx.tree.refresh();
  const created = await ctx.tree.ensureIdentifier(row.application, row.identifier).catch(() => undefined);
  if (created) await ctx.treeView.reveal(created, { select: true, focus: false }).then(undefined, () => undefined);
  const doc = await openSsoDocument((created && ApplicationsTreeProvider.uriOf(created)) ?? ssoUri(env, row.application, row.identifier));
  await vscode.window.showTextDocument(doc, { preview: false });
  confirmInStatusBar(
    perKind(app.kind, {
      adapter: () => vscode.l10n.t('Created port configuration "{0}" with every field empty. Fill in the values and save.', name),
      configStore: () => vscode.l10n.t('Created config-store entry "{0}" with every field empty. Fill in the values and save.', name),
      affiliate: () => vscode.l10n.t('Created mapping "{0}" with every field empty. Fill in the values and save.', name),
    }),
  );
}

/** Asked as the name is typed, so that a clash is said before Enter, not after. */
async function existingIdentifierProblem(connection: ConnectionManager, application: string, identifier: string): Promise<string | undefined> {
  try {
    const page = await connection.request('identifiers.list', { application, filter: identifier, limit: 50 });
    const clash = page.items.find((i) => i.identifier.toLowerCase() === identifier.toLowerCase());
    return clash ? vscode.l10n.t('"{0}" has "{1}" already (names are compared without case). Choose another name.', application, clash.identifier) : undefined;
  } catch {
    return undefined; // the create itself reports what is wrong
  }
}

// ---------------------------------------------------------------- delete

interface DeletionTarget {
  environment: string;
  application: string;
  identifier: string;
  kind: ApplicationInfo['kind'] | undefined;
  /** What people call it (configurationName). */
  name: string;
  /** The version the user saw; the delete fails with a conflict if it changed since. */
  timestamp: string;
  modifiedAt: number;
}

async function deleteConfiguration(ctx: ConfigurationLifecycleContext, target: unknown): Promise<void> {
  const chosen = await deletionTarget(ctx, target);
  await confirmModal(
    chosen.kind
      ? perKind(chosen.kind, {
          adapter: () => vscode.l10n.t('Delete port configuration "{0}"?', chosen.name),
          configStore: () => vscode.l10n.t('Delete config-store entry "{0}"?', chosen.name),
          affiliate: () => vscode.l10n.t('Delete mapping "{0}"?', chosen.name),
        })
      : vscode.l10n.t('Delete configuration "{0}"?', chosen.name),
    // ENTSSO keeps no modification time (the bridge answers 0): no "last changed" then, rather than 1970.
    chosen.modifiedAt > 0
      ? vscode.l10n.t(
          'Identifier {0} of application {1}. Its values (last changed {2}) are deleted from the SSO database of "{3}"; this cannot be undone. BizTalk lookups of it fail once its SSO cache expires (60 s to 5 min). To keep a copy, export the application first.',
          chosen.identifier,
          chosen.application,
          formatTime(new Date(chosen.modifiedAt).toISOString(), new Date()),
          chosen.environment,
        )
      : vscode.l10n.t(
          'Identifier {0} of application {1}. Its values are deleted from the SSO database of "{2}"; this cannot be undone. BizTalk lookups of it fail once its SSO cache expires (60 s to 5 min). To keep a copy, export the application first.',
          chosen.identifier,
          chosen.application,
          chosen.environment,
        ),
    vscode.l10n.t('Delete'),
  );
  await ctx.connection.request('config.delete', { application: chosen.application, identifier: chosen.identifier, expectedTimestamp: chosen.timestamp }, chosen.environment);
  ctx.log.info(`Deleted configuration "${chosen.identifier}" of "${chosen.application}".`);
  ctx.fileSystem.deleted(ssoUri(chosen.environment, chosen.application, chosen.identifier));
  ctx.tree.refresh();
  confirmInStatusBar(
    chosen.kind
      ? perKind(chosen.kind, {
          adapter: () => vscode.l10n.t('Deleted port configuration "{0}".', chosen.name),
          configStore: () => vscode.l10n.t('Deleted config-store entry "{0}".', chosen.name),
          affiliate: () => vscode.l10n.t('Deleted mapping "{0}".', chosen.name),
        })
      : vscode.l10n.t('Deleted configuration "{0}".', chosen.name),
  );
}

/**
 * The version to delete when the listing gave none: the one stored as the user asks, so that a
 * change made while the confirmation is open (by another tool too) makes the delete a conflict.
 */
async function currentVersion(ctx: ConfigurationLifecycleContext, environment: string, application: string, identifier: string): Promise<{ timestamp: string; modifiedAt: number }> {
  const current = await ctx.connection.request('config.get', { application, identifier }, environment);
  return { timestamp: current.timestamp, modifiedAt: current.modifiedAt };
}

/**
 * From a tree node (the version listed there, or read now where the listing has none: the ENTSSO
 * bridge), or from the active sso editor (read again now).
 */
async function deletionTarget(ctx: ConfigurationLifecycleContext, target: unknown): Promise<DeletionTarget> {
  const node = target as ExplorerNode | undefined;
  if (node && typeof node === 'object' && 'type' in node && node.type === 'identifier') {
    const { info, app } = node;
    refuseUnsaved(ssoUri(node.env, app.name, info.identifier), info.identifier);
    const version = info.timestamp !== null ? { timestamp: info.timestamp, modifiedAt: info.modifiedAt } : await currentVersion(ctx, node.env, app.name, info.identifier);
    return { environment: node.env, application: app.name, identifier: info.identifier, kind: app.kind, name: configurationName(app, info), ...version };
  }
  const uri = target instanceof vscode.Uri ? target : vscode.window.activeTextEditor?.document.uri;
  const path = uri ? parseSsoUri(uri) : undefined;
  if (!uri || !path?.application || !path.identifier) {
    throw new UserFacingError(vscode.l10n.t('Select the configuration to delete in the Enterprise SSO explorer (right-click, "Delete Configuration"), or run this in its editor.'));
  }
  refuseUnsaved(uri, path.identifier);
  const current = await ctx.connection.request('config.get', { application: path.application, identifier: path.identifier }, path.environment);
  const app = await ctx.connection.request('apps.get', { name: current.application }, path.environment).catch(() => undefined);
  return {
    environment: path.environment,
    application: current.application,
    identifier: current.identifier,
    kind: app?.kind,
    name: configurationName(app ?? { name: current.application, description: '' }, current),
    timestamp: current.timestamp,
    modifiedAt: current.modifiedAt,
  };
}

/** Unsaved edits are not deleted unseen, whether the delete starts from the tree or from the editor. */
function refuseUnsaved(uri: vscode.Uri, identifier: string): void {
  if (openSsoDocuments().some((d) => sameSsoDocument(d.uri, uri) && d.isDirty)) {
    throw new UserFacingError(vscode.l10n.t(`"{0}" has unsaved changes in the editor. Save or revert them first, then delete it.`, identifier));
  }
}
