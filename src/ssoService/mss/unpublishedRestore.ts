/**
 * A restore switches the vault, then publishes the restored secret in SSODB. When that publication
 * fails and the MSS restarts before it is made again, SSODB still names the secret from before the
 * restore, which the restored vault may not hold: without a record of the restore, the node would
 * take itself for a standby that missed a rotation and refuse to activate (and, not active, refuse
 * the restore that would mend it). This file, next to the vault, is that record: the secret id
 * restored and the one SSODB named when it was (no key material), written before the vault
 * changes. It counts only while SSODB still names that same secret: once SSODB moved on (another
 * node published, rotated), the record is stale and the node refuses as any node that missed a change.
 * The active node hands its record to standbys with the secrets (ids only), so that a standby that
 * copied the restored secret takes over under the same rule (see SecretAuthority.adoptSecrets).
 * Meanwhile the restore's intent stays in SSODB (restoreIntent.ts): no save under the secret it
 * dropped lands before that publication, which clears it.
 */
import { mkdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { isMsid } from '../crypto/masterSecret';
import { writePrivateFile } from '../../platform/privateFiles';

const UNPUBLISHED_RESTORE_FILE = 'restore-unpublished.json';

export interface RestoreRecord {
  /** The secret the restore installed. */
  msid: string;
  /** The secret SSODB named when the restore was made (null: none yet). */
  over: string | null;
}

/**
 * A record as read from the file or from a peer's answer: both ids well formed (`over` may be
 * null), or undefined; only the two ids are kept. Undefined makes a node refuse, the safe side.
 */
export function restoreRecordFrom(value: unknown): RestoreRecord | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const { msid, over } = value as { msid?: unknown; over?: unknown };
  if (!isMsid(msid) || !(over === null || isMsid(over))) return undefined;
  return { msid, over };
}

export function sameRestoreRecord(a: RestoreRecord | undefined, b: RestoreRecord | undefined): boolean {
  return a?.msid === b?.msid && a?.over === b?.over;
}

export class UnpublishedRestore {
  /** What the file holds, once read or written by this node (undefined: not known yet). */
  private loaded: { record: RestoreRecord | undefined } | undefined;

  constructor(private readonly vaultDir: string) {}

  private get file(): string {
    return join(this.vaultDir, UNPUBLISHED_RESTORE_FILE);
  }

  /** Written durably (file, rename and folder synced, as the vault is) before the vault is replaced. */
  async record(record: RestoreRecord): Promise<void> {
    // An MSS that starts without a vault has no folder yet (the vault makes it the same way).
    await mkdir(this.vaultDir, { recursive: true, mode: 0o700 });
    this.loaded = undefined;
    await writePrivateFile(this.file, Buffer.from(JSON.stringify(record)));
    this.loaded = { record };
  }

  /**
   * The record, or undefined when there is none or it cannot be read (then the node refuses, the
   * safe side). Read from the file once, then kept: this node is its only writer, and every peer's
   * getSecrets asks for it.
   */
  async read(): Promise<RestoreRecord | undefined> {
    if (this.loaded) return this.loaded.record;
    let record: RestoreRecord | undefined;
    try {
      record = restoreRecordFrom(JSON.parse(await readFile(this.file, 'utf8')));
    } catch {
      record = undefined;
    }
    this.loaded ??= { record };
    return this.loaded.record;
  }

  async clear(): Promise<void> {
    this.loaded = undefined;
    await rm(this.file, { force: true });
    this.loaded = { record: undefined };
  }
}
