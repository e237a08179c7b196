/**
 * The lock protocol of the embedded SSODB: node-sqlite3-wasm's VFS locks a database file by
 * creating the directory `<file>.lock` (mkdir, exclusive whatever the lock level) and removing it
 * when done. This module adds what the library lacks: who holds the lock (an owner record), and
 * when a lock left by a dead process may be broken.
 */
import fs from 'node:fs';
import { identityOf, processLiveness } from '../../protocol/processIdentity';
import { installReservedLockFix, whileLockReportedAbsent } from './reservedLockFix';
import { releaseSymlinkLock, removeLock, SYMLINK_LOCKS, useSymlinkLock } from './symlinkLock';

/**
 * Stale-lock recovery for node-sqlite3-wasm's lock `<file>.lock`: a symbolic link whose target
 * is its owner where this process took it (see symlinkLock.ts), a directory where a process on
 * Windows, an earlier version or the raw library took it.
 *
 * Who may break a lock: a link names its owner (pid and start time) in the step that takes it;
 * for a directory, every transaction records its owner (pid and the identity of the lock
 * directory) right after taking the lock. A recorded owner that is dead: broken at once. A
 * recorded owner that is alive: never broken, however old (it may be paused, and would resume
 * its commit). No record for this directory: the holder died in the microseconds between taking
 * the lock and recording it, so the lock is broken once older than staleLockMs (default 2 s).
 * mtime and Date.now() come from the same clock for a local file.
 *
 * Why two breakers cannot remove a fresh lock: breaking is serialised by a second directory,
 * `<file>.lock-breaker`, and staleness is checked again while holding it. Nobody can create a
 * new lock while the stale one exists, so the directory removed is the stale one that was
 * checked. A breaker is held for microseconds; one older than staleLockMs is itself stale and
 * removed (the one remaining race needs two processes to die in that window).
 *
 * Why the data is safe: a writer that died mid-commit leaves a hot journal; once the lock is
 * gone, the next transaction rolls it back (with the fix of reservedLockFix.ts).
 */
/**
 * pid, its start time ("-" where there is none, see processIdentity), inode and change time in
 * nanoseconds, space-separated, padded: always fits.
 */
const OWNER_RECORD_WIDTH = 80;

export class LockDirectory {
  constructor(
    readonly lockPath: string,
    private readonly staleMs: number,
  ) {
    installReservedLockFix();
  }

  private open = false;

  /** Call before the first transaction; `close` undoes it. */
  use(): void {
    if (this.open) return;
    this.open = true;
    useSymlinkLock(this.lockPath);
  }

  get breakerPath(): string {
    return `${this.lockPath}-breaker`;
  }

  private ownerFd: number | undefined;

  get ownerPath(): string {
    return `${this.lockPath}-owner`;
  }

  /**
   * Written by the holder right after it took the lock: its pid and the identity (inode and
   * change time) of the lock directory it created. A lock whose recorded owner is gone (killed
   * mid-transaction, even mid-COMMIT) is broken at once instead of after `staleMs`. The record
   * is never removed: the next holder overwrites it, and a record that does not describe the
   * directory present now (an earlier holder's) is ignored, so it can never break a live lock.
   * A lock taken but not yet recorded (microseconds) falls back to the age rule.
   */
  recordOwner(): void {
    // A symbolic link lock names its owner already.
    if (SYMLINK_LOCKS) return;
    try {
      const id = fs.statSync(this.lockPath, { bigint: true });
      // One open descriptor, one fixed-width write at offset 0: this runs in every transaction.
      this.ownerFd ??= openOwnerRecordForWriting(this.ownerPath);
      fs.writeSync(this.ownerFd, `${process.pid} ${OWN_START_TIME} ${id.ino} ${id.ctimeNs}`.padEnd(OWNER_RECORD_WIDTH), 0);
    } catch {
      // Only a speed-up: without it the age rule still applies.
    }
  }

  close(): void {
    if (this.open) releaseSymlinkLock(this.lockPath);
    this.open = false;
    if (this.ownerFd === undefined) return;
    fs.closeSync(this.ownerFd);
    this.ownerFd = undefined;
  }

  /**
   * What the owner record says about the lock directory present now: 'dead' (its process is
   * gone), 'alive', or 'unknown' (no record for this directory: taken microseconds ago, or by a
   * process that does not record owners).
   */
  private ownerState(): 'dead' | 'alive' | 'unknown' {
    let owner: Omit<OwnerRecord, 'ino' | 'ctimeNs'> | undefined;
    try {
      owner = fs.lstatSync(this.lockPath).isSymbolicLink() ? parseLinkOwner(fs.readlinkSync(this.lockPath)) : this.recordedOwner();
      if (!owner) return 'unknown';
    } catch {
      return 'unknown';
    }
    if (owner.pid === process.pid && owner.startTime === identityOf(process.pid).startTime) return 'alive';
    // Its pid alone would keep a lock for ever once reused by another process: the start time tells.
    return processLiveness(owner) === 'gone' ? 'dead' : 'alive';
  }

