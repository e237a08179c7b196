/**
 * A secret switch (rotation, restore) must never leave configurations under a secret the MSS no
 * longer holds: not when a step after the switch fails, not when the periodic resume of
 * re-encryption starts in the middle of it, not when two changes run at once. Each case below
 * made rows unreadable before (found by review; the cases are its reproductions).
 *
 * The store is an in-memory stand-in for the calls re-encryption makes, holding rows encrypted with
 * the real cipher, so "readable" is decided by real decryption: the code around it (SecretAuthority)
 * is what is tested.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { SsoError } from '../../../src/protocol/errors';
import { decryptBag, encryptBag } from '../../../src/ssoService/crypto/dataCipher';
import { generateMasterSecret, type MasterSecret } from '../../../src/ssoService/crypto/masterSecret';
import { SecretVault } from '../../../src/ssoService/crypto/secretVault';
import { MAX_QUEUED_SECRET_CHANGES, SecretAuthority } from '../../../src/ssoService/mss/secretAuthority';
import type { MssNodeRow, SsoStore } from '../../../src/ssoService/ssodb/store';

const PASSWORD = 'correct horse battery staple 42';
const scratch = mkdtempSync(join(tmpdir(), 'secret-switch-'));
after(() => rmSync(scratch, { recursive: true, force: true }));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Row {
  application: string;
  identifier: string;
  msid: string;
  timestamp: string;
  ciphertext: Buffer;
}

interface StoreState {
  rows: Row[];
  /** Kept versions (history): counted with the rows, as the real stores do. */
  history: Row[];
  /** SSOX_GlobalInfo refuses publications (patches naming a secret); a restore's intent (switchingMsids alone) still goes through. */
  failPublish?: boolean;
  /** Listing rows to re-encrypt fails, as while SSODB has a fault: re-encryption stops and resumes later. */
  failList?: boolean;
  countDelayMs: (msid: string) => number;
  onCount?: (msid: string) => void;
  reencryptDelayMs?: number;
  /** SSOX_MssNodes: the nodes that said they are alive, and when. */
  nodes?: MssNodeRow[];
}

function storeOf(state: StoreState): SsoStore {
  type GlobalInfo = Awaited<ReturnType<SsoStore['getGlobalInfo']>>;
  let info = {} as GlobalInfo;
  const store: Partial<SsoStore> = {
    getGlobalInfo: async () => ({ ...info }),
    updateGlobalInfo: async (patch) => {
      if (state.failPublish && patch.currentMsid !== undefined) throw new Error('SSODB is unreachable');
      info = { ...info, ...patch };
      return { ...info };
    },
    countRowsNotUnder: async (msid) => {
      state.onCount?.(msid);
      await sleep(state.countDelayMs(msid));
      return [...state.rows, ...state.history].filter((r) => r.msid !== msid).length;
    },
    countRowsBySecret: async (except) => {
      const counts = new Map<string, number>();
      for (const r of [...state.rows, ...state.history]) if (r.msid !== except) counts.set(r.msid, (counts.get(r.msid) ?? 0) + 1);
      return [...counts].sort(([a], [b]) => a.localeCompare(b)).map(([msid, rows]) => ({ msid, rows }));
    },
    listRowsNotUnder: async (msid, limit) => {
      if (state.failList) throw new Error('SSODB fault');
      return state.rows
        .filter((r) => r.msid !== msid)
        .slice(0, limit)
        .map((r) => ({ ...r, modifiedAt: '' })) as unknown as Awaited<ReturnType<SsoStore['listRowsNotUnder']>>;
    },
    reencryptRows: async (batch) => {
      await sleep(state.reencryptDelayMs ?? 0);
      let replaced = 0;
      for (const b of batch) {
        const row = state.rows.find((r) => r.application === b.application && r.identifier === b.identifier && r.timestamp === b.expectedTimestamp);
        if (!row) continue;
        row.msid = b.msid;
        row.ciphertext = b.ciphertext;
        replaced++;
      }
      return replaced;
    },
    listHistoryNotUnder: async (msid, limit) =>
      state.history.filter((r) => r.msid !== msid).slice(0, limit).map((r) => ({ ...r, version: 1 })) as unknown as Awaited<ReturnType<SsoStore['listHistoryNotUnder']>>,
    reencryptHistoryRows: async () => 0,
    listMssNodes: async () => state.nodes ?? [],
  };
  return store as SsoStore;
}

async function authorityWithRows(name: string, onChanged: () => void = () => undefined): Promise<{ authority: SecretAuthority; state: StoreState; logs: string[]; store: SsoStore }> {
  const dir = join(scratch, name);
  await SecretVault.create(dir, generateMasterSecret());
  const state: StoreState = { rows: [], history: [], countDelayMs: () => 5 };
  const logs: string[] = [];
  const store = storeOf(state);
  const authority = new SecretAuthority({ vaultDir: dir, store, environmentId: 'env-test', name: 'localhost:0', log: (m) => logs.push(m), onChanged });
  await authority.openVault();
  await authority.activate();
  await authority.idle();
  const first = authority.secrets().current;
  for (let i = 0; i < 3; i++) {
    state.rows.push({ application: 'App', identifier: `id${i}`, msid: first.msid, timestamp: `t${i}`, ciphertext: encryptBag(first, 'App', `id${i}`, Buffer.from(`value ${i}`)) });
  }
  return { authority, state, logs, store };
}

