/**
 * What the master secret server knows and does, apart from the network: it owns the vault
 * (current and previous secret), backs the secret up, verifies and restores backups,
 * generates a new secret (backup first, then switch), and drives re-encryption of SSODB.
 * An MSS whose vault is missing or damaged still starts, serves nothing, and accepts a restore.
 */
import { rename } from 'node:fs/promises';
import { join } from 'node:path';
import { SsoError } from '../../protocol/errors';
import type { ReencryptProgress } from '../../protocol/messages';
import { generateMasterSecret, makeMasterSecret, sameMasterSecret, type MasterSecret } from '../crypto/masterSecret';
import { openProtectedFile, readProtectedHeader, writeProtectedFile } from '../crypto/protectedFile';
import { checkPasswordStrength } from '../crypto/passwordKdf';
import { SecretVault, VAULT_FILE, VAULT_KEY_FILE } from '../crypto/secretVault';
import type { SsoStore } from '../ssodb/store';
import { NotActiveError, StuckRowsError, reencryptAll } from './reencryptor';

interface BackupPayload {
  secrets: Array<{ msid: string; key: string; createdAt: string }>;
}

interface AuthorityOptions {
  vaultDir: string;
  store: SsoStore;
  environmentId: string;
  /** This node's name (host:port), published in SSODB. */
  name: string;
  reencryptBatchRows?: number;
  log: (message: string) => void;
  /** Called whenever services should re-synchronise (secret or re-encryption state changed). */
  onChanged: () => void;
}

export class SecretAuthority {
  private vault: SecretVault | undefined;
  private pending: MasterSecret | undefined;
  private reencrypting: Promise<void> | undefined;
  /** Set while the secret switches: no re-encryption may start under the secret being replaced. */
  private switching = false;
  private secretChanges: Promise<unknown> = Promise.resolve();
  /** Only the active node publishes, rotates, restores and re-encrypts. */
  private active = false;
  progress: ReencryptProgress | undefined;

  constructor(private readonly options: AuthorityOptions) {}

  /** Opens the vault (an MSS without one starts empty and waits for a restore or a sync). */
  async openVault(): Promise<void> {
    try {
      this.vault = await SecretVault.open(this.options.vaultDir);
    } catch (err) {
      if (!(err instanceof SsoError)) throw err;
      this.options.log(`no usable master secret: ${err.message}`);
    }
  }

  /** This node took the lease: publish it as the MSS and finish any interrupted re-encryption. */
  async activate(): Promise<void> {
    this.active = true;
    if (!this.vault) return;
    const published = (await this.options.store.getGlobalInfo()).currentMsid;
    const mine = this.vault.current().msid;
    if (published && published !== mine && this.vault.previous()?.msid !== published) {
      // A standby that missed a rotation must not publish an older secret over the newer one.
      this.options.log(`this node holds master secret ${mine} but SSODB says ${published} is current; it serves nothing until it holds that secret (restore it)`);
      this.active = false;
      throw new SsoError('ENTSSO_E_NO_SECRET', `The master secret server node ${this.options.name} does not hold the current master secret ${published}.`);
    }
    if (published && published !== mine) {
      this.options.log(`master secret ${published} published in SSODB is older than ${mine}: switching to ${mine}`);
    }
    await this.publish();
    this.resumeReencryptionIfNeeded();
  }

  /** This node lost or gave up the lease: stop writing (re-encryption stops after its batch). */
  deactivate(): void {
    this.active = false;
    this.pending = undefined;
  }

  /** A standby keeps the same secrets as the active node (delivered over mutual TLS). */
  async adoptSecrets(secrets: { current: MasterSecret; previous?: MasterSecret }): Promise<boolean> {
    if (this.active) return false;
    const have = this.vault ? [this.vault.current().msid, this.vault.previous()?.msid] : [];
    if (have[0] === secrets.current.msid && have[1] === secrets.previous?.msid) return false;
    await this.installSecrets(secrets);
    this.options.log(`standby now holds master secret ${secrets.current.msid}`);
    return true;
  }

  async stop(): Promise<void> {
    this.active = false;
    await this.reencrypting?.catch(() => undefined);
  }

  get holdsSecret(): boolean {
    return this.vault !== undefined;
  }

