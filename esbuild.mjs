// Bundles the extension and the SSO service / CLI. `node esbuild.mjs [--watch] [--production]`.
import * as esbuild from 'esbuild';
import { copyFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { buildBridge } from './scripts/buildBridge.mjs';
import { monoAvailable } from './scripts/ensureMono.mjs';

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
};

const builds = [
  // Loaded by VS Code: only `vscode` stays external.
  { ...common, entryPoints: { extension: 'src/extension.ts' }, outdir: 'dist', external: ['vscode'] },
  // The SSO service (ssod) and the ssoctl CLI. mssql (tedious) is large and only needed for
  // SQL Server deployments, so it is loaded from node_modules when configured.
  {
    ...common,
    entryPoints: { ssoctl: 'src/cli/main.ts' },
    outdir: 'dist',
    external: ['mssql'],
    banner: { js: '#!/usr/bin/env node' },
  },
];

function copyWasm() {
  // node-sqlite3-wasm loads its .wasm from next to the bundled script.
  const wasm = join(dirname(require.resolve('node-sqlite3-wasm')), 'node-sqlite3-wasm.wasm');
  mkdirSync('dist', { recursive: true });
  copyFileSync(wasm, join('dist', 'node-sqlite3-wasm.wasm'));
}

/**
 * entsso-bridge.exe (C#, for Windows machines with Microsoft's ENTSSO) ships in the .vsix: a
 * production build needs it (and installs Mono when missing); a development build makes it when
 * Mono is there and says how to get it otherwise.
 */
function buildEntssoBridge() {
  if (production || monoAvailable()) buildBridge();
  else process.stderr.write('[bridge] skipped: Mono (mcs) is not installed; `node scripts/ensureMono.mjs` installs it.\n');
}

copyWasm();
if (!watch) buildEntssoBridge();
if (watch) {
  for (const b of builds) await (await esbuild.context(b)).watch();
} else {
  await Promise.all(builds.map((b) => esbuild.build(b)));
}
