/**
 * An SSO environment folder holds the access token, the CA and certificate keys and the MSS
 * vault: whoever can write into it (or owns it) can take the environment over, so it must be
 * private to its owner. `init` makes it so, `serve` refuses to run when it is not, as ssh does
 * with key files, naming the file and the command that fixes it. POSIX only: Windows has no
 * modes to check (its ACLs are inherited from the user's profile folder).
 */
import { chmodSync, mkdirSync, readdirSync, statSync, type Stats } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { SsoError } from '../protocol/errors';
import { lstatOrUndefined } from '../platform/privateFiles';

const IS_POSIX = process.platform !== 'win32';

/**
 * The files of an environment whose permissions matter; an Environment is one. Stated here rather
 * than imported, because environment.ts uses this module to create its folder.
 */
interface EnvironmentFiles {
  paths: { dir: string; config: string; token: string; pki: string; vault: string };
  config: { store: { kind: string; file?: string } };
}

/**
 * The folder `init` writes into, private from the start: created 0700, or an existing folder of
 * this user tightened to 0700. A link, a file, or another user's folder is refused.
 */
export function preparePrivateFolder(dir: string): void {
  const existing = lstatOrUndefined(dir);
  if (!existing) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    if (IS_POSIX) chmodSync(dir, 0o700); // mkdir's mode is reduced by the umask, never widened: this only states it
    return;
  }
  if (existing.isSymbolicLink()) refuse(`${dir} is a symbolic link. Create the SSO environment in the folder itself, not through a link.`);
  if (!existing.isDirectory()) refuse(`${dir} exists and is not a folder. Choose another path for the SSO environment.`);
  if (!IS_POSIX) return;
  assertOwnedByUs(dir, existing);
  chmodSync(dir, 0o700);
}

/**
 * The folder the service's socket goes in (created 0700 if missing). A folder that exists already
 * is used only if nobody else could replace the socket in it: not a link, ours (or root's), and not
 * writable by others unless sticky (/tmp itself). Otherwise another local user who created it first
 * (a socket folder under /tmp has a name others can know) could put a listener of his in place of
 * the socket, and clients would hand him the access token.
 */
export function preparePrivateSocketFolder(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (!IS_POSIX) return;
  const stat = lstatOrUndefined(dir);
  if (!stat || stat.isSymbolicLink() || !stat.isDirectory()) refuse(`The socket folder ${dir} is not a folder (a link?). Remove it, or choose another socket path.`);
  assertOwnedByUs(dir, stat);
  if ((stat.mode & 0o022) !== 0 && (stat.mode & 0o1000) === 0) {
    refuse(`The socket folder ${dir} can be written by other users (mode ${modeOf(stat)}), who could replace the socket. Remove the folder (it is created again, private), or run "chmod 700 ${dir}".`);
  }
}

/** Refuses (ENTSSO_E_ACCESS_DENIED) an environment that other users could change or read secrets from. */
export function assertPrivateEnvironment(env: EnvironmentFiles, vaultDir = env.paths.vault): void {
  if (!IS_POSIX) return;
  const p = env.paths;
  checkFolder(p.dir);
  checkFile(p.config, 0o022);
  checkFile(p.token, 0o077);
  checkFolder(p.pki);
  for (const name of readdirSync(p.pki).filter((n) => /\.(crt|key)$/.test(n))) checkFile(join(p.pki, name), name.endsWith('.key') ? 0o077 : 0o022);
  if (lstatOrUndefined(vaultDir)) checkFolder(vaultDir);
  const store = env.config.store;
  if (store.kind === 'sqlite' && store.file !== undefined) {
    const file = isAbsolute(store.file) ? store.file : join(p.dir, store.file);
    if (lstatOrUndefined(file)) checkFile(file, 0o022);
  }
}

function checkFolder(dir: string): void {
  const stat = statSync(dir);
  assertOwnedByUs(dir, stat);
  if ((stat.mode & 0o022) !== 0) {
    refuse(`${dir} can be written by other users (mode ${modeOf(stat)}). Only its owner may change an SSO environment: run "chmod 700 ${dir}", then start again.`);
  }
}

/** `forbidden`: 0o022 for files others must not change, 0o077 for secrets they must not even read. */
function checkFile(file: string, forbidden: number): void {
  const stat = lstatOrUndefined(file);
  if (!stat) return; // a missing file is reported by whoever needs it, with its own words
  if (!stat.isFile()) refuse(`${file} is not a regular file (a link or a device). Replace it with the file "ssoctl init" wrote.`);
  assertOwnedByUs(file, stat);
  if ((stat.mode & forbidden) !== 0) {
    const what = forbidden === 0o077 ? 'can be accessed by other users' : 'can be written by other users';
    refuse(`${file} ${what} (mode ${modeOf(stat)}). Run "chmod 600 ${file}", then start again.`);
  }
}

/** Ours or root's: root can change anything anyway, anyone else must not own a part of it. */
function assertOwnedByUs(path: string, stat: Stats): void {
  const uid = process.getuid?.();
  if (uid === undefined || stat.uid === uid || stat.uid === 0) return;
  refuse(`${path} belongs to another user (uid ${stat.uid}), who could change it. Use a folder of your own for the SSO environment.`);
}

function modeOf(stat: Stats): string {
  return (stat.mode & 0o777).toString(8).padStart(4, '0');
}

function refuse(message: string): never {
  throw new SsoError('ENTSSO_E_ACCESS_DENIED', message, { reason: 'insecure-permissions' });
}
