/**
 * The embedded SSODB keeps two tables in files of their own, next to the data file: the audit
 * (SSOX_AuditTable) and the MSS coordination (SSOX_MssLease, SSOX_MssNodes).
 * Why: a refused operation must leave the SSO database byte-for-byte unchanged, yet every
 * refusal must be audited, and the active master secret server renews its lease every second;
 * in the same file, both would rewrite the data file all the time. Separate files also keep
 * audit appends and lease renewals from contending for the data file's lock (the embedded
 * store's lock has no queue). SQL Server keeps all of them in SSODB, as ENTSSO keeps its audit:
 * there, "unchanged" is about the data tables.
 */
import type { SsoStore } from './store';

type AuditMethods = 'appendAudit' | 'listAudit' | 'pruneAudit' | 'listAuditFiltered';
type CoordinationMethods = 'acquireLease' | 'releaseLease' | 'getLease' | 'recordMssNode' | 'listMssNodes';
type SideStore<M extends keyof SsoStore> = Pick<SsoStore, M | 'init' | 'close'>;

/** Delegates everything to `data` except the audit and the MSS coordination. */
export function withSideFiles(data: SsoStore, side: { audit: SideStore<AuditMethods>; coordination: SideStore<CoordinationMethods> }): SsoStore {
  const { audit, coordination } = side;
  return {
    init: async () => {
      await data.init();
      await audit.init();
      await coordination.init();
    },
    close: async () => {
      await Promise.allSettled([data.close(), audit.close(), coordination.close()]);
    },
    appendAudit: (entries, retention) => audit.appendAudit(entries, retention),
    listAudit: (options) => audit.listAudit(options),
    listAuditFiltered: (query) => audit.listAuditFiltered(query),
    pruneAudit: (retention, limit) => audit.pruneAudit(retention, limit),
    acquireLease: (node, ttl, grace) => coordination.acquireLease(node, ttl, grace),
    releaseLease: (node) => coordination.releaseLease(node),
    getLease: () => coordination.getLease(),
    recordMssNode: (node) => coordination.recordMssNode(node),
    listMssNodes: () => coordination.listMssNodes(),
    ping: () => data.ping(),
    getGlobalInfo: () => data.getGlobalInfo(),
    updateGlobalInfo: (patch) => data.updateGlobalInfo(patch),
    listApplications: (o) => data.listApplications(o),
    getApplication: (name) => data.getApplication(name),
    createApplication: (app) => data.createApplication(app),
    deleteApplication: (name) => data.deleteApplication(name),
    setApplicationFlags: (name, flags) => data.setApplicationFlags(name, flags),
    applyApplicationChanges: (changes) => data.applyApplicationChanges(changes),
    listCredentials: (app, o) => data.listCredentials(app, o),
    listIdentifiers: (app, o) => data.listIdentifiers(app, o),
    search: (q, limit) => data.search(q, limit),
    getCredentials: (app, id) => data.getCredentials(app, id),
    readConfiguration: (app, id) => data.readConfiguration(app, id),
    putCredentials: (app, id, expected, msid, blob, history) => data.putCredentials(app, id, expected, msid, blob, history),
    deleteCredentials: (app, id, expected, history) => data.deleteCredentials(app, id, expected, history),
    listHistory: (app, id, o) => data.listHistory(app, id, o),
    getHistoryVersion: (app, id, version) => data.getHistoryVersion(app, id, version),
    listHistoryNotUnder: (msid, limit) => data.listHistoryNotUnder(msid, limit),
    reencryptHistoryRows: (rows) => data.reencryptHistoryRows(rows),
    listRowsNotUnder: (msid, limit) => data.listRowsNotUnder(msid, limit),
    countRowsNotUnder: (msid) => data.countRowsNotUnder(msid),
    reencryptRows: (rows) => data.reencryptRows(rows),
  };
}

/** `ssodb.sqlite` → `ssodb-audit.sqlite` (suffix 'audit'), `ssodb-coordination.sqlite`. */
export function sideFileFor(dataFile: string, suffix: 'audit' | 'coordination'): string {
  return dataFile.replace(/(\.sqlite3?|\.db)?$/i, (ext) => `-${suffix}${ext || '.sqlite'}`);
}
