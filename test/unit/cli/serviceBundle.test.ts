/**
 * The built ssoctl.js (what `ssoctl serve` and the extension's local environment run) leaves the
 * SQL Server driver to dist/mssql.js (esbuild.mjs), so that a service on the embedded SQLite file
 * does not read and pre-parse ~700 KiB of driver code at every start. `npm test` builds dist/
 * first; test/reliability/sqlServerInit.test.ts shows the copied bundle still signs in to SQL
 * Server (the TDS stand-in).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

const DIST = join(__dirname, '..', '..', '..', 'dist');

/** Marks of the driver's code: tedious's login packet, iconv-lite, js-joda. */
const DRIVER_CODE = /Login7|iconv|js-joda/;

test('ssoctl.js holds no SQL Server driver code; mssql.js does, and it loads on its own', () => {
  const service = readFileSync(join(DIST, 'ssoctl.js'), 'utf8');
  assert.doesNotMatch(service, DRIVER_CODE, 'the SQL Server driver is bundled into ssoctl.js again');
  assert.match(service, /require\("\.\/mssql\.js"\)/, 'ssoctl.js loads the driver from ./mssql.js');
  assert.match(readFileSync(join(DIST, 'mssql.js'), 'utf8'), DRIVER_CODE);
  const loaded = spawnSync(process.execPath, ['-e', `process.stdout.write(typeof require(${JSON.stringify(join(DIST, 'mssql.js'))}).ConnectionPool)`], { encoding: 'utf8', timeout: 30_000 });
  assert.equal(loaded.stdout, 'function', loaded.stderr.slice(0, 1000));
});

test('a command that needs no SQL Server (ssoctl --help) never loads mssql.js', () => {
  // The hook records every module this process requires, by name.
  const hook = `const M = require('node:module'); const load = M._load; M._load = function (request, ...rest) { if (/mssql/.test(request)) process.stderr.write('LOADED ' + request + '\\n'); return load.call(this, request, ...rest); };`;
  const r = spawnSync(process.execPath, ['-e', `${hook} process.argv.splice(1, 0, 'ssoctl'); require(${JSON.stringify(join(DIST, 'ssoctl.js'))});`, '--', '--help'], { encoding: 'utf8', timeout: 30_000 });
  assert.match(r.stdout, /Usage: ssoctl/);
  assert.doesNotMatch(r.stderr, /LOADED/);
});

test('an installation without mssql.js: a command that needs SQL Server says the driver file is missing and to reinstall', () => {
  const bundle = mkdtempSync(join(tmpdir(), 'ssoctl-no-driver-'));
  try {
    for (const file of ['ssoctl.js', 'node-sqlite3-wasm.wasm']) copyFileSync(join(DIST, file), join(bundle, file));
    // A connection string (parsed by the driver in ssoctl) and a server address (the driver loaded to connect).
    for (const ssodb of ['Server=127.0.0.1,1;Database=SSODB', '127.0.0.1,1/SSODB']) {
      const r = spawnSync(process.execPath, [join(bundle, 'ssoctl.js'), 'init', '--dir', join(bundle, 'env'), '--mss-port', '0', '--ssodb', ssodb, '--ssodb-user', 'sa', '--ssodb-no-encrypt', '--password-stdin'], {
        cwd: bundle,
        input: 'not-used-Pa55\n',
        encoding: 'utf8',
        timeout: 30_000,
        env: { ...process.env, NODE_PATH: '' },
      });
      assert.notEqual(r.status, 0, r.stdout);
      assert.match(r.stderr, /SQL Server driver file dist\/mssql\.js is missing from this installation\. Reinstall/, r.stderr);
      assert.doesNotMatch(r.stderr, /Cannot find module|Require stack|MODULE_NOT_FOUND/, r.stderr);
    }
  } finally {
    rmSync(bundle, { recursive: true, force: true });
  }
});
