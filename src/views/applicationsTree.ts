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
import type { ApplicationDetail, ApplicationInfo, ApplicationKind, IdentifierInfo, ListedIdentifier, SearchHit } from '../protocol/messages';
import { PagedList, applicationKey, applicationLabel, adapterKey, adapterRole, groupByAdapter, groupApplications, identifierLabel, perKind } from '../model/applicationList';
import { ssoUri } from './ssoFileSystem';
import { AdapterNode } from './tree/adapterNode';
import { ApplicationNode } from './tree/applicationNode';
import { ConfigurationNode } from './tree/configurationNode';
import { EnvironmentNode } from './tree/environmentNode';
import { ErrorNode } from './tree/errorNode';
import type { ExplorerNode } from './tree/explorerNode';
import { GroupNode } from './tree/groupNode';
import { LoadMoreNode } from './tree/loadMoreNode';
import { MessageNode } from './tree/messageNode';
import { nodeId } from './tree/nodeId';
import { PageNode } from './tree/pageNode';
import type { TreeContext } from './tree/treeContext';

export type { ExplorerNode } from './tree/explorerNode';

const MAX_PAGE = 1000;

export class ApplicationsTreeProvider implements vscode.TreeDataProvider<ExplorerNode>, TreeContext, vscode.Disposable {
  private readonly changeEmitter = new vscode.EventEmitter<ExplorerNode | undefined>();
  readonly onDidChangeTreeData = this.changeEmitter.event;

  private apps = new PagedList<ApplicationInfo>((a) => applicationKey(a.name));
  private identifiers = new Map<string, PagedList<ListedIdentifier>>();
  private appsLoading: Promise<void> | undefined;
  /** The adapter applications by adapter key, built once per change of `apps` (every adapter row needs it). */
  private adapters: Map<string, ApplicationInfo[]> | undefined;
  private identifiersLoading = new Map<string, Promise<void>>();
  /** The pages being loaded, by page node id: a double click on "Load more…" runs its command twice. */
  private readonly pagesLoading = new Map<string, Promise<PageNode | undefined>>();
  /** How many items were shown before a refresh, so that a refresh shows as many again. */
  private reloadCounts = new Map<string, number>();
  /** The size of each page of an application's configurations shown before a refresh (the last at least a full page): a refresh loads the same pages again. */
  private reloadPages = new Map<string, number[]>();
  /**
   * One node per id, kept across VS Code's repeated questions: a node keeps its tree item until
   * what it shows changes (see ApplicationNode, ConfigurationNode).
   */
  private readonly nodes = new Map<string, ExplorerNode>();
  /**
   * The nodes of each application's configurations and pages, by application key: forgotten with
   * the application's list (refresh, retry), so that they do not outlive what they show.
   */
  private readonly listNodes = new Map<string, Map<string, ConfigurationNode | PageNode>>();
  private readonly disposables: vscode.Disposable[] = [];

