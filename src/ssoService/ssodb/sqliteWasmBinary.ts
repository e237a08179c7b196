/**
 * SQLite's WebAssembly in the built service: dist/node-sqlite3-wasm.wasm.br, brotli-compressed so
 * that the .vsix stays under 1 MiB (scripts/sqliteWasm.mjs). The build puts a call to
 * `sqliteWasmModuleOptions` in front of node-sqlite3-wasm's Emscripten code, which compiles the
 * bytes given as `Module.wasmBinary` instead of reading its .wasm from next to the script. Run from
 * the sources (tests under tsx) the package reads its own .wasm and none of this runs.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { brotliDecompressSync } from 'node:zlib';
import { SsoError } from '../../protocol/errors';

const COMPRESSED_FILE = 'node-sqlite3-wasm.wasm.br';
/** Bounds what a damaged or foreign file can make the decompression allocate (SQLite's is 1.3 MB). */
const MAX_WASM_BYTES = 16 * 1024 * 1024;
/** Every WebAssembly module starts with "\0asm". */
const WASM_MAGIC = Buffer.from([0x00, 0x61, 0x73, 0x6d]);

/**
 * Emscripten's options for node-sqlite3-wasm: the decompressed .br of `dir` as its binary. When it
 * cannot be had, the package's exports become what throws the same error at every use: esbuild
 * hands a later require() the exports of a module whose code threw, instead of running it again.
 */
export function sqliteWasmModuleOptions(dir: string, packageModule: { exports: unknown }): { wasmBinary?: ArrayBuffer } {
  try {
    return { wasmBinary: sqliteWasmBytes(join(dir, COMPRESSED_FILE)) };
  } catch (error) {
    packageModule.exports = new Proxy({}, { get: () => { throw error; } });
    throw error;
  }
}

/**
 * Gives the bytes back once Emscripten has compiled them: WebAssembly.Module keeps its own copy,
 * and the module object (node-sqlite3-wasm's exports) lives as long as the process.
 */
export function releaseSqliteWasm(options: { wasmBinary?: ArrayBuffer }): void {
  const bytes = options.wasmBinary;
  options.wasmBinary = undefined;
  if (bytes && bytes.byteLength > 0) structuredClone(bytes, { transfer: [bytes] });
}

function sqliteWasmBytes(file: string): ArrayBuffer {
  let compressed: Buffer;
  try {
    compressed = readFileSync(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw notUsable(file, code === 'ENOENT' ? 'is missing from this installation' : `cannot be read (${code ?? 'error'})`);
  }
  let bytes: Buffer;
  try {
    bytes = brotliDecompressSync(compressed, { maxOutputLength: MAX_WASM_BYTES });
  } catch {
    throw notUsable(file, 'is damaged (it does not decompress)');
  }
  if (!bytes.subarray(0, WASM_MAGIC.length).equals(WASM_MAGIC)) throw notUsable(file, 'is damaged (it is not WebAssembly)');
  return ownArrayBuffer(bytes);
}

function notUsable(file: string, what: string): SsoError {
  return new SsoError(
    'ENTSSO_E_SSODB_UNREACHABLE',
    `SQLite's WebAssembly file ${file} ${what}, so no SSO database file can be opened. Reinstall the extension (or ssoctl) to restore it; in a source checkout, run \`node esbuild.mjs\`.`,
    { file },
  );
}

/** The bytes as an ArrayBuffer of their own: Emscripten then compiles a view of it, not a copy. */
function ownArrayBuffer(bytes: Buffer): ArrayBuffer {
  const whole = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength;
  return (whole ? bytes.buffer : bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength)) as ArrayBuffer;
}
