/**
 * Result rows, the machine description and the JSON / Markdown writers of `npm run bench`.
 *
 * Every row compares a figure of the product with the physical limit of the same machine,
 * measured side by side in the same run: `ratio = value / limit` in the row's unit. For a time,
 * a ratio of 3 means "3× the time of the limit"; for a rate, 0.6 means "60 % of the limit".
 */
import { cpus, loadavg, totalmem, platform, release, arch } from 'node:os';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

export type Met = boolean | 'n.a.';

export interface Target {
  /** What is compared: the value itself or the ratio to the limit. */
  on: 'value' | 'ratio';
  op: '<=' | '>=';
  threshold: number;
  /** As a person reads it, e.g. "≤ 100 ms at 100k". */
  text: string;
}

export interface ResultRow {
  /** Benchmark family: 1-tree, 2-decrypt, … (the issue's numbering). */
  group: string;
  name: string;
  /** null when not measured (see notes). */
  value: number | null;
  unit: string;
  limit: number | null;
  /** What the limit is, in a few words. */
  limitDescription: string;
  ratio: number | null;
  target: string;
  met: Met;
  notes: string;
}

export interface RowInput {
  group: string;
  name: string;
  value: number | null;
  unit: string;
  limit?: number | null;
  limitDescription?: string;
  target?: Target;
  /** False when the run's sizes are below the scale the target is stated for (quick mode). */
  targetApplies?: boolean;
  notes?: string;
}

export function makeRow(input: RowInput): ResultRow {
  const limit = input.limit ?? null;
  const ratio = input.value !== null && limit !== null && limit !== 0 ? input.value / limit : null;
  let met: Met = 'n.a.';
  if (input.target && input.targetApplies !== false) {
    const subject = input.target.on === 'value' ? input.value : ratio;
    if (subject !== null && Number.isFinite(subject)) {
      met = input.target.op === '<=' ? subject <= input.target.threshold : subject >= input.target.threshold;
    }
  }
  let notes = input.notes ?? '';
  if (input.target && input.targetApplies === false) notes = `${notes ? `${notes} ` : ''}(target stated for the full-scale run; not judged here)`;
  return {
    group: input.group,
    name: input.name,
    value: input.value,
    unit: input.unit,
    limit,
    limitDescription: input.limitDescription ?? '',
    ratio,
    target: input.target?.text ?? '—',
    met,
    notes,
  };
}

export interface MachineDescription {
  cpuModel: string;
  cores: number;
  memoryGiB: number;
  node: string;
  os: string;
  /** 1-minute load average at the start and the end of the run: how busy the shared machine was. */
  loadAverageStart: number;
  loadAverageEnd?: number;
  /** cgroup CPU quota, when the machine is a container with one. */
  cpuQuota?: string;
  /**
   * Linux pressure stall information (share of time some task waited for the CPU / for I/O,
   * averaged over the last 60 s) at the start and the end: the noise the run was measured in.
   */
  pressureStart?: Pressure;
  pressureEnd?: Pressure;
}

export interface Pressure {
  cpuSomePct: number;
  ioSomePct: number;
}

export function pressure(): Pressure | undefined {
  const read = (what: string) => {
    try {
      return Number(/^some avg10=[\d.]+ avg60=([\d.]+)/m.exec(readFileSync(`/proc/pressure/${what}`, 'utf8'))?.[1] ?? Number.NaN);
    } catch {
      return Number.NaN;
    }
  };
  const cpu = read('cpu');
  const io = read('io');
  return Number.isNaN(cpu) && Number.isNaN(io) ? undefined : { cpuSomePct: cpu, ioSomePct: io };
}

export function describeMachine(): MachineDescription {
  const list = cpus();
  return {
    cpuModel: list[0]?.model.trim() ?? 'unknown',
    cores: list.length,
    memoryGiB: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
    node: process.version,
    os: `${platform()} ${release()} ${arch()}`,
    loadAverageStart: round(loadavg()[0] ?? 0, 2),
    cpuQuota: cgroupCpuQuota(),
    pressureStart: pressure(),
  };
}

function cgroupCpuQuota(): string | undefined {
  try {
    const [quota, period] = readFileSync('/sys/fs/cgroup/cpu.max', 'utf8').trim().split(/\s+/);
    if (quota === 'max') return undefined;
    return `${(Number(quota) / Number(period)).toFixed(2)} CPUs`;
  } catch {
    return undefined;
  }
}

