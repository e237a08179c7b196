/**
 * Recording a backup's time once its file is written (secret.backupWritten), across versions: an
 * older service refuses the `confirmWrite` flag or the method, and records a backup as it makes it.
 * Once the file is written, a failure to record is a warning, never a failed backup (a script would
 * throw a good file away). A file whose secrets are no longer the one in use (it changed between the
 * backup and the record) is said to be no backup of it. Injected requests: tested without a service.
 */
import * as l10n from '@vscode/l10n';
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

/**
 * What became of recording a written backup: recorded (or by an older service as made); not, with
 * why (the file is still a good backup); or superseded: the master secret changed between the
 * backup and the record, so the file holds the secret that was current then, not the live one.
 */
type BackupRecord = { outcome: 'recorded' } | { outcome: 'failed'; reason: string } | { outcome: 'superseded' };

/** After the file is written: records its time, where the service waits for that. */
export async function recordWrittenBackup(confirm: boolean, record: () => Promise<{ recorded: boolean }>): Promise<BackupRecord> {
  if (!confirm) return { outcome: 'recorded' };
  try {
    return (await record()).recorded === false ? { outcome: 'superseded' } : { outcome: 'recorded' };
  } catch (err) {
    if (unknownMethod(err)) return { outcome: 'recorded' };
    return { outcome: 'failed', reason: err instanceof Error ? err.message : String(err) };
  }
}

/** What the palette and ssoctl say of a superseded backup: what the file is, and what to do. */
export function supersededBackupMessage(file: string): string {
  return l10n.t('The master secret changed during the backup: {0} holds the secret that was current when it was taken, not the current one. Back up again.', file);
}