  constructor(
    readonly connection: ConnectionManager,
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

  get pageSize(): number {
    const n = vscode.workspace.getConfiguration('entsso').get<number>('pageSize', 100);
    return Math.min(MAX_PAGE, Math.max(1, Math.floor(Number.isFinite(n) ? n : 100)));
  }

  get moreApplications(): boolean {
    return this.apps.hasMore;
  }

  applicationCount(kind: ApplicationKind): number {
    let n = 0;
    for (const a of this.apps.items) if (a.kind === kind) n++;
    return n;
  }

  // ------------------------------------------------------------------ public operations

  /** Reloads everything, as much as was shown, keeping expansion (stable ids). */
  refresh(): void {
    this.reset(true);
  }

  /**
   * Reloads one adapter's or application's part of the tree: the applications again from the
   * service, and the configurations of those that were expanded, as many as were shown.
   */
  async refreshNode(node: ExplorerNode | undefined): Promise<void> {
    const apps = node?.type === 'adapter' ? [...node.applications] : node?.type === 'application' ? [node.app] : undefined;
    if (!node || !apps) return this.refresh();
    const env = node.env;
    for (const app of apps) {
      const key = applicationKey(app.name);
      this.rememberPages(key, this.identifiers.get(key));
      this.forgetList(key);
      try {
        const fresh = applicationInfoOf(await this.connection.request('apps.get', { name: app.name }));
        this.apps.upsert(fresh);
        this.applicationNode(env, fresh);
      } catch (err) {
        if (err instanceof SsoError && err.code === 'ENTSSO_E_APPLICATION_NOT_FOUND') this.forgetApplication(env, app);
        else this.log.warn(`Refreshing "${app.name}" failed: ${message(err)}`);
      }
    }
    this.adapters = undefined;
    // The group above shows the counts too, and an application deleted elsewhere leaves it.
    this.changeEmitter.fire(undefined);
  }

  /**
   * Loads the next page under a "Load more…" node. Of an application's configurations: the node
   * becomes the folder of that page, which is returned, to be expanded (VS Code keeps a refreshed
   * leaf collapsed); only it is refreshed, so VS Code does not ask again for the pages before.
   */
  async loadMore(node: ExplorerNode): Promise<PageNode | undefined> {
    if (node.type === 'page') {
      let loading = this.pagesLoading.get(node.id);
      if (!loading) {
        loading = this.loadPage(node).finally(() => this.pagesLoading.delete(node.id));
        this.pagesLoading.set(node.id, loading);
      }
      return loading;
    }
    if (node.type !== 'loadMore') return undefined;
    await this.loadApplications(this.apps.nextCursor, this.pageSize);
    this.changeEmitter.fire(this.environmentNode());
    return undefined;
  }

  private async loadPage(node: PageNode): Promise<PageNode | undefined> {
    const list = this.identifiers.get(applicationKey(node.app.name));
    if (!list || node.loaded || list.pageCount !== node.page || !list.hasMore) return undefined;
    const before = list.pageRange(node.page - 1);
    const sizeBefore = list.size;
    await this.loadIdentifiers(node.app, list, list.nextCursor, this.pageSize);
    // A refresh replaced the list meanwhile, or the application was deleted: the page belongs to no list shown.
    if (!this.isShown(node.app, list)) return undefined;
    const container = this.containerNode(node.env, node.app, node.page - 1);
    // The page before showed items added out of order that now belong to this page, or this
    // page failed or came empty: the page before changes too.
    if (list.pageCount !== node.page + 1 || sizeBefore > before.end || list.pageRange(node.page - 1).end !== before.end) {
      this.changeEmitter.fire(container);
    } else {
      this.changeEmitter.fire(this.pageNode(node.env, node.app, node.page));
    }
    return list.pageCount > node.page ? this.pageNode(node.env, node.app, node.page) : undefined;
  }

  /** Clears the error under which a node failed and loads again. */
  retry(node: ExplorerNode): void {
    if (node.type !== 'error') return;
    if (node.app) {
      this.forgetList(applicationKey(node.app.name));
      this.changeEmitter.fire(this.applicationNode(node.env, node.app));
    } else {
      this.apps.reset();
      this.adapters = undefined;
      this.changeEmitter.fire(undefined);
    }
  }

  /** Makes sure an application is in the tree (also beyond the loaded pages) and returns its node. */
  async ensureApplication(name: string): Promise<ApplicationNode | undefined> {
    const env = this.connection.environment?.name;
    if (!env) return undefined;
    let app = this.apps.get(applicationKey(name));
    if (!app) {
      const page = await this.connection.request('apps.list', { filter: name, limit: 50 });
      app = page.items.find((a) => a.name.toLowerCase() === name.toLowerCase());
      if (!app) throw new SsoError('ENTSSO_E_APPLICATION_NOT_FOUND', vscode.l10n.t('There is no SSO application named "{0}" any more. Refresh the explorer.', name));
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
    if (!appNode) return undefined;
    const list = this.identifierList(appNode.app.name);
    let info = list.get(identifier);
    if (!info) {
      const page = await this.connection.request('identifiers.list', { application: appNode.app.name, filter: identifier, limit: 50 });
      info = page.items.find((i) => i.identifier === identifier) ?? page.items.find((i) => i.identifier.toLowerCase() === identifier.toLowerCase());
      if (!info) throw new SsoError('ENTSSO_E_MAPPING_NOT_FOUND', vscode.l10n.t('Application "{0}" has no configuration "{1}" any more. Refresh the explorer.', application, identifier));
      if (!list.loaded) await this.ensureIdentifiersLoaded(appNode.app);
      list.upsert(info);
      // Only the page it falls in (its folder) changes: the pages before are not sent again.
      this.changeEmitter.fire(this.containerNode(appNode.env, appNode.app, list.pageOf(info.identifier) ?? 0));
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
      case 'identifier': {
        const list = this.identifiers.get(applicationKey(node.app.name));
        return this.containerNode(node.env, node.app, list?.pageOf(node.info.identifier) ?? 0);
      }
      case 'page':
        return this.containerNode(node.env, node.app, node.page - 1);
      default: {
        if (!node.app) return this.environmentNode();
        const list = this.identifiers.get(applicationKey(node.app.name));
        return this.containerNode(node.env, node.app, Math.max(0, (list?.pageCount ?? 1) - 1));
      }
    }
  }

  async getChildren(node?: ExplorerNode): Promise<ExplorerNode[]> {
    const env = this.connection.environment?.name;
    if (!env) return [];
    if (!node) return [this.environmentNode() as ExplorerNode];
    switch (node.type) {
      case 'environment':
        return this.environmentChildren(env);
      case 'group':
        return groupByAdapter(this.apps.items.filter((a) => a.kind === node.kind)).map((e) => ('adapter' in e ? this.adapterNode(env, e.adapter) : this.applicationNode(env, e.application)));
      case 'adapter':
        return this.applicationsOfAdapter(node.adapter).map((a) => this.applicationNode(env, a));
      case 'application':
        return this.pageChildren(env, node.app, 0);
      case 'page':
        return node.loaded ? this.pageChildren(env, node.app, node.page) : [];
      default:
        return [];
    }
  }

  private async environmentChildren(env: string): Promise<ExplorerNode[]> {
    await this.ensureApplicationsLoaded();
    if (this.apps.error && this.apps.size === 0) return [this.errorNode(env, undefined, this.apps.error)];
    const out: ExplorerNode[] = groupApplications(this.apps.items).map((g) => this.groupNode(env, g.kind));
    if (this.apps.size === 0) out.push(this.messageNode(env, undefined, vscode.l10n.t('The SSO database holds no applications yet.')));
    if (this.apps.error) out.push(this.errorNode(env, undefined, this.apps.error));
    else if (this.apps.hasMore) out.push(this.loadMoreNode(env, undefined, this.apps.size));
    return out;
  }

  /** The configurations of one page (the application's own children are page 0), then the next page's node, or why the list ends. */
  private async pageChildren(env: string, app: ApplicationInfo, page: number): Promise<ExplorerNode[]> {
    await this.ensureIdentifiersLoaded(app);
    const list = this.identifierList(app.name);
    if (list.error && list.size === 0) return [this.errorNode(env, app, list.error)];
    const { start, end } = list.pageRange(page);
    const out: ExplorerNode[] = list.slice(start, end).map((i) => this.identifierNode(env, app, i));
    const last = page >= list.pageCount - 1;
    if (!last) out.push(this.pageNode(env, app, page + 1));
    else if (list.size === 0) out.push(this.messageNode(env, app, noConfigurationYet(app)));
    else if (list.error) out.push(this.errorNode(env, app, list.error));
    else if (list.hasMore) out.push(this.pageNode(env, app, page + 1));
    return out;
  }

  /**
   * Tooltips of applications and configurations are built when hovered, not for every item
   * shown: an expanded application of thousands re-sends all its items at each "Load more…".
   */
  resolveTreeItem(item: vscode.TreeItem, node: ExplorerNode): vscode.TreeItem {
    if (node.type === 'application' || node.type === 'identifier') item.tooltip = node.tooltip();
    return item;
  }

  getTreeItem(node: ExplorerNode): vscode.TreeItem {
    return node.treeItem(this);
  }

  // ------------------------------------------------------------------ nodes

  /** The node kept for `id`, or `create()`'s, kept from now on. */
  private kept<T extends ExplorerNode>(id: string, type: T['type'], create: () => T): T {
    const existing = this.nodes.get(id);
    if (existing && existing.type === type) return existing as T;
    const node = create();
    this.nodes.set(id, node);
    return node;
  }

  /** Like `kept`, for the nodes of an application's list (see `listNodes`). */
  private keptInList<T extends ConfigurationNode | PageNode>(application: string, id: string, type: T['type'], create: () => T): T {
    const key = applicationKey(application);
    let nodes = this.listNodes.get(key);
    if (!nodes) {
      nodes = new Map();
      this.listNodes.set(key, nodes);
    }
    const existing = nodes.get(id);
    if (existing && existing.type === type) return existing as T;
    const node = create();
    nodes.set(id, node);
    return node;
  }

  /**
   * Keeps the page sizes of an application's list for its reload after a refresh. A list not
   * loaded (its first page failed or is still loading) is reloaded as a first load: one page.
   */
  private rememberPages(key: string, list: PagedList<ListedIdentifier> | undefined): void {
    if (list?.loaded) this.reloadPages.set(key, reloadSizesOf(list, this.pageSize));
  }

  /** Forgets an application deleted elsewhere: its list, the pages to reload and its nodes. */
  private forgetApplication(env: string, app: ApplicationInfo): void {
    const key = applicationKey(app.name);
    this.apps.delete(key);
    this.forgetList(key);
    this.reloadPages.delete(key);
    for (const id of [ApplicationNode.idOf(env, app.name), listEndId('loadMore', env, app), listEndId('error', env, app), listEndId('empty', env, app)]) this.nodes.delete(id);
  }

  /** Forgets an application's configurations and their nodes; they are loaded again when shown. */
  private forgetList(key: string): void {
    this.identifiers.delete(key);
    this.identifiersLoading.delete(key);
    this.listNodes.delete(key);
  }

  /** How many nodes the tree keeps (a measure of what it holds, for tests). */
  get keptNodeCount(): number {
    let n = this.nodes.size;
    for (const nodes of this.listNodes.values()) n += nodes.size;
    return n;
  }

  environmentNode(): EnvironmentNode | undefined {
    const env = this.connection.environment?.name;
    return env === undefined ? undefined : this.kept(EnvironmentNode.idOf(env), 'environment', () => new EnvironmentNode(env));
  }

  private groupNode(env: string, kind: ApplicationKind): GroupNode {
    return this.kept(GroupNode.idOf(env, kind), 'group', () => new GroupNode(env, kind));
  }

  private adapterNode(env: string, adapter: string): AdapterNode {
    const key = adapterKey(adapter);
    const node = this.kept(AdapterNode.idOf(env, key), 'adapter', () => new AdapterNode(env, key, adapter, []));
    node.applications = this.applicationsOfAdapter(adapter);
    return node;
  }

  private applicationsOfAdapter(adapter: string): ApplicationInfo[] {
    if (!this.adapters) {
      this.adapters = new Map();
      for (const entry of groupByAdapter(this.apps.items.filter((a) => a.kind === 'adapter'))) if ('adapter' in entry) this.adapters.set(entry.key, entry.applications);
    }
    return this.adapters.get(adapterKey(adapter)) ?? [];
  }

  private applicationNode(env: string, app: ApplicationInfo): ApplicationNode {
    const node = this.kept(ApplicationNode.idOf(env, app.name), 'application', () => new ApplicationNode(env, app));
    node.update(app);
    return node;
  }

  private identifierNode(env: string, app: ApplicationInfo, info: ListedIdentifier): ConfigurationNode {
    const node = this.keptInList(app.name, ConfigurationNode.idOf(env, app.name, info.identifier), 'identifier', () => new ConfigurationNode(env, app, info));
    node.update(app, info);
    return node;
  }

  /** The node whose children are page `page` of an application's configurations: the application for the first. */
  private containerNode(env: string, app: ApplicationInfo, page: number): ApplicationNode | PageNode {
    return page === 0 ? this.applicationNode(env, app) : this.pageNode(env, app, page);
  }

  /** Page `page` (from 1) of an application's configurations: its folder when loaded, else "Load more…". */
  private pageNode(env: string, app: ApplicationInfo, page: number): PageNode {
    const list = this.identifierList(app.name);
    const node = this.keptInList(app.name, PageNode.idOf(env, app.name, page), 'page', () => new PageNode(env, app, page, false, 0, 0, this.pageSize));
    node.app = app;
    node.loaded = page < list.pageCount;
    const range = node.loaded ? list.pageRange(page) : { start: list.size, end: list.size };
    node.first = node.loaded ? range.start + 1 : list.size;
    node.last = range.end;
    node.pageSize = this.pageSize;
    return node;
  }

  private loadMoreNode(env: string, app: ApplicationInfo | undefined, shown: number): LoadMoreNode {
    const id = listEndId('loadMore', env, app);
    const node = this.kept(id, 'loadMore', () => new LoadMoreNode(id, env, app, shown, undefined, this.pageSize));
    node.app = app;
    node.shown = shown;
    node.total = app?.identifierCount;
    node.pageSize = this.pageSize;
    return node;
  }

  private errorNode(env: string, app: ApplicationInfo | undefined, text: string): ErrorNode {
    const id = listEndId('error', env, app);
    const node = this.kept(id, 'error', () => new ErrorNode(id, env, app, text));
    node.app = app;
    node.message = text;
    return node;
  }

  private messageNode(env: string, app: ApplicationInfo | undefined, text: string): MessageNode {
    const id = listEndId('empty', env, app);
    const node = this.kept(id, 'empty', () => new MessageNode(id, env, app, text));
    node.app = app;
    node.message = text;
    return node;
  }

  // ------------------------------------------------------------------ loading

  private identifierList(application: string): PagedList<ListedIdentifier> {
    const key = applicationKey(application);
    let list = this.identifiers.get(key);
    if (!list) {
      list = new PagedList<ListedIdentifier>((i) => i.identifier);
      this.identifiers.set(key, list);
    }
    return list;
  }

  /** Whether `list` is still the one the tree shows for `app` (a refresh replaces it, a deletion drops it). */
  private isShown(app: ApplicationInfo, list: PagedList<ListedIdentifier>): boolean {
    return this.identifiers.get(applicationKey(app.name)) === list;
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
      const pages = this.reloadPages.get(key) ?? [this.pageSize];
      this.reloadPages.delete(key);
      loading = this.loadIdentifierPages(app, pages).finally(() => this.identifiersLoading.delete(key));
      this.identifiersLoading.set(key, loading);
    }
    return loading;
  }

  /** Loads the first pages of an application's configurations, of these sizes (as many as were shown before a refresh). */
  private async loadIdentifierPages(app: ApplicationInfo, sizes: number[]): Promise<void> {
    const list = this.identifierList(app.name);
    for (const [i, size] of sizes.entries()) {
      if (i > 0 && (!list.hasMore || !this.isShown(app, list))) return;
      await this.loadIdentifiers(app, list, list.nextCursor, Math.min(MAX_PAGE, Math.max(1, size)));
      if (list.error) return;
    }
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

  /** Loads a page into `list`, the one asked for: the tree may have replaced it by the time the page arrives. */
  private async loadIdentifiers(app: ApplicationInfo, list: PagedList<ListedIdentifier>, cursor: string | undefined, limit: number): Promise<void> {
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
    // The pages of an application not shown since the last refresh (collapsed) are kept too.
    if (!keepCounts) this.reloadPages.clear();
    if (keepCounts) {
      this.reloadCounts.set('', this.apps.size);
      for (const [key, list] of this.identifiers) this.rememberPages(key, list);
    }
    this.apps = new PagedList<ApplicationInfo>((a) => applicationKey(a.name));
    this.adapters = undefined;
    this.identifiers.clear();
    // VS Code asks again for every node after a reset: a node is built again only if still shown.
    this.listNodes.clear();
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

/** What the tree keeps of an application read in full (its field list is read when a document opens). */
function applicationInfoOf(detail: ApplicationDetail): ApplicationInfo {
  const { fields: _fields, fieldsVersion: _fieldsVersion, ...info } = detail;
  return info;
}

/**
 * The pages a refresh loads again: those before the last as large as they are now, the last at
 * least a full page, for what was added since (a list shown in full, even empty, ends short).
 */
function reloadSizesOf<T>(list: PagedList<T>, pageSize: number): number[] {
  const sizes = Array.from({ length: Math.max(1, list.pageCount) }, (_, page) => {
    const { start, end } = list.pageRange(page);
    return end - start;
  });
  sizes[sizes.length - 1] = Math.max(pageSize, sizes[sizes.length - 1] ?? 0);
  return sizes;
}

/** The id of the node that ends a list: of the applications (no `app`) or of an application's configurations. */
function listEndId(kind: 'loadMore' | 'error' | 'empty', env: string, app: ApplicationInfo | undefined): string {
  return app ? nodeId(kind, env, applicationKey(app.name)) : nodeId(kind, env);
}

function message(err: unknown): string {
  if (err instanceof SsoError) return err.message;
  return vscode.l10n.t('An unexpected error occurred; see "SSO: Show Log".');
}

function noConfigurationYet(app: ApplicationInfo): string {
  return perKind(app.kind, {
    adapter: () => vscode.l10n.t('No port configurations yet.'),
    configStore: () => vscode.l10n.t('No config-store entries yet.'),
    affiliate: () => vscode.l10n.t('No mappings yet.'),
  });
}
