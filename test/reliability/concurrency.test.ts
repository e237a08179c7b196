/**
 * Optimistic concurrency under load: N clients each issue M writes to a small set of shared
 * configurations, each write based on the version the client last read. Every write is either
 * applied or reported as a conflict; the final state equals a serial history of the applied
 * writes; the audit records exactly the applied and refused writes.
 *
 * Default 8 clients × 125 writes in `npm test`; SSO_CONCURRENCY_WRITES=1000 for the full run.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { SsoError } from '../../src/protocol/errors';
import type { SsoClient } from '../../src/ssoClient/client';
import { TestEnvironment } from '../integration/harness';

const CLIENTS = 8;
const WRITES = Number(process.env.SSO_CONCURRENCY_WRITES ?? 125);
const KEYS = ['shared-0', 'shared-1', 'shared-2'];

interface Applied {
  identifier: string;
  value: string;
  timestamp: string;
}

describe(`concurrency: ${CLIENTS} clients × ${WRITES} writes on ${KEYS.length} shared configurations`, () => {
  let t: TestEnvironment;

  before(async () => {
    t = await TestEnvironment.started({ syncIntervalSeconds: 5 });
    const c = await t.client();
    await c.request('apps.create', { name: 'Concurrency', kind: 'configStore', fields: [{ label: 'Value', masked: false }, { label: 'Writer', masked: false }] });
    for (const id of KEYS) await c.request('config.set', { application: 'Concurrency', identifier: id, fields: { Value: 'initial', Writer: 'setup' }, expectedTimestamp: null });
  });
  after(async () => t.dispose());

  test('every write is applied or a conflict; the final state is the last applied write; the audit matches', async () => {
    const clients: SsoClient[] = [];
    for (let i = 0; i < CLIENTS; i++) clients.push(await t.client());
    const applied: Applied[] = [];
    let conflicts = 0;
    let other = 0;

    await Promise.all(
      clients.map(async (c, ci) => {
        for (let w = 0; w < WRITES; w++) {
          const identifier = KEYS[(ci + w) % KEYS.length] as string;
          const read = await c.request('config.get', { application: 'Concurrency', identifier });
          const value = `c${ci}-w${w}`;
          try {
            const row = await c.request('config.set', { application: 'Concurrency', identifier, fields: { Value: value, Writer: `client-${ci}` }, expectedTimestamp: read.timestamp });
            applied.push({ identifier, value, timestamp: row.timestamp });
          } catch (err) {
            if (err instanceof SsoError && err.code === 'ENTSSO_E_CONFLICT') conflicts++;
            else other++;
          }
        }
      }),
    );

    assert.equal(other, 0, 'no error other than conflicts');
    assert.equal(applied.length + conflicts, CLIENTS * WRITES, 'every write accounted for');
    assert.ok(applied.length > 0 && conflicts > 0, `both outcomes happen under contention (applied ${applied.length}, conflicts ${conflicts})`);

    // Serial history: per configuration, applied writes ordered by their row version; the final
    // stored value is the last of them, and no two applied writes share a version.
    const c = clients[0] as SsoClient;
    for (const identifier of KEYS) {
      const history = applied.filter((a) => a.identifier === identifier).sort((a, b) => (BigInt(a.timestamp) < BigInt(b.timestamp) ? -1 : 1));
      assert.equal(new Set(history.map((h) => h.timestamp)).size, history.length, 'row versions are unique');
      const final = await c.request('config.get', { application: 'Concurrency', identifier });
      const last = history[history.length - 1];
      if (last) {
        assert.equal(final.fields.Value, last.value, `${identifier}: final state is the last applied write`);
        assert.equal(final.timestamp, last.timestamp);
      }
    }

    // The audit has one ok per applied write and one refused per conflict.
    const audit = [];
    let cursor: string | undefined;
    do {
      const page = await c.request('audit.list', { cursor, limit: 1000 });
      audit.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor);
    const sets = audit.filter((e) => e.action === 'config.set' && e.application === 'Concurrency');
    assert.equal(sets.filter((e) => e.outcome === 'ok').length, applied.length + KEYS.length, 'audited applied writes (plus the setup writes)');
    assert.equal(sets.filter((e) => e.outcome === 'refused' && e.detail === 'ENTSSO_E_CONFLICT').length, conflicts, 'audited conflicts');
    console.log(`# concurrency: ${applied.length} applied, ${conflicts} conflicts, 0 lost`);
  });
});
