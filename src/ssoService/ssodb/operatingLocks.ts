/**
 * Which SSODB lock paths (`<file>.lock`) have one of this process's store operations running on
 * them right now. The VFS of node-sqlite3-wasm calls plain `fs` functions for its lock; the two
 * process-wide patches (reservedLockFix.ts, symlinkLock.ts) change what those calls do only for
 * a path listed here, so that any other use of the same path in this process (the raw library,
 * a tool, a test) sees `fs` unchanged. Operations are synchronous, so "running" is exact.
 */
const operating = new Map<string, number>();

export function runWhileOperating<T>(lockPath: string, operation: () => T): T {
  operating.set(lockPath, (operating.get(lockPath) ?? 0) + 1);
  try {
    return operation();
  } finally {
    const count = (operating.get(lockPath) ?? 1) - 1;
    if (count === 0) operating.delete(lockPath);
    else operating.set(lockPath, count);
  }
}

export function isOperating(lockPath: unknown): lockPath is string {
  return typeof lockPath === 'string' && operating.has(lockPath);
}
