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
import { isLeaseNotHeld } from '../ssodb/schema/storeErrors';
import type { GlobalInfo, SecretRowCount, SsoStore } from '../ssodb/store';
import { NotActiveError, StuckRowsError, reencryptAll } from './reencryptor';
import { RestoreIntent } from './restoreIntent';
import { StandAside } from './standAside';
import { UnpublishedRestore, sameRestoreRecord, type RestoreRecord } from './unpublishedRestore';

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
  /**
   * How recently another node must have said it is alive (SSOX_MssNodes) for a node that cannot
   * serve the secret SSODB needs to leave the lease to it. Nodes say so every fifth renewal period:
   * a few lease periods (DEFAULT_PEER_ALIVE_WINDOW_MS).
   */
  peerAliveWindowMs?: number;
  /**
   * The active node's authority turned itself off: SSODB's lease fence refused a publication (the
   * lease had run out there), or a late publication of a restore would strand rows. The caller must
   * stop acting as the lease holder (give the lease up), or a node that renews its own lease would
   * stay "active" and never activate again.
   */
  onStoppedServing?: (reason: SsoError) => void;
}

/** Secret changes (restore, prepare, commit) waiting or running at once; more are refused as busy. */
export const MAX_QUEUED_SECRET_CHANGES = 4;

export class SecretAuthority {
  private vault: SecretVault | undefined;
  private pending: MasterSecret | undefined;
  private reencrypting: Promise<void> | undefined;
  /** Set for the whole of a secret change (restore, rotation): the periodic resume starts nothing meanwhile. */
  private changing = false;
  private secretChanges: Promise<unknown> = Promise.resolve();
  /** Changes asked for and not finished (the one running included): bounded, a peer may pipeline requests. */
  private changesQueued = 0;
  /** The vault switched but SSODB was not told (it failed): told again at each periodic resume until it is. */
  private publishPending = false;
  /** Rows found under a secret this node does not hold, as last counted: not tried again every period until that changes. */
  private stuck: { current: string; left: number; unknownMsid: string } | undefined;
  /** Only the active node publishes, rotates, restores and re-encrypts. */
  private active = false;
  progress: ReencryptProgress | undefined;
  private readonly unpublishedRestore: UnpublishedRestore;
  /** The active node's current secret whose adoption was refused to keep the only copy of one (logged once). */
  private keptOnlyCopyOver: string | undefined;
  /** The adoption of the active node's secrets under way, if any: activate() waits for it. */
  private adopting: Promise<unknown> = Promise.resolve();
  /** When this node, unable to serve what SSODB needs, leaves the lease to another (see standAside.ts). */
  private readonly standAside: StandAside;
  /** A restore's intent in SSODB: the secrets saves may use until its publication (restoreIntent.ts). */
  private readonly intent: RestoreIntent;

