/**
 * The "Audit Log" tree (`entsso.audit`): the service's audit, newest first, a page at a time
 * ("Load more…"), filtered on the server ("SSO: Filter Audit Log…"). Each row says what was done
 * on which configuration, how it ended, who and when; a row that names a configuration (or a
 * kept version of one) opens it. The retention the service applies is the view's description.
 */
import * as vscode from 'vscode';
import type { ConnectionManager } from '../connection/connectionManager';
import {
  auditEntryDescription,
  auditEntryDetails,
  auditEntryLabel,
  auditEntryTarget,
  isFiltering,
  retentionText,
} from '../model/auditLog';
import { formatTime } from '../model/serviceStatus';
import type { AuditEntry, AuditFilter, AuditPage } from '../protocol/messages';

type AuditNode =
  | { type: 'entry'; entry: AuditEntry }
  | { type: 'loadMore'; searchedOnly: boolean }
  | { type: 'placeholder'; text: string };

const PAGE_SIZE = 100;

export class AuditLogProvider implements vscode.TreeDataProvider<AuditNode>, vscode.Disposable {
  private readonly changeEmitter = new vscode.EventEmitter<AuditNode | undefined>();
  readonly onDidChangeTreeData = this.changeEmitter.event;
  private entries: AuditEntry[] = [];
  private nextCursor: string | undefined;
  private loaded: Promise<void> | undefined;
  private problem: string | undefined;
  private query = '';
  private filter: AuditFilter = {};
  private retention: AuditPage['retention'];
  private view: vscode.TreeView<AuditNode> | undefined;
  private readonly subscriptions: vscode.Disposable[];

  constructor(private readonly connection: ConnectionManager) {
    this.subscriptions = [connection.onDidChangeEnvironment(() => this.refresh()), connection.onDidConnect(() => this.refresh())];
  }

  dispose(): void {
    this.changeEmitter.dispose();
    for (const s of this.subscriptions) s.dispose();
  }

  attach(view: vscode.TreeView<AuditNode>): void {
    this.view = view;
    this.updateDescription();
  }

  /** The line typed in "Filter Audit Log…", shown again when it is run next. */
  get filterQuery(): string {
    return this.query;
  }

  setFilter(query: string, filter: AuditFilter): void {
    this.query = isFiltering(filter) ? query.trim() : '';
    this.filter = filter;
    void vscode.commands.executeCommand('setContext', 'entsso.auditFiltered', isFiltering(filter));
    this.refresh();
  }

  refresh(): void {
    this.entries = [];
    this.nextCursor = undefined;
    this.problem = undefined;
    this.loaded = undefined;
    this.changeEmitter.fire(undefined);
  }

  async loadMore(): Promise<void> {
    if (!this.nextCursor) return;
    await this.loadPage(this.nextCursor);
    this.changeEmitter.fire(undefined);
  }

  async getChildren(node?: AuditNode): Promise<AuditNode[]> {
    if (node) return [];
    if (!this.connection.environment) return [{ type: 'placeholder', text: vscode.l10n.t('Connect to an SSO service to see its audit ("SSO: Connect to SSO Service…").') }];
    this.loaded ??= this.loadPage(undefined);
    await this.loaded;
    if (this.problem) return [{ type: 'placeholder', text: this.problem }];
    const rows: AuditNode[] = this.entries.map((entry) => ({ type: 'entry', entry }));
    if (this.nextCursor) rows.push({ type: 'loadMore', searchedOnly: isFiltering(this.filter) });
    if (rows.length === 0) rows.push({ type: 'placeholder', text: isFiltering(this.filter) ? vscode.l10n.t('No audit entry matches "{0}". Change or clear the filter.', this.query) : vscode.l10n.t('The audit is empty.') });
    return rows;
  }

  getTreeItem(node: AuditNode): vscode.TreeItem {
    switch (node.type) {
      case 'entry':
        return entryItem(node.entry, new Date());
      case 'loadMore': {
        const item = new vscode.TreeItem(vscode.l10n.t('Load more…'), vscode.TreeItemCollapsibleState.None);
        item.description = node.searchedOnly ? vscode.l10n.t('older entries, not searched yet') : vscode.l10n.t('older entries');
        item.command = { command: 'entsso.loadMoreAudit', title: vscode.l10n.t('Load More') };
        item.iconPath = new vscode.ThemeIcon('ellipsis');
        return item;
      }
      case 'placeholder':
        return new vscode.TreeItem(node.text, vscode.TreeItemCollapsibleState.None);
    }
  }

  private async loadPage(cursor: string | undefined): Promise<void> {
    try {
      const params = { limit: PAGE_SIZE, ...(cursor ? { cursor } : {}), ...(isFiltering(this.filter) ? { filter: this.filter } : {}) };
      const page = await this.connection.request('audit.list', params);
      this.entries.push(...page.items);
      this.nextCursor = page.nextCursor;
      this.retention = page.retention;
      this.problem = undefined;
    } catch (err) {
      this.problem = vscode.l10n.t('The audit could not be read: {0} Run "Refresh" to try again.', err instanceof Error ? err.message : String(err));
    }
    this.updateDescription();
  }

  private updateDescription(): void {
    if (!this.view) return;
    this.view.description = isFiltering(this.filter) ? vscode.l10n.t('filter: {0}', this.query) : retentionText(this.retention);
    this.view.message = isFiltering(this.filter) ? vscode.l10n.t('Filtered by "{0}" ({1} shown). {2}', this.query, this.entries.length, retentionText(this.retention)) : undefined;
  }
}

function entryItem(entry: AuditEntry, now: Date): vscode.TreeItem {
  const when = (iso: string) => formatTime(iso, now);
  const item = new vscode.TreeItem(auditEntryLabel(entry), vscode.TreeItemCollapsibleState.None);
  item.id = `audit:${entry.id}`;
  item.description = auditEntryDescription(entry, when);
  item.iconPath = outcomeIcon(entry.outcome);
  const tooltip = new vscode.MarkdownString();
  // appendText: stored names may hold anything; nothing in them becomes markup or a link.
  for (const line of auditEntryDetails(entry, when)) tooltip.appendText(line).appendMarkdown('  \n');
  item.tooltip = tooltip;
  item.accessibilityInformation = { label: vscode.l10n.t('{0}: {1}, by {2}, {3}', entry.outcome, auditEntryLabel(entry), entry.user, when(entry.at)) };
  const target = auditEntryTarget(entry);
  item.contextValue = target ? 'auditEntry.openable' : 'auditEntry';
  if (target) item.command = { command: 'entsso.openAuditEntry', title: vscode.l10n.t('Open'), arguments: [entry] };
  return item;
}

function outcomeIcon(outcome: AuditEntry['outcome']): vscode.ThemeIcon {
  if (outcome === 'ok') return new vscode.ThemeIcon('pass', new vscode.ThemeColor('testing.iconPassed'));
  if (outcome === 'refused') return new vscode.ThemeIcon('circle-slash', new vscode.ThemeColor('list.warningForeground'));
  return new vscode.ThemeIcon('error', new vscode.ThemeColor('list.errorForeground'));
}
