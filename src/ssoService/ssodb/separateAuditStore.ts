/**
 * The embedded SSODB keeps SSOX_AuditTable in a file of its own, next to the data file.
 * Why: a refused operation must leave the SSO database byte-for-byte unchanged, yet every
 * refusal must be audited; with the audit in the same file, auditing a refusal would rewrite
 * the data file. A separate file also keeps audit appends (every read of a masked value, every
 * refused connection) from contending for the data file's lock. SQL Server keeps the table in
 * SSODB, as ENTSSO does: there, "unchanged" is about the data tables.
 */
import type { SsoStore } from './store';

type AuditMethods = 'appendAudit' | 'listAudit';

/** Delegates everything to `data` except the audit, which goes to `audit`. */
export function withSeparateAudit(data: SsoStore, audit: Pick<SsoStore, AuditMethods | 'init' | 'close'>): SsoStore {
  return {
    init: async () => {
      await data.init();
      await audit.init();
    },
    close: async () => {
      await Promise.allSettled([data.close(), audit.close()]);
    },
    appendAudit: (entry) => audit.appendAudit(entry),
    listAudit: (options) => audit.listAudit(options),
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
    putCredentials: (app, id, expected, msid, blob) => data.putCredentials(app, id, expected, msid, blob),
    deleteCredentials: (app, id, expected) => data.deleteCredentials(app, id, expected),
    listRowsNotUnder: (msid, limit) => data.listRowsNotUnder(msid, limit),
    countRowsNotUnder: (msid) => data.countRowsNotUnder(msid),
    reencryptRows: (rows) => data.reencryptRows(rows),
    acquireLease: (node, ttl, grace) => data.acquireLease(node, ttl, grace),
    releaseLease: (node) => data.releaseLease(node),
    getLease: () => data.getLease(),
    recordMssNode: (node) => data.recordMssNode(node),
    listMssNodes: () => data.listMssNodes(),
  };
}

/** `ssodb.sqlite` → `ssodb-audit.sqlite`. */
export function auditFileFor(dataFile: string): string {
  return dataFile.replace(/(\.sqlite3?|\.db)?$/i, (ext) => `-audit${ext || '.sqlite'}`);
}
