/**
 * The "Applications" tree (`entsso.applications`), pulled from SSODB through the SSO service:
 * environment → kind group → (adapter →) application → identifiers (port configurations /
 * config-store entries). A BizTalk adapter's several GUID-named applications sit under one node
 * per adapter, as the Explorer puts files in a folder. Lists are keyset-paged with "Load more…" nodes; `apps.list` has no kind filter,
 * so applications are loaded in pages of `entsso.pageSize` and grouped as they arrive.
 * Every node has a stable id, so a refresh keeps what was expanded. Errors are nodes with the
 * reason and a retry, never an empty tree.
 */
import * as vscode from 'vscode';
import type { ConnectionManager } from '../connection/connectionManager';
import { SsoError } from '../protocol/errors';
import type { ApplicationInfo, ApplicationKind, IdentifierInfo, SearchHit } from '../protocol/messages';
import {
  PagedList,
  applicationDescription,
  applicationIcon,
  applicationKey,
  applicationTooltip,
  applicationLabel,
  applicationLabelUnderAdapter,
  adapterKey,
  adapterRole,
  groupByAdapter,
  configurationName,
  identifierLabel,
  groupApplications,
  groupInfo,
  identifierCountText,
  loadMoreLabel,
} from '../model/applicationList';
import { escapeMarkdown } from '../model/markdown';
import { formatTime, presentStatus, stateWord } from '../model/serviceStatus';
import { ssoUri } from './ssoFileSystem';

export type ExplorerNode =
  | { type: 'environment'; id: string; env: string }
  | { type: 'group'; id: string; env: string; kind: ApplicationKind }
  | { type: 'adapter'; id: string; env: string; adapter: string }
  | { type: 'application'; id: string; env: string; app: ApplicationInfo }
  | { type: 'identifier'; id: string; env: string; app: ApplicationInfo; info: IdentifierInfo }
  | { type: 'loadMore'; id: string; env: string; app?: ApplicationInfo }
  | { type: 'error'; id: string; env: string; app?: ApplicationInfo; message: string }
  | { type: 'empty'; id: string; env: string; app?: ApplicationInfo; message: string };

const MAX_PAGE = 1000;

export class ApplicationsTreeProvider implements vscode.TreeDataProvider<ExplorerNode>, vscode.Disposable {
  private readonly changeEmitter = new vscode.EventEmitter<ExplorerNode | undefined>();
  readonly onDidChangeTreeData = this.changeEmitter.event;

  private apps = new PagedList<ApplicationInfo>((a) => applicationKey(a.name));
  private identifiers = new Map<string, PagedList<IdentifierInfo>>();
  private appsLoading: Promise<void> | undefined;
  /** The adapter applications by adapter key, built once per change of `apps` (every adapter row needs it). */
  private adapters: Map<string, ApplicationInfo[]> | undefined;
  private identifiersLoading = new Map<string, Promise<void>>();
  /** How many items were shown before a refresh, so that a refresh shows as many again. */
  private reloadCounts = new Map<string, number>();
  private readonly nodes = new Map<string, ExplorerNode>();
  private readonly disposables: vscode.Disposable[] = [];

  constructor(
    private readonly connection: ConnectionManager,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.disposables.push(
      this.changeEmitter,
      connection.onDidChangeEnvironment(() => this.reset(false)),
      connection.onDidConnect(() => this.refresh()),
      connection.onDidChange(() => {
        const env = this.environmentNode();
        if (env) this.changeEmitter.fire(env);
      }),
    );
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }

  private get pageSize(): number {
    const n = vscode.workspace.getConfiguration('entsso').get<number>('pageSize', 100);
    return Math.min(MAX_PAGE, Math.max(1, Math.floor(Number.isFinite(n) ? n : 100)));
  }

  // ------------------------------------------------------------------ public operations

  /** Reloads everything, as much as was shown, keeping expansion (stable ids). */
  refresh(): void {
    this.reset(true);
  }

