/**
 * The one secret an SSODB on SQL Server needs (a password, a client secret or an access token),
 * kept out of environment.json in an owner-only file next to it: `<dir>/ssodb-credential`.
 *
 * Like ssh with its private keys, the file is refused when others can read it or when it is not
 * a regular file (a symlink could point the secret anywhere); it is written without following a
 * link, as 0600 whatever the umask.
 */
import { closeSync, constants, fchmodSync, fstatSync, openSync, readFileSync, rmSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { SsoError } from '../protocol/errors';

export const SSODB_CREDENTIAL_FILE = 'ssodb-credential';

/** Bigger than any password or Entra ID access token (a few KB). */
const MAX_CREDENTIAL_BYTES = 64 * 1024;

export function ssodbCredentialPath(dir: string): string {
  return join(dir, SSODB_CREDENTIAL_FILE);
}

export function writeSsodbCredential(dir: string, secret: string): void {
  const file = ssodbCredentialPath(dir);
  // A new file every time: never write through a link someone put there.
  try {
    unlinkSync(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const fd = openSync(file, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
  try {
    fchmodSync(fd, 0o600);
    writeSync(fd, `${secret}\n`);
  } finally {
    closeSync(fd);
  }
}

export function removeSsodbCredential(dir: string): void {
  rmSync(ssodbCredentialPath(dir), { force: true });
}

/** The secret, or undefined when there is no credential file. */
export function readSsodbCredential(dir: string): string | undefined {
  const file = ssodbCredentialPath(dir);
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    if (code === 'ELOOP') throw unsafeCredentialFile(file, 'is a symbolic link');
    throw error;
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) throw unsafeCredentialFile(file, 'is not a regular file');
    if (process.platform !== 'win32' && (stat.mode & 0o077) !== 0) throw unsafeCredentialFile(file, `can be read by others (mode ${(stat.mode & 0o777).toString(8)})`);
    if (process.getuid && stat.uid !== process.getuid()) throw unsafeCredentialFile(file, 'belongs to another user');
    if (stat.size > MAX_CREDENTIAL_BYTES) throw unsafeCredentialFile(file, 'is too large to be a credential');
    return readFileSync(fd, 'utf8').replace(/\r?\n$/, '');
  } finally {
    closeSync(fd);
  }
}

function unsafeCredentialFile(file: string, problem: string): SsoError {
  return new SsoError(
    'ENTSSO_E_SSODB_UNREACHABLE',
    `The SSO database credential file ${file} ${problem}, so it is not used. Make it a regular file of this user readable by no one else (chmod 600), or write it again with "ssoctl ssodb credential".`,
    { reason: 'credential-file-unsafe' },
  );
}
