/**
 * entsso-bridge.exe over the ENTSSO STAND-IN: the field-change lock when lock names are reused and
 * when lock generations are probed by name (review 11, F1 and F4). A superseded owner must not delete
 * the lock a later owner took under the same name; a lock this process left behind is re-taken with a
 * fresh heartbeat; probing (a listing that ignores the type filter) sees a live lock past a gap in the
 * generations, and an application of another tool with a lock's name blocks no save.
 */
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { BridgeProcess, Flags, SEED, type SeededBridge, readStandinState, refusal, setStandinFault, standinValues, startSeededBridge, updateStandinState } from '../entssoStandin/standin';

const APP = SEED.sftpSendHandler;
const LOCK = `${APP}~entsso-bridge-lock`;
const OLD_BEAT = '2026-01-01T00:00:00Z';
const outcome = (p: Promise<unknown>) => p.then(() => 'ok', (e: Error) => `refused: ${e.message}`);
const liveOwner = () => `entsso-bridge field-change lock; machine=BTS99; pid=4242; started=2026-01-01T00:00:00Z; heartbeat=${new Date().toISOString().replace(/\.\d+Z$/, 'Z')}`;

function names(h: SeededBridge): string[] {
  return readStandinState(h.stateFile).applications.map((a) => a.name);
}

function lockDescription(h: SeededBridge, name = LOCK): string | undefined {
  return readStandinState(h.stateFile).applications.find((a) => a.name === name)?.description;
}

/** Adds (or rewrites the description of) the application `name`, with the groups of APP. */
function putLock(h: SeededBridge, name: string, description: string): void {
  updateStandinState(h.stateFile, (s) => {
    const existing = s.applications.find((a) => a.name === name);
    if (existing) {
      existing.description = description;
      return;
    }
    const groups = s.applications.find((a) => a.name === APP)!;
    s.applications.push({
      name, description, contact: '', userGroup: groups.userGroup, adminGroup: groups.adminGroup, flags: Flags.configStore | Flags.enabled, numFields: 1,
      fields: [{ label: 'owner', flags: 0 }], configs: {},
    });
  });
}

async function pausedOwner(h: SeededBridge, step: string): Promise<{ owner: BridgeProcess; resumeFile: string }> {
  const resumeFile = join(h.dir, 'resume');
  const owner = await BridgeProcess.start({ ...h.env, ENTSSO_BRIDGE_PAUSE_AT: step, ENTSSO_BRIDGE_RESUME_FILE: resumeFile }, { pollMs: 60_000 });
  await owner.hello();
  return { owner, resumeFile };
}

