/**
 * The window a restore's intent closes (mss/restoreIntent.ts): the MSS serves a fresh secret B, the
 * administrator restores a backup of the real secret X (which drops B). The restore counts the rows
 * under secrets the backup lacks (none), then switches and publishes X. A save under B that lands
 * between that count and the publication was accepted by the fence (SSODB still named B) and,
 * once X was published, left under a secret no node holds. Now the restore names the secrets it
 * keeps in SSODB before counting, and the fence refuses that save: the service retries once
 * (the MSS still hands out B: the restore is not published), then tells the user to save again in
 * a moment; saved again after the restore, it lands under X.
 *
 * Real parts: an SQLite file, the MSS's SecretAuthority, the service's SsoOperations and
 * SecretCache (the fixture secretRestoreRace.ts). The save is made from inside the restore's row
 * count, once it is done, to place it in the window.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { AuditPage } from '../../../src/protocol/messages';
import { SsoError } from '../../../src/protocol/errors';
import { APP, PASSWORD, setUp } from './secretRestoreRace';

const ctx = { client: 'test' };
const scratch = mkdtempSync(join(tmpdir(), 'save-during-restore-count-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

const partner = { application: APP, identifier: 'Partner', fields: { Host: 'ftp.contoso.com', Password: 'pa55' }, expectedTimestamp: null };

test('a save under the secret a restore drops, landing between its row count and its publication, is refused and leaves no row under it', async () => {
  const setup = await setUp(scratch, 'window', 'reachable');
  const { store, node, ops, cache } = setup;
  const b = cache.secretForEncryption().msid;
  cache.mssName = 'mss01:5780';
  const writes: string[] = [];
  const save = store.saveConfiguration!.bind(store);
  store.saveConfiguration = async (app, identifier, expected, compose) => {
    writes.push(identifier);
    return save(app, identifier, expected, compose);
  };
  const count = store.countRowsBySecret.bind(store);
  let saved: unknown;
  let switchingDuringCount: string | null | undefined;
  store.countRowsBySecret = async (except) => {
    const counted = await count(except);
    if (saved === undefined) {
      switchingDuringCount = (await store.getGlobalInfo()).switchingMsids;
      saved = await ops.handlers['config.set'](partner, ctx).then((result) => result, (err: unknown) => err ?? 'undefined');
    }
    return counted;
  };
  await node.restore(setup.backupOfX, PASSWORD);
  const x = node.secrets().current.msid;
  assert.notEqual(x, b);
  assert.equal(switchingDuringCount, x, 'the restore named the secrets it keeps before counting');
  assert.ok(saved instanceof SsoError, `the save in the window is refused: ${String(saved)}`);
  assert.equal(saved.code, 'ENTSSO_E_NO_SECRET');
  assert.equal(saved.details.msid, b);
  assert.match(saved.message, /A master secret restore is in progress on the master secret server mss01:5780: .*Nothing was written\. Make the change again in a moment/);
  assert.equal(writes.length, 2, 'one retry after the re-synchronisation, no more');
  assert.equal(await store.getCredentials(APP, 'Partner'), undefined, `no row under ${b}, which no node holds now`);
  assert.deepEqual((await store.countRowsBySecret(x)).filter((c) => c.rows > 0), [], 'nothing under a secret other than X');
  const page = (await ops.handlers['audit.list']({ limit: 100 } as never, ctx)) as AuditPage;
  assert.deepEqual(page.items.filter((e) => e.action === 'config.set').map((e) => [e.outcome, e.detail]), [['refused', 'ENTSSO_E_NO_SECRET']], 'one change, one audit row');

  assert.equal((await store.getGlobalInfo()).switchingMsids, null, 'the publication cleared the intent');
  await ops.handlers['config.set'](partner, ctx);
  assert.equal((await store.getCredentials(APP, 'Partner'))?.msid, x, 'saved again after the restore: under X');
  await node.stop();
  await store.close();
});
