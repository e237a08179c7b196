import * as vscode from 'vscode';
import { loadMoreLabel } from '../../model/applicationList';
import type { ApplicationInfo } from '../../protocol/messages';
import { contextValue } from './contextValue';

const ICON = new vscode.ThemeIcon('ellipsis');

/** "Load more…" at the end of a paged list: the applications (no `app`) or the configurations of `app`. */
export class LoadMoreNode {
  readonly type = 'loadMore';

  constructor(
    readonly id: string,
    readonly env: string,
    public app: ApplicationInfo | undefined,
    /** How many are shown, of how many when the service said (an application's configurations). */
    public shown: number,
    public total: number | undefined,
    public plural: string,
    public pageSize: number,
  ) {}

  treeItem(): vscode.TreeItem {
    const item = new vscode.TreeItem(loadMoreLabel(this.shown, this.total, this.plural), vscode.TreeItemCollapsibleState.None);
    item.id = this.id;
    item.iconPath = ICON;
    item.command = { command: 'entsso.loadMore', title: vscode.l10n.t('Load More'), arguments: [this] };
    item.tooltip = vscode.l10n.t('Load the next {0} (setting "entsso.pageSize").', this.pageSize);
    item.contextValue = contextValue('loadMore');
    return item;
  }
}