export interface SourceDescription {
  /** The commit the tree was at, and how many files under src/ differed from it when the build snapshot was made. */
  commit: string;
  uncommittedSrcFiles: number;
}

export function describeSource(root: string): SourceDescription {
  const git = (args: string[]) => {
    const r = spawnSync('git', args, { cwd: root, encoding: 'utf8' });
    return r.status === 0 ? r.stdout.trim() : '';
  };
  const commit = git(['rev-parse', '--short', 'HEAD']) || 'unknown';
  const dirty = git(['status', '--porcelain', '--', 'src', 'package.json', 'esbuild.mjs']);
  return { commit, uncommittedSrcFiles: dirty ? dirty.split('\n').length : 0 };
}

export interface BenchReport {
  mode: 'quick' | 'full';
  source: SourceDescription;
  startedAt: string;
  durationSeconds: number;
  machine: MachineDescription;
  rows: ResultRow[];
  /** Benchmarks that crashed (the run exits non-zero when there is any). */
  crashed: Array<{ benchmark: string; error: string }>;
}

export function round(n: number, digits = 3): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

/** Three significant figures, without exponent notation for the sizes seen here. */
export function fmt(n: number | null): string {
  if (n === null || !Number.isFinite(n)) return '—';
  const abs = Math.abs(n);
  if (abs === 0) return '0';
  if (abs >= 1000) return Math.round(n).toLocaleString('en-US');
  if (abs >= 100) return n.toFixed(0);
  if (abs >= 10) return n.toFixed(1);
  if (abs >= 1) return n.toFixed(2);
  return n.toPrecision(2);
}

function fmtRatio(r: number | null): string {
  if (r === null || !Number.isFinite(r)) return '—';
  return r >= 10 ? `${r.toFixed(0)}×` : `${r.toFixed(2)}×`;
}

function fmtMet(m: Met): string {
  return m === 'n.a.' ? 'n.a.' : m ? '**yes**' : '**NO**';
}

function pressureText(m: MachineDescription): string {
  const p = (x?: Pressure) => (x ? `CPU ${x.cpuSomePct}%, I/O ${x.ioSomePct}%` : '?');
  return m.pressureStart || m.pressureEnd ? `; time some task waited (Linux PSI, 60 s average): ${p(m.pressureStart)} at start, ${p(m.pressureEnd)} at end` : '';
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

export function toMarkdown(report: BenchReport): string {
  const m = report.machine;
  const lines: string[] = [];
  lines.push(`# Benchmark results (${report.mode} mode)`);
  lines.push('');
  lines.push(`Run ${report.startedAt}, ${Math.round(report.durationSeconds)} s, of commit ${report.source.commit}${report.source.uncommittedSrcFiles ? ` with ${report.source.uncommittedSrcFiles} uncommitted change(s) under src/` : ''} (production build). Machine: ${m.cpuModel}, ${m.cores} cores${m.cpuQuota ? ` (quota ${m.cpuQuota})` : ''}, ${m.memoryGiB} GiB, Node ${m.node}, ${m.os}; load average ${m.loadAverageStart} at start, ${m.loadAverageEnd ?? '?'} at end${pressureText(m)}.`);
  lines.push('');
  lines.push('`ratio` = value ÷ limit, both measured side by side in this run. For a time, 3× means three times as long as the limit; for a rate, 0.60× means 60 % of the limit.');
  lines.push('');
  lines.push('| # | benchmark | value | unit | limit | ratio | target | met | notes |');
  lines.push('| --- | --- | ---: | --- | ---: | ---: | --- | :---: | --- |');
  for (const r of report.rows) {
    const limit = r.limit === null ? '—' : `${fmt(r.limit)}${r.limitDescription ? ` (${r.limitDescription})` : ''}`;
    const value = r.value === null ? 'not measured' : fmt(r.value);
    lines.push(`| ${r.group} | ${cell(r.name)} | ${value} | ${r.unit} | ${cell(limit)} | ${fmtRatio(r.ratio)} | ${cell(r.target)} | ${fmtMet(r.met)} | ${cell(r.notes)} |`);
  }
  if (report.crashed.length > 0) {
    lines.push('');
    lines.push('## Benchmarks that crashed');
    lines.push('');
    for (const c of report.crashed) lines.push(`- **${c.benchmark}**: ${cell(c.error)}`);
  }
  lines.push('');
  return lines.join('\n');
}
