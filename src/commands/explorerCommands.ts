/**
 * Explorer and navigation commands: refresh, "Load more…", retry of a failed node, opening a
 * configuration, and "SSO: Find Application or Port Configuration…" (server-side search as
 * the user types, debounced).
 */
import * as vscode from 'vscode';
import type { ConnectionManager } from '../connection/connectionManager';
import { SsoError } from '../protocol/errors';
import type { ApplicationInfo, SearchHit } from '../protocol/messages';
import { applicationLabel, groupInfo, identifierLabel, perKind, searchHitLabels } from '../model/applicationList';
import { ApplicationsTreeProvider, type ExplorerNode } from '../views/applicationsTree';
import type { AdapterNode } from '../views/tree/adapterNode';
import { openSsoDocument } from '../views/ssoDocumentLanguage';
import { cleanSsoDocuments, openSsoDocuments, ssoUri, type SsoFileSystemProvider } from '../views/ssoFileSystem';
import { UserCancelled, UserFacingError, registerCommand, type CommandContext } from './commandRunner';

export interface ExplorerCommandsContext extends CommandContext {
  readonly connection: ConnectionManager;
  readonly tree: ApplicationsTreeProvider;
  readonly treeView: vscode.TreeView<ExplorerNode>;
  readonly fileSystem: SsoFileSystemProvider;
}

const SEARCH_DEBOUNCE_MS = 250;
const SEARCH_LIMIT = 50;

/**
 * A tree item's command runs once per click, so a double click runs it twice: as in VS Code's
 * Explorer, one click opens a preview tab (replaced by the next one opened), a double click keeps it.
 */
const DOUBLE_CLICK_MS = 500;

class TreeClicks {
  private last: { key: string; at: number } | undefined;

  /** True when this opening of `uri` is the second click of a double click. */
  isSecondClick(uri: vscode.Uri, now = Date.now()): boolean {
    const key = uri.toString();
    const second = this.last !== undefined && this.last.key === key && now - this.last.at <= DOUBLE_CLICK_MS;
    this.last = second ? undefined : { key, at: now };
    return second;
  }
}

export function registerExplorerCommands(ctx: ExplorerCommandsContext): vscode.Disposable[] {
  const clicks = new TreeClicks();
  return [
    registerCommand(ctx, 'entsso.refresh', () => {
      ctx.fileSystem.clearCaches();
      ctx.tree.refresh();
      // Open documents too: VS Code reloads an unmodified one when its stored version moved.
      ctx.fileSystem.restat(cleanSsoDocuments());
    }),
    registerCommand(ctx, 'entsso.loadMore', async (node: ExplorerNode) => {
      // The "Load more…" row became the folder of the page it loaded: open it where the row was.
      const page = await ctx.tree.loadMore(node);
      // The tree may have changed under it meanwhile (a refresh): then there is nothing to open, no error to show.
      // Not `focus: true`: VS Code then scrolls the folder to the middle of the view and draws half a
      // screen of new rows, which halved how fast a page of 1,000 shows (docs/PERFORMANCE.md, eighth
      // round). The view stays where it was, as lists with "Load more" do; the keyboard focus stays on
      // the folder (the same tree element as the row), so Down goes on into the new rows.
      if (page) await ctx.treeView.reveal(page, { select: false, focus: false, expand: true }).then(undefined, () => undefined);
    }),
    registerCommand(ctx, 'entsso.retry', (node: ExplorerNode) => ctx.tree.retry(node)),
    registerCommand(ctx, 'entsso.openConfiguration', (target: ExplorerNode | vscode.Uri) => openConfiguration(ctx, target, target instanceof vscode.Uri ? undefined : clicks)),
    registerCommand(ctx, 'entsso.find', () => find(ctx)),
    registerCommand(ctx, 'entsso.findInAdapter', (node?: ExplorerNode) => find(ctx, adapterOf(ctx, node))),
    registerCommand(ctx, 'entsso.refreshNode', (node?: ExplorerNode) => ctx.tree.refreshNode(node ?? ctx.treeView.selection[0])),
    registerCommand(ctx, 'entsso.copyName', (node?: ExplorerNode) => copy(ctx, node, 'name')),
    registerCommand(ctx, 'entsso.copyIdentifier', (node?: ExplorerNode) => copy(ctx, node, 'identifier')),
  ];
}

/**
 * "Copy Name" copies what people call it (the tree label); "Copy Identifier" what SSO, BizTalk
 * and ssoctl call it (the application name or the configuration's identifier, e.g. a GUID).
 */
