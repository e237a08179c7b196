/**
 * Compare and copy across environments (issue 15) with TWO environments side by side, each its
 * own MSS, SSO service and SQLite SSODB as real processes, through the client library and ssoctl:
 * - compare shows exactly the planted differences (definitions, configurations on one side only,
 *   fields that differ, masked fields equal / different / empty);
 * - no masked value appears in any reply the client got, in either service's log, in the diff
 *   documents or in ssoctl's output; the comparison key is in no audit row;
 * - a copy lands in one transaction (masked values copied or kept as chosen, the replaced
 *   versions kept in history) and is refused, writing nothing, after a change behind its preview.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { SsoError } from '../../src/protocol/errors';
import type { MethodName } from '../../src/protocol/messages';
import type { SsoClient } from '../../src/ssoClient/client';
import { compareApplication, compareFields, sideDocument } from '../../src/model/environmentComparison';
import { copyWrites, newComparisonKey, previewCopy, readSideOfApplication, writeCopy, type EnvironmentSide } from '../../src/model/crossEnvironment';
import { ssoctl, TestEnvironment } from './harness';

const APP = 'Cmp.Ports';
const DEFS = 'Cmp.Defs';
const DEV_ONLY_APP = 'Cmp.DevOnly';
const SECRET = 'Shared-S3cret-pw!';
const DEV_SECRET = 'Dev-Only-S3cret-pw!';
const PROD_SECRET = 'Prod-Only-S3cret-pw!';
const SECRETS = [SECRET, DEV_SECRET, PROD_SECRET];
const FIELDS = [
  { label: 'Url', masked: false },
  { label: 'User', masked: false },
  { label: 'Password', masked: true },
];

/** Every reply a side's client got, as JSON: what the "client's messages" are. */
function recordingSide(name: string, client: SsoClient, seen: string[]): EnvironmentSide {
  return {
    name,
    serves: (_method: MethodName) => true,
    request: async (method, params) => {
      const result = await client.request(method, params);
      seen.push(JSON.stringify(result));
      return result;
    },
  };
}

function assertNoSecretIn(what: string, texts: string[]): void {
  for (const text of texts) for (const secret of SECRETS) assert.ok(!text.includes(secret), `${what} holds a masked value`);
}

