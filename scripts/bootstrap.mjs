// What `npm start` and `npm test` do first on any clone: install the dependencies when they
// are missing or older than the lock file, and build. Node built-ins only: this runs before
// node_modules exists.
import { execFileSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

function log(msg) {
  process.stderr.write(`[setup] ${msg}\n`);
}

function mtime(file) {
  return existsSync(file) ? statSync(file).mtimeMs : 0;
}

export function ensureDependencies() {
  const modules = join(root, 'node_modules');
  const marker = join(modules, '.package-lock.json');
  const lock = join(root, 'package-lock.json');
  if (existsSync(marker) && mtime(marker) >= mtime(lock)) return;
  const hasLock = existsSync(lock);
  log(hasLock ? 'installing dependencies (npm ci)' : 'installing dependencies (npm install)');
  execFileSync('npm', [hasLock ? 'ci' : 'install', '--no-audit', '--no-fund'], { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
}

export function build() {
  log('building (esbuild)');
  execFileSync(process.execPath, [join(root, 'esbuild.mjs')], { cwd: root, stdio: 'inherit' });
}
