import * as vscode from 'vscode';
import { groupInfo } from '../../model/applicationList';
import type { ApplicationKind } from '../../protocol/messages';
import { contextValue } from './contextValue';
import { nodeId } from './nodeId';
import type { TreeContext } from './treeContext';

/** The applications of one kind: BizTalk adapters, config store applications, other affiliate applications. */
export class GroupNode {
  readonly type = 'group';
  readonly id: string;

  constructor(
    readonly env: string,
    readonly kind: ApplicationKind,
  ) {
    this.id = GroupNode.idOf(env, kind);
  }

  static idOf(env: string, kind: ApplicationKind): string {
    return nodeId('group', env, kind);
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
    item.tooltip = groupTooltip(g.label, count, more);
    item.contextValue = contextValue('group', { kind: this.kind });
    return item;
  }
}

/** Whole sentences per count and state, so that a translator sees each as it is shown. */
function groupTooltip(label: string, count: number, more: boolean): string {
  if (more) {
    return count === 1
      ? vscode.l10n.t('{0}: 1 application loaded so far ("Load more…" at the end of the list loads the rest).', label)
      : vscode.l10n.t('{0}: {1} applications loaded so far ("Load more…" at the end of the list loads the rest).', label, count);
  }
  return count === 1 ? vscode.l10n.t('{0}: 1 application.', label) : vscode.l10n.t('{0}: {1} applications.', label, count);
}
