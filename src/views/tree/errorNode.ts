import * as vscode from 'vscode';
import { escapeMarkdown } from '../../model/markdown';
import type { ApplicationInfo } from '../../protocol/messages';
import { contextValue } from './contextValue';

/** Why a list could not be loaded, with a retry on click: never an empty tree. */
export class ErrorNode {
  readonly type = 'error';

  constructor(
    readonly id: string,
    readonly env: string,
    /** The application whose configurations failed; none when the applications did. */
    public app: ApplicationInfo | undefined,
    public message: string,
  ) {}

  treeItem(): vscode.TreeItem {
    const item = new vscode.TreeItem(this.app ? vscode.l10n.t('Could not load the configurations') : vscode.l10n.t('Could not load the applications'), vscode.TreeItemCollapsibleState.None);
    item.id = this.id;
    item.description = this.message;
    item.tooltip = new vscode.MarkdownString(vscode.l10n.t('{0}\n\nClick to try again.', escapeMarkdown(this.message)));
    item.iconPath = new vscode.ThemeIcon('error', new vscode.ThemeColor('list.errorForeground'));
    item.command = { command: 'entsso.retry', title: vscode.l10n.t('Retry'), arguments: [this] };
    item.contextValue = contextValue('error');
    return item;
  }
}
