// The explorer's tree provider in VS Code's extension host (real `vscode` API), over a stand-in
// connection that serves pages of configurations from memory (this is a unit test of the
// provider; the UI tests run it against the real SSO service). VS Code asks again for every child
// of a node and of its expanded descendants when the node is refreshed: "Load more…" turns into the
// folder of the page it loaded and only that node is refreshed; the nodes and their TreeItems must
// be the ones already built, and only a configuration that changed gets a new item.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { ConnectionManager } from '../../../src/connection/connectionManager';
import { SsoError } from '../../../src/protocol/errors';
import type { ApplicationInfo, IdentifierInfo } from '../../../src/protocol/messages';
import { ApplicationsTreeProvider, type ExplorerNode } from '../../../src/views/applicationsTree';

const ENV = 'stand-in';
const APP: ApplicationInfo = {
  name: 'Contoso.Big',
  description: 'Many entries',
  contact: '',
  userGroup: 'SSO Affiliate Administrators',
  adminGroup: 'SSO Administrators',
  flags: 0,
  kind: 'configStore',
  enabled: true,
  numFields: 1,
  identifierCount: 250,
};
const ROWS: IdentifierInfo[] = Array.from({ length: 250 }, (_, i) => ({ application: APP.name, identifier: `Entry${String(i).padStart(3, '0')}`, timestamp: `t${i}`, modifiedAt: 1_700_000_000_000 + i }));

/** What a stand-in connection serves besides ROWS: other applications, a reply held back, a failure. */
interface StandInOptions {
  apps?: ApplicationInfo[];
  /** While set, `identifiers.list` answers only when this promise settles (a slow service). */
  hold?: Promise<void>;
  /** How many `identifiers.list` requests fail before one is answered. */
  failures?: number;
}

/** Serves `apps.list`, `apps.get` and keyset-paged `identifiers.list` from memory, as the service does. */
function standInConnection(rows: IdentifierInfo[] = ROWS, options: StandInOptions = {}): ConnectionManager {
  const never = new vscode.EventEmitter<void>();
  const apps = () => options.apps ?? [APP];
  const page = <T>(items: T[], cursor: string | undefined, limit: number) => {
    const from = cursor ? Number(cursor) : 0;
    const next = from + limit;
    return { items: items.slice(from, next), ...(next < items.length ? { nextCursor: String(next) } : {}) };
  };
  const connection = {
    environment: { name: ENV, socketPath: '/nowhere', tokenFile: '' },
    state: undefined,
    onDidChange: never.event,
    onDidConnect: never.event,
    onDidChangeEnvironment: never.event,
    statusInput: () => undefined,
    request: async (method: string, params: { application?: string; name?: string; cursor?: string; limit?: number; filter?: string }) => {
      requests.push(`${method} ${params.limit ?? ''}${params.filter ? ` ${params.filter}` : ''}`);
      if (method === 'apps.list') return page(apps(), params.cursor, params.limit ?? 100);
      if (method === 'apps.get') {
        const app = apps().find((a) => a.name === params.name);
        if (!app) throw new SsoError('ENTSSO_E_APPLICATION_NOT_FOUND', `There is no application "${params.name}".`);
        return { ...app, fields: [], fieldsVersion: '' };
      }
      if (method === 'identifiers.list') {
        if (options.hold) await options.hold;
        if (options.failures) {
          options.failures--;
          throw new SsoError('ENTSSO_E_TIMEOUT', 'The SSO service did not answer in time.');
        }
        const ofApp = rows.filter((r) => r.application === params.application && (!params.filter || r.identifier.includes(params.filter)));
        return page(ofApp, params.cursor, params.limit ?? 100);
      }
      throw new Error(`the stand-in does not serve ${method}`);
    },
  };
  return connection as unknown as ConnectionManager;
}

/** The requests the stand-in served, "method limit [filter]". */
const requests: string[] = [];

/** What the provider asked VS Code to refresh (undefined: the whole tree). */
function refreshed(tree: ApplicationsTreeProvider): (ExplorerNode | undefined)[] {
  const fired: (ExplorerNode | undefined)[] = [];
  tree.onDidChangeTreeData((node) => fired.push(node));
  return fired;
}

async function applicationNode(tree: ApplicationsTreeProvider): Promise<ExplorerNode> {
  const [env] = await tree.getChildren();
  const [group] = await tree.getChildren(env);
  const [app] = await tree.getChildren(group);
  assert.equal(app?.type, 'application');
  return app as ExplorerNode;
}

