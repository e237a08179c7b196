/**
 * Configuration history (issue 15) with real processes: an MSS and an SSO service on loopback over
 * a real SQLite SSODB. Every save keeps the version it replaces (20 per configuration by default),
 * a version reads back masked unless revealed (audited), a restore is an ordinary config.set with
 * conflict detection, two rotations later every kept version still decrypts, deleting the
 * application purges its history, and no file of the environment holds a value in plaintext.
 */
import assert from 'node:assert/strict';
import { lstatSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { SsoClient } from '../../src/ssoClient/client';
import { SsoError } from '../../src/protocol/errors';
import { TestEnvironment, waitUntil } from './harness';

const APP = 'History.App';
const ID = 'ConfigProperties';
const SAVES = 25;
/** Values no file may hold in plaintext: every host and password written. */
const host = (i: number) => `host-${i}-c41d9e.contoso.com`;
const password = (i: number) => `Pw-${i}-7be2a6f0-secret`;

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    // lstat, and what vanished is skipped: a store's lock is a symbolic link to no file that comes and goes.
    let s: ReturnType<typeof lstatSync>;
    try {
      s = lstatSync(p);
    } catch {
      return [];
    }
    return s.isDirectory() ? filesUnder(p) : s.isFile() ? [p] : [];
  });
}

/** Ready under the new secret: right after the commit the service may still report its old, ready state. */
async function waitReady(c: SsoClient, msid: string): Promise<void> {
  await waitUntil(
    async () => {
      const s = await c.request('status', {});
      return s.state === 'ready' && s.msid === msid;
    },
    30_000,
    () => 'the service did not come back to "ready" under the new secret after the rotation',
  );
}