/** Which rows the secrets the MSS holds still decrypt. */
function readable(authority: SecretAuthority, rows: Row[]): boolean[] {
  const { current, previous } = authority.secrets();
  const held = new Map<string, MasterSecret>([[current.msid, current]]);
  if (previous) held.set(previous.msid, previous);
  return rows.map((r) => {
    const secret = held.get(r.msid);
    if (!secret) return false;
    try {
      decryptBag(secret, r.application, r.identifier, r.ciphertext);
      return true;
    } catch {
      return false;
    }
  });
}

test('a rotation whose publication fails after the switch still re-encrypts, and no second rotation drops the secret the rows are under', async () => {
  const { authority, state } = await authorityWithRows('publish-fails');
  const { newMsid } = await authority.prepareRotation(PASSWORD, 'first');
  state.failPublish = true;
  await assert.rejects(authority.commitRotation(newMsid), /SSODB is unreachable/);
  state.failPublish = false;
  assert.equal(authority.secrets().current.msid, newMsid, 'the vault did switch');
  // Whatever the re-encryption has done by now, a second rotation is safe: refused while rows are
  // under the first secret, allowed once none is.
  const second = await authority.prepareRotation(PASSWORD, 'second').catch((e: unknown) => e);
  if (second instanceof SsoError) assert.equal(second.code, 'ENTSSO_E_REENCRYPT_IN_PROGRESS');
  else await authority.commitRotation((second as { newMsid: string }).newMsid);
  await authority.idle();
  assert.deepEqual(readable(authority, state.rows), [true, true, true]);
  assert.ok(state.rows.every((r) => r.msid === authority.secrets().current.msid), 'every row is under the current secret');
});

test('a rotation is refused while rows are under an older secret, even with no re-encryption running (e.g. one an SSODB fault stopped)', async () => {
  const { authority, state } = await authorityWithRows('rows-left');
  const { newMsid } = await authority.prepareRotation(PASSWORD, 'first');
  state.failList = true; // the re-encryption after the commit stops at once: nothing moves
  await authority.commitRotation(newMsid);
  await authority.idle();
  assert.equal(state.rows.filter((r) => r.msid === newMsid).length, 0);
  await assert.rejects(authority.prepareRotation(PASSWORD, 'second'), (e: unknown) => e instanceof SsoError && e.code === 'ENTSSO_E_REENCRYPT_IN_PROGRESS' && /still encrypted under the previous master secret/.test(e.message));
  state.failList = false;
  authority.resumeReencryptionIfNeeded();
  await authority.idle();
  await authority.prepareRotation(PASSWORD, 'second');
  assert.deepEqual(readable(authority, state.rows), [true, true, true]);
});

test('the periodic resume started during a switch does not end the re-encryption the switch needs', async () => {
  const { authority, state } = await authorityWithRows('periodic-resume');
  const firstMsid = authority.secrets().current.msid;
  const { newMsid } = await authority.prepareRotation(PASSWORD, 'first');
  let fired = false;
  // The renewal period's resume lands while the commit is counting, under the old secret, slowly.
  state.countDelayMs = (msid) => (msid === firstMsid ? 150 : 5);
  state.onCount = (msid) => {
    if (msid === newMsid && !fired) {
      fired = true;
      authority.resumeReencryptionIfNeeded();
    }
  };
  await authority.commitRotation(newMsid);
  await sleep(300);
  await authority.idle();
  state.onCount = undefined;
  state.countDelayMs = () => 5;
  assert.ok(fired);
  assert.equal(state.rows.filter((r) => r.msid === firstMsid).length, 0, 'every row moved to the new secret');
  const { newMsid: third } = await authority.prepareRotation(PASSWORD, 'second');
  await authority.commitRotation(third);
  await authority.idle();
  assert.deepEqual(readable(authority, state.rows), [true, true, true]);
});

test('a restore and a commit sent at once run one after the other: no row ends under a secret the vault dropped', async () => {
  const { authority, state } = await authorityWithRows('concurrent');
  const backup = await authority.backup(PASSWORD, 'first secret');
  const { newMsid } = await authority.prepareRotation(PASSWORD, 'first');
  // The restore is sent first and spends a while deriving its key; the commit comes right after.
  // Its re-encryption's write is slow, so that rows are still under the first secret when the
  // restore checks them: interleaved, the restore then drops the secret they are moved to.
  state.reencryptDelayMs = 1500;
  const results = await Promise.allSettled([authority.restore(backup.file, PASSWORD), authority.commitRotation(newMsid)]);
  await authority.idle();
  assert.deepEqual(
    results.map((r) => r.status),
    ['fulfilled', 'fulfilled'],
    results.map((r) => (r.status === 'rejected' ? String(r.reason) : 'ok')).join('; '),
  );
  assert.deepEqual(readable(authority, state.rows), [true, true, true]);
});

