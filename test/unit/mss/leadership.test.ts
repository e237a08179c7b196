import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Leadership, type LeaseState, type LeaseStore } from '../../../src/ssoService/mss/leadership';

/** The lease row's semantics on one clock, as the stores implement them atomically. */
class MemoryLease implements LeaseStore {
  state: LeaseState = { holder: null, expiresAt: 0, epoch: 0, takenAt: null };
  constructor(private readonly clock: { now: number }) {}
  async acquireLease(node: string, ttlMs: number, graceMs: number): Promise<LeaseState> {
    const now = this.clock.now;
    const s = this.state;
    if (s.holder === node || s.holder === null || now > s.expiresAt + graceMs) {
      const changed = s.holder !== node;
      this.state = { holder: node, expiresAt: now + ttlMs, epoch: s.epoch + (changed ? 1 : 0), takenAt: changed ? now : s.takenAt };
    }
    return { ...this.state };
  }
  async releaseLease(node: string): Promise<void> {
    if (this.state.holder === node) this.state = { ...this.state, holder: null, expiresAt: 0 };
  }
  async getLease(): Promise<LeaseState> {
    return { ...this.state };
  }
}

function node(name: string, lease: LeaseStore, clock: { now: number }) {
  return new Leadership({ node: name, lease, ttlMs: 3000, renewMs: 1000, graceMs: 500, log: () => undefined, now: () => clock.now });
}

test('the first node takes the lease; a second stays standby while it is renewed', async () => {
  const clock = { now: 1_000_000 };
  const lease = new MemoryLease(clock);
  const a = node('a', lease, clock);
  const b = node('b', lease, clock);
  await a.tick();
  await b.tick();
  assert.equal(a.isActive(), true);
  assert.equal(b.isActive(), false);
  for (let i = 0; i < 10; i++) {
    clock.now += 1000;
    await a.tick();
    await b.tick();
    assert.equal(a.isActive(), true);
    assert.equal(b.currentRole, 'standby');
  }
});

test('a paused holder stops serving before a standby can take over: never two active', async () => {
  const clock = { now: 1_000_000 };
  const lease = new MemoryLease(clock);
  const a = node('a', lease, clock);
  const b = node('b', lease, clock);
  await a.tick();
  await b.tick();
  // a is paused (no ticks); time passes in small steps; at every instant at most one serves.
  let takeoverAt: number | undefined;
  for (let t = 0; t < 8000; t += 100) {
    clock.now += 100;
    if (t % 1000 === 0) await b.tick();
    const both = a.isActive() && b.isActive();
    assert.equal(both, false, `two active nodes at +${t} ms`);
    if (b.isActive() && takeoverAt === undefined) takeoverAt = t;
  }
  assert.ok(takeoverAt !== undefined, 'the standby took over');
  // a resumes: it serves nothing (its deadline passed) and becomes standby at its next tick.
  assert.equal(a.isActive(), false);
  await a.tick();
  assert.equal(a.currentRole, 'standby');
  assert.equal(lease.state.holder, 'b');
});

test('demote hands the lease over; stop releases it', async () => {
  const clock = { now: 1_000_000 };
  const lease = new MemoryLease(clock);
  const a = node('a', lease, clock);
  const b = node('b', lease, clock);
  await a.tick();
  await a.demote();
  assert.equal(a.isActive(), false);
  await b.tick();
  assert.equal(b.isActive(), true);
  await a.tick();
  assert.equal(a.currentRole, 'standby', 'held off after a demotion');
  await b.stop();
  assert.equal(lease.state.holder, null);
});

test('the lease must be renewed at least twice per period', () => {
  assert.throws(() => new Leadership({ node: 'x', lease: new MemoryLease({ now: 0 }), ttlMs: 1000, renewMs: 600, graceMs: 0, log: () => undefined }));
});

test('demote leaves the node standby even when SSODB refuses the release; the unreleased lease expires and another node takes over', async () => {
  const clock = { now: 1_000_000 };
  const lease = new MemoryLease(clock);
  const refused = new Error('refused');
  lease.releaseLease = async () => Promise.reject(refused);
  const a = node('a', lease, clock);
  const b = node('b', lease, clock);
  await a.tick();
  assert.equal(a.isActive(), true);
  await assert.rejects(a.demote(), (err) => err === refused, 'the refusal is not hidden from the caller');
  assert.equal(a.currentRole, 'standby');
  assert.equal(a.isActive(), false);
  // Held off: a does not renew the lease it could not release, so it expires and b takes over.
  clock.now += 3000 + 500 + 1;
  await a.tick();
  await b.tick();
  assert.equal(a.currentRole, 'standby');
  assert.equal(b.isActive(), true);
});

test('a lease check failing every period is logged once by its code (never the store\'s text), and again only once it changed', async () => {
  const clock = { now: 1_000_000 };
  const lease = new MemoryLease(clock);
  const logs: string[] = [];
  const a = new Leadership({ node: 'a', lease, ttlMs: 3000, renewMs: 1000, graceMs: 500, log: (m) => logs.push(m), now: () => clock.now });
  await a.tick();
  const acquire = lease.acquireLease.bind(lease);
  lease.acquireLease = async () => Promise.reject(Object.assign(new Error('SQL Server said: value 42 in row'), { code: 'ENTSSO_E_SSODB_UNREACHABLE' }));
  for (let i = 0; i < 10; i++) {
    clock.now += 1000;
    await a.tick();
  }
  const failing = logs.filter((l) => /cannot check its lease/.test(l));
  assert.equal(failing.length, 1, logs.join('\n'));
  assert.match(failing[0]!, /\(ENTSSO_E_SSODB_UNREACHABLE\)/);
  assert.ok(!logs.some((l) => l.includes('value 42')), 'the store\'s text is not logged');
  assert.equal(a.currentRole, 'standby', 'stopped serving at its deadline');
  lease.acquireLease = acquire;
  clock.now += 1000;
  await a.tick();
  assert.ok(logs.some((l) => /can check its lease in SSODB again/.test(l)), logs.join('\n'));
  lease.acquireLease = async () => Promise.reject(Object.assign(new Error('again'), { code: 'ENTSSO_E_SSODB_UNREACHABLE' }));
  clock.now += 1000;
  await a.tick();
  assert.equal(logs.filter((l) => /cannot check its lease/.test(l)).length, 2, 'a new episode is logged');
});
