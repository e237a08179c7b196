/**
 * Re-encrypts every SSODB row still under an older master secret after a rotation or a
 * restore, in batches, each batch one transaction. It is restartable by construction: the
 * work left is "rows not under the current MSID", read from SSODB, so a crash at any moment
 * loses nothing and the next start simply continues. A row written by a client since it was
 * read is skipped by the store (its timestamp changed) and picked up again if still old.
 */
import type { ReencryptProgress } from '../../protocol/messages';
import { reencryptBag } from '../crypto/dataCipher';
import type { MasterSecret } from '../crypto/masterSecret';
import type { SsoStore } from '../ssodb/store';

/**
 * Large batches: the pause between batches (below) is paid per batch, and one batch's write
 * transaction holds the SSODB lock for well under 0.1 s, which a save waiting behind it barely notices.
 */
export const REENCRYPT_BATCH_ROWS = 2000;
const BATCH_PAUSE_MS = 25;

interface ReencryptOptions {
  store: SsoStore;
  current: MasterSecret;
  /** Secrets rows may still be under (the vault's previous one). */
  older: MasterSecret[];
  onProgress: (progress: ReencryptProgress) => void;
  log: (message: string) => void;
  batchRows?: number;
  /** Checked before every batch: a node that is no longer active stops (another one resumes). */
  shouldContinue?: () => boolean;
}

/** Rows under a secret this MSS does not hold: `msid` names it (an id, never key material). */
export class StuckRowsError extends Error {
  constructor(
    message: string,
    readonly msid: string,
  ) {
    super(message);
  }
}
export class NotActiveError extends Error {}

/** Runs to completion; returns the number of rows re-encrypted. */
export async function reencryptAll(options: ReencryptOptions): Promise<number> {
  const { store, current } = options;
  const batchRows = options.batchRows ?? REENCRYPT_BATCH_ROWS;
  const byMsid = new Map(options.older.map((s) => [s.msid, s]));
  const total = await store.countRowsNotUnder(current.msid);
  const fromMsid = options.older[0]?.msid ?? '';
  let done = 0;
  options.onProgress({ fromMsid, toMsid: current.msid, done, total });
  for (;;) {
    // Pause between batches: the MSS keeps serving secrets and progress meanwhile, and other
    // processes get the SSODB lock (the embedded store's lock has no queue: waiters poll with
    // a backoff of at most ~20 ms, so a shorter gap would starve them for the whole rotation).
    await new Promise((resolve) => setTimeout(resolve, BATCH_PAUSE_MS));
    if (options.shouldContinue && !options.shouldContinue()) throw new NotActiveError('re-encryption paused: this node is no longer the active master secret server');
    const rows = await store.listRowsNotUnder(current.msid, batchRows);
    if (rows.length === 0) break;
    const unknown = rows.filter((r) => !byMsid.has(r.msid));
    if (unknown.length === rows.length) {
      // Rows under a secret this MSS no longer holds cannot be re-encrypted: stop rather than spin.
      throw new StuckRowsError(
        `${unknown.length} configuration(s) are encrypted under master secret ${unknown[0]?.msid}, which this master secret server does not hold. Restore the backup of that secret to recover them.`,
        unknown[0]?.msid ?? '',
      );
    }
    const batch = rows
      .filter((r) => byMsid.has(r.msid))
      .map((r) => ({
        application: r.application,
        identifier: r.identifier,
        expectedTimestamp: r.timestamp,
        msid: current.msid,
        ciphertext: reencryptBag(byMsid.get(r.msid) as MasterSecret, current, r.application, r.identifier, r.ciphertext),
      }));
    done += await store.reencryptRows(batch);
    options.onProgress({ fromMsid, toMsid: current.msid, done: Math.min(done, total), total: Math.max(total, done) });
  }
  await reencryptHistory(options, byMsid, batchRows, (replaced) => {
    done += replaced;
    options.onProgress({ fromMsid, toMsid: current.msid, done: Math.min(done, total), total: Math.max(total, done) });
  });
  options.log(`re-encryption finished: ${done} configuration(s) now under ${current.msid}`);
  return done;
}

/**
 * Kept versions (configuration history) after the live rows: each is copied as it was, under
 * the secret of its time, so a rotation must carry them over too or they could no longer be read
 * once the previous secret is dropped. Progress goes through `onBatch`.
 */
async function reencryptHistory(options: ReencryptOptions, byMsid: Map<string, MasterSecret>, batchRows: number, onBatch: (replaced: number) => void): Promise<void> {
  const { store, current } = options;
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, BATCH_PAUSE_MS));
    if (options.shouldContinue && !options.shouldContinue()) throw new NotActiveError('re-encryption paused: this node is no longer the active master secret server');
    const rows = await store.listHistoryNotUnder(current.msid, batchRows);
    if (rows.length === 0) return;
    const known = rows.filter((r) => byMsid.has(r.msid));
    if (known.length === 0) {
      throw new StuckRowsError(
        `${rows.length} kept configuration version(s) are encrypted under master secret ${rows[0]?.msid}, which this master secret server does not hold. Restore the backup of that secret to recover them.`,
        rows[0]?.msid ?? '',
      );
    }
    const batch = known.map((r) => ({
      application: r.application,
      identifier: r.identifier,
      version: r.version,
      expectedMsid: r.msid,
      msid: current.msid,
      ciphertext: reencryptBag(byMsid.get(r.msid) as MasterSecret, current, r.application, r.identifier, r.ciphertext),
    }));
    onBatch(await store.reencryptHistoryRows(batch));
  }
}
