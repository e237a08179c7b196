/**
 * The built ssoctl.js (what `ssoctl serve` and the extension's local environment run) leaves the
 * SQL Server driver to dist/mssql.js (esbuild.mjs), so that a service on the embedded SQLite file
 * does not read and pre-parse ~700 KiB of driver code at every start. `npm test` builds dist/
 * first; test/reliability/sqlServerInit.test.ts shows the copied bundle still signs in to SQL
 * Server (the TDS stand-in).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createHash } from 'node:crypto';
import { brotliCompressSync, brotliDecompressSync, constants } from 'node:zlib';

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
    for (const file of ['ssoctl.js', 'node-sqlite3-wasm.wasm.br']) copyFileSync(join(DIST, file), join(bundle, file));
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

/**
 * SQLite's WebAssembly ships brotli-compressed (scripts/sqliteWasm.mjs, sqliteWasmBinary.ts): the
 * copied bundle is ssoctl.js and the .br, with no raw .wasm and no node_modules to fall back on.
 */
describe("SQLite's WebAssembly from dist/node-sqlite3-wasm.wasm.br", () => {
  let bundle: string;

  before(() => {
    bundle = mkdtempSync(join(tmpdir(), 'ssoctl-sqlite-wasm-'));
    copyFileSync(join(DIST, 'ssoctl.js'), join(bundle, 'ssoctl.js'));
  });

  after(() => rmSync(bundle, { recursive: true, force: true }));

  /** `ssoctl init` of a new environment on the embedded SQLite file, from the copied bundle. */
  function init(name: string): { status: number | null; stdout: string; stderr: string } {
    const r = spawnSync(process.execPath, [join(bundle, 'ssoctl.js'), 'init', '--dir', join(bundle, name), '--mss-port', '0'], { cwd: bundle, encoding: 'utf8', timeout: 60_000, env: { ...process.env, NODE_PATH: '' } });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
  }

  /** Not Emscripten's abort, nor Node's own error for a missing file. */
  const RAW_FAILURE = /Aborted\(|RuntimeError|CompileError|ENOENT|at Object\.|node:internal/;

  test('the build ships the .br and no raw .wasm, and a bundle of ssoctl.js and the .br opens an SQLite SSODB', () => {
    assert.ok(!existsSync(join(DIST, 'node-sqlite3-wasm.wasm')), 'a raw dist/node-sqlite3-wasm.wasm is left in dist/');
    copyFileSync(join(DIST, 'node-sqlite3-wasm.wasm.br'), join(bundle, 'node-sqlite3-wasm.wasm.br'));
    const r = init('complete');
    assert.equal(r.status, 0, r.stderr);
    assert.ok(existsSync(join(bundle, 'complete')), r.stdout);
  });

  test('a truncated .br: the process says which file is damaged and to reinstall, not an Emscripten abort', () => {
    const compressed = readFileSync(join(DIST, 'node-sqlite3-wasm.wasm.br'));
    writeFileSync(join(bundle, 'node-sqlite3-wasm.wasm.br'), compressed.subarray(0, compressed.length >> 1));
    const r = init('truncated');
    assert.notEqual(r.status, 0, r.stdout);
    assert.match(r.stderr, /SQLite's WebAssembly file \S*node-sqlite3-wasm\.wasm\.br is damaged \(it does not decompress\)[^\n]*Reinstall the extension \(or ssoctl\)[^\n]*node esbuild\.mjs[^\n]*\[ENTSSO_E_SSODB_UNREACHABLE\]/, r.stderr);
    assert.doesNotMatch(r.stderr, RAW_FAILURE, r.stderr);
  });

  /** The shipped .br's wasm changed by `change`, compressed again (at a quicker quality than the build's). */
  function writeChangedBr(change: (wasm: Buffer) => Buffer): Buffer {
    const wasm = change(brotliDecompressSync(readFileSync(join(DIST, 'node-sqlite3-wasm.wasm.br'))));
    writeFileSync(join(bundle, 'node-sqlite3-wasm.wasm.br'), brotliCompressSync(wasm, { params: { [constants.BROTLI_PARAM_QUALITY]: 5 } }));
    return wasm;
  }

  // Brotli has no checksum: a damaged .br can decompress to other bytes, which may even compile.
  test('a .br that decompresses to a wasm with one byte changed: refused as damaged before it is compiled', () => {
    writeChangedBr((wasm) => { const changed = Buffer.from(wasm); changed[changed.length >> 1] ^= 0x01; return changed; });
    const r = init('changed');
    assert.notEqual(r.status, 0, r.stdout);
    assert.match(r.stderr, /SQLite's WebAssembly file \S*node-sqlite3-wasm\.wasm\.br is damaged \(it is not the SQLite WebAssembly of this build\)[^\n]*Reinstall the extension \(or ssoctl\)[^\n]*\[ENTSSO_E_SSODB_UNREACHABLE\]/, r.stderr);
    assert.doesNotMatch(r.stderr, RAW_FAILURE, r.stderr);
  });

  test('a wasm that does not compile (its checksum in a patched ssoctl.js): the damaged error, not a raw CompileError', () => {
    const script = readFileSync(join(DIST, 'ssoctl.js'), 'utf8');
    const shipped = createHash('sha256').update(brotliDecompressSync(readFileSync(join(DIST, 'node-sqlite3-wasm.wasm.br')))).digest('hex');
    assert.ok(script.includes(`"${shipped}"`), "ssoctl.js does not hold the SHA-256 of the .br's wasm");
    const truncated = writeChangedBr((wasm) => wasm.subarray(0, wasm.length - 1000));
    const patched = join(bundle, 'ssoctl.js');
    try {
      writeFileSync(patched, script.replace(`"${shipped}"`, `"${createHash('sha256').update(truncated).digest('hex')}"`));
      const r = init('uncompilable');
      assert.notEqual(r.status, 0, r.stdout);
      assert.match(r.stderr, /SQLite's WebAssembly file \S*node-sqlite3-wasm\.wasm\.br is damaged \(it does not compile\)[^\n]*Reinstall the extension \(or ssoctl\)[^\n]*\[ENTSSO_E_SSODB_UNREACHABLE\]/, r.stderr);
      assert.doesNotMatch(r.stderr, RAW_FAILURE, r.stderr);
    } finally {
      writeFileSync(patched, script);
    }
  });

  test('a missing .br: the process says which file is missing and to reinstall', () => {
    rmSync(join(bundle, 'node-sqlite3-wasm.wasm.br'), { force: true });
    const r = init('missing');
    assert.notEqual(r.status, 0, r.stdout);
    assert.match(r.stderr, /SQLite's WebAssembly file \S*node-sqlite3-wasm\.wasm\.br is missing from this installation[^\n]*Reinstall the extension \(or ssoctl\)[^\n]*\[ENTSSO_E_SSODB_UNREACHABLE\]/, r.stderr);
    assert.doesNotMatch(r.stderr, RAW_FAILURE, r.stderr);
  });
});
