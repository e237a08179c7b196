import * as vscode from 'vscode';
import { applicationKey, applicationLabel, configurationName, groupInfo, identifierLabel, perKind } from '../../model/applicationList';
import { escapeMarkdown } from '../../model/markdown';
import { formatTime } from '../../model/serviceStatus';
import type { ApplicationInfo, ListedIdentifier } from '../../protocol/messages';
import { CachedItemNode } from './cachedItemNode';
import { contextValue } from './contextValue';
import { nodeId } from './nodeId';

const ICON = new vscode.ThemeIcon('json');

/**
 * A configuration of an application: a BizTalk port configuration, a config-store entry or a
 * mapping. Its `type` stays "identifier" (what the commands receive); its contextValue says
 * `type=configuration`.
 */
export class ConfigurationNode extends CachedItemNode {
  readonly type = 'identifier';
  readonly id: string;

  constructor(
    readonly env: string,
    public app: ApplicationInfo,
    public info: ListedIdentifier,
  ) {
    super();
    this.id = ConfigurationNode.idOf(env, app.name, info.identifier);
  }

  static idOf(env: string, application: string, identifier: string): string {
    return nodeId('configuration', env, applicationKey(application), identifier);
  }

  /** Keeps this node and rebuilds its item only when the configuration or its application changed. */
  update(app: ApplicationInfo, info: ListedIdentifier): void {
    if (app === this.app && info === this.info) return;
    this.app = app;
    this.info = info;
    this.forgetItem();
  }

  tooltip(): vscode.MarkdownString {
    const { app, info } = this;
    const application = escapeMarkdown(applicationLabel(app));
    // ENTSSO keeps no modification time (the bridge answers 0).
    const modified = info.modifiedAt > 0 ? `\n\n${vscode.l10n.t('Last modified: {0}', new Date(info.modifiedAt).toLocaleString())}` : '';
    return new vscode.MarkdownString(
      `**${escapeMarkdown(configurationName(app, info))}**\n\n${perKind(app.kind, { adapter: () => vscode.l10n.t('port configuration of {0}', application), configStore: () => vscode.l10n.t('config-store entry of {0}', application), affiliate: () => vscode.l10n.t('mapping of {0}', application) })}\n\n` +
        `- ${vscode.l10n.t('Identifier: {0}', escapeMarkdown(info.identifier))}\n- ${vscode.l10n.t('Application: {0}', escapeMarkdown(app.name))}${modified}\n\n` +
        vscode.l10n.t('Click to open it as JSON; masked fields stay hidden until you run "SSO: Reveal Masked Fields". Right-click to copy its name or identifier.'),
    );
  }

  /** Its "modified" time is of the day it was built; a refresh builds it again. */
  protected buildItem(): vscode.TreeItem {
    const { app, info } = this;
    const label = identifierLabel(info);
    const item = new vscode.TreeItem(label, vscode.TreeItemCollapsibleState.None);
    item.id = this.id;
    // ENTSSO keeps no modification time (the bridge answers 0).
    const modified = info.modifiedAt > 0 ? vscode.l10n.t('modified {0}', formatTime(new Date(info.modifiedAt).toISOString(), new Date())) : '';
    item.description = [label !== info.identifier ? info.identifier : '', modified].filter(Boolean).join(' · ');
    item.accessibilityInformation = { label: [configurationName(app, info), groupInfo(app.kind).identifierNoun, modified].filter(Boolean).join(', ') };
    item.iconPath = ICON;
    item.command = { command: 'entsso.openConfiguration', title: vscode.l10n.t('Open Configuration'), arguments: [this] };
    item.contextValue = contextValue('configuration', { kind: app.kind });
    return item;
  }
}
