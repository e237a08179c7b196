/**
 * entsso-bridge.exe over the ENTSSO STAND-IN: the field-change lock's remaining holes (review 9,
 * findings 5, 6 and 8). An owner paused past the stale limit (a VM snapshot, a sleeping laptop) and
 * resumed must not delete the copy the new owner works from; a listing that ignores the type filter
 * must not hide a lock; a save asks ENTSSO about no missing application (on real ENTSSO each such
 * question is a failed call that may be audited in the event log); an application of another tool
 * with a lock's name is not deleted. The pause is a SIGSTOP at a test-build pause point, with the
 * test build's short heartbeat and stale limit; a delay on GetFieldInfo widens the new owner's window.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { BridgeProcess, Flags, SEED, type SeededBridge, readStandinState, refusal, setStandinFault, standinValues, startSeededBridge, updateStandinState } from '../entssoStandin/standin';

const APP = SEED.sftpSendHandler;
const IDS = [SEED.sftpSendHandler, SEED.sendPortOrders, SEED.sendPortInvoices];
const STALE_MS = 3000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const outcome = (p: Promise<unknown>) => p.then(() => 'ok', (e: Error) => `refused: ${e.message}`);

function names(h: SeededBridge): string[] {
  return readStandinState(h.stateFile).applications.map((a) => a.name);
}

function valuesOf(h: SeededBridge): Record<string, Record<string, string> | undefined> {
  return Object.fromEntries(IDS.map((id) => [id, standinValues(h.stateFile, APP, id)]));
}

/** A lock (generation `generation`) held by a bridge on another machine, heartbeat now. */
function foreignLock(h: SeededBridge, name: string, description?: string): void {
  const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  updateStandinState(h.stateFile, (s) => {
    const groups = s.applications.find((a) => a.name === APP)!;
    s.applications.push({
      name, contact: '', userGroup: groups.userGroup, adminGroup: groups.adminGroup, flags: Flags.configStore | Flags.enabled, numFields: 1,
      fields: [{ label: 'owner', flags: 0 }], configs: {},
      description: description ?? `entsso-bridge field-change lock; machine=BTS99; pid=4242; started=2026-01-01T00:00:00Z; heartbeat=${now}`,
    });
  });
}

