/**
 * A highly available master secret server with real processes on loopback: three MSS nodes and
 * two SSO services on one embedded SSODB. Failover by the SSODB lease, no human in the loop.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import * as net from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { SsoClient } from '../../src/ssoClient/client';
import { SsoError } from '../../src/protocol/errors';
import type { MssNodesReport } from '../../src/protocol/messages';
import { readToken } from '../../src/ssoService/environment';
import { type Daemon, TestEnvironment, askMssForSecrets, serviceCertificate, waitForState, waitUntil } from './harness';

const LEASE_TTL_MS = 2000;
/** The timing the serve flag derives from the TTL (renew = TTL/5, grace = renew). */
const RENEW_MS = LEASE_TTL_MS / 5;
const GRACE_MS = RENEW_MS;
const SYNC_S = 2;

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

/** Asks one node directly, as a service would, for the secrets. */
function askNode(t: TestEnvironment, port: number): Promise<'answered' | 'refused'> {
  return askMssForSecrets(t.env, { port, cert: serviceCertificate(t.env) });
}

describe('highly available master secret server: 3 nodes, 2 services', () => {
  let t: TestEnvironment;
  const nodes: Array<{ port: number; daemon: Daemon }> = [];
  let service2: Daemon;
  let c1: SsoClient;
  let c2: SsoClient;

  const nodeArgs = (port: number, i: number) =>
    i === 0 ? ['--lease-ttl-ms', String(LEASE_TTL_MS), '--reencrypt-batch', '20'] : ['--mss-port', String(port), '--vault-dir', join(t.dir, `mss-${i + 1}`), '--lease-ttl-ms', String(LEASE_TTL_MS), '--reencrypt-batch', '20'];

  async function startNode(i: number): Promise<void> {
    const daemon = t.spawnRole('mss', nodeArgs(nodes[i]!.port, i));
    nodes[i]!.daemon = daemon;
    await daemon.waitForLog(/ssod\[\d+\] ready$/);
  }

  async function report(): Promise<MssNodesReport> {
    return c1.request('mss.nodes', {});
  }

  function activeIndex(r: MssNodesReport): number {
    return nodes.findIndex((n) => r.lease.holder === `127.0.0.1:${n.port}` && r.nodes.some((x) => x.name === r.lease.holder && x.holdsLease));
  }

  before(async () => {
    t = TestEnvironment.create({ syncIntervalSeconds: SYNC_S });
    nodes.push({ port: t.env.config.mss.port, daemon: undefined as unknown as Daemon }, { port: await freePort(), daemon: undefined as unknown as Daemon }, { port: await freePort(), daemon: undefined as unknown as Daemon });
    await startNode(0);
    await startNode(1);
    await startNode(2);
    await t.startService();
    service2 = t.spawnRole('service', ['--socket', join(t.dir, 'run', 'ssod-2.sock')]);
    await service2.waitForLog(/ssod\[\d+\] ready$/);
    c1 = await t.client();
    c2 = new SsoClient({ socketPath: join(t.dir, 'run', 'ssod-2.sock'), token: readToken(t.env), clientName: 'ha-2', reconnect: true, requestTimeoutMs: 10_000 });
    t.clients.push(c2);
    await c2.connect();
    await c1.request('apps.create', { name: 'HA.App', kind: 'configStore', fields: [{ label: 'A', masked: false }, { label: 'B', masked: true }] });
    // Standbys receive the secret from the active node over mutual TLS.
    await waitUntil(() => existsSync(join(t.dir, 'mss-2', 'secrets.vault')) && existsSync(join(t.dir, 'mss-3', 'secrets.vault')), 15_000, () => 'standbys did not receive the secret');
    await waitUntil(async () => (await report()).nodes.length === 3, 10_000, () => 'three nodes recorded');
  });
  after(async () => t.dispose());

  /**
   * A failed wait after a kill, with where the time went: every daemon's log since the kill (each
   * line starts with its time: role changes, takeovers, the services' states), the lease now and
   * what service 1 last read. A failure seen once in CI said only "service 1 ready", and nothing
   * else could tell whether the publication or the services' syncs were late.
   */
  async function withTimeline(err: unknown, since: number): Promise<Error> {
    const from = new Date(since).toISOString();
    const named = [...nodes.map((n, i) => ({ who: `node ${i}`, daemon: n.daemon })), { who: 'service 1', daemon: t.service! }, { who: 'service 2', daemon: service2 }];
    const lines = named.flatMap(({ who, daemon }) => daemon.log.filter((l) => l.slice(0, 24) >= from).map((l) => `${l.slice(0, 24)} ${who}: ${l.slice(25)}`));
    const lease = await report().then((r) => r.lease.holder, (e: unknown) => String(e));
    const s1 = await c1.request('status', {}).then(({ state, mssName, lastSyncAt, unreachableSince }) => JSON.stringify({ state, mssName, lastSyncAt, unreachableSince }), (e: unknown) => String(e));
    const timeline = [...lines.sort().slice(-100), `${new Date().toISOString()} lease holder ${lease}; service 1 status ${s1}`];
    const ports = nodes.map((n, i) => `node ${i} = 127.0.0.1:${n.port}`).join(', ');
    return new Error(`${err instanceof Error ? err.message : String(err)}\nsince the SIGKILL at ${from} (${ports}):\n${timeline.join('\n')}`);
  }

  test('exactly one node is active; standbys refuse to serve', async () => {
    const r = await report();
    assert.equal(r.nodes.filter((n) => n.holdsLease).length, 1);
    const active = activeIndex(r);
    assert.ok(active >= 0);
    for (let i = 0; i < nodes.length; i++) {
      assert.equal(await askNode(t, nodes[i]!.port), i === active ? 'answered' : 'refused', `node ${i}`);
    }
  });

  test('SIGKILL the active node: a standby takes over within lease expiry + one renewal; both services ready within one sync interval; no write lost', async () => {
    const before = await report();
    const old = activeIndex(before);
    const acknowledged = new Map<string, string>();
    const refusals: string[] = [];
    let stop = false;
    let n = 0;
    const writer = (async () => {
      while (!stop) {
        const id = `w-${n % 10}`;
        try {
          const current = await c1.request('config.get', { application: 'HA.App', identifier: id }).catch(() => undefined);
          await c1.request('config.set', { application: 'HA.App', identifier: id, fields: { A: `v${n}`, B: `s${n}` }, expectedTimestamp: current?.timestamp ?? null });
          acknowledged.set(id, `v${n}`);
        } catch (err) {
          refusals.push(err instanceof SsoError ? err.code : String(err));
        }
        n++;
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    // The writer stops whatever happens: a failed wait left it writing, and the file then hung until its 300 s timeout.
    let takeoverMs: number;
    let readyMs: number;
    let killedAt: number | undefined;
    try {
      await waitUntil(() => acknowledged.size >= 3, 10_000, () => 'writes before the kill');

      killedAt = Date.now();
      await nodes[old]!.daemon.kill('SIGKILL');
      await waitUntil(async () => {
        const r = await report();
        const a = activeIndex(r);
        return a >= 0 && a !== old;
      }, LEASE_TTL_MS + RENEW_MS + GRACE_MS + 3000, () => 'no takeover');
      takeoverMs = Date.now() - killedAt;
      assert.ok(takeoverMs <= LEASE_TTL_MS + RENEW_MS + GRACE_MS + 1500, `takeover took ${takeoverMs} ms`);
      const tookOverAt = Date.now();
      await waitForState(c1, 'ready', SYNC_S * 1000 + 1000).catch(async () => waitUntil(async () => (await c1.request('status', {})).state === 'ready', SYNC_S * 1000 + 1000, () => 'service 1 ready'));
      await waitUntil(async () => (await c2.request('status', {})).state === 'ready', SYNC_S * 1000 + 1000, () => 'service 2 ready');
      readyMs = Date.now() - tookOverAt;
    } catch (err) {
      throw killedAt === undefined ? err : await withTimeline(err, killedAt);
    } finally {
      stop = true;
      await writer;
    }

    assert.ok(refusals.every((code) => code === 'ENTSSO_E_NO_SECRET' || code === 'ENTSSO_E_CONFLICT'), `only documented refusals: ${[...new Set(refusals)].join(', ')}`);
    for (const [id, value] of acknowledged) {
      const doc = await c2.request('config.get', { application: 'HA.App', identifier: id });
      assert.equal(doc.fields.A, value, `${id}: acknowledged write present (read through the other service)`);
    }
    console.log(`# failover: takeover ${takeoverMs} ms after SIGKILL, services ready ${readyMs} ms later, ${acknowledged.size} configurations checked, 0 lost`);
    await startNode(old); // rejoins as standby
    await waitUntil(async () => (await report()).nodes.find((x) => x.name === `127.0.0.1:${nodes[old]!.port}`)?.role === 'standby', 10_000, () => 'restarted node is standby');
  });

  test('SIGSTOP the active node past its lease: a standby takes over; after SIGCONT the old node serves nothing and rejoins as standby', async () => {
    const old = activeIndex(await report());
    nodes[old]!.daemon.signal('SIGSTOP');
    try {
      await waitUntil(async () => {
        const a = activeIndex(await report());
        return a >= 0 && a !== old;
      }, LEASE_TTL_MS + RENEW_MS + GRACE_MS + 3000, () => 'no takeover from a paused node');
    } finally {
      nodes[old]!.daemon.signal('SIGCONT');
    }
    // The first thing the resumed node is asked: it must refuse, its lease having expired.
    assert.equal(await askNode(t, nodes[old]!.port), 'refused', 'a node past its lease serves nothing');
    await waitUntil(async () => (await report()).nodes.find((x) => x.name === `127.0.0.1:${nodes[old]!.port}`)?.role === 'standby', 10_000, () => 'old node rejoined as standby');
    const r = await report();
    assert.equal(r.nodes.filter((x) => x.holdsLease).length, 1, 'never two active');
    await waitUntil(async () => (await c1.request('status', {})).state === 'ready', SYNC_S * 1000 + 2000, () => 'service ready');
  });

  test('a rotation interrupted by killing the active node completes on the new one; every row decrypts', async () => {
    for (let i = 0; i < 600; i++) {
      await c1.request('config.set', { application: 'HA.App', identifier: `rot-${i}`, fields: { A: `a${i}`, B: `b${i}` }, expectedTimestamp: null });
    }
    const backup = join(t.dir, '..', 'ha-rotation.backup');
    const gen = t.ssoctl(['secret', 'generate', '--file', backup, '--password-stdin', '--json'], 'correct horse battery staple 42\n');
    assert.equal(gen.code, 0, gen.stderr);
    const newMsid = JSON.parse(gen.stdout).msid as string;
    await waitUntil(() => (c1.state?.reencrypt?.done ?? 0) > 0, 10_000, () => 're-encryption started');
    const old = activeIndex(await report());
    await nodes[old]!.daemon.kill('SIGKILL');
    await waitUntil(async () => {
      const a = activeIndex(await report());
      return a >= 0 && a !== old;
    }, LEASE_TTL_MS + RENEW_MS + GRACE_MS + 3000, () => 'takeover during rotation');
    await waitUntil(async () => {
      const s = await c1.request('status', {});
      return s.state === 'ready' && s.msid === newMsid;
    }, 60_000, () => 'rotation finished on the new node');
    const { openStore } = await import('../../src/ssoService/ssodb/openStore');
    const store = await openStore({ kind: 'sqlite', file: t.ssodbFile });
    try {
      assert.equal(await store.countRowsNotUnder(newMsid), 0, 'every row under the new secret');
    } finally {
      await store.close();
    }
    for (let i = 0; i < 600; i += 37) {
      const doc = await c2.request('config.get', { application: 'HA.App', identifier: `rot-${i}`, reveal: true });
      assert.deepEqual(doc.fields, { A: `a${i}`, B: `b${i}` });
    }
  });
});

describe('an extra MSS node started with --mss-port 0', () => {
  let t: TestEnvironment;
  after(async () => t?.dispose());

  test('publishes the port it is bound to, so services find it after a failover', async () => {
    t = TestEnvironment.create({ syncIntervalSeconds: 1 });
    const lease = ['--lease-ttl-ms', String(LEASE_TTL_MS)];
    const first = await t.startMss(lease);
    const extra = t.spawnRole('mss', ['--mss-port', '0', '--vault-dir', join(t.dir, 'mss-extra'), ...lease]);
    await extra.waitForLog(/ssod\[\d+\] ready$/);
    await t.startService();
    const c = await t.client();
    await waitUntil(() => existsSync(join(t.dir, 'mss-extra', 'secrets.vault')), 15_000, () => 'the extra node received the secret');
    const names = (await c.request('mss.nodes', {})).nodes.map((n) => n.name);
    assert.ok(!names.some((n) => n.endsWith(':0')), `no node published as port 0: ${names.join(', ')}`);

    await first.kill('SIGKILL');
    await waitUntil(async () => {
      const s = await c.request('status', {});
      return s.state === 'ready' && s.mssName !== `127.0.0.1:${t.env.config.mss.port}`;
    }, LEASE_TTL_MS + RENEW_MS + GRACE_MS + 5000, () => 'the service recovered through the extra node');
    const status = await c.request('status', {});
    assert.match(status.mssName, /^127\.0\.0\.1:[1-9]\d*$/);
  });
});