describe('compare and copy across two environments (real processes)', () => {
  let dev: TestEnvironment;
  let prod: TestEnvironment;
  let devClient: SsoClient;
  let prodClient: SsoClient;
  const replies: string[] = [];
  let devSide: EnvironmentSide;
  let prodSide: EnvironmentSide;

  const put = (c: SsoClient, application: string, identifier: string, fields: Record<string, string>) => c.request('config.set', { application, identifier, fields, expectedTimestamp: null });

  before(async () => {
    [dev, prod] = await Promise.all([TestEnvironment.started(), TestEnvironment.started()]);
    [devClient, prodClient] = await Promise.all([dev.client(), prod.client()]);
    devSide = recordingSide('dev', devClient, replies);
    prodSide = recordingSide('prod', prodClient, replies);
    for (const c of [devClient, prodClient]) await c.request('apps.create', { name: APP, kind: 'configStore', fields: FIELDS });
    const both = async (identifier: string, devValues: Record<string, string>, prodValues: Record<string, string>) => {
      await put(devClient, APP, identifier, devValues);
      await put(prodClient, APP, identifier, prodValues);
    };
    await both('Same', { Url: 'sftp://a', User: 'u', Password: SECRET }, { Url: 'sftp://a', User: 'u', Password: SECRET });
    await both('PasswordDiffers', { Url: 'sftp://b', User: 'u', Password: DEV_SECRET }, { Url: 'sftp://b', User: 'u', Password: PROD_SECRET });
    await both('UrlDiffers', { Url: 'sftp://dev', User: 'u', Password: SECRET }, { Url: 'sftp://prod', User: 'u', Password: SECRET });
    await both('PasswordEmptyInDev', { Url: 'sftp://c', User: 'u', Password: '' }, { Url: 'sftp://c', User: 'u', Password: PROD_SECRET });
    await put(devClient, APP, 'OnlyDev', { Url: 'sftp://d', User: 'u', Password: DEV_SECRET });
    await put(prodClient, APP, 'OnlyProd', { Url: 'sftp://e', User: 'u', Password: PROD_SECRET });
    await devClient.request('apps.create', { name: DEFS, kind: 'configStore', fields: [{ label: 'A', masked: false }, { label: 'B', masked: true }, { label: 'DevField', masked: false }] });
    await prodClient.request('apps.create', { name: DEFS, kind: 'configStore', fields: [{ label: 'A', masked: false }, { label: 'B', masked: false }] });
    await devClient.request('apps.create', { name: DEV_ONLY_APP, kind: 'configStore', fields: [{ label: 'A', masked: false }] });
  });
  after(async () => Promise.all([dev?.dispose(), prod?.dispose()]));

  test('compare shows exactly the planted differences, masked fields by keyed hashes only', async () => {
    const key = newComparisonKey();
    const left = await readSideOfApplication(devSide, APP, key);
    const right = await readSideOfApplication(prodSide, APP, key);
    key.fill(0);
    const c = compareApplication(APP, left, right);
    assert.deepEqual(c.definition, []);
    assert.deepEqual(c.onlyLeft, ['OnlyDev']);
    assert.deepEqual(c.onlyRight, ['OnlyProd']);
    assert.equal(c.equal, 1, 'only "Same" is equal');
    assert.deepEqual(
      c.differing.map((d) => [d.identifier, d.fields.map((f) => `${f.label}:${f.state}:${f.leftSet ? 'set' : 'empty'}/${f.rightSet ? 'set' : 'empty'}`)]),
      [
        ['PasswordDiffers', ['Password:differs:set/set']],
        ['PasswordEmptyInDev', ['Password:differs:empty/set']],
        ['UrlDiffers', ['Url:differs:set/set']],
      ],
    );
    assertNoSecretIn('a reply to the client', replies);
  });

  test('definitions that differ, and an application on one side only', async () => {
    const key = newComparisonKey();
    const defs = compareApplication(DEFS, await readSideOfApplication(devSide, DEFS, key), await readSideOfApplication(prodSide, DEFS, key));
    assert.deepEqual(
      defs.definition.map((d) => d.what),
      ['masked on one side only', 'field only on the left'],
    );
    const devOnly = compareApplication(DEV_ONLY_APP, await readSideOfApplication(devSide, DEV_ONLY_APP, key), await readSideOfApplication(prodSide, DEV_ONLY_APP, key));
    assert.equal(devOnly.onlyOn, 'left');
  });

  test('the diff documents of one configuration show placeholders, never a masked value', async () => {
    const key = newComparisonKey();
    const [l] = (await devClient.request('config.fingerprints', { application: APP, identifiers: ['PasswordDiffers'], key: key.toString('base64') })).items;
    const [r] = (await prodClient.request('config.fingerprints', { application: APP, identifiers: ['PasswordDiffers'], key: key.toString('base64') })).items;
    const fields = compareFields(l!, r!);
    const leftDoc = sideDocument('left', 'dev', 'prod', APP, 'PasswordDiffers', await devClient.request('config.get', { application: APP, identifier: 'PasswordDiffers' }), fields);
    const rightDoc = sideDocument('right', 'prod', 'dev', APP, 'PasswordDiffers', await prodClient.request('config.get', { application: APP, identifier: 'PasswordDiffers' }), fields);
    assert.match(leftDoc, /^Password = «masked: set, differs from prod»$/m);
    assert.match(rightDoc, /^Password = «masked: set, differs from dev»$/m);
    assert.match(leftDoc, /^Url = sftp:\/\/b$/m);
    assertNoSecretIn('a diff document', [leftDoc, rightDoc]);
    // A hash under another key says nothing about this one: fresh per comparison.
    const other = newComparisonKey();
    const [again] = (await devClient.request('config.fingerprints', { application: APP, identifiers: ['PasswordDiffers'], key: other.toString('base64') })).items;
    assert.notEqual(again!.fields.Password!.hash, l!.fields.Password!.hash);
  });

  test('each fingerprint request is audited, without its key; a short key and too many identifiers are refused', async () => {
    const key = newComparisonKey();
    const b64 = key.toString('base64');
    await devClient.request('config.fingerprints', { application: APP, identifiers: ['Same'], key: b64 });
    const rows = (await devClient.request('audit.list', { limit: 1000 })).items.filter((e) => e.action === 'config.compare');
    assert.ok(rows.length >= 1);
    assert.deepEqual(rows[0]!.fields, ['Password']);
    assert.ok(rows.every((r) => !JSON.stringify(r).includes(b64)), 'the key is never audited');
    await assert.rejects(devClient.request('config.fingerprints', { application: APP, identifiers: ['Same'], key: Buffer.alloc(16, 1).toString('base64') }), (e: unknown) => e instanceof SsoError && e.code === 'ENTSSO_E_INVALID_REQUEST');
    const many = Array.from({ length: 101 }, (_, i) => `Id${i}`);
    await assert.rejects(devClient.request('config.fingerprints', { application: APP, identifiers: many, key: b64 }), (e: unknown) => e instanceof SsoError && e.code === 'ENTSSO_E_INVALID_REQUEST');
  });

  test('fingerprints of several configurations: one audit row each, found when the audit is filtered by one of them', async () => {
    const rowsOf = async (identifier: string) =>
      (await devClient.request('audit.list', { filter: { operation: 'config.compare', text: identifier }, limit: 1000 })).items.filter((e) => e.identifier === identifier);
    const before = { Same: (await rowsOf('Same')).length, UrlDiffers: (await rowsOf('UrlDiffers')).length };
    await devClient.request('config.fingerprints', { application: APP, identifiers: ['Same', 'UrlDiffers'], key: newComparisonKey().toString('base64') });
    for (const identifier of ['Same', 'UrlDiffers'] as const) {
      const rows = await rowsOf(identifier);
      assert.equal(rows.length, before[identifier] + 1, `one more config.compare row for "${identifier}"`);
      assert.deepEqual(rows[0]!.fields, ['Password']);
    }
  });

  test('ssoctl compare prints the differences by name, exit 1; no value in its output', () => {
    const r = ssoctl(['compare', '--from', dev.dir, '--to', prod.dir, '--application', APP]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stdout, /only in Test \(.*\): OnlyDev/);
    assert.match(r.stdout, /only in Test: OnlyProd/);
    assert.match(r.stdout, /differs: PasswordDiffers · Password \(masked, differs\)/);
    assert.match(r.stdout, /differs: PasswordEmptyInDev · Password \(masked, empty \/ set\)/);
    assert.match(r.stdout, /1 configuration\(s\) equal, 3 differ/);
    const every = ssoctl(['compare', '--from', dev.dir, '--to', prod.dir]);
    assert.equal(every.code, 1, every.stderr);
    assert.match(every.stdout, /Cmp\.DevOnly: .*\n {2}application only in Test \(/);
    assert.match(every.stdout, /definition: masked on one side only: B: masked on the left, not masked on the right/);
    assert.match(every.stdout, /0 of 3 application\(s\) identical/);
    const same = ssoctl(['compare', APP, 'Same', '--dir', dev.dir, '--with', prod.dir]);
    assert.equal(same.code, 0, same.stdout + same.stderr);
    assertNoSecretIn('ssoctl output', [r.stdout, r.stderr, same.stdout, every.stdout]);
  });

  test('ssoctl copy --dry-run previews and writes nothing', async () => {
    const before = await prodClient.request('config.get', { application: APP, identifier: 'UrlDiffers' });
    const r = ssoctl(['copy', '--from', dev.dir, '--to', prod.dir, '--application', APP, '--identifier', 'UrlDiffers', '--identifier', 'OnlyDev', '--dry-run']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /update\s+UrlDiffers: Url \(differs\)/);
    assert.match(r.stdout, /create\s+OnlyDev/);
    assert.match(r.stdout, /2 configuration\(s\) would be written/);
    const afterDryRun = await prodClient.request('config.get', { application: APP, identifier: 'UrlDiffers' });
    assert.equal(afterDryRun.timestamp, before.timestamp);
    assert.equal(ssoctl(['copy', '--from', dev.dir, '--to', prod.dir, '--application', APP]).code, 2, 'no --yes and no --dry-run: a usage error');
  });

  test('a copy is refused, writing nothing, when the target changed after its preview', async () => {
    const key = newComparisonKey();
    const preview = await previewCopy(devSide, prodSide, APP, ['UrlDiffers', 'PasswordEmptyInDev'], key);
    key.fill(0);
    const writes = await copyWrites(devSide, preview, () => 'keep');
    const untouched = await prodClient.request('config.get', { application: APP, identifier: 'UrlDiffers' });
    const behind = await prodClient.request('config.get', { application: APP, identifier: 'PasswordEmptyInDev' });
    await prodClient.request('config.set', { application: APP, identifier: 'PasswordEmptyInDev', fields: { User: 'changed-behind' }, expectedTimestamp: behind.timestamp });
    await assert.rejects(writeCopy(prodSide, preview.application, preview.targetFieldsVersion, writes, 'dev'), (e: unknown) => e instanceof SsoError && e.code === 'ENTSSO_E_CONFLICT' && /changed since the preview/.test(e.message));
    const still = await prodClient.request('config.get', { application: APP, identifier: 'UrlDiffers' });
    assert.equal(still.timestamp, untouched.timestamp, 'the other configuration of the batch was not written either');
    assert.equal(still.fields.Url, 'sftp://prod');
  });

  test('a copy lands in one transaction: masked values copied or kept as chosen, the replaced versions kept in history', async () => {
    const historyBefore = (await prodClient.request('history.list', { application: APP, identifier: 'PasswordDiffers' })).items.length;
    const key = newComparisonKey();
    const preview = await previewCopy(devSide, prodSide, APP, ['PasswordDiffers', 'UrlDiffers', 'OnlyDev', 'Same'], key);
    key.fill(0);
    assert.deepEqual(
      preview.items.map((i) => [i.identifier, i.action]),
      [
        ['PasswordDiffers', 'update'],
        ['UrlDiffers', 'update'],
        ['OnlyDev', 'create'],
        ['Same', 'unchanged'],
      ],
    );
    const seenBefore = replies.length;
    // PasswordDiffers: copy the source's password; OnlyDev: keep (the target has none: stays empty).
    const writes = await copyWrites(devSide, preview, (identifier) => (identifier === 'PasswordDiffers' ? 'copy' : 'keep'));
    const written = await writeCopy(prodSide, preview.application, preview.targetFieldsVersion, writes, 'dev');
    assert.deepEqual(written.map((w) => w.identifier).sort(), ['OnlyDev', 'PasswordDiffers', 'UrlDiffers']);
    const copied = await prodClient.request('config.get', { application: APP, identifier: 'PasswordDiffers', reveal: true });
    assert.equal(copied.fields.Password, DEV_SECRET, 'the chosen masked value was copied');
    const created = await prodClient.request('config.get', { application: APP, identifier: 'OnlyDev', reveal: true });
    assert.equal(created.fields.Password, '', 'kept: the target had none');
    assert.equal(created.fields.Url, 'sftp://d');
    assert.equal((await prodClient.request('config.get', { application: APP, identifier: 'UrlDiffers' })).fields.Url, 'sftp://dev');
    const historyAfter = (await prodClient.request('history.list', { application: APP, identifier: 'PasswordDiffers' })).items.length;
    assert.equal(historyAfter, historyBefore + 1, 'the replaced version is kept in history');
    // The copy's own reveal was audited on the source, and the writes on the target name the source.
    const devAudit = (await devClient.request('audit.list', { limit: 1000 })).items;
    assert.ok(devAudit.some((e) => e.action === 'config.reveal' && e.identifier === 'PasswordDiffers'));
    const prodAudit = (await prodClient.request('audit.list', { limit: 1000 })).items;
    assert.ok(prodAudit.some((e) => e.action === 'config.set' && e.identifier === 'UrlDiffers' && /from environment "dev"/.test(e.detail ?? '')));
    // The revealed value travelled in the request, never back in a reply; the services never logged a value.
    assertNoSecretIn('a reply during the copy', replies.slice(seenBefore).filter((r) => !r.includes('"revealed":true')));
    assertNoSecretIn('a service log', [...dev.daemons, ...prod.daemons].flatMap((d) => d.log));
  });
});
