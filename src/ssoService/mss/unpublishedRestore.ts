/**
 * A restore switches the vault, then publishes the restored secret in SSODB. When that publication
 * fails and the MSS restarts before it is made again, SSODB still names the secret from before the
 * restore, which the restored vault may not hold: without a record of the restore, the node would
 * take itself for a standby that missed a rotation and refuse to activate (and, not active, refuse
 * the restore that would mend it). This file, next to the vault, is that record: the secret id
 * being restored (no key material), written before the vault changes and removed once SSODB names it.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isMsid } from '../crypto/masterSecret';

const UNPUBLISHED_RESTORE_FILE = 'restore-unpublished.json';

export class UnpublishedRestore {
  constructor(private readonly vaultDir: string) {}

  private get file(): string {
    return join(this.vaultDir, UNPUBLISHED_RESTORE_FILE);
  }

  /** Written (atomically) before the vault is replaced: a crash at any point leaves either no record or this one. */
  async record(msid: string): Promise<void> {
    // An MSS that starts without a vault has no folder yet (the vault makes it the same way).
    await mkdir(this.vaultDir, { recursive: true, mode: 0o700 });
    const temp = `${this.file}.tmp-${randomUUID()}`;
    await writeFile(temp, JSON.stringify({ msid }), { mode: 0o600 });
    await rename(temp, this.file);
  }

  /** The secret id a restore switched to and did not publish yet; undefined when none (or unreadable). */
  async restoredMsid(): Promise<string | undefined> {
    try {
      const parsed = JSON.parse(await readFile(this.file, 'utf8')) as { msid?: unknown };
      return isMsid(parsed.msid) ? parsed.msid : undefined;
    } catch {
      return undefined;
    }
  }

  /** Best effort: a record left behind names a secret SSODB already names, which changes nothing. */
  async clear(): Promise<void> {
    await rm(this.file, { force: true }).catch(() => undefined);
  }
}