  constructor(private readonly options: AuthorityOptions) {
    this.unpublishedRestore = new UnpublishedRestore(options.vaultDir);
    this.intent = new RestoreIntent((switchingMsids) => this.updateUnderLease({ switchingMsids }), options.log);
    this.standAside = new StandAside(options);
  }

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
    // A sync still installing what the active node handed over: judge the vault and the record
    // once it is done, never halfway (the lease can be taken while a sync is in flight).
    await this.adopting;
    if (!this.vault) {
      this.leaveLeaseIf(await this.standAside.withoutSecret());
      return;
    }
    const { currentMsid: published, secretServer } = await this.options.store.getGlobalInfo();
    const mine = this.vault.current().msid;
    if (published && published !== mine && this.vault.previous()?.msid !== published) {
      if (!(await this.finishUnpublishedRestore(published))) {
        // A standby that missed a rotation must not publish an older secret over the newer one.
        // Said once, not at every takeover attempt; a restore cannot run here (this node never
        // becomes active), so the advice is what can be done on the nodes that can.
        const holder = secretServer && secretServer !== this.options.name ? secretServer : 'the node that holds it';
        this.standAside.sayOnce(
          `behind ${published} ${mine}`,
          `this node holds master secret ${mine} but SSODB says ${published} is current; it serves nothing until it holds that secret and gives the lease up at each takeover (not logged again). As a standby it copies ${published} by itself from ${holder} once that node is active (check that node's certificate and the network between them); or restore a backup holding ${published} on the node that is active`,
        );
        this.active = false;
        throw new SsoError('ENTSSO_E_NO_SECRET', `The master secret server node ${this.options.name} does not hold the current master secret ${published}.`);
      }
    } else {
      if (published && published !== mine) this.options.log(`master secret ${published} published in SSODB is older than ${mine}: switching to ${mine}`);
      // SSODB may name this node's secret and still hold rows under a newer one: a switch on a
      // node this one could not copy from, whose publication failed (finishUnpublishedRestore checks its own case).
      this.leaveLeaseIf(await this.standAside.ifRowsUnderSecretsNotHeld(await this.rowsUnderSecretsNotHeld(), mine));
    }
    await this.publish();
    this.publishPending = false;
    this.standAside.activated();
    this.resumeReencryptionIfNeeded();
  }

  /** Refuses to activate (the lease is given up) when the stand-aside rule says so. */
  private leaveLeaseIf(refusal: SsoError | undefined): void {
    if (!refusal) return;
    this.active = false;
    throw refusal;
  }

  /** Live rows and kept versions under a secret the vault does not hold (one statement). */
  private async rowsUnderSecretsNotHeld(): Promise<SecretRowCount[]> {
    const { current, previous } = this.secrets();
    return (await this.options.store.countRowsBySecret(current.msid)).filter((c) => c.msid !== previous?.msid && c.rows > 0);
  }

  /**
   * Whether the vault's secret was restored here, over the very secret SSODB still names, and may
   * be published now: its restore's checks hold again (no row or kept version under a secret the
   * vault lacks). A stale record (SSODB moved on, or rows written since) is dropped.
   */
  private async finishUnpublishedRestore(published: string): Promise<boolean> {
    const record = await this.unpublishedRestore.read();
    const { current, previous } = this.secrets();
    if (!record || record.msid !== current.msid || record.over !== published) {
      if (record) await this.unpublishedRestore.clear();
      return false;
    }
    try {
      await this.refuseIfRowsWouldBeLost([current, ...(previous ? [previous] : [])]);
    } catch (err) {
      this.options.log(`master secret ${current.msid} was restored here and not published; it is not published now: ${err instanceof Error ? err.message : String(err)}`);
      await this.unpublishedRestore.clear();
      return false;
    }
    this.options.log(`master secret ${current.msid} was restored here and not yet published in SSODB (which says ${published}): publishing it`);
    return true;
  }

  /**
   * A restore published late (its publication failed, retried by the periodic resume or before the
   * next change) is judged as activation judges it (finishUnpublishedRestore): meanwhile SSODB still
   * named the secret the restore dropped; its intent refuses saves under it, but a record made
   * without one (a version before it, or an intent cleared by hand) leaves that open.
   * Rows under a secret the vault lacks: the restore is not published, its record is dropped, and
   * this node stops serving and gives the lease up (a standby that kept the dropped secret can
   * take over); said once, with what to restore.
   */
  private async refuseLateRestoreIfRowsWouldBeLost(): Promise<void> {
    const record = await this.unpublishedRestore.read();
    const { current, previous } = this.secrets();
    if (!record || record.msid !== current.msid) return;
    const held = [current, ...(previous ? [previous] : [])];
    const stranded = (await this.options.store.countRowsBySecret(current.msid)).filter((c) => !held.some((s) => s.msid === c.msid) && c.rows > 0);
    const [first] = stranded;
    if (!first) return;
    const rows = stranded.reduce((sum, c) => sum + c.rows, 0);
    this.options.log(
      `master secret ${current.msid} was restored here and not published; it is not published now: ${rows} configuration(s) or kept version(s) were saved under ${first.msid} meanwhile (SSODB still named it), which this node no longer holds. This node stops serving and gives the lease up. To recover, restore a backup that holds both ${first.msid} and ${current.msid} on the active node, or let a node that still holds ${first.msid} take over (stop this one)`,
    );
    await this.unpublishedRestore.clear();
    this.publishPending = false;
    const refusal = new SsoError(
      'ENTSSO_E_NO_SECRET',
      `Master secret ${current.msid}, restored on node ${this.options.name}, was not published: configurations were saved under ${first.msid} meanwhile, which that node no longer holds. Restore a backup that holds both ${first.msid} and ${current.msid}.`,
    );
    this.stopServing(refusal);
    throw refusal;
  }

  /** The active node turns itself off (see onStoppedServing): the caller gives the lease up. */
  private stopServing(reason: SsoError): void {
    this.deactivate();
    this.options.onStoppedServing?.(reason);
  }

  /** This node lost or gave up the lease: stop writing (re-encryption stops after its batch). */
  deactivate(): void {
    this.active = false;
    this.pending = undefined;
  }

  /**
   * A standby keeps the same secrets as the active node (delivered over mutual TLS), and the same
   * record of a restore not yet published: should it take over before that publication is made,
   * activate() judges the restored secret by the same rule as the node that restored it.
   */
  adoptSecrets(secrets: { current: MasterSecret; previous?: MasterSecret }, restoreRecord?: RestoreRecord): Promise<boolean> {
    if (this.active) return Promise.resolve(false);
    // Asked for while standby: it completes even if the lease is taken meanwhile (activate waits).
    const run = this.adopting.then(() => this.adoptNow(secrets, restoreRecord));
    this.adopting = run.catch(() => undefined);
    return run;
  }

  private async adoptNow(secrets: { current: MasterSecret; previous?: MasterSecret }, restoreRecord: RestoreRecord | undefined): Promise<boolean> {
    const have = this.vault ? [this.vault.current().msid, this.vault.previous()?.msid] : [];
    const changed = have[0] !== secrets.current.msid || have[1] !== secrets.previous?.msid;
    if (changed && (await this.keepsOnlyCopy(secrets))) return false;
    if (changed) {
      // A record belongs to the secrets it came with: gone before they are.
      await this.unpublishedRestore.clear();
      await this.installSecrets(secrets);
      this.options.log(`standby now holds master secret ${secrets.current.msid}`);
    }
    await this.keepRestoreRecordOf(restoreRecord);
    return changed;
  }

  /**
   * Whether this vault holds a secret that configurations or kept versions are still under and
   * that the active node's secrets lack (a restore here whose publication failed, then another
   * node took over): replacing the vault would lose the only copy of it on this node. Then the
   * standby keeps its vault and says so (once for each answer of the active node).
   */
  private async keepsOnlyCopy(incoming: { current: MasterSecret; previous?: MasterSecret }): Promise<boolean> {
    const offered = new Set([incoming.current.msid, incoming.previous?.msid]);
    const mine = [this.vault?.current().msid, this.vault?.previous()?.msid].filter((msid): msid is string => msid !== undefined && !offered.has(msid));
    if (mine.length === 0) return false;
    const stranded = (await this.options.store.countRowsBySecret(incoming.current.msid)).filter((c) => mine.includes(c.msid) && c.rows > 0);
    if (stranded.length === 0) return false;
    if (this.keptOnlyCopyOver !== incoming.current.msid) {
      this.keptOnlyCopyOver = incoming.current.msid;
      const [first] = stranded as [SecretRowCount];
      this.options.log(
        `standby keeps master secret ${first.msid}: ${first.rows} configuration(s) or kept version(s) are stored under it and the active node holds ${incoming.current.msid} without it, so copying its secrets would leave them unreadable here too. Back up this node's vault folder, then restore a backup holding ${first.msid} on the active node or re-encrypt those configurations`,
      );
    }
    return true;
  }

  /**
   * The active node's record, kept only for the secret this standby holds as current (an answer
   * read while the active node was switching may pair a record with other secrets); cleared when
   * the active node has none. Written only on a change: this runs every renewal period.
   */
  private async keepRestoreRecordOf(record: RestoreRecord | undefined): Promise<void> {
    const wanted = record?.msid === this.vault?.current().msid ? record : undefined;
    if (sameRestoreRecord(await this.unpublishedRestore.read(), wanted)) return;
    if (wanted) await this.unpublishedRestore.record(wanted);
    else await this.unpublishedRestore.clear();
  }

  async stop(): Promise<void> {
    this.active = false;
    await this.secretChanges;
    await this.reencrypting?.catch(() => undefined);
  }

  /** The record of this node's restore not yet published, handed to standbys with the secrets. */
  restoreLeftUnpublished(): Promise<RestoreRecord | undefined> {
    return this.unpublishedRestore.read();
  }

  get holdsSecret(): boolean {
    return this.vault !== undefined;
  }

  secrets(): { current: MasterSecret; previous?: MasterSecret } {
    const vault = this.requireVault();
    return { current: vault.current(), previous: vault.previous() };
  }

  /**
   * A backup of the current and previous secrets. With `confirmWrite` it is not yet recorded: until
   * the caller has written it (backupWritten), its only copy is in the caller's memory, and a write
   * that failed (missing folder, full disk) must not turn Check Health's "no backup" into "backed
   * up". Callers from before backupWritten never confirm: theirs is recorded as made, as then.
   */
  async backup(password: string, reminder: string, confirmWrite = false): Promise<{ file: string; msids: string[] }> {
    const { current, previous } = this.secrets();
    const made = await this.backupFile([current, ...(previous ? [previous] : [])], password, reminder);
    if (!confirmWrite) await this.backupWritten(made.msids);
    return made;
  }

  /** The caller wrote a backup holding `msids` durably: it counts as a backup of the live secret if it holds it. */
  async backupWritten(msids: string[]): Promise<{ recorded: boolean }> {
    const { current } = this.secrets();
    if (!msids.includes(current.msid)) return { recorded: false };
    await this.options.store.updateGlobalInfo({ lastBackupAt: new Date().toISOString() });
    this.options.log(`master secret ${current.msid} backed up`);
    return { recorded: true };
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
    await this.publishLastSwitchOrRefuse();
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
    const kept = [current, ...(previous ? [previous] : [])];
    this.requireActive();
    try {
      // Saves under any other secret are refused from now on, so the count below is final (restoreIntent.ts).
      await this.intent.declare(kept.map((s) => s.msid));
      await this.refuseIfRowsWouldBeLost(kept);
      await this.switchSecret(this.vault?.current().msid ?? '', current.msid, async () => {
        this.requireActive();
        await this.unpublishedRestore.record({ msid: current.msid, over: (await this.options.store.getGlobalInfo()).currentMsid });
        await this.installSecrets({ current, previous });
        this.options.log(`master secret ${current.msid} restored from a backup`);
        this.requireStillActiveAfterSwitch(current.msid);
        await this.publish();
      });
    } catch (err) {
      // Switched and not yet published: the intent stays, and the publication retried clears it.
      // No longer active (the lease was lost): the fenced write would be refused; the next activation clears it.
      if (!this.publishPending && this.active) await this.intent.withdraw();
      throw err;
    }
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
      this.requireActive();
      await vault.rotate(next);
      this.pending = undefined;
      this.requireStillActiveAfterSwitch(newMsid);
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
    let left = 0;
    let failure: { error: unknown } | undefined;
    try {
      left = await this.options.store.countRowsNotUnder(toMsid);
      if (left > 0) this.progress = { fromMsid, toMsid, done: 0, total: left };
      await install();
    } catch (error) {
      failure = { error };
    }
    const announced = this.progress !== undefined;
    // Switched even if a later step failed (e.g. publishing in SSODB): the rows must still move to
    // the new secret, or the next rotation would drop the one they are under.
    const switched = this.vault?.current().msid === toMsid;
    // Other secrets held now: rows found stuck before may be readable again.
    if (switched) this.stuck = undefined;
    if (switched && failure && this.active) this.publishPending = true;
    if (switched && left > 0) this.startReencryption(left);
    // Nothing started (not switched, or an inactive node): there is no re-encryption to report.
    if (!this.reencrypting) this.progress = undefined;
    if (switched || announced) this.options.onChanged();
    if (failure) throw failure.error;
    return left;
  }

  /**
   * Restore, prepare and commit run one at a time, and no periodic resume starts while one runs:
   * each checks, then waits (key derivation, SSODB, vault files), and what it checked must still
   * hold when it switches (two interleaved could drop a secret that the other's rows are under).
   */
  private oneAtATime<T>(change: () => Promise<T>): Promise<T> {
    if (this.changesQueued >= MAX_QUEUED_SECRET_CHANGES) {
      return Promise.reject(new SsoError('ENTSSO_E_BUSY', 'The master secret server is busy with other master secret changes. Try again in a moment.'));
    }
    this.changesQueued++;
    const run = this.secretChanges.then(async () => {
      this.changing = true;
      try {
        return await change();
      } finally {
        this.changing = false;
        this.changesQueued--;
      }
    });
    this.secretChanges = run.catch(() => undefined);
    return run;
  }

  /** Checked before the vault changes and before SSODB is told: a node that lost the lease meanwhile changes nothing more. */
  private requireActive(): void {
    if (!this.active) {
      throw new SsoError(
        'ENTSSO_E_MSS_UNREACHABLE',
        `The master secret server node ${this.options.name} stopped being the active one during this change, so the change was not made. Run the command again: it goes to the active node.`,
      );
    }
  }

  /**
   * The vault switched already: the node that lost the lease must not publish, and must not tell
   * the user that nothing changed (it publishes the switch should it take the lease again first).
   */
  private requireStillActiveAfterSwitch(toMsid: string): void {
    if (this.active) return;
    throw new SsoError(
      'ENTSSO_E_MSS_UNREACHABLE',
      `The master secret server node ${this.options.name} stopped being the active one during this change, after its vault had switched to master secret ${toMsid} and before SSODB was told: the active node still serves the master secret SSODB names. Run the command again: it goes to the active node. Node ${this.options.name} gives ${toMsid} up when it next copies the active node's secrets (or publishes it, should it become active again first).`,
    );
  }

  /**
   * A switch (rotation, restore) whose publication in SSODB failed must be published before the
   * next one: a second switch would leave SSODB naming a secret the vault no longer links to, and
   * no node would activate again. Tried now (SSODB may accept writes again); refused otherwise.
   */
  private async publishLastSwitchOrRefuse(): Promise<void> {
    if (!this.vault || (!this.publishPending && !(await this.unpublishedRestore.read()))) return;
    this.requireActive();
    const current = this.vault.current().msid;
    await this.refuseLateRestoreIfRowsWouldBeLost();
    try {
      await this.publish();
    } catch {
      throw new SsoError(
        'ENTSSO_E_SSODB_UNREACHABLE',
        `Master secret ${current}, switched to by the last change, is not yet published in SSODB (it refused the update; the master secret server tries again every few seconds). No other change is made until it is: Check Health whether SSODB accepts writes, then try again.`,
      );
    }
    this.publishPending = false;
    this.options.log(`master secret ${current} published in SSODB`);
    this.options.onChanged();
  }

  /**
   * A rotation keeps only the current secret as the previous one: rows (or kept versions) still
   * under any other secret would become unreadable, whether or not a re-encryption is running now
   * (one stopped by an SSODB fault resumes only later).
   */
  private async refuseUntilReencrypted(): Promise<void> {
    this.refuseWhileReencrypting();
    await this.publishLastSwitchOrRefuse();
    const current = this.requireVault().current().msid;
    const rows = await this.options.store.countRowsNotUnder(current);
    const versions = rows > 0 ? 0 : (await this.options.store.listHistoryNotUnder(current, 1)).length;
    if (rows === 0 && versions === 0) return;
    const stuck = this.stuck?.current === current ? this.stuck.unknownMsid : undefined;
    throw new SsoError(
      'ENTSSO_E_REENCRYPT_IN_PROGRESS',
      stuck
        ? `Configurations are encrypted under master secret ${stuck}, which this master secret server does not hold, and a new secret would not make them readable again. Restore a backup that holds both ${stuck} and the current secret ${current} (the backup written when ${current} was generated does, if ${stuck} was in use before it).`
        : 'Some configurations are still encrypted under the previous master secret, and a new secret would make them unreadable. Their re-encryption resumes by itself while SSODB is reachable: the status bar shows its progress, and Check Health whether SSODB answers. Try again once it is done.',
    );
  }

  /** Resolves when no re-encryption is running (tests and shutdown). */
  async idle(): Promise<void> {
    await this.reencrypting?.catch(() => undefined);
  }

  /**
   * Also called periodically: a re-encryption stopped by an SSODB fault (disk full, lost
   * connection) resumes by itself, and a publication that failed is made again.
   */
  resumeReencryptionIfNeeded(): void {
    if (this.changing) return;
    if (this.publishPending && this.active) {
      this.oneAtATime(() => this.publishAgain()).catch(() => undefined); // busy: tried again at the next period
      return;
    }
    if (this.intent.leftBehind && this.active) this.oneAtATime(() => this.intent.withdraw()).catch(() => undefined);
    this.startReencryption();
  }

  private async publishAgain(): Promise<void> {
    try {
      await this.refuseLateRestoreIfRowsWouldBeLost();
      await this.publish();
      this.publishPending = false;
      this.options.log(`master secret ${this.secrets().current.msid} published in SSODB`);
      this.options.onChanged();
    } catch {
      // SSODB still cannot be written: tried again at the next period.
    }
  }

  private startReencryption(knownLeft = 0): void {
    if (this.reencrypting || !this.vault || !this.active) return;
    const { current, previous } = this.secrets();
    let lastNotified = 0;
    this.reencrypting = (async () => {
      const left = knownLeft || (await this.options.store.countRowsNotUnder(current.msid));
      if (left === 0) return;
      // Rows under a secret this node does not hold stay so until a restore or until they change:
      // no new attempt (and no progress flickering in every service) each period meanwhile.
      if (this.stuck?.current === current.msid && this.stuck.left === left) return;
      this.stuck = undefined;
      this.options.log(`re-encrypting ${left} configuration(s) under ${current.msid}`);
      try {
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
      } catch (err) {
        if (err instanceof StuckRowsError) this.stuck = { current: current.msid, left: await this.options.store.countRowsNotUnder(current.msid), unknownMsid: err.msid };
        throw err;
      }
    })()
      .catch((err) => {
        if (err instanceof StuckRowsError || err instanceof NotActiveError) this.options.log(err.message);
        else this.options.log(`re-encryption stopped: ${err instanceof Error ? err.message : String(err)}; it resumes by itself`);
      })
      .finally(() => {
        const reported = this.progress !== undefined;
        this.reencrypting = undefined;
        this.progress = undefined;
        if (reported) this.options.onChanged();
      });
  }

  private refuseWhileReencrypting(): void {
    if (this.reencrypting) {
      throw new SsoError('ENTSSO_E_REENCRYPT_IN_PROGRESS', 'The SSO database is still being re-encrypted under the current master secret. Wait until it finishes, then try again.');
    }
  }

  /** A restore must not strand rows under a secret the restored vault would not hold. */
  private async refuseIfRowsWouldBeLost(secrets: MasterSecret[]): Promise<void> {
    const known = new Set(secrets.map((s) => s.msid));
    // Kept versions too (counted with the rows): a rotation re-encrypts them after the live rows, so they can be the last under a secret.
    const stranded = (await this.options.store.countRowsBySecret(secrets[0]!.msid)).filter((c) => !known.has(c.msid) && c.rows > 0);
    const [first] = stranded;
    if (first) {
      const rows = stranded.reduce((sum, c) => sum + c.rows, 0);
      throw new SsoError(
        'ENTSSO_E_BAD_FILE',
        `This backup does not hold master secret ${first.msid}, under which configurations or kept versions of configurations (their history) are stored: restoring it would make ${rows} of them unreadable. Restore the most recent backup instead.`,
        { reason: 'older-backup', msid: first.msid },
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

  /** A restore's intent is cleared in the statement that names the secrets (stale ones too: each activation publishes). */
  private async publish(extra: { lastBackupAt?: string } = {}): Promise<void> {
    const { current, previous } = this.secrets();
    const names = { secretServer: this.options.name, currentMsid: current.msid, previousMsid: previous?.msid ?? null, secretCreatedAt: current.createdAt };
    await this.updateUnderLease({ ...names, switchingMsids: null, ...extra });
    this.intent.cleared();
    // SSODB names the vault's current secret now: no restore is left unpublished.
    await this.unpublishedRestore.clear().catch(() => undefined);
  }

  /**
   * Fenced by the lease in SSODB's own statement: a write that lands after this node lost the
   * lease (a slow SSODB) must not name it over the new holder; that node is no longer active.
   */
  private async updateUnderLease(patch: Partial<Omit<GlobalInfo, 'timestamp'>>): Promise<void> {
    await this.options.store.updateGlobalInfo(patch, { leaseHolder: this.options.name }).catch((err: unknown) => {
      if (isLeaseNotHeld(err)) this.stopServing(err as SsoError);
      throw err;
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

