/**
 * 1. Tree listing at scale, through the SSO service and the client library, against the same
 * store query run directly in-process on the same SSODB file (the limit).
 *
 * For each dataset (1k / 10k / 100k identifiers across 1k / 10k applications; one application,
 * BizTalk.Big1000, holds 1,000 of them): the first page of applications (100, the explorer's
 * default entsso.pageSize), expanding BizTalk.Big1000 (its first page of 100), and the Find
 * command's search for a text that matches one identifier (the worst case: nothing stops the
 * scan early).
 *
 * Each timed request is the first after a change of the SSODB file (a write, not timed, goes
 * before it): the embedded store keeps read results while the file is unchanged
 * (CommittedStateMemo), so a repeated request measures that memo, not the query. The repeat
 * figures (file unchanged) are reported too, at the largest size, for information.
 */
import type { SsoStore } from '../src/ssoService/ssodb/store';
import { openStore } from '../src/ssoService/ssodb/openStore';
import type { BenchContext, Benchmark } from './lib/context';
import { SsoEnv, seedDirect, startSso } from './lib/ssoEnv';
import { median, sideBySide, timeEach } from './lib/stats';

const BIG = 'BizTalk.Big1000';
const PAGE = 100;

interface Measured {
  product: number;
  limit: number;
}

function label(n: number): string {
  return n >= 1000 ? `${n / 1000}k` : String(n);
}