test('a restore waiting on its key derivation: the periodic resume starts nothing, so the rows it checked are still where it checked them', async () => {
  const { authority, state } = await authorityWithRows('restore-during-resume');
  const first = authority.secrets().current.msid;
  const backupOfFirst = await authority.backup(PASSWORD, 'first only');
  const { newMsid } = await authority.prepareRotation(PASSWORD, 'second');
  state.failList = true; // the re-encryption after the commit stops at once, as after an SSODB fault
  await authority.commitRotation(newMsid);
  await authority.idle();
  state.failList = false;
  state.reencryptDelayMs = 1500;
  // "Undo" the rotation: restore the first secret alone. The periodic resume fires during its key derivation.
  const restore = authority.restore(backupOfFirst.file, PASSWORD);
  await sleep(30);
  authority.resumeReencryptionIfNeeded();
  await restore.catch(() => undefined);
  await authority.idle();
  assert.deepEqual(readable(authority, state.rows), [true, true, true], `rows under ${state.rows.map((r) => (r.msid === first ? 'first' : r.msid === newMsid ? 'second' : 'other')).join(', ')}`);
});

test('a node that loses the lease during a commit neither switches on after it nor publishes itself over the active node', async () => {
  const { authority, state, store } = await authorityWithRows('lease-lost');
  const { newMsid } = await authority.prepareRotation(PASSWORD, 'second');
  state.countDelayMs = (msid) => (msid === newMsid ? 300 : 5);
  const commit = authority.commitRotation(newMsid);
  await sleep(100);
  authority.deactivate();
  await store.updateGlobalInfo({ secretServer: 'other-node:1' });
  await assert.rejects(commit, (e: unknown) => e instanceof SsoError && e.code === 'ENTSSO_E_MSS_UNREACHABLE');
  const info = await store.getGlobalInfo();
  assert.equal(info.secretServer, 'other-node:1');
  assert.notEqual(info.currentMsid, newMsid);
  assert.notEqual(authority.secrets().current.msid, newMsid);
  assert.equal(authority.progress, undefined);
});

test('a publication that failed after the switch is made at the next periodic resume', async () => {
  const { authority, state, store } = await authorityWithRows('publish-again');
  const { newMsid } = await authority.prepareRotation(PASSWORD, 'second');
  state.failPublish = true;
  await assert.rejects(authority.commitRotation(newMsid));
  await authority.idle();
  state.failPublish = false;
  assert.notEqual((await store.getGlobalInfo()).currentMsid, newMsid);
  authority.resumeReencryptionIfNeeded();
  await authority.stop(); // waits for the change in progress
  assert.equal((await store.getGlobalInfo()).currentMsid, newMsid);
});

test('rows under a secret nobody holds: found once, not retried (nor announced) every period; a rotation is refused naming that secret', async () => {
  let notices = 0;
  const { authority, state, logs } = await authorityWithRows('stuck', () => notices++);
  const lost = generateMasterSecret();
  state.rows.push({ application: 'App', identifier: 'lost', msid: lost.msid, timestamp: 'tx', ciphertext: encryptBag(lost, 'App', 'lost', Buffer.from('x')) });
  authority.resumeReencryptionIfNeeded();
  await authority.idle();
  const [noticesOnce, logsOnce] = [notices, logs.length];
  for (let i = 0; i < 3; i++) {
    authority.resumeReencryptionIfNeeded();
    await authority.idle();
  }
  assert.equal(notices, noticesOnce, 'no state change announced again');
  assert.equal(logs.length, logsOnce, 'nothing logged again');
  await assert.rejects(authority.prepareRotation(PASSWORD, 'x'), (e: unknown) => e instanceof SsoError && e.code === 'ENTSSO_E_REENCRYPT_IN_PROGRESS' && e.message.includes(lost.msid));
});

test('a restore is refused when a secret its backup lacks holds rows beyond the first thousand listed', async () => {
  const { authority, state } = await authorityWithRows('beyond-first-thousand');
  const first = authority.secrets().current;
  // The rotation's backup holds the new secret and the first one; the rows stay under the first (re-encryption held back).
  const { file, newMsid } = await authority.prepareRotation(PASSWORD, 'second');
  state.failList = true;
  await authority.commitRotation(newMsid);
  await authority.idle();
  state.failList = false;
  // 1,000 more rows under the first secret come first in the listing; one row under a third secret after them.
  for (let i = 3; i < 1003; i++) state.rows.push({ application: 'App', identifier: `id${i}`, msid: first.msid, timestamp: `t${i}`, ciphertext: Buffer.alloc(0) });
  const third = generateMasterSecret();
  state.rows.push({ application: 'App', identifier: 'third', msid: third.msid, timestamp: 'to', ciphertext: encryptBag(third, 'App', 'third', Buffer.from('x')) });
  await assert.rejects(authority.restore(file, PASSWORD), (e: unknown) => e instanceof SsoError && e.code === 'ENTSSO_E_BAD_FILE' && /1 of them unreadable/.test(e.message));
});

