/** What every benchmark gets from the runner (bench/run.ts). */
import { makeRow, type ResultRow, type RowInput } from './results';
import type { MainEnvironment } from './mainEnv';
import type { Snapshot } from './snapshot';

export interface BenchContext {
  quick: boolean;
  /** A scratch folder of this run, removed at the end. */
  tmp: string;
  /** The production build every process of this run runs (built at the start). */
  snapshot: Snapshot;
  log(message: string): void;
  add(row: RowInput): ResultRow;
  /** The shared 100k-row environment (fewer rows in quick mode), seeded and started on first use. */
  main(): Promise<MainEnvironment>;
}

export interface Benchmark {
  id: string;
  title: string;
  run(ctx: BenchContext): Promise<void>;
}

export function rowAdder(rows: ResultRow[], log: (m: string) => void): (row: RowInput) => ResultRow {
  return (input) => {
    const row = makeRow(input);
    rows.push(row);
    const v = row.value === null ? 'not measured' : `${row.value.toPrecision(4)} ${row.unit}`;
    const l = row.limit === null ? '' : ` | limit ${row.limit.toPrecision(4)} | ratio ${row.ratio === null ? '—' : row.ratio.toFixed(3)}`;
    log(`  ${row.group} ${row.name}: ${v}${l}${row.met === 'n.a.' ? '' : row.met ? ' [met]' : ' [NOT met]'}`);
    return row;
  };
}
