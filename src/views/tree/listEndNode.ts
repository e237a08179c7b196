import * as vscode from 'vscode';
import type { ApplicationInfo } from '../../protocol/messages';
import { contextValue } from './contextValue';

/**
 * A row that ends a list instead of being one of its items ("Load more…", why it failed, why it is
 * empty): the applications' list (no `app`) or the configurations of `app`.
 */
export abstract class ListEndNode {
  constructor(
    readonly id: string,
    readonly env: string,
    public app: ApplicationInfo | undefined,
  ) {}

  /** A row without children, with this node's id. */
  protected leafItem(label: string, icon: vscode.ThemeIcon, type: 'loadMore' | 'error' | 'message'): vscode.TreeItem {
    const item = new vscode.TreeItem(label, vscode.TreeItemCollapsibleState.None);
    item.id = this.id;
    item.iconPath = icon;
    item.contextValue = contextValue(type);
    return item;
  }
}

/** A list end that shows a text: why the list is empty, or why it could not be loaded. */
export abstract class ListTextNode extends ListEndNode {
  constructor(
    id: string,
    env: string,
    app: ApplicationInfo | undefined,
    public message: string,
  ) {
    super(id, env, app);
  }
}
