/**
 * The SSO service's in-memory copy of the master secret(s) and the state derived from it:
 * ready / cached / no-secret / reencrypting / ssodb-unreachable. The secret lives only in
 * this object's memory: it is never written to disk or sent to a local client.
 */
import { SsoError } from '../../protocol/errors';
import type { ReencryptProgress, ServiceState, ServiceStateName } from '../../protocol/messages';
import type { MasterSecret } from '../crypto/masterSecret';
import type { SecretsFromMss } from '../mss/mssProtocol';

export class SecretCache {
  private current: MasterSecret | undefined;
  private byMsid = new Map<string, MasterSecret>();
  private lastSyncAt: Date | undefined;
  private mssDownSince: Date | undefined;
  private reencrypt: ReencryptProgress | undefined;
  private storeProblem: string | undefined;
  private readonly startedAt = new Date();
  mssName = '(unknown)';

  constructor(readonly syncIntervalMs: number) {}

  /** A successful sync: replaces the cached secrets. */
  onSynced(secrets: SecretsFromMss, at = new Date()): void {
    this.current = secrets.current;
    this.byMsid = new Map([[secrets.current.msid, secrets.current]]);
    if (secrets.previous) this.byMsid.set(secrets.previous.msid, secrets.previous);
    this.reencrypt = secrets.reencrypt;
    this.lastSyncAt = at;
    this.mssDownSince = undefined;
  }

  onMssUnreachable(at = new Date()): void {
    this.mssDownSince ??= at;
  }

  onStoreReachable(): void {
    this.storeProblem = undefined;
  }

  onStoreUnreachable(reason: string): void {
    this.storeProblem = reason;
  }

  setReencryptProgress(progress: ReencryptProgress | undefined): void {
    this.reencrypt = progress;
  }

  get stateName(): ServiceStateName {
    if (this.storeProblem !== undefined) return 'ssodb-unreachable';
    if (!this.current) return 'no-secret';
    if (this.mssDownSince) return 'cached';
    if (this.reencrypt) return 'reencrypting';
    return 'ready';
  }

  snapshot(): ServiceState {
    const state = this.stateName;
    return {
      state,
      mssName: this.mssName,
      msid: this.current?.msid,
      lastSyncAt: this.lastSyncAt?.toISOString(),
      unreachableSince: (this.mssDownSince ?? (this.current ? undefined : this.startedAt))?.toISOString(),
      reencrypt: this.reencrypt,
      canEncrypt: state === 'ready',
      canDecrypt: this.current !== undefined && state !== 'ssodb-unreachable',
      message: this.explain(state),
      syncIntervalMs: this.syncIntervalMs,
    };
  }

  /** The secret to encrypt with; refuses with the ENTSSO error when encryption is not allowed. */
  secretForEncryption(): MasterSecret {
    const state = this.stateName;
    if (state === 'ready' && this.current) return this.current;
    throw this.refusal(state);
  }

  /** Whether the master secret server handed this secret to this service (current or previous). */
  holds(msid: string): boolean {
    return this.byMsid.has(msid);
  }

  /** The secret a stored row was encrypted under; works from the cache while the MSS is down. */
  secretForDecryption(msid: string): MasterSecret {
    const secret = this.byMsid.get(msid);
    if (secret) return secret;
    if (!this.current) throw this.refusal('no-secret');
    throw new SsoError(
      'ENTSSO_E_NO_SECRET',
      `This value was encrypted with master secret ${msid}, which this SSO service does not hold. It re-synchronises with the master secret server every ${this.seconds()} s; if this persists, restore that master secret from its backup.`,
      { msid },
    );
  }

  refusal(state: ServiceStateName = this.stateName): SsoError {
    switch (state) {
      case 'reencrypting':
        return new SsoError('ENTSSO_E_REENCRYPT_IN_PROGRESS', this.explain(state), this.refusalDetails());
      case 'ssodb-unreachable':
        return new SsoError('ENTSSO_E_SSODB_UNREACHABLE', this.explain(state), this.refusalDetails());
      default:
        return new SsoError('ENTSSO_E_NO_SECRET', this.explain(state), this.refusalDetails());
    }
  }

  private refusalDetails(): Record<string, unknown> {
    return { mssName: this.mssName, unreachableSince: this.mssDownSince?.toISOString(), lastSyncAt: this.lastSyncAt?.toISOString() };
  }

  private seconds(): number {
    return Math.round(this.syncIntervalMs / 1000);
  }

  private explain(state: ServiceStateName): string {
    const mss = this.mssName;
    const every = `This service re-synchronises every ${this.seconds()} s.`;
    switch (state) {
      case 'ready':
        return `The master secret server ${mss} is reachable; the secret was last synchronised at ${this.lastSyncAt?.toISOString()}.`;
      case 'cached':
        return (
          `Cannot perform encryption because the secret is not available from the master secret server ${mss}, unreachable since ${this.mssDownSince?.toISOString()}. ` +
          `Decryption still works from the secret cached at ${this.lastSyncAt?.toISOString()}, so reading configurations works; saving, creating applications and every other change are refused until it is back. ` +
          `Start the master secret server or restore its network connection. ${every}`
        );
      case 'no-secret':
        return (
          `Cannot perform encryption or decryption because the secret is not available from the master secret server ${mss}: this SSO service has not reached it since it started at ${this.startedAt.toISOString()}. ` +
          `Start the master secret server or restore its network connection. ${every}`
        );
      case 'reencrypting': {
        const p = this.reencrypt;
        const progress = p ? ` (${p.done} of ${p.total} configurations done)` : '';
        return `A new master secret was generated and the SSO database is being re-encrypted${progress}. Reading works; changes are refused until re-encryption finishes.`;
      }
      case 'ssodb-unreachable':
        return `The SSO database cannot be reached (${this.storeProblem}). Nothing can be read or changed until it is back; check that the database is available to the SSO service.`;
    }
  }
}