  /** Loads the next page under a "Load more…" node. */
  async loadMore(node: ExplorerNode): Promise<void> {
    if (node.type !== 'loadMore') return;
    if (node.app) {
      const list = this.identifierList(node.app.name);
      await this.loadIdentifiers(node.app, list.nextCursor, this.pageSize);
      this.changeEmitter.fire(this.applicationNode(node.env, node.app));
    } else {
      await this.loadApplications(this.apps.nextCursor, this.pageSize);
      this.changeEmitter.fire(this.environmentNode());
    }
  }

  /** Clears the error under which a node failed and loads again. */
  retry(node: ExplorerNode): void {
    if (node.type !== 'error') return;
    if (node.app) {
      this.identifiers.delete(applicationKey(node.app.name));
      this.changeEmitter.fire(this.applicationNode(node.env, node.app));
    } else {
      this.apps.reset();
      this.adapters = undefined;
      this.changeEmitter.fire(undefined);
    }
  }

  /** Makes sure an application is in the tree (also beyond the loaded pages) and returns its node. */
  async ensureApplication(name: string): Promise<ExplorerNode | undefined> {
    const env = this.connection.environment?.name;
    if (!env) return undefined;
    let app = this.apps.get(applicationKey(name));
    if (!app) {
      const page = await this.connection.request('apps.list', { filter: name, limit: 50 });
      app = page.items.find((a) => a.name.toLowerCase() === name.toLowerCase());
      if (!app) throw new SsoError('ENTSSO_E_APPLICATION_NOT_FOUND', `There is no SSO application named "${name}" any more. Refresh the explorer.`);
      if (!this.apps.loaded) await this.ensureApplicationsLoaded();
      this.apps.upsert(app);
      this.adapters = undefined;
      this.changeEmitter.fire(this.environmentNode());
    }
    return this.applicationNode(env, app);
  }

  /**
   * A Find hit with the port names the tree already knows filled in where the backend left them
   * out (the ENTSSO bridge matches port names but answers hits by GUID).
   */
  withKnownNames(hit: SearchHit): SearchHit {
    const app = this.apps.get(applicationKey(hit.application));
    const info = hit.identifier === undefined ? undefined : this.identifiers.get(applicationKey(hit.application))?.get(hit.identifier);
    // The tree's label (a port name, or an adapter application's description) names the hit too.
    const appLabel = app ? applicationLabel(app) : undefined;
    return {
      ...hit,
      ...(hit.applicationDisplayName === undefined && appLabel && appLabel !== hit.application ? { applicationDisplayName: appLabel } : {}),
      ...(hit.identifierDisplayName === undefined && info?.displayName ? { identifierDisplayName: info.displayName } : {}),
    };
  }

  /** Makes sure an identifier is in the tree under its application and returns its node. */
  async ensureIdentifier(application: string, identifier: string): Promise<ExplorerNode | undefined> {
    const appNode = await this.ensureApplication(application);
    if (!appNode || appNode.type !== 'application') return undefined;
    const list = this.identifierList(appNode.app.name);
    let info = list.get(identifier);
    if (!info) {
      const page = await this.connection.request('identifiers.list', { application: appNode.app.name, filter: identifier, limit: 50 });
      info = page.items.find((i) => i.identifier === identifier) ?? page.items.find((i) => i.identifier.toLowerCase() === identifier.toLowerCase());
      if (!info) throw new SsoError('ENTSSO_E_MAPPING_NOT_FOUND', `Application "${application}" has no configuration "${identifier}" any more. Refresh the explorer.`);
      if (!list.loaded) await this.ensureIdentifiersLoaded(appNode.app);
      list.upsert(info);
      this.changeEmitter.fire(appNode);
    }
    return this.identifierNode(appNode.env, appNode.app, info);
  }

  /** The applications loaded in the tree so far (Find matches their friendly names). */
  loadedApplications(): ApplicationInfo[] {
    return this.apps.items;
  }

