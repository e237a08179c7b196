/** Small statistics and timing helpers. Times are in milliseconds (performance.now()). */
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

export function now(): number {
  return performance.now();
}

/** Nearest-rank percentile (p in 0..100) of a non-empty sample. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1] as number;
}

export function median(values: number[]): number {
  return percentile(values, 50);
}

export function mean(values: number[]): number {
  return values.length ? values.reduce((a, b) => a + b, 0) / values.length : Number.NaN;
}

export function max(values: number[]): number {
  return values.reduce((a, b) => Math.max(a, b), Number.NEGATIVE_INFINITY);
}

/**
 * Runs `op` `count` times one after the other and returns each duration; `before` (not timed)
 * runs ahead of each, to set the stage.
 */
export async function timeEach(count: number, op: (i: number) => Promise<unknown> | unknown, before?: (i: number) => Promise<unknown>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < count; i++) {
    if (before) await before(i);
    const t = now();
    await op(i);
    out.push(now() - t);
  }
  return out;
}

/**
 * Measures the product and its limit side by side: `rounds` rounds, alternating which goes first
 * (A B, B A, …) so that a drift in the machine's load falls on both. Returns all samples of each.
 */
export async function sideBySide(
  rounds: number,
  product: (round: number) => Promise<number[]>,
  limit: (round: number) => Promise<number[]>,
): Promise<{ product: number[]; limit: number[] }> {
  const p: number[] = [];
  const l: number[] = [];
  for (let r = 0; r < rounds; r++) {
    if (r % 2 === 0) {
      p.push(...(await product(r)));
      l.push(...(await limit(r)));
    } else {
      l.push(...(await limit(r)));
      p.push(...(await product(r)));
    }
  }
  return { product: p, limit: l };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** MiB (2^20 bytes, what /proc reports in) to MB (10^6 bytes, what the targets say). */
export const MIB_TO_MB = 1.048576;

/** Resident set size and its peak (VmRSS, VmHWM) of a Linux process, in MiB; undefined elsewhere. */
export function processMemoryMiB(pid: number): { rss: number; peak: number } | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kib = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN);
    return { rss: kib('VmRSS') / 1024, peak: kib('VmHWM') / 1024 };
  } catch {
    return undefined;
  }
}

/**
 * Runs a raw SQLite operation of the benchmark's own connection, retrying while another process
 * (the SSO service or the MSS, on the same file) holds the file's lock — as the product's store
 * does — for up to `timeoutMs`.
 */
export async function retryBusy<T>(op: () => T, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return op();
    } catch (err) {
      if (!(err instanceof Error) || !/database is locked/i.test(err.message) || Date.now() > deadline) throw err;
      await sleep(2 + Math.random() * 5);
    }
  }
}
