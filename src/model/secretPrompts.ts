/**
 * The small decisions of the password-protected file commands (master secret backups, exports):
 * which refusals of the service mean "ask the password again", what a reminder must not hold,
 * default file names. Password strength is judged by the service alone (one rule set); its
 * refusal message is what the user sees.
 * No `vscode` import: unit-tested with node:test.
 */
import * as l10n from '@vscode/l10n';
import type { SsoError } from '../protocol/errors';
import type { TransferFormat } from '../protocol/messages';
import { formatTime } from './serviceStatus';

/** The service refused a new password as too weak: ask for another one, showing its reason. */
export function isWeakPasswordRefusal(err: SsoError): boolean {
  if (err.details.reason === 'weak-password') return true;
  // The master secret server refuses weak backup passwords as an invalid request.
  return err.code === 'ENTSSO_E_INVALID_REQUEST' && /password is too weak/i.test(err.message);
}

/** The file did not open with that password: ask again. */
export function isWrongPasswordRefusal(err: SsoError): boolean {
  return err.code === 'ENTSSO_E_BAD_PASSWORD' && err.details.reason !== 'weak-password';
}

/**
 * The confirmation of a new password, checked as it is typed: quiet while what is typed so far
 * matches the start of the password, and said at once when it cannot match any more.
 */
export function confirmationProblem(typed: string, password: string): string | { info: string } | undefined {
  if (typed === password) return undefined;
  if (password.startsWith(typed)) return { info: typed.length === 0 ? l10n.t('Type the same password again.') : l10n.t('Keep typing: the passwords match so far.') };
  return l10n.t('The two passwords differ: type the same password again.');
}

/** Why a reminder cannot be stored readable next to the secret it protects. */
export function reminderProblem(reminder: string, password: string): string | undefined {
  if (reminder.length > 200) return l10n.t('Keep the reminder under 200 characters.');
  // The service refuses these too: the reminder is printed before password prompts, terminals included.
  if (/[\p{Cc}\p{Cf}\p{Cs}\u2028\u2029]/u.test(reminder)) return l10n.t('Write the reminder as plain text on one line, without control or invisible characters.');
  if (password.length > 0 && reminder.toLowerCase().includes(password.toLowerCase())) {
    return l10n.t('The reminder contains the password. It is stored readable in the file: write a hint only you understand.');
  }
  return undefined;
}

function stamp(now: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${now.getFullYear()}${p(now.getMonth() + 1)}${p(now.getDate())}-${p(now.getHours())}${p(now.getMinutes())}`;
}

function safe(name: string): string {
  return name.replace(/[^\w.-]+/g, '_').replace(/\.{2,}/g, '_').replace(/^[_.]+|_+$/g, '') || 'sso';
}

/** A file name without separators stays in its folder once it holds no ".."; a leading "." would hide it. */
function withoutDotRuns(name: string): string {
  return name.replace(/\.{2,}|^\./g, '_');
}

export function backupFileName(environment: string, now: Date): string {
  return `master-secret-${safe(environment)}-${stamp(now)}.backup`;
}

/** `.sso` files are named after their application (the snap-in takes the name from the file). */
export function exportFileName(applications: string[], format: TransferFormat, environment: string, now: Date): string {
  if (format === 'sso') return `${ssoFileBaseName(applications[0] ?? 'application')}.sso`;
  const what = applications.length === 1 ? safe(applications[0] as string) : `${safe(environment)}-${applications.length}-applications`;
  return `${what}-${stamp(now)}.entsso`;
}

/**
 * An application's name as the base of a proposed file name, kept as close to the name as a file
 * name can be (the snap-in names the application after the file). The save dialog's folder is
 * joined with it, so separators and ".." would propose a file in another folder; they, characters
 * Windows refuses in file names, and control and invisible characters (a bidi override can make
 * the name read otherwise) become "_". The export then says which name to import the file under.
 */
function ssoFileBaseName(application: string): string {
  return withoutDotRuns(application.replace(/[\\/:*?"<>|\p{Cc}\p{Cf}\u2028\u2029]/gu, '_'));
}

/** The import format of a file, from its extension. */
export function formatOfFile(path: string): TransferFormat {
  return /\.sso$/i.test(path) ? 'sso' : 'entsso';
}

/** The application a `.sso` file is for, as the snap-in reads it: the file name without extension. */
export function applicationOfSsoFile(path: string): string {
  const base = path.split(/[\\/]/).pop() ?? path;
  return base.replace(/\.sso$/i, '');
}

/**
 * What the password box of a protected file says before the password is typed (ENTSSO shows the
 * reminder first). Through the ENTSSO bridge `created` is '': ENTSSO does not say when a backup was made.
 */
export function reminderPromptText(info: { reminder: string; created: string; foreignEnvironment: boolean }, now: Date): string {
  const reminder = info.reminder ? l10n.t('Password reminder: "{0}".', info.reminder) : l10n.t('This file has no password reminder.');
  if (!info.created) return info.foreignEnvironment ? l10n.t('{0} Made in another SSO environment. Enter its password.', reminder) : l10n.t('{0} Enter its password.', reminder);
  const created = formatTime(info.created, now);
  const made = info.foreignEnvironment ? l10n.t('Made {0} in another SSO environment.', created) : l10n.t('Made {0}.', created);
  return l10n.t('{0} {1} Enter its password.', reminder, made);
}

/** What Restore says: the secret's id and the sync interval only when the backend told them (ENTSSO's RestoreSecret tells neither: msid ''). */
export function restoredSecretText(env: string, msid: string, syncIntervalMs: number | undefined): string {
  if (!msid) return l10n.t('The master secret of "{0}" was restored. SSO servers pick it up at their next refresh.', env);
  return syncIntervalMs
    ? l10n.t('Master secret {0} restored in "{1}". SSO services pick it up within one sync interval ({2} s).', msid, env, Math.round(syncIntervalMs / 1000))
    : l10n.t('Master secret {0} restored in "{1}". SSO services pick it up within one sync interval.', msid, env);
}