async function copy(ctx: ExplorerCommandsContext, target: ExplorerNode | undefined, what: 'name' | 'identifier'): Promise<void> {
  const node = target ?? ctx.treeView.selection[0];
  let text: string | undefined;
  if (node?.type === 'adapter' && what === 'name') text = node.adapter;
  else if (node?.type === 'application') text = what === 'name' ? applicationLabel(node.app) : node.app.name;
  else if (node?.type === 'identifier') text = what === 'name' ? identifierLabel(node.info) : node.info.identifier;
  if (text === undefined) {
    throw new UserFacingError(
      what === 'name'
        ? vscode.l10n.t('Select an application or a configuration in the Enterprise SSO explorer, then run "Copy Name" from its context menu.')
        : vscode.l10n.t('Select an application or a configuration in the Enterprise SSO explorer, then run "Copy Identifier" from its context menu.'),
    );
  }
  await vscode.env.clipboard.writeText(text);
  vscode.window.setStatusBarMessage(`$(copy) ${what === 'name' ? vscode.l10n.t('Copied name "{0}"', text) : vscode.l10n.t('Copied identifier "{0}"', text)}`, 4000);
}

/** Opened from the tree (`clicks` given): a preview tab on one click, kept on a double click; otherwise kept. */
async function openConfiguration(ctx: ExplorerCommandsContext, target: ExplorerNode | vscode.Uri | undefined, clicks?: TreeClicks): Promise<void> {
  const uri = target instanceof vscode.Uri ? target : target ? ApplicationsTreeProvider.uriOf(target) : undefined;
  if (!uri) throw new UserFacingError(vscode.l10n.t('Pick a port configuration or config-store entry in the Enterprise SSO explorer to open it.'));
  const preview = clicks !== undefined && !clicks.isSecondClick(uri) && vscode.workspace.getConfiguration('workbench.editor').get<boolean>('enablePreview', true);
  const wasOpen = openSsoDocuments().some((d) => d.uri.toString() === uri.toString());
  try {
    const doc = await openSsoDocument(uri);
    await vscode.window.showTextDocument(doc, { preview });
    // Opened again: show what is stored now, as a first opening would (an unmodified one only).
    if (wasOpen && !doc.isDirty) ctx.fileSystem.restat([doc.uri]);
  } catch (err) {
    if (err instanceof SsoError || err instanceof UserFacingError) throw err;
    // Errors of our file system provider come back through VS Code; their text is ours (no values).
    const text = err instanceof Error ? err.message : '';
    const reason = text.replace(/^.*?Detail: /s, '').replace(/\s*\((FileNotFound|NoPermissions|Unavailable|Unknown)\)\s*$/, '').trim();
    throw new UserFacingError(vscode.l10n.t(`Could not open {0}: {1}`, uri.path.split('/').pop() ?? '', reason || vscode.l10n.t('the SSO service did not return it.')), [
      { title: vscode.l10n.t('Refresh Explorer'), command: 'entsso.refresh' },
      { title: vscode.l10n.t('Check Health'), command: 'entsso.checkHealth' },
    ]);
  }
}

type HitItem = vscode.QuickPickItem & { hit?: SearchHit };

/** The adapter node a command was run on (its context menu), else the one selected. */
function adapterOf(ctx: ExplorerCommandsContext, node: ExplorerNode | undefined): AdapterNode {
  const target = node ?? ctx.treeView.selection[0];
  if (target?.type !== 'adapter') throw new UserFacingError(vscode.l10n.t('Right-click a BizTalk adapter in the Enterprise SSO explorer and choose "Find in This Adapter…".'));
  return target;
}

