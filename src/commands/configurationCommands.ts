/**
 * Configuration editing commands: "SSO: Reveal Masked Fields" (modal confirmation, audited
 * read), "SSO: Open as Stored Fields" (a document shown as key/values of its AppConfig XML or
 * settings JSON, opened as the stored field itself), the explanation shown when a save is
 * attempted while edits are blocked, and the one-time notice after a save that BizTalk picks
 * changes up only when its cache expires.
 */
import * as vscode from 'vscode';
import type { ConnectionManager } from '../connection/connectionManager';
import { SSO_SCHEME, isFieldsView, parseSsoUri, withFieldsView } from '../model/ssoUri';
import { ApplicationsTreeProvider, type ExplorerNode } from '../views/applicationsTree';
import { openSsoDocument } from '../views/ssoDocumentLanguage';
import type { SsoFileSystemRegistration } from '../views/ssoFileSystemRegistration';
import { askWarningModal, notifyInformation } from '../views/notifications';
import { UserCancelled, UserFacingError, registerCommand, type CommandContext } from './commandRunner';

interface ConfigurationCommandsContext extends CommandContext {
  readonly connection: ConnectionManager;
  readonly fileSystem: SsoFileSystemRegistration;
  readonly globalState: vscode.Memento;
}

const HIDE_PICKUP_NOTICE = 'entsso.hideCachePickupNotice';
const RELOAD_WAIT_MS = 10_000;

export function registerConfigurationCommands(ctx: ConfigurationCommandsContext): vscode.Disposable[] {
  let noticeShown = false;
  return [
    registerCommand(ctx, 'entsso.revealMaskedFields', (target?: vscode.Uri | ExplorerNode) => revealMaskedFields(ctx, target)),
    registerCommand(ctx, 'entsso.hideMaskedFields', (target?: vscode.Uri | ExplorerNode) => hideMaskedFields(ctx, target)),
    vscode.window.onDidChangeActiveTextEditor(() => updateRevealedContext(ctx)),
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

async function revealMaskedFields(ctx: ConfigurationCommandsContext, target: vscode.Uri | ExplorerNode | undefined): Promise<void> {
  const uri = targetUri(target);
  const path = uri ? parseSsoUri(uri) : undefined;
  if (!uri || !path?.identifier || !path.application) {
    throw new UserFacingError(vscode.l10n.t('Open a port configuration or config-store entry from the Enterprise SSO explorer first, then run "SSO: Reveal Masked Fields" in its editor.'));
  }
  const provider = ctx.fileSystem.provider;
  let doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
  if (!doc) {
    doc = await openSsoDocument(uri);
    await vscode.window.showTextDocument(doc, { preview: false });
  }
  const schema = provider.schemaFor(uri);
  const name = provider.nameOf(uri);
  if (!schema) throw new UserFacingError(vscode.l10n.t(`"{0}" could not be read; open it again from the explorer.`, path.identifier));
  if (schema.masked.length === 0) {
    void notifyInformation(vscode.l10n.t(`"{0}" has no masked fields: every value is already shown.`, name));
    return;
  }
  if (schema.maskedSet?.length === 0) {
    void notifyInformation(vscode.l10n.t(`None of the masked fields of "{0}" holds a value (they show as ""): there is nothing to reveal.`, name));
    return;
  }
  if (provider.isRevealed(uri)) {
    void notifyInformation(vscode.l10n.t(`The masked fields of "{0}" are already revealed. Run "SSO: Hide Masked Fields" (or close the editor) to hide them again.`, name));
    return;
  }
  if (doc.isDirty) {
    throw new UserFacingError(vscode.l10n.t(`Save or revert your changes to "{0}" first: revealing reloads the document from SSO.`, name));
  }
  const fields = schema.masked.map((f) => `"${f}"`).join(', ');
  // One value for the button and the comparison, in whatever language VS Code runs.
  const revealButton = vscode.l10n.t('Reveal');
  const answer = await askWarningModal(
    schema.masked.length === 1 ? vscode.l10n.t('Reveal 1 masked field of "{0}"?', name) : vscode.l10n.t('Reveal {0} masked fields of "{1}"?', schema.masked.length, name),
    `${vscode.l10n.t('Fields: {0}. Identifier {1} of application {2}, environment "{3}".', fields, path.identifier, path.application, path.environment)}\n\n` +
      vscode.l10n.t('The SSO service records this in its audit log (who, when, which fields). The values are shown read-only in this editor until you run "SSO: Hide Masked Fields" or close it.'),
    revealButton,
  );
  if (answer !== revealButton) throw new UserCancelled();
  const revealed = await ctx.connection.request('config.get', { application: path.application, identifier: path.identifier, reveal: true }, path.environment);
  ctx.log.info(`Revealed ${schema.masked.length} masked field(s) of "${path.identifier}" of "${path.application}" (audited by the SSO service).`);
  const reloaded = waitForChange(uri);
  provider.reveal(uri, revealed);
  const shown = await reloaded;
  updateRevealedContext(ctx);
  if (!shown) {
    throw new UserFacingError(vscode.l10n.t(`The masked fields were read, but the editor of "{0}" did not reload. Close it and open it again.`, name));
  }
  void notifyInformation(
    vscode.l10n.t(`The masked fields of "{0}" are shown read-only, so that VS Code never keeps them in its backups of unsaved changes. Run "SSO: Hide Masked Fields" (the closed eye in the title bar) to hide them and edit again; to change a password, type the new one over the placeholder.`, name),
  );
}

/** After a reveal: back to the placeholders and an editable document, without closing the tab. */
function hideMaskedFields(ctx: ConfigurationCommandsContext, target: vscode.Uri | ExplorerNode | undefined): void {
  const uri = targetUri(target);
  const name = uri ? ctx.fileSystem.provider.nameOf(uri) : undefined;
  if (!uri || !name) throw new UserFacingError(vscode.l10n.t('Run "SSO: Hide Masked Fields" in the editor of a configuration whose masked fields you revealed.'));
  if (!ctx.fileSystem.provider.hide(uri)) {
    void notifyInformation(vscode.l10n.t(`The masked fields of "{0}" are hidden already; "SSO: Reveal Masked Fields" shows them.`, name));
    return;
  }
  ctx.log.info(`Masked fields of ${uri.path} hidden again.`);
  updateRevealedContext(ctx);
}

/** Which of Reveal / Hide the editor title bar offers for the active document. */
function updateRevealedContext(ctx: ConfigurationCommandsContext): void {
  const uri = vscode.window.activeTextEditor?.document.uri;
  const revealed = uri?.scheme === SSO_SCHEME && ctx.fileSystem.provider.isRevealed(uri);
  void vscode.commands.executeCommand('setContext', 'entsso.maskedFieldsRevealed', revealed);
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

function waitForChange(uri: vscode.Uri): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => finish(false), RELOAD_WAIT_MS);
    const sub = vscode.workspace.onDidChangeTextDocument((e) => {
      if (e.document.uri.toString() === uri.toString() && e.contentChanges.length > 0) finish(true);
    });
    function finish(value: boolean) {
      clearTimeout(timer);
      sub.dispose();
      resolve(value);
    }
  });
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
