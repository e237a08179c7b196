/**
 * The one wrapper around every command of the extension (like the Azure extensions'
 * callWithTelemetryAndErrorHandling): runs the handler, logs start, outcome and duration to
 * the "Enterprise SSO" log, and turns failures into a message a person can act on. SsoErrors
 * carry a stable code and a human message (never a value); other errors are reported by
 * name only, so that nothing from a document can reach a log line or a notification.
 */
import * as vscode from 'vscode';
import { SsoError, type SsoErrorCode } from '../protocol/errors';
import type { EditBlock } from '../model/serviceStatus';
import { notifyError } from '../views/notifications';

/** Thrown by a handler when the user cancelled (closed a prompt): not an error. */
export class UserCancelled extends Error {
  override readonly name = 'UserCancelled';
  constructor() {
    super('Cancelled by the user.');
  }
}

/** Thrown by a handler to refuse with a message for people (e.g. "Save or revert first"). */
export class UserFacingError extends Error {
  override readonly name = 'UserFacingError';
  constructor(
    message: string,
    readonly actions: ErrorAction[] = [],
  ) {
    super(message);
  }
}

interface ErrorAction {
  title: string;
  command: string;
  args?: unknown[];
}

export interface CommandContext {
  readonly log: vscode.LogOutputChannel;
}

/** Registers `id` with the error-handling wrapper. */
export function registerCommand(ctx: CommandContext, id: string, handler: (...args: never[]) => unknown): vscode.Disposable {
  return vscode.commands.registerCommand(id, (...args: unknown[]) => runCommand(ctx, id, () => (handler as (...a: unknown[]) => unknown)(...args)));
}

/** A command that changes SSO sees why the active environment cannot be changed now (the editor's block). */
interface WriteCommandContext extends CommandContext {
  readonly fileSystem: { readonly editBlock: EditBlock | undefined };
}

/**
 * Registers a command that changes SSO: while the active environment cannot encrypt (cached
 * secret, re-encryption, service unreachable…) it is refused before its first prompt, with the
 * editor's explanation, rather than after everything was typed (the service would refuse anyway).
 */
export function registerWriteCommand(ctx: WriteCommandContext, id: string, handler: (...args: never[]) => unknown): vscode.Disposable {
  return vscode.commands.registerCommand(id, (...args: unknown[]) =>
    runCommand(ctx, id, () => {
      requireWritable(ctx);
      return (handler as (...a: unknown[]) => unknown)(...args);
    }),
  );
}

/** Throws the active environment's edit block, if any, with the editor's next step (Check Health). */
export function requireWritable(ctx: WriteCommandContext): void {
  const block = ctx.fileSystem.editBlock;
  if (!block) return;
  throw new UserFacingError(vscode.l10n.t('Nothing was changed: SSO cannot be changed now. {0}', block.plain), [
    { title: vscode.l10n.t('Check Health'), command: 'entsso.checkHealth' },
  ]);
}

export async function runCommand<T>(ctx: CommandContext, id: string, body: () => T | Promise<T>): Promise<T | undefined> {
  const started = Date.now();
  ctx.log.trace(`${id}: started`);
  try {
    const result = await body();
    ctx.log.trace(`${id}: done in ${Date.now() - started} ms`);
    return result;
  } catch (err) {
    reportError(ctx, id, err, Date.now() - started);
    return undefined;
  }
}

/** What to offer with an SsoError, by code. */
function actionsFor(code: SsoErrorCode): ErrorAction[] {
  switch (code) {
    case 'ENTSSO_E_NOT_CONNECTED':
    case 'ENTSSO_E_TIMEOUT':
      return [
        { title: vscode.l10n.t('Retry Connection'), command: 'entsso.retryConnection' },
        { title: vscode.l10n.t('Switch Environment…'), command: 'entsso.switchEnvironment' },
      ];
    case 'ENTSSO_E_WRONG_ENVIRONMENT':
      return [{ title: vscode.l10n.t('Switch Environment…'), command: 'entsso.switchEnvironment' }];
    case 'ENTSSO_E_ACCESS_DENIED':
    case 'ENTSSO_E_UNSUPPORTED_VERSION':
      return [{ title: vscode.l10n.t('Connect…'), command: 'entsso.connect' }];
    case 'ENTSSO_E_NO_SECRET':
    case 'ENTSSO_E_REENCRYPT_IN_PROGRESS':
    case 'ENTSSO_E_MSS_UNREACHABLE':
    case 'ENTSSO_E_SSODB_UNREACHABLE':
    case 'ENTSSO_E_AUDIT_FAILED':
      return [{ title: vscode.l10n.t('Check Health'), command: 'entsso.checkHealth' }];
    case 'ENTSSO_E_APPLICATION_NOT_FOUND':
    case 'ENTSSO_E_MAPPING_NOT_FOUND':
    case 'ENTSSO_E_CONFLICT':
      return [{ title: vscode.l10n.t('Refresh Explorer'), command: 'entsso.refresh' }];
    default:
      return [];
  }
}

function reportError(ctx: CommandContext, id: string, err: unknown, ms: number): void {
  if (err instanceof UserCancelled || (err instanceof vscode.CancellationError)) {
    ctx.log.trace(`${id}: cancelled after ${ms} ms`);
    return;
  }
  let message: string;
  let actions: ErrorAction[];
  if (err instanceof SsoError) {
    ctx.log.error(`${id}: failed after ${ms} ms: ${err.message} [${err.code}]`);
    message = err.message;
    actions = actionsFor(err.code);
  } else if (err instanceof UserFacingError) {
    ctx.log.warn(`${id}: refused: ${err.message}`);
    message = err.message;
    actions = err.actions;
  } else {
    // Unknown errors may carry text from elsewhere: log the kind and where, not the message.
    const name = err instanceof Error ? err.name : typeof err;
    const stack = err instanceof Error && err.stack ? err.stack.split('\n').slice(1, 4).map((l) => l.trim()).join(' | ') : '';
    ctx.log.error(`${id}: failed after ${ms} ms with an unexpected ${name}${stack ? ` at ${stack}` : ''}`);
    message = vscode.l10n.t('The command failed unexpectedly ({0}). Details are in the log: run "SSO: Show Log".', name);
    actions = [];
  }
  showError(ctx, message, actions);
}

/** Shows an error with its actions and "Show Log"; does not wait for the user. */
export function showError(ctx: CommandContext, message: string, actions: ErrorAction[] = []): void {
  const showLog = vscode.l10n.t('Show Log');
  const buttons = [...actions.map((a) => a.title), showLog];
  void notifyError(message, ...buttons).then((picked) => {
    if (picked === showLog) ctx.log.show(true);
    const action = actions.find((a) => a.title === picked);
    if (action) void vscode.commands.executeCommand(action.command, ...(action.args ?? []));
  });
}