/** A rotation; the MSS refuses one while the previous one is still re-encrypting, so that is waited out. */
async function rotate(c: SsoClient): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      const prepared = await c.request('secret.prepareGenerate', { password: 'a rotation backup password 42', reminder: 'history test' });
      const committed = await c.request('secret.commitGenerate', { newMsid: prepared.newMsid });
      await waitReady(c, committed.msid);
      return;
    } catch (e) {
      if (!(e instanceof SsoError && e.code === 'ENTSSO_E_REENCRYPT_IN_PROGRESS') || Date.now() > deadline) throw e;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

describe('configuration history with real processes', () => {
  let t: TestEnvironment;
  let c: SsoClient;

  before(async () => {
    t = await TestEnvironment.started({ syncIntervalSeconds: 1 });
    c = await t.client();
    await c.request('apps.create', { name: APP, kind: 'configStore', fields: [{ label: 'Host', masked: false }, { label: 'Password', masked: true }] });
    let row = await c.request('config.set', { application: APP, identifier: ID, fields: { Host: host(0), Password: password(0) }, expectedTimestamp: null });
    for (let i = 1; i <= SAVES; i++) {
      // Every third save leaves the password alone: the history says which fields changed.
      const fields: Record<string, string> = i % 3 === 0 ? { Host: host(i) } : { Host: host(i), Password: password(i) };
      row = await c.request('config.set', { application: APP, identifier: ID, fields, expectedTimestamp: row.timestamp });
    }
  });
  after(async () => t?.dispose());

  /** The values of a save: the password of the last save that set it. */
  const passwordAfterSave = (i: number) => password(i % 3 === 0 ? i - 1 : i);

  test('25 saves keep the 20 newest versions, newest first, with who and which fields changed (never a value)', async () => {
    const page = await c.request('history.list', { application: APP, identifier: ID });
    assert.deepEqual(page.items.map((v) => v.version), Array.from({ length: 20 }, (_, k) => SAVES - k));
    const newest = page.items[0]!;
    assert.equal(newest.change, 'set');
    assert.match(newest.replacedBy, / via test$/);
    assert.deepEqual(newest.changedFields, ['Host', 'Password'], 'save 25 changed both');
    assert.deepEqual(page.items.find((v) => v.version === 24)!.changedFields, ['Host'], 'save 24 left the password alone');
    const text = JSON.stringify(page);
    for (let i = 0; i <= SAVES; i++) assert.ok(!text.includes(host(i)) && !text.includes(password(i)), 'the list carries no value');
  });

  test('a version reads back with masked fields as placeholders; a reveal shows the exact values and is audited', async () => {
    // Version 25 is what save 25 replaced: the values after save 24.
    const masked = await c.request('history.get', { application: APP, identifier: ID, version: 25 });
    assert.equal(masked.fields.Host, host(24));
    assert.equal(masked.fields.Password, '');
    assert.deepEqual(masked.maskedSet, ['Password']);
    assert.deepEqual(masked.maskedDiffers, ['Password'], 'the service says the kept password is not the current one (never what either is)');
    assert.equal(masked.revealed, false);
    const revealed = await c.request('history.get', { application: APP, identifier: ID, version: 25, reveal: true });
    assert.deepEqual({ ...revealed.fields }, { Host: host(24), Password: passwordAfterSave(24) });
    const audit = await c.request('audit.list', { limit: 5 });
    const entry = audit.items.find((e) => e.action === 'history.reveal');
    assert.ok(entry, 'the reveal of a kept version is audited');
    assert.deepEqual(entry.fields, ['Password']);
    assert.equal(entry.detail, 'version 25');
    await assert.rejects(c.request('history.get', { application: APP, identifier: ID, version: 5 }), (e: SsoError) => e.code === 'ENTSSO_E_MAPPING_NOT_FOUND', 'version 5 went past the limit of 20');
  });

  test('restore is a config.set: exact values come back (the masked one too), refused over a newer save, and itself kept', async () => {
    const current = await c.request('config.get', { application: APP, identifier: ID });
    const version = await c.request('history.get', { application: APP, identifier: ID, version: 10, reveal: true });
    await assert.rejects(
      c.request('config.set', { application: APP, identifier: ID, fields: { ...version.fields }, expectedTimestamp: String(BigInt(current.timestamp) - 1n) }),
      (e: SsoError) => e.code === 'ENTSSO_E_CONFLICT',
      'a restore over a save made since it was prepared is refused',
    );
    await c.request('config.set', { application: APP, identifier: ID, fields: { ...version.fields }, expectedTimestamp: current.timestamp });
    const restored = await c.request('config.get', { application: APP, identifier: ID, reveal: true });
    assert.deepEqual({ ...restored.fields }, { Host: host(9), Password: passwordAfterSave(9) });
    assert.deepEqual((await c.request('history.get', { application: APP, identifier: ID, version: 10 })).maskedDiffers, [], 'now equal');
    const page = await c.request('history.list', { application: APP, identifier: ID });
    assert.equal(page.items.length, 20);
    assert.equal(page.items[0]!.version, SAVES + 1, 'the restore kept the version it replaced');
    const replaced = await c.request('history.get', { application: APP, identifier: ID, version: SAVES + 1, reveal: true });
    assert.deepEqual({ ...replaced.fields }, { Host: host(SAVES), Password: passwordAfterSave(SAVES) });
  });

  test('two rotations later every kept version still decrypts (the first secret is gone from the vault)', async () => {
    await rotate(c);
    await rotate(c);
    const page = await c.request('history.list', { application: APP, identifier: ID });
    for (const v of page.items) {
      const doc = await c.request('history.get', { application: APP, identifier: ID, version: v.version, reveal: true });
      assert.match(doc.fields.Host ?? '', /^host-\d+-/, `version ${v.version} decrypts`);
    }
    const version = await c.request('history.get', { application: APP, identifier: ID, version: 25, reveal: true });
    assert.deepEqual({ ...version.fields }, { Host: host(24), Password: passwordAfterSave(24) });
  });

  test('ssoctl history lists versions and shows one, masked unless --reveal', () => {
    const list = t.ssoctl(['history', APP, ID, '--json']);
    assert.equal(list.code, 0, list.stderr);
    assert.equal((JSON.parse(list.stdout) as { items: unknown[] }).items.length, 20);
    const shown = t.ssoctl(['history', APP, ID, '--version', '25']);
    assert.equal(shown.code, 0, shown.stderr);
    assert.match(shown.stdout, new RegExp(host(24).replace(/\./g, '\\.')));
    assert.ok(!shown.stdout.includes(passwordAfterSave(24)), 'masked without --reveal');
    assert.match(shown.stdout, /\(masked: use --reveal\)/);
    const missing = t.ssoctl(['history', APP, ID, '--reveal']);
    assert.equal(missing.code, 2, 'reveal needs a version');
  });

  test('deleting a configuration keeps its last version; deleting the application purges its history', async () => {
    const current = await c.request('config.get', { application: APP, identifier: ID });
    await c.request('config.delete', { application: APP, identifier: ID, expectedTimestamp: current.timestamp });
    const afterDelete = await c.request('history.list', { application: APP, identifier: ID, limit: 1 });
    assert.equal(afterDelete.items[0]!.change, 'delete');
    await c.request('apps.delete', { name: APP });
    await c.request('apps.create', { name: APP, kind: 'configStore', fields: [{ label: 'Host', masked: false }] });
    assert.deepEqual((await c.request('history.list', { application: APP, identifier: ID })).items, []);
  });

  test('after the workload, no file of the environment holds any value written, in plaintext', () => {
    const files = filesUnder(t.dir);
    assert.ok(files.some((f) => f.endsWith('ssodb.sqlite')), 'SSODB is scanned');
    const needles = Array.from({ length: SAVES + 1 }, (_, i) => [host(i), password(i)]).flat();
    for (const file of files) {
      const content = readFileSync(file);
      for (const value of needles) {
        for (const bytes of [Buffer.from(value, 'utf8'), Buffer.from(value, 'utf16le')]) assert.equal(content.indexOf(bytes), -1, `${file} holds a value in plaintext`);
      }
    }
  });
});
