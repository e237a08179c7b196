/**
 * Review 11, F3 and F5: the shared private-file writer (src/platform/privateFiles.ts).
 * - A folder that cannot be opened for its sync (a write-only "drop" folder) used to fail the write
 *   AFTER the rename had replaced the old file, while every caller then said "nothing was saved; a
 *   file that was there before is unchanged": the old file must really be unchanged.
 * - icacls is run by its full path under %SystemRoot%\System32, never looked up in the current folder.
 */
import assert from 'node:assert/strict';
import { promises as fsPromises, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, mock, test } from 'node:test';
import { icaclsPath, writePrivateFile } from '../../../src/platform/privateFiles';

const dir = mkdtempSync(join(tmpdir(), 'private-replace-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('a folder that cannot be opened refuses the write before anything is replaced: the old file is unchanged, no temporary file is left', { skip: process.platform === 'win32' ? 'POSIX folder sync only' : false }, async () => {
  const file = join(dir, 'prod.backup');
  writeFileSync(file, 'backup of the current secret');
  // As root (this container) a 0300 folder can still be opened: refuse the folder's open() itself.
  const realOpen = fsPromises.open;
  const open = mock.method(fsPromises, 'open', async (path: string, ...rest: unknown[]) => {
    if (path === dir) throw Object.assign(new Error(`EACCES: permission denied, open '${dir}'`), { code: 'EACCES' });
    return (realOpen as (...a: unknown[]) => Promise<unknown>)(path, ...rest);
  });
  try {
    await assert.rejects(writePrivateFile(file, Buffer.from('backup of a secret never put in use')), /EACCES/);
  } finally {
    open.mock.restore();
  }
  assert.equal(readFileSync(file, 'utf8'), 'backup of the current secret', 'the old file is unchanged, as the callers then say');
  assert.deepEqual(readdirSync(dir), ['prod.backup'], 'no temporary file left');
});

test('a folder whose sync fails after the file was replaced does not make the write fail (it was written)', { skip: process.platform === 'win32' ? 'POSIX folder sync only' : false }, async () => {
  const file = join(dir, 'export.sso');
  writeFileSync(file, 'old export');
  const realOpen = fsPromises.open;
  const open = mock.method(fsPromises, 'open', async (path: string, ...rest: unknown[]) => {
    const handle = (await (realOpen as (...a: unknown[]) => Promise<{ sync(): Promise<void> }>)(path, ...rest));
    if (path === dir) handle.sync = async () => { throw Object.assign(new Error('EINVAL: invalid argument, fsync'), { code: 'EINVAL' }); };
    return handle;
  });
  try {
    await writePrivateFile(file, Buffer.from('new export'));
  } finally {
    open.mock.restore();
  }
  assert.equal(readFileSync(file, 'utf8'), 'new export');
});

test('icacls is run from %SystemRoot%\\System32 by its full path, and refused when SystemRoot is not set', () => {
  assert.equal(icaclsPath('C:\\Windows'), 'C:\\Windows\\System32\\icacls.exe');
  assert.throws(() => icaclsPath(''), /SystemRoot/);
});
