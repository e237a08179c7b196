/**
 * Configuration editing commands (masked fields: maskedFieldCommands.ts): "SSO: Open as Stored
 * Fields" (a document shown as key/values of its AppConfig XML or settings JSON, opened as the
 * stored field itself), the explanation shown when a save is
 * attempted while edits are blocked, and the one-time notice after a save that BizTalk picks
 * changes up only when its cache expires.
 */
import * as vscode from 'vscode';
import type { ConnectionManager } from '../connection/connectionManager';
import { SSO_SCHEME, isFieldsView, parseSsoUri, withFieldsView } from '../model/ssoUri';
import { ApplicationsTreeProvider, type ExplorerNode } from '../views/applicationsTree';
import { openSsoDocument } from '../views/ssoDocumentLanguage';
import type { SsoFileSystemRegistration } from '../views/ssoFileSystemRegistration';
import { notifyInformation } from '../views/notifications';
import { UserFacingError, registerCommand, type CommandContext } from './commandRunner';

interface ConfigurationCommandsContext extends CommandContext {
  readonly connection: ConnectionManager;
  readonly fileSystem: SsoFileSystemRegistration;
  readonly globalState: vscode.Memento;
}

const HIDE_PICKUP_NOTICE = 'entsso.hideCachePickupNotice';

export function registerConfigurationCommands(ctx: ConfigurationCommandsContext): vscode.Disposable[] {
  let noticeShown = false;
  return [
    registerCommand(ctx, 'entsso.explainReadOnly', () => explainReadOnly(ctx)),
    registerCommand(ctx, 'entsso.openStoredFields', (target?: vscode.Uri | ExplorerNode) => openStoredFields(ctx, target)),
    ctx.fileSystem.provider.onDidWrite((e) => {
      if (noticeShown || ctx.globalState.get<boolean>(HIDE_PICKUP_NOTICE)) return;
      noticeShown = true;
      void notifyInformation(
        vscode.l10n.t(`Saved "{0}". BizTalk host instances use the change once their SSO cache expires (60 s to 5 min) or after they restart.`, ctx.fileSystem.provider.nameOf(e.uri)),
        vscode.l10n.t("Don't Show Again"),
      ).then((picked) => {
        if (picked) void ctx.globalState.update(HIDE_PICKUP_NOTICE, true);
      });
    }),
  ];
}

function targetUri(target: vscode.Uri | ExplorerNode | undefined): vscode.Uri | undefined {
  if (target instanceof vscode.Uri) return target;
  if (target) return ApplicationsTreeProvider.uriOf(target);
  const active = vscode.window.activeTextEditor?.document.uri;
  return active?.scheme === SSO_SCHEME ? active : undefined;
}

async function openStoredFields(ctx: ConfigurationCommandsContext, target: vscode.Uri | ExplorerNode | undefined): Promise<void> {
  const uri = targetUri(target);
  const path = uri ? parseSsoUri(uri) : undefined;
  if (!uri || !path?.identifier) {
    throw new UserFacingError(vscode.l10n.t('Open a config-store entry from the Enterprise SSO explorer first, then run "SSO: Open as Stored Fields" in its editor.'));
  }
  if (isFieldsView(uri.query) || !ctx.fileSystem.provider.layoutOf(uri).layout) {
    void notifyInformation(vscode.l10n.t(`"{0}" is shown field by field already: it is not kept as AppConfig XML or settings JSON.`, path.identifier));
    return;
  }
  const doc = await openSsoDocument(uri.with({ query: withFieldsView(uri.query) }));
  await vscode.window.showTextDocument(doc, { preview: false });
}

function explainReadOnly(ctx: ConfigurationCommandsContext): void {
  const uri = vscode.window.activeTextEditor?.document.uri;
  const block = uri?.scheme === SSO_SCHEME ? ctx.fileSystem.provider.blockOf(uri) : ctx.fileSystem.editBlock;
  const name = uri ? (parseSsoUri(uri)?.identifier ?? uri.path) : vscode.l10n.t('this configuration');
  if (!block) {
    // Edits are allowed again: save as usual.
    void vscode.commands.executeCommand('workbench.action.files.save');
    return;
  }
  // A document of another environment waits for a switch, not for this environment's health.
  const next = block.key.startsWith('other:') ? { title: vscode.l10n.t('Switch Environment…'), command: 'entsso.switchEnvironment' } : { title: vscode.l10n.t('Check Health'), command: 'entsso.checkHealth' };
  throw new UserFacingError(vscode.l10n.t(`Cannot save "{0}". {1}`, name, block.plain), [next]);
}
