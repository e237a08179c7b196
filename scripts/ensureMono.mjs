// Installs Mono (Debian's mono-mcs + mono-runtime) when missing: it compiles entsso-bridge.exe and
// runs it over the ENTSSO stand-in in tests. Like ensureCodeServer.mjs: Node built-ins only,
// idempotent, apt-get only as root on Debian; elsewhere it says what to install.
import { execFileSync, spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const MONO_PACKAGES = ['mono-mcs', 'mono-runtime', 'libmono-system-core4.0-cil', 'libmono-microsoft-csharp4.0-cil'];

function log(msg) {
  process.stderr.write(`[mono] ${msg}\n`);
}

export function monoAvailable() {
  const works = (cmd, args) => spawnSync(cmd, args, { encoding: 'utf8' }).status === 0;
  return works('mcs', ['--version']) && works('mono', ['--version']);
}

export function ensureMono() {
  if (monoAvailable()) return;
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  const isDebian = spawnSync('dpkg-query', ['--version']).status === 0;
  if (!isRoot || !isDebian) {
    throw new Error(`Mono is missing (mcs, mono). Install it, e.g. on Debian/Ubuntu: sudo apt-get install -y ${MONO_PACKAGES.join(' ')}`);
  }
  log(`installing Debian packages: ${MONO_PACKAGES.join(' ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
  execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...MONO_PACKAGES], { stdio: 'inherit', env });
  if (!monoAvailable()) throw new Error('Mono was installed but mcs or mono still does not run.');
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    ensureMono();
    log('ready');
  } catch (err) {
    log(`failed: ${err.message}`);
    process.exit(1);
  }
}
