/**
 * The embedded SSODB keeps two tables in files of their own, next to the data file: the audit
 * (SSOX_AuditTable) and the MSS coordination (SSOX_MssLease, SSOX_MssNodes).
 * Why: a refused operation must leave the SSO database byte-for-byte unchanged, yet every
 * refusal must be audited, and the active master secret server renews its lease every second;
 * in the same file, both would rewrite the data file all the time. Separate files also keep
 * audit appends and lease renewals from contending for the data file's lock (the embedded
 * store's lock has no queue). SQL Server keeps all of them in SSODB, as ENTSSO keeps its audit:
 * there, "unchanged" is about the data tables.
 *
 * The audit rows of a change (a save, a delete, an application change, an import, a copy: the
 * writes given `audit`) are the exception: they are written in the change's own transaction
 * into the data file's SSOX_AuditTable (the change writes that file anyway), so a save costs one
 * durable commit instead of two and no change is ever without its rows; the
 * rows staged there are then moved to the audit file in batches, within STAGED_AUDIT_MOVE_MS,
 * before any audit read or direct append (ids stay in the order of events), at start and at
 * close (SqliteDataStore.moveStagedAudit, atomic over both files). Refusals still go to the
 * audit file alone.
 */
import type { SqliteDataStore } from './sqliteStoreOptions';
import type { AuditRetention, ChangeAuditRows, SsoStore } from './store';

type AuditMethods = 'appendAudit' | 'listAudit' | 'pruneAudit' | 'listAuditFiltered';
type CoordinationMethods = 'acquireLease' | 'releaseLease' | 'getLease' | 'recordMssNode' | 'listMssNodes';
type SideStore<M extends keyof SsoStore> = Pick<SsoStore, M | 'init' | 'close'>;

/**
 * How long a staged audit row may wait for its move. A move costs about two and a half commits
 * (10 fsyncs against 4, and it holds both files' locks): at 50 ms, a single client saving back to
 * back still paid one every three saves (measured: 37 % of raw inserts, as with two commits).
 * Waiting longer costs nothing a reader sees: every audit read moves what is staged first, and a
 * staged row is as durable as the change it belongs to.
 */
const STAGED_AUDIT_MOVE_MS = 1_000;

/** Delegates everything to `data` except the audit and the MSS coordination. */
export function withSideFiles(
  data: SqliteDataStore,
  side: {
    auditFile: string;
    audit: SideStore<AuditMethods>;
    coordinationFile: string;
    coordination: SideStore<CoordinationMethods>;
    auditRetention?: AuditRetention;
  },
): SsoStore {
  const { audit, coordination } = side;
  const staged = new StagedAuditMover(data, side.auditFile, side.auditRetention);
  return {
    init: async () => {
      await data.init();
      await audit.init();
      await coordination.init();
      // Rows a process staged and did not move before it stopped.
      await staged.moveNow();
    },
    close: async () => {
      await staged.moveStaged().catch(() => undefined);
      await Promise.allSettled([data.close(), audit.close(), coordination.close()]);
    },
    appendAudit: async (entries, retention) => {
      // Ids are the audit's order: rows staged before this one get theirs first. A failed move
      // leaves them staged (still the audit, in the data file) and must not lose this row.
      await staged.moveStaged().catch(() => undefined);
      return audit.appendAudit(entries, retention);
    },
    listAudit: async (options) => {
      await staged.moveStaged();
      return audit.listAudit(options);
    },
    listAuditFiltered: async (query) => {
      await staged.moveStaged();
      return audit.listAuditFiltered(query);
    },
    pruneAudit: (retention, limit) => audit.pruneAudit(retention, limit),
    acquireLease: (node, ttl, grace) => coordination.acquireLease(node, ttl, grace),
    releaseLease: (node) => coordination.releaseLease(node),
    getLease: () => coordination.getLease(),
    recordMssNode: (node) => coordination.recordMssNode(node),
    listMssNodes: () => coordination.listMssNodes(),
    ping: () => data.ping(),
    getGlobalInfo: () => data.getGlobalInfo(),
    // The lease is in the coordination file: a fenced publication reads it in its own transaction (an unfenced one need not attach it).
    updateGlobalInfo: (patch, fence) => (fence ? data.updateGlobalInfoFenced(patch, fence, side.coordinationFile) : data.updateGlobalInfo(patch)),
    listApplications: (o) => data.listApplications(o),
    getApplication: (name) => data.getApplication(name),
    createApplication: (app, change) => staged.after(change, data.createApplication(app, change)),
    deleteApplication: (name, change) => staged.after(change, data.deleteApplication(name, change)),
    setApplicationFlags: (name, flags, change) => staged.after(change, data.setApplicationFlags(name, flags, change)),
    applyApplicationChanges: (changes, change) => staged.after(change, data.applyApplicationChanges(changes, change)),
    listCredentials: (app, o) => data.listCredentials(app, o),
    listIdentifiers: (app, o) => data.listIdentifiers(app, o),
    search: (q, limit) => data.search(q, limit),
    getCredentials: (app, id) => data.getCredentials(app, id),
    readConfiguration: (app, id) => data.readConfiguration(app, id),
    putCredentials: async (app, id, expected, msid, blob, history, change) => {
      const row = await data.putCredentials(app, id, expected, msid, blob, history, change);
      if (change) staged.moveSoon(change.retention);
      return row;
    },
    saveConfiguration: async (app, id, expected, compose) => {
      let audited: AuditRetention | undefined | null = null;
      const row = await data.saveConfiguration(app, id, expected, (found) => {
        const save = compose(found);
        audited = save.audit ? save.audit.retention : null;
        return save;
      });
      if (audited !== null) staged.moveSoon(audited);
      return row;
    },
    deleteCredentials: (app, id, expected, history, change) => staged.after(change, data.deleteCredentials(app, id, expected, history, change)),
    listHistory: (app, id, o) => data.listHistory(app, id, o),
    getHistoryVersion: (app, id, version) => data.getHistoryVersion(app, id, version),
    listHistoryNotUnder: (msid, limit) => data.listHistoryNotUnder(msid, limit),
    reencryptHistoryRows: (rows) => data.reencryptHistoryRows(rows),
    listRowsNotUnder: (msid, limit) => data.listRowsNotUnder(msid, limit),
    countRowsNotUnder: (msid) => data.countRowsNotUnder(msid),
    countRowsBySecret: (msid) => data.countRowsBySecret(msid),
    reencryptRows: (rows) => data.reencryptRows(rows),
  };
}