  /** A configuration was saved: show its new modification time if it is in the tree. */
  noteWritten(environment: string, row: IdentifierInfo): void {
    if (environment !== this.connection.environment?.name) return;
    const list = this.identifiers.get(applicationKey(row.application));
    const app = this.apps.get(applicationKey(row.application));
    const known = list?.get(row.identifier);
    if (!known || !app) return;
    // A write answers the row's new version; the port name (from the ENTSSO bridge's list) stays.
    const merged = row.displayName === undefined && known.displayName !== undefined ? { ...row, displayName: known.displayName } : row;
    list!.upsert(merged);
    this.changeEmitter.fire(this.identifierNode(environment, app, merged));
  }

  // ------------------------------------------------------------------ TreeDataProvider

  getParent(node: ExplorerNode): ExplorerNode | undefined {
    switch (node.type) {
      case 'environment':
        return undefined;
      case 'group':
        return this.environmentNode();
      case 'adapter':
        return this.groupNode(node.env, 'adapter');
      case 'application': {
        const role = adapterRole(node.app);
        return role ? this.adapterNode(node.env, role.adapter) : this.groupNode(node.env, node.app.kind);
      }
      case 'identifier':
        return this.applicationNode(node.env, node.app);
      default:
        return node.app ? this.applicationNode(node.env, node.app) : this.environmentNode();
    }
  }

  async getChildren(node?: ExplorerNode): Promise<ExplorerNode[]> {
    const env = this.connection.environment?.name;
    if (!env) return [];
    if (!node) return [this.environmentNode() as ExplorerNode];
    switch (node.type) {
      case 'environment': {
        await this.ensureApplicationsLoaded();
        const out: ExplorerNode[] = [];
        if (this.apps.error && this.apps.size === 0) {
          return [this.node({ type: 'error', id: `error:${env}`, env, message: this.apps.error })];
        }
        for (const g of groupApplications(this.apps.items)) out.push(this.groupNode(env, g.kind));
        if (this.apps.size === 0) out.push(this.node({ type: 'empty', id: `empty:${env}`, env, message: 'The SSO database holds no applications yet.' }));
        if (this.apps.error) out.push(this.node({ type: 'error', id: `error:${env}`, env, message: this.apps.error }));
        else if (this.apps.hasMore) out.push(this.node({ type: 'loadMore', id: `more:${env}`, env }));
        return out;
      }
      case 'group':
        return groupByAdapter(this.apps.items.filter((a) => a.kind === node.kind)).map((e) => ('adapter' in e ? this.adapterNode(env, e.adapter) : this.applicationNode(env, e.application)));
      case 'adapter':
        return this.applicationsOfAdapter(node.adapter).map((a) => this.applicationNode(env, a));
      case 'application': {
        await this.ensureIdentifiersLoaded(node.app);
        const list = this.identifierList(node.app.name);
        if (list.error && list.size === 0) return [this.node({ type: 'error', id: `error:${env}:${applicationKey(node.app.name)}`, env, app: node.app, message: list.error })];
        const out: ExplorerNode[] = list.items.map((i) => this.identifierNode(env, node.app, i));
        if (list.size === 0) {
          const plural = groupInfo(node.app.kind).identifierPlural;
          out.push(this.node({ type: 'empty', id: `empty:${env}:${applicationKey(node.app.name)}`, env, app: node.app, message: `No ${plural} yet.` }));
        }
        if (list.error) out.push(this.node({ type: 'error', id: `error:${env}:${applicationKey(node.app.name)}`, env, app: node.app, message: list.error }));
        else if (list.hasMore) out.push(this.node({ type: 'loadMore', id: `more:${env}:${applicationKey(node.app.name)}`, env, app: node.app }));
        return out;
      }
      default:
        return [];
    }
  }

  /**
   * Tooltips of applications and configurations are built when hovered, not for every item
   * shown: an expanded application of thousands re-sends all its items at each "Load more…".
   */
  resolveTreeItem(item: vscode.TreeItem, node: ExplorerNode): vscode.TreeItem {
    if (node.type === 'application') item.tooltip = new vscode.MarkdownString(applicationTooltip(node.app));
    else if (node.type === 'identifier') item.tooltip = identifierTooltip(node.app, node.info);
    return item;
  }

