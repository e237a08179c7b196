/**
 * The embedded store's write transactions, and what its memo of reads keeps across them.
 *
 * Writes asked for in the same turn of the event loop share one transaction (see WriteBatch).
 * Each write says how it changed what the memo keeps (a MemoRevision; none when it cannot say):
 * the memo keeps its results across the commit, revised, only when nobody else wrote before or
 * after the transaction (see CommittedStateMemo.afterOwnCommit). So a save does not make the next
 * read of anything else, or of the row it wrote, cost a transaction.
 */
import { SsoError } from '../../protocol/errors';
import { errorTypeAndPlace } from '../serviceLog';
import { UNTOUCHED, type CommittedStateMemo, type MemoRevision } from './committedStateMemo';
import type { LockDirectory } from './lockDirectory';
import { AUDIT_PRUNE_PER_WRITE, auditPruneBounds, credentialsConflict, toAuditRecord, type AuditRecord, type SqlRow } from './schema';
import type { SqliteConnection } from './sqliteConnection';
import { retryWhileBusy } from './sqliteRetry';
import { moveStagedAuditRows } from './stagedAudit';
import type { AuditRetention, ComposedSave, ComposeSave, ConfigurationRead, CredentialRow, NewAuditEntry } from './store';
import { WriteBatch } from './writeBatch';

/** What a write returns, and how it changed what the memo keeps (undefined: it cannot say, all is dropped). */
export interface RevisingWrite<T> {
  result: T;
  revision: MemoRevision | undefined;
}

export class SqliteWrites {
  private readonly batch: WriteBatch;
  /** One per write of the transaction being committed; undefined once a write could not say. */
  private revisions: MemoRevision[] | undefined = [];

  constructor(
    private readonly db: SqliteConnection,
    private readonly lock: LockDirectory,
    private readonly memo: CommittedStateMemo,
    private readonly busyTimeoutMs: number,
  ) {
    this.batch = new WriteBatch(
      db,
      (work) => this.commit(work),
      () => (this.revisions = undefined),
    );
  }

  /** BEGIN IMMEDIATE takes the lock before the first read, so a write never fails half-way on BUSY. */
  add<T>(work: () => RevisingWrite<T>): Promise<T> {
    return this.batch.add(() => {
      const { result, revision } = work();
      if (revision === undefined) this.revisions = undefined;
      else this.revisions?.push(revision);
      return result;
    });
  }

  drain(): Promise<void> {
    return this.batch.drain();
  }

  /** See moveStagedAuditRows: the rows putCredentials staged here go to the audit file, atomically. */
  moveStagedAudit(auditFile: string, retention: AuditRetention | undefined): Promise<number> {
    return retryWhileBusy(
      this.lock,
      () => {
        let start: Buffer | undefined;
        const moved = moveStagedAuditRows(this.db, auditFile, retention, () => (start = this.memo.startOfOwnWrite()));
        // Moving rows out changes the data file, but only its staged audit rows, which nothing kept comes from.
        this.memo.afterOwnCommit(start, moved > 0 ? [UNTOUCHED] : []);
        return moved;
      },
      this.busyTimeoutMs,
    );
  }

  /**
   * `work` in one write transaction over this file and `sideFile`, attached as `schema` (see
   * SqliteConnection.writeWithSideFile), after the writes asked for before it. Kept reads are
   * dropped: `work` cannot say what it changed.
   */
  async withSideFile<T>(sideFile: string, schema: string, work: () => T): Promise<T> {
    await this.drain();
    return retryWhileBusy(
      this.lock,
      () => {
        const result = this.db.writeWithSideFile(sideFile, schema, work);
        this.memo.afterOwnCommit(undefined, undefined);
        return result;
      },
      this.busyTimeoutMs,
    );
  }

  /** One write transaction of the batch (retried whole on BUSY); the memo keeps what it did not change. */
  private commit(work: () => void): Promise<void> {
    return retryWhileBusy(
      this.lock,
      () => {
        this.revisions = [];
        let start: Buffer | undefined;
        this.db.transaction('BEGIN IMMEDIATE', () => {
          start = this.memo.startOfOwnWrite();
          work();
        });
        this.memo.afterOwnCommit(start, this.revisions);
      },
      this.busyTimeoutMs,
    );
  }
}

/** How a memoised read's key is spelled: its query's name and every argument that shapes its result. */
export function memoKey(parts: (string | number)[]): string {
  return JSON.stringify(parts);
}

/** How the keys of one query's results begin. */
function keysOf(query: string): string {
  return `${memoKey([query]).slice(0, -1)},`;
}

const LIST_IDENTIFIERS = keysOf('listIdentifiers');
const READ_CONFIGURATION = keysOf('readConfiguration');

/**
 * What updating one row (its names as stored) changes in the memo: the kept read of that row
 * becomes the row as written, and the identifier lists, which show row versions, are dropped.
 * Applications, fields and searches show neither the row's values nor its version.
 */
export function rowUpdated(row: CredentialRow): MemoRevision {
  return (key, value) => {
    if (key.startsWith(LIST_IDENTIFIERS)) return undefined;
    if (!key.startsWith(READ_CONFIGURATION)) return value;
    const read = value as ConfigurationRead;
    return read.name === row.application && read.row?.identifier === row.identifier ? { ...read, row } : value;
  };
}

/** Audit rows ready to insert inside a write, and the retention they apply. */
export interface PreparedAuditRows {
  records: AuditRecord[];
  prune: ReturnType<typeof auditPruneBounds> | undefined;
}

/** Checked and converted before the write, so that a bad entry refuses it before anything is written. */
export function prepareAuditRows(entries: readonly NewAuditEntry[], retention: AuditRetention | undefined): PreparedAuditRows {
  return { records: entries.map((entry) => toAuditRecord(entry)), prune: retention && auditPruneBounds(retention, AUDIT_PRUNE_PER_WRITE) };
}

/** The caller's refusals keep their code; anything else it throws is a fault, reported without its text. */
export function composeSave(compose: ComposeSave, found: ConfigurationRead | undefined, log: (message: string) => void): ComposedSave {
  try {
    return compose(found);
  } catch (error) {
    if (error instanceof SsoError) throw error;
    // A bug: its type and place, never its message (it could quote a value being saved).
    log(`unexpected error while preparing a save: ${errorTypeAndPlace(error)}`);
    throw new SsoError('ENTSSO_E_INTERNAL', 'The SSO service could not prepare the save. Try again; if it persists, report it with the service log.');
  }
}

/** The conflict rule of a row write: null expects no row; otherwise the row's version must be the one read. */
export function checkExpectedTimestamp(current: SqlRow | undefined, expected: string | null): void {
  if (expected === null) {
    if (current) throw credentialsConflict('exists');
  } else if (!current) {
    throw credentialsConflict('gone');
  } else if (String(current.timestamp) !== expected) {
    throw credentialsConflict('changed');
  }
}