test('a restore is refused when a secret its backup lacks holds only a kept version (history), and the refusal names it', async () => {
  const { authority, state } = await authorityWithRows('kept-version-only');
  const { file, newMsid } = await authority.prepareRotation(PASSWORD, 'second'); // holds the second and the first secret
  await authority.commitRotation(newMsid);
  await authority.idle();
  // Every live row is under the second secret; one kept version is under a third (e.g. a re-encryption of history cut short).
  const third = generateMasterSecret();
  state.history.push({ application: 'App', identifier: 'id0', msid: third.msid, timestamp: 'h1', ciphertext: encryptBag(third, 'App', 'id0', Buffer.from('older value')) });
  await assert.rejects(
    authority.restore(file, PASSWORD),
    (e: unknown) => e instanceof SsoError && e.code === 'ENTSSO_E_BAD_FILE' && e.message.includes(third.msid) && /kept versions/.test(e.message),
  );
  assert.equal(authority.secrets().current.msid, newMsid, 'nothing was switched');
});

test('rows under a secret nobody holds: the refusal says which backup recovers them; one that lacks that secret is refused, and nothing is lost meanwhile', async () => {
  const { authority, state } = await authorityWithRows('stuck-recovered');
  const first = authority.secrets().current;
  const rotation = await authority.prepareRotation(PASSWORD, 'second'); // its backup holds the second and the first secret
  await authority.commitRotation(rotation.newMsid);
  await authority.idle();
  // Later a row under the first secret appears (e.g. copied from another SSODB), after the vault dropped it:
  const third = await authority.prepareRotation(PASSWORD, 'third');
  await authority.commitRotation(third.newMsid);
  await authority.idle();
  state.rows.push({ application: 'App', identifier: 'late', msid: first.msid, timestamp: 'tl', ciphertext: encryptBag(first, 'App', 'late', Buffer.from('late value')) });
  authority.resumeReencryptionIfNeeded();
  await authority.idle();
  await assert.rejects(authority.prepareRotation(PASSWORD, 'x'), (e: unknown) => e instanceof SsoError && e.message.includes(`holds both ${first.msid} and the current secret ${third.newMsid}`));
  // The backup written when the third secret was generated holds the third and the second, not the first: refused.
  await assert.rejects(authority.restore(third.file, PASSWORD), (e: unknown) => e instanceof SsoError && e.code === 'ENTSSO_E_BAD_FILE');
  assert.deepEqual(readable(authority, state.rows), [true, true, true, false]);
});

test('secret changes waiting at once are bounded: more are refused as busy, and the queue drains', async () => {
  const { authority } = await authorityWithRows('bounded-queue');
  const asked = Array.from({ length: MAX_QUEUED_SECRET_CHANGES + 3 }, () => authority.prepareRotation(PASSWORD, 'many'));
  const results = await Promise.allSettled(asked);
  const busy = results.filter((r) => r.status === 'rejected' && r.reason instanceof SsoError && r.reason.code === 'ENTSSO_E_BUSY');
  assert.equal(results.filter((r) => r.status === 'fulfilled').length, MAX_QUEUED_SECRET_CHANGES);
  assert.equal(busy.length, 3);
  await authority.prepareRotation(PASSWORD, 'after'); // the queue drained
});

/**
 * A node whose SSODB names a secret (P) and holds no configuration yet, as after a new install,
 * restores another secret (R) from a backup while SSODB cannot be written: the vault switched, SSODB
 * still names P. The node is then stopped, as an MSS restarted before publishing again.
 */
async function restoreLeftUnpublished(name: string) {
  const dir = join(scratch, name);
  await SecretVault.create(dir, generateMasterSecret());
  const state: StoreState = { rows: [], history: [], countDelayMs: () => 0 };
  const store = storeOf(state);
  const options = { vaultDir: dir, store, environmentId: 'env-test', name: 'localhost:0', log: () => undefined, onChanged: () => undefined };
  const first = new SecretAuthority(options);
  await first.openVault();
  await first.activate();
  const published = first.secrets().current;
  // The backup of the environment being recovered (another vault, same environment id).
  const otherDir = join(scratch, `${name}-source`);
  await SecretVault.create(otherDir, generateMasterSecret());
  const source = new SecretAuthority({ ...options, vaultDir: otherDir, store: storeOf({ rows: [], history: [], countDelayMs: () => 0 }) });
  await source.openVault();
  const backup = await source.backup(PASSWORD, 'dr');
  state.failPublish = true;
  await assert.rejects(first.restore(backup.file, PASSWORD), /SSODB is unreachable/);
  const restored = first.secrets().current.msid;
  await first.stop();
  state.failPublish = false;
  return { state, store, options, published, restored };
}

test('a restore whose publication failed, then a restart of the MSS: the node activates and publishes the restored secret', async () => {
  const { store, options, published, restored } = await restoreLeftUnpublished('restore-unpublished');
  assert.notEqual(restored, published.msid);
  assert.equal((await store.getGlobalInfo()).currentMsid, published.msid, 'SSODB still names the secret from before');
  const restarted = new SecretAuthority(options);
  await restarted.openVault();
  await restarted.activate();
  assert.equal((await store.getGlobalInfo()).currentMsid, restored, 'the restored secret is published');
  // And a node that merely missed a change (no restore recorded) is still refused.
  const stale = join(scratch, 'restore-unpublished-stale');
  await SecretVault.create(stale, generateMasterSecret());
  const standby = new SecretAuthority({ ...options, vaultDir: stale });
  await standby.openVault();
  await assert.rejects(standby.activate(), (e: unknown) => e instanceof SsoError && e.code === 'ENTSSO_E_NO_SECRET');
});

