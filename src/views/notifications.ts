/**
 * Every notification of the extension (information, warning, error; toast, modal or progress)
 * goes through this module, so that no text from outside (an application name read from an import
 * file, a service's message) can put a live command link into one: see
 * src/model/notificationText.ts. test/unit/extension/notificationsModule.test.ts fails when a
 * window.show…Message call or a progress notification appears anywhere else. Buttons are ours and are passed unchanged, so the caller can compare the answer.
 */
import * as vscode from 'vscode';
import { notificationText } from '../model/notificationText';

export function notifyInformation<T extends string>(message: string, ...buttons: T[]): Thenable<T | undefined> {
  return vscode.window.showInformationMessage(notificationText(message), ...buttons);
}

export function notifyWarning<T extends string>(message: string, ...buttons: T[]): Thenable<T | undefined> {
  return vscode.window.showWarningMessage(notificationText(message), ...buttons);
}

export function notifyError<T extends string>(message: string, ...buttons: T[]): Thenable<T | undefined> {
  return vscode.window.showErrorMessage(notificationText(message), ...buttons);
}

/** A modal warning: the user must answer before going on (undefined when it was closed). */
export function askWarningModal<T extends string>(message: string, detail: string | undefined, ...buttons: T[]): Thenable<T | undefined> {
  return vscode.window.showWarningMessage(notificationText(message), modalOptions(detail), ...buttons);
}

/** A modal error, for a failure the user must act on before going on. */
export function askErrorModal<T extends string>(message: string, detail: string | undefined, ...buttons: T[]): Thenable<T | undefined> {
  return vscode.window.showErrorMessage(notificationText(message), modalOptions(detail), ...buttons);
}

function modalOptions(detail: string | undefined): vscode.MessageOptions {
  return { modal: true, ...(detail === undefined ? {} : { detail: notificationText(detail) }) };
}

/** A progress notification: its title and every message reported are notification text too. */
export function withNotificationProgress<R>(
  options: { title: string; cancellable?: boolean },
  task: (progress: vscode.Progress<{ message?: string; increment?: number }>, token: vscode.CancellationToken) => Thenable<R>,
): Thenable<R> {
  return vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: notificationText(options.title), cancellable: options.cancellable }, (progress, token) =>
    task({ report: (value) => progress.report(value.message === undefined ? value : { ...value, message: notificationText(value.message) }) }, token),
  );
}