  secrets(): { current: MasterSecret; previous?: MasterSecret } {
    const vault = this.requireVault();
    return { current: vault.current(), previous: vault.previous() };
  }

  async backup(password: string, reminder: string): Promise<{ file: string; msids: string[] }> {
    const { current, previous } = this.secrets();
    const file = await this.backupFile([current, ...(previous ? [previous] : [])], password, reminder);
    await this.options.store.updateGlobalInfo({ lastBackupAt: new Date().toISOString() });
    this.options.log(`master secret ${current.msid} backed up`);
    return file;
  }

  async verify(fileB64: string, password: string): Promise<{ matchesLiveSecret: boolean; msids: string[]; verifiedAt?: string }> {
    const secrets = await this.openBackup(fileB64, password);
    const live = this.vault?.current();
    const matchesLiveSecret = live !== undefined && secrets.some((s) => sameMasterSecret(s, live));
    if (!matchesLiveSecret) return { matchesLiveSecret, msids: secrets.map((s) => s.msid) };
    const verifiedAt = new Date().toISOString();
    await this.options.store.updateGlobalInfo({ lastVerifiedBackupAt: verifiedAt });
    this.options.log(`backup of master secret ${live.msid} verified`);
    return { matchesLiveSecret, msids: secrets.map((s) => s.msid), verifiedAt };
  }

  restore(fileB64: string, password: string, allowForeignEnvironment = false): Promise<{ msid: string }> {
    return this.oneAtATime(() => this.restoreNow(fileB64, password, allowForeignEnvironment));
  }

  private async restoreNow(fileB64: string, password: string, allowForeignEnvironment: boolean): Promise<{ msid: string }> {
    // Rows under an unknown secret do not refuse a restore: restoring that secret's backup is how they are recovered.
    this.refuseWhileReencrypting();
    const header = readProtectedHeader(Buffer.from(fileB64, 'base64'));
    if (header.environment !== this.options.environmentId && !allowForeignEnvironment) {
      throw new SsoError(
        'ENTSSO_E_BAD_FILE',
        `This backup was made in another SSO environment (${header.environment}). Restoring it replaces this environment's master secret; confirm explicitly to continue.`,
        { reason: 'foreign-environment', environment: header.environment },
      );
    }
    const [current, previous] = await this.openBackup(fileB64, password);
    if (!current) throw new SsoError('ENTSSO_E_BAD_FILE', 'The backup holds no master secret.');
    await this.refuseIfRowsWouldBeLost([current, ...(previous ? [previous] : [])]);
    const fromMsid = this.vault?.current().msid ?? '';
    await this.switchSecret(fromMsid, current.msid, async () => {
      await this.installSecrets({ current, previous });
      this.options.log(`master secret ${current.msid} restored from a backup`);
      await this.publish();
    });
    return { msid: current.msid };
  }

  /** Rotation step 1: a new secret and its backup; nothing changes until commit. */
  prepareRotation(password: string, reminder: string): Promise<{ file: string; newMsid: string }> {
    return this.oneAtATime(() => this.prepareRotationNow(password, reminder));
  }

  private async prepareRotationNow(password: string, reminder: string): Promise<{ file: string; newMsid: string }> {
    this.requireVault();
    await this.refuseUntilReencrypted();
    const next = generateMasterSecret();
    const { file } = await this.backupFile([next, this.secrets().current], password, reminder);
    this.pending = next;
    return { file, newMsid: next.msid };
  }

  /** Rotation step 2, once the caller has saved the backup: switch, publish, re-encrypt. */
  commitRotation(newMsid: string): Promise<{ msid: string; rowsToReencrypt: number }> {
    return this.oneAtATime(() => this.commitRotationNow(newMsid));
  }

  private async commitRotationNow(newMsid: string): Promise<{ msid: string; rowsToReencrypt: number }> {
    const vault = this.requireVault();
    await this.refuseUntilReencrypted();
    if (!this.pending || this.pending.msid !== newMsid) {
      throw new SsoError('ENTSSO_E_INVALID_REQUEST', 'There is no prepared master secret with that id (the master secret server may have restarted). Generate a new one again.');
    }
    const next = this.pending;
    const rowsToReencrypt = await this.switchSecret(vault.current().msid, newMsid, async () => {
      await vault.rotate(next);
      this.pending = undefined;
      await this.publish({ lastBackupAt: new Date().toISOString() });
    });
    this.options.log(`new master secret ${newMsid} in use; ${rowsToReencrypt} configuration(s) to re-encrypt`);
    return { msid: newMsid, rowsToReencrypt };
  }

