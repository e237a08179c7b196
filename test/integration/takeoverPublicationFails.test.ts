/**
 * A takeover whose publication in SSODB fails, and whose release of the lease fails too (SSODB
 * refuses writes for a moment): the node must not stay "active" renewing a lease while SSODB names
 * a dead node. It stands aside, says so once with what to do, and publishes itself once SSODB
 * accepts writes again. The scenario runs in its own process (scenarios/takeoverPublicationFails.ts)
 * under the daemon's last-resort handler, as ssod does: node:test would otherwise fail on an
 * unhandled rejection instead of showing the state the node is left in.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';

interface Facts {
  published: boolean;
  roleWhileRefused: string;
  failedTakeoverLines: number;
  takeovers: number;
  publishFailureLine: string | null;
  leakedStoreText: boolean;
  log: string[];
}

function runScenario(): Facts {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(__dirname, 'scenarios', 'takeoverPublicationFails.ts')], { encoding: 'utf8', timeout: 120_000 });
  const line = r.stdout.split('\n').find((l) => l.startsWith('{"published"'));
  assert.ok(line, r.stdout + r.stderr);
  return JSON.parse(line) as Facts;
}

const facts = runScenario();

test('the node stands aside while SSODB refuses the publication and the release, and publishes itself once SSODB accepts writes', () => {
  assert.equal(facts.roleWhileRefused, 'standby', facts.log.join('\n'));
  assert.equal(facts.published, true, facts.log.join('\n'));
});

test('a failed takeover is logged with the error code and what to do, not again at each retry, never with the store\'s text', () => {
  assert.ok(facts.takeovers >= 2, facts.log.join('\n'));
  assert.equal(facts.failedTakeoverLines, 2, `one line for the publication, one for the release:\n${facts.log.join('\n')}`);
  const line = facts.publishFailureLine ?? '';
  assert.match(line, /\(ENTSSO_E_SSODB_UNREACHABLE\)/);
  assert.match(line, /gave the lease up and tries to take it again every 2 s/);
  assert.match(line, /SSODB must answer and accept writes; run Check Health/);
  assert.equal(facts.leakedStoreText, false, facts.log.join('\n'));
});