test('a restore record gone stale does not publish: SSODB moved on to another secret, or rows were written under the secret it named', async () => {
  for (const moved of ['another secret published', 'a row written under the named secret'] as const) {
    const { state, store, options, published } = await restoreLeftUnpublished(`restore-stale-${moved.length}`);
    // Meanwhile another node kept serving: it rotated, or its services saved under the secret SSODB names.
    if (moved === 'another secret published') await store.updateGlobalInfo({ currentMsid: generateMasterSecret().msid });
    else state.rows.push({ application: 'App', identifier: 'new', msid: published.msid, timestamp: 'tn', ciphertext: encryptBag(published, 'App', 'new', Buffer.from('v')) });
    const before = (await store.getGlobalInfo()).currentMsid;
    const restarted = new SecretAuthority(options);
    await restarted.openVault();
    await assert.rejects(restarted.activate(), (e: unknown) => e instanceof SsoError && e.code === 'ENTSSO_E_NO_SECRET', moved);
    assert.equal((await store.getGlobalInfo()).currentMsid, before, `nothing published over it (${moved})`);
  }
});

/** Node B, standby, synced the secret SSODB names before node A's restore (its own vault folder, same SSODB). */
async function standbyHolding(secret: MasterSecret, options: ConstructorParameters<typeof SecretAuthority>[0], name: string): Promise<SecretAuthority> {
  const dir = join(scratch, name);
  await SecretVault.create(dir, secret);
  const standby = new SecretAuthority({ ...options, vaultDir: dir });
  await standby.openVault();
  return standby;
}

/** What node A answers a standby's getSecrets after its restore's publication failed: the secrets and its record. */
async function activeAnswer(options: ConstructorParameters<typeof SecretAuthority>[0]) {
  const active = new SecretAuthority(options);
  await active.openVault();
  return { secrets: active.secrets(), record: await active.restoreLeftUnpublished() };
}

test('a standby that synced a restored secret whose publication failed takes over and publishes it: the record comes with the secrets', async () => {
  const { store, options, published, restored } = await restoreLeftUnpublished('standby-takes-over');
  const answer = await activeAnswer(options);
  assert.deepEqual(answer.record, { msid: restored, over: published.msid }, 'the active node hands its record over');
  const standby = await standbyHolding(published, options, 'standby-takes-over-b');
  assert.equal(await standby.adoptSecrets(answer.secrets, answer.record), true);
  await standby.activate();
  assert.equal((await store.getGlobalInfo()).currentMsid, restored, 'the standby published the restored secret');
});

test('a standby keeps its record in step with the active node even when the secrets did not change, and only for the secret it holds', async () => {
  const { store, options, published, restored } = await restoreLeftUnpublished('standby-in-step');
  const answer = await activeAnswer(options);
  const standby = await standbyHolding(published, options, 'standby-in-step-b');
  // First synced from a node of an earlier version (no record), then from this one: same secrets, record now.
  assert.equal(await standby.adoptSecrets(answer.secrets, undefined), true);
  assert.equal(await standby.adoptSecrets(answer.secrets, answer.record), false, 'the secrets did not change');
  assert.deepEqual(await standby.restoreLeftUnpublished(), answer.record, 'the record is kept all the same');
  // The active node published since (its record is gone): the standby's goes too.
  assert.equal(await standby.adoptSecrets(answer.secrets, undefined), false);
  assert.equal(await standby.restoreLeftUnpublished(), undefined, 'cleared with the active node');
  // A record paired with other secrets (an answer read mid-switch) is not kept for the secret held.
  await standby.adoptSecrets(answer.secrets, { msid: generateMasterSecret().msid, over: published.msid });
  assert.equal(await standby.restoreLeftUnpublished(), undefined, 'no record for a secret the standby does not hold as current');
  await assert.rejects(standby.activate(), (e: unknown) => e instanceof SsoError && e.code === 'ENTSSO_E_NO_SECRET');
  assert.equal((await store.getGlobalInfo()).currentMsid, published.msid, 'nothing published without the record');
  assert.notEqual(restored, published.msid);
});

test('a record synced to a standby goes stale as the restoring node\'s does: SSODB names another secret, the standby refuses and publishes nothing', async () => {
  const { store, options, published } = await restoreLeftUnpublished('standby-stale');
  const answer = await activeAnswer(options);
  const standby = await standbyHolding(published, options, 'standby-stale-b');
  await standby.adoptSecrets(answer.secrets, answer.record);
  const newer = generateMasterSecret().msid;
  await store.updateGlobalInfo({ currentMsid: newer });
  await assert.rejects(standby.activate(), (e: unknown) => e instanceof SsoError && e.code === 'ENTSSO_E_NO_SECRET');
  assert.equal((await store.getGlobalInfo()).currentMsid, newer, 'nothing published over the newer secret');
  assert.equal(await standby.restoreLeftUnpublished(), undefined, 'the stale record is dropped');
});

