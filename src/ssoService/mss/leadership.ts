/**
 * Which master secret server node is active, decided by a lease row in SSODB (the
 * coordination the database already provides; no home-made consensus). The active node
 * renews the lease; a standby takes it over only after it expired (plus a grace period).
 *
 * Never two active nodes: a node serves the secret only while its OWN deadline has not
 * passed, and that deadline is computed from the moment it SENT its last successful renewal,
 * i.e. before the expiry the database recorded. A paused or cut-off node therefore stops
 * serving before anyone else can take over (deadline ≤ recorded expiry < takeover time).
 */
import { EventEmitter } from 'node:events';
import { errorCodeOf } from './errorCode';

export interface LeaseState {
  holder: string | null;
  /** ms since epoch, on the database's clock. */
  expiresAt: number;
  /** Increments at every change of holder. */
  epoch: number;
  takenAt: number | null;
}

export interface LeaseStore {
  /** Takes the lease if free, expired for at least `graceMs`, or already ours; renews it if ours. */
  acquireLease(node: string, ttlMs: number, graceMs: number): Promise<LeaseState>;
  /** Gives the lease up if we hold it (a demotion). */
  releaseLease(node: string): Promise<void>;
  getLease(): Promise<LeaseState>;
}

interface LeadershipOptions {
  node: string;
  lease: LeaseStore;
  /** How long a lease lasts without renewal. */
  ttlMs: number;
  /** How often the holder renews and standbys look (must be well under ttlMs). */
  renewMs: number;
  /** Extra wait after expiry before a standby takes over. */
  graceMs: number;
  log: (message: string) => void;
  now?: () => number;
}

export type Role = 'active' | 'standby';

export class Leadership extends EventEmitter<{ role: [Role] }> {
  private role: Role = 'standby';
  private deadline = 0;
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | undefined;
  private holdOff = 0;
  /** The code of the lease checks failing since the last one that worked, as logged: said when it changes, not every period. */
  private failingSaid: string | undefined;
  lastTakeoverAt: number | null = null;

  constructor(private readonly options: LeadershipOptions) {
    super();
    if (options.renewMs * 2 >= options.ttlMs) throw new Error('The lease must be renewed at least twice per lease period.');
  }

  private now(): number {
    return (this.options.now ?? Date.now)();
  }

  get currentRole(): Role {
    return this.role;
  }

  /** True only while this node holds an unexpired lease by its own conservative reckoning. */
  isActive(): boolean {
    return this.role === 'active' && this.now() < this.deadline;
  }

  async start(): Promise<void> {
    await this.tick();
    this.timer = setInterval(() => void this.tick(), this.options.renewMs);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.ticking;
    if (this.role === 'active') await this.options.lease.releaseLease(this.options.node).catch(() => undefined);
    this.setRole('standby');
  }

  /** How long a demoted node stays standby before it tries to take the lease again. */
  get demotionHoldOffMs(): number {
    return this.options.ttlMs * 2;
  }

  /**
   * Gives the lease up and stays standby for a while so another node takes it. Standby even when
   * SSODB refuses the release (then rethrown): the lease row expires by itself, and a node left
   * active would renew it for ever without being the one SSODB names.
   */
  async demote(holdOffMs = this.demotionHoldOffMs): Promise<void> {
    this.holdOff = this.now() + holdOffMs;
    await this.ticking;
    try {
      await this.options.lease.releaseLease(this.options.node);
    } finally {
      this.deadline = 0;
      this.setRole('standby');
    }
  }

  tick(): Promise<void> {
    this.ticking ??= this.tickOnce().finally(() => {
      this.ticking = undefined;
    });
    return this.ticking;
  }

  private async tickOnce(): Promise<void> {
    if (this.now() < this.holdOff) return;
    const sentAt = this.now();
    let lease: LeaseState;
    try {
      lease = await this.options.lease.acquireLease(this.options.node, this.options.ttlMs, this.options.graceMs);
    } catch (err) {
      // Cannot reach SSODB: we cannot prove we hold the lease, so we stop serving at our deadline.
      if (this.role === 'active' && !this.isActive()) this.setRole('standby');
      this.sayLeaseCheckFailed(errorCodeOf(err));
      return;
    }
    if (this.failingSaid !== undefined) {
      this.failingSaid = undefined;
      this.options.log('this node can check its lease in SSODB again');
    }
    if (lease.holder === this.options.node) {
      this.deadline = sentAt + this.options.ttlMs;
      if (this.role !== 'active') {
        this.lastTakeoverAt = lease.takenAt;
        this.setRole('active');
      }
    } else {
      this.deadline = 0;
      this.setRole('standby');
    }
  }

  private sayLeaseCheckFailed(code: string): void {
    if (this.failingSaid === code) return;
    this.failingSaid = code;
    this.options.log(
      `this node cannot check its lease in SSODB (${code}): an active node stops serving within ${Math.ceil(this.options.ttlMs / 1000)} s of its last renewal; it tries again every ${this.options.renewMs} ms (not logged again until this changes). SSODB must answer: run Check Health`,
    );
  }

  private setRole(role: Role): void {
    if (this.role === role) return;
    this.role = role;
    this.options.log(`this master secret server node is now ${role}`);
    this.emit('role', role);
  }
}
