import * as vscode from 'vscode';
import { loadMoreLabel } from '../../model/applicationList';
import type { ApplicationInfo } from '../../protocol/messages';
import { ListEndNode } from './listEndNode';

const ICON = new vscode.ThemeIcon('ellipsis');

/** "Load more…" at the end of a paged list: the applications (no `app`) or the configurations of `app`. */
export class LoadMoreNode extends ListEndNode {
  readonly type = 'loadMore';

  constructor(
    id: string,
    env: string,
    app: ApplicationInfo | undefined,
    /** How many are shown, of how many when the service said (an application's configurations). */
    public shown: number,
    public total: number | undefined,
    public pageSize: number,
  ) {
    super(id, env, app);
  }

  treeItem(): vscode.TreeItem {
    const item = this.leafItem(loadMoreLabel(this.shown, this.total, this.app?.kind), ICON, 'loadMore');
    item.command = { command: 'entsso.loadMore', title: vscode.l10n.t('Load More'), arguments: [this] };
    item.tooltip = vscode.l10n.t('Load the next {0} (setting "entsso.pageSize").', this.pageSize);
    return item;
  }
}
