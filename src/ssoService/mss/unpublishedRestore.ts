/**
 * A restore switches the vault, then publishes the restored secret in SSODB. When that publication
 * fails and the MSS restarts before it is made again, SSODB still names the secret from before the
 * restore, which the restored vault may not hold: without a record of the restore, the node would
 * take itself for a standby that missed a rotation and refuse to activate (and, not active, refuse
 * the restore that would mend it). This file, next to the vault, is that record: the secret id
 * restored and the one SSODB named when it was (no key material), written before the vault
 * changes. It counts only while SSODB still names that same secret: once SSODB moved on (another
 * node published, rotated), the record is stale and the node refuses as any node that missed a change.
 */
import { mkdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { isMsid } from '../crypto/masterSecret';
import { writeFileAtomically } from '../crypto/secretVault';

const UNPUBLISHED_RESTORE_FILE = 'restore-unpublished.json';

interface RestoreRecord {
  /** The secret the restore installed. */
  msid: string;
  /** The secret SSODB named when the restore was made (null: none yet). */
  over: string | null;
}

export class UnpublishedRestore {
  constructor(private readonly vaultDir: string) {}

  private get file(): string {
    return join(this.vaultDir, UNPUBLISHED_RESTORE_FILE);
  }

  /** Written durably (file, rename and folder synced, as the vault is) before the vault is replaced. */
  async record(record: RestoreRecord): Promise<void> {
    // An MSS that starts without a vault has no folder yet (the vault makes it the same way).
    await mkdir(this.vaultDir, { recursive: true, mode: 0o700 });
    await writeFileAtomically(this.vaultDir, UNPUBLISHED_RESTORE_FILE, Buffer.from(JSON.stringify(record)));
  }

  /** The record, or undefined when there is none or it cannot be read (then the node refuses, the safe side). */
  async read(): Promise<RestoreRecord | undefined> {
    try {
      const parsed = JSON.parse(await readFile(this.file, 'utf8')) as { msid?: unknown; over?: unknown };
      if (!isMsid(parsed.msid) || !(parsed.over === null || isMsid(parsed.over))) return undefined;
      return { msid: parsed.msid, over: parsed.over };
    } catch {
      return undefined;
    }
  }

  async clear(): Promise<void> {
    await rm(this.file, { force: true });
  }
}
