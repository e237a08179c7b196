/**
 * The status bar item `entsso.status`: the master secret server's reachability as the SSO
 * service pushes it (ready / cached only / no secret / re-encrypting n/total / unreachable),
 * with a Markdown tooltip saying what still works and what to do, and a warning while the
 * current master secret has no verified backup. Clicking checks health.
 * Shown once an environment is configured.
 */
import * as vscode from 'vscode';
import type { BackupStatusCache } from '../connection/backupStatusCache';
import type { ConnectionManager } from '../connection/connectionManager';
import { backupTooltipLine } from '../model/backupStatus';
import { presentStatus } from '../model/serviceStatus';

export class SsoStatusBarItem implements vscode.Disposable {
  private readonly item: vscode.StatusBarItem;
  private readonly subscription: vscode.Disposable;

  constructor(
    private readonly connection: ConnectionManager,
    private readonly backups: BackupStatusCache,
  ) {
    this.item = vscode.window.createStatusBarItem('entsso.status', vscode.StatusBarAlignment.Left, 50);
    this.item.name = 'Enterprise SSO';
    this.item.command = { command: 'entsso.checkHealth', title: vscode.l10n.t('Check Health') };
    this.subscription = vscode.Disposable.from(
      connection.onDidChange(() => this.update()),
      backups.onDidChange(() => this.update()),
    );
    this.update();
  }

  update(): void {
    const input = this.connection.statusInput();
    if (!input) {
      this.item.hide();
      return;
    }
    const backup = this.backups.current;
    const p = presentStatus(backup ? { ...input, backupNotice: backupTooltipLine(backup, input.now, this.connection.serves('secret.verify')) } : input);
    this.item.text = p.text;
    const tooltip = new vscode.MarkdownString(p.tooltip, true);
    tooltip.isTrusted = { enabledCommands: ['entsso.checkHealth', 'entsso.backupSecret', 'entsso.verifySecretBackup'] };
    this.item.tooltip = tooltip;
    this.item.accessibilityInformation = { label: p.accessibilityLabel };
    this.item.backgroundColor =
      p.severity === 'warning'
        ? new vscode.ThemeColor('statusBarItem.warningBackground')
        : p.severity === 'error'
          ? new vscode.ThemeColor('statusBarItem.errorBackground')
          : undefined;
    this.item.show();
  }

  dispose(): void {
    this.subscription.dispose();
    this.item.dispose();
  }
}
