/**
 * Saving the backup of a new master secret (Generate), whose bytes exist only in memory until
 * written. When the first place cannot be written, the user is asked for another one; closing a
 * dialog (Escape) is never taken for "drop it":
 * - through the ENTSSO bridge the new secret is already in use (GenerateSecret switches in one
 *   step), so these bytes are its only backup: they are dropped only on an explicit "Drop" button;
 * - on the own service nothing has switched yet (commit comes after the write): giving up is
 *   harmless, and the caller says that nothing was changed.
 * The steps are injected so that the loop is tested without VS Code.
 */

/** What the modal after a failed write answered: undefined when it was closed (Escape). */
export type AfterFailedWrite = 'elsewhere' | 'drop' | undefined;

interface NewSecretBackupSteps<T> {
  /** Writes the backup durably to `target`; throws when it cannot. */
  write(target: T): Promise<void>;
  /** The modal after a failed write, with the reason as a person reads it. */
  askAfterFailure(target: T, failure: unknown): PromiseLike<AfterFailedWrite>;
  /** The save dialog for another place: undefined when it was closed. */
  pickTarget(): PromiseLike<T | undefined>;
}

/**
 * Where the backup was written, or undefined when it was not: dropped by an explicit choice
 * (already switched) or given up before anything switched.
 */
export async function saveNewSecretBackup<T>(first: T, alreadySwitched: boolean, steps: NewSecretBackupSteps<T>): Promise<T | undefined> {
  let target = first;
  let failure: unknown;
  for (;;) {
    if (failure === undefined) {
      try {
        await steps.write(target);
        return target;
      } catch (err) {
        failure = err ?? new Error('write failed');
      }
    }
    const choice = await steps.askAfterFailure(target, failure);
    if (choice === 'drop' || (choice === undefined && !alreadySwitched)) return undefined;
    // Escape with the only backup at stake asks again; so does a closed save dialog.
    if (choice === undefined) continue;
    const next = await steps.pickTarget();
    if (next === undefined) continue;
    target = next;
    failure = undefined;
  }
}
