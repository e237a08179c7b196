// Builds entsso-bridge.exe (bridge/*.cs) into dist/ with Debian's `mcs`, against the ENTSSO
// STAND-IN assembly (test/entssoStandin/*.cs), which it compiles first into
// <standin root>/Enterprise Single Sign-On/Microsoft.EnterpriseSingleSignOn.Interop.dll.
// The stand-in is never put beside the exe: at run time the bridge loads the interop assembly from
// %CommonProgramW6432%\Enterprise Single Sign-On\ (the real one on Windows; in tests
// CommonProgramW6432=<standin root>). Skips what is up to date. Node built-ins only.
// The default build is the one shipped in the .vsix (dist/): it has no test hooks. --test-hooks
// builds a TEST build into .artifacts/entsso-bridge-test/ (compiled with ENTSSO_TEST_HOOKS: the
// MgmtDb stand-in file and the crash points, read from ENTSSO_BRIDGE_MGMTDB_FILE and
// ENTSSO_BRIDGE_CRASH_AT), for the tests and `npm start -- --entsso-standin`.
//
//   node scripts/buildBridge.mjs [--standin-root DIR] [--out DIR] [--test-hooks]
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureMono } from './ensureMono.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const INTEROP_DLL = 'Microsoft.EnterpriseSingleSignOn.Interop.dll';
export const defaultStandinRoot = join(root, '.artifacts', 'entsso-standin');
export const defaultBridgeExe = join(root, 'dist', 'entsso-bridge.exe');
export const defaultTestBridgeExe = join(root, '.artifacts', 'entsso-bridge-test', 'entsso-bridge.exe');
/** The conditional compilation symbol of the test hooks; the shipped build never defines it. */
const TEST_HOOKS_SYMBOL = 'ENTSSO_TEST_HOOKS';

function log(msg) {
  process.stderr.write(`[bridge] ${msg}\n`);
}

const sources = (dir) => readdirSync(join(root, dir)).filter((f) => f.endsWith('.cs')).map((f) => join(root, dir, f));

function upToDate(output, inputs) {
  if (!existsSync(output)) return false;
  const built = statSync(output).mtimeMs;
  return inputs.every((f) => statSync(f).mtimeMs <= built);
}

/**
 * Compiles into a temporary folder first so that a reader never sees a half-written file (under the
 * final file name: mcs names the assembly after it).
 */
function mcs(output, args) {
  const temporaryDir = join(dirname(output), `.build-${process.pid}`);
  mkdirSync(temporaryDir, { recursive: true });
  const temporary = join(temporaryDir, basename(output));
  try {
    execFileSync('mcs', ['-nologo', '-warnaserror+', '-optimize+', `-out:${temporary}`, ...args], { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
    renameSync(temporary, output);
  } finally {
    rmSync(temporaryDir, { recursive: true, force: true });
  }
}

export function buildStandin(standinRoot = defaultStandinRoot) {
  const dll = join(standinRoot, 'Enterprise Single Sign-On', INTEROP_DLL);
  const inputs = [...sources('test/entssoStandin'), join(root, 'bridge', 'Json.cs')];
  if (!upToDate(dll, inputs)) {
    log(`compiling the ENTSSO stand-in into ${dll}`);
    mcs(dll, ['-target:library', ...inputs]);
  }
  return dll;
}

/**
 * Returns { bridgeExe, interopRoot, interopDll }. `testHooks` builds the TEST build (default path
 * .artifacts/entsso-bridge-test/): never write it where the shipped build goes.
 */
export function buildBridge({ standinRoot = defaultStandinRoot, testHooks = false, bridgeExe = testHooks ? defaultTestBridgeExe : defaultBridgeExe } = {}) {
  ensureMono();
  const interopDll = buildStandin(standinRoot);
  if (resolve(dirname(interopDll)) === resolve(dirname(bridgeExe))) throw new Error('The ENTSSO stand-in must not be placed beside entsso-bridge.exe.');
  if (testHooks && resolve(bridgeExe) === defaultBridgeExe) throw new Error('The test build of entsso-bridge.exe must not be written into dist/, which the .vsix ships.');
  const inputs = sources('bridge');
  if (!upToDate(bridgeExe, [...inputs, interopDll])) {
    log(`compiling ${bridgeExe}${testHooks ? ` (TEST build: ${TEST_HOOKS_SYMBOL})` : ''}`);
    mkdirSync(dirname(bridgeExe), { recursive: true });
    // AnyCPU, .NET Framework 4.x profile; the interop assembly is referenced to compile, never copied.
    const defines = testHooks ? [`-define:${TEST_HOOKS_SYMBOL}`] : [];
    mcs(bridgeExe, ['-target:exe', '-platform:anycpu', ...defines, `-r:${interopDll}`, '-r:System.Core.dll', '-r:Microsoft.CSharp.dll', ...inputs]);
  }
  return { bridgeExe, interopRoot: standinRoot, interopDll };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const arg = (name) => {
    const i = process.argv.indexOf(name);
    return i > 0 ? resolve(process.argv[i + 1]) : undefined;
  };
  try {
    const out = arg('--out');
    const testHooks = process.argv.includes('--test-hooks');
    const built = buildBridge({ standinRoot: arg('--standin-root') ?? defaultStandinRoot, testHooks, ...(out ? { bridgeExe: join(out, 'entsso-bridge.exe') } : {}) });
    log(`ready: ${built.bridgeExe} (stand-in interop under ${built.interopRoot})`);
  } catch (err) {
    log(`failed: ${err.message}`);
    process.exit(1);
  }
}
