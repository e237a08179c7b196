// The explorer's tree provider in VS Code's extension host (real `vscode` API), over a stand-in
// connection that serves pages of configurations from memory (this is a unit test of the
// provider; the UI tests run it against the real SSO service). VS Code asks again for every child
// of a node at each "Load more…" under it: the nodes and their TreeItems must be the ones already
// built, and only a configuration that changed gets a new item.
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
function standInConnection(): ConnectionManager {
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
    request: async (method: string, params: { cursor?: string; limit?: number }) => {
      if (method === 'apps.list') return page([APP], params.cursor, params.limit ?? 100);
      if (method === 'identifiers.list') return page(ROWS, params.cursor, params.limit ?? 100);
      throw new Error(`the stand-in does not serve ${method}`);
    },
  };
  return connection as unknown as ConnectionManager;
}

async function applicationNode(tree: ApplicationsTreeProvider): Promise<ExplorerNode> {
  const [env] = await tree.getChildren();
  const [group] = await tree.getChildren(env);
  const [app] = await tree.getChildren(group);
  assert.equal(app?.type, 'application');
  return app as ExplorerNode;
}

suite('Explorer tree: nodes and items kept across "Load more…"', () => {
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

      await tree.loadMore(first[100] as ExplorerNode);
      const second = await tree.getChildren(app);
      assert.equal(second.length, 201);
      for (let i = 0; i < 100; i++) {
        assert.strictEqual(second[i], first[i], `node ${i} kept`);
        assert.strictEqual(tree.getTreeItem(second[i] as ExplorerNode), items[i], `item ${i} kept, not built again`);
      }
      assert.equal(tree.getTreeItem(second[200] as ExplorerNode).label, 'Load more… (200 of 250 config-store entries shown)');

      tree.noteWritten(ENV, { ...(ROWS[0] as IdentifierInfo), timestamp: 't-new', modifiedAt: 1_800_000_000_000 });
      const third = await tree.getChildren(app);
      assert.notStrictEqual(tree.getTreeItem(third[0] as ExplorerNode), items[0], 'the written configuration shows its new time');
      assert.strictEqual(tree.getTreeItem(third[1] as ExplorerNode), items[1], 'the others are kept');
    } finally {
      tree.dispose();
    }
  });
});
