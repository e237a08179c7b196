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
// Which of the two an exe is goes in a stamp beside it (<exe>.flavour): a build of the other flavour
// into the same folder is never taken as up to date, and a shipped build that holds a hook
// variable's name is refused.
//
//   node scripts/buildBridge.mjs [--standin-root DIR] [--out DIR] [--test-hooks]
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
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
/** The environment variables only a test build reads (bridge/FieldChanges.cs, bridge/PortNames.cs, bridge/FieldChangeLock.cs, bridge/LocalService.cs). */
export const TEST_HOOK_VARIABLES = ['ENTSSO_BRIDGE_CRASH_AT', 'ENTSSO_BRIDGE_MGMTDB_FILE', 'ENTSSO_BRIDGE_LOCK_HEARTBEAT_MS', 'ENTSSO_BRIDGE_NO_LOCAL_SERVICE'];

function log(msg) {
  process.stderr.write(`[bridge] ${msg}\n`);
}

const sources = (dir) => readdirSync(join(root, dir)).filter((f) => f.endsWith('.cs')).map((f) => join(root, dir, f));

function upToDate(output, inputs) {
  if (!existsSync(output)) return false;
  const built = statSync(output).mtimeMs;
  return inputs.every((f) => statSync(f).mtimeMs <= built);
}

export const flavourStampOf = (exe) => `${exe}.flavour`;
const flavourOf = (testHooks) => (testHooks ? 'test' : 'shipped');

function stampedFlavour(exe) {
  try {
    return readFileSync(flavourStampOf(exe), 'utf8').trim();
  } catch {
    return undefined;
  }
}

/** The test hooks' variable names an exe holds (.NET keeps a string literal as UTF-16LE). */
export function testHookVariablesIn(exe) {
  const bytes = readFileSync(exe);
  return TEST_HOOK_VARIABLES.filter((name) => bytes.includes(Buffer.from(name, 'utf16le')));
}

/** Up to date, of the flavour asked for (a missing stamp: built by an older script, flavour unknown). */
function bridgeUpToDate(exe, inputs, testHooks) {
  if (!upToDate(exe, inputs) || stampedFlavour(exe) !== flavourOf(testHooks)) return false;
  return testHooks || testHookVariablesIn(exe).length === 0;
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
  if (!bridgeUpToDate(bridgeExe, [...inputs, interopDll], testHooks)) {
    log(`compiling ${bridgeExe}${testHooks ? ` (TEST build: ${TEST_HOOKS_SYMBOL})` : ''}`);
    mkdirSync(dirname(bridgeExe), { recursive: true });
    // No stamp while the exe may be of either flavour: should the build fail, the next one starts over.
    rmSync(flavourStampOf(bridgeExe), { force: true });
    // AnyCPU, .NET Framework 4.x profile; the interop assembly is referenced to compile, never copied.
    const defines = testHooks ? [`-define:${TEST_HOOKS_SYMBOL}`] : [];
    mcs(bridgeExe, ['-target:exe', '-platform:anycpu', ...defines, `-r:${interopDll}`, '-r:System.Core.dll', '-r:Microsoft.CSharp.dll', ...inputs]);
    refuseHooksInShippedBuild(bridgeExe, testHooks);
    writeFileSync(flavourStampOf(bridgeExe), `${flavourOf(testHooks)}\n`);
  }
  return { bridgeExe, interopRoot: standinRoot, interopDll };
}

/** A shipped build that still reads a test hook's variable (an `#if` lost in bridge/*.cs) is not left where it could be packed. */
function refuseHooksInShippedBuild(exe, testHooks) {
  const found = testHooks ? [] : testHookVariablesIn(exe);
  if (found.length === 0) return;
  rmSync(exe, { force: true });
  throw new Error(`The shipped build of entsso-bridge.exe reads ${found.join(', ')}, which only a test build may (ENTSSO_TEST_HOOKS): put that code under #if ${TEST_HOOKS_SYMBOL} in bridge/*.cs and build again.`);
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
