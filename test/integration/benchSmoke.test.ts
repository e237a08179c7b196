/**
 * The benchmarks still run: `npm run bench -- --quick` (small sizes, every benchmark) must end
 * without a crash. A missed target is reported by the benchmark, not failed here: benchmarks
 * are not timed tests.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';

test('npm run bench -- --quick completes every benchmark', { timeout: 600_000 }, () => {
  const root = join(__dirname, '..', '..');
  const r = spawnSync(process.execPath, [join(root, 'scripts', 'bench.mjs'), '--quick'], { cwd: root, encoding: 'utf8', timeout: 540_000 });
  assert.equal(r.status, 0, `bench --quick failed:\n${r.stdout.slice(-3000)}\n${r.stderr.slice(-3000)}`);
  const summary = (r.stdout + r.stderr).split('\n').filter((l) => /targets? (not )?met|bench:/.test(l));
  console.log(`# ${summary.join(' | ').slice(0, 400)}`);
});
