// Builds entsso-bridge.exe (bridge/*.cs) into dist/ with Debian's `mcs`, against the ENTSSO
// STAND-IN assembly (test/entssoStandin/*.cs), which it compiles first into
// <standin root>/Enterprise Single Sign-On/Microsoft.EnterpriseSingleSignOn.Interop.dll.
// The stand-in is never put beside the exe: at run time the bridge loads the interop assembly from
// %CommonProgramW6432%\Enterprise Single Sign-On\ (the real one on Windows; in tests
// CommonProgramW6432=<standin root>). Skips what is up to date. Node built-ins only.
//
//   node scripts/buildBridge.mjs [--standin-root DIR] [--out DIR]
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureMono } from './ensureMono.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const INTEROP_DLL = 'Microsoft.EnterpriseSingleSignOn.Interop.dll';
export const defaultStandinRoot = join(root, '.artifacts', 'entsso-standin');
export const defaultBridgeExe = join(root, 'dist', 'entsso-bridge.exe');

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

/** Returns { bridgeExe, interopRoot, interopDll }. */
export function buildBridge({ standinRoot = defaultStandinRoot, bridgeExe = defaultBridgeExe } = {}) {
  ensureMono();
  const interopDll = buildStandin(standinRoot);
  if (resolve(dirname(interopDll)) === resolve(dirname(bridgeExe))) throw new Error('The ENTSSO stand-in must not be placed beside entsso-bridge.exe.');
  const inputs = sources('bridge');
  if (!upToDate(bridgeExe, [...inputs, interopDll])) {
    log(`compiling ${bridgeExe}`);
    // AnyCPU, .NET Framework 4.x profile; the interop assembly is referenced to compile, never copied.
    mcs(bridgeExe, ['-target:exe', '-platform:anycpu', `-r:${interopDll}`, '-r:System.Core.dll', '-r:Microsoft.CSharp.dll', ...inputs]);
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
    const built = buildBridge({ standinRoot: arg('--standin-root') ?? defaultStandinRoot, bridgeExe: out ? join(out, 'entsso-bridge.exe') : defaultBridgeExe });
    log(`ready: ${built.bridgeExe} (stand-in interop under ${built.interopRoot})`);
  } catch (err) {
    log(`failed: ${err.message}`);
    process.exit(1);
  }
}
