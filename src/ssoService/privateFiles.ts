/**
 * Files that hold secrets: the MSS's vault (master.key, secrets.vault, the unpublished-restore
 * record) and what ssoctl writes (exports, master secret backups). One implementation for both,
 * because the guarantees are the same:
 * - owner-only (0600) from the first byte, whatever the umask or an inherited ACL default said; the
 *   mode given to open() applies only to a file it creates, so a file is never rewritten in place
 *   (a file replaced in place kept its old mode, 0644 for an old export);
 * - on disk before the call returns (file, rename and folder synced): a crash leaves the old file or
 *   the new one, never half of one, and a master secret's backup is on disk before the caller
 *   switches to that secret;
 * - a symbolic link or a device at the target is refused: the rename would replace a link, not
 *   write through it, and a device (/dev/stdout) cannot be replaced at all.
 */
import { randomBytes } from 'node:crypto';
import { lstatSync, promises as fs, type Stats } from 'node:fs';
import { basename, dirname, join } from 'node:path';
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
  try {
    await writeNewPrivateFile(temporary, content);
    await fs.rename(temporary, file);
  } catch (error) {
    await fs.rm(temporary, { force: true }).catch(() => undefined);
    throw error;
  }
  await syncFolder(folder);
}

/** Creates a file that must not exist yet, 0600 from the first byte, and makes it durable. */
export async function writeNewPrivateFile(path: string, content: Buffer): Promise<void> {
  const handle = await fs.open(path, 'wx', 0o600);
  try {
    if (IS_POSIX) await handle.chmod(0o600);
    await handle.writeFile(content);
    await handle.sync();
  } finally {
    await handle.close();
  }
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
