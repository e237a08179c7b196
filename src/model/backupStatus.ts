/**
 * Whether the current master secret has a verified backup, from `secret.info`, judged the way
 * the service's health check judges it (a backup or verification older than the secret does
 * not count), and the line the status bar tooltip shows about it. ENTSSO nags (event 10589)
 * until a backup exists: a lost secret cannot be recovered.
 * No `vscode` import: unit-tested with node:test.
 */
import * as l10n from '@vscode/l10n';
import type { SecretInfo } from '../protocol/messages';
import { escapeMarkdown } from './markdown';
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
 * The tooltip is trusted with command links: they are built here, and every translated text is
 * escaped, so a translation bundle cannot add a link or formatting.
 */
export function backupTooltipLine(status: BackupStatus, now: Date, canVerify = true): string {
  if (!canVerify && status.verdict === 'unverified') {
    return listItem(l10n.t('Last backup of the master secret: {0} (Enterprise SSO cannot verify a backup without restoring it: keep its password where you can find it)', formatTime(status.lastBackupAt ?? undefined, now)));
  }
  if (!canVerify && status.verdict === 'none') {
    return warning(l10n.t('The current master secret has no backup.'), l10n.t('If the master secret server is lost, every stored configuration is lost with it.'), backUpLink());
  }
  switch (status.verdict) {
    case 'verified':
      return listItem(l10n.t('Last verified backup of the master secret: {0}', formatTime(status.lastVerifiedBackupAt ?? undefined, now)));
    case 'unverified':
      return warning(
        l10n.t('The current master secret has no verified backup.'),
        l10n.t('It was backed up at {0}, but nobody has proved that the file and its password work.', formatTime(status.lastBackupAt ?? undefined, now)),
        commandLink(l10n.t('Verify Master Secret Backup…'), 'entsso.verifySecretBackup'),
      );
    case 'none':
      return warning(l10n.t('The current master secret has no verified backup.'), l10n.t('If the master secret server is lost, every stored configuration is lost with it.'), backUpLink());
  }
}

function backUpLink(): string {
  return commandLink(l10n.t('Back Up Master Secret…'), 'entsso.backupSecret');
}

function commandLink(text: string, command: 'entsso.backupSecret' | 'entsso.verifySecretBackup'): string {
  return `[${escapeMarkdown(text)}](command:${command})`;
}

function warning(headline: string, detail: string, link: string): string {
  return `$(warning) **${escapeMarkdown(headline)}** ${escapeMarkdown(detail)} ${link}`;
}

function listItem(text: string): string {
  return `- ${escapeMarkdown(text)}`;
}

/** How long a `secret.info` answer is trusted when nothing says it changed. */
export const BACKUP_STATUS_MAX_AGE_MS = 15 * 60_000;