describe('entsso-bridge: lock names reused, lock generations probed (stand-in)', { timeout: 240_000 }, () => {
  test('a superseded owner does not delete the lock a later owner took under the same name', async () => {
    const h = await startSeededBridge({ pollMs: 60_000 });
    const { owner, resumeFile } = await pausedOwner(h, 'new-complete');
    try {
      const change = outcome(owner.request('apps.addField', { name: APP, fields: [{ label: 'proxyHost' }] }));
      assert.ok((await owner.logLines(/ pause-point new-complete/, 1, 60_000)).length > 0, owner.stderr.join('\n'));
      // Meanwhile (the owner paused past the stale limit) another bridge superseded it and released, and a third took generation 0 again.
      const third = liveOwner();
      putLock(h, LOCK, third);
      writeFileSync(resumeFile, '');
      assert.match(await change, /took over this field change/);
      assert.equal(lockDescription(h), third, `the third bridge's lock is kept:\n${owner.stderr.join('\n')}`);
    } finally {
      await owner.stop();
      await h.dispose();
    }
  });

  test('a lock this process left behind is re-taken with a fresh heartbeat before a recovery acts under it', async () => {
    const h = await startSeededBridge({ pollMs: 60_000 });
    const { owner, resumeFile } = await pausedOwner(h, 'old-deleted');
    const pauses = () => owner.stderr.join('\n').split(' pause-point old-deleted').length - 1;
    try {
      const change = outcome(owner.request('apps.addField', { name: APP, fields: [{ label: 'proxyHost' }] }));
      await owner.logLines(/ pause-point old-deleted/, 1, 60_000);
      const mine = lockDescription(h);
      assert.match(mine ?? '', /heartbeat=/);
      // The original is deleted and the copy complete; now creating fails (the change stops) and so does the lock's release.
      setStandinFault(h.stateFile, { failCalls: { CreateApplication: '0xC0002AFF', DeleteApplication: '0xC0002AFF' } });
      writeFileSync(resumeFile, '');
      assert.match(await change, /^refused/);
      assert.ok(names(h).includes(`${APP}~entsso-bridge-tmp`) && !names(h).includes(APP), names(h).join(', '));
      setStandinFault(h.stateFile, { failCalls: {} });
      // Left behind with this process as owner; time passes (an old heartbeat).
      putLock(h, LOCK, lockDescription(h)!.replace(/heartbeat=\S+/, `heartbeat=${OLD_BEAT}`));
      rmSync(resumeFile);
      const before = pauses();
      const recovered = outcome(owner.request('apps.list', {}));
      await owner.logLines(/ pause-point old-deleted/, before + 1, 60_000);
      const taken = lockDescription(h) ?? '';
      writeFileSync(resumeFile, '');
      assert.equal(await recovered, 'ok');
      assert.equal(taken.replace(/heartbeat=\S+/, ''), mine!.replace(/heartbeat=\S+/, ''), 'the same owner');
      assert.ok(!taken.includes(OLD_BEAT), `the recovery runs under a fresh heartbeat: ${taken}\n${owner.stderr.join('\n')}`);
      assert.ok(names(h).includes(APP), names(h).join(', '));
    } finally {
      await owner.stop();
      await h.dispose();
    }
  });

  test('a listing that ignores the type filter: a live lock past a gap (another tool\'s generation 0, live generation 2) makes a field change wait', async () => {
    const h = await startSeededBridge({ pollMs: 60_000 });
    try {
      updateStandinState(h.stateFile, (s) => Object.assign(s, { ignoreTypeFilter: true }));
      putLock(h, LOCK, 'Made by a deployment script');
      putLock(h, `${LOCK}-2`, liveOwner());
      const second = await h.restart();
      const refused = await refusal(second.request('apps.addField', { name: APP, fields: [{ label: 'x' }] }));
      assert.equal(refused.ssoCode, 'ENTSSO_E_CONFLICT');
      assert.match(refused.message, /machine=BTS99/);
      assert.equal(lockDescription(h, `${LOCK}-1`), undefined, 'no second owner at generation 1');
    } finally {
      await h.dispose();
    }
  });

  test('a listing that ignores the type filter: a save is refused while a live lock is at generation 4 (0-3 superseded and deleted)', async () => {
    const h = await startSeededBridge({ pollMs: 60_000 });
    try {
      updateStandinState(h.stateFile, (s) => Object.assign(s, { ignoreTypeFilter: true }));
      putLock(h, `${LOCK}-4`, liveOwner());
      const next = await h.restart();
      const doc = await next.request('config.get', { application: APP, identifier: SEED.sendPortOrders });
      const refused = await refusal(next.request('config.set', { application: APP, identifier: SEED.sendPortOrders, fields: { uri: 'sftp://x' }, expectedTimestamp: doc.timestamp }));
      assert.equal(refused.ssoCode, 'ENTSSO_E_BUSY');
    } finally {
      await h.dispose();
    }
  });

  test('a listing that ignores the type filter: another tool\'s application with a lock name blocks no save', async () => {
    const h = await startSeededBridge({ pollMs: 60_000 });
    try {
      updateStandinState(h.stateFile, (s) => Object.assign(s, { ignoreTypeFilter: true }));
      putLock(h, LOCK, 'Made by a deployment script');
      const next = await h.restart();
      const doc = await next.request('config.get', { application: APP, identifier: SEED.sendPortOrders });
      await next.request('config.set', { application: APP, identifier: SEED.sendPortOrders, fields: { uri: 'sftp://saved' }, expectedTimestamp: doc.timestamp });
      assert.equal(standinValues(h.stateFile, APP, SEED.sendPortOrders)?.uri, 'sftp://saved');
    } finally {
      await h.dispose();
    }
  });
});
