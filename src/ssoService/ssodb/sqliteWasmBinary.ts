/**
 * SQLite's WebAssembly in the built service: dist/node-sqlite3-wasm.wasm.br, brotli-compressed so
 * that the .vsix stays under 1 MiB (scripts/sqliteWasm.mjs). The build puts a call to
 * `sqliteWasmModuleOptions` in front of node-sqlite3-wasm's Emscripten code, which compiles the
 * bytes given as `Module.wasmBinary` instead of reading its .wasm from next to the script. Run from
 * the sources (tests under tsx) the package reads its own .wasm and none of this runs.
 * Brotli has no checksum (a flipped bit can decompress to a different module that still compiles),
 * so the build also passes the SHA-256 of the .wasm it compressed, checked before compiling.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { brotliDecompressSync } from 'node:zlib';
import { SsoError } from '../../protocol/errors';

const COMPRESSED_FILE = 'node-sqlite3-wasm.wasm.br';
/** Bounds what a damaged or foreign file can make the decompression allocate (SQLite's is 1.3 MB). */
const MAX_WASM_BYTES = 16 * 1024 * 1024;

/**
 * Emscripten's options for node-sqlite3-wasm: the decompressed .br of `dir` as its binary, if its
 * SHA-256 is `sha256`. When it cannot be had this throws, and so does every later use: esbuild's
 * bundle runs a module whose code threw again at the next require(), which reads the .br again.
 */
export function sqliteWasmModuleOptions(dir: string, sha256: string): { wasmBinary?: ArrayBuffer } {
  return { wasmBinary: sqliteWasmBytes(join(dir, COMPRESSED_FILE), sha256) };
}

/**
 * What the package's code threw while it loaded: a module that does not compile is the damaged
 * file's error (the checksum makes this unlikely, not impossible); anything else is left as it is.
 */
export function sqliteWasmLoadFailure(dir: string, error: unknown): unknown {
  return error instanceof WebAssembly.CompileError ? notUsable(join(dir, COMPRESSED_FILE), 'is damaged (it does not compile)') : error;
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

function sqliteWasmBytes(file: string, sha256: string): ArrayBuffer {
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
  if (createHash('sha256').update(bytes).digest('hex') !== sha256) throw notUsable(file, "is damaged (it is not the SQLite WebAssembly of this build)");
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
