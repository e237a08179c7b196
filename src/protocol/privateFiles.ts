/**
 * Files that hold secrets: the MSS's vault (master.key, secrets.vault, the unpublished-restore
 * record), what ssoctl writes and what the palette writes (exports, master secret backups). One
 * implementation for all (node built-ins only, so the extension and the service may both use it),
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
import { basename, dirname, join } from 'node:path';
import { SsoError } from './errors';

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
  try {
    await writeNewPrivateFile(temporary, content);
    await fs.rename(temporary, file);
  } catch (error) {
    await fs.rm(temporary, { force: true }).catch(() => undefined);
    throw error;
  }
  await syncFolder(folder);
}

/** Creates a file that must not exist yet, owner-only before its first byte, and makes it durable. */
export async function writeNewPrivateFile(path: string, content: Buffer): Promise<void> {
  const handle = await fs.open(path, 'wx', 0o600);
  try {
    if (IS_POSIX) await handle.chmod(0o600);
    else await restrictToOwnerOnWindows(path);
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

function restrictToOwnerOnWindows(file: string): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile('icacls', ownerOnlyAclArguments(file), { windowsHide: true, timeout: 30_000 }, (error) => {
      if (!error) return resolve();
      // Nothing has been written yet: the caller removes the empty file.
      reject(
        new SsoError(
          'ENTSSO_E_INVALID_REQUEST',
          `The permissions of ${file} could not be restricted to your account (icacls failed), so nothing was written to it. Choose a folder on a local NTFS drive, or one whose permissions you may change.`,
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
