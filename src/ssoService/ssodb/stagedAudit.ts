/**
 * The audit rows a save stages in the SSODB data file (written in the save's own transaction, so a
 * change is never without its audit row and costs one durable commit) and their move to the audit
 * file, where every other audit row lives and is read from.
 */
import { AUDIT_PRUNE_PER_WRITE, auditPruneBounds, MAX_PAGE_LIMIT } from './schema';
import type { SqliteConnection } from './sqliteConnection';
import { SQLITE_SQL, STAGED_AUDIT_TARGET } from './sqliteSql';
import type { AuditRetention } from './store';

/**
 * Moves the audit rows this file holds (staged there by putCredentials, in the change's own
 * transaction) to the audit file, in one transaction over both files (SQLite commits the two
 * atomically, through a super-journal): each row ends up in exactly one of them, whoever moves
 * and whenever a process dies. Returns how many rows moved. Costs more than one commit (10
 * fsyncs against 4, measured), so it is meant for batches, not for every row. `begun` runs
 * inside the transaction before anything is moved (the caller's memo reads the header there).
 */
export function moveStagedAuditRows(db: SqliteConnection, auditFile: string, retention: AuditRetention | undefined, begun: () => void = () => undefined): number {
  return db.writeWithSideFile(auditFile, STAGED_AUDIT_TARGET, () => {
    begun();
    // A staged row past the age limit never reaches the audit file: there it would get one of
    // the newest ids, where the prune (which looks at the oldest) would not find it for long.
    const moved = db.run(SQLITE_SQL.moveStagedAudit, { cutoff: retention ? auditPruneBounds(retention, 1).cutoff : '' });
    db.run(SQLITE_SQL.dropStagedAudit, {});
    if (moved === 0) return 0;
    // As many rows as each append would have let go, one by one.
    if (retention) db.run(SQLITE_SQL.pruneMovedAudit, auditPruneBounds(retention, Math.min(moved * AUDIT_PRUNE_PER_WRITE, MAX_PAGE_LIMIT)));
    return moved;
  });
}

/**
 * Whether the prune that follows a write of staged rows can delete any: it deletes ids at or below
 * the newest minus `maxRows`, or rows older than `cutoff`, so none while the oldest staged row is
 * above the one and newer than the other (ids and times only grow). One seek instead of the prune,
 * the largest statement of a save (issue 16, fifth round).
 */
export function stagedRowsMayExceed(db: SqliteConnection, newestId: number, bounds: { maxRows: number; cutoff: string }): boolean {
  const oldest = db.rows(SQLITE_SQL.oldestAudit)[0];
  if (!oldest) return false;
  return Number(oldest.id) <= newestId - bounds.maxRows || String(oldest.at) < bounds.cutoff;
}
