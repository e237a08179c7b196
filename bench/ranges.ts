/**
 * Ranges over several full runs of `npm run bench`: for every row that has a target, the lowest and
 * highest value and ratio, and in how many runs the target was met. One run on a shared machine can
 * be lucky or unlucky; a target counts as met when it is met in every run.
 *
 *   node --import tsx bench/ranges.ts bench/results/run-1.json bench/results/run-2.json … [--out <file.md>]
 *
 * Rows are matched by group and name; a row missing from a run is reported as such.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import type { ResultRow } from './lib/results';

interface RunFile {
  startedAt: string;
  durationSeconds: number;
  source?: { commit?: string };
  machine?: { loadAverageStart?: number; loadAverageEnd?: number; pressureStart?: { cpuSomePct?: number } };
  rows: ResultRow[];
}

interface RowRange {
  group: string;
  name: string;
  unit: string;
  target: string;
  values: (number | null)[];
  ratios: (number | null)[];
  met: ResultRow['met'][];
}

function readRun(path: string): RunFile {
  return JSON.parse(readFileSync(path, 'utf8')) as RunFile;
}

function rangesOf(runs: RunFile[]): RowRange[] {
  const ranges = new Map<string, RowRange>();
  runs.forEach((run, index) => {
    for (const row of run.rows.filter((r) => r.target !== '—')) {
      const key = `${row.group}\u0000${row.name}`;
      const range = ranges.get(key) ?? { group: row.group, name: row.name, unit: row.unit, target: row.target, values: runs.map(() => null), ratios: runs.map(() => null), met: runs.map(() => 'n.a.') };
      range.values[index] = row.value;
      range.ratios[index] = row.ratio;
      range.met[index] = row.met;
      ranges.set(key, range);
    }
  });
  return [...ranges.values()];
}

function figure(n: number): string {
  const abs = Math.abs(n);
  const digits = abs >= 100 ? 0 : abs >= 10 ? 1 : abs >= 1 ? 2 : 3;
  return n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: 0 });
}

function span(numbers: (number | null)[], suffix = ''): string {
  const present = numbers.filter((n): n is number => n !== null && Number.isFinite(n));
  if (present.length === 0) return 'not measured';
  const low = Math.min(...present);
  const high = Math.max(...present);
  const missing = present.length < numbers.length ? ` (${numbers.length - present.length} run(s) without)` : '';
  return (low === high ? `${figure(low)}${suffix}` : `${figure(low)}–${figure(high)}${suffix}`) + missing;
}

function verdict(met: ResultRow['met'][]): string {
  const judged = met.filter((m) => m !== 'n.a.');
  if (judged.length === 0) return 'n.a.';
  const yes = judged.filter((m) => m === true).length;
  if (yes === met.length) return `**yes** (${yes} of ${met.length})`;
  return yes === 0 ? `no (0 of ${met.length})` : `no (${yes} of ${met.length})`;
}

function markdown(runs: RunFile[], paths: string[]): string {
  const header = runs.map((run, i) => {
    const m = run.machine;
    const load = m?.loadAverageStart !== undefined ? `; load average ${m.loadAverageStart} at start, ${m.loadAverageEnd ?? '?'} at end` : '';
    return `- run ${i + 1}: \`${paths[i]}\`, ${run.startedAt}, ${Math.round(run.durationSeconds)} s, commit ${run.source?.commit ?? 'unknown'}${load}`;
  });
  const lines = [
    `# Benchmark targets over ${runs.length} full runs`,
    '',
    ...header,
    '',
    'Each figure is the range over the runs (lowest–highest); `met` counts the runs in which the target was met.',
    '',
    '| # | benchmark | value | unit | ratio to its limit | target | met |',
    '| --- | --- | ---: | --- | ---: | --- | :---: |',
    ...rangesOf(runs).map((r) => `| ${r.group} | ${r.name} | ${span(r.values)} | ${r.unit} | ${span(r.ratios, '×')} | ${r.target} | ${verdict(r.met)} |`),
    '',
  ];
  return lines.join('\n');
}

function main(argv: string[]): void {
  const paths: string[] = [];
  let out: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--out') out = argv[++i];
    else paths.push(argv[i]);
  }
  if (paths.length === 0) {
    process.stderr.write('Usage: node --import tsx bench/ranges.ts <run.json> [<run.json> …] [--out <file.md>]\n');
    process.exit(2);
  }
  const text = markdown(paths.map(readRun), paths);
  if (out) writeFileSync(out, text);
  else process.stdout.write(text);
}

main(process.argv.slice(2));