test('the lease taken while a sync is installing the active node\'s secrets: activation waits for it, and the node publishes the secret it serves (found by review)', async () => {
  const { store, options, published, restored } = await restoreLeftUnpublished('standby-race');
  const answer = await activeAnswer(options);
  const standby = await standbyHolding(published, options, 'standby-race-b');
  // The answer came while the restoring node was still active; the lease is taken before it is installed.
  const adopting = standby.adoptSecrets(answer.secrets, answer.record);
  const activating = standby.activate();
  await adopting;
  await activating;
  assert.equal(standby.secrets().current.msid, restored, 'the node serves the restored secret it was handed');
  assert.equal((await store.getGlobalInfo()).currentMsid, restored, 'and publishes that one, not the one it held before the sync');
  assert.equal(await standby.adoptSecrets(answer.secrets, undefined), false, 'an active node adopts nothing');
});

test('a standby never replaces a secret configurations are still under with the active node\'s secrets that lack it: it keeps its vault, says so once, and adopts once nothing is under it', async () => {
  const dir = join(scratch, 'only-copy');
  await SecretVault.create(dir, generateMasterSecret());
  const state: StoreState = { rows: [], history: [], countDelayMs: () => 0 };
  const logs: string[] = [];
  const options = { vaultDir: dir, store: storeOf(state), environmentId: 'env-test', name: 'localhost:0', log: (m: string) => logs.push(m), onChanged: () => undefined };
  const standby = new SecretAuthority(options);
  await standby.openVault();
  const mine = standby.secrets().current;
  // Restored here and served before another node took over with its own secret: rows are under mine only.
  state.rows.push({ application: 'App', identifier: 'saved-here', msid: mine.msid, timestamp: 't1', ciphertext: encryptBag(mine, 'App', 'saved-here', Buffer.from('v')) });
  const theirs = { current: generateMasterSecret() };
  assert.equal(await standby.adoptSecrets(theirs), false, 'the secrets were replaced');
  assert.equal(await standby.adoptSecrets(theirs), false);
  assert.equal(standby.secrets().current.msid, mine.msid, 'the only copy of the secret the row is under is kept');
  const said = logs.filter((line) => line.includes(`standby keeps master secret ${mine.msid}: 1 configuration(s)`));
  assert.equal(said.length, 1, `said once: ${JSON.stringify(logs)}`);
  assert.ok(!said[0]!.includes(mine.key.toString('hex')) && !said[0]!.includes(mine.key.toString('base64')), 'no key material in the log');
  // Re-encrypted under the active node's secret meanwhile: nothing is under mine any more.
  state.rows[0]!.msid = theirs.current.msid;
  assert.equal(await standby.adoptSecrets(theirs), true);
  assert.equal(standby.secrets().current.msid, theirs.current.msid);
});

/** A second secret change while the first one is not yet published in SSODB (review 6, finding 1). */
const notYetPublished = (e: unknown) => e instanceof SsoError && e.code === 'ENTSSO_E_SSODB_UNREACHABLE' && /is not yet published in SSODB/.test(e.message) && /Check Health/.test(e.message);

test('a rotation whose publication failed: the next one is refused until SSODB is told, and a restart then activates and publishes the secret the rows are under', async () => {
  const { authority, state, store, logs } = await authorityWithRows('two-unpublished');
  const first = authority.secrets().current.msid;
  state.failPublish = true; // e.g. a trigger or a permission refusing SSOX_GlobalInfo updates; rows are still written
  const one = await authority.prepareRotation(PASSWORD, 'one');
  await assert.rejects(authority.commitRotation(one.newMsid));
  await authority.idle(); // re-encrypted: every row is under the first rotation's secret
  // A second switch now would leave SSODB naming a secret the vault no longer links to: no node would activate again.
  await assert.rejects(authority.prepareRotation(PASSWORD, 'two'), notYetPublished);
  assert.equal(authority.secrets().current.msid, one.newMsid, 'nothing switched');
  // The lease is lost and taken again once SSODB accepts writes: activation publishes, and nothing is left pending.
  authority.deactivate();
  state.failPublish = false;
  await authority.activate();
  assert.equal((await store.getGlobalInfo()).currentMsid, one.newMsid);
  authority.resumeReencryptionIfNeeded();
  await authority.stop();
  assert.ok(!logs.some((l) => l.includes(`${one.newMsid} published in SSODB`)), `published once, by the activation: ${JSON.stringify(logs)}`);
  // Same from a restart: the node holds the secret the rows are under and publishes it.
  state.failPublish = true;
  const restarted = new SecretAuthority({ vaultDir: join(scratch, 'two-unpublished'), store, environmentId: 'env-test', name: 'localhost:0', log: () => undefined, onChanged: () => undefined });
  await restarted.openVault();
  await assert.rejects(restarted.activate());
  restarted.deactivate(); // mssServer gives the lease up when activation fails
  state.failPublish = false;
  await restarted.activate();
  await restarted.idle();
  assert.notEqual(restarted.secrets().current.msid, first);
  assert.deepEqual(readable(restarted, state.rows), [true, true, true]);
  // SSODB accepts writes again: the next rotation goes through.
  const two = await restarted.prepareRotation(PASSWORD, 'two');
  await restarted.commitRotation(two.newMsid);
  assert.equal((await store.getGlobalInfo()).currentMsid, two.newMsid);
});

