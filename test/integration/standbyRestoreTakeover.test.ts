/**
 * A restore whose publication in SSODB failed, then the death of the node that made it: the
 * standby that copied the restored secret takes over under the same rule as the restoring node
 * (it publishes the restored secret only while SSODB still names the one the restore replaced).
 * Real MSS processes, a real SSO service and the real SQLite file. The publication fails for
 * real: a trigger in the SSODB file refuses any change of the current secret's id (SQLite's
 * RAISE(ABORT)), as a database would refuse a write; dropping it is the fault being mended.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import nodeSqlite3Wasm from 'node-sqlite3-wasm';
import { newMsid } from '../../src/ssoService/crypto/masterSecret';
import { openStore } from '../../src/ssoService/ssodb/openStore';
import { type Daemon, TestEnvironment, waitForState, waitUntil } from './harness';

const PASSWORD = 'correct horse battery staple 42';
const LEASE = ['--lease-ttl-ms', '2000'];
/** Lease expiry, a renewal and the grace period, with room for a slow machine. */
const TAKEOVER_MS = 15_000;
const RESTORE_RECORD = 'restore-unpublished.json';

/**
 * Raw SQL on the live file. The library takes the file's lock without waiting, and a node killed
 * mid-transaction leaves it until a store breaks it: tried again until it is free.
 */
