/**
 * The benchmark runner (`npm run bench`, see scripts/bench.mjs). Runs every benchmark of the
 * issue "Benchmarks at scale, each against its physical limit measured in the same run", one
 * after the other, and writes bench/results/latest.{json,md} (quick mode: latest-quick.*).
 *
 *   node --import tsx bench/run.ts [--quick] [--only tree,decrypt,…] [--out <file stem>]
 *
 * Exit code: 0 when every benchmark ran (whether or not its targets were met), 1 when one
 * crashed, 2 on a usage error. Targets are reported, never enforced: these are not timed tests.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { bridgeBenchmark } from './bridge.bench';
import { decryptBenchmark } from './decrypt.bench';
import { extensionBenchmark } from './extension.bench';
import { failoverBenchmark } from './failover.bench';
import { grepBenchmark } from './grep.bench';
import { librariesBenchmark } from './libraries.bench';
import type { BenchContext, Benchmark } from './lib/context';
import { rowAdder } from './lib/context';
import { createMainEnvironment, type MainEnvironment } from './lib/mainEnv';
import { useSsoctl } from './lib/processes';
import { buildSnapshot } from './lib/snapshot';
import { describeMachine, describeSource, pressure, round, toMarkdown, type BenchReport, type ResultRow } from './lib/results';
import { rotationBenchmark } from './rotation.bench';
import { startupBenchmark } from './startup.bench';
import { treeBenchmark } from './tree.bench';
import { writesBenchmark } from './writes.bench';

/** In run order. The shared environment is rotated by `rotation`, so that one comes after the others using it. */
const BENCHMARKS: Benchmark[] = [
  librariesBenchmark,
  treeBenchmark,
  decryptBenchmark,
  writesBenchmark,
  extensionBenchmark,
  grepBenchmark,
  rotationBenchmark,
  failoverBenchmark,
  startupBenchmark,
  bridgeBenchmark,
];

const ROOT = resolve(__dirname, '..');

function parse(argv: string[]): { quick: boolean; only?: Set<string>; out?: string } {
  const out: { quick: boolean; only?: Set<string>; out?: string } = { quick: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--quick') out.quick = true;
    else if (a === '--full') out.quick = false;
    else if (a === '--only') out.only = new Set((argv[++i] ?? '').split(',').filter(Boolean));
    else if (a === '--out') out.out = argv[++i];
    else if (a === '--help' || a === '-h') {
      process.stdout.write(`Usage: npm run bench [-- --quick] [-- --only ${BENCHMARKS.map((b) => b.id).join(',')}] [-- --out bench/results/name]\n`);
      process.exit(0);
    } else {
      process.stderr.write(`bench: unknown argument "${a}"\n`);
      process.exit(2);
    }
  }
  if (out.only) {
    const unknown = [...out.only].filter((id) => !BENCHMARKS.some((b) => b.id === id));
    if (unknown.length) {
      process.stderr.write(`bench: unknown benchmark(s) ${unknown.join(', ')}; known: ${BENCHMARKS.map((b) => b.id).join(', ')}\n`);
      process.exit(2);
    }
  }
  return out;
}

async function main(): Promise<number> {
  const args = parse(process.argv.slice(2));
  const started = Date.now();
  const machine = describeMachine();
  const rows: ResultRow[] = [];
  const crashed: BenchReport['crashed'] = [];
  const log = (m: string) => process.stderr.write(`${m}\n`);
  const tmp = mkdtempSync(join(tmpdir(), 'entsso-bench-'));
  let main: Promise<MainEnvironment> | undefined;
  log(`bench: building the production snapshot every process of this run will run`);
  const source = describeSource(ROOT);
  const snapshot = buildSnapshot(tmp);
  useSsoctl(snapshot.ssoctl);
  const ctx: BenchContext = {
    quick: args.quick,
    tmp,
    snapshot,
    log,
    add: rowAdder(rows, log),
    main: () => (main ??= createMainEnvironment(args.quick, log)),
  };
  log(`bench: ${args.quick ? 'quick' : 'full'} mode on ${machine.cpuModel} (${machine.cores} cores, ${machine.memoryGiB} GiB), Node ${machine.node}`);
  try {
    for (const b of BENCHMARKS) {
      if (args.only && !args.only.has(b.id)) continue;
      const t0 = Date.now();
      log(`\n== ${b.title}`);
      try {
        await b.run(ctx);
        log(`   (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
      } catch (err) {
        const message = err instanceof Error ? `${err.message}${err.stack ? `\n${err.stack.split('\n').slice(1, 6).join('\n')}` : ''}` : String(err);
        log(`   CRASHED after ${((Date.now() - t0) / 1000).toFixed(1)} s: ${message}`);
        crashed.push({ benchmark: b.id, error: err instanceof Error ? err.message : String(err) });
      }
    }
  } finally {
    if (main) await (await main.catch(() => undefined))?.dispose().catch(() => undefined);
    rmSync(tmp, { recursive: true, force: true });
  }
  machine.loadAverageEnd = round(loadavg()[0] ?? 0, 2);
  machine.pressureEnd = pressure();
  rows.sort((a, b) => a.group.localeCompare(b.group, 'en', { numeric: true }));
  const report: BenchReport = {
    mode: args.quick ? 'quick' : 'full',
    source,
    startedAt: new Date(started).toISOString(),
    durationSeconds: (Date.now() - started) / 1000,
    machine,
    rows,
    crashed,
  };
  const stem = resolve(ROOT, args.out ?? join('bench', 'results', args.quick ? 'latest-quick' : 'latest'));
  mkdirSync(dirname(stem), { recursive: true });
  writeFileSync(`${stem}.json`, JSON.stringify(report, null, 2) + '\n');
  writeFileSync(`${stem}.md`, toMarkdown(report));
  log(`\nbench: ${rows.length} results in ${Math.round(report.durationSeconds)} s → ${stem}.json, ${stem}.md`);
  const missed = rows.filter((r) => r.met === false);
  if (missed.length) log(`bench: targets not met (reported, not enforced): ${missed.map((r) => r.name).join('; ')}`);
  if (crashed.length) {
    log(`bench: ${crashed.length} benchmark(s) CRASHED: ${crashed.map((c) => c.benchmark).join(', ')}`);
    return 1;
  }
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`bench: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
