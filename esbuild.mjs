// Bundles the extension and the SSO service / CLI. `node esbuild.mjs [--watch] [--production]`.
import * as esbuild from 'esbuild';
import { createRequire } from 'node:module';
import { buildBridge } from './scripts/buildBridge.mjs';
import { monoAvailable } from './scripts/ensureMono.mjs';
import { compressSqliteWasm, sqliteWasmFromBrotli } from './scripts/sqliteWasm.mjs';

const require = createRequire(import.meta.url);
const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: production ? false : 'linked',
  minify: production,
  logLevel: 'warning',
  legalComments: 'none',
  // Non-ASCII text (the messages' "…", "–", "·") as UTF-8 rather than \uXXXX escapes: smaller files.
  charset: 'utf8',
};

/**
 * What the bundled SQL Server driver (mssql → tedious) leaves out, so that the .vsix stays under
 * 1 MB (see README, "SQL Server"). Each is replaced by a module that fails with a sentence saying
 * what is missing, only if it is ever used:
 * - iconv-lite's CJK double-byte code page tables: tedious needs them only to decode VARCHAR/CHAR/
 *   TEXT values in those code pages; the SSODB schema has only NVARCHAR, VARBINARY and integers.
 * - @azure/identity (and MSAL under it): only Azure AD sign-in with a password, managed identity,
 *   service principal or the default credential chain uses it. It is loaded from node_modules
 *   when there is one (a checkout, an npm install); from the .vsix those sign-ins fail clearly,
 *   while SQL login, NTLM and Azure AD access tokens work.
 */
const CJK_CODE_PAGE_TABLES = /[\\/]iconv-lite[\\/]encodings[\\/]tables[\\/](cp936|cp949|cp950|eucjp|shiftjis|big5-added|gbk-added|gb18030-ranges)\.json$/;

const sqlServerDriverTrim = {
  name: 'sql-server-driver-trim',
  setup(build) {
    build.onResolve({ filter: /^@azure\/identity$/ }, () => ({ path: 'azure-identity', namespace: 'trimmed' }));
    build.onResolve({ filter: /tables[\\/].*\.json$/ }, async (args) => {
      if (args.pluginData === 'trim') return undefined; // our own resolve() call below
      const resolved = await build.resolve(args.path, { resolveDir: args.resolveDir, kind: args.kind, pluginData: 'trim' });
      return CJK_CODE_PAGE_TABLES.test(resolved.path) ? { path: resolved.path, namespace: 'trimmed' } : undefined;
    });
    build.onLoad({ filter: /.*/, namespace: 'trimmed' }, (args) => ({
      loader: 'js',
      contents: args.path === 'azure-identity' ? AZURE_IDENTITY_ON_DEMAND : CODE_PAGE_TABLE_LEFT_OUT,
    }));
  },
};

// The module name is computed so that esbuild leaves this require() to run time.
const AZURE_IDENTITY_ON_DEMAND = `
let loaded;
function identity() {
  if (loaded) return loaded;
  try {
    loaded = require(['@azure', 'identity'].join('/'));
  } catch {
    // mssqlErrors.ts recognises the code (sqlServerConnection.ts) and says what to do instead.
    throw Object.assign(new Error('@azure/identity is not installed.'), { code: 'ENTSSO_AZURE_IDENTITY_MISSING' });
  }
  return loaded;
}
module.exports = new Proxy({}, { get: (_, name) => (name === '__esModule' ? false : identity()[name]) });
`;

const CODE_PAGE_TABLE_LEFT_OUT = `throw new Error('This code page (Chinese, Japanese or Korean VARCHAR data) is not part of the bundled SQL Server driver; the SSO database uses NVARCHAR only.');`;

/**
 * The SQL Server driver is about 900 KiB of minified JavaScript (mssql, tedious, iconv-lite,
 * js-joda, …) that an SSO service on the embedded SQLite file never runs, yet V8 had to read and
 * pre-parse it at every start (about 100 ms of CPU of a service start, measured with --cpu-prof;
 * docs/PERFORMANCE.md, "Third round"). It is built as its own file next to ssoctl.js, which
 * `require`s it where it always did (mssqlSession.ts, mssqlDriver.ts, ssodbOptions.ts): only a
 * process that uses SQL Server loads it.
 */
const SQL_SERVER_DRIVER_FILE = './mssql.js';

const sqlServerDriverOnDemand = {
  name: 'sql-server-driver-on-demand',
  setup(build) {
    build.onResolve({ filter: /^mssql$/ }, () => ({ path: SQL_SERVER_DRIVER_FILE, external: true }));
  },
};

/**
 * esbuild turns every `import * as vscode from 'vscode'` into its own copy of the whole API object
 * (`__toESM`: one getter defined per API name, in each of the 45 modules that import it), which was
 * most of the time VS Code spent loading the extension (activation 73–83 ms; see docs/PERFORMANCE.md).
 * Every import resolves instead to one module that re-exports the API once; only that one requires
 * the real, external `vscode`.
 */
const VSCODE_API_ONCE = 'vscode-api-once';
const vscodeApiOnce = {
  name: VSCODE_API_ONCE,
  setup(build) {
    build.onResolve({ filter: /^vscode$/ }, (args) =>
      args.namespace === VSCODE_API_ONCE ? { path: 'vscode', external: true } : { path: 'vscode', namespace: VSCODE_API_ONCE },
    );
    build.onLoad({ filter: /.*/, namespace: VSCODE_API_ONCE }, () => ({ loader: 'js', contents: "export * from 'vscode';" }));
  },
};

const builds = [
  // Loaded by VS Code: only `vscode` stays external.
  { ...common, entryPoints: { extension: 'src/extension.ts' }, outdir: 'dist', external: ['vscode'], plugins: [vscodeApiOnce] },
  // The SSO service (ssod) and the ssoctl CLI; the SQL Server driver is dist/mssql.js, below, and
  // SQLite's WebAssembly dist/node-sqlite3-wasm.wasm.br (scripts/sqliteWasm.mjs).
  {
    ...common,
    entryPoints: { ssoctl: 'src/cli/main.ts' },
    outdir: 'dist',
    plugins: [sqlServerDriverOnDemand, sqliteWasmFromBrotli],
    banner: { js: '#!/usr/bin/env node' },
  },
  // The SQL Server driver, loaded by ssoctl.js on first use: the .vsix's service must be able to
  // use SQL Server without a node_modules folder.
  { ...common, entryPoints: { mssql: require.resolve('mssql') }, outdir: 'dist', plugins: [sqlServerDriverTrim] },
];

/**
 * entsso-bridge.exe (C#, for Windows machines with Microsoft's ENTSSO) ships in the .vsix: a
 * production build needs it (and installs Mono when missing); a development build makes it when
 * Mono is there and says how to get it otherwise.
 */
function buildEntssoBridge() {
  if (production || monoAvailable()) buildBridge();
  else process.stderr.write('[bridge] skipped: Mono (mcs) is not installed; `node scripts/ensureMono.mjs` installs it.\n');
}

// Brotli runs on libuv's threads while the bridge and the bundles build.
const sqliteWasm = compressSqliteWasm();
if (!watch) buildEntssoBridge();
if (watch) {
  await sqliteWasm;
  for (const b of builds) await (await esbuild.context(b)).watch();
} else {
  await Promise.all([sqliteWasm, ...builds.map((b) => esbuild.build(b))]);
}
