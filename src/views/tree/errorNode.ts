import * as vscode from 'vscode';
import { escapeMarkdown } from '../../model/markdown';
import type { ApplicationInfo } from '../../protocol/messages';
import { ListEndNode } from './listEndNode';

const ICON = new vscode.ThemeIcon('error', new vscode.ThemeColor('list.errorForeground'));

/** Why a list could not be loaded, with a retry on click: never an empty tree. */
export class ErrorNode extends ListEndNode {
  readonly type = 'error';

  constructor(
    id: string,
    env: string,
    /** The application whose configurations failed; none when the applications did. */
    app: ApplicationInfo | undefined,
    public message: string,
  ) {
    super(id, env, app);
  }

  treeItem(): vscode.TreeItem {
    const item = this.leafItem(this.app ? vscode.l10n.t('Could not load the configurations') : vscode.l10n.t('Could not load the applications'), ICON, 'error');
    item.description = this.message;
    item.tooltip = new vscode.MarkdownString(vscode.l10n.t('{0}\n\nClick to try again.', escapeMarkdown(this.message)));
    item.command = { command: 'entsso.retry', title: vscode.l10n.t('Retry'), arguments: [this] };
    return item;
  }
}