test('a restore whose publication failed: a rotation is refused until SSODB is told; restarted, the node activates and publishes the restored secret', async () => {
  const dir = join(scratch, 'restore-then-rotate');
  await SecretVault.create(dir, generateMasterSecret());
  const state: StoreState = { rows: [], history: [], countDelayMs: () => 0 };
  const store = storeOf(state);
  const options = { vaultDir: dir, store, environmentId: 'env-test', name: 'localhost:0', log: () => undefined, onChanged: () => undefined };
  const node = new SecretAuthority(options);
  await node.openVault();
  await node.activate();
  const published = node.secrets().current.msid;
  const otherDir = join(scratch, 'restore-then-rotate-source');
  await SecretVault.create(otherDir, generateMasterSecret());
  const source = new SecretAuthority({ ...options, vaultDir: otherDir, store: storeOf({ rows: [], history: [], countDelayMs: () => 0 }) });
  await source.openVault();
  const backup = await source.backup(PASSWORD, 'dr');
  state.failPublish = true;
  await assert.rejects(node.restore(backup.file, PASSWORD));
  const restored = node.secrets().current;
  // Services synced the restored secret from this node and save under it.
  state.rows.push({ application: 'App', identifier: 'x', msid: restored.msid, timestamp: 't', ciphertext: encryptBag(restored, 'App', 'x', Buffer.from('v')) });
  await assert.rejects(node.prepareRotation(PASSWORD, 'after restore'), notYetPublished);
  await assert.rejects(node.restore(backup.file, PASSWORD), notYetPublished);
  await node.stop();
  state.failPublish = false;
  assert.equal((await store.getGlobalInfo()).currentMsid, published);
  const restarted = new SecretAuthority(options);
  await restarted.openVault();
  await restarted.activate();
  assert.equal((await store.getGlobalInfo()).currentMsid, restored.msid);
  assert.deepEqual(readable(restarted, state.rows), [true]);
});

/**
 * A standby (C) cut off from the active node (A): A switches, its publication fails, its rows move
 * to the new secret; A dies and C, holding only the secret SSODB still names, takes the lease
 * (review 6, finding 2).
 */
async function cutOffStandby(name: string, switchOnA: 'rotation' | 'restore') {
  const { authority: a, state, store } = await authorityWithRows(name);
  const p = a.secrets().current;
  const cDir = join(scratch, `${name}-c`);
  await SecretVault.create(cDir, p);
  const logs: string[] = [];
  const c = new SecretAuthority({ vaultDir: cDir, store, environmentId: 'env-test', name: 'node-c:1', log: (m) => logs.push(m), onChanged: () => undefined });
  await c.openVault();
  if (switchOnA === 'rotation') {
    const { newMsid } = await a.prepareRotation(PASSWORD, 'z');
    state.failPublish = true;
    await assert.rejects(a.commitRotation(newMsid));
    await a.idle(); // every row is under the new secret now
  } else {
    state.rows.length = 0; // a restore over a secret nothing is saved under yet
    const srcDir = join(scratch, `${name}-src`);
    await SecretVault.create(srcDir, generateMasterSecret());
    const src = new SecretAuthority({ vaultDir: srcDir, store, environmentId: 'env-test', name: 'x:1', log: () => undefined, onChanged: () => undefined });
    await src.openVault();
    const backup = await src.backup(PASSWORD, 'x');
    state.failPublish = true;
    await assert.rejects(a.restore(backup.file, PASSWORD));
    const x = a.secrets().current;
    state.rows.push({ application: 'App', identifier: 'under-x', msid: x.msid, timestamp: 't', ciphertext: encryptBag(x, 'App', 'under-x', Buffer.from('v')) });
  }
  const switchedTo = a.secrets().current.msid;
  await a.stop();
  state.failPublish = false;
  assert.equal((await store.getGlobalInfo()).currentMsid, p.msid, 'SSODB still names the secret C holds');
  return { c, state, store, logs, p, switchedTo };
}

test('a standby cut off from a switch whose publication failed does not publish its older secret over rows under the new one while another node was seen alive, and says so once', async () => {
  for (const switchOnA of ['rotation', 'restore'] as const) {
    const { c, state, store, logs, p, switchedTo } = await cutOffStandby(`cutoff-${switchOnA}`, switchOnA);
    state.nodes = [{ name: 'localhost:0', role: 'active', lastSeenAt: Date.now() - 2000, lastTakeoverAt: null }];
    for (let i = 0; i < 3; i++) {
      await assert.rejects(c.activate(), (e: unknown) => e instanceof SsoError && e.code === 'ENTSSO_E_NO_SECRET' && e.message.includes(switchedTo), switchOnA);
      // mssServer gives the lease up on that refusal; it takes it again after its hold-off.
      c.deactivate();
    }
    assert.equal((await store.getGlobalInfo()).currentMsid, p.msid, `${switchOnA}: nothing published`);
    const said = logs.filter((l) => l.includes(`stored under ${switchedTo}, which it does not hold: it gives the lease up`));
    assert.equal(said.length, 1, `${switchOnA}: said once: ${JSON.stringify(logs)}`);
    assert.ok(said[0]!.includes('localhost:0') && said[0]!.includes(`restore a backup that holds both ${switchedTo} and ${p.msid}`), said[0]);
    assert.ok(!said[0]!.includes(p.key.toString('hex')) && !said[0]!.includes(p.key.toString('base64')), 'no key material in the log');
  }
});

