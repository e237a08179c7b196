/**
 * Where ssoctl may write a file that holds secrets (an export, a master secret backup), checked
 * before anything is asked of the service. The file itself is written by writePrivateFile
 * (src/ssoService/privateFiles.ts, shared with the MSS's vault): owner-only even over an existing
 * file, on disk before it returns, and replaced whole by a rename.
 */
import { lstatOrUndefined } from '../ssoService/privateFiles';
import { UsageError } from './args';

/**
 * A new file, or (with --force) a regular file. The file is replaced by a rename, so a symbolic
 * link would be replaced, not written through, and a device (/dev/stdout) cannot be replaced at all.
 */
export function checkOutputFile(file: string, force: boolean): void {
  const existing = lstatOrUndefined(file);
  if (!existing) return;
  if (existing.isSymbolicLink() || !existing.isFile()) {
    throw new UsageError(
      `${file} is ${existing.isSymbolicLink() ? 'a symbolic link' : 'not a regular file'}: ssoctl writes exports and backups only to a regular file, which it replaces whole, owner-only (never through a link, never to a device such as /dev/stdout). Give the path of a new or regular file.`,
    );
  }
  if (!force) throw new UsageError(`${file} exists. Choose another file, or add --force to replace it.`);
}
