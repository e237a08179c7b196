/**
 * The SSO service lets V8's old generation grow less between full collections
 * (src/ssoService/oldGeneration.ts). Each case runs in a fresh Node process (V8 flags are per
 * process) with the service's young-generation setting, that keeps 8 MB alive (kept documents)
 * and allocates the way a busy service does: many short-lived objects, thousands in flight, some
 * promoted before they die.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';

const ROOT = join(__dirname, '..', '..', '..');

function largestOldSpaceMiB(conservative: boolean): number {
  const script = `
    const { getHeapSpaceStatistics } = require('node:v8');
    require('./src/ssoService/youngGeneration').keepYoungGenerationAtStartSize();
    if (${conservative}) require('./src/ssoService/oldGeneration').growOldGenerationConservatively();
    const oldSpace = () => getHeapSpaceStatistics().find((s) => s.space_name === 'old_space').space_size;
    // In a function, as a service's request handling is (top-level bindings of -e live elsewhere).
    const largest = (() => {
      const kept = [];
      for (let i = 0; i < 40000; i++) kept.push({ i, text: 'kept document ' + i + ' '.repeat(100) });
      const inFlight = new Array(20000);
      let most = 0;
      for (let i = 0; i < 3000000; i++) {
        inFlight[i % inFlight.length] = { i, text: 'request ' + i, fields: [i, i + 1] };
        if (i % 10000 === 0) most = Math.max(most, oldSpace());
      }
      return most;
    })();
    process.stdout.write(String(largest / 1048576));
  `;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '-e', script], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 0, r.stderr.slice(0, 2000));
  return Number(r.stdout);
}

test("the old generation grows less past what is alive (with V8's default it grows at least a quarter more)", () => {
  const conservative = largestOldSpaceMiB(true);
  // The control: the same allocation with V8's default growth (so the check can fail).
  const byDefault = largestOldSpaceMiB(false);
  assert.ok(conservative * 1.25 <= byDefault, `largest old space ${conservative.toFixed(1)} MiB with the service's setting, ${byDefault.toFixed(1)} MiB with V8's default: expected at least 25 % less`);
});
