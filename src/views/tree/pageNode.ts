import * as vscode from 'vscode';
import { applicationKey, loadMoreLabel, pageLabel } from '../../model/applicationList';
import type { ApplicationInfo } from '../../protocol/messages';
import { contextValue } from './contextValue';
import { nodeId } from './nodeId';

const LOAD_MORE_ICON = new vscode.ThemeIcon('ellipsis');

/**
 * A page of an application's configurations after the first: "Load more…" until it is loaded,
 * then (the same node and id) an expanded folder "Port configurations 1001–2000" holding that
 * page and, at its end, the next page's node. Nesting is the price of speed: VS Code asks again for
 * every child of a refreshed node and of its expanded descendants, so the page shown before stay
 * where they are and only this node is refreshed (a flat list re-sent every page shown before).
 */
export class PageNode {
  readonly type = 'page';
  readonly id: string;

  constructor(
    readonly env: string,
    public app: ApplicationInfo,
    /** 1 for the second page (the first is the application's own children). */
    readonly page: number,
    /** Whether this page is loaded (a folder) or not yet ("Load more…"). */
    public loaded: boolean,
    /** Loaded: its items' positions, from 1. Not loaded: how many are shown before it. */
    public first: number,
    public last: number,
    public pageSize: number,
  ) {
    this.id = PageNode.idOf(env, app.name, page);
  }

  static idOf(env: string, application: string, page: number): string {
    return nodeId('page', env, applicationKey(application), page);
  }

  treeItem(): vscode.TreeItem {
    return this.loaded ? this.folderItem() : this.loadMoreItem();
  }

  private folderItem(): vscode.TreeItem {
    const item = new vscode.TreeItem(pageLabel(this.first, this.last, this.app.kind), vscode.TreeItemCollapsibleState.Expanded);
    item.id = this.id;
    item.description = vscode.l10n.t('of {0}', this.app.identifierCount);
    item.contextValue = contextValue('page', { kind: this.app.kind });
    return item;
  }

  private loadMoreItem(): vscode.TreeItem {
    const item = new vscode.TreeItem(loadMoreLabel(this.first, this.app.identifierCount, this.app.kind), vscode.TreeItemCollapsibleState.None);
    item.id = this.id;
    item.iconPath = LOAD_MORE_ICON;
    item.contextValue = contextValue('loadMore');
    item.command = { command: 'entsso.loadMore', title: vscode.l10n.t('Load More'), arguments: [this] };
    item.tooltip = vscode.l10n.t('Load the next {0} (setting "entsso.pageSize").', this.pageSize);
    return item;
  }
}