  getTreeItem(node: ExplorerNode): vscode.TreeItem {
    switch (node.type) {
      case 'environment':
        return this.environmentItem(node);
      case 'group': {
        const g = groupInfo(node.kind);
        const count = this.apps.items.filter((a) => a.kind === node.kind).length;
        const item = new vscode.TreeItem(g.label, vscode.TreeItemCollapsibleState.Expanded);
        item.id = node.id;
        item.description = `${count}${this.apps.hasMore ? '+' : ''}`;
        item.iconPath = new vscode.ThemeIcon(g.icon);
        item.tooltip = `${g.label}: ${count} application${count === 1 ? '' : 's'}${this.apps.hasMore ? ' loaded so far ("Load more…" at the end of the list loads the rest)' : ''}.`;
        item.contextValue = 'group';
        return item;
      }
      case 'adapter': {
        const apps = this.applicationsOfAdapter(node.adapter);
        const item = new vscode.TreeItem(node.adapter, vscode.TreeItemCollapsibleState.Collapsed);
        item.id = node.id;
        const configurations = apps.reduce((n, a) => n + a.identifierCount, 0);
        item.description = `${apps.length} application${apps.length === 1 ? '' : 's'} · ${configurations} port configuration${configurations === 1 ? '' : 's'}`;
        item.iconPath = new vscode.ThemeIcon('plug');
        item.tooltip = `${node.adapter}: its SSO applications (handlers, send ports, receive locations)${this.apps.hasMore ? ' loaded so far ("Load more…" at the end of the list loads the rest)' : ''}.`;
        item.accessibilityInformation = { label: `${node.adapter}, BizTalk adapter, ${item.description}` };
        item.contextValue = 'adapter';
        return item;
      }
      case 'application': {
        const app = node.app;
        const item = new vscode.TreeItem(adapterRole(app) ? applicationLabelUnderAdapter(app) : applicationLabel(app), app.identifierCount > 0 ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None);
        item.id = node.id;
        const desc = applicationDescription(app);
        item.description = [desc, identifierCountText(app)].filter(Boolean).join(' · ');
        item.iconPath = new vscode.ThemeIcon(applicationIcon(app), new vscode.ThemeColor(app.enabled ? 'charts.green' : 'disabledForeground'));
        item.contextValue = app.enabled ? 'application.enabled' : 'application.disabled';
        item.accessibilityInformation = { label: `${applicationLabel(app)}, ${groupInfo(app.kind).label}, ${app.enabled ? 'enabled' : 'disabled'}, ${identifierCountText(app)}` };
        return item;
      }
      case 'identifier': {
        const item = new vscode.TreeItem(identifierLabel(node.info), vscode.TreeItemCollapsibleState.None);
        item.id = node.id;
        // ENTSSO keeps no modification time (the bridge answers 0).
        const modified = node.info.modifiedAt > 0 ? `modified ${formatTime(new Date(node.info.modifiedAt).toISOString(), new Date())}` : '';
        item.description = [identifierLabel(node.info) !== node.info.identifier ? node.info.identifier : '', modified].filter(Boolean).join(' · ');
        item.accessibilityInformation = { label: [configurationName(node.app, node.info), groupInfo(node.app.kind).identifierNoun, modified].filter(Boolean).join(', ') };
        item.iconPath = new vscode.ThemeIcon('json');
        item.command = { command: 'entsso.openConfiguration', title: 'Open Configuration', arguments: [node] };
        item.contextValue = 'configuration';
        return item;
      }
      case 'loadMore': {
        const list = node.app ? this.identifierList(node.app.name) : this.apps;
        const plural = node.app ? groupInfo(node.app.kind).identifierPlural : 'applications';
        const total = node.app ? node.app.identifierCount : undefined;
        const item = new vscode.TreeItem(loadMoreLabel(list.size, total, plural), vscode.TreeItemCollapsibleState.None);
        item.id = node.id;
        item.iconPath = new vscode.ThemeIcon('ellipsis');
        item.command = { command: 'entsso.loadMore', title: 'Load More', arguments: [node] };
        item.tooltip = `Load the next ${this.pageSize} (setting "entsso.pageSize").`;
        item.contextValue = 'loadMore';
        return item;
      }
      case 'error': {
        const item = new vscode.TreeItem(node.app ? 'Could not load the configurations' : 'Could not load the applications', vscode.TreeItemCollapsibleState.None);
        item.id = node.id;
        item.description = node.message;
        item.tooltip = new vscode.MarkdownString(`${escapeMarkdown(node.message)}\n\nClick to try again.`);
        item.iconPath = new vscode.ThemeIcon('error', new vscode.ThemeColor('list.errorForeground'));
        item.command = { command: 'entsso.retry', title: 'Retry', arguments: [node] };
        item.contextValue = 'error';
        return item;
      }
      case 'empty': {
        const item = new vscode.TreeItem(node.message, vscode.TreeItemCollapsibleState.None);
        item.id = node.id;
        item.iconPath = new vscode.ThemeIcon('info');
        item.contextValue = 'empty';
        return item;
      }
    }
  }

