/**
 * The built service's SQLite WebAssembly comes from dist/node-sqlite3-wasm.wasm.br
 * (sqliteWasmBinary.ts). The whole path through the bundle is test/unit/cli/serviceBundle.test.ts;
 * these are the loader's own promises: the bytes compile, a failure stays the same actionable
 * error at every later use, and the bytes are given back once compiled.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, test } from 'node:test';
import { brotliCompressSync, constants } from 'node:zlib';
import { SsoError } from '../../../src/protocol/errors';
import { releaseSqliteWasm, sqliteWasmModuleOptions } from '../../../src/ssoService/ssodb/sqliteWasmBinary';

const dir = mkdtempSync(join(tmpdir(), 'sqlite-wasm-binary-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const BR = join(dir, 'node-sqlite3-wasm.wasm.br');

/** A small WebAssembly module (one exported function returning 42). */
const TINY_WASM = Buffer.from('0061736d010000000105016000017f03020100070501016600000a06010400412a0b', 'hex');

test('the decompressed .br is the module Emscripten compiles; releasing it detaches the bytes', () => {
  writeFileSync(BR, brotliCompressSync(TINY_WASM));
  const options = sqliteWasmModuleOptions(dir, { exports: {} });
  const bytes = options.wasmBinary as ArrayBuffer;
  assert.deepEqual(Buffer.from(bytes), TINY_WASM);
  const instance = new WebAssembly.Instance(new WebAssembly.Module(new Uint8Array(bytes)));
  assert.equal((instance.exports.f as () => number)(), 42);
  releaseSqliteWasm(options);
  assert.equal(options.wasmBinary, undefined);
  assert.equal(bytes.byteLength, 0, 'the decompressed bytes are still held');
});

test("node-sqlite3-wasm's own .wasm decompresses to the same bytes (at a quicker quality than the build's 11)", () => {
  const wasm = readFileSync(join(dirname(require.resolve('node-sqlite3-wasm')), 'node-sqlite3-wasm.wasm'));
  writeFileSync(BR, brotliCompressSync(wasm, { params: { [constants.BROTLI_PARAM_QUALITY]: 5 } }));
  assert.ok(Buffer.from(sqliteWasmModuleOptions(dir, { exports: {} }).wasmBinary as ArrayBuffer).equals(wasm));
});

for (const [what, content, expected] of [
  ['no .br', undefined, /is missing from this installation/],
  ['a truncated .br', () => brotliCompressSync(TINY_WASM).subarray(0, 6), /is damaged \(it does not decompress\)/],
  ['a .br that is not brotli', () => Buffer.from('not a brotli stream at all'), /is damaged/],
  ['a .br that is not WebAssembly once decompressed', () => brotliCompressSync(Buffer.from('hello')), /is damaged \(it is not WebAssembly\)/],
] as const) {
  test(`${what}: an SsoError naming the file and saying to reinstall, at the load and at every later use`, () => {
    rmSync(BR, { force: true });
    if (content) writeFileSync(BR, content());
    const packageModule: { exports: unknown } = { exports: {} };
    const error = captured(() => sqliteWasmModuleOptions(dir, packageModule));
    assert.ok(error instanceof SsoError, String(error));
    assert.equal(error.code, 'ENTSSO_E_SSODB_UNREACHABLE');
    assert.match(error.message, expected);
    assert.ok(error.message.includes(BR), error.message);
    assert.match(error.message, /Reinstall the extension \(or ssoctl\) to restore it; in a source checkout, run `node esbuild\.mjs`/);
    // esbuild gives a second require() these exports, without running the package again.
    assert.equal(captured(() => (packageModule.exports as { Database: unknown }).Database), error);
  });
}

function captured(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  assert.fail('expected an error');
}
