/**
 * Configuration history (issue 15): "Show History" lists the versions a configuration's saves
 * kept (when, by whom, which fields changed; never a value), opens one read-only in a
 * `sso-history:` document (masked fields as placeholders), compares it with the current one in
 * VS Code's diff editor, and restores it: an ordinary save over the version the current editor
 * holds, so a change made meanwhile is refused as a conflict, and the restore is kept in history.
 */
import * as vscode from 'vscode';
import { HISTORY_SCHEME, historyPath, historyPickItem, parseHistoryPath, restoreRequest, serializeVersion, type HistoryTarget } from '../model/configHistory';
import { formatTime } from '../model/serviceStatus';
import { parseSsoUri } from '../model/ssoUri';
import type { ExplorerNode } from '../views/applicationsTree';
import { openSsoDocument } from '../views/ssoDocumentLanguage';
import { openSsoDocuments, openUriOf } from '../views/ssoFileSystem';
import { notifyInformation } from '../views/notifications';
import { UserFacingError, registerCommand, registerWriteCommand, requireWritable } from './commandRunner';
import type { ExplorerCommandsContext } from './explorerCommands';
import { confirmModal, requireEnvironment } from './prompts';

interface ConfigurationRef {
  environment: string;
  application: string;
  identifier: string;
}

export function registerHistoryCommands(ctx: ExplorerCommandsContext): vscode.Disposable[] {
  return [
    vscode.workspace.registerTextDocumentContentProvider(HISTORY_SCHEME, new HistoryDocumentProvider(ctx)),
    registerCommand(ctx, 'entsso.showHistory', (target?: unknown) => showHistory(ctx, target)),
    registerCommand(ctx, 'entsso.compareHistoryWithCurrent', (uri?: vscode.Uri) => compareWithCurrent(historyTargetOf(uri))),
    registerWriteCommand(ctx, 'entsso.restoreHistoryVersion', (uri?: vscode.Uri) => restoreVersion(ctx, historyTargetOf(uri))),
  ];
}

/** Kept versions as read-only text (a content provider has no save), masked values never fetched. */
class HistoryDocumentProvider implements vscode.TextDocumentContentProvider {
  constructor(private readonly ctx: ExplorerCommandsContext) {}

  async provideTextDocumentContent(uri: vscode.Uri): Promise<string> {
    const target = parseHistoryPath(uri.path, uri.query);
    if (!target) throw new UserFacingError(vscode.l10n.t('This is not the address of a kept version. Run "SSO: Show History" on the configuration.'));
    const { environment, application, identifier, version } = target;
    const doc = await this.ctx.connection.request('history.get', { application, identifier, version }, environment);
    return serializeVersion(doc);
  }
}

export function historyUri(target: HistoryTarget): vscode.Uri {
  return vscode.Uri.from({ scheme: HISTORY_SCHEME, ...historyPath(target) });
}

async function showHistory(ctx: ExplorerCommandsContext, target: unknown): Promise<void> {
  const ref = configurationOf(ctx, target);
  const page = await ctx.connection.request('history.list', { application: ref.application, identifier: ref.identifier, limit: 200 }, ref.environment);
  if (page.items.length === 0) {
    void notifyInformation(vscode.l10n.t(`"{0}" has no earlier versions yet: each save keeps the version it replaces.`, ref.identifier));
    return;
  }
  const now = new Date();
  const picked = await vscode.window.showQuickPick(
    page.items.map((v) => ({ ...historyPickItem(v, (iso) => formatTime(iso, now)), version: v.version })),
    {
      // One page: more versions than that are kept only with a raised "history.keep"; say so rather than cut silently.
      title: page.nextCursor
        ? vscode.l10n.t('History of "{0}" ({1}, {2}): the newest {3}; "ssoctl history" lists the rest', ref.identifier, ref.application, ref.environment, page.items.length)
        : vscode.l10n.t('History of "{0}" ({1}, {2})', ref.identifier, ref.application, ref.environment),
      placeHolder: vscode.l10n.t('Open a version (read-only); then compare it with the current one or restore it'),
      matchOnDetail: true,
    },
  );
  if (!picked) return;
  const target2 = { ...ref, version: picked.version };
  // One value for each choice and its comparison, in whatever language VS Code runs.
  const [open, compare, restore] = [vscode.l10n.t('Open (read-only)'), vscode.l10n.t('Compare with Current'), vscode.l10n.t('Restore This Version')];
  const action = await vscode.window.showQuickPick([open, compare, restore], { title: vscode.l10n.t(`Version {0} of "{1}"`, picked.version, ref.identifier) });
  if (action === compare) return compareWithCurrent(target2);
  if (action === restore) return restoreVersion(ctx, target2);
  if (action) await vscode.window.showTextDocument(historyUri(target2), { preview: true });
}

