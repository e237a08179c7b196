/**
 * A standby without a secret that takes the lease while the node holding the secret restarts
 * leaves the lease to it instead of keeping it for nothing (review 6, finding 6). The scenario
 * runs in its own process (vaultlessNodeLeavesLeaseScenario.ts), as a node runs.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';

test('the node that holds the secret is active and published within 10 s of its restart, though a node without a secret took the lease meanwhile; that node says why it left the lease', () => {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(__dirname, 'vaultlessNodeLeavesLeaseScenario.ts')], { encoding: 'utf8', timeout: 120_000 });
  const line = r.stdout.split('\n').find((l) => l.startsWith('{"outcome"'));
  assert.ok(line, r.stdout + r.stderr);
  const { outcome, log } = JSON.parse(line) as { outcome: string; log: string[] };
  assert.equal(outcome, 'published', log.join('\n'));
  assert.ok(log.some((l) => l.startsWith('N this node holds no master secret, so it gives the lease up')), log.join('\n'));
});
