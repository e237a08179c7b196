/**
 * The Audit Log view's commands: show it, filter it (one line, like the explorer's Find), clear
 * the filter, refresh, load the next page, and open what an entry names: its configuration, or
 * the kept version a history entry names.
 */
import * as vscode from 'vscode';
import type { ConnectionManager } from '../connection/connectionManager';
import { auditEntryTarget, auditFilterHelp, parseAuditFilter } from '../model/auditLog';
import type { AuditEntry } from '../protocol/messages';
import type { AuditLogProvider } from '../views/auditLogView';
import { openSsoDocument } from '../views/ssoDocumentLanguage';
import { ssoUri } from '../views/ssoFileSystem';
import { UserFacingError, registerCommand, type CommandContext } from './commandRunner';
import { historyUri } from './historyCommands';
import { requireEnvironment } from './prompts';

interface AuditCommandsContext extends CommandContext {
  readonly connection: ConnectionManager;
  readonly auditLog: AuditLogProvider;
}

export function registerAuditCommands(ctx: AuditCommandsContext): vscode.Disposable[] {
  return [
    registerCommand(ctx, 'entsso.showAuditLog', () => showAuditLog(ctx)),
    registerCommand(ctx, 'entsso.filterAuditLog', () => filterAuditLog(ctx)),
    registerCommand(ctx, 'entsso.clearAuditLogFilter', () => ctx.auditLog.setFilter('', {})),
    registerCommand(ctx, 'entsso.refreshAuditLog', () => ctx.auditLog.refresh()),
    registerCommand(ctx, 'entsso.loadMoreAudit', () => ctx.auditLog.loadMore()),
    registerCommand(ctx, 'entsso.openAuditEntry', (entry?: AuditEntry) => openAuditEntry(ctx, entry)),
  ];
}

async function showAuditLog(ctx: AuditCommandsContext): Promise<void> {
  requireEnvironment(ctx.connection);
  ctx.auditLog.refresh();
  await vscode.commands.executeCommand('entsso.audit.focus');
}

async function filterAuditLog(ctx: AuditCommandsContext): Promise<void> {
  requireEnvironment(ctx.connection);
  const query = await vscode.window.showInputBox({
    title: vscode.l10n.t('Filter Audit Log'),
    prompt: vscode.l10n.t(`{0}. Empty shows everything.`, auditFilterHelp()),
    placeHolder: vscode.l10n.t('e.g. ConfigProperties op:config who:alice since:7d'),
    value: ctx.auditLog.filterQuery,
    validateInput: (text) => parseAuditFilter(text, new Date()).error,
  });
  if (query === undefined) return;
  const parsed = parseAuditFilter(query, new Date());
  if (parsed.error !== undefined) throw new UserFacingError(parsed.error);
  ctx.auditLog.setFilter(query, parsed.filter);
  await vscode.commands.executeCommand('entsso.audit.focus');
}

async function openAuditEntry(ctx: AuditCommandsContext, entry: AuditEntry | undefined): Promise<void> {
  const target = entry && auditEntryTarget(entry);
  if (!target) throw new UserFacingError(vscode.l10n.t('This audit entry names no configuration. Pick an entry of a configuration in the Audit Log.'));
  const environment = requireEnvironment(ctx.connection).name;
  if (target.version !== undefined) {
    await vscode.window.showTextDocument(historyUri({ environment, application: target.application, identifier: target.identifier, version: target.version }), { preview: true });
    return;
  }
  const uri = ssoUri(environment, target.application, target.identifier);
  await vscode.window.showTextDocument(await openSsoDocument(uri), { preview: true });
}
