/**
 * The SSO service keeps V8's young generation at its start size (src/ssoService/youngGeneration.ts)
 * instead of letting a steady stream of requests double it to 32 MB. Each case runs in a fresh
 * Node process (V8 flags are per process) that allocates the way a busy service does: many
 * short-lived objects, a few thousand alive at any time.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';

const ROOT = join(__dirname, '..', '..', '..');

function newSpaceMiBAfterSteadyAllocation(keepSmall: boolean): number {
  const script = `
    const { getHeapSpaceStatistics } = require('node:v8');
    if (${keepSmall}) require('./src/ssoService/youngGeneration').keepYoungGenerationAtStartSize();
    const alive = new Array(5000);
    for (let i = 0; i < 2000000; i++) alive[i % alive.length] = { i, text: 'response line ' + i, fields: [i, i + 1] };
    const space = getHeapSpaceStatistics().find((s) => s.space_name === 'new_space');
    process.stdout.write(String(space.space_size / 1048576));
  `;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '-e', script], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 0, r.stderr.slice(0, 2000));
  return Number(r.stdout);
}

test('the young generation stays at its start size under steady allocation (V8 would grow it to 32 MB)', () => {
  const kept = newSpaceMiBAfterSteadyAllocation(true);
  assert.ok(kept <= 4, `new space ${kept} MiB, expected to stay at its start size (2 MiB)`);
  // The control: the same allocation with V8's defaults grows it (so the check above can fail).
  const grown = newSpaceMiBAfterSteadyAllocation(false);
  assert.ok(grown >= 8, `with V8's defaults the new space was expected to grow, it is ${grown} MiB`);
});