suite('Explorer tree: nodes and items kept across "Load more…"; each page a folder of its own', () => {
  const log = vscode.window.createOutputChannel('Enterprise SSO tree test', { log: true });
  suiteTeardown(() => log.dispose());

  test('the configurations already shown keep their node and TreeItem; a written one gets a new item', async () => {
    const tree = new ApplicationsTreeProvider(standInConnection(), log);
    try {
      const app = await applicationNode(tree);
      const first = await tree.getChildren(app);
      assert.equal(first.length, 101, 'a page of 100 (entsso.pageSize) and "Load more…"');
      const items = first.map((n) => tree.getTreeItem(n));
      assert.equal(items[0]?.contextValue, 'type=configuration,kind=configStore');
      assert.equal(items[100]?.contextValue, 'type=loadMore');

      const fired = refreshed(tree);
      const page = await tree.loadMore(first[100] as ExplorerNode);
      assert.ok(fired.length === 1 && fired[0] === first[100], 'only the "Load more…" node is refreshed: VS Code does not ask again for the page before');
      assert.strictEqual(page, first[100], 'the "Load more…" node became the folder of its page');
      const second = await tree.getChildren(app);
      assert.equal(second.length, 101, 'the application still holds the first page and the folder');
      for (let i = 0; i < 101; i++) assert.strictEqual(second[i], first[i], `node ${i} kept`);
      for (let i = 0; i < 100; i++) assert.strictEqual(tree.getTreeItem(second[i] as ExplorerNode), items[i], `item ${i} kept, not built again`);
      const folder = tree.getTreeItem(page as ExplorerNode);
      assert.equal(folder.label, 'Config-store entries 101–200');
      assert.equal(folder.collapsibleState, vscode.TreeItemCollapsibleState.Expanded);
      assert.equal(folder.contextValue, 'type=page,kind=configStore');
      assert.equal(folder.command, undefined);
      const inPage = await tree.getChildren(page as ExplorerNode);
      assert.deepEqual([inPage.length, (inPage[0] as { info?: IdentifierInfo }).info?.identifier], [101, 'Entry100']);
      assert.equal(tree.getTreeItem(inPage[100] as ExplorerNode).label, 'Load more… (200 of 250 config-store entries shown)');
      assert.strictEqual(tree.getParent(inPage[0] as ExplorerNode), page, 'a configuration of the page is found under its folder (reveal, Find)');
      assert.strictEqual(tree.getParent(page as ExplorerNode), app);
      assert.strictEqual(tree.getParent(inPage[100] as ExplorerNode), page);

      tree.noteWritten(ENV, { ...(ROWS[0] as IdentifierInfo), timestamp: 't-new', modifiedAt: 1_800_000_000_000 });
      const third = await tree.getChildren(app);
      assert.notStrictEqual(tree.getTreeItem(third[0] as ExplorerNode), items[0], 'the written configuration shows its new time');
      assert.strictEqual(tree.getTreeItem(third[1] as ExplorerNode), items[1], 'the others are kept');
    } finally {
      tree.dispose();
    }
  });

  test('a double click on "Load more…" (its command runs twice) loads one page', async () => {
    const tree = new ApplicationsTreeProvider(standInConnection(), log);
    try {
      const app = await applicationNode(tree);
      const more = (await tree.getChildren(app))[100] as ExplorerNode;
      const [a, b] = await Promise.all([tree.loadMore(more), tree.loadMore(more)]);
      assert.ok(a === more && b === more);
      const inPage = await tree.getChildren(more);
      assert.equal(inPage.length, 101);
      assert.equal(tree.getTreeItem(inPage[100] as ExplorerNode).label, 'Load more… (200 of 250 config-store entries shown)');
    } finally {
      tree.dispose();
    }
  });

  test('a refresh loads the same pages again, each in its folder', async () => {
    const tree = new ApplicationsTreeProvider(standInConnection(), log);
    try {
      const app = await applicationNode(tree);
      const page1 = (await tree.getChildren(app))[100] as ExplorerNode;
      await tree.loadMore(page1);
      const page2 = (await tree.getChildren(page1))[100] as ExplorerNode;
      assert.strictEqual(await tree.loadMore(page2), page2);
      assert.equal((await tree.getChildren(page2)).length, 50, 'the last page, with no "Load more…" after it');
      assert.equal(tree.getTreeItem(page2).label, 'Config-store entries 201–250');

      requests.length = 0;
      tree.refresh();
      tree.refresh(); // twice before it is shown again (e.g. collapsed, and the service reconnected)
      const again = await tree.getChildren(await applicationNode(tree));
      // The pages before the last as they were; the last a full page, for what was added since.
      assert.deepEqual(requests.filter((r) => r.startsWith('identifiers.list')), ['identifiers.list 100', 'identifiers.list 100', 'identifiers.list 100']);
      const [page1Again] = again.slice(100);
      assert.equal(page1Again?.id, page1.id, 'same id: VS Code keeps the folder expanded');
      assert.equal(tree.getTreeItem(page1Again as ExplorerNode).label, 'Config-store entries 101–200');
      const inPage1 = await tree.getChildren(page1Again as ExplorerNode);
      assert.equal(inPage1.length, 101);
      assert.equal(inPage1[100]?.id, page2.id);
      assert.equal((await tree.getChildren(inPage1[100] as ExplorerNode)).length, 50);
    } finally {
      tree.dispose();
    }
  });

  test('a configuration found beyond the pages loaded moves into the page it belongs to', async () => {
    const tree = new ApplicationsTreeProvider(standInConnection(), log);
    try {
      const app = await applicationNode(tree);
      await tree.getChildren(app);
      const found = (await tree.ensureIdentifier(APP.name, 'Entry240')) as ExplorerNode;
      assert.strictEqual(tree.getParent(found), app, 'shown after the first page until its page is loaded');
      const fired = refreshed(tree);
      const page1 = (await tree.loadMore((await tree.getChildren(app))[101] as ExplorerNode)) as ExplorerNode;
      assert.deepEqual(fired, [app], 'the application no longer shows it: it is refreshed');
      assert.strictEqual(tree.getParent(found), page1);
      const page2 = (await tree.getChildren(page1))[101] as ExplorerNode;
      assert.equal(tree.getTreeItem(page2).label, 'Load more… (201 of 250 config-store entries shown)');
      await tree.loadMore(page2);
      assert.strictEqual(tree.getParent(found), page2);
      assert.equal((await tree.getChildren(page2)).length, 50);
    } finally {
      tree.dispose();
    }
  });

  test('the nodes of a list are forgotten with it: after a refresh none is held for a configuration deleted elsewhere', async () => {
    const rows = [...ROWS];
    const tree = new ApplicationsTreeProvider(standInConnection(rows), log);
    try {
      const showAll = async () => {
        let container = await applicationNode(tree);
        for (;;) {
          const children = await tree.getChildren(container);
          const last = children[children.length - 1];
          if (last?.type !== 'page') return;
          await tree.loadMore(last); // a folder already loaded (after the refresh) stays as it is
          container = last;
        }
      };
      await showAll();
      const before = tree.keptNodeCount;
      rows.splice(0, 100); // deleted elsewhere (another administrator, ssoctl)
      tree.refresh();
      await showAll();
      assert.equal(tree.keptNodeCount, before - 101, '100 configurations and one page fewer are held');
      await tree.refreshNode(await applicationNode(tree));
      assert.equal(tree.keptNodeCount, before - 101 - 151, 'Refresh of the application forgets its list and its nodes until shown again');
    } finally {
      tree.dispose();
    }
  });
});

