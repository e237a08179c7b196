/**
 * What a failed save of an `sso:` document says. VS Code 1.100 wraps every error a file system
 * provider throws from writeFile as "Failed to save '<file>': Unable to write file '<uri>'
 * (<Kind> (FileSystemError): <message>)" (fileService.writeFile, textFileSaveErrorHandler) and
 * offers only Retry / Save As / Revert. So the extension shows its own notification, with the
 * sentence that says what to do and buttons that do it, and gives VS Code the plainest error the
 * API has: one of its named kinds with a short message (never the "Unknown" kind).
 * No `vscode` import: unit-tested with node:test.
 */
import * as l10n from '@vscode/l10n';
import type { SsoError, SsoErrorCode } from '../protocol/errors';

/**
 * Why a save failed: a service error code, or a refusal of the extension itself. NOT_STARTED: a timeout
 * the service itself answered before starting the request (`details.notStarted`), so nothing was written.
 */
export type SaveFailureReason = SsoErrorCode | 'EDITS_BLOCKED' | 'OTHER_ENVIRONMENT' | 'INVALID_DOCUMENT' | 'NOT_OPENED_FROM_EXPLORER' | 'NOT_STARTED';

/** The reason of a service error: its code, except a timeout the service says it never started (entsso-bridge's notAfter check). */
export function saveFailureReasonOfError(err: SsoError): SaveFailureReason {
  return err.code === 'ENTSSO_E_TIMEOUT' && err.details.notStarted === true ? 'NOT_STARTED' : err.code;
}

type FileErrorKind = 'NoPermissions' | 'Unavailable' | 'FileNotFound';

interface SaveAction {
  title: string;
  command: string;
}

interface SaveFailure {
  /** The FileSystemError kind VS Code is given. */
  kind: FileErrorKind;
  /** The message inside VS Code's own wrapping: short, and still says where to look. */
  short: string;
  /** The buttons of the extension's notification. */
  actions: SaveAction[];
}

// Getters: the titles are looked up when shown, once activation has loaded the translation bundle.
const CHECK_HEALTH: SaveAction = { get title() { return l10n.t('Check Health'); }, command: 'entsso.checkHealth' };
const SHOW_LOG: SaveAction = { get title() { return l10n.t('Show Log'); }, command: 'entsso.showLog' };
const SHOW_PROBLEMS: SaveAction = { get title() { return l10n.t('Show Problems'); }, command: 'workbench.actions.view.problems' };
const SWITCH_ENVIRONMENT: SaveAction = { get title() { return l10n.t('Switch Environment…'); }, command: 'entsso.switchEnvironment' };
const COMPARE: SaveAction = { get title() { return l10n.t('Compare with Stored'); }, command: 'workbench.files.action.compareWithSaved' };
const REVERT: SaveAction = { get title() { return l10n.t('Revert to Stored'); }, command: 'workbench.action.files.revert' };
const REFRESH: SaveAction = { get title() { return l10n.t('Refresh Explorer'); }, command: 'entsso.refresh' };

function failure(kind: FileErrorKind, short: string, actions: SaveAction[]): SaveFailure {
  return { kind, short: l10n.t('Not saved: {0}', short), actions };
}

export function saveFailure(reason: SaveFailureReason): SaveFailure {
  switch (reason) {
    case 'INVALID_DOCUMENT':
      return failure('NoPermissions', l10n.t('the document has problems; see the Problems panel.'), [SHOW_PROBLEMS]);
    case 'ENTSSO_E_UNKNOWN_FIELD':
    case 'ENTSSO_E_CONFIGURATION_TOO_LARGE':
    case 'ENTSSO_E_INVALID_REQUEST':
      // Refused by the service, which sets no diagnostic: its sentence (shown by saveError) says what to change.
      return failure('NoPermissions', l10n.t('the SSO service refused the document; the notification says why.'), []);
    case 'EDITS_BLOCKED':
    case 'ENTSSO_E_NO_SECRET':
    case 'ENTSSO_E_REENCRYPT_IN_PROGRESS':
      return failure('NoPermissions', l10n.t('SSO cannot encrypt right now; see "SSO: Check Health".'), [CHECK_HEALTH]);
    case 'OTHER_ENVIRONMENT':
    case 'ENTSSO_E_WRONG_ENVIRONMENT':
      return failure('NoPermissions', l10n.t('the document belongs to another environment; run "SSO: Switch Environment…".'), [SWITCH_ENVIRONMENT]);
    case 'ENTSSO_E_ACCESS_DENIED':
    case 'ENTSSO_E_APPLICATION_DISABLED':
      return failure('NoPermissions', l10n.t('the SSO service refused it; see "SSO: Show Log".'), [SHOW_LOG]);
    case 'ENTSSO_E_CONFLICT':
      return failure('Unavailable', l10n.t('it was changed in SSO after you opened it; compare, then save again.'), [COMPARE, REVERT]);
    case 'ENTSSO_E_APPLICATION_NOT_FOUND':
    case 'ENTSSO_E_MAPPING_NOT_FOUND':
      return failure('FileNotFound', l10n.t('it no longer exists in SSO; refresh the explorer.'), [REFRESH]);
    case 'NOT_OPENED_FROM_EXPLORER':
      return failure('Unavailable', l10n.t('open it from the Enterprise SSO explorer first.'), []);
    case 'NOT_STARTED':
      return failure('Unavailable', l10n.t('the SSO service did not start it in time; nothing was changed. Save again.'), [CHECK_HEALTH, SHOW_LOG]);
    case 'ENTSSO_E_TIMEOUT':
      // The request may have run after all (one already started is not stopped): not "Not saved".
      return {
        kind: 'Unavailable',
        short: l10n.t('Maybe not saved: no answer in time, but it may still be applied; compare with stored to see.'),
        actions: [COMPARE, CHECK_HEALTH],
      };
    case 'ENTSSO_E_NOT_CONNECTED':
    case 'ENTSSO_E_BUSY':
    case 'ENTSSO_E_SSODB_UNREACHABLE':
    case 'ENTSSO_E_MSS_UNREACHABLE':
      return failure('Unavailable', l10n.t('the SSO service could not store it; see "SSO: Check Health".'), [CHECK_HEALTH, SHOW_LOG]);
    default:
      return failure('Unavailable', l10n.t('the SSO service could not store it; see "SSO: Show Log".'), [SHOW_LOG]);
  }
}
