/**
 * How V8 compiles SQLite's WebAssembly in a long-running SSO service. By default V8 compiles each
 * function first with its baseline compiler (Liftoff) and then recompiles the hot ones with
 * TurboFan on its worker threads; for SQLite's large functions that recompilation peaks at about
 * 53 MB of V8's malloc'd memory, and glibc keeps most of it in those threads' arenas afterwards:
 * 35–45 MB of the service's resident memory, for reads that spend little of their time in SQLite
 * (measured: docs/PERFORMANCE.md, "Third round (issue 16)"). The flag only takes effect for
 * modules compiled after it is set, hence the check.
 */
import { setFlagsFromString } from 'node:v8';
import { isSqliteCompiled } from './ssodb/sqliteConnection';

const BASELINE_ONLY_WASM_FLAG = '--liftoff-only';

/** True when the flag was set before SQLite's WebAssembly was compiled (so it applies). */
export function compileSqliteWithBaselineOnly(): boolean {
  if (isSqliteCompiled()) return false;
  setFlagsFromString(BASELINE_ONLY_WASM_FLAG);
  return true;
}
