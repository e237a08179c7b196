/**
 * How a command says that it wrote a file (a backup, an export): a toast that offers to show the
 * file where it is (File Explorer / Finder on the desktop, VS Code's Explorer view in a browser,
 * where the OS file manager is not reachable) and to copy its path, as Azure Storage and Docker do.
 */
import * as vscode from 'vscode';
import { notifyInformation, notifyWarning } from '../views/notifications';

/** A function, not a constant: vscode.l10n answers once the extension's bundle is loaded. */
const copyPathLabel = (): string => vscode.l10n.t('Copy Path');

/**
 * The Reveal button's label where the extension runs: the OS file manager is out of reach in a
 * browser or remote window, and VS Code's Explorer view shows only the workspace's files.
 */
function revealLabel(file: vscode.Uri): string | undefined {
  if (revealsInOS()) return vscode.l10n.t('Reveal in File Explorer');
  return vscode.workspace.getWorkspaceFolder(file) ? vscode.l10n.t('Reveal in Explorer View') : undefined;
}

function revealsInOS(): boolean {
  return vscode.env.uiKind === vscode.UIKind.Desktop && vscode.env.remoteName === undefined;
}

/**
 * Shows `message` with Reveal / Copy Path after the command's own `buttons`; resolves with the
 * command's button if one was picked (Reveal and Copy Path are handled here).
 */
export async function showWrittenFile(message: string, file: vscode.Uri, options: { warning?: boolean; buttons?: string[] } = {}): Promise<string | undefined> {
  const reveal = revealLabel(file);
  const copyPath = copyPathLabel();
  const show = options.warning ? notifyWarning : notifyInformation;
  const picked = await show(message, ...(options.buttons ?? []), ...(reveal ? [reveal] : []), copyPath);
  if (reveal && picked === reveal) {
    await revealFile(file);
    return undefined;
  }
  if (picked === copyPath) {
    await vscode.env.clipboard.writeText(file.fsPath);
    vscode.window.setStatusBarMessage(`$(check) ${vscode.l10n.t('Copied the path of {0}.', file.path.split('/').pop() ?? vscode.l10n.t('the file'))}`, 4000);
    return undefined;
  }
  return picked;
}

async function revealFile(file: vscode.Uri): Promise<void> {
  await vscode.commands.executeCommand(revealsInOS() ? 'revealFileInOS' : 'revealInExplorer', file);
}