/** An application of `count` configurations (rows given separately: the stand-in serves what is in them now). */
function appOf(name: string, count: number): ApplicationInfo {
  return { ...APP, name, identifierCount: count };
}

function rowsOf(application: string, identifiers: string[]): IdentifierInfo[] {
  return identifiers.map((identifier, i) => ({ application, identifier, timestamp: `t${i}`, modifiedAt: 1_700_000_000_000 + i }));
}

/** What an application shows: its configurations' identifiers, then the type of the node that ends the list. */
async function shown(tree: ApplicationsTreeProvider, app: ExplorerNode): Promise<string[]> {
  return (await tree.getChildren(app)).map((n) => (n.type === 'identifier' ? n.info.identifier : n.type));
}

suite('Explorer tree: a refresh shows at least a page of what is there now; a refresh during a load; ids', () => {
  const log = vscode.window.createOutputChannel('Enterprise SSO tree refresh test', { log: true });
  suiteTeardown(() => log.dispose());

  test('configurations added elsewhere since the list was shown in full all appear after a refresh, without "Load more…"', async () => {
    const rows = rowsOf(APP.name, ['A1', 'A2']);
    const tree = new ApplicationsTreeProvider(standInConnection(rows), log);
    try {
      assert.deepEqual(await shown(tree, await applicationNode(tree)), ['A1', 'A2']);
      rows.push(...rowsOf(APP.name, ['A3', 'A4', 'A5']));
      tree.refresh();
      assert.deepEqual(await shown(tree, await applicationNode(tree)), ['A1', 'A2', 'A3', 'A4', 'A5']);
      await tree.refreshNode(await applicationNode(tree)); // and it stays so
      rows.push(...rowsOf(APP.name, ['A6']));
      tree.refresh();
      assert.deepEqual(await shown(tree, await applicationNode(tree)), ['A1', 'A2', 'A3', 'A4', 'A5', 'A6']);
    } finally {
      tree.dispose();
    }
  });

  test('an application that had no configuration shows all those added since after a refresh', async () => {
    const rows: IdentifierInfo[] = [];
    const tree = new ApplicationsTreeProvider(standInConnection(rows), log);
    try {
      assert.deepEqual(await shown(tree, await applicationNode(tree)), ['empty']);
      rows.push(...rowsOf(APP.name, ['B1', 'B2', 'B3']));
      tree.refresh();
      assert.deepEqual(await shown(tree, await applicationNode(tree)), ['B1', 'B2', 'B3']);
    } finally {
      tree.dispose();
    }
  });

  test('an application the ENTSSO bridge did not count can be expanded when it may hold configurations (not an affiliate one)', async () => {
    const uncounted = { ...APP, identifierCount: 0, identifierCountUnknown: true };
    for (const [kind, expected] of [['configStore', vscode.TreeItemCollapsibleState.Collapsed], ['adapter', vscode.TreeItemCollapsibleState.Collapsed], ['affiliate', vscode.TreeItemCollapsibleState.None]] as const) {
      const tree = new ApplicationsTreeProvider(standInConnection(ROWS, { apps: [{ ...uncounted, kind }] }), log);
      try {
        const [env] = await tree.getChildren();
        const [group] = await tree.getChildren(env);
        const app = (await tree.getChildren(group)).find((n) => n.type === 'application') ?? (await tree.getChildren((await tree.getChildren(group))[0]))[0];
        assert.equal(app?.type, 'application', kind);
        assert.equal(tree.getTreeItem(app!).collapsibleState, expected, kind);
      } finally {
        tree.dispose();
      }
    }
  });

  test('"Refresh" of an application whose first load failed loads a full page', async () => {
    const rows = rowsOf(APP.name, ['C1', 'C2', 'C3']);
    const tree = new ApplicationsTreeProvider(standInConnection(rows, { failures: 1 }), log);
    try {
      const app = await applicationNode(tree);
      assert.deepEqual(await shown(tree, app), ['error']);
      await tree.refreshNode(app);
      assert.deepEqual(await shown(tree, await applicationNode(tree)), ['C1', 'C2', 'C3']);
    } finally {
      tree.dispose();
    }
  });

  test('a page whose reply arrives after a refresh is dropped: "Load more…" answers no folder to reveal, the new list is left as loaded', async () => {
    let release = () => {};
    const options: StandInOptions = {};
    const tree = new ApplicationsTreeProvider(standInConnection(ROWS, options), log);
    try {
      const more = (await tree.getChildren(await applicationNode(tree)))[100] as ExplorerNode;
      options.hold = new Promise<void>((resolve) => (release = resolve));
      const loading = tree.loadMore(more);
      tree.refresh();
      release();
      assert.equal(await loading, undefined, 'no page of the new list (not loaded, not shown) to reveal');
      options.hold = undefined;
      const again = await tree.getChildren(await applicationNode(tree));
      assert.equal(again.length, 101);
      assert.equal(tree.getTreeItem(again[100] as ExplorerNode).label, 'Load more… (100 of 250 config-store entries shown)');
    } finally {
      release();
      tree.dispose();
    }
  });

  test('a page whose reply arrives after its application was deleted elsewhere leaves nothing of it behind', async () => {
    let release = () => {};
    const options: StandInOptions = { apps: [APP] };
    const tree = new ApplicationsTreeProvider(standInConnection(ROWS, options), log);
    try {
      const app = await applicationNode(tree);
      const more = (await tree.getChildren(app))[100] as ExplorerNode;
      options.hold = new Promise<void>((resolve) => (release = resolve));
      const loading = tree.loadMore(more);
      options.apps = [];
      await tree.refreshNode(app);
      release();
      assert.equal(await loading, undefined);
      assert.equal(tree.keptNodeCount, 2, 'the environment and the group, nothing of the deleted application');
    } finally {
      release();
      tree.dispose();
    }
  });

  test('names with ":" give distinct node ids ("a:b" + "c" and "a" + "b:c")', async () => {
    const apps = [appOf('Ids:b', 1), appOf('Ids', 1)];
    const rows = [...rowsOf('Ids:b', ['c']), ...rowsOf('Ids', ['b:c'])];
    const tree = new ApplicationsTreeProvider(standInConnection(rows, { apps }), log);
    try {
      const [env] = await tree.getChildren();
      const [group] = await tree.getChildren(env);
      const appNodes = await tree.getChildren(group);
      assert.equal(appNodes.length, 2);
      const configurations = (await Promise.all(appNodes.map((a) => tree.getChildren(a)))).flat();
      assert.deepEqual(configurations.map((n) => n.type), ['identifier', 'identifier']);
      const ids = configurations.map((n) => tree.getTreeItem(n).id);
      assert.equal(new Set(ids).size, 2, `two distinct ids, not ${JSON.stringify(ids)}`);
    } finally {
      tree.dispose();
    }
  });
});
