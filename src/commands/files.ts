/**
 * Files of the lifecycle commands (master secret backups, exports): chosen in VS Code's own
 * dialogs, read whole, and written readable by the owner only (mode 0600 on POSIX, a protected ACL
 * on Windows; also when an existing file is replaced), whole and durably. They are encrypted under
 * the user's password; nothing in clear is ever written, not even temporarily.
 */
import { homedir } from 'node:os';
import * as vscode from 'vscode';
import { SsoError } from '../protocol/errors';
import { writePrivateFile as writePrivateFileOnDisk } from '../platform/privateFiles';
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

/** A file that could not be written: what happened, in words, and the error code when there was one. */
export class FileNotWritten extends UserFacingError {
  constructor(
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Writes an encrypted file for the owner only, replacing any existing file whole: on local disks
 * through the writer ssoctl and the MSS use (src/platform/privateFiles.ts: a new file beside it,
 * owner-only before its first byte, synced, renamed over; links and devices refused), so a failed
 * write leaves the old file as it was and a new secret's backup is on disk before anything switches.
 */
export async function writePrivateFile(uri: vscode.Uri, bytes: Buffer): Promise<void> {
  try {
    if (uri.scheme === 'file') await writePrivateFileOnDisk(uri.fsPath, bytes);
    else await vscode.workspace.fs.writeFile(uri, bytes);
  } catch (err) {
    const reason = err instanceof SsoError ? err.message.replace(/\.$/, '') : writeErrorReason((err as NodeJS.ErrnoException | undefined)?.code);
    throw new FileNotWritten(reason, vscode.l10n.t('{0} could not be written: {1}. Nothing was saved there; a file that was there before is unchanged. Choose a folder you may write to.', displayPath(uri), reason));
  }
}

/** The reason as a person reads it (and its code for the log): never a temporary file's name. */
function writeErrorReason(code: string | undefined): string {
  switch (code) {
    case 'ENOENT':
      return vscode.l10n.t('the folder does not exist (ENOENT)');
    case 'EACCES':
    case 'EPERM':
      return vscode.l10n.t('you may not write in that folder ({0})', code);
    case 'ENOSPC':
    case 'EDQUOT':
      return vscode.l10n.t('the disk or your quota is full ({0})', code);
    case 'EROFS':
      return vscode.l10n.t('the drive is read-only (EROFS)');
    case undefined:
      return vscode.l10n.t('an unexpected error');
    default:
      return code;
  }
}

/** The path as people read it. */
export function displayPath(uri: vscode.Uri): string {
  return uri.scheme === 'file' ? uri.fsPath : uri.toString(true);
}

export function baseName(uri: vscode.Uri): string {
  return uri.path.split('/').pop() ?? uri.path;
}
