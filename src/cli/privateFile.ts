/**
 * Files ssoctl writes that hold secrets (exports, master secret backups). The mode given to
 * open() applies only to a file it creates, so a file replaced with --force kept its old mode
 * (0644: readable by every local user). Here the bytes go to a new owner-only file beside the
 * target, reach the disk, and only then replace the target: a crash leaves the old file whole,
 * and a master secret's backup is on disk before the caller switches to that secret.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, fchmodSync, fsyncSync, lstatSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { UsageError } from './args';

/**
 * Where an export or a backup may go, checked before anything is asked of the service: a new
 * file, or (with --force) a regular file. The file is replaced by a rename, so a symbolic link
 * would be replaced, not written through, and a device (/dev/stdout) cannot be replaced at all.
 */
export function checkOutputFile(file: string, force: boolean): void {
  const existing = lstatOrUndefined(file);
  if (!existing) return;
  if (existing.isSymbolicLink() || !existing.isFile()) {
    throw new UsageError(
      `${file} is ${existing.isSymbolicLink() ? 'a symbolic link' : 'not a regular file'}: ssoctl writes exports and backups only to a regular file, which it replaces whole, owner-only (never through a link, never to a device such as /dev/stdout). Give the path of a new or regular file.`,
    );
  }
  if (!force) throw new UsageError(`${file} exists. Choose another file, or add --force to replace it.`);
}

export function writePrivateFileSync(file: string, bytes: Buffer): void {
  checkOutputFile(file, true);
  const temporary = join(dirname(file), `.${basename(file)}.${randomBytes(6).toString('hex')}.tmp`);
  const fd = openSync(temporary, 'wx', 0o600);
  try {
    try {
      // Whatever the umask or an inherited ACL default said.
      if (process.platform !== 'win32') fchmodSync(fd, 0o600);
      for (let done = 0; done < bytes.length; ) done += writeSync(fd, bytes, done);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temporary, file);
  } catch (err) {
    removeQuietly(temporary);
    throw err;
  }
  syncDirectory(dirname(file));
}

/** The rename itself on disk (POSIX); Windows cannot open a folder for that and needs no such step. */
function syncDirectory(folder: string): void {
  if (process.platform === 'win32') return;
  const fd = openSync(folder, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function lstatOrUndefined(file: string): ReturnType<typeof lstatSync> | undefined {
  try {
    return lstatSync(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

function removeQuietly(file: string): void {
  try {
    unlinkSync(file);
  } catch {
    // never created, or already gone
  }
}
