// The explorer's tree provider in VS Code's extension host (real `vscode` API), over a stand-in
// connection that serves pages of configurations from memory (this is a unit test of the
// provider; the UI tests run it against the real SSO service). VS Code asks again for every child
// of a node and of its expanded descendants when the node is refreshed: "Load more…" turns into the
// folder of the page it loaded and only that node is refreshed; the nodes and their TreeItems must
// be the ones already built, and only a configuration that changed gets a new item.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { ConnectionManager } from '../../../src/connection/connectionManager';
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

/** Serves `apps.list` and keyset-paged `identifiers.list` from ROWS, as the service does. */
function standInConnection(rows: IdentifierInfo[] = ROWS): ConnectionManager {
  const never = new vscode.EventEmitter<void>();
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
    request: async (method: string, params: { cursor?: string; limit?: number; filter?: string }) => {
      requests.push(`${method} ${params.limit ?? ''}${params.filter ? ` ${params.filter}` : ''}`);
      if (method === 'apps.list') return page([APP], params.cursor, params.limit ?? 100);
      if (method === 'identifiers.list') return page(rows.filter((r) => !params.filter || r.identifier.includes(params.filter)), params.cursor, params.limit ?? 100);
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
      assert.deepEqual(requests.filter((r) => r.startsWith('identifiers.list')), ['identifiers.list 100', 'identifiers.list 100', 'identifiers.list 50']);
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
