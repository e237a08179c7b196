/**
 * Who a recorded pid is. A pid alone names whichever process has it now: after a reboot or
 * enough process churn it is reused, so "process.kill(pid, 0) succeeds" may be someone else's
 * shell. Records (pid files, the SSODB lock owner) therefore carry the process's start time,
 * which together with the pid names one process for the whole uptime of the machine.
 *
 * Linux: field 22 of /proc/<pid>/stat (start time in clock ticks since boot), readable for
 * every process. Elsewhere there is no /proc; records hold the pid only and the checks fall
 * back to the pid (documented weaker: a reused pid is taken for the recorded process).
 *
 * Shared by the extension side (local environment pid files) and the service (lock owner);
 * node built-ins only.
 */
import { readFileSync } from 'node:fs';

export interface ProcessIdentity {
  pid: number;
  /** Linux only: clock ticks since boot, as /proc says it (a decimal string). */
  startTime?: string;
}

/** The start time of a running process, or undefined (no such process, or no /proc here). */
export function processStartTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    // Field 2 (the command) is in parentheses and may hold spaces or ")": count after the last ")".
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const startTime = fields[22 - 3];
    return startTime && /^\d+$/.test(startTime) ? startTime : undefined;
  } catch {
    return undefined;
  }
}

export function identityOf(pid: number): ProcessIdentity {
  const startTime = processStartTime(pid);
  return startTime === undefined ? { pid } : { pid, startTime };
}

/** "pid startTime" (or "pid" where there is no start time): what pid files and lock records hold. */
export function formatIdentity(identity: ProcessIdentity): string {
  return identity.startTime === undefined ? String(identity.pid) : `${identity.pid} ${identity.startTime}`;
}

export function parseIdentity(text: string): ProcessIdentity | undefined {
  const [pidText, startTime, ...rest] = text.trim().split(/\s+/);
  const pid = Number(pidText);
  if (!Number.isSafeInteger(pid) || pid <= 0 || rest.length > 0) return undefined;
  if (startTime === undefined) return { pid };
  return /^\d+$/.test(startTime) ? { pid, startTime } : undefined;
}

const HAS_PROC = processStartTime(process.pid) !== undefined;

/**
 * Is the recorded process itself still running? 'gone' when its pid is free or now belongs to a
 * process started at another time; 'unknown' when nothing can tell (a pid-only record of
 * another user's live process). Where start times exist, a record without one cannot be
 * trusted to name a live process: 'unknown' if its pid is in use.
 */
export function processLiveness(identity: ProcessIdentity): 'running' | 'gone' | 'unknown' {
  if (HAS_PROC) {
    const now = processStartTime(identity.pid);
    if (now === undefined) return 'gone';
    if (identity.startTime === undefined) return 'unknown';
    return now === identity.startTime ? 'running' : 'gone';
  }
  // No /proc (macOS, Windows): the pid is all there is. EPERM: it exists, but is not ours.
  try {
    process.kill(identity.pid, 0);
    return 'running';
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH' ? 'gone' : 'unknown';
  }
}
