/**
 * The SSO service compiles SQLite's WebAssembly with V8's baseline compiler only
 * (src/ssoService/wasmTiering.ts): TurboFan's recompilation of SQLite's hot functions peaked at
 * about 60 MB of V8's malloc'd memory, most of which stayed resident. Each case runs in a fresh
 * Node process (V8 flags are per process), with real SQLite work through the product's store,
 * and looks at the compiled tier with V8's test natives (%IsLiftoffFunction, %IsTurboFanFunction).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';

const ROOT = join(__dirname, '..', '..', '..');

interface ChildReport {
  loadedByImports: boolean;
  applied?: boolean;
  appliedLate?: boolean;
  liftoff: boolean;
  turbofan: boolean;
  peakMallocedMB: number;
}

/**
 * A child that imports what `ssoctl serve` imports, optionally asks for baseline-only
 * compilation, opens a real SSODB file and runs hot queries, then reports the tier of
 * sqlite3_step and V8's peak malloc'd memory (after waiting `waitForTurbofanMs` at most for a
 * background TurboFan compilation to land, so that the control case really sees one).
 */
function runChild(options: { baselineOnly: boolean; waitForTurbofanMs: number }): ChildReport {
  const script = `
    const { setFlagsFromString, getHeapStatistics } = require('node:v8');
    const { mkdtempSync, rmSync } = require('node:fs');
    const { join } = require('node:path');
    const { tmpdir } = require('node:os');
    require('./src/ssoService/daemon');
    const { createSqliteStore } = require('./src/ssoService/ssodb/sqliteStore');
    const { compileSqliteWithBaselineOnly } = require('./src/ssoService/wasmTiering');
    const report = { loadedByImports: Object.keys(require.cache).some((k) => k.includes('node-sqlite3-wasm')) };
    if (${options.baselineOnly}) report.applied = compileSqliteWithBaselineOnly();
    (async () => {
      const dir = mkdtempSync(join(tmpdir(), 'sso-tiering-'));
      const store = createSqliteStore({ file: join(dir, 'ssodb.sqlite') });
      await store.init();
      if (${options.baselineOnly}) report.appliedLate = compileSqliteWithBaselineOnly();
      const sqlite = require('node-sqlite3-wasm');
      const db = new sqlite.Database(join(dir, 'hot.sqlite'));
      db.exec('CREATE TABLE t(a INTEGER PRIMARY KEY, b TEXT)');
      db.exec('BEGIN');
      const insert = db.prepare('INSERT INTO t(b) VALUES (?)');
      for (let i = 0; i < 5000; i++) insert.run(['value ' + i]);
      insert.finalize();
      db.exec('COMMIT');
      const scan = db.prepare('SELECT count(*) AS n FROM t WHERE b LIKE ?');
      setFlagsFromString('--allow-natives-syntax');
      const isTurbofan = new Function('f', 'return %IsTurboFanFunction(f)');
      const isLiftoff = new Function('f', 'return %IsLiftoffFunction(f)');
      const deadline = Date.now() + ${options.waitForTurbofanMs};
      let round = 0;
      do {
        for (let i = 0; i < 100; i++) scan.get(['%' + (round * 100 + i) + '%']);
        round++;
        await new Promise((r) => setTimeout(r, 50));
      } while (!isTurbofan(sqlite._sqlite3_step) && Date.now() < deadline);
      scan.finalize();
      db.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
      report.liftoff = isLiftoff(sqlite._sqlite3_step);
      report.turbofan = isTurbofan(sqlite._sqlite3_step);
      report.peakMallocedMB = getHeapStatistics().peak_malloced_memory / 1e6;
      process.stdout.write(JSON.stringify(report) + '\\n');
    })();
  `;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '-e', script], { cwd: ROOT, encoding: 'utf8', timeout: 90_000 });
  assert.equal(r.status, 0, `the child failed: ${r.stderr.slice(0, 2000)}`);
  return JSON.parse(r.stdout.trim().split('\n').pop() as string) as ChildReport;
}

test('loading the service code does not compile SQLite: it is loaded at the first database opened', () => {
  const child = runChild({ baselineOnly: false, waitForTurbofanMs: 0 });
  assert.equal(child.loadedByImports, false, 'node-sqlite3-wasm was loaded by an import, before the service could choose how it is compiled');
});

test("with baseline-only compilation SQLite's hot functions stay on Liftoff and V8 mallocs little; without it they go to TurboFan", () => {
  const baseline = runChild({ baselineOnly: true, waitForTurbofanMs: 3_000 });
  assert.equal(baseline.applied, true, 'the flag was set before SQLite was compiled');
  assert.equal(baseline.appliedLate, false, 'once SQLite is compiled, asking again says it would not apply');
  assert.equal(baseline.turbofan, false, 'sqlite3_step was recompiled by TurboFan');
  assert.equal(baseline.liftoff, true);
  assert.ok(baseline.peakMallocedMB < 30, `V8 peak malloc'd memory ${baseline.peakMallocedMB.toFixed(1)} MB, expected < 30 MB without TurboFan`);

  // The control: the same work with V8's defaults does tier up (so the check above can fail).
  const defaults = runChild({ baselineOnly: false, waitForTurbofanMs: 30_000 });
  assert.equal(defaults.turbofan, true, 'with V8 defaults, sqlite3_step was expected to reach TurboFan');
  console.log(`peak malloc'd memory: ${baseline.peakMallocedMB.toFixed(1)} MB baseline only, ${defaults.peakMallocedMB.toFixed(1)} MB with V8 defaults`);
});
