/**
 * Activation: wires the connection, the views and the commands together. Nothing here does
 * I/O beyond reading settings; the connection to the SSO service is made asynchronously.
 */
import * as l10n from '@vscode/l10n';
import * as vscode from 'vscode';
import { registerApplicationCommands } from './commands/applicationCommands';
import { registerAuditCommands } from './commands/auditCommands';
import { registerConfigurationCommands } from './commands/configurationCommands';
import { registerConfigurationLifecycleCommands } from './commands/configurationLifecycleCommands';
import { registerHistoryCommands } from './commands/historyCommands';
import { registerMaskedFieldCommands } from './commands/maskedFieldCommands';
import { registerCompareCommands } from './commands/compareCommands';
import { registerConnectionCommands } from './commands/connectionCommands';
import { registerExplorerCommands } from './commands/explorerCommands';
import { rememberFileFolders } from './commands/files';
import { registerFindByValueCommand } from './commands/findByValueCommand';
import { refreshHealthIfShown, refreshHealthOnStateChange, registerHealthCommands } from './commands/healthCommands';
import { registerLocalEnvironmentCommands } from './commands/localEnvironmentCommands';
import { registerSecretCommands } from './commands/secretCommands';
import { registerTransferCommands } from './commands/transferCommands';
import { BackupStatusCache } from './connection/backupStatusCache';
import { ConnectionManager } from './connection/connectionManager';
import { ApplicationsTreeProvider } from './views/applicationsTree';
import { AuditLogProvider } from './views/auditLogView';
import { ConfigDiagnostics } from './views/configDiagnostics';
import { HealthViewProvider } from './views/healthView';
import { registerConfigEditorHelp } from './views/configEditorHelp';
import { ImportPreviewProvider } from './views/importPreview';
import { registerMaskedFieldHover } from './views/maskedFieldHover';
import { keepSsoDocumentsInTheirLanguage } from './views/ssoDocumentLanguage';
import { SsoFileSystemProvider } from './views/ssoFileSystem';
import { SsoFileSystemRegistration } from './views/ssoFileSystemRegistration';
import { SsoStatusBarItem } from './views/statusBar';

/**
 * src/model and src/connection cannot import vscode, so they translate through @vscode/l10n: hand
 * it the bundle VS Code loaded for the display language (undefined in English), synchronously,
 * before anything builds a message.
 */
function useTranslationsInModelAndConnection(): void {
  if (vscode.l10n.bundle) l10n.config({ contents: vscode.l10n.bundle });
}

export function activate(context: vscode.ExtensionContext): void {
  const started = performance.now();
  useTranslationsInModelAndConnection();
  const log = vscode.window.createOutputChannel('Enterprise SSO', { log: true });
  void vscode.commands.executeCommand('setContext', 'entsso.connected', false);

  const connection = new ConnectionManager(context.secrets, log, context.extensionPath);
  rememberFileFolders(context.workspaceState);
  const provider = new SsoFileSystemProvider(connection, log);
  const fileSystem = new SsoFileSystemRegistration(provider, connection, log);
  const diagnostics = new ConfigDiagnostics(provider);
  const tree = new ApplicationsTreeProvider(connection, log);
  const treeView = vscode.window.createTreeView('entsso.applications', { treeDataProvider: tree, showCollapseAll: true });
  const health = new HealthViewProvider();
  const healthView = vscode.window.createTreeView('entsso.health', { treeDataProvider: health });
  const auditLog = new AuditLogProvider(connection);
  const auditView = vscode.window.createTreeView('entsso.audit', { treeDataProvider: auditLog });
  auditLog.attach(auditView);
  const backups = new BackupStatusCache(connection, log);
  const statusBar = new SsoStatusBarItem(connection, backups);
  const preview = new ImportPreviewProvider();
  const healthContext = { log, connection, health };
  // After a backup, verification, restore or rotation: what shows the backup state is refreshed.
  const afterSecretChange = () => {
    void backups.refresh();
    void refreshHealthIfShown(healthContext).catch(() => undefined);
  };

  context.subscriptions.push(
    log,
    connection,
    provider,
    fileSystem,
    diagnostics,
    tree,
    treeView,
    health,
    healthView,
    auditLog,
    auditView,
    backups,
    statusBar,
    preview,
    ...registerConfigEditorHelp(provider),
    fileSystem.onDidChangeEditBlock(() => diagnostics.updateAll()),
    provider.onDidWrite((e) => tree.noteWritten(e.environment, e.row)),
    keepSsoDocumentsInTheirLanguage(log),
    registerMaskedFieldHover(provider),
    ...registerConnectionCommands({ log, connection, extensionPath: context.extensionPath }),
    ...registerExplorerCommands({ log, connection, tree, treeView, fileSystem: provider }),
    ...registerFindByValueCommand({ log, connection }),
    ...registerConfigurationCommands({ log, connection, fileSystem, globalState: context.globalState }),
    ...registerMaskedFieldCommands({ log, connection, fileSystem: provider }),
    ...registerHealthCommands(healthContext),
    refreshHealthOnStateChange(healthContext),
    ...registerSecretCommands({ log, connection, afterSecretChange }),
    ...registerApplicationCommands({ log, connection, tree, treeView, fileSystem: provider }),
    ...registerConfigurationLifecycleCommands({ log, connection, tree, treeView, fileSystem: provider }),
    ...registerHistoryCommands({ log, connection, tree, treeView, fileSystem: provider }),
    ...registerCompareCommands({ log, connection, tree, treeView, fileSystem: provider }),
    ...registerAuditCommands({ log, connection, auditLog }),
    ...registerTransferCommands({ log, connection, tree, fileSystem: provider, preview }),
    ...registerLocalEnvironmentCommands({ log, connection, extensionPath: context.extensionPath, globalStorage: context.globalStorageUri }),
  );

  connection.start();
  log.info(`Enterprise SSO Explorer activated in ${Math.round(performance.now() - started)} ms.`);
}

export function deactivate(): void {}
