// Installs code-server (VS Code in the browser) for the UI tests and `npm start`.
// Node built-ins only: this runs on a fresh clone before anything else is installed.
// Idempotent: every step is skipped when its result is already there.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, copyFileSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const CODE_SERVER_VERSION = '4.100.3';
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const codeServerDir = join(root, '.code-server');
export const codeServerBin = join(codeServerDir, 'node_modules', '.bin', 'code-server');
export const chromiumPath = '/usr/bin/chromium';

const DEBIAN_PACKAGES = ['libkrb5-dev', 'libsecret-1-dev', 'libx11-dev', 'libxkbfile-dev', 'pkg-config', 'ripgrep', 'chromium'];

function log(msg) {
  process.stderr.write(`[code-server] ${msg}\n`);
}

function missingDebianPackages() {
  return DEBIAN_PACKAGES.filter((pkg) => {
    const r = spawnSync('dpkg-query', ['-W', '-f=${Status}', pkg], { encoding: 'utf8' });
    return r.status !== 0 || !r.stdout.includes('install ok installed');
  });
}

function ensureDebianPackages() {
  const missing = missingDebianPackages();
  if (missing.length === 0) return;
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) {
    throw new Error(`Missing system packages: ${missing.join(' ')}. Install them with: sudo apt-get install -y ${missing.join(' ')}`);
  }
  log(`installing Debian packages: ${missing.join(' ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
  execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing], { stdio: 'inherit', env });
}

// @vscode/ripgrep downloads rg from GitHub unless it finds a cached archive; we give it
// Debian's rg. The cache folder is named after the package version, which we do not know
// before the install, so we prepare every version the code-server line has used.
function prepareRipgrepCache(tmp) {
  const rg = '/usr/bin/rg';
  if (!existsSync(rg)) throw new Error('ripgrep (/usr/bin/rg) is missing: install the Debian package "ripgrep".');
  const stage = mkdtempSync(join(tmp, 'rg-stage-'));
  copyFileSync(rg, join(stage, 'rg'));
  const archiveName = 'ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz';
  const archive = join(stage, archiveName);
  execFileSync('tar', ['-czf', archive, '-C', stage, 'rg']);
  for (let minor = 14; minor <= 16; minor++) {
    for (let patch = 0; patch <= 20; patch++) {
      const dir = join(tmp, `vscode-ripgrep-cache-1.${minor}.${patch}`);
      mkdirSync(dir, { recursive: true });
      copyFileSync(archive, join(dir, archiveName));
    }
  }
  rmSync(stage, { recursive: true, force: true });
}

export function codeServerInstalled() {
  return existsSync(codeServerBin) && existsSync(join(codeServerDir, '.installed-' + CODE_SERVER_VERSION));
}

export function ensureCodeServer() {
  ensureDebianPackages();
  if (codeServerInstalled()) return codeServerBin;
  log(`installing code-server ${CODE_SERVER_VERSION} into ${codeServerDir} (one time, several minutes)`);
  mkdirSync(codeServerDir, { recursive: true });
  const tmp = join(codeServerDir, 'tmp');
  mkdirSync(tmp, { recursive: true });
  prepareRipgrepCache(tmp);
  const env = {
    ...process.env,
    TMPDIR: tmp,
    npm_config_yes: 'true',
    npm_config_unsafe_perm: 'true',
    npm_config_audit: 'false',
    npm_config_fund: 'false',
  };
  execFileSync('npm', ['install', '--no-save', '--no-package-lock', '--prefix', codeServerDir, `code-server@${CODE_SERVER_VERSION}`], {
    stdio: ['ignore', 'inherit', 'inherit'],
    env,
  });
  if (!existsSync(codeServerBin)) throw new Error('code-server install finished but its binary is missing');
  execFileSync('touch', [join(codeServerDir, '.installed-' + CODE_SERVER_VERSION)]);
  rmSync(tmp, { recursive: true, force: true });
  return codeServerBin;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    ensureCodeServer();
    log('ready');
  } catch (err) {
    log(`failed: ${err.message}`);
    process.exit(1);
  }
}