  /**
   * Switches to another secret with the re-encryption's progress set before the switch: a service
   * that syncs at any moment (periodically, or on the notice that follows) reads "re-encrypting",
   * never "ready under the new secret" while rows are still under the old one (a client following
   * the re-encryption would take that for its end). Returns how many rows are left.
   */
  private async switchSecret(fromMsid: string, toMsid: string, install: () => Promise<void>): Promise<number> {
    this.switching = true;
    let left = 0;
    let failure: { error: unknown } | undefined;
    try {
      // A re-encryption begun by the periodic resume under the secret being replaced ends first.
      await this.idle();
      left = await this.options.store.countRowsNotUnder(toMsid);
      if (left > 0) this.progress = { fromMsid, toMsid, done: 0, total: left };
      await install();
    } catch (error) {
      failure = { error };
    } finally {
      this.switching = false;
    }
    // Switched even if a later step failed (e.g. publishing in SSODB): the rows must still move to
    // the new secret, or the next rotation would drop the one they are under.
    const switched = this.vault?.current().msid === toMsid;
    if (switched && left > 0) this.resumeReencryptionIfNeeded(left);
    // Nothing started (not switched, or an inactive node): there is no re-encryption to report.
    if (!this.reencrypting) this.progress = undefined;
    if (switched) this.options.onChanged();
    if (failure) throw failure.error;
    return left;
  }

  /**
   * Restore, prepare and commit run one at a time: each checks, then waits (key derivation, SSODB,
   * vault files), and two interleaved could drop a secret that the other's rows are under.
   */
  private oneAtATime<T>(change: () => Promise<T>): Promise<T> {
    const run = this.secretChanges.then(change, change);
    this.secretChanges = run.catch(() => undefined);
    return run;
  }

  /**
   * A rotation keeps only the current secret as the previous one: rows (or kept versions) still
   * under any other secret would become unreadable, whether or not a re-encryption is running now
   * (one stopped by an SSODB fault resumes only later).
   */
  private async refuseUntilReencrypted(): Promise<void> {
    this.refuseWhileReencrypting();
    const current = this.requireVault().current().msid;
    const rows = await this.options.store.countRowsNotUnder(current);
    const versions = rows > 0 ? 0 : (await this.options.store.listHistoryNotUnder(current, 1)).length;
    if (rows > 0 || versions > 0) {
      throw new SsoError(
        'ENTSSO_E_REENCRYPT_IN_PROGRESS',
        'Some configurations are still encrypted under an older master secret, so a new one would make them unreadable. Run Check Health: it shows the re-encryption\'s progress (it resumes by itself once SSODB is reachable) or the secret whose backup must be restored. Try again once no configuration is left under an older secret.',
      );
    }
  }

  /** Resolves when no re-encryption is running (tests and shutdown). */
  async idle(): Promise<void> {
    await this.reencrypting?.catch(() => undefined);
  }

  /** Also called periodically: a re-encryption stopped by an SSODB fault (disk full, lost connection) resumes by itself. */
  resumeReencryptionIfNeeded(knownLeft = 0): void {
    if (this.reencrypting || this.switching || !this.vault || !this.active) return;
    const { current, previous } = this.secrets();
    let lastNotified = 0;
    this.reencrypting = (async () => {
      const left = knownLeft || (await this.options.store.countRowsNotUnder(current.msid));
      if (left === 0) return;
      this.options.log(`re-encrypting ${left} configuration(s) under ${current.msid}`);
      await reencryptAll({
        store: this.options.store,
        current,
        older: previous ? [previous] : [],
        batchRows: this.options.reencryptBatchRows,
        shouldContinue: () => this.active,
        onProgress: (p) => {
          // Services re-sync on each notification: a few per second keeps progress live without a storm.
          const due = this.progress === undefined || Date.now() - lastNotified >= 250;
          this.progress = p;
          if (due) {
            lastNotified = Date.now();
            this.options.onChanged();
          }
        },
        log: this.options.log,
      });
    })()
      .catch((err) => {
        if (err instanceof StuckRowsError || err instanceof NotActiveError) this.options.log(err.message);
        else this.options.log(`re-encryption stopped: ${err instanceof Error ? err.message : String(err)}; it resumes by itself`);
      })
      .finally(() => {
        this.reencrypting = undefined;
        this.progress = undefined;
        this.options.onChanged();
      });
  }

