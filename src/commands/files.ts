/**
 * Files of the lifecycle commands (master secret backups, exports): chosen in VS Code's own
 * dialogs, read whole, and written readable by the owner only (mode 0600, also when an existing
 * file is replaced). They are encrypted under the user's password; nothing in clear is ever
 * written, not even temporarily.
 */
import { open } from 'node:fs/promises';
import { homedir } from 'node:os';
import * as vscode from 'vscode';
import { UserCancelled, UserFacingError } from './commandRunner';

/** Backups of the master secret and application exports each have their own last folder. */
type FileKind = 'backup' | 'export';

/**
 * Where each kind of file was last written or picked, per workspace: the next dialog opens there
 * (as the Azure and SQL Server extensions do) instead of at the workspace root every time.
 */
let folderMemory: vscode.Memento | undefined;

export function rememberFileFolders(state: vscode.Memento): void {
  folderMemory = state;
}

function folderKey(kind: FileKind): string {
  return `entsso.lastFolder.${kind}`;
}

function defaultFolder(kind: FileKind): vscode.Uri {
  const last = folderMemory?.get<string>(folderKey(kind));
  if (last) return vscode.Uri.parse(last);
  return vscode.workspace.workspaceFolders?.[0]?.uri ?? vscode.Uri.file(homedir());
}

function rememberFolder(kind: FileKind, file: vscode.Uri): void {
  void folderMemory?.update(folderKey(kind), vscode.Uri.joinPath(file, '..').toString());
}

export async function pickSaveFile(options: { title: string; kind: FileKind; defaultName: string; filters: Record<string, string[]> }): Promise<vscode.Uri> {
  const uri = await vscode.window.showSaveDialog({
    title: options.title,
    defaultUri: vscode.Uri.joinPath(defaultFolder(options.kind), options.defaultName),
    filters: options.filters,
    saveLabel: vscode.l10n.t('Save'),
  });
  if (!uri) throw new UserCancelled();
  rememberFolder(options.kind, uri);
  return uri;
}

export async function pickOpenFile(options: { title: string; kind: FileKind; filters: Record<string, string[]>; openLabel: string }): Promise<vscode.Uri> {
  const uris = await vscode.window.showOpenDialog({ title: options.title, defaultUri: defaultFolder(options.kind), filters: options.filters, canSelectMany: false, openLabel: options.openLabel });
  if (!uris || uris.length === 0) throw new UserCancelled();
  const uri = uris[0] as vscode.Uri;
  rememberFolder(options.kind, uri);
  return uri;
}

/** The file's bytes, base64-encoded as the protocol carries them; refuses files larger than `maxBytes`. */
export async function readFileBase64(uri: vscode.Uri, maxBytes: number): Promise<string> {
  let stat: vscode.FileStat;
  try {
    stat = await vscode.workspace.fs.stat(uri);
  } catch {
    throw new UserFacingError(vscode.l10n.t(`{0} cannot be read. Check that it exists and that you may read it.`, displayPath(uri)));
  }
  if (stat.size > maxBytes) throw new UserFacingError(vscode.l10n.t(`{0} is larger ({1} bytes) than the {2} bytes this command accepts. Pick the right file.`, displayPath(uri), stat.size, maxBytes));
  const bytes = await vscode.workspace.fs.readFile(uri);
  return Buffer.from(bytes).toString('base64');
}

/** Writes an encrypted file for the owner only: 0600 on local disks, replacing any existing file. */
export async function writePrivateFile(uri: vscode.Uri, bytes: Buffer): Promise<void> {
  if (uri.scheme !== 'file') {
    await vscode.workspace.fs.writeFile(uri, bytes);
    return;
  }
  let handle;
  try {
    handle = await open(uri.fsPath, 'w', 0o600);
    // The mode of open() applies only to a new file: an existing one is narrowed too.
    await handle.chmod(0o600);
    await handle.writeFile(bytes);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UserFacingError(
      code
        ? vscode.l10n.t(`{0} could not be written ({1}). Choose a folder you may write to.`, displayPath(uri), code)
        : vscode.l10n.t('{0} could not be written. Choose a folder you may write to.', displayPath(uri)),
    );
  } finally {
    await handle?.close();
  }
}

/** The path as people read it. */
export function displayPath(uri: vscode.Uri): string {
  return uri.scheme === 'file' ? uri.fsPath : uri.toString(true);
}

export function baseName(uri: vscode.Uri): string {
  return uri.path.split('/').pop() ?? uri.path;
}
