/**
 * Fault matrix with real processes (faults by SIGKILL / SIGSTOP): for each fault, what the
 * client sees (a stable code and a sentence), that no acknowledged write is lost, that no
 * partial write is visible, and that the system recovers by itself when the fault ends.
 *
 * Each configuration is written with both fields carrying the same token, so a partially
 * applied write would show up as two fields that disagree.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { SsoClient } from '../../src/ssoClient/client';
import { SsoError } from '../../src/protocol/errors';
import { readToken } from '../../src/ssoService/environment';
import { TestEnvironment, waitForState, waitUntil } from '../integration/harness';

const FLAPS = Number(process.env.SSO_FLAPS ?? 4);

interface Tally {
  /** Last acknowledged token per configuration (at most one entry per identifier). */
  acknowledged: Map<string, string>;
  /** How many writes were acknowledged in all (the map above stops growing once every identifier was written). */
  writes: number;
  refused: Map<string, number>;
  unexpected: string[];
}

function newTally(): Tally {
  return { acknowledged: new Map(), writes: 0, refused: new Map(), unexpected: [] };
}

/** Writes `identifier` = token in both fields; records the outcome by error code. */
async function writeOnce(c: SsoClient, identifier: string, token: string, tally: Tally, allowed: string[]): Promise<void> {
  try {
    let expected: string | null = null;
    try {
      expected = (await c.request('config.get', { application: 'Faults', identifier })).timestamp;
    } catch (err) {
      if (!(err instanceof SsoError && err.code === 'ENTSSO_E_MAPPING_NOT_FOUND')) throw err;
    }
    await c.request('config.set', { application: 'Faults', identifier, fields: { A: token, B: token }, expectedTimestamp: expected });
    tally.acknowledged.set(identifier, token);
    tally.writes++;
  } catch (err) {
    const code = err instanceof SsoError ? err.code : String(err);
    if (allowed.includes(code)) tally.refused.set(code, (tally.refused.get(code) ?? 0) + 1);
    else tally.unexpected.push(`${code}: ${err instanceof Error ? err.message : ''}`);
  }
}

async function verifyNothingLost(c: SsoClient, tally: Tally): Promise<void> {
  for (const [identifier, token] of tally.acknowledged) {
    const doc = await c.request('config.get', { application: 'Faults', identifier });
    assert.equal(doc.fields.A, doc.fields.B, `${identifier}: no partial write visible`);
    assert.equal(doc.fields.A, token, `${identifier}: the acknowledged write is there`);
  }
}

