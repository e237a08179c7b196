import * as vscode from 'vscode';
import { escapeMarkdown } from '../../model/markdown';
import { ListTextNode } from './listEndNode';

const ICON = new vscode.ThemeIcon('error', new vscode.ThemeColor('list.errorForeground'));

/**
 * Why a list could not be loaded, with a retry on click: never an empty tree. Its `app` is the
 * application whose configurations failed; none when the applications did.
 */
export class ErrorNode extends ListTextNode {
  readonly type = 'error';

  treeItem(): vscode.TreeItem {
    const item = this.leafItem(this.app ? vscode.l10n.t('Could not load the configurations') : vscode.l10n.t('Could not load the applications'), ICON, 'error');
    item.description = this.message;
    item.tooltip = new vscode.MarkdownString(vscode.l10n.t('{0}\n\nClick to try again.', escapeMarkdown(this.message)));
    item.command = { command: 'entsso.retry', title: vscode.l10n.t('Retry'), arguments: [this] };
    return item;
  }
}
