/**
 * Whether the current master secret has a verified backup, from `secret.info`, judged the way
 * the service's health check judges it (a backup or verification older than the secret does
 * not count), and the line the status bar tooltip shows about it. ENTSSO nags (event 10589)
 * until a backup exists: a lost secret cannot be recovered.
 * No `vscode` import: unit-tested with node:test.
 */
import * as l10n from '@vscode/l10n';
import type { SecretInfo } from '../protocol/messages';
import { formatTime } from './serviceStatus';

type BackupVerdict = 'verified' | 'unverified' | 'none';

export interface BackupStatus {
  verdict: BackupVerdict;
  /** The MSID the verdict is about (a rotation or restore makes it stale). */
  msid: string | null;
  lastBackupAt: string | null;
  lastVerifiedBackupAt: string | null;
}

export function backupStatusOf(info: SecretInfo): BackupStatus {
  const since = info.secretCreatedAt ? Date.parse(info.secretCreatedAt) : Number.NEGATIVE_INFINITY;
  const counts = (iso: string | null) => iso !== null && Date.parse(iso) >= since;
  const verdict: BackupVerdict = counts(info.lastVerifiedBackupAt) ? 'verified' : counts(info.lastBackupAt) ? 'unverified' : 'none';
  return { verdict, msid: info.currentMsid, lastBackupAt: info.lastBackupAt, lastVerifiedBackupAt: info.lastVerifiedBackupAt };
}

/**
 * Markdown for the status bar tooltip: a warning with the next step unless the backup is verified.
 * `canVerify` false (Enterprise SSO): a backup is as good as it gets, and nothing links to verifying.
 */
export function backupTooltipLine(status: BackupStatus, now: Date, canVerify = true): string {
  if (!canVerify && status.verdict === 'unverified') {
    return l10n.t('- Last backup of the master secret: {0} (Enterprise SSO cannot verify a backup without restoring it: keep its password where you can find it)', formatTime(status.lastBackupAt ?? undefined, now));
  }
  if (!canVerify && status.verdict === 'none') {
    return l10n.t('$(warning) **The current master secret has no backup.** If the master secret server is lost, every stored configuration is lost with it. [Back Up Master Secret…](command:entsso.backupSecret)');
  }
  switch (status.verdict) {
    case 'verified':
      return l10n.t('- Last verified backup of the master secret: {0}', formatTime(status.lastVerifiedBackupAt ?? undefined, now));
    case 'unverified':
      return l10n.t(
        '$(warning) **The current master secret has no verified backup.** It was backed up at {0}, but nobody has proved that the file and its password work. [Verify Master Secret Backup…](command:entsso.verifySecretBackup)',
        formatTime(status.lastBackupAt ?? undefined, now),
      );
    case 'none':
      return l10n.t('$(warning) **The current master secret has no verified backup.** If the master secret server is lost, every stored configuration is lost with it. [Back Up Master Secret…](command:entsso.backupSecret)');
  }
}

/** How long a `secret.info` answer is trusted when nothing says it changed. */
export const BACKUP_STATUS_MAX_AGE_MS = 15 * 60_000;
