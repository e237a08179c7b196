/**
 * The "Health" tree (`entsso.health`): the result of the last "SSO: Check Health", one row per
 * check with a verdict icon and its detail, the next step underneath, readable at a glance.
 */
import * as vscode from 'vscode';
import { verdictLabel, type HealthRow, type HealthSummary, type Verdict } from '../model/healthReport';

type HealthNode =
  | { type: 'headline'; summary: HealthSummary }
  | { type: 'check'; row: HealthRow }
  | { type: 'nextStep'; row: HealthRow }
  | { type: 'placeholder'; text: string };

export class HealthViewProvider implements vscode.TreeDataProvider<HealthNode>, vscode.Disposable {
  private readonly changeEmitter = new vscode.EventEmitter<HealthNode | undefined>();
  readonly onDidChangeTreeData = this.changeEmitter.event;
  private summary: HealthSummary | undefined;
  private checking = false;

  dispose(): void {
    this.changeEmitter.dispose();
  }

  get lastSummary(): HealthSummary | undefined {
    return this.summary;
  }

  setChecking(checking: boolean): void {
    this.checking = checking;
    if (!this.summary) this.changeEmitter.fire(undefined);
  }

  clear(): void {
    this.summary = undefined;
    this.changeEmitter.fire(undefined);
  }

  show(summary: HealthSummary): void {
    this.summary = summary;
    this.changeEmitter.fire(undefined);
  }

  getChildren(node?: HealthNode): HealthNode[] {
    if (!node) {
      if (!this.summary) return [{ type: 'placeholder', text: this.checking ? vscode.l10n.t('Checking…') : vscode.l10n.t('Run "SSO: Check Health" to check the environment.') }];
      return [{ type: 'headline', summary: this.summary }, ...this.summary.rows.map((row): HealthNode => ({ type: 'check', row }))];
    }
    if (node.type === 'check' && node.row.nextStep) return [{ type: 'nextStep', row: node.row }];
    return [];
  }

  getTreeItem(node: HealthNode): vscode.TreeItem {
    switch (node.type) {
      case 'headline': {
        const item = new vscode.TreeItem(node.summary.headline, vscode.TreeItemCollapsibleState.None);
        item.id = 'health:headline';
        item.iconPath = verdictIcon(node.summary.verdict);
        item.tooltip = vscode.l10n.t('Run "SSO: Check Health" again to refresh.');
        return item;
      }
      case 'check': {
        const row = node.row;
        const item = new vscode.TreeItem(row.title, row.nextStep ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.None);
        item.id = `health:${row.id}`;
        item.description = `${verdictLabel(row.verdict)}: ${row.detail}`;
        item.iconPath = verdictIcon(row.verdict);
        const md = new vscode.MarkdownString();
        md.appendMarkdown(`**${verdictLabel(row.verdict)}: `);
        md.appendText(row.title);
        md.appendMarkdown('**\n\n');
        md.appendText(row.detail);
        if (row.nextStep) {
          md.appendMarkdown(`\n\n**${vscode.l10n.t('Next step:')}** `);
          md.appendText(row.nextStep);
        }
        item.tooltip = md;
        item.accessibilityInformation = {
          label: row.nextStep
            ? vscode.l10n.t('{0}: {1}. {2} Next step: {3}', row.title, verdictLabel(row.verdict), row.detail, row.nextStep)
            : vscode.l10n.t('{0}: {1}. {2}', row.title, verdictLabel(row.verdict), row.detail),
        };
        item.contextValue = `check.${row.verdict}`;
        return item;
      }
      case 'nextStep': {
        const item = new vscode.TreeItem(vscode.l10n.t('Next step: {0}', node.row.nextStep), vscode.TreeItemCollapsibleState.None);
        item.id = `health:${node.row.id}:next`;
        item.iconPath = new vscode.ThemeIcon(node.row.action ? 'run' : 'arrow-right');
        item.tooltip = node.row.action ? vscode.l10n.t('{0}\n\nClick to run "{1}".', node.row.nextStep, node.row.action.title) : node.row.nextStep;
        if (node.row.action) item.command = { command: node.row.action.command, title: node.row.action.title };
        return item;
      }
      case 'placeholder': {
        const item = new vscode.TreeItem(node.text, vscode.TreeItemCollapsibleState.None);
        item.id = 'health:placeholder';
        item.iconPath = new vscode.ThemeIcon(this.checking ? 'loading~spin' : 'info');
        return item;
      }
    }
  }
}

function verdictIcon(verdict: Verdict): vscode.ThemeIcon {
  switch (verdict) {
    case 'ok':
      return new vscode.ThemeIcon('pass', new vscode.ThemeColor('testing.iconPassed'));
    case 'warning':
      return new vscode.ThemeIcon('warning', new vscode.ThemeColor('list.warningForeground'));
    case 'error':
      return new vscode.ThemeIcon('error', new vscode.ThemeColor('list.errorForeground'));
    default:
      return new vscode.ThemeIcon('circle-slash', new vscode.ThemeColor('disabledForeground'));
  }
}
