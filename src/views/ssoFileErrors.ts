/**
 * How a failure of the SSO service reaches VS Code from the `sso:` file system: as the
 * FileSystemError kind that matches its stable code, with the service's sentence (which says what
 * to do). The code goes to the log, never a value. A failed save is also told in the extension's
 * own notification (model/saveFailure.ts says why VS Code's is not enough).
 */
import * as vscode from 'vscode';
import { SsoError } from '../protocol/errors';
import { saveFailure, saveFailureReasonOfError, type SaveFailureReason } from '../model/saveFailure';
import { notifyError } from './notifications';

export function toFileSystemError(err: unknown, what: string, log: vscode.LogOutputChannel): Error {
  if (err instanceof vscode.FileSystemError) return err;
  if (err instanceof SsoError) {
    log.warn(`${what} failed: ${err.message} [${err.code}]`);
    switch (err.code) {
      case 'ENTSSO_E_APPLICATION_NOT_FOUND':
      case 'ENTSSO_E_MAPPING_NOT_FOUND':
        return vscode.FileSystemError.FileNotFound(err.message);
      case 'ENTSSO_E_ACCESS_DENIED':
      case 'ENTSSO_E_NO_SECRET':
      case 'ENTSSO_E_REENCRYPT_IN_PROGRESS':
      case 'ENTSSO_E_APPLICATION_DISABLED':
        return vscode.FileSystemError.NoPermissions(err.message);
      case 'ENTSSO_E_UNKNOWN_FIELD':
      case 'ENTSSO_E_CONFIGURATION_TOO_LARGE':
      case 'ENTSSO_E_INVALID_REQUEST':
        return new vscode.FileSystemError(err.message);
      default:
        return vscode.FileSystemError.Unavailable(err.message);
    }
  }
  log.error(`${what} failed unexpectedly (${err instanceof Error ? err.name : typeof err}).`);
  return vscode.FileSystemError.Unavailable(vscode.l10n.t('{0} failed unexpectedly. See "SSO: Show Log".', what));
}

/**
 * Tells the user why a save failed (`sentence` says what to do; the buttons do it) and returns the
 * plainest FileSystemError for VS Code's own "Failed to save" notification.
 */
export function saveError(reason: SaveFailureReason, sentence: string): vscode.FileSystemError {
  const failure = saveFailure(reason);
  const titles = failure.actions.map((a) => a.title);
  void notifyError(sentence, ...titles).then((picked) => {
    const action = failure.actions.find((a) => a.title === picked);
    if (action) void vscode.commands.executeCommand(action.command);
  });
  return vscode.FileSystemError[failure.kind](failure.short);
}

/** The reason of an error met while saving: its stable code when it has one. */
export function saveFailureReasonOf(err: unknown): SaveFailureReason {
  return err instanceof SsoError ? saveFailureReasonOfError(err) : 'ENTSSO_E_INTERNAL';
}
