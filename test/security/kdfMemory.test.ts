/**
 * Finding 7 of issue 14: each password-protected file may ask for up to 1 GiB of scrypt memory
 * (as designed), but several crafted files opened at once used to add up (4.2 GB for four).
 * Real processes: crafted export files whose header asks for the maximum cost, sent through
 * the SSO service at the same time; the service's peak RSS (VmHWM) must stay near one derivation.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { SsoError } from '../../src/protocol/errors';
import { KdfMemoryGate, SCRYPT_LIMITS } from '../../src/ssoService/crypto/passwordKdf';
import { TestEnvironment } from '../integration/harness';

const MAX_COST = { N: 2 ** 20, r: 8, p: 1 }; // 128 * N * r = 1 GiB, the most a header may ask
const CONCURRENT_FILES = 3;

/** An export whose header is well formed and asks for the maximum cost; its body is noise. */
function craftedExport(): string {
  const header = {
    format: 'entsso-export',
    version: 1,
    created: new Date().toISOString(),
    environment: 'crafted',
    reminder: '',
    kdf: { name: 'scrypt', ...MAX_COST, salt: randomBytes(16).toString('base64') },
    cipher: 'aes-256-gcm',
    iv: randomBytes(12).toString('base64'),
    passwordCheck: randomBytes(16).toString('base64'),
  };
  const file = `${JSON.stringify(header)}\n${randomBytes(64).toString('base64')}\n`;
  return Buffer.from(file, 'utf8').toString('base64');
}

function peakRssBytes(pid: number): number {
  const kb = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!kb) throw new Error('VmHWM not found');
  return Number(kb[1]) * 1024;
}

describe('password key derivations are bounded per process', { skip: process.platform !== 'linux' ? 'reads /proc/<pid>/status (Linux only)' : false }, () => {
  let t: TestEnvironment;
  before(async () => {
    t = await TestEnvironment.started();
  });
  after(async () => t?.dispose());

  it(`${CONCURRENT_FILES} crafted 1 GiB headers at once: the service's peak RSS stays near one derivation`, async () => {
    // The derivations run one after the other (that is the point): the last answer comes after all of them.
    const clients = await Promise.all(Array.from({ length: CONCURRENT_FILES }, () => t.client({ requestTimeoutMs: 120_000 })));
    const pid = t.service!.child.pid!;
    const before = peakRssBytes(pid);
    const started = Date.now();
    const outcomes = await Promise.all(
      clients.map((c) =>
        c.request('apps.planImport', { file: craftedExport(), format: 'entsso', password: 'Not-the-password-42', mode: 'add' }).then(
          () => 'opened',
          (e: unknown) => (e instanceof SsoError ? e.code : String(e)),
        ),
      ),
    );
    const seconds = (Date.now() - started) / 1000;
    const peak = peakRssBytes(pid);
    const mb = (n: number) => Math.round(n / 1024 / 1024);
    console.log(`# ${CONCURRENT_FILES} derivations of 1 GiB in ${seconds.toFixed(1)} s; service peak RSS ${mb(before)} -> ${mb(peak)} MB`);
    // A wrong password for each: every file was derived (no refusal before the work), none opened.
    assert.deepEqual(outcomes, Array(CONCURRENT_FILES).fill('ENTSSO_E_BAD_PASSWORD'));
    // One derivation of 1 GiB plus the service itself; two at once would be over 2 GiB.
    assert.ok(peak < SCRYPT_LIMITS.maxMemoryBytes + before + 300 * 1024 * 1024, `peak RSS ${mb(peak)} MB`);
    // The service still answers at once afterwards.
    assert.ok((await clients[0]!.request('status', {})).state);
  });
});

describe('KdfMemoryGate', () => {
  it('runs derivations side by side while they fit, queues the rest in order, refuses past the queue', async () => {
    const gate = new KdfMemoryGate(100, 2);
    const first = await gate.acquire(60);
    const second = await gate.acquire(40); // fits: 100
    const order: string[] = [];
    const third = gate.acquire(50).then((release) => (order.push('third'), release));
    const fourth = gate.acquire(10).then((release) => (order.push('fourth'), release)); // fits, but never overtakes the third
    await assert.rejects(gate.acquire(1), (e: unknown) => e instanceof SsoError && e.code === 'ENTSSO_E_BUSY' && /Try again/.test(e.message));
    assert.deepEqual(gate.stats, { inUseBytes: 100, waiting: 2 });
    first();
    first(); // a second release gives nothing back twice
    const releaseThird = await third;
    const releaseFourth = await fourth;
    assert.deepEqual(order, ['third', 'fourth']);
    assert.deepEqual(gate.stats, { inUseBytes: 100, waiting: 0 });
    second();
    releaseThird();
    releaseFourth();
    assert.deepEqual(gate.stats, { inUseBytes: 0, waiting: 0 });
  });

  it('a request larger than the budget runs alone instead of never', async () => {
    const gate = new KdfMemoryGate(100, 1);
    const huge = await gate.acquire(500);
    assert.deepEqual(gate.stats, { inUseBytes: 100, waiting: 0 });
    huge();
  });
});
