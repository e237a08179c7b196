/**
 * Masked fields of a configuration: "SSO: Reveal Masked Fields" (modal confirmation, one audited
 * read, shown in a read-only `sso-revealed:` document beside the editable one: never in it, see
 * views/revealedDocuments.ts), "SSO: Hide Masked Fields" (closes that document) and
 * "SSO: Set Masked Field…" (a new value typed in a password box, so that it never enters a text
 * model, its undo history or VS Code's backups; a write command, refused up front while SSO
 * cannot be changed).
 */
import * as vscode from 'vscode';
import type { ConnectionManager } from '../connection/connectionManager';
import { SSO_SCHEME, parseSsoUri } from '../model/ssoUri';
import { LIMITS } from '../protocol/limits';
import { ApplicationsTreeProvider, type ExplorerNode } from '../views/applicationsTree';
import { REVEALED_SCHEME, RevealedDocuments } from '../views/revealedDocuments';
import { openSsoDocument } from '../views/ssoDocumentLanguage';
import type { SsoFileSystemProvider } from '../views/ssoFileSystem';
import { askWarningModal, notifyInformation } from '../views/notifications';
import { UserCancelled, UserFacingError, registerCommand, registerWriteCommand, type CommandContext } from './commandRunner';
import { pickOne } from './prompts';

interface MaskedFieldCommandsContext extends CommandContext {
  readonly connection: ConnectionManager;
  readonly fileSystem: SsoFileSystemProvider;
}

export function registerMaskedFieldCommands(ctx: MaskedFieldCommandsContext): vscode.Disposable[] {
  const revealed = new RevealedDocuments(ctx.log);
  return [
    revealed,
    // Values read in one environment are not shown once the explorer works in another.
    ctx.connection.onDidChangeEnvironment(() => void revealed.hideAll()),
    // A revealed document is a snapshot: once its configuration changes it would show old values.
    ctx.fileSystem.onDidWrite((e) => void revealed.hideConfiguration(e.uri)),
    ctx.fileSystem.onDidChangeFile((events) => {
      for (const e of events) if (e.type === vscode.FileChangeType.Deleted) void revealed.hideConfiguration(e.uri);
    }),
    registerCommand(ctx, 'entsso.revealMaskedFields', (target?: vscode.Uri | ExplorerNode) => revealMaskedFields(ctx, revealed, target)),
    registerCommand(ctx, 'entsso.hideMaskedFields', (target?: vscode.Uri | ExplorerNode) => hideMaskedFields(ctx, revealed, target)),
    registerWriteCommand(ctx, 'entsso.setMaskedField', (target?: vscode.Uri | ExplorerNode) => setMaskedField(ctx, target)),
  ];
}

function targetUri(target: vscode.Uri | ExplorerNode | undefined): vscode.Uri | undefined {
  if (target instanceof vscode.Uri) return target;
  if (target) return ApplicationsTreeProvider.uriOf(target);
  const active = vscode.window.activeTextEditor?.document.uri;
  return active?.scheme === SSO_SCHEME || active?.scheme === REVEALED_SCHEME ? active : undefined;
}

/** The open `sso:` document of a command's target (opened when it is not), with its names. */
async function openTarget(ctx: MaskedFieldCommandsContext, target: vscode.Uri | ExplorerNode | undefined, refusal: string) {
  const uri = targetUri(target);
  const path = uri?.scheme === SSO_SCHEME ? parseSsoUri(uri) : undefined;
  if (!uri || !path?.identifier || !path.application) throw new UserFacingError(refusal);
  let doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
  // Shown in a tab: a revealed document closes with its source's last tab (views/revealedDocuments.ts).
  if (!doc || !inTab(uri)) {
    doc ??= await openSsoDocument(uri);
    await vscode.window.showTextDocument(doc, { preview: false });
  }
  const schema = ctx.fileSystem.schemaFor(uri);
  if (!schema) throw new UserFacingError(vscode.l10n.t(`"{0}" could not be read; open it again from the explorer.`, path.identifier));
  return { uri, doc, schema, path: { environment: path.environment, application: path.application, identifier: path.identifier }, name: ctx.fileSystem.nameOf(uri) };
}

function inTab(uri: vscode.Uri): boolean {
  const key = uri.toString();
  return vscode.window.tabGroups.all.some((g) => g.tabs.some((t) => t.input instanceof vscode.TabInputText && t.input.uri.toString() === key));
}

