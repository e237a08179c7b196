/**
 * 10. Service start with a large store: from spawning `ssoctl serve --service` to its `ready`
 * log line (store opened, schema checked, secret received from the MSS, socket listening), with
 * 1,000 and 100,000 port configurations in SSODB (quick mode: 1,000 and 5,000), and the growth
 * between the two. The MSS runs already; each size is started 3 times (median).
 *
 * Limit: Node starting and loading the same bundle (`ssoctl --help`, spawn to exit), in
 * alternation with the service starts: what any start costs before the product does anything.
 * Also the service's resident memory right after `ready` at each size (informative: what a large
 * store costs before any request), and the CPU time it used to get there (informative: the part
 * of the start that a loaded machine does not inflate).
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { BenchContext, Benchmark } from './lib/context';
import { SsoEnv, seedDirect } from './lib/ssoEnv';
import { MIB_TO_MB, median, now, processMemoryMiB } from './lib/stats';

const STARTS = 3;

/** Spawn → exit of `node <ssoctl> --help`: Node's start and the bundle's load, nothing else. */
function bareStart(ssoctl: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const t = now();
    const child = spawn(process.execPath, [ssoctl, '--help'], { stdio: 'ignore' });
    child.once('error', reject);
    child.once('exit', () => resolve(now() - t));
  });
}

interface StartFigures {
  startMs: number[];
  limitMs: number[];
  rssMiB: number[];
  cpuMs: number[];
}

/**
 * CPU time (user + system) a process has used so far, from /proc (10 ms ticks on Linux): on a
 * shared machine the wall time to `ready` is mostly other people's, the CPU time much less so.
 */
function processCpuMs(pid: number): number | undefined {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    const ticks = Number(fields[11]) + Number(fields[12]);
    return Number.isFinite(ticks) ? ticks * 10 : undefined;
  } catch {
    return undefined;
  }
}

async function measureStarts(ctx: BenchContext, rows: number): Promise<StartFigures> {
  const t = SsoEnv.create({ syncIntervalSeconds: 60 });
  try {
    const apps = Math.max(1, Math.round(rows / 100));
    const ds = await seedDirect(t, { apps, identifiers: rows, specials: [{ name: 'Startup.Probe', kind: 'adapter', identifiers: 10, wide: false }] });
    ctx.log(`  startup: ${ds.rows} rows in ${apps} applications seeded in ${(ds.seedMs / 1000).toFixed(1)} s`);
    await t.startMss();
    const figures: StartFigures = { startMs: [], limitMs: [], rssMiB: [], cpuMs: [] };
    for (let i = 0; i < STARTS; i++) {
      if (i % 2 === 1) figures.limitMs.push(await bareStart(ctx.snapshot.ssoctl));
      const started = now();
      const service = await t.startService();
      figures.startMs.push(now() - started);
      const pid = service.child.pid;
      const cpu = pid !== undefined ? processCpuMs(pid) : undefined;
      if (cpu !== undefined) figures.cpuMs.push(cpu);
      const memory = pid !== undefined ? processMemoryMiB(pid) : undefined;
      if (memory) figures.rssMiB.push(memory.rss);
      await service.stop();
      if (i % 2 === 0) figures.limitMs.push(await bareStart(ctx.snapshot.ssoctl));
    }
    return figures;
  } finally {
    await t.dispose();
  }
}

export const startupBenchmark: Benchmark = {
  id: 'startup',
  title: '10. Service start with a large store',
  async run(ctx: BenchContext) {
    const small = 1_000;
    const large = ctx.quick ? 5_000 : 100_000;
    const limitDescription = 'Node start + loading the same bundle (ssoctl --help)';
    const bySize = new Map<number, StartFigures>();
    for (const rows of [small, large]) {
      const f = await measureStarts(ctx, rows);
      bySize.set(rows, f);
      const label = rows.toLocaleString('en-US');
      ctx.add({
        group: '10-startup',
        name: `SSO service start to "ready", ${label} rows`,
        value: median(f.startMs),
        unit: 'ms',
        limit: median(f.limitMs),
        limitDescription,
        target: rows === large ? { on: 'value', op: '<=', threshold: 1_000, text: '≤ 1 s at 100k rows' } : undefined,
        targetApplies: rows === large && !ctx.quick,
        notes: `median of ${STARTS} starts (${f.startMs.map((x) => x.toFixed(0)).join(', ')} ms), the MSS already running; resident memory at "ready": ${
          f.rssMiB.length ? `${(median(f.rssMiB) * MIB_TO_MB).toFixed(0)} MB` : 'not measured (no /proc)'
        }; the service's CPU time (user + system) to "ready": ${f.cpuMs.length ? `${median(f.cpuMs).toFixed(0)} ms (median)` : 'not measured (no /proc)'}`,
      });
    }
    const s = bySize.get(small) as StartFigures;
    const l = bySize.get(large) as StartFigures;
    ctx.add({
      group: '10-startup',
      name: `growth of service start from ${small.toLocaleString('en-US')} to ${large.toLocaleString('en-US')} rows`,
      value: median(l.startMs) / median(s.startMs),
      unit: '× (median ratio)',
      limit: median(l.limitMs) / median(s.limitMs),
      limitDescription: 'same ratio of the bare starts measured alongside (1× when the machine is steady)',
      target: { on: 'value', op: '<=', threshold: 2, text: '≤ 2× from 1k to 100k' },
      targetApplies: !ctx.quick,
      notes: '',
    });
  },
};
