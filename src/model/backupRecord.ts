/**
 * Recording a backup's time once its file is written (secret.backupWritten), across versions: an
 * older service refuses the `confirmWrite` flag or the method, and records a backup as it makes it.
 * Once the file is written, a failure to record is a warning, never a failed backup (a script would
 * throw a good file away). Injected requests: tested without a service.
 */
import { SsoError } from '../protocol/errors';

/** An older service's validator names the flag it does not know; nothing was made then. */
function refusesFlag(err: unknown): boolean {
  return err instanceof SsoError && err.code === 'ENTSSO_E_INVALID_REQUEST' && err.message.includes('"confirmWrite"');
}

/** An older service (or MSS) without backupWritten: it recorded the backup when it made it. */
function unknownMethod(err: unknown): boolean {
  return err instanceof SsoError && err.code === 'ENTSSO_E_INVALID_REQUEST' && /^Unknown (method|master secret server operation)/.test(err.message);
}

/** secret.backup asked to wait for the confirmation; `confirm` false when the service records it as made. */
export async function requestBackup<T>(backup: (confirmWrite: boolean) => Promise<T>, ask = true): Promise<{ result: T; confirm: boolean }> {
  if (!ask) return { result: await backup(false), confirm: false };
  try {
    return { result: await backup(true), confirm: true };
  } catch (err) {
    if (!refusesFlag(err)) throw err;
    return { result: await backup(false), confirm: false };
  }
}

/** After the file is written: undefined when recorded, else why the time was not (the file stays good). */
export async function recordWrittenBackup(confirm: boolean, record: () => Promise<unknown>): Promise<string | undefined> {
  if (!confirm) return undefined;
  try {
    await record();
    return undefined;
  } catch (err) {
    if (unknownMethod(err)) return undefined;
    return err instanceof Error ? err.message : String(err);
  }
}
