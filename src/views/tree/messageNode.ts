import * as vscode from 'vscode';
import type { ApplicationInfo } from '../../protocol/messages';
import { contextValue } from './contextValue';

const ICON = new vscode.ThemeIcon('info');

/** A line that says why a list is empty ("No port configurations yet."). */
export class MessageNode {
  readonly type = 'empty';

  constructor(
    readonly id: string,
    readonly env: string,
    public app: ApplicationInfo | undefined,
    public message: string,
  ) {}

  treeItem(): vscode.TreeItem {
    const item = new vscode.TreeItem(this.message, vscode.TreeItemCollapsibleState.None);
    item.id = this.id;
    item.iconPath = ICON;
    item.contextValue = contextValue('message');
    return item;
  }
}
