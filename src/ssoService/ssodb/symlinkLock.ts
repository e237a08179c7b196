/**
 * PROCESS-WIDE PATCH OF `fs.mkdirSync` AND `fs.rmdirSync`: the SSODB lock as a symbolic link.
 *
 * node-sqlite3-wasm's VFS locks a database file with `mkdirSync('<file>.lock')` and unlocks it
 * with `rmdirSync`. Measured on these machines (ext4 mounted with `discard`): mkdir + rmdir of
 * an empty directory takes 1–2.4 ms p50 under load (0.07 ms on a quiet run), because a directory
 * owns a data block that rmdir frees (and discards); symlink + unlink of a short link, whose
 * target lives in the inode, takes 0.01–0.015 ms. Every transaction paid it, reads included.
 *
 * So, while one of this process's store operations runs on a lock path (operatingLocks.ts) and
 * nowhere else, `mkdirSync(lock)` creates a symbolic link instead, whose target is the owner
 * ("<pid> <process start time>"), and `rmdirSync(lock)` removes whichever of link or directory is
 * there. Outside an operation only one thing changes, for the lock paths of the stores open in
 * this process: `rmdirSync` of a link (ENOTDIR) removes the link, should SQLite ever release a
 * lock after the operation that took it (closing a connection that still holds it).
 * Exclusion is unchanged, also against processes still using directories (another version, a
 * tool on the raw library): creating a link fails with EEXIST on an existing directory and
 * mkdir fails with EEXIST on an existing link, and the VFS turns EEXIST into SQLITE_BUSY as before.
 * The owner is written in the same atomic step as the lock, so no separate owner record is
 * needed for these locks (see LockDirectory for how a lock is judged stale).
 *
 * Not on Windows, where creating a symbolic link needs a privilege: there the lock stays a
 * directory with its owner record.
 */
import fs from 'node:fs';
import { identityOf } from '../../protocol/processIdentity';
import { isOperating } from './operatingLocks';

/** Lock paths of the stores open in this process, and how many stores use each. */
const lockPaths = new Map<string, number>();
let installed = false;
/** fs.rmdirSync as it was before the patch (a directory lock is removed with it). */
let plainRmdir: (target: fs.PathLike) => void = (target) => fs.rmdirSync(target);

export const SYMLINK_LOCKS = process.platform !== 'win32';

/** The link's target: this process's pid and start time ("-" where there is none, see processIdentity). */
export const OWN_LOCK_TARGET = `${process.pid} ${identityOf(process.pid).startTime ?? '-'}`;

/** From now on the VFS's lock at `lockPath` is a symbolic link (no-op on Windows). Pair with `release`. */
export function useSymlinkLock(lockPath: string): void {
  if (!SYMLINK_LOCKS) return;
  install();
  lockPaths.set(lockPath, (lockPaths.get(lockPath) ?? 0) + 1);
}

export function releaseSymlinkLock(lockPath: string): void {
  const count = (lockPaths.get(lockPath) ?? 1) - 1;
  if (count <= 0) lockPaths.delete(lockPath);
  else lockPaths.set(lockPath, count);
}

/** Removes the lock at `lockPath`, link or directory; false when it was not there (or not removable). */
export function removeLock(lockPath: string): boolean {
  try {
    removeLockOrThrow(lockPath);
    return true;
  } catch {
    return false;
  }
}

function install(): void {
  if (installed) return;
  installed = true;
  const mutableFs = fs as unknown as {
    mkdirSync: (target: fs.PathLike, options?: unknown) => string | undefined;
    rmdirSync: (target: fs.PathLike, options?: unknown) => void;
  };
  const originalMkdir = mutableFs.mkdirSync;
  const originalRmdir = mutableFs.rmdirSync;
  plainRmdir = (target) => originalRmdir.call(fs, target);
  mutableFs.mkdirSync = function mkdirSync(target: fs.PathLike, options?: unknown): string | undefined {
    if (!isOperating(target)) return originalMkdir.call(fs, target, options);
    fs.symlinkSync(OWN_LOCK_TARGET, target);
    return undefined;
  };
  mutableFs.rmdirSync = function rmdirSync(target: fs.PathLike, options?: unknown): void {
    if (isOperating(target)) return removeLockOrThrow(target);
    if (typeof target !== 'string' || !lockPaths.has(target)) return originalRmdir.call(fs, target, options);
    try {
      originalRmdir.call(fs, target, options);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOTDIR') throw error;
      fs.unlinkSync(target);
    }
  };
}

/** The link this operation made, at the cost of one unlink; a directory (someone else's protocol) with rmdir. */
function removeLockOrThrow(lockPath: string): void {
  try {
    fs.unlinkSync(lockPath);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'EISDIR' && code !== 'EPERM') throw error;
    plainRmdir(lockPath);
  }
}
