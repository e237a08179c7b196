/**
 * Routine confirmations (deleted, created, fields changed): what the user just asked for and can
 * see happen in the explorer. They go to the status bar for a few seconds, as VS Code's own
 * "Saved" does, instead of a toast that has to be dismissed; toasts stay for decisions and failures.
 * The command logs the same event in the "Enterprise SSO" log.
 */
import * as vscode from 'vscode';

const SHOWN_MS = 5000;

export function confirmInStatusBar(message: string): void {
  vscode.window.setStatusBarMessage(`$(check) ${message}`, SHOWN_MS);
}