  private refuseWhileReencrypting(): void {
    if (this.reencrypting) {
      throw new SsoError('ENTSSO_E_REENCRYPT_IN_PROGRESS', 'The SSO database is still being re-encrypted under the current master secret. Wait until it finishes, then try again.');
    }
  }

  /** A restore must not strand rows under a secret the restored vault would not hold. */
  private async refuseIfRowsWouldBeLost(secrets: MasterSecret[]): Promise<void> {
    const rows = await this.options.store.listRowsNotUnder(secrets[0]!.msid, 1000);
    const known = new Set(secrets.map((s) => s.msid));
    const stranded = rows.find((r) => !known.has(r.msid));
    if (stranded) {
      throw new SsoError(
        'ENTSSO_E_BAD_FILE',
        `This backup does not hold master secret ${stranded.msid}, under which configurations are stored: restoring it would make them unreadable. Restore the most recent backup instead.`,
        { reason: 'older-backup', msid: stranded.msid },
      );
    }
  }

  private async installSecrets(secrets: { current: MasterSecret; previous?: MasterSecret }): Promise<void> {
    if (this.vault) {
      await this.vault.replace(secrets);
      return;
    }
    await this.moveDamagedVaultAside();
    this.vault = await SecretVault.create(this.options.vaultDir, secrets.current);
    if (secrets.previous) await this.vault.replace(secrets);
  }

  private async moveDamagedVaultAside(): Promise<void> {
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    for (const f of [VAULT_KEY_FILE, VAULT_FILE]) {
      await rename(join(this.options.vaultDir, f), join(this.options.vaultDir, `${f}.damaged-${stamp}`)).catch(() => undefined);
    }
  }

  private async publish(extra: { lastBackupAt?: string } = {}): Promise<void> {
    const { current, previous } = this.secrets();
    await this.options.store.updateGlobalInfo({
      secretServer: this.options.name,
      currentMsid: current.msid,
      previousMsid: previous?.msid ?? null,
      secretCreatedAt: current.createdAt,
      ...extra,
    });
  }

  private async backupFile(secrets: MasterSecret[], password: string, reminder: string): Promise<{ file: string; msids: string[] }> {
    const weak = checkPasswordStrength(password);
    if (weak) throw new SsoError('ENTSSO_E_INVALID_REQUEST', `The backup password is too weak: ${weak}`);
    const payload: BackupPayload = { secrets: secrets.map((s) => ({ msid: s.msid, key: s.key.toString('base64'), createdAt: s.createdAt })) };
    const msids = secrets.map((s) => s.msid);
    const file = await writeProtectedFile('entsso-backup', payload, { password, reminder, environment: this.options.environmentId, msids });
    return { file: file.toString('base64'), msids };
  }

  private async openBackup(fileB64: string, password: string): Promise<MasterSecret[]> {
    const { payload } = await openProtectedFile<BackupPayload>(Buffer.from(fileB64, 'base64'), password, 'entsso-backup');
    if (!payload || !Array.isArray(payload.secrets) || payload.secrets.length === 0) {
      throw new SsoError('ENTSSO_E_BAD_FILE', 'The backup opened, but holds no master secret.');
    }
    return payload.secrets.map((s) => makeMasterSecret(s.msid, Buffer.from(s.key, 'base64'), s.createdAt));
  }

  private requireVault(): SecretVault {
    if (!this.vault) {
      throw new SsoError('ENTSSO_E_NO_SECRET', `The master secret server ${this.options.name} holds no master secret. Restore it from a backup ("SSO: Restore Master Secret…" or "ssoctl secret restore").`);
    }
    return this.vault;
  }
}

