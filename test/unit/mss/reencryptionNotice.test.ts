/**
 * When the master secret changes, the services are told only once the re-encryption's progress
 * is set: a service that syncs on that notice must read "re-encrypting N configurations", never
 * "ready under the new secret" while rows are still under the old one (the extension's progress
 * notification took that for the end of the re-encryption; a clean-clone run caught it).
 *
 * The store is an in-memory stand-in for the few calls re-encryption makes, with a count that
 * answers a little later, as a real one does: the code around it (SecretAuthority) is what is tested.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { ReencryptProgress } from '../../../src/protocol/messages';
import { generateMasterSecret } from '../../../src/ssoService/crypto/masterSecret';
import { SecretVault } from '../../../src/ssoService/crypto/secretVault';
import { SecretAuthority } from '../../../src/ssoService/mss/secretAuthority';
import type { SsoStore } from '../../../src/ssoService/ssodb/store';

const PASSWORD = 'correct horse battery staple 42';
const scratch = mkdtempSync(join(tmpdir(), 'reencryption-notice-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

/**
 * Rows are only counted: `left` of them, all under the secret `under` (none when it is unset, or
 * under any other): listing them returns none, so re-encryption ends at once.
 */
function storeWithRowsLeft(rows: { left: number; under?: string; failPublish?: boolean }, onPublish: () => void): SsoStore {
  type GlobalInfo = Awaited<ReturnType<SsoStore['getGlobalInfo']>>;
  let info = {} as GlobalInfo;
  const later = <T>(value: T) => new Promise<T>((resolve) => setTimeout(() => resolve(value), 5));
  const store: Partial<SsoStore> = {
    getGlobalInfo: async () => ({ ...info }),
    updateGlobalInfo: async (patch) => {
      // A publication names the secrets; a restore's intent (switchingMsids alone) is not one.
      if (patch.currentMsid === undefined) return { ...(info = { ...info, ...patch }) };
      onPublish();
      if (rows.failPublish) throw new Error('SSODB is unreachable');
      info = { ...info, ...patch };
      return { ...info };
    },
    countRowsNotUnder: (msid) => later(msid === rows.under ? 0 : rows.left),
    countRowsBySecret: async (except) => (rows.under && rows.under !== except && rows.left > 0 ? [{ msid: rows.under, rows: rows.left }] : []),
    listRowsNotUnder: async () => [],
    listHistoryNotUnder: async () => [],
  };
  return store as SsoStore;
}

/** `notices`: the progress at each notice to the services; `published`: at each publication in SSODB (a service may sync then). */
async function activeAuthority(dir: string, rows: { left: number; under?: string; failPublish?: boolean }, notices: Array<ReencryptProgress | undefined>, published: Array<ReencryptProgress | undefined> = []): Promise<SecretAuthority> {
  await SecretVault.create(dir, generateMasterSecret());
  const authority: SecretAuthority = new SecretAuthority({
    vaultDir: dir,
    store: storeWithRowsLeft(rows, () => published.push(authority.progress && { ...authority.progress })),
    environmentId: 'env-test',
    name: 'localhost:0',
    log: () => undefined,
    onChanged: () => notices.push(authority.progress && { ...authority.progress }),
  });
  await authority.openVault();
  await authority.activate();
  await authority.idle();
  return authority;
}

test('a new master secret: it is published, and the services told, with the re-encryption already under way (done 0 of the rows left)', async () => {
  const rows: { left: number; under?: string } = { left: 0 };
  const notices: Array<ReencryptProgress | undefined> = [];
  const published: Array<ReencryptProgress | undefined> = [];
  const authority = await activeAuthority(join(scratch, 'rotation'), rows, notices, published);
  const oldMsid = authority.secrets().current.msid;
  const { newMsid } = await authority.prepareRotation(PASSWORD, 'test');
  rows.left = 617;
  rows.under = oldMsid;
  notices.length = 0;
  published.length = 0;
  const committed = await authority.commitRotation(newMsid);
  assert.equal(committed.rowsToReencrypt, 617);
  const underWay = { fromMsid: oldMsid, toMsid: newMsid, done: 0, total: 617 };
  // The new secret is published (and served) only with the progress: a periodic sync may come at any moment.
  assert.deepEqual(published, [underWay], 'the progress is set when the new secret is published');
  assert.deepEqual(notices[0], underWay, 'the first notice after the switch carries the progress');
  await authority.idle();
  assert.equal(notices.at(-1), undefined, 'the last notice says the re-encryption is over');
  assert.equal(authority.progress, undefined);
});

test('a restore that leaves rows under another secret: the same order (progress first, then the switch and the notice)', async () => {
  const rows: { left: number; under?: string } = { left: 0 };
  const notices: Array<ReencryptProgress | undefined> = [];
  const published: Array<ReencryptProgress | undefined> = [];
  const authority = await activeAuthority(join(scratch, 'restore'), rows, notices, published);
  const firstMsid = authority.secrets().current.msid;
  const rotation = await authority.prepareRotation(PASSWORD, 'test');
  await authority.commitRotation(rotation.newMsid);
  await authority.idle();
  // 12 rows still under the first secret, which the rotation's backup holds too: restoring it is allowed.
  rows.left = 12;
  rows.under = firstMsid;
  notices.length = 0;
  published.length = 0;
  await authority.restore(rotation.file, PASSWORD);
  assert.equal(authority.secrets().current.msid, rotation.newMsid);
  assert.deepEqual(published.map((p) => p && `${p.toMsid} ${p.done}/${p.total}`), [`${rotation.newMsid} 0/12`], 'the progress is set when the restored secret is published');
  assert.equal(notices[0]?.toMsid, rotation.newMsid, 'the first notice after the restore carries the progress');
  assert.equal(notices[0]?.total, 12);
  await authority.idle();
});

test('nothing left to re-encrypt: the notice says so (no progress), as before', async () => {
  const rows: { left: number; under?: string } = { left: 0 };
  const notices: Array<ReencryptProgress | undefined> = [];
  const authority = await activeAuthority(join(scratch, 'empty'), rows, notices);
  const { newMsid } = await authority.prepareRotation(PASSWORD, 'test');
  notices.length = 0;
  await authority.commitRotation(newMsid);
  await authority.idle();
  assert.ok(notices.length > 0, 'the services are told of the new secret');
  assert.ok(notices.every((n) => n === undefined), JSON.stringify(notices));
});

test('a switch whose publication fails still re-encrypts, and leaves no progress behind once done (the services would report a re-encryption that never ends)', async () => {
  const rows: { left: number; under?: string; failPublish?: boolean } = { left: 0 };
  const notices: Array<ReencryptProgress | undefined> = [];
  const authority = await activeAuthority(join(scratch, 'failed'), rows, notices);
  const { newMsid } = await authority.prepareRotation(PASSWORD, 'test');
  rows.left = 5;
  rows.under = authority.secrets().current.msid;
  rows.failPublish = true;
  await assert.rejects(authority.commitRotation(newMsid), /SSODB is unreachable/);
  assert.equal(authority.secrets().current.msid, newMsid, 'the vault switched before the publication failed');
  assert.equal(notices.at(-1)?.toMsid, newMsid, 'the services are told of the re-encryption under way');
  await authority.idle();
  assert.equal(authority.progress, undefined);
});
