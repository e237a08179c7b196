/**
 * History in export and import, through real processes (two SSO environments, each with its MSS
 * and SSO service, ssoctl): `ssoctl app export --with-history` carries every kept version and an
 * import into another environment restores them with their numbers, who replaced them and when;
 * the restored versions decrypt there to the exact values, masked ones included (checked with
 * reveal); an export without the flag is still contents version 1 and restores no history; a
 * configuration that exists keeps its own history (the plan says the file's is not imported);
 * no value is in clear in either SSODB file.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { SsoClient } from '../../src/ssoClient/client';
import { openProtectedFile } from '../../src/ssoService/crypto/protectedFile';
import { TestEnvironment } from './harness';

const PASSWORD = 'correct horse battery staple 42';
const APP = 'Hist.Ports';
const ID = 'SendOrders';
const SAVES = [
  { Url: 'sftp://first.contoso.example/in', Password: 'Masked-First-9f2' },
  { Url: 'sftp://second.contoso.example/in', Password: 'Masked-Second-7c1' },
  { Url: 'sftp://third.contoso.example/in', Password: 'Masked-Third-3b8' },
];

async function save(c: SsoClient, identifier: string, fields: Record<string, string>): Promise<void> {
  const current = await c.request('config.get', { application: APP, identifier }).catch(() => undefined);
  await c.request('config.set', { application: APP, identifier, fields, expectedTimestamp: current?.timestamp ?? null });
}

async function revealedVersion(c: SsoClient, version: number): Promise<Record<string, string>> {
  return { ...(await c.request('history.get', { application: APP, identifier: ID, version, reveal: true })).fields };
}

describe('history export and import through real processes', () => {
  let source: TestEnvironment;
  let target: TestEnvironment;
  let sc: SsoClient;
  let tc: SsoClient;
  let scratch: string;
  let withHistory: string;
  let withoutHistory: string;

  before(async () => {
    scratch = mkdtempSync(join(tmpdir(), 'hist-xfer-'));
    source = await TestEnvironment.started();
    target = await TestEnvironment.started();
    sc = await source.client();
    tc = await target.client();
    await sc.request('apps.create', { name: APP, kind: 'configStore', fields: [{ label: 'Url', masked: false }, { label: 'Password', masked: true }] });
    for (const values of SAVES) await save(sc, ID, values);
    await save(sc, 'Untouched', { Url: 'sftp://once.contoso.example', Password: '' });
    withHistory = join(scratch, 'with-history.entsso');
    withoutHistory = join(scratch, 'without-history.entsso');
    const a = source.ssoctl(['app', 'export', APP, '--file', withHistory, '--with-history', '--password-stdin'], PASSWORD + '\n');
    assert.equal(a.code, 0, a.stderr);
    assert.match(a.stdout, /with their history/);
    const b = source.ssoctl(['app', 'export', APP, '--file', withoutHistory, '--password-stdin'], PASSWORD + '\n');
    assert.equal(b.code, 0, b.stderr);
  });
  after(async () => {
    await source?.dispose();
    await target?.dispose();
    rmSync(scratch, { recursive: true, force: true });
  });

  test('the export says its contents version: 2 with history, 1 without (older tools still read it)', async () => {
    const opened = async (file: string) => (await openProtectedFile<{ version: number; applications: { configurations: { identifier: string; history?: { version: number }[] }[] }[] }>(readFileSync(file), PASSWORD, 'entsso-export')).payload;
    const full = await opened(withHistory);
    assert.equal(full.version, 2);
    const config = full.applications[0]!.configurations.find((c) => c.identifier === ID)!;
    assert.deepEqual(config.history!.map((v) => v.version), [1, 2], 'every kept version, oldest first');
    const plain = await opened(withoutHistory);
    assert.equal(plain.version, 1);
    assert.ok(plain.applications[0]!.configurations.every((c) => c.history === undefined));
    for (const file of [withHistory, withoutHistory]) {
      const bytes = readFileSync(file);
      for (const { Password } of SAVES) assert.equal(bytes.indexOf(Password), -1, 'no value in clear in the file');
    }
  });

  test('an import restores the kept versions: numbers, who and when, exact values with the masked one (reveal)', async () => {
    const plan = target.ssoctl(['app', 'import', '--file', withHistory, '--dry-run', '--json', '--password-stdin'], PASSWORD + '\n');
    assert.equal(plan.code, 0, plan.stderr);
    assert.ok((JSON.parse(plan.stdout) as { warnings: string[] }).warnings.some((w) => /2 kept version\(s\) of 1 configuration\(s\) the import creates are restored/.test(w)), plan.stdout);
    const imported = target.ssoctl(['app', 'import', '--file', withHistory, '--yes', '--password-stdin'], PASSWORD + '\n');
    assert.equal(imported.code, 0, imported.stderr);
    const audited = (await tc.request('audit.list', { filter: { operation: 'app.import' } })).items;
    assert.match(audited[0]?.detail ?? '', /kept versions restored 2$/, 'the audit says how many kept versions the import restored');

    const there = await sc.request('history.list', { application: APP, identifier: ID });
    const here = await tc.request('history.list', { application: APP, identifier: ID });
    const asImported = there.items.map((v) => ({ ...v, replacedBy: `${v.replacedBy} (imported)` }));
    assert.deepEqual(here.items, asImported, 'the same versions, replaced at the same times with the same changed fields, by the same people shown as imported (the file says who)');
    assert.deepEqual(here.items.map((v) => v.version), [2, 1]);
    assert.deepEqual(await revealedVersion(tc, 1), SAVES[0]);
    assert.deepEqual(await revealedVersion(tc, 2), SAVES[1]);
    assert.deepEqual({ ...(await tc.request('config.get', { application: APP, identifier: ID, reveal: true })).fields }, SAVES[2]);
    assert.deepEqual((await tc.request('history.list', { application: APP, identifier: 'Untouched' })).items, []);

    // The restored history goes on as if it had always been here: the next save is version 3.
    await save(tc, ID, { Url: 'sftp://fourth.contoso.example/in' });
    assert.deepEqual((await tc.request('history.list', { application: APP, identifier: ID })).items.map((v) => v.version), [3, 2, 1]);
    assert.deepEqual(await revealedVersion(tc, 3), SAVES[2]);

    for (const file of [target.ssodbFile, source.ssodbFile]) {
      const bytes = readFileSync(file);
      for (const { Password } of SAVES) assert.equal(bytes.indexOf(Password), -1, `no masked value in clear in ${file}`);
    }
  });

  test('a configuration that exists keeps its own history; the plan says the file\'s is not imported', async () => {
    const file = readFileSync(withHistory).toString('base64');
    const plan = await tc.request('apps.planImport', { file, format: 'entsso', password: PASSWORD, mode: 'update' });
    assert.ok(plan.warnings.some((w) => /kept versions of 1 configuration\(s\) are not imported/.test(w)), plan.warnings.join('\n'));
    await tc.request('apps.import', { file, format: 'entsso', password: PASSWORD, mode: 'update', expected: plan.expected });
    const versions = (await tc.request('history.list', { application: APP, identifier: ID })).items.map((v) => v.version);
    assert.deepEqual(versions, [3, 2, 1], 'nothing from the file was added (an import keeps no earlier version of what it rewrites)');
  });

  test('an export without history restores none', async () => {
    await tc.request('apps.delete', { name: APP });
    const imported = target.ssoctl(['app', 'import', '--file', withoutHistory, '--yes', '--password-stdin'], PASSWORD + '\n');
    assert.equal(imported.code, 0, imported.stderr);
    assert.deepEqual((await tc.request('history.list', { application: APP, identifier: ID })).items, []);
    assert.deepEqual({ ...(await tc.request('config.get', { application: APP, identifier: ID, reveal: true })).fields }, SAVES[2]);
  });

  test('an import keeps no more versions than the environment does (cut at the import, not at the next save)', async () => {
    const small = TestEnvironment.create();
    try {
      const config = JSON.parse(readFileSync(join(small.dir, 'environment.json'), 'utf8')) as Record<string, unknown>;
      writeFileSync(join(small.dir, 'environment.json'), JSON.stringify({ ...config, history: { keep: 1 } }));
      await small.startMss();
      await small.startService();
      const c = await small.client();
      const source = { file: readFileSync(withHistory).toString('base64'), format: 'entsso' as const, password: PASSWORD, mode: 'add' as const };
      const plan = await c.request('apps.planImport', source);
      assert.ok(plan.warnings.some((w) => /1 kept version\(s\) of 1 configuration\(s\) the import creates are restored/.test(w)), plan.warnings.join('\n'));
      assert.ok(plan.warnings.some((w) => /1 older kept version\(s\) in the file are not imported: this environment keeps 1 version/.test(w)), plan.warnings.join('\n'));
      await c.request('apps.import', { ...source, expected: plan.expected });
      const kept = (await c.request('history.list', { application: APP, identifier: ID })).items;
      assert.deepEqual(kept.map((v) => v.version), [1], 'only the newest version of the file, numbered 1');
      assert.deepEqual({ ...(await c.request('history.get', { application: APP, identifier: ID, version: 1, reveal: true })).fields }, SAVES[1]);
    } finally {
      await small.dispose();
    }
  });

  test('--with-history is for the entsso format only', async () => {
    const r = source.ssoctl(['app', 'export', APP, '--file', join(scratch, 'x.sso'), '--with-history', '--password-stdin'], PASSWORD + '\n');
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /holds no history/);
    await assert.rejects(sc.request('apps.export', { names: [APP], format: 'sso', password: PASSWORD, withHistory: true }), (e: Error & { code?: string }) => e.code === 'ENTSSO_E_INVALID_REQUEST' && /holds no history/.test(e.message));
  });
});