  /** The owner record, if it describes the lock directory present now. */
  private recordedOwner(): OwnerRecord | undefined {
    let owner: OwnerRecord | undefined;
    try {
      owner = parseOwnerRecord(readOwnerRecord(this.ownerPath));
      const id = fs.statSync(this.lockPath, { bigint: true });
      if (!owner || String(id.ino) !== owner.ino || String(id.ctimeNs) !== owner.ctimeNs) return undefined;
    } catch {
      return undefined;
    }
    return owner;
  }

  /** True when a stale lock was removed (the caller should retry at once). */
  breakIfStale(): boolean {
    if (!this.isStale(this.lockPath) || !this.takeBreaker()) return false;
    try {
      if (!this.isStale(this.lockPath)) return false;
      removeLock(this.lockPath);
      return true;
    } finally {
      removeDirectory(this.breakerPath);
    }
  }

  /** Runs one synchronous database operation (see reservedLockFix.ts). */
  whileOperating<T>(operation: () => T): T {
    return whileLockReportedAbsent(this.lockPath, operation);
  }

  /**
   * A lock with a live recorded owner is never broken, however old: its holder may only be
   * paused (SIGSTOP, a debugger, a VM freeze), and would go on writing pages once resumed.
   * A dead recorded owner's lock is broken at once; an unrecorded one after `staleMs`.
   */
  private isStale(directory: string): boolean {
    try {
      // lstat: a link lock's target is a name, not a file.
      const age = Date.now() - fs.lstatSync(directory).mtimeMs;
      if (directory !== this.lockPath) return age > this.staleMs;
      const owner = this.ownerState();
      return owner === 'dead' || (owner === 'unknown' && age > this.staleMs);
    } catch {
      return false;
    }
  }

  private takeBreaker(): boolean {
    if (makeDirectory(this.breakerPath)) return true;
    if (!this.isStale(this.breakerPath)) return false;
    removeDirectory(this.breakerPath);
    return makeDirectory(this.breakerPath);
  }
}

const OWN_START_TIME = identityOf(process.pid).startTime ?? '-';

interface OwnerRecord {
  pid: number;
  startTime?: string;
  ino: string;
  ctimeNs: string;
}

/** A link lock's target: "pid start" (see symlinkLock.ts). */
function parseLinkOwner(target: string): Omit<OwnerRecord, 'ino' | 'ctimeNs'> | undefined {
  const [pidText, startTime, ...rest] = target.split(' ');
  const pid = Number(pidText);
  if (!Number.isSafeInteger(pid) || pid <= 0 || !startTime || rest.length > 0) return undefined;
  return { pid, ...(startTime !== '-' ? { startTime } : {}) };
}

/** "pid start ino ctime", or "pid ino ctime" as written before start times were recorded. */
function parseOwnerRecord(text: string): OwnerRecord | undefined {
  const fields = text.trim().split(' ');
  const [pidText, startTime, ino, ctimeNs] = fields.length === 3 ? [fields[0], '-', fields[1], fields[2]] : fields;
  const pid = Number(pidText);
  if (!Number.isSafeInteger(pid) || pid <= 0 || !ino || !ctimeNs || fields.length > 4) return undefined;
  return { pid, ...(startTime && startTime !== '-' ? { startTime } : {}), ino, ctimeNs };
}

const NO_FOLLOW = fs.constants.O_NOFOLLOW ?? 0;

/**
 * The owner record is shared by every process using the file: created 0600 by whoever comes
 * first (O_EXCL), otherwise opened without following a link (O_NOFOLLOW) and accepted only as a
 * regular file of ours with no other name, so that a planted link or hard link never makes a
 * transaction overwrite another file.
 */
function openOwnerRecordForWriting(ownerPath: string): number {
  const { O_WRONLY, O_CREAT, O_EXCL } = fs.constants;
  try {
    return fs.openSync(ownerPath, O_WRONLY | O_CREAT | O_EXCL | NO_FOLLOW, 0o600);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  const fd = fs.openSync(ownerPath, O_WRONLY | NO_FOLLOW);
  try {
    const stat = fs.fstatSync(fd);
    const uid = process.getuid?.();
    if (!stat.isFile() || stat.nlink !== 1 || (uid !== undefined && stat.uid !== uid)) throw new Error('not our owner record');
    if (process.platform !== 'win32' && (stat.mode & 0o077) !== 0) fs.fchmodSync(fd, 0o600);
    return fd;
  } catch (error) {
    fs.closeSync(fd);
    throw error;
  }
}

function readOwnerRecord(ownerPath: string): string {
  const fd = fs.openSync(ownerPath, fs.constants.O_RDONLY | NO_FOLLOW);
  try {
    const buffer = Buffer.alloc(OWNER_RECORD_WIDTH);
    return buffer.subarray(0, fs.readSync(fd, buffer, 0, OWNER_RECORD_WIDTH, 0)).toString('utf8');
  } finally {
    fs.closeSync(fd);
  }
}

function makeDirectory(directory: string): boolean {
  try {
    fs.mkdirSync(directory);
    return true;
  } catch {
    return false;
  }
}

function removeDirectory(directory: string): void {
  try {
    fs.rmdirSync(directory);
  } catch {
    // Already gone: someone else broke it or its owner released it.
  }
}
