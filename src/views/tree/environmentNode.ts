import * as vscode from 'vscode';
import { escapeMarkdown } from '../../model/markdown';
import { presentStatus, stateWord } from '../../model/serviceStatus';
import { contextValue } from './contextValue';
import { nodeId } from './nodeId';
import type { TreeContext } from './treeContext';

/** The root: the active SSO environment, with the state of its service and master secret server. */
export class EnvironmentNode {
  readonly type = 'environment';
  readonly id: string;

  constructor(readonly env: string) {
    this.id = EnvironmentNode.idOf(env);
  }

  static idOf(env: string): string {
    return nodeId('environment', env);
  }

  /** Built every time: it shows the connection's state, which changes by itself. */
  treeItem(ctx: TreeContext): vscode.TreeItem {
    const item = new vscode.TreeItem(this.env, vscode.TreeItemCollapsibleState.Expanded);
    item.id = this.id;
    item.contextValue = contextValue('environment');
    const input = ctx.connection.statusInput();
    const state = ctx.connection.state;
    if (!input) return item;
    const p = presentStatus(input);
    item.description = `${state?.mssName ?? input.socketPath} · ${stateWord(input)}`;
    // e.g. that the environment runs over the ENTSSO stand-in, not a real Enterprise SSO.
    const about = ctx.connection.environment?.description;
    item.tooltip = new vscode.MarkdownString(about ? `**${escapeMarkdown(about)}**\n\n${p.tooltip}` : p.tooltip, true);
    item.iconPath =
      p.severity === 'normal'
        ? state
          ? new vscode.ThemeIcon('shield', new vscode.ThemeColor('charts.green'))
          : new vscode.ThemeIcon('loading~spin')
        : p.severity === 'warning'
          ? new vscode.ThemeIcon('warning', new vscode.ThemeColor('list.warningForeground'))
          : new vscode.ThemeIcon('error', new vscode.ThemeColor('list.errorForeground'));
    return item;
  }
}
