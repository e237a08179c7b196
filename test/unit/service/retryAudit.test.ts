/**
 * A write refused by SSODB's secret fence (a restore was published after the service took its
 * secret) is retried once under the secret the MSS then hands out (secretChangeRetry.ts). Review 7
 * found such a write audited twice: a `refused ENTSSO_E_NO_SECRET` row for the first attempt and an
 * `ok` row for the retry, for one change. Here each write is audited once: the retry's outcome, or
 * one refusal when the retry is refused too.
 *
 * Real parts: an SQLite file, the MSS's SecretAuthority (vault, restore, publication under a
 * lease), the service's SsoOperations and SecretCache. The service's link to the MSS is a direct
 * call of the authority (what getSecrets answers); only the write's store call is held back, until
 * the restore is done, to place it in the race.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { ApplicationDetail, AuditPage } from '../../../src/protocol/messages';
import { SsoError } from '../../../src/protocol/errors';
import { generateMasterSecret } from '../../../src/ssoService/crypto/masterSecret';
import { encodeSsoFile } from '../../../src/ssoService/crypto/ssoFile';
import { SsoOperations } from '../../../src/ssoService/service/operations';
import { SecretCache } from '../../../src/ssoService/service/secretCache';
import { secretNotCurrent } from '../../../src/ssoService/ssodb/schema/storeErrors';
import { createSqliteStore } from '../../../src/ssoService/ssodb/sqliteStore';
import { APP, PASSWORD, setUp, type Setup } from './secretRestoreRace';

const ctx = { client: 'test' };
const scratch = mkdtempSync(join(tmpdir(), 'retry-audit-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

type StoreWrite = 'saveConfiguration' | 'applyApplicationChanges';

/** Runs `request`, whose first `write` to the store reaches SSODB only once the restore of X is published. */
async function landingAfterTheRestore(setup: Setup, write: StoreWrite, request: () => Promise<unknown>): Promise<unknown> {
  const store = setup.store as unknown as Record<StoreWrite, (...args: unknown[]) => Promise<unknown>>;
  const real = store[write].bind(setup.store);
  let held = true;
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  store[write] = async (...args) => {
    if (held) {
      held = false;
      await gate;
    }
    return real(...args);
  };
  const outcome = request().then(
    (result) => result,
    (err: unknown) => err,
  );
  await new Promise((resolve) => setImmediate(resolve));
  await setup.node.restore(setup.backupOfX, PASSWORD);
  release();
  return outcome;
}

async function auditRows(setup: Setup, action: string): Promise<Array<[string, string | undefined]>> {
  const page = (await setup.ops.handlers['audit.list']({ limit: 100 } as never, ctx)) as AuditPage;
  return page.items.filter((e) => e.action === action).map((e) => [e.outcome, e.detail]);
}

async function tearDown(setup: Setup): Promise<void> {
  await setup.node.stop();
  await setup.store.close();
}

const partner = { application: APP, identifier: 'Partner', fields: { Host: 'ftp.contoso.com', Password: 'pa55' }, expectedTimestamp: null };

test('config.set refused by the secret fence and saved by its retry: one audit row, ok', async () => {
  const setup = await setUp(scratch, 'set-ok', 'reachable');
  const saved = await landingAfterTheRestore(setup, 'saveConfiguration', () => setup.ops.handlers['config.set'](partner, ctx));
  assert.ok(!(saved instanceof Error), String(saved));
  assert.deepEqual((await auditRows(setup, 'config.set')).map(([outcome]) => outcome), ['ok'], 'one save, one audit row');
  await tearDown(setup);
});

test('config.set refused by the fence and by its retry too: one audit row, refused', async () => {
  const setup = await setUp(scratch, 'set-refused', 'unreachable after the restore');
  const saved = await landingAfterTheRestore(setup, 'saveConfiguration', () => setup.ops.handlers['config.set'](partner, ctx));
  assert.ok(saved instanceof SsoError && saved.code === 'ENTSSO_E_NO_SECRET', String(saved));
  assert.deepEqual(await auditRows(setup, 'config.set'), [['refused', 'ENTSSO_E_NO_SECRET']], 'one refusal, one audit row');
  await tearDown(setup);
});

