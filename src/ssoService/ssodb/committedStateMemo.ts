/**
 * Results of reads of the embedded SSODB, kept while the file's committed state is unchanged.
 *
 * Why: every transaction on this store pays the VFS's directory lock (mkdir, owner record,
 * rmdir: 0.3–0.5 ms), many times the cost of the query itself, and opening a document or
 * expanding the tree repeats the same few reads. The memo holds what the store returns (names,
 * field lists, ciphertext), never a decrypted value.
 *
 * Why it stays correct with other processes writing the file: SQLite's header holds a file
 * change counter (4 bytes, big-endian, at offset 24) that every committed write transaction
 * increments in rollback-journal mode (this store never uses WAL); SQLite's own page cache relies
 * on it to notice other connections' writes.
 * - A result is stored with the counter read INSIDE its transaction: the lock is held and any
 *   dead writer's journal has been rolled back, so the counter names exactly the state read.
 *   Committed states therefore never share a counter value (it goes up by one per commit).
 * - A result is served only while the counter, read again without the lock, is unchanged. A
 *   writer writes page 1 (with the new counter) before its commit point, so a reader that still
 *   sees the old counter is ordered before that commit; a reader that sees a counter mid-commit
 *   or left by a writer that died simply misses and takes the lock.
 */
import fs from 'node:fs';

/** SQLite file format: "file change counter", 4-byte big-endian integer at offset 24. */
const CHANGE_COUNTER_OFFSET = 24;
/** Total size of kept results, in estimated bytes (see sizeOf): bounded whatever the traffic. */
const DEFAULT_CAPACITY_BYTES = 8 * 1024 * 1024;

export class CommittedStateMemo {
  private fd: number | undefined;
  private readonly header = Buffer.alloc(4);
  /** The change counter every kept result was read at. */
  private generation: number | undefined;
  private readonly results = new Map<string, { value: unknown; weight: number }>();
  private weight = 0;

  constructor(
    private readonly file: string,
    private readonly capacityBytes = DEFAULT_CAPACITY_BYTES,
  ) {}

  /** The kept result for `key` if the file has not changed since it was read; undefined otherwise. */
  lookup<T>(key: string): T | undefined {
    if (this.generation === undefined || this.results.size === 0) return undefined;
    if (this.changeCounter() !== this.generation) return undefined;
    const kept = this.results.get(key);
    if (!kept) return undefined;
    // Least recently used goes first: move this one to the end of the Map's order.
    this.results.delete(key);
    this.results.set(key, kept);
    return kept.value as T;
  }

  /**
   * Keeps `value` (frozen, so no caller can alter what the next one gets). Call inside the read
   * transaction that produced it, so the counter read here is the one of the state read.
   */
  keep(key: string, value: unknown): void {
    const counter = this.changeCounter();
    if (counter === undefined) return;
    if (counter !== this.generation) this.clear(counter);
    const weight = sizeOf(value);
    if (weight > this.capacityBytes) return;
    this.forget(key);
    while (this.weight + weight > this.capacityBytes) this.evictLeastRecent();
    this.results.set(key, { value: deepFreeze(value), weight });
    this.weight += weight;
  }

  close(): void {
    this.clear(undefined);
    if (this.fd === undefined) return;
    try {
      fs.closeSync(this.fd);
    } catch {
      // Already closed: nothing to release.
    }
    this.fd = undefined;
  }

  /** Undefined when the header cannot be read (file missing or not yet initialised): never a hit. */
  private changeCounter(): number | undefined {
    try {
      this.fd ??= fs.openSync(this.file, 'r');
      const read = fs.readSync(this.fd, this.header, 0, 4, CHANGE_COUNTER_OFFSET);
      return read === 4 ? this.header.readUInt32BE(0) : undefined;
    } catch {
      return undefined;
    }
  }

  private clear(generation: number | undefined): void {
    this.results.clear();
    this.weight = 0;
    this.generation = generation;
  }

  private evictLeastRecent(): void {
    const first = this.results.keys().next();
    if (!first.done) this.forget(first.value);
  }

  private forget(key: string): void {
    const kept = this.results.get(key);
    if (!kept) return;
    this.results.delete(key);
    this.weight -= kept.weight;
  }
}

/**
 * A rough size in bytes, enough to bound memory: a list counts 200 bytes per item (a name, a row
 * version, a date), an object 200 bytes plus 100 per field definition plus its ciphertext.
 */
export function sizeOf(value: unknown): number {
  if (Array.isArray(value)) return 200 * Math.max(1, value.length);
  const shape = value as { fields?: unknown; row?: { ciphertext?: Uint8Array } } | undefined;
  const fields = Array.isArray(shape?.fields) ? shape.fields.length : 0;
  return 200 + 100 * fields + (shape?.row?.ciphertext?.byteLength ?? 0);
}

/** Freezes plain objects and arrays; binary data (the ciphertext) cannot be frozen and is left as is. */
function deepFreeze<T>(value: T): T {
  if (value === null || typeof value !== 'object' || ArrayBuffer.isView(value) || Object.isFrozen(value)) return value;
  for (const inner of Object.values(value)) deepFreeze(inner);
  return Object.freeze(value);
}
