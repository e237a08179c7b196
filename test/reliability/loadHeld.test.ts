/**
 * Load held: clients read and write for a fixed time while the MSS flaps. No error other than
 * the documented refusals, nothing acknowledged lost, and the service's resident memory grows
 * by less than a stated bound. SSO_LOAD_SECONDS=300 for the long soak; 15 s in `npm test`.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import type { SsoClient } from '../../src/ssoClient/client';
import { SsoError } from '../../src/protocol/errors';
import { TestEnvironment } from '../integration/harness';

const SECONDS = Number(process.env.SSO_LOAD_SECONDS ?? 15);
const CLIENTS = 4;
const FLAP_EVERY_MS = 3000;
/** Resident memory the service may gain over the run, after warm-up. */
const RSS_GROWTH_BOUND_MB = 40;
const DOCUMENTED = new Set(['ENTSSO_E_NO_SECRET', 'ENTSSO_E_CONFLICT']);

function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

describe(`load held for ${SECONDS} s with the MSS flapping`, () => {
  let t: TestEnvironment;

  before(async () => {
    t = await TestEnvironment.started({ syncIntervalSeconds: 1 });
    const c = await t.client();
    await c.request('apps.create', { name: 'Load', kind: 'configStore', fields: [{ label: 'A', masked: false }, { label: 'B', masked: true }] });
    for (let i = 0; i < 50; i++) await c.request('config.set', { application: 'Load', identifier: `k${i}`, fields: { A: 'init', B: 'init' }, expectedTimestamp: null });
  });
  after(async () => t.dispose());

  test('only documented refusals, nothing lost, bounded memory', async (ctx) => {
    if (process.platform !== 'linux') {
      ctx.skip('reads resident memory from /proc (Linux only)');
      return;
    }
    const clients: SsoClient[] = [];
    for (let i = 0; i < CLIENTS; i++) clients.push(await t.client());
    const pid = t.service!.child.pid!;
    const counts = { reads: 0, writes: 0, refused: 0, unexpected: [] as string[] };
    /** Per key, the acknowledged write with the highest row version: the one SSODB must hold. */
    const acknowledged = new Map<string, { value: string; version: bigint }>();
    const deadline = Date.now() + SECONDS * 1000;
    let warmRss = 0;
    let peakRss = 0;

    const work = clients.map(async (c, ci) => {
      for (let n = 0; Date.now() < deadline; n++) {
        const id = `k${(ci * 13 + n) % 50}`;
        try {
          const doc = await c.request('config.get', { application: 'Load', identifier: id });
          counts.reads++;
          if (n % 2 === 0) {
            const value = `c${ci}n${n}`;
            const row = await c.request('config.set', { application: 'Load', identifier: id, fields: { A: value }, expectedTimestamp: doc.timestamp });
            const version = BigInt(row.timestamp);
            if ((acknowledged.get(id)?.version ?? -1n) < version) acknowledged.set(id, { value, version });
            counts.writes++;
          }
        } catch (err) {
          const code = err instanceof SsoError ? err.code : String(err);
          if (DOCUMENTED.has(code)) counts.refused++;
          else counts.unexpected.push(code);
        }
      }
    });
    const flapper = (async () => {
      let down = false;
      while (Date.now() < deadline - FLAP_EVERY_MS) {
        await new Promise((r) => setTimeout(r, FLAP_EVERY_MS));
        if (down) await t.startMss();
        else await t.mss!.kill('SIGKILL');
        down = !down;
      }
      if (down) await t.startMss();
    })();
    const sampler = (async () => {
      await new Promise((r) => setTimeout(r, Math.min(3000, (SECONDS * 1000) / 4)));
      warmRss = rssMb(pid);
      while (Date.now() < deadline) {
        peakRss = Math.max(peakRss, rssMb(pid));
        await new Promise((r) => setTimeout(r, 250));
      }
    })();
    await Promise.all([...work, flapper, sampler]);

    assert.deepEqual(counts.unexpected, [], 'no error other than the documented refusals');
    assert.ok(counts.writes > 0 && counts.refused > 0, `writes ${counts.writes}, refusals ${counts.refused}`);
    const reader = clients[0]!;
    // Optimistic concurrency serialises writes per key: SSODB holds the newest acknowledged one.
    for (const [id, last] of acknowledged) {
      const doc = await reader.request('config.get', { application: 'Load', identifier: id });
      assert.equal(doc.fields.A, last.value, `${id}: the newest acknowledged write is stored`);
      assert.equal(BigInt(doc.timestamp), last.version);
    }
    const growth = peakRss - warmRss;
    console.log(`# load held ${SECONDS} s: ${counts.reads} reads, ${counts.writes} writes, ${counts.refused} documented refusals, RSS ${warmRss.toFixed(0)} → peak ${peakRss.toFixed(0)} MB`);
    assert.ok(growth < RSS_GROWTH_BOUND_MB, `service memory grew by ${growth.toFixed(1)} MB (bound ${RSS_GROWTH_BOUND_MB} MB)`);
  });
});
