/**
 * Results of reads of the embedded SSODB, kept while the file's committed state is unchanged.
 *
 * Why: every transaction on this store pays the VFS's directory lock (mkdir, owner record,
 * rmdir: 0.2–0.5 ms), many times the cost of the query itself, and opening a document or
 * expanding the tree repeats the same few reads. The memo holds what the store returns (names,
 * field lists, ciphertext). The service derives documents from some of those results (without
 * masked values, see SsoOperations.maskedDocument) and keeps them only as long as the result
 * they came from is kept here; sizeOf counts them in.
 *
 * Why it stays correct with other processes writing the file: SQLite's header holds a file
 * change counter (4 bytes at offset 24) that every committed write transaction increments in
 * rollback-journal mode (this store never uses WAL); SQLite's own page cache relies on it, with
 * the 12 bytes after it (page count, freelist), to notice other connections' writes. The memo
 * compares the same 16 bytes.
 * - A result is stored with the header read INSIDE its transaction: the lock is held and any
 *   dead writer's journal has been rolled back, so the counter names exactly the state read.
 *   Committed states therefore never share a counter value (it goes up by one per commit).
 * - A result is served only while the counter, read again without the lock, is unchanged. A
 *   writer writes page 1 (with the new counter) before its commit point, so a reader that still
 *   sees the old counter is ordered before that commit; a reader that sees a counter mid-commit
 *   or left by a writer that died simply misses and takes the lock.
 *
 * This process's own writes keep what they did not change (see startOfOwnWrite and
 * afterOwnCommit): a save would otherwise cost the next read of anything a transaction. The
 * memo stays only when the header read inside the write transaction is the one the results were
 * kept at (nobody wrote before it) and the counter after COMMIT is exactly one more (nobody wrote
 * after it: every other commit would add its own one); each write then says how it changed
 * the kept results. A change by any other process still makes the next read go to the file.
 */
import fs from 'node:fs';

/** SQLite file format: the file change counter (offset 24) and the 12 bytes SQLite checks with it. */
const HEADER_OFFSET = 24;
const HEADER_BYTES = 16;
/** Total size of kept results, in estimated bytes (see sizeOf). */
const DEFAULT_CAPACITY_BYTES = 8 * 1024 * 1024;

/**
 * How one of this process's writes changed a kept result: the result as it is after the write
 * (the same object when untouched), or undefined when it can no longer be kept.
 */
export type MemoRevision = (key: string, value: unknown) => unknown;

/** A write that changed nothing any kept result comes from (the staged audit rows, for instance). */
export const UNTOUCHED: MemoRevision = (_key, value) => value;

export class CommittedStateMemo {
  private fd: number | undefined;
  private readonly header = Buffer.alloc(HEADER_BYTES);
  /** The header bytes every kept result was read at. */
  private generation: Buffer | undefined;
  private readonly results = new Map<string, { value: unknown; weight: number }>();
  private weight = 0;

  constructor(
    private readonly file: string,
    private readonly capacityBytes = DEFAULT_CAPACITY_BYTES,
  ) {}

  /**
   * Opens the file to watch; call right after SQLite opened it, so that both see the same file
   * (were it replaced later, SQLite would go on with the one it opened, and so does the memo).
   */
  open(): void {
    try {
      this.fd ??= fs.openSync(this.file, 'r');
    } catch {
      this.fd = undefined; // never a hit
    }
  }

  /** The kept result for `key` if the file has not changed since it was read; undefined otherwise. */
  lookup<T>(key: string): T | undefined {
    if (this.generation === undefined || this.results.size === 0) return undefined;
    if (!this.readHeader() || !this.header.equals(this.generation)) return undefined;
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
    if (value === undefined || !this.readHeader()) return;
    if (!this.generation?.equals(this.header)) this.clear(Buffer.from(this.header));
    this.forget(key);
    this.put(key, value);
  }

  /**
   * Call inside a write transaction of this process, before it writes (the lock is held and any
   * dead writer's journal rolled back): the header, when every kept result is of the state this
   * transaction starts from; undefined otherwise.
   */
  startOfOwnWrite(): Buffer | undefined {
    if (this.generation === undefined || !this.readHeader() || !this.header.equals(this.generation)) return undefined;
    return Buffer.from(this.header);
  }

  /**
   * Call right after that transaction's COMMIT, in the same synchronous run.
   * @param start what startOfOwnWrite returned.
   * @param revisions one per write that committed a change; undefined when some write could not
   *   say what it changed (every kept result is dropped); empty when nothing was written.
   */
  afterOwnCommit(start: Buffer | undefined, revisions: readonly MemoRevision[] | undefined): void {
    if (revisions === undefined) return this.clear(undefined);
    // Nothing written: the counter did not move for us, so the header alone tells whether anyone else wrote.
    if (revisions.length === 0) return;
    if (start === undefined || !this.generation?.equals(start) || !this.readHeader() || !isOneCommitAfter(this.header, start)) {
      return this.clear(undefined);
    }
    this.revise(revisions);
    this.generation = Buffer.from(this.header);
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

  /** False when the header cannot be read (not opened, or the file is too short): never a hit. */
  private readHeader(): boolean {
    if (this.fd === undefined) return false;
    try {
      return fs.readSync(this.fd, this.header, 0, HEADER_BYTES, HEADER_OFFSET) === HEADER_BYTES;
    } catch {
      return false;
    }
  }

  private revise(revisions: readonly MemoRevision[]): void {
    for (const [key, kept] of [...this.results]) {
      let value: unknown = kept.value;
      for (const revision of revisions) if (value !== undefined) value = revision(key, value);
      if (value === kept.value) continue;
      this.forget(key);
      // A revised result goes to the most recent end of the order: it was just written.
      if (value !== undefined) this.put(key, value);
    }
  }

  private put(key: string, value: unknown): void {
    const weight = sizeOf(value);
    if (weight > this.capacityBytes) return;
    while (this.weight + weight > this.capacityBytes) this.evictLeastRecent();
    this.results.set(key, { value: deepFreeze(value), weight });
    this.weight += weight;
  }

  private clear(generation: Buffer | undefined): void {
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

/** The file change counter (first 4 bytes of the header, big-endian) went up by exactly one. */
function isOneCommitAfter(header: Buffer, start: Buffer): boolean {
  return header.readUInt32BE(0) === ((start.readUInt32BE(0) + 1) >>> 0);
}

/**
 * A rough size in bytes, enough to bound memory: a list counts 200 bytes per item (a name, a row
 * version, a date), an object 200 bytes plus 100 per field definition plus twice its ciphertext
 * (once for itself, once for the document the service may derive from it).
 */
export function sizeOf(value: unknown): number {
  if (Array.isArray(value)) return 200 * Math.max(1, value.length);
  const shape = value as { fields?: unknown; row?: { ciphertext?: Uint8Array } } | undefined;
  const fields = Array.isArray(shape?.fields) ? shape.fields.length : 0;
  return 200 + 100 * fields + 2 * (shape?.row?.ciphertext?.byteLength ?? 0);
}

/** Freezes plain objects and arrays; binary data (the ciphertext) cannot be frozen and is left as is. */
function deepFreeze<T>(value: T): T {
  if (value === null || typeof value !== 'object' || ArrayBuffer.isView(value) || Object.isFrozen(value)) return value;
  for (const inner of Object.values(value)) deepFreeze(inner);
  return Object.freeze(value);
}