  // ------------------------------------------------------------------ nodes

  private node<T extends ExplorerNode>(node: T): T {
    const existing = this.nodes.get(node.id);
    if (existing && existing.type === node.type) {
      Object.assign(existing, node);
      return existing as T;
    }
    this.nodes.set(node.id, node);
    return node;
  }

  environmentNode(): ExplorerNode | undefined {
    const env = this.connection.environment?.name;
    return env === undefined ? undefined : this.node({ type: 'environment', id: `env:${env}`, env });
  }

  private groupNode(env: string, kind: ApplicationKind): ExplorerNode {
    return this.node({ type: 'group', id: `group:${env}:${kind}`, env, kind });
  }

  private adapterNode(env: string, adapter: string): ExplorerNode {
    return this.node({ type: 'adapter', id: `adapter:${env}:${adapterKey(adapter)}`, env, adapter });
  }

  private applicationsOfAdapter(adapter: string): ApplicationInfo[] {
    if (!this.adapters) {
      this.adapters = new Map();
      for (const entry of groupByAdapter(this.apps.items.filter((a) => a.kind === 'adapter'))) if ('adapter' in entry) this.adapters.set(entry.key, entry.applications);
    }
    return this.adapters.get(adapterKey(adapter)) ?? [];
  }

  private applicationNode(env: string, app: ApplicationInfo): ExplorerNode {
    return this.node({ type: 'application', id: `app:${env}:${applicationKey(app.name)}`, env, app });
  }

  private identifierNode(env: string, app: ApplicationInfo, info: IdentifierInfo): ExplorerNode {
    return this.node({ type: 'identifier', id: `id:${env}:${applicationKey(app.name)}:${info.identifier}`, env, app, info });
  }

  private environmentItem(node: ExplorerNode & { type: 'environment' }): vscode.TreeItem {
    const item = new vscode.TreeItem(node.env, vscode.TreeItemCollapsibleState.Expanded);
    item.id = node.id;
    item.contextValue = 'environment';
    const input = this.connection.statusInput();
    const state = this.connection.state;
    if (!input) return item;
    const p = presentStatus(input);
    const word = stateWord(input);
    item.description = `${state?.mssName ?? input.socketPath} · ${word}`;
    // e.g. that the environment runs over the ENTSSO stand-in, not a real Enterprise SSO.
    const about = this.connection.environment?.description;
    item.tooltip = new vscode.MarkdownString(about ? `**${escapeMarkdown(about)}**\n\n${p.tooltip}` : p.tooltip, true);
    const icon =
      p.severity === 'normal'
        ? state
          ? new vscode.ThemeIcon('shield', new vscode.ThemeColor('charts.green'))
          : new vscode.ThemeIcon('loading~spin')
        : p.severity === 'warning'
          ? new vscode.ThemeIcon('warning', new vscode.ThemeColor('list.warningForeground'))
          : new vscode.ThemeIcon('error', new vscode.ThemeColor('list.errorForeground'));
    item.iconPath = icon;
    return item;
  }

  // ------------------------------------------------------------------ loading

  private identifierList(application: string): PagedList<IdentifierInfo> {
    const key = applicationKey(application);
    let list = this.identifiers.get(key);
    if (!list) {
      list = new PagedList<IdentifierInfo>((i) => i.identifier);
      this.identifiers.set(key, list);
    }
    return list;
  }

