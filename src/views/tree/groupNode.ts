import * as vscode from 'vscode';
import { groupInfo } from '../../model/applicationList';
import type { ApplicationKind } from '../../protocol/messages';
import { contextValue } from './contextValue';
import { LOADED_SO_FAR, type TreeContext } from './treeContext';

/** The applications of one kind: BizTalk adapters, config store applications, other affiliate applications. */
export class GroupNode {
  readonly type = 'group';
  readonly id: string;

  constructor(
    readonly env: string,
    readonly kind: ApplicationKind,
  ) {
    this.id = `group:${env}:${kind}`;
  }

  /** Built every time: its count grows with each page of applications. */
  treeItem(ctx: TreeContext): vscode.TreeItem {
    const g = groupInfo(this.kind);
    const count = ctx.applicationCount(this.kind);
    const more = ctx.moreApplications;
    const item = new vscode.TreeItem(g.label, vscode.TreeItemCollapsibleState.Expanded);
    item.id = this.id;
    item.description = `${count}${more ? '+' : ''}`;
    item.iconPath = new vscode.ThemeIcon(g.icon);
    item.tooltip = `${g.label}: ${count} application${count === 1 ? '' : 's'}${more ? LOADED_SO_FAR : ''}.`;
    item.contextValue = contextValue('group', { kind: this.kind });
    return item;
  }
}
