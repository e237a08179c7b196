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
  return existsSync(file) ? statSync(file).mtimeMs : undefined;
}

/** `npm ci` when node_modules is missing or older than package-lock.json (`npm install` without a lock). */
export function ensureDependencies() {
  const lock = join(root, 'package-lock.json');
  const nodeModules = join(root, 'node_modules');
  // npm writes node_modules/.package-lock.json at every install: its age is the install's.
  const installed = mtime(join(nodeModules, '.package-lock.json')) ?? mtime(nodeModules);
  const lockTime = mtime(lock);
  if (installed !== undefined && (lockTime === undefined || installed >= lockTime)) return;
  const env = { ...process.env, npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false' };
  const args = lockTime === undefined ? ['install'] : ['ci'];
  log(`${installed === undefined ? 'node_modules is missing' : 'node_modules is older than package-lock.json'}: npm ${args[0]}`);
  execFileSync('npm', [...args, '--no-audit', '--no-fund'], { cwd: root, env, stdio: ['ignore', 'inherit', 'inherit'], shell: process.platform === 'win32' });
}

export function build() {
  log('building (esbuild)');
  execFileSync(process.execPath, [join(root, 'esbuild.mjs')], { cwd: root, stdio: 'inherit' });
}
