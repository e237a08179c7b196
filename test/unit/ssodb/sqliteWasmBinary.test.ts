/**
 * The built service's SQLite WebAssembly comes from dist/node-sqlite3-wasm.wasm.br
 * (sqliteWasmBinary.ts). The whole path through the bundle is test/unit/cli/serviceBundle.test.ts;
 * these are the loader's own promises: the bytes compile, a failure stays the same actionable
 * error at every later use, and the bytes are given back once compiled.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, test } from 'node:test';
import { buildSync } from 'esbuild';
import { brotliCompressSync, constants } from 'node:zlib';
import { SsoError } from '../../../src/protocol/errors';
import { releaseSqliteWasm, sqliteWasmLoadFailure, sqliteWasmModuleOptions } from '../../../src/ssoService/ssodb/sqliteWasmBinary';

const dir = mkdtempSync(join(tmpdir(), 'sqlite-wasm-binary-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const BR = join(dir, 'node-sqlite3-wasm.wasm.br');

/** A small WebAssembly module (one exported function returning 42). */
const TINY_WASM = Buffer.from('0061736d010000000105016000017f03020100070501016600000a06010400412a0b', 'hex');

function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

test('the decompressed .br is the module Emscripten compiles; releasing it detaches the bytes', () => {
  writeFileSync(BR, brotliCompressSync(TINY_WASM));
  const options = sqliteWasmModuleOptions(dir, sha256(TINY_WASM));
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
  assert.ok(Buffer.from(sqliteWasmModuleOptions(dir, sha256(wasm)).wasmBinary as ArrayBuffer).equals(wasm));
});

for (const [what, content, expected] of [
  ['no .br', undefined, /is missing from this installation/],
  ['a truncated .br', () => brotliCompressSync(TINY_WASM).subarray(0, 6), /is damaged \(it does not decompress\)/],
  ['a .br that is not brotli', () => Buffer.from('not a brotli stream at all'), /is damaged/],
  ['a .br that is not WebAssembly once decompressed', () => brotliCompressSync(Buffer.from('hello')), /is damaged \(it is not the SQLite WebAssembly of this build\)/],
  // Brotli has no checksum: such a .br decompresses, and the module may even compile.
  ['a .br that decompresses to other WebAssembly (one byte changed: 42 → 43)', () => brotliCompressSync(withByteChanged(TINY_WASM)), /is damaged \(it is not the SQLite WebAssembly of this build\)/],
] as const) {
  test(`${what}: an SsoError naming the file and saying to reinstall`, () => {
    rmSync(BR, { force: true });
    if (content) writeFileSync(BR, content());
    assertDamaged(captured(() => sqliteWasmModuleOptions(dir, sha256(TINY_WASM))), expected);
  });
}

test('a module that does not compile while the package loads is the same damaged-file error; other errors stay as they are', () => {
  const compileError = captured(() => new WebAssembly.Module(new Uint8Array(TINY_WASM.subarray(0, TINY_WASM.length - 3))));
  assert.ok(compileError instanceof WebAssembly.CompileError, String(compileError));
  assertDamaged(sqliteWasmLoadFailure(dir, compileError), /is damaged \(it does not compile\)/);
  const other = new RangeError('out of memory');
  assert.equal(sqliteWasmLoadFailure(dir, other), other);
});

/**
 * Why a failed load stays the same actionable error at every later use: esbuild's bundle runs a
 * CommonJS module whose code threw again at the next require(), so the .br is read and refused again.
 */
test("esbuild's bundle runs a module whose code threw again at the next require()", () => {
  writeFileSync(join(dir, 'throws.js'), 'globalThis.__runs = (globalThis.__runs ?? 0) + 1; throw new Error("run " + globalThis.__runs);');
  const { outputFiles } = buildSync({
    stdin: { contents: "exports.first = () => { try { require('./throws'); } catch (e) { return String(e); } }; exports.again = exports.first;", resolveDir: dir },
    bundle: true, platform: 'node', format: 'cjs', write: false,
  });
  const bundled: { exports: { first: () => string; again: () => string } } = { exports: {} as never };
  new Function('module', 'exports', 'require', outputFiles[0].text)(bundled, bundled.exports, require);
  assert.equal(bundled.exports.first(), 'Error: run 1');
  assert.equal(bundled.exports.again(), 'Error: run 2', 'the module was not run again');
  delete (globalThis as { __runs?: number }).__runs;
});

function assertDamaged(error: unknown, expected: RegExp): void {
  assert.ok(error instanceof SsoError, String(error));
  assert.equal(error.code, 'ENTSSO_E_SSODB_UNREACHABLE');
  assert.match(error.message, expected);
  assert.ok(error.message.includes(BR), error.message);
  assert.match(error.message, /Reinstall the extension \(or ssoctl\) to restore it; in a source checkout, run `node esbuild\.mjs`/);
}

function withByteChanged(wasm: Buffer): Buffer {
  const changed = Buffer.from(wasm);
  changed[changed.indexOf(0x2a, 8)] = 0x2b;
  return changed;
}

function captured(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  assert.fail('expected an error');
}