async function inSsodb(t: TestEnvironment, sql: string): Promise<void> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const db = new nodeSqlite3Wasm.Database(t.ssodbFile);
    try {
      db.exec(sql);
      return;
    } catch (error) {
      if (!/database is locked/.test(String(error)) || Date.now() > deadline) throw error;
    } finally {
      db.close();
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

async function withStore<T>(t: TestEnvironment, use: (store: Awaited<ReturnType<typeof openStore>>) => Promise<T>): Promise<T> {
  const store = await openStore({ kind: 'sqlite', file: t.ssodbFile });
  try {
    return await use(store);
  } finally {
    await store.close();
  }
}

function currentMsid(t: TestEnvironment): Promise<string | null> {
  return withStore(t, async (store) => (await store.getGlobalInfo()).currentMsid);
}

/** The restore's intent (mss/restoreIntent.ts): the secrets saves may use until it is published. */
function switchingMsids(t: TestEnvironment): Promise<string | null> {
  return withStore(t, async (store) => (await store.getGlobalInfo()).switchingMsids);
}

const refusePublication = (t: TestEnvironment) =>
  inSsodb(
    t,
    `CREATE TRIGGER test_refuses_publication BEFORE UPDATE OF gi_CurrentMsid ON SSOX_GlobalInfo
     WHEN NEW.gi_CurrentMsid IS NOT OLD.gi_CurrentMsid BEGIN SELECT RAISE(ABORT, 'publication refused by the test'); END`,
  );

/**
 * Node A (active) and node B (standby), one service. A backs up secret S0, rotates to S1 (no
 * configuration yet, so nothing is under S0), then restores the backup of S0 while SSODB refuses
 * the publication: A's vault holds S0, SSODB still names S1. The service, synced from A, saves
 * configurations under S0; B copies S0 and A's record of the restore.
 */
async function restoreLeftUnpublishedOnActive(environments: TestEnvironment[]): Promise<{ t: TestEnvironment; a: Daemon; b: Daemon; restored: string; values: Map<string, string> }> {
  const t = TestEnvironment.create({ syncIntervalSeconds: 1 });
  environments.push(t);
  const a = await t.startMss(LEASE);
  const b = t.spawnRole('mss', ['--mss-port', '0', '--vault-dir', join(t.dir, 'mss-b'), ...LEASE]);
  await b.waitForLog(/ssod\[\d+\] ready$/);
  await t.startService();
  const c = await t.client();
  await c.request('apps.create', { name: 'Standby.App', kind: 'configStore', fields: [{ label: 'A', masked: false }, { label: 'B', masked: true }] });

  const s0Backup = join(t.dir, '..', 's0.backup');
  const backup = t.ssoctl(['secret', 'backup', '--file', s0Backup, '--password-stdin', '--json'], PASSWORD + '\n');
  assert.equal(backup.code, 0, backup.stderr);
  const restored = (await currentMsid(t))!;
  const generated = t.ssoctl(['secret', 'generate', '--file', join(t.dir, '..', 's1.backup'), '--password-stdin', '--json'], PASSWORD + '\n');
  assert.equal(generated.code, 0, generated.stderr);
  const replaced = JSON.parse(generated.stdout).msid as string;
  await b.waitForLog(new RegExp(`standby now holds master secret ${escape(replaced)}`));

  await refusePublication(t);
  const restore = t.ssoctl(['secret', 'restore', '--file', s0Backup, '--password-stdin'], PASSWORD + '\n');
  assert.notEqual(restore.code, 0, 'the restore reports that its publication failed');
  assert.equal(await currentMsid(t), replaced, 'SSODB still names the secret the restore replaced');
  assert.equal(await switchingMsids(t), restored, 'the restore\'s intent stays until its publication: no save under the secret it drops');

  await waitUntil(async () => (await c.request('status', {})).msid === restored, 10_000, () => 'the service did not get the restored secret from node A');
  const values = new Map<string, string>();
  for (let i = 0; i < 5; i++) {
    await c.request('config.set', { application: 'Standby.App', identifier: `cfg-${i}`, fields: { A: `a${i}`, B: `secret ${i}` }, expectedTimestamp: null });
    values.set(`cfg-${i}`, `secret ${i}`);
  }
  assert.equal(await withStore(t, (store) => store.countRowsNotUnder(restored)), 0, 'the configurations are encrypted under the restored secret');
  await b.waitForLog(new RegExp(`standby now holds master secret ${escape(restored)}`));
  return { t, a, b, restored, values };
}

function escape(msid: string): string {
  return msid.replace(/[{}]/g, '\\$&');
}

describe('a standby that synced a restored secret whose publication failed', () => {
  const environments: TestEnvironment[] = [];
  after(async () => {
    for (const t of environments) await t.dispose();
  });

  test('takes over when the restoring node dies, publishes the restored secret, and the configurations saved under it stay readable', async () => {
    const { t, a, b, restored, values } = await restoreLeftUnpublishedOnActive(environments);
    // The "standby now holds" line comes before the record is written: wait for the record itself.
    await waitUntil(() => existsSync(join(t.dir, 'mss-b', RESTORE_RECORD)), 10_000, () => 'node B did not keep node A\'s record of the restore');
    const killedAt = Date.now();
    await a.kill('SIGKILL');
    await inSsodb(t, 'DROP TRIGGER IF EXISTS test_refuses_publication'); // the database accepts writes again
    await b.waitForLog(/was restored here and not yet published in SSODB .*: publishing it/, TAKEOVER_MS);
    await waitUntil(async () => (await currentMsid(t)) === restored, TAKEOVER_MS, () => `SSODB does not name the restored secret; node B's log:\n${b.log.join('\n')}`);
    const publishedMs = Date.now() - killedAt;
    assert.equal(await switchingMsids(t), null, 'the intent node A left is cleared by the publication of the node that took over');
    // Until it took over, B could not reach A, and said so.
    assert.ok(b.log.some((line) => /standby could not copy the secrets from the active node: [A-Z_]+/.test(line)), `node B's log:\n${b.log.join('\n')}`);

    // A fresh service holds no cached secret: it reads only through the node that took over.
    await t.service!.kill('SIGKILL');
    await t.startService();
    const c = await t.client();
    await waitForState(c, 'ready', 10_000);
    const status = await c.request('status', {});
    assert.equal(status.msid, restored);
    assert.notEqual(status.mssName, `127.0.0.1:${t.env.config.mss.port}`, 'served by node B');
    for (const [identifier, secret] of values) {
      const doc = await c.request('config.get', { application: 'Standby.App', identifier, reveal: true });
      assert.equal(doc.fields.B, secret, identifier);
    }
    console.log(`# standby took over an unpublished restore: restored secret published ${publishedMs} ms after SIGKILL of the restoring node (lease TTL 2 s), ${values.size} configurations read through a fresh service`);
  });

  test('refuses, and publishes nothing, once SSODB names another secret than the one the restore replaced', async () => {
    const { t, a, b, restored } = await restoreLeftUnpublishedOnActive(environments);
    await waitUntil(() => existsSync(join(t.dir, 'mss-b', RESTORE_RECORD)), 10_000, () => 'node B did not keep node A\'s record of the restore');
    await a.kill('SIGKILL');
    // Before B's lease: as if another node had published a newer secret meanwhile.
    const newer = newMsid();
    await inSsodb(t, `BEGIN IMMEDIATE; DROP TRIGGER IF EXISTS test_refuses_publication; UPDATE SSOX_GlobalInfo SET gi_CurrentMsid = '${newer}'; COMMIT`);
    await b.waitForLog(new RegExp(`holds master secret ${escape(restored)} but SSODB says ${escape(newer)} is current`), TAKEOVER_MS);
    assert.equal(await currentMsid(t), newer, 'the restored secret was not published over the newer one');
    assert.ok(!existsSync(join(t.dir, 'mss-b', RESTORE_RECORD)), 'the stale record is dropped');
  });
});
