/**
 * History in export and import (issue 15): an export made `withHistory` carries every kept
 * version of each configuration (decrypted into the password-protected file, like the live
 * values); an import restores the versions of each configuration it creates, encrypted again
 * under this environment's secret, in the import's transaction. A configuration that exists
 * keeps its own history: an import never rewrites it (the plan says so).
 */
import type { MasterSecret } from '../crypto/masterSecret';
import type { HistoryNote, ImportedVersion, SsoStore } from '../ssodb/store';
import { decryptValues, encryptValues, valuesOfFields, type ApplicationState } from './applicationState';
import type { IncomingApplication, PlannedRow } from './importPlan';
import type { SecretCache } from './secretCache';
import type { ExportedVersion } from './transferFiles';

const HISTORY_PAGE = 200;

/** Every kept version of each configuration of `state`, oldest first, values of the current fields. */
export async function exportedHistory(store: SsoStore, cache: SecretCache, state: ApplicationState): Promise<Map<string, ExportedVersion[]>> {
  const fields = state.app.fields.map(({ label, masked }) => ({ label, masked }));
  const current = new Set(fields.map((f) => f.label));
  const byIdentifier = new Map<string, ExportedVersion[]>();
  for (const row of state.rows) {
    const versions: ExportedVersion[] = [];
    for (const kept of await allKeptVersions(store, state.app.name, row.identifier)) {
      const found = await store.getHistoryVersion(state.app.name, row.identifier, kept);
      if (!found) continue; // gone past the limits meanwhile
      const values = decryptValues(cache.secretForDecryption(found.msid), found.application, found.identifier, found.ciphertext);
      versions.push({
        version: found.version,
        writtenAt: found.modifiedAt,
        replacedAt: found.savedAt,
        replacedBy: found.savedBy,
        change: found.change,
        // A field removed since is in no value of the export either; an import refuses unknown labels.
        changedFields: found.changedFields.filter((label) => current.has(label)),
        values: [...valuesOfFields(values, fields)].map(([field, value]) => ({ field, value })),
      });
    }
    byIdentifier.set(row.identifier, versions);
  }
  return byIdentifier;
}

async function allKeptVersions(store: SsoStore, application: string, identifier: string): Promise<number[]> {
  const versions: number[] = [];
  let before: number | undefined;
  for (;;) {
    const page = await store.listHistory(application, identifier, { before, limit: HISTORY_PAGE });
    versions.push(...page.map((v) => v.version));
    if (page.length < HISTORY_PAGE) return versions.reverse();
    before = page[page.length - 1]!.version;
  }
}

/** The history limits of this environment, as every save applies them. */
export type HistoryLimits = Pick<HistoryNote, 'keep' | 'maxAgeMs'>;

/**
 * The versions of a file an import keeps: those this environment's limits keep (the newest
 * `keep`, none replaced longer ago than `maxAgeMs`), as a save would leave them, numbered 1..n in
 * their order. Cut at the import, not at the next save: until then the extra versions (old
 * passwords) would be kept longer than the environment allows.
 */
function versionsWithinLimits<T extends { version: number; savedAt: number }>(versions: readonly T[], limits: HistoryLimits, now = Date.now()): T[] {
  const oldest = now - limits.maxAgeMs;
  const kept = [...versions].sort((a, b) => a.version - b.version).filter((v) => v.savedAt >= oldest).slice(-limits.keep);
  return kept.map((v, index) => ({ ...v, version: index + 1 }));
}

/** What an import does with the kept versions in its file, for the plan's warnings. */
export async function historyImportNotes(store: SsoStore, incoming: IncomingApplication, rows: readonly PlannedRow[], limits: HistoryLimits): Promise<string[]> {
  const withHistory = incoming.configurations.filter((c) => c.history && c.history.length > 0);
  if (withHistory.length === 0) return [];
  const created = new Set(rows.filter((r) => r.op === 'put' && r.expectedTimestamp === null).map((r) => r.identifier.toLowerCase()));
  const restored = withHistory.filter((c) => created.has(c.identifier.toLowerCase()));
  const kept = await Promise.all(restored.map(async (c) => ((await store.listHistory(incoming.name, c.identifier, { limit: 1 }).catch(() => [])).length > 0 ? c.identifier : undefined)));
  const blocked = kept.filter((id): id is string => id !== undefined);
  const skipped = withHistory.length - restored.length + blocked.length;
  const restoring = restored.filter((c) => !blocked.includes(c.identifier));
  const inFile = restoring.reduce((n, c) => n + (c.history?.length ?? 0), 0);
  const versions = restoring.reduce((n, c) => n + versionsWithinLimits(c.history ?? [], limits).length, 0);
  const notes = [`"${incoming.name}": ${versions} kept version(s) of ${restoring.length} configuration(s) the import creates are restored.`];
  if (versions < inFile) {
    notes.push(`"${incoming.name}": ${inFile - versions} older kept version(s) in the file are not imported: this environment keeps ${limits.keep} version(s) a configuration, none older than ${Math.round(limits.maxAgeMs / 86_400_000)} day(s).`);
  }
  if (skipped > 0) {
    notes.push(`"${incoming.name}": the kept versions of ${skipped} configuration(s) are not imported, because the configuration exists here or has a history of its own (an import never rewrites a history).`);
  }
  return notes;
}

/** The versions to write with a row the import creates, encrypted under `secret`; none when its configuration has a history here. */
export async function importedHistory(
  store: SsoStore,
  secret: MasterSecret,
  application: string,
  incoming: IncomingApplication,
  row: PlannedRow,
  limits: HistoryLimits,
): Promise<ImportedVersion[] | undefined> {
  if (row.op !== 'put' || row.expectedTimestamp !== null) return undefined;
  const config = incoming.configurations.find((c) => c.identifier.toLowerCase() === row.identifier.toLowerCase());
  if (!config?.history || config.history.length === 0) return undefined;
  if ((await store.listHistory(application, row.identifier, { limit: 1 }).catch(() => [])).length > 0) return undefined;
  const kept = versionsWithinLimits(config.history, limits);
  if (kept.length === 0) return undefined;
  return kept.map((v) => ({
    version: v.version,
    modifiedAt: v.modifiedAt,
    savedAt: v.savedAt,
    savedBy: v.savedBy,
    change: v.change,
    changedFields: v.changedFields,
    msid: secret.msid,
    ciphertext: encryptValues(secret, application, row.identifier, v.values),
  }));
}