export const treeBenchmark: Benchmark = {
  id: 'tree',
  title: '1. Tree listing at scale',
  async run(ctx: BenchContext) {
    const appCounts = ctx.quick ? [200] : [1_000, 10_000];
    const idCounts = ctx.quick ? [1_000, 4_000] : [1_000, 10_000, 100_000];
    const rounds = ctx.quick ? 2 : 6;
    const perRound = ctx.quick ? 5 : 10;
    const searchPerRound = ctx.quick ? 3 : 5;
    const top = idCounts[idCounts.length - 1] as number;
    const bottom = idCounts[0] as number;

    for (const apps of appCounts) {
      const byIds = new Map<number, Record<'firstPage' | 'expand' | 'search', Measured>>();
      for (const ids of idCounts) {
        const name = `${label(ids)} ids / ${label(apps)} apps`;
        const t = SsoEnv.create({ syncIntervalSeconds: 60 });
        let store: SsoStore | undefined;
        try {
          const ds = await seedDirect(t, { apps, identifiers: ids, specials: [{ name: BIG, kind: 'adapter', identifiers: Math.min(1000, ids), wide: false }] });
          ctx.log(`  ${name}: seeded ${ds.rows} rows in ${(ds.seedMs / 1000).toFixed(1)} s`);
          const { client } = await startSso(t);
          store = await openStore({ kind: 'sqlite', file: t.ssodbFile });
          const s = store;

          // Correctness first: a benchmark of a wrong answer is worth nothing.
          const page = await client.request('apps.list', { limit: PAGE });
          if (page.items.length !== PAGE) throw new Error(`apps.list returned ${page.items.length} applications, expected ${PAGE}`);
          const expanded = await client.request('identifiers.list', { application: BIG, limit: PAGE });
          if (expanded.items.length !== PAGE) throw new Error(`identifiers.list returned ${expanded.items.length}, expected ${PAGE}`);
          const hits = await client.request('search', { query: ds.rareSearch, limit: 50 });
          if (!hits.some((h) => h.identifier === ds.rareSearchHit.identifier)) throw new Error(`search "${ds.rareSearch}" did not find ${ds.rareSearchHit.identifier}`);

          // A write from this process changes the file, so neither side can answer from its memo.
          const change = () => s.updateGlobalInfo({});
          const measure = async (n: number, product: () => Promise<unknown>, limit: () => Promise<unknown>, afterChange = true): Promise<Measured> => {
            const before = afterChange ? change : undefined;
            await timeEach(3, product, before);
            await timeEach(3, limit, before);
            const r = await sideBySide(rounds, () => timeEach(n, product, before), () => timeEach(n, limit, before));
            return { product: median(r.product), limit: median(r.limit) };
          };
          const firstPage = await measure(perRound, () => client.request('apps.list', { limit: PAGE }), () => s.listApplications({ limit: PAGE + 1 }));
          const expand = await measure(perRound, () => client.request('identifiers.list', { application: BIG, limit: PAGE }), () => s.listIdentifiers(BIG, { limit: PAGE + 1 }));
          const search = await measure(searchPerRound, () => client.request('search', { query: ds.rareSearch, limit: 50 }), () => s.search(ds.rareSearch, 50));
          byIds.set(ids, { firstPage, expand, search });

          const atTop = ids === top;
          const applies = !ctx.quick && ids === 100_000;
          const limitDescription = 'same store query in-process';
          const cold = 'each the first request after a change of the SSODB file';
          ctx.add({
            group: '1-tree',
            name: `first page of applications (${PAGE}), ${name}`,
            value: firstPage.product,
            unit: 'ms p50',
            limit: firstPage.limit,
            limitDescription,
            target: atTop ? { on: 'value', op: '<=', threshold: 100, text: '≤ 100 ms at 100k' } : undefined,
            targetApplies: applies,
            notes: cold,
          });
          ctx.add({
            group: '1-tree',
            name: `expand an application of 1,000 (first ${PAGE}), ${name}`,
            value: expand.product,
            unit: 'ms p50',
            limit: expand.limit,
            limitDescription,
            target: atTop ? { on: 'value', op: '<=', threshold: 50, text: '≤ 50 ms at 100k' } : undefined,
            targetApplies: applies,
            notes: `${cold}; the service also reads the application (with its configuration count) before listing`,
          });
          ctx.add({
            group: '1-tree',
            name: `search (Find), text matching 1 identifier, ${name}`,
            value: search.product,
            unit: 'ms p50',
            limit: search.limit,
            limitDescription,
            target: atTop ? { on: 'value', op: '<=', threshold: 150, text: '≤ 150 ms at 100k' } : undefined,
            targetApplies: applies,
            notes: cold,
          });
          if (atTop) {
            const wide = await measure(
              Math.max(3, Math.floor(perRound / 2)),
              () => client.request('identifiers.list', { application: BIG, limit: 1000 }),
              () => s.listIdentifiers(BIG, { limit: 1001 }),
            );
            ctx.add({
              group: '1-tree',
              name: `expand an application of 1,000, all at once (entsso.pageSize 1000), ${name}`,
              value: wide.product,
              unit: 'ms p50',
              limit: wide.limit,
              limitDescription,
              notes: `informative: the largest page the explorer asks for; ${cold}`,
            });
            for (const [what, product, limit] of [
              ['first page of applications', () => client.request('apps.list', { limit: PAGE }), () => s.listApplications({ limit: PAGE + 1 })],
              ['expand an application of 1,000 (first 100)', () => client.request('identifiers.list', { application: BIG, limit: PAGE }), () => s.listIdentifiers(BIG, { limit: PAGE + 1 })],
            ] as const) {
              const repeat = await measure(perRound, product, limit, false);
              ctx.add({
                group: '1-tree',
                name: `${what}, repeated with the file unchanged (a refresh), ${name}`,
                value: repeat.product,
                unit: 'ms p50',
                limit: repeat.limit,
                limitDescription: 'same store call in-process (answered from its memo too)',
                notes: 'informative: the store answers from its memo, checked against the file change counter',
              });
            }
          }
        } finally {
          await store?.close();
          await t.dispose();
        }
      }
      const growthApplies = !ctx.quick && bottom === 1_000 && top === 100_000;
      for (const [key, what] of [
        ['firstPage', 'first page'],
        ['expand', 'expand'],
        ['search', 'search'],
      ] as const) {
        const lo = byIds.get(bottom)?.[key];
        const hi = byIds.get(top)?.[key];
        if (!lo || !hi) continue;
        ctx.add({
          group: '1-tree',
          name: `growth of ${what} from ${label(bottom)} to ${label(top)} ids, ${label(apps)} apps`,
          value: hi.product / lo.product,
          unit: '× (p50 ratio)',
          limit: hi.limit / lo.limit,
          limitDescription: 'same growth of the in-process store query',
          target: { on: 'value', op: '<=', threshold: 1.5, text: '≤ 1.5× from 1k to 100k' },
          targetApplies: growthApplies,
        });
      }
    }
  },
};
