// Bundles the extension-host mocha suite into one CommonJS file that VS Code's extension host can
// `require` as `extensionTestsPath`: test/extensionHost/suite/index.ts plus every
// test/extensionHost/suite/**/*.test.ts and mocha itself; only `vscode` stays external.
//   node --import tsx test/extensionHost/build.ts   → out/extensionHost/index.js
import { readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
export const repoRoot = resolve(here, '..', '..');
export const suiteDir = join(here, 'suite');
/** The bundled runner module (its `run()` is what VS Code calls). */
export const extensionHostRunner = join(repoRoot, 'out', 'extensionHost', 'index.js');

/** Every `*.test.ts` under suite/, sorted. */
export function findSuiteFiles(dir = suiteDir): string[] {
  const found: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) found.push(...findSuiteFiles(p));
    else if (name.endsWith('.test.ts')) found.push(p);
  }
  return found.sort();
}

const VIRTUAL = 'entsso-extension-host-tests';

export async function buildExtensionHostSuite(outfile = extensionHostRunner): Promise<string> {
  const files = findSuiteFiles();
  await esbuild.build({
    entryPoints: [join(suiteDir, 'index.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    sourcemap: 'inline',
    external: ['vscode'],
    logLevel: 'error',
    // mocha is ESM at its package root but CJS inside; these are optional requires it guards.
    logOverride: { 'require-resolve-not-external': 'silent', 'unsupported-dynamic-import': 'silent', 'empty-import-meta': 'silent' },
    plugins: [
      {
        name: 'extension-host-test-list',
        setup(build) {
          build.onResolve({ filter: new RegExp(`^${VIRTUAL}$`) }, () => ({ path: VIRTUAL, namespace: VIRTUAL }));
          build.onLoad({ filter: /.*/, namespace: VIRTUAL }, () => ({
            resolveDir: suiteDir,
            loader: 'js',
            // Lazy requires: each test file runs only after mocha has defined suite()/test().
            contents: `module.exports = [\n${files
              .map((f) => `  { file: ${JSON.stringify(relative(repoRoot, f))}, load: () => require(${JSON.stringify(f)}) },`)
              .join('\n')}\n];\n`,
          }));
        },
      },
    ],
  });
  return outfile;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  buildExtensionHostSuite().then(
    (out) => console.log(`built ${relative(process.cwd(), out)} (${findSuiteFiles().length} test files)`),
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
}