/** `ssodb.sqlite` → `ssodb-audit.sqlite` (suffix 'audit'), `ssodb-coordination.sqlite`. */
export function sideFileFor(dataFile: string, suffix: 'audit' | 'coordination'): string {
  return dataFile.replace(/(\.sqlite3?|\.db)?$/i, (ext) => `-${suffix}${ext || '.sqlite'}`);
}

/**
 * Moves the audit rows staged in the data file to the audit file: one move for all the rows
 * staged within STAGED_AUDIT_MOVE_MS. A failed move leaves the rows where they are (they are
 * still the audit, in the data file, bounded by the same retention) for the next one.
 */
class StagedAuditMover {
  private timer: NodeJS.Timeout | undefined;
  private moving: Promise<unknown> = Promise.resolve();
  /** Rows were staged by this process since the last move began (other processes move their own). */
  private stagedHere = false;

  /**
   * @param retention the configured one, known from the start so that the move at start (of what a
   *   stopped process left) already leaves rows past the age limit out; later, the latest a write gave.
   */
  constructor(
    private readonly data: SqliteDataStore,
    private readonly auditFile: string,
    private retention: AuditRetention | undefined,
  ) {}

  /** Once `write` (a change with its audit rows staged) is done, moves them soon. */
  async after<T>(change: ChangeAuditRows | undefined, write: Promise<T>): Promise<T> {
    const result = await write;
    if (change && change.entries.length > 0) this.moveSoon(change.retention);
    return result;
  }

  moveSoon(retention: AuditRetention | undefined): void {
    this.retention = retention ?? this.retention;
    this.stagedHere = true;
    if (this.timer) return;
    this.timer = setTimeout(() => void this.moveNow().catch(() => undefined), STAGED_AUDIT_MOVE_MS);
    // A pending move never keeps a process alive; close moves what is left.
    this.timer.unref();
  }

  /** Resolves once every row this process staged so far is in the audit file (moves run one at a time). */
  moveStaged(): Promise<unknown> {
    return this.stagedHere ? this.moveNow() : this.moving;
  }

  /** Moves whatever is staged, by any process (at start: what a stopped process left). */
  moveNow(): Promise<unknown> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.stagedHere = false;
    const move = this.moving
      .catch(() => undefined)
      .then(() => this.data.moveStagedAudit(this.auditFile, this.retention))
      .catch((error: unknown) => {
        // Still staged: the next read of the audit tries again.
        this.stagedHere = true;
        throw error;
      });
    this.moving = move;
    return move;
  }
}
