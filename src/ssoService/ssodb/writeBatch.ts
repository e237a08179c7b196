/**
 * Group commit for the embedded SSODB: writes asked for in the same turn of the event loop share
 * one transaction, each in its own savepoint, and every one of them resolves only after that
 * transaction's COMMIT (journal and file synced), so each is as durable as when it had its own.
 *
 * Why: a durable commit costs three fsyncs; with several clients saving at once (8 in the
 * benchmark) the store paid them once per save and per audit row. Each write keeps its own
 * outcome: one that throws (a conflict, a missing application) is rolled back to its savepoint
 * and rejected alone, the others go on; if the transaction itself fails (COMMIT, or an error
 * that ended it), every write of the batch fails with it. A write alone runs exactly as before,
 * without savepoints.
 */
import type { SqliteConnection } from './sqliteConnection';
import { toSsoError } from './sqliteRetry';

/** Bounds a batch (and so how long one transaction holds the lock); more waiting writes start the next one. */
const MAX_BATCH = 64;

interface PendingWrite {
  work: () => unknown;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

export class WriteBatch {
  private pending: PendingWrite[] = [];
  private flushing: Promise<void> = Promise.resolve();

  /**
   * @param commit runs its argument in one write transaction (retrying it whole on BUSY) and
   *   resolves once committed.
   * @param onUndone called when a write that had returned is rolled back to its savepoint all
   *   the same (its RELEASE failed): whatever it reported about its change did not happen.
   */
  constructor(
    private readonly db: SqliteConnection,
    private readonly commit: (inTransaction: () => void) => Promise<void>,
    private readonly onUndone: () => void = () => undefined,
  ) {}

  add<T>(work: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.pending.push({ work, resolve: resolve as (value: unknown) => void, reject });
      if (this.pending.length === 1) setImmediate(() => void this.flush());
      else if (this.pending.length >= MAX_BATCH) void this.flush();
    });
  }

  /** Resolves once every write asked for so far has been committed or refused. */
  async drain(): Promise<void> {
    if (this.pending.length > 0) void this.flush();
    await this.flushing;
  }

  private flush(): Promise<void> {
    const batch = this.pending;
    if (batch.length === 0) return this.flushing;
    this.pending = [];
    // A failure run() did not expect must not leave this batch unanswered, nor stop later batches.
    this.flushing = this.flushing.then(() => this.run(batch)).catch((error: unknown) => {
      for (const write of batch) write.reject(error);
    });
    return this.flushing;
  }

  private async run(batch: PendingWrite[]): Promise<void> {
    if (batch.length === 1) {
      const [only] = batch as [PendingWrite];
      let value: unknown;
      await this.commit(() => {
        value = only.work();
      }).then(
        () => only.resolve(value),
        (error: unknown) => only.reject(error),
      );
      return;
    }
    let outcomes: Outcome[] = [];
    try {
      // Recomputed on every attempt: a BUSY retry runs the whole batch again.
      await this.commit(() => {
        outcomes = [];
        for (const write of batch) outcomes.push(this.inSavepoint(write.work));
      });
    } catch (error) {
      // A write refused on its own premise keeps its own reason (a conflict, not "the database failed").
      batch.forEach((write, i) => {
        const outcome = outcomes[i];
        write.reject(outcome && !outcome.ok ? outcome.error : error);
      });
      return;
    }
    batch.forEach((write, i) => {
      const outcome = outcomes[i] as Outcome;
      if (outcome.ok) write.resolve(outcome.value);
      else write.reject(outcome.error);
    });
  }

  private inSavepoint(work: () => unknown): Outcome {
    this.db.exec('SAVEPOINT batched_write');
    let returned = false;
    try {
      const value = work();
      returned = true;
      this.db.exec('RELEASE batched_write');
      return { ok: true, value };
    } catch (error) {
      // An error that ended the transaction (SQLite rolls back on some I/O errors) fails the batch.
      if (!this.db.inTransaction) throw error;
      if (returned) this.onUndone();
      this.db.exec('ROLLBACK TO batched_write');
      this.db.exec('RELEASE batched_write');
      return { ok: false, error: toSsoError(error) };
    }
  }
}
