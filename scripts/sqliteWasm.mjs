// SQLite's WebAssembly in the built service: node-sqlite3-wasm's 1.3 MB .wasm ships brotli-compressed
// as dist/node-sqlite3-wasm.wasm.br (408 KB, against 529 KB for the raw file deflated in the .vsix,
// which must stay under 1 MiB), and the bundled package compiles the decompressed bytes
// (src/ssoService/ssodb/sqliteWasmBinary.ts) instead of reading its .wasm from next to ssoctl.js.
// Development and production builds do the same, so that every test runs what ships.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { brotliCompress, constants } from 'node:zlib';

const require = createRequire(import.meta.url);
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SOURCE = join(dirname(require.resolve('node-sqlite3-wasm')), 'node-sqlite3-wasm.wasm');
const RUNTIME_LOADER = join(root, 'src', 'ssoService', 'ssodb', 'sqliteWasmBinary.ts');

function log(msg) {
  process.stderr.write(`[sqlite-wasm] ${msg}\n`);
}

/** What the .br was made from, in a stamp beside it: its size and SHA-256. */
function sourceStamp(bytes) {
  return `${bytes.length} ${createHash('sha256').update(bytes).digest('hex')}\n`;
}

function readStamp(file) {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

/**
 * Writes `<dist>/node-sqlite3-wasm.wasm.br` unless the one there was made from the same .wasm
 * (quality 11 takes about 4 s, which an up-to-date build must not pay), and removes a raw .wasm
 * left by an older build so that nothing loads a stale copy. The stamp is written last and the .br
 * through a rename: a build killed half-way is never taken as up to date.
 */
export async function compressSqliteWasm(dist = 'dist') {
  mkdirSync(dist, { recursive: true });
  rmSync(join(dist, 'node-sqlite3-wasm.wasm'), { force: true });
  const out = join(dist, 'node-sqlite3-wasm.wasm.br');
  const stampFile = `${out}.source`;
  const source = readFileSync(SOURCE);
  const stamp = sourceStamp(source);
  if (existsSync(out) && readStamp(stampFile) === stamp) return;
  rmSync(stampFile, { force: true });
  const params = {
    [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY,
    [constants.BROTLI_PARAM_SIZE_HINT]: source.length,
  };
  const compressed = await promisify(brotliCompress)(source, { params });
  writeFileSync(`${out}.tmp`, compressed);
  renameSync(`${out}.tmp`, out);
  writeFileSync(stampFile, stamp);
  log(`${out}: ${source.length} → ${compressed.length} bytes (brotli)`);
}

/** The first statement of node-sqlite3-wasm's Emscripten code: it takes its options from a `Module` already declared. */
const EMSCRIPTEN_MODULE = 'var Module=typeof Module!="undefined"?Module:{};';

/**
 * esbuild plugin: node-sqlite3-wasm's script gets a `Module` whose `wasmBinary` is the decompressed
 * .br next to the bundle, checked against the SHA-256 of the .wasm the .br is made from (Emscripten
 * then compiles those bytes, synchronously, at the require as before), and gives the bytes back once
 * compiled (V8 keeps its own copy). The script runs in a try block (its declarations are all used
 * inside it) so that a module that does not compile gives the loader's "damaged" error.
 */
export const sqliteWasmFromBrotli = {
  name: 'sqlite-wasm-from-brotli',
  setup(build) {
    build.onLoad({ filter: /[\\/]node-sqlite3-wasm[\\/]dist[\\/]node-sqlite3-wasm\.js$/ }, async (args) => {
      const script = await readFile(args.path, 'utf8');
      if (!script.startsWith(EMSCRIPTEN_MODULE) || !script.includes('Module["wasmBinary"]')) {
        throw new Error(`${args.path} no longer takes its WebAssembly from Module.wasmBinary: update scripts/sqliteWasm.mjs for this node-sqlite3-wasm version.`);
      }
      const loader = `require(${JSON.stringify(RUNTIME_LOADER)})`;
      const sha256 = createHash('sha256').update(await readFile(SOURCE)).digest('hex');
      return {
        loader: 'js',
        resolveDir: dirname(args.path),
        contents: `var Module = ${loader}.sqliteWasmModuleOptions(__dirname, ${JSON.stringify(sha256)});\n`
          + `try {\n${script}\n;} catch (e) { throw ${loader}.sqliteWasmLoadFailure(__dirname, e); }\n${loader}.releaseSqliteWasm(Module);\n`,
      };
    });
  },
};