/** The whole environment, or only the applications of one adapter (`within`), as BizTalk people look for a port. */
async function find(ctx: ExplorerCommandsContext, within?: AdapterNode): Promise<void> {
  if (!ctx.connection.environment) {
    throw new UserFacingError(vscode.l10n.t('Connect to an SSO environment first.'), [{ title: vscode.l10n.t('Connect…'), command: 'entsso.connect' }]);
  }
  const env = ctx.connection.environment.name;
  const qp = vscode.window.createQuickPick<HitItem>();
  qp.title = within ? vscode.l10n.t('Find in {0} (SSO environment "{1}")', within.adapter, env) : vscode.l10n.t('Find in SSO environment "{0}"', env);
  const inScope = (hit: SearchHit) => !within || within.applications.some((a) => a.name.toLowerCase() === hit.application.toLowerCase());
  const scopeApplications = () => (within ? within.applications.map((a) => toItem({ application: a.name, kind: a.kind, applicationDisplayName: applicationLabel(a) })) : []);
  qp.placeholder = vscode.l10n.t('Type part of an application name or of an identifier (port configuration GUID, config-store key)');
  qp.matchOnDescription = true;
  let seq = 0;
  let timer: NodeJS.Timeout | undefined;
  const search = (query: string) => {
    clearTimeout(timer);
    const mine = ++seq;
    if (!query.trim()) {
      qp.busy = false;
      qp.items = scopeApplications();
      return;
    }
    qp.busy = true;
    timer = setTimeout(async () => {
      try {
        const found = within ? await searchAdapter(ctx, within, query.trim()) : await ctx.connection.request('search', { query: query.trim(), limit: SEARCH_LIMIT });
        if (mine !== seq) return;
        const hits = [...friendlyNameHits(within ? [...within.applications] : ctx.tree.loadedApplications(), query, found), ...found].filter(inScope);
        qp.items = hits.length ? hits.map((hit) => toItem(ctx.tree.withKnownNames(hit))) : [{ label: within ? vscode.l10n.t('Nothing in {0} matches "{1}".', within.adapter, query.trim()) : vscode.l10n.t('Nothing in "{0}" matches "{1}".', env, query.trim()), alwaysShow: true }];
      } catch (err) {
        if (mine !== seq) return;
        qp.items = [{ label: `$(error) ${vscode.l10n.t('Search failed')}`, detail: err instanceof SsoError ? err.message : vscode.l10n.t('See "SSO: Show Log".'), alwaysShow: true }];
        ctx.log.warn(`Search failed: ${err instanceof SsoError ? `${err.message} [${err.code}]` : 'unexpected error'}`);
      } finally {
        if (mine === seq) qp.busy = false;
      }
    }, SEARCH_DEBOUNCE_MS);
  };
  const picked = await new Promise<SearchHit | undefined>((resolve) => {
    qp.onDidChangeValue(search);
    qp.onDidAccept(() => {
      const hit = qp.selectedItems[0]?.hit;
      if (!hit) return;
      resolve(hit);
      qp.hide();
    });
    qp.onDidHide(() => resolve(undefined));
    qp.items = scopeApplications();
    qp.show();
  });
  clearTimeout(timer);
  qp.dispose();
  if (!picked) throw new UserCancelled();
  if (picked.identifier !== undefined) {
    const node = await ctx.tree.ensureIdentifier(picked.application, picked.identifier).catch(() => undefined);
    await openConfiguration(ctx, node ? ApplicationsTreeProvider.uriOf(node) : ssoUri(env, picked.application, picked.identifier));
    if (node) await ctx.treeView.reveal(node, { select: true, focus: false, expand: false }).then(undefined, () => undefined);
    return;
  }
  const node = await ctx.tree.ensureApplication(picked.application);
  // As for a configuration: a tree refreshed meanwhile may no longer show that node, and Find has done its part.
  if (node) await ctx.treeView.reveal(node, { select: true, focus: true, expand: true }).then(undefined, () => undefined);
}

/**
 * Find in one adapter: its applications' configurations whose identifier contains `query`, asked
 * of each application (the environment-wide search stops at SEARCH_LIMIT hits, which other
 * adapters could fill), and the applications whose SSO name contains it.
 */
async function searchAdapter(ctx: ExplorerCommandsContext, adapter: AdapterNode, query: string): Promise<SearchHit[]> {
  const q = query.toLowerCase();
  const byName: SearchHit[] = adapter.applications.filter((a) => a.name.toLowerCase().includes(q)).map((a) => ({ application: a.name, kind: a.kind }));
  const pages = await Promise.all(adapter.applications.map(async (a) => ({ app: a, page: await ctx.connection.request('identifiers.list', { application: a.name, filter: query, limit: SEARCH_LIMIT }) })));
  const configurations = pages.flatMap(({ app, page }) =>
    page.items.map((i): SearchHit => ({ application: app.name, kind: app.kind, identifier: i.identifier, ...(i.displayName ? { identifierDisplayName: i.displayName } : {}) })),
  );
  return [...byName, ...configurations].slice(0, SEARCH_LIMIT);
}

/**
 * The service searches SSO names; BizTalk adapter applications are GUIDs that people know as
 * "SFTP adapter: send ports": those loaded in the tree are matched by that name here.
 */
function friendlyNameHits(apps: ApplicationInfo[], query: string, found: SearchHit[]): SearchHit[] {
  const q = query.trim().toLowerCase();
  return apps
    .filter((a) => applicationLabel(a) !== a.name && applicationLabel(a).toLowerCase().includes(q))
    .filter((a) => !found.some((h) => h.identifier === undefined && h.application === a.name))
    .slice(0, SEARCH_LIMIT)
    .map((a) => ({ application: a.name, kind: a.kind }));
}

/** A search hit named for people (names the tree or the backend know, else its SSO names); the SSO names in the detail. */
function toItem(hit: SearchHit): HitItem {
  const g = groupInfo(hit.kind);
  const { application, identifier } = searchHitLabels(hit);
  if (hit.identifier !== undefined) {
    const description = perKind(hit.kind, {
      adapter: () => vscode.l10n.t('port configuration of {0}', application),
      configStore: () => vscode.l10n.t('config-store entry of {0}', application),
      affiliate: () => vscode.l10n.t('mapping of {0}', application),
    });
    const item: HitItem = { label: identifier ?? hit.identifier, description, iconPath: new vscode.ThemeIcon('symbol-key'), hit, alwaysShow: true };
    if (identifier !== hit.identifier || application !== hit.application) item.detail = vscode.l10n.t('{0} of application {1}', hit.identifier, hit.application);
    return item;
  }
  const item: HitItem = { label: application, description: g.label, iconPath: new vscode.ThemeIcon(g.icon), hit, alwaysShow: true };
  if (application !== hit.application) item.detail = vscode.l10n.t('application {0}', hit.application);
  return item;
}
