/**
 * SSODB as the fence of a master secret change: configurations and kept versions are written only
 * under a secret SSODB names (gi_CurrentMsid or gi_PreviousMsid), checked in the write's own
 * transaction. A service that took its secret before a restore or rotation and writes after its
 * publication is refused, instead of leaving a row under a secret no node may hold any more; the
 * service then gets the current secret from the MSS and tries once more (operations.ts).
 *
 * A restore closes the fence further before it counts the rows it would strand: it names the
 * secrets it keeps (gi_SwitchingMsids, written by the active MSS under its lease) and, until its
 * publication clears them, values are written only under those. A save landing between that
 * count and the publication, under a secret SSODB still names and the restore drops, is refused
 * (restoreInProgress) instead of being left under a secret no node holds afterwards.
 *
 * Re-encryption (reencryptRows, reencryptHistoryRows) is not fenced: only the active MSS writes
 * it, under the vault's current secret, and it must go on while a publication is retried.
 */
import { secretNotCurrent, secretDroppedByRestore } from './schema/storeErrors';
import type { ApplicationChange } from './store';

/** What SSODB names (SSOX_GlobalInfo), read in the write's transaction. */
interface PublishedSecrets {
  currentMsid: string | null;
  previousMsid: string | null;
  /** A restore under way: the only secrets written until it is published. */
  switchingMsids: string[] | undefined;
}

/** gi_SwitchingMsids as written: the secret ids, space-separated (ids are braced GUIDs). */
export function switchingMsidsText(msids: readonly string[]): string {
  return msids.join(' ');
}

function switchingMsidsOf(text: string | null): string[] | undefined {
  return text ? text.split(' ').filter((msid) => msid.length > 0) : undefined;
}

/** The row of the `publishedSecrets` statement (either dialect); undefined: no row. */
function toPublishedSecrets(row: Record<string, unknown> | undefined): PublishedSecrets | undefined {
  if (!row) return undefined;
  const text = (value: unknown) => (value === null || value === undefined ? null : String(value));
  return { currentMsid: text(row.currentMsid), previousMsid: text(row.previousMsid), switchingMsids: switchingMsidsOf(text(row.switchingMsids)) };
}

/**
 * Throws secretNotCurrent when one of `msids` is neither the published current nor previous
 * secret, or (restoreInProgress) is not one a restore under way keeps. `publishedRow` gives the
 * `publishedSecrets` statement's row; it is asked for only when something is written.
 */
export function refuseUnlessPublished(msids: Iterable<string>, publishedRow: () => Record<string, unknown> | undefined): void {
  const written = [...msids];
  if (written.length === 0) return;
  const published = toPublishedSecrets(publishedRow());
  // Nothing published yet: no MSS has run on this store (creating an environment publishes its
  // secret before any service starts), e.g. a store opened by its own tests or a migration.
  const current = published?.currentMsid;
  if (!current) return;
  const switching = published.switchingMsids;
  for (const msid of written) {
    if (msid !== current && msid !== published.previousMsid) throw secretNotCurrent(msid, current);
    if (switching && !switching.includes(msid)) throw secretDroppedByRestore(msid, current);
  }
}

/** The secret ids an application change writes values under: its rows and the kept versions an import brings. */
export function msidsWritten(changes: readonly ApplicationChange[]): Set<string> {
  const msids = new Set<string>();
  for (const change of changes) {
    for (const row of change.rows) {
      if (row.op !== 'put') continue;
      msids.add(row.msid);
      for (const version of row.importedHistory ?? []) msids.add(version.msid);
    }
  }
  return msids;
}
