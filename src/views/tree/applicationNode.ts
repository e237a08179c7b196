import * as vscode from 'vscode';
import {
  adapterRole,
  applicationDescription,
  applicationIcon,
  applicationKey,
  applicationLabel,
  applicationLabelUnderAdapter,
  applicationTooltip,
  groupInfo,
  identifierCountText,
} from '../../model/applicationList';
import type { ApplicationInfo } from '../../protocol/messages';
import { CachedItemNode } from './cachedItemNode';
import { contextValue } from './contextValue';
import { nodeId } from './nodeId';

/** One icon object per codicon and state, shared by every row (thousands of them). */
const ICONS = new Map<string, vscode.ThemeIcon>();

function iconOf(app: ApplicationInfo): vscode.ThemeIcon {
  const name = applicationIcon(app);
  const key = `${name}:${app.enabled}`;
  let icon = ICONS.get(key);
  if (!icon) {
    icon = new vscode.ThemeIcon(name, new vscode.ThemeColor(app.enabled ? 'charts.green' : 'disabledForeground'));
    ICONS.set(key, icon);
  }
  return icon;
}

/** An SSO application; under an adapter node when it is one of a BizTalk adapter's applications. */
export class ApplicationNode extends CachedItemNode {
  readonly type = 'application';
  readonly id: string;

  constructor(
    readonly env: string,
    public app: ApplicationInfo,
  ) {
    super();
    this.id = ApplicationNode.idOf(env, app.name);
  }

  static idOf(env: string, application: string): string {
    return nodeId('application', env, applicationKey(application));
  }

  /** Keeps this node (VS Code's handle on it) and rebuilds its item only when the application changed. */
  update(app: ApplicationInfo): void {
    if (app === this.app) return;
    this.app = app;
    this.forgetItem();
  }

  tooltip(): vscode.MarkdownString {
    return new vscode.MarkdownString(applicationTooltip(this.app));
  }

  protected buildItem(): vscode.TreeItem {
    const app = this.app;
    const label = adapterRole(app) ? applicationLabelUnderAdapter(app) : applicationLabel(app);
    // Uncounted (the ENTSSO bridge, a failed count) is not "none": a config-store application may hold some; an affiliate one holds mappings, not configurations.
    const mayExpand = app.identifierCount > 0 || (app.identifierCountUnknown === true && app.kind !== 'affiliate');
    const item = new vscode.TreeItem(label, mayExpand ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None);
    item.id = this.id;
    item.description = [applicationDescription(app), identifierCountText(app)].filter(Boolean).join(' · ');
    item.iconPath = iconOf(app);
    item.contextValue = contextValue('application', { kind: app.kind, enabled: app.enabled });
    item.accessibilityInformation = { label: `${applicationLabel(app)}, ${groupInfo(app.kind).label}, ${app.enabled ? vscode.l10n.t('enabled') : vscode.l10n.t('disabled')}, ${identifierCountText(app)}` };
    return item;
  }
}
