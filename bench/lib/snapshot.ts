/**
 * The build the benchmarks run: the project's own `esbuild.mjs --production` (what the .vsix
 * ships: extension, ssoctl / ssod, SQLite's WebAssembly, brotli-compressed), built once at the start of a run into the
 * run's scratch folder. Every process of the run (MSS, SSO service, VS Code's extension host)
 * runs this snapshot, so that other people rebuilding dist/ in the same tree during a long run
 * cannot change the code under measurement half-way (and dist/ is left alone).
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, symlinkSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { EXTENSION_FILES } from '../../test/ui/harness/codeServer';

export const ROOT = resolve(__dirname, '..', '..');

export interface Snapshot {
  /** An extension folder: package.json, media/, dist/ (extension.js, ssoctl.js, node-sqlite3-wasm.wasm.br). */
  dir: string;
  ssoctl: string;
  extension: string;
}

export function buildSnapshot(tmp: string): Snapshot {
  const dir = join(tmp, 'build');
  mkdirSync(dir, { recursive: true });
  // esbuild.mjs builds src/… into ./dist relative to its working directory.
  symlinkSync(join(ROOT, 'src'), join(dir, 'src'));
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
  const r = spawnSync(process.execPath, [join(ROOT, 'esbuild.mjs'), '--production'], { cwd: dir, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`the production build failed: ${(r.stderr || r.stdout).slice(0, 2000)}`);
  // The files code-server loads the extension from, as the UI tests copy them (dist is built above).
  for (const f of EXTENSION_FILES.filter((name) => name !== 'dist')) {
    if (existsSync(join(ROOT, f))) cpSync(join(ROOT, f), join(dir, f), { recursive: true });
  }
  return { dir, ssoctl: join(dir, 'dist', 'ssoctl.js'), extension: join(dir, 'dist', 'extension.js') };
}
