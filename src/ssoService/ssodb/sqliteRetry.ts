/**
 * Retry of the embedded SSODB's operations on SQLITE_BUSY. The VFS's lock has no queue: a
 * process that finds it taken gets BUSY at once, so waiting is ours to do: the whole operation
 * (one transaction) is retried with a short randomised backoff, a stale lock is broken on the
 * way (see LockDirectory), and after the busy timeout the operation fails with
 * ENTSSO_E_SSODB_UNREACHABLE.
 */
import { SsoError } from '../../protocol/errors';
import type { LockDirectory } from './lockDirectory';

/** Runs `operation` (one synchronous transaction) until it is not BUSY or `waitMs` has passed. */
export async function retryWhileBusy<T>(lock: LockDirectory, operation: () => T, waitMs: number): Promise<T> {
  const started = Date.now();
  for (let attempt = 0; ; attempt++) {
    try {
      return lock.whileOperating(operation);
    } catch (error) {
      if (!isBusy(error)) throw toSsoError(error);
      if (lock.breakIfStale()) continue;
      if (Date.now() - started >= waitMs) throw busyTimeout(waitMs);
      await sleep(backoffMs(attempt));
    }
  }
}

/** SQLite's messages name tables and columns, never bound values, so they are safe to keep as details. */
export function unreachable(message: string, cause?: unknown, details: Record<string, unknown> = {}): SsoError {
  const sqlite = cause instanceof Error ? { sqlite: cause.message } : {};
  return new SsoError('ENTSSO_E_SSODB_UNREACHABLE', message, { ...details, ...sqlite });
}

function isBusy(error: unknown): boolean {
  return error instanceof Error && /database is locked|database table is locked/i.test(error.message);
}

export function toSsoError(error: unknown): SsoError {
  if (error instanceof SsoError) return error;
  return unreachable('The SSO database file failed.', error);
}

function busyTimeout(waitMs: number): SsoError {
  return new SsoError(
    'ENTSSO_E_SSODB_UNREACHABLE',
    `The SSO database file stayed locked by another process for ${waitMs} ms. Try again; if it persists, check which process holds it.`,
    { reason: 'busy', waitMs },
  );
}

/** 2, 4, 8 … up to 20 ms, with jitter so that two waiting processes do not retry in step. */
function backoffMs(attempt: number): number {
  const ceiling = Math.min(20, 2 ** (attempt + 1));
  return ceiling / 2 + Math.random() * (ceiling / 2);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
