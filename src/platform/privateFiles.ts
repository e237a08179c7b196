/**
 * Files that hold secrets: the MSS's vault (master.key, secrets.vault, the unpublished-restore
 * record), what ssoctl writes and what the palette writes (exports, master secret backups). One
 * implementation for all (node built-ins and the contract's errors only, so that the service,
 * ssoctl and the extension may all use it: src/platform, never `vscode`),
 * because the guarantees are the same:
 * - owner-only from the first byte, whatever the umask or an inherited ACL said: on POSIX mode
 *   0600; on Windows a protected ACL (inheritance removed: the user, SYSTEM and Administrators
 *   only) set with icacls on the still-empty file, since open()'s mode sets no ACL there and a
 *   file otherwise inherits its folder's (a data drive's root grants Authenticated Users Modify).
 *   The mode of open() applies only to a file it creates, so a file is never rewritten in place
 *   (a file replaced in place kept its old mode, 0644 for an old export);
 * - on disk before the call returns (file, rename and folder synced): a crash leaves the old file or
 *   the new one, never half of one, and a master secret's backup is on disk before the caller
 *   switches to that secret;
 * - a symbolic link or a device at the target is refused: the rename would replace a link, not
 *   write through it, and a device (/dev/stdout) cannot be replaced at all.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { lstatSync, promises as fs, type Stats } from 'node:fs';
import { basename, dirname, join, win32 } from 'node:path';
import { SsoError } from '../protocol/errors';

const IS_POSIX = process.platform !== 'win32';

/** What is at `path` itself (a link is not followed), or undefined when nothing is. */
export function lstatOrUndefined(path: string): Stats | undefined {
  try {
    return lstatSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** Replaces `file` (or creates it) with `content`, owner-only and durably, through a new file beside it. */
export async function writePrivateFile(file: string, content: Buffer): Promise<void> {
  refuseUnreplaceable(file);
  const folder = dirname(file);
  const temporary = join(folder, `.${basename(file)}.${randomBytes(6).toString('hex')}.tmp`);
  // Opened before anything is written: a folder that cannot be opened (write-only, say) refuses the
  // write while the old file is still there, instead of failing after the rename replaced it.
  const folderHandle = IS_POSIX ? await fs.open(folder, 'r') : undefined;
  try {
    try {
      await writeNewPrivateFile(temporary, content, file);
      await fs.rename(temporary, file);
    } catch (error) {
      await fs.rm(temporary, { force: true }).catch(() => undefined);
      throw error;
    }
    // The file is replaced and its bytes are on disk: a folder that cannot be synced (some network and
    // FUSE mounts refuse fsync on folders) must not make the caller report "not written".
    await folderHandle?.sync().catch(() => undefined);
  } finally {
    await folderHandle?.close();
  }
}

/** Creates a file that must not exist yet, owner-only before its first byte, and makes it durable. */
export async function writeNewPrivateFile(path: string, content: Buffer, shownName = path): Promise<void> {
  const handle = await fs.open(path, 'wx', 0o600);
  try {
    if (IS_POSIX) await handle.chmod(0o600);
    else await restrictToOwnerOnWindows(path, shownName);
    await handle.writeFile(content);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * icacls's arguments for a protected owner-only ACL: inherited entries removed, full control for
 * the file's owner (OWNER RIGHTS, S-1-3-4: the account that created it, a user or a service
 * account, without resolving its name), SYSTEM (S-1-5-18: backup agents) and Administrators
 * (S-1-5-32-544), nothing else. SIDs by number: a localized Windows ("Administratoren") reads them too.
 */
export function ownerOnlyAclArguments(file: string): string[] {
  return [file, '/inheritance:r', '/grant:r', '*S-1-3-4:F', '*S-1-5-18:F', '*S-1-5-32-544:F', '/Q'];
}

/**
 * icacls by its full path: a bare name is looked for in the current folder before PATH on Windows,
 * so an icacls.exe in the folder ssoctl runs from would run instead.
 */
export function icaclsPath(systemRoot = process.env.SystemRoot): string {
  if (!systemRoot) throw new SsoError('ENTSSO_E_INVALID_REQUEST', 'The SystemRoot environment variable is not set, so icacls cannot be found to make the file private. Run from a normal Windows session.');
  return win32.join(systemRoot, 'System32', 'icacls.exe');
}

/** `shownName` is the file the user named (the temporary file beside it is what gets the ACL). */
function restrictToOwnerOnWindows(file: string, shownName: string): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(icaclsPath(), ownerOnlyAclArguments(file), { windowsHide: true, timeout: 30_000 }, (error) => {
      if (!error) return resolve();
      // Nothing has been written yet: the caller removes the empty file.
      reject(
        new SsoError(
          'ENTSSO_E_INVALID_REQUEST',
          `The permissions of ${shownName} could not be restricted to your account (icacls failed), so nothing was written to it. Choose a folder on a local NTFS drive, or one whose permissions you may change.`,
          { reason: 'acl-not-set' },
        ),
      );
    });
  });
}

/** Makes a rename or a removal in `folder` durable. Windows cannot open folders for fsync; NTFS journals renames. */
export async function syncFolder(folder: string): Promise<void> {
  if (!IS_POSIX) return;
  const handle = await fs.open(folder, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

function refuseUnreplaceable(file: string): void {
  const existing = lstatOrUndefined(file);
  if (!existing || (existing.isFile() && !existing.isSymbolicLink())) return;
  throw new SsoError(
    'ENTSSO_E_INVALID_REQUEST',
    `${file} is ${existing.isSymbolicLink() ? 'a symbolic link' : 'not a regular file'}: a file holding secrets is only ever replaced whole, owner-only, never written through a link or to a device. Give the path of a new or regular file.`,
    { reason: 'not-a-regular-file' },
  );
}