describe('fault matrix', () => {
  let t: TestEnvironment;

  before(async () => {
    t = await TestEnvironment.started({ syncIntervalSeconds: 1 });
    const c = await t.client();
    await c.request('apps.create', { name: 'Faults', kind: 'configStore', fields: [{ label: 'A', masked: false }, { label: 'B', masked: false }] });
  });
  after(async () => t.dispose());

  test(`MSS flapping (${FLAPS} kill/restart cycles) while writing: only documented refusals, nothing lost, recovers by itself`, async () => {
    const c = await t.client();
    const tally = newTally();
    let stop = false;
    let n = 0;
    const writer = (async () => {
      while (!stop) {
        await writeOnce(c, `flap-${n % 20}`, `t${n}`, tally, ['ENTSSO_E_NO_SECRET']);
        n++;
      }
    })();
    for (let i = 0; i < FLAPS; i++) {
      await new Promise((r) => setTimeout(r, 700));
      await t.mss!.kill('SIGKILL');
      await waitForState(c, 'cached', t.syncIntervalMs + 2000);
      await new Promise((r) => setTimeout(r, 700));
      await t.startMss();
      await waitForState(c, 'ready', t.syncIntervalMs + 3000);
    }
    stop = true;
    await writer;
    assert.deepEqual(tally.unexpected, []);
    assert.ok((tally.refused.get('ENTSSO_E_NO_SECRET') ?? 0) > 0, 'writes were refused while the MSS was down');
    assert.ok(tally.acknowledged.size > 0);
    await verifyNothingLost(c, tally);
    console.log(`# flapping: ${n} writes, ${[...tally.refused.values()].reduce((a, b) => a + b, 0)} refused (ENTSSO_E_NO_SECRET), 0 lost`);
  });

  test('MSS paused (SIGSTOP) past the request timeout: cached, then ready after SIGCONT', async () => {
    const c = await t.client();
    t.mss!.signal('SIGSTOP');
    try {
      const s = await waitForState(c, 'cached', t.syncIntervalMs * 2 + 3000);
      assert.match(s.message, /Decryption still works/);
    } finally {
      t.mss!.signal('SIGCONT');
    }
    await waitForState(c, 'ready', t.syncIntervalMs * 2 + 3000);
  });

  test('SSO service killed during a write stream: clients see a stable code, reconnect by themselves, nothing acknowledged is lost', async () => {
    const env = t.env;
    const c = new SsoClient({ socketPath: env.config.socketPath, token: readToken(env), clientName: 'faults', reconnect: true, reconnectDelayMs: 200, requestTimeoutMs: 5000 });
    t.clients.push(c);
    await c.connect();
    const tally = newTally();
    let stop = false;
    let n = 0;
    const writer = (async () => {
      while (!stop) {
        await writeOnce(c, `svc-${n % 20}`, `s${n}`, tally, ['ENTSSO_E_NOT_CONNECTED', 'ENTSSO_E_TIMEOUT']);
        n++;
        if (c.connectionStatus !== 'connected') await new Promise((r) => setTimeout(r, 50));
      }
    })();
    try {
      await waitUntil(() => tally.writes >= 5, 10_000, () => 'no writes before the kill');
      await t.service!.kill('SIGKILL');
      await waitUntil(() => (tally.refused.get('ENTSSO_E_NOT_CONNECTED') ?? 0) > 0, 5000, () => 'no NOT_CONNECTED seen');
      await t.startService();
      await waitUntil(() => c.connectionStatus === 'connected', 10_000, () => 'client did not reconnect');
      const before = tally.writes;
      // A service killed while holding the SSODB lock in the microseconds before recording its
      // owner leaves a lock that is broken by age (2 s): allow for that, and for a loaded machine.
      await waitUntil(() => tally.writes > before + 5, 20_000, () => `writes did not resume after reconnect (${JSON.stringify(tally.unexpected.slice(0, 3))})`);
    } finally {
      stop = true;
      await writer;
    }
    // An in-flight write cut by the kill may have been applied without acknowledgement: allowed.
    // What is not allowed: an acknowledged write missing, or a half-applied one.
    assert.deepEqual(tally.unexpected, []);
    await verifyNothingLost(c, tally);
  });

  test('a client disconnecting right after sending a write leaves either the whole write or none', async () => {
    const c = await t.client();
    await c.request('config.set', { application: 'Faults', identifier: 'cut', fields: { A: 'before', B: 'before' }, expectedTimestamp: null });
    for (let i = 0; i < 10; i++) {
      const doc = await c.request('config.get', { application: 'Faults', identifier: 'cut' });
      const victim = new SsoClient({ socketPath: t.env.config.socketPath, token: readToken(t.env), clientName: 'victim' });
      await victim.connect();
      const pending = victim.request('config.set', { application: 'Faults', identifier: 'cut', fields: { A: `cut${i}`, B: `cut${i}` }, expectedTimestamp: doc.timestamp }).catch(() => undefined);
      victim.close();
      await pending;
      await new Promise((r) => setTimeout(r, 20));
      const after = await c.request('config.get', { application: 'Faults', identifier: 'cut' });
      assert.equal(after.fields.A, after.fields.B, 'never half a write');
      assert.ok(after.fields.A === `cut${i}` || after.fields.A === doc.fields.A);
    }
    assert.equal((await c.request('status', {})).state, 'ready');
  });
});
