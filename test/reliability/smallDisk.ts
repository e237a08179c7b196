/**
 * A small tmpfs that a test can fill up: the real "disk full" (ENOSPC) for SQLite and the vault.
 * Mounting needs root on Linux; otherwise `mountTmpfs` says why, for the test's skip reason.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';

/** Mounts a tmpfs of `sizeMb` on `dir`; returns why it cannot, or undefined when mounted. */
export function mountTmpfs(dir: string, sizeMb: number): string | undefined {
  if (process.platform !== 'linux' || process.getuid?.() !== 0) return 'needs root on Linux to mount a small tmpfs';
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeMb}m`, 'tmpfs', dir], { encoding: 'utf8' });
  return r.status === 0 ? undefined : `cannot mount a tmpfs here (${(r.stderr || r.error?.message || '').trim()})`;
}

export function unmountTmpfs(dir: string): void {
  spawnSync('umount', [dir]);
}

/**
 * Fills the file system with the file `name` until it is full (64 KiB writes, then 4 KiB ones
 * for what is left); returns its path.
 */
export function fill(dir: string, name = 'filler'): string {
  const file = join(dir, name);
  const fd = openSync(file, 'w');
  try {
    for (const size of [64 * 1024, 4096]) {
      const chunk = Buffer.alloc(size, 0x61);
      try {
        for (;;) writeSync(fd, chunk);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
      }
    }
  } finally {
    closeSync(fd);
  }
  return file;
}