  private ensureApplicationsLoaded(): Promise<void> {
    if (this.apps.loaded || this.apps.error) return Promise.resolve();
    this.appsLoading ??= this.loadApplications(undefined, Math.min(MAX_PAGE, Math.max(this.pageSize, this.reloadCounts.get('') ?? 0))).finally(() => {
      this.appsLoading = undefined;
    });
    return this.appsLoading;
  }

  private ensureIdentifiersLoaded(app: ApplicationInfo): Promise<void> {
    const list = this.identifierList(app.name);
    if (list.loaded || list.error) return Promise.resolve();
    const key = applicationKey(app.name);
    let loading = this.identifiersLoading.get(key);
    if (!loading) {
      const limit = Math.min(MAX_PAGE, Math.max(this.pageSize, this.reloadCounts.get(key) ?? 0));
      loading = this.loadIdentifiers(app, undefined, limit).finally(() => this.identifiersLoading.delete(key));
      this.identifiersLoading.set(key, loading);
    }
    return loading;
  }

  private async loadApplications(cursor: string | undefined, limit: number): Promise<void> {
    try {
      const page = await this.connection.request('apps.list', { limit, ...(cursor ? { cursor } : {}) });
      this.apps.addPage(page);
      this.adapters = undefined;
      // Keep application nodes in step with what the service says now.
      for (const a of page.items) this.applicationNode(this.connection.environment?.name ?? '', a);
    } catch (err) {
      this.apps.fail(message(err));
      this.log.warn(`Loading applications failed: ${message(err)}`);
    }
  }

  private async loadIdentifiers(app: ApplicationInfo, cursor: string | undefined, limit: number): Promise<void> {
    const list = this.identifierList(app.name);
    try {
      const page = await this.connection.request('identifiers.list', { application: app.name, limit, ...(cursor ? { cursor } : {}) });
      list.addPage(page);
    } catch (err) {
      list.fail(message(err));
      this.log.warn(`Loading the configurations of "${app.name}" failed: ${message(err)}`);
    }
  }

  private reset(keepCounts: boolean): void {
    this.reloadCounts.clear();
    if (keepCounts) {
      this.reloadCounts.set('', this.apps.size);
      for (const [key, list] of this.identifiers) this.reloadCounts.set(key, list.size);
    }
    this.apps = new PagedList<ApplicationInfo>((a) => applicationKey(a.name));
    this.adapters = undefined;
    this.identifiers.clear();
    this.appsLoading = undefined;
    this.identifiersLoading.clear();
    if (!keepCounts) this.nodes.clear();
    this.changeEmitter.fire(undefined);
  }

  /** The URI that opens an identifier node: its tab and breadcrumbs show the names of the tree. */
  static uriOf(node: ExplorerNode): vscode.Uri | undefined {
    if (node.type !== 'identifier') return undefined;
    return ssoUri(node.env, node.app.name, node.info.identifier, { application: applicationLabel(node.app), identifier: identifierLabel(node.info) });
  }
}

function message(err: unknown): string {
  if (err instanceof SsoError) return err.message;
  return 'An unexpected error occurred; see "SSO: Show Log".';
}

function identifierTooltip(app: ApplicationInfo, info: IdentifierInfo): vscode.MarkdownString {
  const noun = groupInfo(app.kind).identifierNoun;
  // ENTSSO keeps no modification time (the bridge answers 0).
  const modified = info.modifiedAt > 0 ? `\n\nLast modified: ${new Date(info.modifiedAt).toLocaleString()}` : '';
  return new vscode.MarkdownString(
    `**${escapeMarkdown(configurationName(app, info))}**\n\n${noun} of ${escapeMarkdown(applicationLabel(app))}\n\n` +
      `- Identifier: ${escapeMarkdown(info.identifier)}\n- Application: ${escapeMarkdown(app.name)}${modified}\n\n` +
      `Click to open it as JSON; masked fields stay hidden until you run "SSO: Reveal Masked Fields". Right-click to copy its name or identifier.`,
  );
}
