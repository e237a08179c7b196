/**
 * Where ssoctl may write a file that holds secrets (an export, a master secret backup), checked
 * before anything is asked of the service, and the write itself. The file is written by
 * writePrivateFile (src/platform/privateFiles.ts, shared with the MSS's vault and the palette):
 * owner-only even over an existing file, on disk before it returns, and replaced whole by a rename.
 */
import { accessSync, constants } from 'node:fs';
import { dirname } from 'node:path';
import { SsoError } from '../protocol/errors';
import { lstatOrUndefined, writePrivateFile } from '../platform/privateFiles';
import { UsageError } from './args';

/**
 * A new file in a folder that exists and may be written, or (with --force) a regular file. The
 * file is replaced by a rename, so a symbolic link would be replaced, not written through, and a
 * device (/dev/stdout) cannot be replaced at all.
 */
export function checkOutputFile(file: string, force: boolean): void {
  checkOutputFolder(file);
  const existing = lstatOrUndefined(file);
  if (!existing) return;
  if (existing.isSymbolicLink() || !existing.isFile()) {
    throw new UsageError(
      `${file} is ${existing.isSymbolicLink() ? 'a symbolic link' : 'not a regular file'}: ssoctl writes exports and backups only to a regular file, which it replaces whole, owner-only (never through a link, never to a device such as /dev/stdout). Give the path of a new or regular file.`,
    );
  }
  if (!force) throw new UsageError(`${file} exists. Choose another file, or add --force to replace it.`);
}

/** The file is written through a new file beside it: its folder must exist and be writable. */
function checkOutputFolder(file: string): void {
  const folder = dirname(file);
  try {
    accessSync(folder, constants.W_OK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UsageError(code === 'ENOENT' ? `The folder of ${file} does not exist. Create it, or give a file in an existing folder.` : `You may not write in the folder of ${file} (${code}). Give a file in a folder you may write to.`);
  }
}

/**
 * writePrivateFile, with a failure that names `file` (not the temporary file beside it) and says
 * that nothing was saved; `consequence`: what the failure means beyond that (Generate: not switched).
 */
export async function writeOutputFile(file: string, content: Buffer, consequence = ''): Promise<void> {
  try {
    await writePrivateFile(file, content);
  } catch (error) {
    if (error instanceof SsoError) throw error;
    const code = (error as NodeJS.ErrnoException).code ?? 'an unexpected error';
    throw new SsoError('ENTSSO_E_INVALID_REQUEST', `${file} could not be written (${code}). Nothing was saved there; a file that was there before is unchanged.${consequence ? ` ${consequence}` : ''} Run the command again with a file in a folder you may write to, with free space.`, { reason: 'file-not-written' });
  }
}