async function compareWithCurrent(target: HistoryTarget): Promise<void> {
  const current = openUriOf(target.environment, target.application, target.identifier);
  // The right side is the live, editable document: in its own language first, so auto-save stays off for it.
  await openSsoDocument(current);
  await vscode.commands.executeCommand(
    'vscode.diff',
    historyUri(target),
    current,
    vscode.l10n.t('{0}: version {1} ↔ current', target.identifier, target.version),
  );
}

async function restoreVersion(ctx: ExplorerCommandsContext, target: HistoryTarget): Promise<void> {
  // Also reached from Show History's pick, which is no write command: refused before the confirmation.
  requireWritable(ctx);
  const { environment, application, identifier, version } = target;
  const current = openUriOf(environment, application, identifier);
  if (openSsoDocuments().some((d) => d.uri.toString() === current.toString() && d.isDirty)) {
    throw new UserFacingError(vscode.l10n.t(`"{0}" has unsaved changes in the editor. Save or revert them first, then restore the version.`, identifier));
  }
  // The version the restore replaces is the one read now: a save made after this is a conflict.
  const live = await ctx.connection.request('config.get', { application, identifier }, environment).catch(() => undefined);
  await confirmModal(
    vscode.l10n.t('Restore version {0} of "{1}" in "{2}"?', version, identifier, environment),
    vscode.l10n.t(
      'Every field of "{0}" (application {1}) gets the value it had in version {2}, masked fields included. This is a normal save: the current values are kept in the history, and the restore is refused if someone saved since.',
      identifier,
      application,
      version,
    ),
    vscode.l10n.t('Restore'),
  );
  // The reveal is audited by the service; the values stay in this function's memory only.
  const revealed = await ctx.connection.request('history.get', { application, identifier, version, reveal: true }, environment);
  const { fields, clearMasked } = restoreRequest(revealed);
  await ctx.connection.request('config.set', { application, identifier, fields, clearMasked, expectedTimestamp: live?.timestamp ?? null }, environment);
  ctx.fileSystem.touchAll([current]);
  ctx.tree.refresh();
  ctx.log.info(`Restored version ${version} of "${identifier}" in "${application}" (${environment}).`);
  void notifyInformation(vscode.l10n.t(`Restored version {0} of "{1}". The values it replaced are kept in its history.`, version, identifier));
}

/** From a tree node, an sso: URI (context menu) or the active sso: editor. */
function configurationOf(ctx: ExplorerCommandsContext, target: unknown): ConfigurationRef {
  const node = target as ExplorerNode | undefined;
  if (node && typeof node === 'object' && 'type' in node && node.type === 'identifier') {
    return { environment: node.env, application: node.app.name, identifier: node.info.identifier };
  }
  const uri = target instanceof vscode.Uri ? target : vscode.window.activeTextEditor?.document.uri;
  const fromHistory = uri?.scheme === HISTORY_SCHEME ? parseHistoryPath(uri.path, uri.query) : undefined;
  if (fromHistory) return fromHistory;
  const path = uri ? parseSsoUri(uri) : undefined;
  if (!path?.application || path.identifier === undefined) {
    requireEnvironment(ctx.connection);
    throw new UserFacingError(vscode.l10n.t('Select a configuration in the Enterprise SSO explorer (right-click, "Show History"), or run this in its editor.'));
  }
  return { environment: path.environment, application: path.application, identifier: path.identifier };
}

function historyTargetOf(uri: vscode.Uri | undefined): HistoryTarget {
  const from = uri ?? vscode.window.activeTextEditor?.document.uri;
  const target = from?.scheme === HISTORY_SCHEME ? parseHistoryPath(from.path, from.query) : undefined;
  if (!target) throw new UserFacingError(vscode.l10n.t('Open a kept version first: run "SSO: Show History" on the configuration and pick one.'));
  return target;
}
