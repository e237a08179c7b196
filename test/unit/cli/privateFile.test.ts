/**
 * ssoctl's writer of secret files (review 5, finding 4), shared with the MSS's vault
 * (src/platform/privateFiles.ts): owner-only even over an existing file, on disk (fsync) before
 * it returns — `ssoctl secret generate` commits the new master secret only after it returned — and
 * an existing file stays whole when the write fails. The file system is real; FileHandle.sync is
 * only watched (node:test mock) to see that it ran.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, mock, test } from 'node:test';
import { checkOutputFile } from '../../../src/cli/privateFile';
import { writePrivateFile } from '../../../src/platform/privateFiles';

const dir = fs.mkdtempSync(join(tmpdir(), 'private-file-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

/** FileHandle is not exported: its prototype, from a handle, to watch sync() on every handle. */
let fileHandle: { sync(this: fs.promises.FileHandle): Promise<void> };
before(async () => {
  const probe = await fs.promises.open(join(dir, 'probe'), 'w');
  fileHandle = Object.getPrototypeOf(probe) as typeof fileHandle;
  await probe.close();
  fs.rmSync(join(dir, 'probe'));
});

describe('writePrivateFile', { skip: process.platform === 'win32' ? 'POSIX modes only' : false }, () => {
  test('replaces a 0644 file with an owner-only one holding the new bytes', async () => {
    const file = join(dir, 'backup.out');
    fs.writeFileSync(file, 'old', { mode: 0o644 });
    fs.chmodSync(file, 0o644);
    await writePrivateFile(file, Buffer.from('new contents'));
    assert.equal(fs.statSync(file).mode & 0o777, 0o600);
    assert.equal(fs.readFileSync(file, 'utf8'), 'new contents');
    assert.deepEqual(fs.readdirSync(dir).sort(), ['backup.out']);
  });

  test('has synced the file before it returns', async () => {
    const file = join(dir, 'synced.out');
    const synced: { file: boolean; size: number; mode: number }[] = [];
    const realSync = fileHandle.sync;
    const sync = mock.method(fileHandle, 'sync', async function (this: fs.promises.FileHandle) {
      const stat = await this.stat();
      synced.push({ file: stat.isFile(), size: stat.size, mode: stat.mode & 0o777 });
      await realSync.call(this);
    });
    try {
      await writePrivateFile(file, Buffer.from('the backup'));
    } finally {
      sync.mock.restore();
    }
    assert.ok(synced.some((s) => s.file && s.size === 'the backup'.length && s.mode === 0o600), `the written file synced before return (synced: ${JSON.stringify(synced)})`);
  });

  test('leaves an existing file whole, and no temporary file, when the write fails', async () => {
    const file = join(dir, 'kept.out');
    fs.writeFileSync(file, 'the old backup', { mode: 0o600 });
    const failing = mock.method(fileHandle, 'sync', async () => {
      throw Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
    });
    try {
      await assert.rejects(writePrivateFile(file, Buffer.from('new')), /ENOSPC/);
    } finally {
      failing.mock.restore();
    }
    assert.equal(fs.readFileSync(file, 'utf8'), 'the old backup');
    assert.deepEqual(fs.readdirSync(dir).filter((n) => n.endsWith('.tmp')), []);
  });

  // Review 7 finding 6d: the rename replaced a symbolic link given with --force (and /dev/stdout failed with EACCES).
  test('--force onto a symbolic link is refused; the link and the file it points to stay as they were', async () => {
    const target = join(dir, 'real.out');
    const link = join(dir, 'link.out');
    fs.writeFileSync(target, 'kept', { mode: 0o600 });
    fs.symlinkSync(target, link);
    assert.throws(() => checkOutputFile(link, true), /link\.out is a symbolic link: .*Give the path of a new or regular file/);
    await assert.rejects(writePrivateFile(link, Buffer.from('new')), /is a symbolic link/);
    assert.equal(fs.readlinkSync(link), target);
    assert.equal(fs.readFileSync(target, 'utf8'), 'kept');
  });

  test('/dev/stdout is refused with what to do, not written', { skip: fs.existsSync('/dev/stdout') ? false : 'no /dev/stdout here' }, () => {
    assert.throws(() => checkOutputFile('/dev/stdout', true), /\/dev\/stdout is (a symbolic link|not a regular file): .*never to a device such as \/dev\/stdout\)\. Give the path/);
  });

  test('a device is refused by the writer too, before anything is written', { skip: fs.existsSync('/dev/null') ? false : 'no /dev/null here' }, async () => {
    await assert.rejects(writePrivateFile('/dev/null', Buffer.from('new')), /\/dev\/null is not a regular file: .*never written through a link or to a device/);
    assert.deepEqual(fs.readdirSync('/dev').filter((n) => n.startsWith('.null.')), []);
  });
});
