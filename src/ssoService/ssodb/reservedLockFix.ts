/**
 * PROCESS-WIDE PATCH OF `fs.accessSync`: a workaround for a defect of node-sqlite3-wasm.
 *
 * Upstream: tndrle/node-sqlite3-wasm, `src/vfs.js`, `nodejsCheckReservedLock` (the dot-file
 * locking of its pull request #17, still so in 0.8.60, the version installed here). It answers
 * SQLite's "does another connection hold a RESERVED lock?" (xCheckReservedLock) with "is
 * `<file>.lock` present?", which is also true when the asking connection is the holder. SQLite
 * asks exactly then: right after taking its own lock, to decide whether a leftover journal is
 * hot (its writer died mid-commit) and must be rolled back. With the defect the answer is always
 * "another writer is active", so a dead writer's half-written pages are never rolled back (seen
 * here: after a SIGKILL in the middle of a 100-row UPDATE, 96 rows showed the uncommitted value).
 *
 * The fix: since the directory is the VFS's only lock, while one of our operations holds it no
 * other connection can, so the correct answer during our operations is "no". The VFS asks
 * through `fs.accessSync(<file>.lock)`; the wrapper installed here reports that path as absent
 * while an operation on that file runs in this process (synchronously, see
 * `whileLockReportedAbsent`) and passes every other call through unchanged. If the operation has
 * not got the lock, SQLite returns BUSY before it ever asks, so the wrapper cannot hide a live
 * writer.
 *
 * When upstream fixes the defect, test/unit/ssodb/reservedLockFix.test.ts fails ("the upstream
 * defect is gone"): then delete this module and its calls.
 */
import fs from 'node:fs';
import { isOperating, runWhileOperating } from './operatingLocks';

let installed = false;
const LOCK_ABSENT = Object.assign(new Error('ENOENT: no such file or directory (the lock held by this very operation)'), { code: 'ENOENT' });

/** Installs the wrapper once per process; every SQLite store calls it before its first operation. */
export function installReservedLockFix(): void {
  if (installed) return;
  installed = true;
  const mutableFs = fs as unknown as { accessSync: (target: fs.PathLike, mode?: number) => void };
  const original = mutableFs.accessSync;
  mutableFs.accessSync = function accessSync(target: fs.PathLike, mode?: number): void {
    // One error made once: the VFS only looks at whether it throws, and this runs in every transaction.
    if (isOperating(target)) throw LOCK_ABSENT;
    original.call(fs, target, mode);
  };
}

/** Runs one synchronous database operation during which the VFS sees its own lock as absent. */
export function whileLockReportedAbsent<T>(lockPath: string, operation: () => T): T {
  return runWhileOperating(lockPath, operation);
}
