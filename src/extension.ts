/**
 * Activation: wires the connection, the views and the commands together. Nothing here does
 * I/O beyond reading settings; the connection to the SSO service is made asynchronously.
 */
import * as vscode from 'vscode';
import { registerConfigurationCommands } from './commands/configurationCommands';
import { registerConnectionCommands } from './commands/connectionCommands';
import { registerExplorerCommands } from './commands/explorerCommands';
import { registerHealthCommands } from './commands/healthCommands';
import { ConnectionManager } from './connection/connectionManager';
import { ApplicationsTreeProvider } from './views/applicationsTree';
import { ConfigDiagnostics } from './views/configDiagnostics';
import { HealthViewProvider } from './views/healthView';
import { SsoFileSystemProvider, SsoFileSystemRegistration } from './views/ssoFileSystem';
import { SsoStatusBarItem } from './views/statusBar';

export function activate(context: vscode.ExtensionContext): void {
  const started = performance.now();
  const log = vscode.window.createOutputChannel('Enterprise SSO', { log: true });
  void vscode.commands.executeCommand('setContext', 'entsso.connected', false);

  const connection = new ConnectionManager(context.secrets, log);
  const provider = new SsoFileSystemProvider(connection, log);
  const fileSystem = new SsoFileSystemRegistration(provider, connection, log);
  const diagnostics = new ConfigDiagnostics(provider);
  const tree = new ApplicationsTreeProvider(connection, log);
  const treeView = vscode.window.createTreeView('entsso.applications', { treeDataProvider: tree, showCollapseAll: true });
  const health = new HealthViewProvider();
  const healthView = vscode.window.createTreeView('entsso.health', { treeDataProvider: health });
  const statusBar = new SsoStatusBarItem(connection);

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
    statusBar,
    fileSystem.onDidChangeEditBlock(() => diagnostics.updateAll()),
    provider.onDidWrite((e) => tree.noteWritten(e.environment, e.row)),
    ...registerConnectionCommands({ log, connection }),
    ...registerExplorerCommands({ log, connection, tree, treeView, fileSystem: provider }),
    ...registerConfigurationCommands({ log, connection, fileSystem, globalState: context.globalState }),
    ...registerHealthCommands({ log, connection, health }),
  );

  connection.start();
  log.info(`Enterprise SSO Explorer activated in ${Math.round(performance.now() - started)} ms.`);
}

export function deactivate(): void {}
