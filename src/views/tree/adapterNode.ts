import * as vscode from 'vscode';
import type { ApplicationInfo } from '../../protocol/messages';
import { contextValue } from './contextValue';
import { nodeId } from './nodeId';
import type { TreeContext } from './treeContext';

const ICON = new vscode.ThemeIcon('plug');

/**
 * One BizTalk adapter ("SFTP adapter"), holding the GUID-named applications BizTalk keeps for it
 * (send and receive handlers, send ports, receive locations), as the Explorer puts files in a folder.
 */
export class AdapterNode {
  readonly type = 'adapter';
  readonly id: string;

  constructor(
    readonly env: string,
    key: string,
    /** Its name as people know it, e.g. "SFTP adapter". */
    readonly adapter: string,
    /** Its applications loaded so far, sorted as shown; the provider keeps them current. */
    public applications: readonly ApplicationInfo[],
  ) {
    this.id = AdapterNode.idOf(env, key);
  }

  /** `key`: the adapter's key (adapterKey). */
  static idOf(env: string, key: string): string {
    return nodeId('adapter', env, key);
  }

  /** Built every time: it counts applications that arrive page by page. */
  treeItem(ctx: TreeContext): vscode.TreeItem {
    const apps = this.applications;
    const item = new vscode.TreeItem(this.adapter, vscode.TreeItemCollapsibleState.Collapsed);
    item.id = this.id;
    const configurations = apps.reduce((n, a) => n + a.identifierCount, 0);
    item.description = `${applicationCountText(apps.length)} · ${portConfigurationCountText(configurations)}`;
    item.iconPath = ICON;
    item.tooltip = ctx.moreApplications
      ? vscode.l10n.t('{0}: its SSO applications (handlers, send ports, receive locations) loaded so far ("Load more…" at the end of the list loads the rest).', this.adapter)
      : vscode.l10n.t('{0}: its SSO applications (handlers, send ports, receive locations).', this.adapter);
    item.accessibilityInformation = { label: vscode.l10n.t('{0}, BizTalk adapter, {1}', this.adapter, item.description) };
    item.contextValue = contextValue('adapter', { kind: 'adapter', applications: apps.length });
    return item;
  }
}

function applicationCountText(n: number): string {
  return n === 1 ? vscode.l10n.t('1 application') : vscode.l10n.t('{0} applications', n);
}

function portConfigurationCountText(n: number): string {
  return n === 1 ? vscode.l10n.t('1 port configuration') : vscode.l10n.t('{0} port configurations', n);
}
