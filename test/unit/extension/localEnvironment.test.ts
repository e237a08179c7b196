// Unit tests of the local environment's process handling: paths next to `localDir`, pid files
// (live, stale, garbage), a detached role started on this runtime and stopped by its pid file,
// and a role that dies while starting. A stand-in script plays ssoctl (prints what ssod prints).
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { parseEnvironments } from '../../../src/connection/environmentSettings';
import { formatIdentity, identityOf, processStartTime } from '../../../src/protocol/processIdentity';
import { isAlive, localPathsFor, readLivePid, runSsoctl, startRole, stopByPidFile } from '../../../src/connection/localEnvironment';

const root = mkdtempSync(join(tmpdir(), 'entsso-local-'));
after(() => rmSync(root, { recursive: true, force: true }));

// Stands in for dist/ssoctl.js: `serve` logs like ssod and runs until SIGTERM; `fail` dies; `echo` echoes stdin.
const FAKE = join(root, 'fake-ssoctl.js');
writeFileSync(
  FAKE,
  `const [verb, ...rest] = process.argv.slice(2);
if (verb === 'serve') {
  if (rest.includes('--fail')) { process.stderr.write(new Date().toISOString() + ' ssod[' + process.pid + '] cannot open SSODB\\n'); process.exit(3); }
  process.stderr.write(new Date().toISOString() + ' ssod[' + process.pid + '] ready\\n');
  process.on('SIGTERM', () => process.exit(0));
  setInterval(() => {}, 1000);
} else if (verb === 'echo') {
  let s = ''; process.stdin.on('data', (d) => (s += d)); process.stdin.on('end', () => { process.stdout.write(s.toUpperCase() + (process.env.ELECTRON_RUN_AS_NODE ?? '')); });
}`,
);

describe('local environment', () => {
  test('paths: <data> is the parent of localDir', () => {
    const p = localPathsFor('/x/.data/env');
    assert.deepEqual(p, {
      data: '/x/.data',
      env: '/x/.data/env',
      logs: '/x/.data/logs',
      mssPid: '/x/.data/mss.pid',
      servicePid: '/x/.data/service.pid',
      mssLog: '/x/.data/logs/mss.log',
      serviceLog: '/x/.data/logs/service.log',
    });
  });

  test('settings keep localDir', () => {
    assert.deepEqual(parseEnvironments([{ name: 'Local', socketPath: '/s', tokenFile: '/t', localDir: ' /d/env ' }]).environments, [{ name: 'Local', socketPath: '/s', tokenFile: '/t', localDir: '/d/env' }]);
  });

  test('pid files: live, stale, garbage, missing', () => {
    const f = join(root, 'x.pid');
    assert.equal(readLivePid(f), undefined);
    writeFileSync(f, formatIdentity(identityOf(process.pid)));
    assert.equal(readLivePid(f), process.pid);
    writeFileSync(f, 'not a pid');
    assert.equal(readLivePid(f), undefined);
    writeFileSync(f, '999999999');
    assert.equal(readLivePid(f), undefined);
  });

  test('a role starts detached with a pid file, says when it runs already, and stops by its pid file', async () => {
    const paths = localPathsFor(join(root, 'a', 'env'));
    mkdirSync(paths.env, { recursive: true });
    const runtime = { execPath: process.execPath, ssoctl: FAKE };
    assert.equal(await startRole(runtime, paths, 'mss'), true);
    const pid = readLivePid(paths.mssPid);
    assert.ok(pid !== undefined && isAlive(pid));
    assert.match(readFileSync(paths.mssLog, 'utf8'), /ssod\[\d+\] ready/);
    assert.equal(await startRole(runtime, paths, 'mss'), false, 'already running');
    assert.equal(await stopByPidFile(paths.mssPid), true);
    assert.equal(isAlive(pid), false);
    assert.equal(readLivePid(paths.mssPid), undefined);
    assert.equal(await stopByPidFile(paths.mssPid), false, 'nothing to stop');
  });

  test('a pid file naming an unrelated live process (pid reused, or no start time to prove it) never gets it signalled', { skip: process.platform !== 'linux' ? 'start times come from /proc (Linux); elsewhere the pid alone is checked' : false }, async () => {
    const paths = localPathsFor(join(root, 'reused', 'env'));
    mkdirSync(paths.env, { recursive: true });
    const unrelated = spawn('sleep', ['60'], { stdio: 'ignore' });
    try {
      await new Promise((r) => setTimeout(r, 50));
      const startTime = processStartTime(unrelated.pid!);
      assert.ok(startTime);
      for (const record of [`${unrelated.pid} ${Number(startTime) - 7}`, String(unrelated.pid)]) {
        writeFileSync(paths.mssPid, record);
        assert.equal(readLivePid(paths.mssPid), undefined, record);
        assert.equal(await stopByPidFile(paths.mssPid, 500), false, record);
        assert.equal(unrelated.exitCode ?? unrelated.signalCode, null, `the unrelated process was signalled (${record})`);
      }
      // The script behind "npm run mss:stop" follows the same rule.
      writeFileSync(join(paths.env, 'environment.json'), '{}');
      for (const record of [`${unrelated.pid} ${Number(startTime) - 7}`, String(unrelated.pid)]) {
        writeFileSync(paths.mssPid, record);
        const script = spawnSync(process.execPath, [join(__dirname, '..', '..', '..', 'scripts', 'localEnvironment.mjs'), 'mss:stop'], { env: { ...process.env, ENTSSO_DATA_DIR: paths.data }, encoding: 'utf8' });
        assert.equal(script.status, 0, script.stderr);
        assert.match(script.stdout, /was not running/);
        await new Promise((r) => setTimeout(r, 100));
        assert.equal(unrelated.exitCode ?? unrelated.signalCode, null, `npm run mss:stop signalled an unrelated process (${record})`);
      }
    } finally {
      unrelated.kill('SIGKILL');
    }
  });

  test('a role that dies while starting is reported with the end of its log, and leaves no pid file', async () => {
    const paths = localPathsFor(join(root, 'b', 'env'));
    mkdirSync(paths.env, { recursive: true });
    const failing = join(root, 'failing.js');
    writeFileSync(failing, `process.stderr.write(new Date().toISOString() + ' ssod[' + process.pid + '] cannot open SSODB\\n'); process.exit(3);`);
    await assert.rejects(startRole({ execPath: process.execPath, ssoctl: failing }, paths, 'service'), /SSO service stopped while starting \(exit code 3\).*cannot open SSODB/);
    assert.equal(readLivePid(paths.servicePid), undefined);
  });

  test('runSsoctl passes stdin and runs on VS Code\'s runtime (ELECTRON_RUN_AS_NODE=1)', async () => {
    const r = await runSsoctl({ execPath: process.execPath, ssoctl: FAKE }, ['echo'], 'abc');
    assert.deepEqual(r, { code: 0, stdout: 'ABC1', stderr: '' });
  });
});