async function until(check: () => boolean, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

describe('entsso-bridge: who owns a field change', { timeout: 240_000 }, () => {
  test('an owner paused past the stale limit and resumed deletes nothing the new owner needs: the application survives', async () => {
    const h = await startSeededBridge({ pollMs: 60_000 });
    const resumeFile = join(h.dir, 'resume');
    const short = { ENTSSO_BRIDGE_LOCK_HEARTBEAT_MS: '200', ENTSSO_BRIDGE_LOCK_STALE_MS: String(STALE_MS) };
    const owner = await BridgeProcess.start({ ...h.env, ...short, ENTSSO_BRIDGE_PAUSE_AT: 'new-complete', ENTSSO_BRIDGE_RESUME_FILE: resumeFile }, { pollMs: 60_000 });
    let taker: BridgeProcess | undefined;
    let stopped = false;
    try {
      await owner.hello();
      const before = valuesOf(h);
      const change = outcome(owner.request('apps.addField', { name: APP, fields: [{ label: 'proxyHost' }] }));
      assert.ok((await owner.logLines(/ pause-point new-complete/, 1, 60_000)).length > 0, owner.stderr.join('\n'));
      // The owner's machine pauses (its heartbeat too) right before it deletes the copy.
      process.kill(owner.child.pid!, 'SIGSTOP');
      stopped = true;
      writeFileSync(resumeFile, '');
      const heartbeat = /heartbeat=(\S+)/.exec(readStandinState(h.stateFile).applications.find((a) => a.name === `${APP}~entsso-bridge-lock`)?.description ?? '')?.[1];
      assert.ok(heartbeat, 'the owner holds its lock');
      await until(() => Date.now() > Date.parse(heartbeat) + STALE_MS + 1500, 'the stale limit');
      // Slow reads widen the window in which the new owner works from the copy.
      setStandinFault(h.stateFile, { delayCalls: { GetFieldInfo: 1500 } });
      taker = await BridgeProcess.start({ ...h.env, ...short }, { pollMs: 60_000 });
      // Resumed once the new owner has deleted the original (to rebuild it from the copy) or has finished.
      await until(() => !names(h).includes(APP) || !names(h).includes(`${APP}~entsso-bridge-tmp`), 'the new owner to act');
      process.kill(owner.child.pid!, 'SIGCONT');
      stopped = false;
      const said = await change;
      await taker.hello();
      setStandinFault(h.stateFile, { delayCalls: {} });
      await taker.request('apps.list', {});
      assert.ok(names(h).includes(APP), `the application survives (owner: ${said}); applications: ${names(h).join(', ')}\n${taker.stderr.join('\n')}`);
      for (const id of IDS) assert.deepEqual(valuesOf(h)[id], { ...before[id], proxyHost: '' }, id);
      assert.deepEqual(names(h).filter((n) => n.includes('~entsso-bridge')), []);
      assert.ok((await taker.logLines(/ recovery .*already rebuilt with the new fields/)).length > 0, `a rebuilt original is not deleted again:\n${taker.stderr.join('\n')}`);
    } finally {
      if (stopped) process.kill(owner.child.pid!, 'SIGCONT');
      await owner.stop();
      await taker?.stop();
      await h.dispose();
    }
  });

  test('a listing that ignores the type filter: a superseded lock at generation 1 still makes a second field change wait', async () => {
    const h = await startSeededBridge({ pollMs: 60_000 });
    try {
      updateStandinState(h.stateFile, (s) => Object.assign(s, { ignoreTypeFilter: true }));
      foreignLock(h, `${APP}~entsso-bridge-lock-1`);
      const second = await h.restart();
      const refused = await refusal(second.request('apps.addField', { name: APP, fields: [{ label: 'x' }] }));
      assert.equal(refused.ssoCode, 'ENTSSO_E_CONFLICT');
      assert.match(refused.message, /Another Enterprise SSO client is changing the fields.*machine=BTS99/);
      // Finding 8: the text says when a lock left by a client that stopped can be taken over.
      assert.match(refused.message, /if that client stopped, this is possible again from \d{4}-\d\d-\d\d \d\d:\d\d UTC, 10 minutes after its last heartbeat/);
      assert.ok(!names(h).includes(`${APP}~entsso-bridge-lock`), 'no second owner at generation 0');
      assert.ok(!readStandinState(h.stateFile).applications.find((a) => a.name === APP)!.fields.some((f) => f.label === 'x'));
    } finally {
      await h.dispose();
    }
  });

  test('a listing that ignores the type filter: a copy a save found is finished by the next request', async () => {
    const h = await startSeededBridge({ crashAt: 'old-deleted', pollMs: 60_000 });
    try {
      const before = valuesOf(h);
      await h.bridge.request('apps.addField', { name: APP, fields: [{ label: 'proxyHost' }] }).catch(() => undefined);
      await h.bridge.exited;
      updateStandinState(h.stateFile, (s) => Object.assign(s, { ignoreTypeFilter: true }));
      const next = await h.restart();
      assert.ok(!names(h).includes(APP), 'the start-up recovery cannot see the copy in such a listing');
      const refused = await refusal(next.request('config.set', { application: APP, identifier: SEED.sendPortOrders, fields: { uri: 'sftp://x' }, expectedTimestamp: 'x' }));
      assert.equal(refused.ssoCode, 'ENTSSO_E_BUSY');
      await next.request('apps.list', {});
      assert.ok(names(h).includes(APP), `finished: ${names(h).join(', ')}\n${next.stderr.join('\n')}`);
      for (const id of IDS) assert.deepEqual(valuesOf(h)[id], { ...before[id], proxyHost: '' }, id);
      assert.deepEqual(names(h).filter((n) => n.includes('~entsso-bridge')), []);
    } finally {
      await h.dispose();
    }
  });

  test('a save asks ENTSSO about no missing application (each would be a failed, maybe audited, call)', async () => {
    const h = await startSeededBridge({ pollMs: 60_000 });
    try {
      const doc = await h.bridge.request('config.get', { application: APP, identifier: SEED.sendPortOrders });
      setStandinFault(h.stateFile, { callCounts: {} });
      const saved = await h.bridge.request('config.set', { application: APP, identifier: SEED.sendPortOrders, fields: { uri: 'sftp://counted' }, expectedTimestamp: doc.timestamp });
      await h.bridge.request('config.delete', { application: APP, identifier: SEED.sendPortOrders, expectedTimestamp: saved.timestamp });
      const counts = readStandinState(h.stateFile).callCounts ?? {};
      assert.equal(counts['GetApplicationInfo:missing'] ?? 0, 0, JSON.stringify(counts));
      // One listing before the write (lock and copy) and one after (copy), for each of the two.
      assert.equal(counts.GetApplications2, 4, JSON.stringify(counts));
    } finally {
      await h.dispose();
    }
  });

  test('an application of another tool with a lock name is superseded but not deleted', async () => {
    const h = await startSeededBridge({ pollMs: 60_000 });
    try {
      foreignLock(h, `${APP}~entsso-bridge-lock`, 'Made by a deployment script');
      const started = await h.restart();
      await started.request('apps.addField', { name: APP, fields: [{ label: 'proxyHost' }] });
      assert.ok((await started.logLines(/ lock-foreign-kept /)).length > 0, started.stderr.join('\n'));
      assert.deepEqual(names(h).filter((n) => n.includes('~entsso-bridge')), [`${APP}~entsso-bridge-lock`]);
      assert.ok(readStandinState(h.stateFile).applications.find((a) => a.name === APP)!.fields.some((f) => f.label === 'proxyHost'));
      // It blocks no save either: only a bridge's own lock (its description parses) means a change is running.
      const doc = await started.request('config.get', { application: APP, identifier: SEED.sendPortOrders });
      await started.request('config.set', { application: APP, identifier: SEED.sendPortOrders, fields: { uri: 'sftp://saved' }, expectedTimestamp: doc.timestamp });
      assert.equal(standinValues(h.stateFile, APP, SEED.sendPortOrders)?.uri, 'sftp://saved');
    } finally {
      await h.dispose();
    }
  });

  test('a request refused past its notAfter says notStarted (the extension then says "Not saved")', async () => {
    const h = await startSeededBridge({ pollMs: 60_000 });
    try {
      const line = JSON.stringify({ jsonrpc: '2.0', id: 'late', method: 'config.set', notAfter: Date.now() - 1000, params: { application: APP, identifier: SEED.sendPortOrders, fields: { uri: 'sftp://late' }, expectedTimestamp: 'x' } });
      const refused = await refusal(h.bridge.sendRaw(line + '\n', 'late'));
      assert.equal(refused.ssoCode, 'ENTSSO_E_TIMEOUT');
      assert.deepEqual(refused.error.data.details, { notStarted: true });
    } finally {
      await h.dispose();
    }
  });

  test('a state poll that always throws (not an ENTSSO error) gives a state that says so, not "Still checking" for ever', async () => {
    const h = await startSeededBridge({ pollMs: 60_000 });
    const failing = await BridgeProcess.start({ ...h.env, ENTSSO_BRIDGE_POLL_FAULT: '1' }, { pollMs: 300 });
    try {
      const hello = await failing.hello();
      assert.equal(hello.state.state, 'cached');
      assert.equal(hello.state.canEncrypt, false);
      assert.match(hello.state.message, /cannot check the state of Enterprise SSO: every check fails \(InvalidCastException\).*--self-check/);
    } finally {
      await failing.stop();
      await h.dispose();
    }
  });
});
