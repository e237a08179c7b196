/**
 * "Connect to SSO Service…" on Windows asks the bridge (`--local-service`) whether this machine has
 * the ENTSSO service, and each question starts the bridge. The answer is kept for the window's
 * lifetime (src/connection/entssoBridge.ts LocalServiceCache): counted here as starts of a stand-in
 * bridge (a node script that notes each start and answers as bridge/LocalService.cs does), not timed.
 */
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { LocalServiceCache, type LocalServiceState } from '../../../src/connection/entssoBridge';
import type { ProcessSpec } from '../../../src/ssoClient/transport';

let scratch: string;
let script: string;

before(() => {
  scratch = mkdtempSync(join(tmpdir(), 'local-service-cache-'));
  script = join(scratch, 'bridge.js');
  // Notes its start, then answers the one line the real bridge prints for --local-service.
  writeFileSync(
    script,
    `require('node:fs').appendFileSync(process.env.STARTS_FILE, process.argv.slice(2).join(' ') + '\\n');
     if (process.env.ANSWER === 'fail') process.exit(2);
     process.stdout.write(JSON.stringify({ localService: process.env.ANSWER }) + '\\n');`,
  );
});

after(() => rmSync(scratch, { recursive: true, force: true }));

/** A stand-in bridge answering `answer`, and how many times it was started. */
function bridge(name: string, answer: string): { spec: ProcessSpec; starts: () => number } {
  const startsFile = join(scratch, `${name}.starts`);
  appendFileSync(startsFile, '');
  return {
    spec: { command: process.execPath, args: [script], env: { STARTS_FILE: startsFile, ANSWER: answer } },
    starts: () => readFileSync(startsFile, 'utf8').split('\n').filter((line) => line === '--local-service').length,
  };
}

test('on Windows the bridge is started once for any number of connects, and the log hears that one answer', async () => {
  const b = bridge('installed', 'installed');
  const cache = new LocalServiceCache('win32');
  const heard: LocalServiceState[] = [];
  for (let i = 0; i < 3; i++) assert.equal(await cache.stateOf(b.spec, (s) => heard.push(s)), 'installed');
  assert.equal(b.starts(), 1);
  assert.deepEqual(heard, ['installed']);
});

test('"missing" is kept too; after forget (a retry, a refusal) the bridge is asked again', async () => {
  const b = bridge('missing', 'missing');
  const cache = new LocalServiceCache('win32');
  assert.equal(await cache.stateOf(b.spec), 'missing');
  assert.equal(await cache.stateOf(b.spec), 'missing');
  assert.equal(b.starts(), 1);
  cache.forget();
  assert.equal(await cache.stateOf(b.spec), 'missing');
  assert.equal(b.starts(), 2);
});

test('"unknown" (the bridge failed or could not tell) is not kept: the next connect asks again', async () => {
  for (const answer of ['fail', 'unknown']) {
    const b = bridge(`no-answer-${answer}`, answer);
    const cache = new LocalServiceCache('win32');
    assert.equal(await cache.stateOf(b.spec), 'unknown');
    assert.equal(await cache.stateOf(b.spec), 'unknown');
    assert.equal(b.starts(), 2, answer);
  }
});

test('another bridge (the environment\'s "bridge" setting changed) is asked for itself', async () => {
  const first = bridge('first', 'installed');
  const second = bridge('second', 'missing');
  const cache = new LocalServiceCache('win32');
  assert.equal(await cache.stateOf(first.spec), 'installed');
  assert.equal(await cache.stateOf(second.spec), 'missing');
  assert.equal(await cache.stateOf(second.spec), 'missing');
  assert.deepEqual([first.starts(), second.starts()], [1, 1]);
});

test('off Windows the bridge is never started (it reads the registry: it could only say "unknown")', async () => {
  const b = bridge('linux', 'installed');
  for (const platform of ['linux', 'darwin'] as const) {
    const cache = new LocalServiceCache(platform);
    assert.equal(await cache.stateOf(b.spec, () => assert.fail('no bridge answer to log')), 'unknown');
  }
  assert.equal(b.starts(), 0);
});
