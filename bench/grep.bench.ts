/**
 * 9. Find by value (`config.grep`): "which ports still point at partner17.example?" over the
 * whole shared SSODB (100k configurations; quick: 5k), through the client library page by page
 * as the extension and ssoctl do: time to the first match, and to the end of the scan.
 *
 * Limit: the same search in-process on the same SSODB file, in the same run: read every row
 * (the store's own paged read), decrypt it (decryptValues) and look for the text in its
 * non-masked values; no socket, no pages, no JSON. Interleaved: limit, product, product, limit.
 *
 * Cancel: a scan cancelled at its first match (as the notification's Cancel does: no next page is
 * asked for) must leave the service idle: its CPU time in the second after the cancel, read from
 * /proc, against a second of the idle service measured just before.
 */
import { readFileSync } from 'node:fs';
import type { GrepPage } from '../src/protocol/messages';
import { grepPages } from '../src/ssoClient/valueSearchPages';
import { SecretVault } from '../src/ssoService/crypto/secretVault';
import type { MasterSecret } from '../src/ssoService/crypto/masterSecret';
import { decryptValues } from '../src/ssoService/service/applicationState';
import type { SsoStore } from '../src/ssoService/ssodb/store';
import type { BenchContext, Benchmark } from './lib/context';
import { median, now } from './lib/stats';

const NEEDLE = 'partner17.example/';
/** Linux's clock ticks per second for /proc/<pid>/stat (USER_HZ). */
const TICK_MS = 10;

/** User + system CPU time of a process so far, in ms (Linux /proc). */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) * TICK_MS;
}

/** CPU the service spends in one second (idle, or after a cancel). */
async function cpuOverOneSecond(pid: number): Promise<number> {
  const before = cpuMs(pid);
  await new Promise((r) => setTimeout(r, 1000));
  return cpuMs(pid) - before;
}

/** Cancels a scan at its first match; returns the pages asked after the cancel and the service's CPU in the next second. */
async function cancelAtFirstMatch(client: Pick<import('../src/ssoClient/client').SsoClient, 'request'>, pid: number): Promise<{ pagesAfterCancel: number; cpuAfterMs: number }> {
  const cancel = new AbortController();
  let pagesAfterCancel = 0;
  for await (const page of grepPages(client, { pattern: NEEDLE, limit: 1 }, cancel.signal)) {
    if (cancel.signal.aborted) pagesAfterCancel++;
    if (page.matches.length > 0) cancel.abort();
  }
  return { pagesAfterCancel, cpuAfterMs: await cpuOverOneSecond(pid) };
}

/** The same search in-process: every row read, decrypted and searched. Returns ms, rows and matches. */
async function inProcessSearch(store: SsoStore, secrets: Map<string, MasterSecret>): Promise<{ ms: number; rows: number; matches: number }> {
  const t = now();
  let rows = 0;
  let matches = 0;
  let afterApp: string | undefined;
  for (;;) {
    const apps = await store.listApplications({ after: afterApp, limit: 1000 });
    for (const app of apps) {
      const detail = await store.getApplication(app.name);
      const unmasked = (detail?.fields ?? []).filter((f) => !f.masked).map((f) => f.label);
      let after: string | undefined;
      for (;;) {
        const batch = await store.listCredentials(app.name, { after, limit: 5000 });
        for (const row of batch) {
          const values = decryptValues(secrets.get(row.msid) as MasterSecret, app.name, row.identifier, row.ciphertext);
          for (const label of unmasked) if (values.get(label)?.toLowerCase().includes(NEEDLE)) matches++;
          rows++;
        }
        if (batch.length < 5000) break;
        after = batch[batch.length - 1]!.identifier;
      }
    }
    if (apps.length < 1000) break;
    afterApp = apps[apps.length - 1]!.name;
  }
  return { ms: now() - t, rows, matches };
}

export const grepBenchmark: Benchmark = {
  id: 'grep',
  title: '9. Find by value (config.grep)',
  async run(ctx: BenchContext) {
    const main = await ctx.main();
    const store = await main.store();
    const vault = await SecretVault.open(main.t.env.paths.vault);
    const secrets = new Map<string, MasterSecret>();
    for (const s of [vault.current(), vault.previous()]) if (s) secrets.set(s.msid, s);

    const firstMs: number[] = [];
    const endMs: number[] = [];
    const limitMs: number[] = [];
    let rows = 0;
    let found = 0;
    let pages = 0;
    let limitMatches = 0;
    const product = async () => {
      const t = now();
      let first: number | undefined;
      let last: GrepPage | undefined;
      let count = 0;
      pages = 0;
      for await (const page of grepPages(main.client, { pattern: NEEDLE, limit: 1000 })) {
        pages++;
        count += page.matches.length;
        if (first === undefined && page.matches.length > 0) first = now() - t;
        last = page;
      }
      endMs.push(now() - t);
      if (first !== undefined) firstMs.push(first);
      rows = last?.scanned ?? 0;
      found = count;
    };
    const limit = async () => {
      const r = await inProcessSearch(store, secrets);
      limitMs.push(r.ms);
      limitMatches = r.matches;
    };
    await limit();
    await product();
    await product();
    await limit();
    if (found !== limitMatches) throw new Error(`config.grep found ${found} matches, the in-process search ${limitMatches}`);

    const servicePid = main.t.service?.child.pid;
    if (servicePid !== undefined) {
      const idleMs = await cpuOverOneSecond(servicePid);
      const cancelled = await cancelAtFirstMatch(main.client, servicePid);
      if (cancelled.pagesAfterCancel !== 0) throw new Error(`a page was asked for after the cancel (${cancelled.pagesAfterCancel})`);
      ctx.add({
        group: '9-grep',
        name: 'service CPU in the second after a cancel at the first match',
        value: cancelled.cpuAfterMs,
        unit: 'ms',
        limit: Math.max(idleMs, TICK_MS),
        limitDescription: 'the same service idle for a second just before (at least one clock tick)',
        notes: `no page asked for after the cancel; idle ${idleMs} ms; /proc ticks of ${TICK_MS} ms`,
      });
    }

    ctx.add({
      group: '9-grep',
      name: `time to the first match, ${rows.toLocaleString('en-US')} configurations`,
      value: firstMs.length ? median(firstMs) : null,
      unit: 'ms',
      notes: `"${NEEDLE}" (text): ${found} matches; time from the first request to the first page holding a match`,
    });
    ctx.add({
      group: '9-grep',
      name: `time to the end of the scan, ${rows.toLocaleString('en-US')} configurations`,
      value: median(endMs) / 1000,
      unit: 's',
      limit: median(limitMs) / 1000,
      limitDescription: 'the same search in-process: every row read, decrypted and searched, no socket',
      target: { on: 'ratio', op: '<=', threshold: 2, text: '≤ 2 × the limit' },
      targetApplies: !ctx.quick,
      notes: `${pages} pages (each ≤ 200 ms / 5,000 rows in the service); product ${endMs.map((m) => (m / 1000).toFixed(2)).join(', ')} s, limit ${limitMs.map((m) => (m / 1000).toFixed(2)).join(', ')} s`,
    });
  },
};
