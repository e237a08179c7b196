/**
 * The daemon's last line of defence, in a real child process: an unhandled rejection or an
 * uncaught exception is logged by type and code location (never its message, which may quote
 * a request or a value) and the process keeps serving.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';

const ROOT = join(__dirname, '..', '..', '..');

function runDaemonLike(installHandlers: boolean) {
  const script = `
    const { keepServingAfterUnexpectedErrors } = require(${JSON.stringify(join(ROOT, 'src', 'ssoService', 'daemon.ts'))});
    const log = (m) => process.stderr.write('LOG ' + m + '\\n');
    if (${installHandlers}) keepServingAfterUnexpectedErrors(log);
    for (let i = 0; i < 1000; i++) Promise.reject(new RangeError('value hunter2 in the message'));
    setTimeout(() => { throw new TypeError('password hunter2 in the message'); }, 20);
    setTimeout(() => { process.stdout.write('still serving'); }, 200);
  `;
  return spawnSync(process.execPath, ['--import', 'tsx', '-e', script], { cwd: ROOT, encoding: 'utf8', timeout: 30_000 });
}

test('unhandled rejections (1,000) and an uncaught exception are logged without their message and the process keeps serving', () => {
  const r = runDaemonLike(true);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, 'still serving');
  assert.match(r.stderr, /LOG unhandled rejection \(kept serving\): RangeError \| at /);
  assert.match(r.stderr, /LOG uncaught exception \(kept serving\): TypeError \| at /);
  assert.ok(!r.stderr.includes('hunter2'), `no message text in the log: ${r.stderr}`);
  assert.equal(r.stderr.split('\n').filter((l) => l.startsWith('LOG unhandled rejection')).length, 1, '1,000 rejections, one line: the log is bounded');
});

test('without them the same errors stop the process (what the handlers prevent)', () => {
  const r = runDaemonLike(false);
  assert.notEqual(r.status, 0);
  assert.equal(r.stdout, '');
});