test('a standby that finds rows under a secret it lacks and no other node seen alive lately activates alone (a restore stays possible) and says what to restore', async () => {
  const { c, state, store, logs, p, switchedTo } = await cutOffStandby('cutoff-alone', 'rotation');
  state.nodes = [
    { name: 'localhost:0', role: 'active', lastSeenAt: Date.now() - 60_000, lastTakeoverAt: null },
    { name: 'node-c:1', role: 'standby', lastSeenAt: Date.now(), lastTakeoverAt: null },
  ];
  await c.activate();
  assert.equal((await store.getGlobalInfo()).secretServer, 'node-c:1', 'reachable for a restore');
  assert.ok(logs.some((l) => l.includes(`no other master secret server node was seen alive`) && l.includes(`restore a backup that holds both ${switchedTo} and ${p.msid}`)), JSON.stringify(logs));
  await c.stop();
});

test('standbys that all lack the secret rows are under do not leave the lease to one another for ever: after a few windows one activates and says why', async () => {
  const { c, state, store, logs, switchedTo } = await cutOffStandby('cutoff-deadlock', 'rotation');
  const windowMs = 100;
  const again = new SecretAuthority({ vaultDir: join(scratch, 'cutoff-deadlock-c'), store, environmentId: 'env-test', name: 'node-c:1', peerAliveWindowMs: windowMs, log: (m) => logs.push(m), onChanged: () => undefined });
  await again.openVault();
  await c.stop();
  // Another standby (D, lacking the same secret) is seen alive all along: it stands aside too.
  const seenJustNow = () => (state.nodes = [{ name: 'node-d:1', role: 'standby', lastSeenAt: Date.now(), lastTakeoverAt: null }]);
  seenJustNow();
  await assert.rejects(again.activate(), (e: unknown) => e instanceof SsoError && e.code === 'ENTSSO_E_NO_SECRET');
  again.deactivate();
  await sleep(windowMs * 4 + 20);
  seenJustNow();
  await again.activate();
  assert.equal((await store.getGlobalInfo()).secretServer, 'node-c:1');
  assert.ok(logs.some((l) => l.includes(`stored under ${switchedTo}, which it does not hold; no other master secret server node took over with it in`)), JSON.stringify(logs));
  await again.stop();
});

test('a node without a secret that takes the lease leaves it while another node was seen alive, and says which node holds the secret; alone it keeps it', async () => {
  const dir = join(scratch, 'vaultless');
  const state: StoreState = { rows: [], history: [], countDelayMs: () => 0 };
  const store = storeOf(state);
  await store.updateGlobalInfo({ secretServer: 'node-a:1' });
  const logs: string[] = [];
  const node = new SecretAuthority({ vaultDir: dir, store, environmentId: 'env-test', name: 'node-n:1', log: (m) => logs.push(m), onChanged: () => undefined });
  await node.openVault();
  assert.equal(node.holdsSecret, false);
  state.nodes = [{ name: 'node-a:1', role: 'standby', lastSeenAt: Date.now() - 1000, lastTakeoverAt: null }];
  for (let i = 0; i < 2; i++) {
    await assert.rejects(node.activate(), (e: unknown) => e instanceof SsoError && e.code === 'ENTSSO_E_NO_SECRET');
    node.deactivate();
  }
  const said = logs.filter((l) => l.includes('this node holds no master secret, so it gives the lease up'));
  assert.equal(said.length, 1, JSON.stringify(logs));
  assert.ok(said[0]!.includes('SSODB names node-a:1'), said[0]);
  state.nodes = [{ name: 'node-a:1', role: 'standby', lastSeenAt: Date.now() - 60_000, lastTakeoverAt: null }];
  await node.activate(); // alone: it keeps the lease so that a backup can be restored on it
});

test('a node that loses the lease after its vault switched says so, not that the change was not made (review 6, finding 8)', async () => {
  const { store, options, published } = await restoreLeftUnpublished('switched-then-lost');
  // The lease is lost just after the vault switched (the restore logs it then): SSODB is not told.
  const node: SecretAuthority = new SecretAuthority({
    ...options,
    log: (m: string) => {
      if (/restored from a backup/.test(m)) node.deactivate();
    },
  });
  await node.openVault();
  await node.activate();
  const srcDir = join(scratch, 'switched-then-lost-src');
  await SecretVault.create(srcDir, generateMasterSecret());
  const src = new SecretAuthority({ ...options, vaultDir: srcDir, store: storeOf({ rows: [], history: [], countDelayMs: () => 0 }) });
  await src.openVault();
  const before = (await store.getGlobalInfo()).currentMsid;
  const error = await node.restore((await src.backup(PASSWORD, 'y')).file, PASSWORD).then(() => undefined, (e: unknown) => e);
  assert.ok(error instanceof SsoError && error.code === 'ENTSSO_E_MSS_UNREACHABLE', String(error));
  assert.doesNotMatch(error.message, /was not made/);
  assert.match(error.message, new RegExp(`vault had switched to master secret \\{?${node.secrets().current.msid.replace(/[{}]/g, '.')}`));
  assert.equal((await store.getGlobalInfo()).currentMsid, before, 'SSODB not told');
  assert.notEqual(before, published.msid);
});