test('config.setMany retried after the fence: one ok row per configuration written, no refusal', async () => {
  const setup = await setUp(scratch, 'set-many', 'reachable');
  const { fieldsVersion } = (await setup.ops.handlers['apps.get']({ name: APP }, ctx)) as ApplicationDetail;
  const writes = [{ identifier: 'Partner', expectedTimestamp: null, fields: { Host: 'a' } }, { identifier: 'Other', expectedTimestamp: null, fields: { Host: 'b' } }];
  const saved = await landingAfterTheRestore(setup, 'applyApplicationChanges', () => setup.ops.handlers['config.setMany']({ application: APP, expectedFieldsVersion: fieldsVersion!, writes }, ctx));
  assert.ok(!(saved instanceof Error), String(saved));
  assert.deepEqual(await auditRows(setup, 'config.setMany'), [], 'no refusal row for the first attempt');
  assert.deepEqual((await auditRows(setup, 'config.set')).map(([outcome]) => outcome), ['ok', 'ok']);
  await tearDown(setup);
});

test('apps.import retried after the fence: one ok row, no refusal', async () => {
  const setup = await setUp(scratch, 'import', 'reachable');
  const file = Buffer.from(encodeSsoFile({ Endpoint: 'https://contoso.example', Timeout: '30' }, PASSWORD)).toString('base64');
  const source = { file, format: 'sso' as const, password: PASSWORD, name: 'Contoso.Imported', mode: 'add' as const };
  const { expected } = await setup.ops.handlers['apps.planImport'](source, ctx);
  const imported = await landingAfterTheRestore(setup, 'applyApplicationChanges', () => setup.ops.handlers['apps.import']({ ...source, expected }, ctx));
  assert.ok(!(imported instanceof Error), String(imported));
  assert.deepEqual((await auditRows(setup, 'app.import')).map(([outcome]) => outcome), ['ok'], 'one import, one audit row');
  await tearDown(setup);
});

/**
 * Field changes: a restore over rows under the service's secret is refused (they would become
 * unreadable), so the race above cannot be set up for a change that rewrites rows. Here SSODB's
 * refusal is the store's own error, thrown by the real SQLite store's first applyApplicationChanges.
 */
test('apps.addField and apps.removeField refused once by the secret fence and made by the retry: one ok row each', async () => {
  const store = createSqliteStore({ file: join(scratch, 'fields.db') });
  await store.init();
  await store.createApplication({ name: APP, description: '', contact: '', userGroup: 'u', adminGroup: 'a', flags: 0, kind: 'configStore', fields: [{ label: 'Host', masked: false }, { label: 'Password', masked: true }] });
  const secret = generateMasterSecret();
  const cache = new SecretCache(60_000);
  cache.onSynced({ current: secret });
  let resyncs = 0;
  const ops = new SsoOperations(store, cache, async () => {
    throw new Error('no master secret server operations in this test');
  }, 'env-test', { resyncSecrets: async () => void resyncs++ });
  await ops.handlers['config.set'](partner, ctx);
  const apply = store.applyApplicationChanges.bind(store);
  let refuseNext = false;
  store.applyApplicationChanges = async (...args) => {
    if (refuseNext) {
      refuseNext = false;
      throw secretNotCurrent(secret.msid, '{00000000-0000-0000-0000-000000000001}');
    }
    return apply(...args);
  };
  const fieldsVersion = async () => ((await ops.handlers['apps.get']({ name: APP }, ctx)) as ApplicationDetail).fieldsVersion;
  refuseNext = true;
  await ops.handlers['apps.addField']({ name: APP, fields: [{ label: 'Port', masked: false }], expectedFieldsVersion: await fieldsVersion() }, ctx);
  refuseNext = true;
  await ops.handlers['apps.removeField']({ name: APP, fields: ['Port'], expectedFieldsVersion: await fieldsVersion() }, ctx);
  assert.equal(resyncs, 2, 'each change was refused once and retried');
  const rows = async (action: string) => ((await ops.handlers['audit.list']({ limit: 100 } as never, ctx)) as AuditPage).items.filter((e) => e.action === action).map((e) => e.outcome);
  assert.deepEqual(await rows('app.addField'), ['ok']);
  assert.deepEqual(await rows('app.removeField'), ['ok']);
  await store.close();
});
