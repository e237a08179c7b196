/**
 * Which row version an `sso:` document is based on, and how that shows in its file stat.
 * No `vscode` import: unit-tested with node:test.
 */

export interface RowVersion {
  /** Opaque row version (SSOX_ExternalCredentials timestamp). */
  timestamp: string;
  /** Milliseconds since the epoch of the last write; strictly increases per row. */
  modifiedAt: number;
}

/** What a stat() saw, and when: the listing's row version, null where the backend lists none (the ENTSSO bridge). */
export interface StatVersion {
  timestamp: string | null;
  modifiedAt: number;
  at: number;
}

/**
 * The period of versionSize. It stays this small because VS Code asks before opening a document
 * whose stat size is over "workbench.editorLargeFileConfirmation" (50 MB on the web, settable
 * down to 1 MB): versions this many ms apart share a size, and expectedVersion treats that case.
 */
const SIZE_PERIOD = 1_000_003;

/** A stat() this recent is the one VS Code made right before calling writeFile. */
export const STAT_BEFORE_WRITE_MS = 5_000;

/**
 * The version a save must be based on (sent as `expectedTimestamp`): the one the document was
 * read from, unless VS Code stat()ed a newer one right before this write and wrote anyway. It
 * only does that when the user chose "Overwrite" in its "newer on disk" flow (or turned
 * conflict detection off): then the save may replace exactly the version VS Code showed, and
 * still not one written after it. Unknown (null) there: the version read, so a stale save stays a conflict.
 * VS Code shows that flow only when the size changed too (see versionSize), so a newer version
 * whose size happens to equal the one read (a write exactly k × SIZE_PERIOD ms later) was never
 * shown to the user: then too the save stays based on what was read.
 */
export function expectedVersion(base: RowVersion, lastStat: StatVersion | undefined, now: number): RowVersion {
  // A version the listing did not give is never taken for the one shown: the save stays based on what was read.
  if (
    lastStat &&
    lastStat.timestamp !== null &&
    now - lastStat.at < STAT_BEFORE_WRITE_MS &&
    lastStat.modifiedAt > base.modifiedAt &&
    (lastStat.modifiedAt - base.modifiedAt) % SIZE_PERIOD !== 0
  ) {
    return { timestamp: lastStat.timestamp, modifiedAt: lastStat.modifiedAt };
  }
  return base;
}

/**
 * The `size` reported by stat(): different for every version of a row and for every
 * `generation` (a change of what is served without a new version: re-mask, fields added), and far
 * below VS Code's large-file limits. VS Code flags a save conflict only when mtime AND size
 * changed (fileService.validateWriteFile), and reloads a document only when its etag (mtime +
 * size) changed, so both must move together with the content.
 */
export function versionSize(modifiedAt: number, generation: number): number {
  return 1024 + ((modifiedAt + generation * 7919) % SIZE_PERIOD);
}