async function revealMaskedFields(ctx: MaskedFieldCommandsContext, revealed: RevealedDocuments, target: vscode.Uri | ExplorerNode | undefined): Promise<void> {
  const { uri, schema, path, name } = await openTarget(
    ctx,
    target,
    vscode.l10n.t('Open a port configuration or config-store entry from the Enterprise SSO explorer first, then run "SSO: Reveal Masked Fields" in its editor.'),
  );
  if (schema.masked.length === 0) {
    void notifyInformation(vscode.l10n.t(`"{0}" has no masked fields: every value is already shown.`, name));
    return;
  }
  if (schema.maskedSet?.length === 0) {
    void notifyInformation(vscode.l10n.t(`None of the masked fields of "{0}" holds a value (they show as ""): there is nothing to reveal.`, name));
    return;
  }
  const shown = revealed.revealedOf(uri);
  if (shown) {
    await vscode.window.showTextDocument(shown, { preview: false });
    return;
  }
  const fields = schema.masked.map((f) => `"${f}"`).join(', ');
  // One value for the button and the comparison, in whatever language VS Code runs.
  const revealButton = vscode.l10n.t('Reveal');
  const answer = await askWarningModal(
    schema.masked.length === 1 ? vscode.l10n.t('Reveal 1 masked field of "{0}"?', name) : vscode.l10n.t('Reveal {0} masked fields of "{1}"?', schema.masked.length, name),
    `${vscode.l10n.t('Fields: {0}. Identifier {1} of application {2}, environment "{3}".', fields, path.identifier, path.application, path.environment)}\n\n` +
      vscode.l10n.t('The SSO service records this in its audit log (who, when, which fields). The values are shown read-only beside this document until you close them.'),
    revealButton,
  );
  if (answer !== revealButton) throw new UserCancelled();
  const doc = await ctx.connection.request('config.get', { application: path.application, identifier: path.identifier, reveal: true }, path.environment);
  ctx.log.info(`Revealed ${schema.masked.length} masked field(s) of "${path.identifier}" of "${path.application}" (audited by the SSO service).`);
  await revealed.show(uri, ctx.fileSystem.revealedText(uri, doc));
}

/** Closes the revealed document of the target (the editable document stays as it is). */
async function hideMaskedFields(ctx: MaskedFieldCommandsContext, revealed: RevealedDocuments, target: vscode.Uri | ExplorerNode | undefined): Promise<void> {
  const uri = targetUri(target);
  if (!uri) throw new UserFacingError(vscode.l10n.t('Run "SSO: Hide Masked Fields" in the editor of a configuration whose masked fields you revealed.'));
  if (!(await revealed.hide(uri))) {
    void notifyInformation(vscode.l10n.t(`The masked fields of "{0}" are hidden already; "SSO: Reveal Masked Fields" shows them.`, parseSsoUri(uri)?.identifier ?? uri.path));
    return;
  }
  ctx.log.info(`Masked fields of ${uri.path} hidden again.`);
}

async function setMaskedField(ctx: MaskedFieldCommandsContext, target: vscode.Uri | ExplorerNode | undefined): Promise<void> {
  const { uri, doc, schema, name } = await openTarget(
    ctx,
    target,
    vscode.l10n.t('Open a configuration from the Enterprise SSO explorer first, then run "SSO: Set Masked Field…" in its editor.'),
  );
  // The document's own environment may differ from the active one (registerWriteCommand checked that).
  const block = ctx.fileSystem.blockOf(uri);
  if (block) {
    const next = block.key.startsWith('other:') ? { title: vscode.l10n.t('Switch Environment…'), command: 'entsso.switchEnvironment' } : { title: vscode.l10n.t('Check Health'), command: 'entsso.checkHealth' };
    throw new UserFacingError(vscode.l10n.t('Nothing was changed: SSO cannot be changed now. {0}', block.plain), [next]);
  }
  if (schema.masked.length === 0) {
    void notifyInformation(vscode.l10n.t(`"{0}" has no masked fields: every value is already shown.`, name));
    return;
  }
  if (doc.isDirty) {
    throw new UserFacingError(vscode.l10n.t(`Save or revert your changes to "{0}" first.`, name));
  }
  const title = vscode.l10n.t('Set a masked field of "{0}"', name);
  const field =
    schema.masked.length === 1
      ? (schema.masked[0] as string)
      : await pickOne(
          schema.masked.map((f) => ({ label: f, value: f })),
          { title, placeHolder: vscode.l10n.t('The masked field to set') },
        );
  const value = await vscode.window.showInputBox({
    title,
    prompt: vscode.l10n.t('New value of "{0}" (saved at once).', field),
    password: true,
    ignoreFocusOut: true,
    validateInput: (v) =>
      v === '' ? vscode.l10n.t('Type a value (to clear it, make it "" in the document).') : v.length > LIMITS.valueLength ? vscode.l10n.t('At most {0} characters.', LIMITS.valueLength) : undefined,
  });
  if (value === undefined) throw new UserCancelled();
  await ctx.fileSystem.setMaskedField(uri, field, value);
  void notifyInformation(vscode.l10n.t(`Masked field "{0}" of "{1}" was set.`, field, name));
}
