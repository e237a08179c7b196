/**
 * Bounds before authentication, with real processes: anyone who can open the service socket or
 * reach the MSS TCP port gets a small frame, a short time and a share of a fixed number of
 * connections before hello (or the TLS handshake) succeeds. Idle, slow and memory-hungry
 * connections are closed, the daemons' memory stays bounded, and legitimate clients still
 * connect while the flood goes on.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as net from 'node:net';
import { after, before, describe, test } from 'node:test';
import { MAX_FRAME_BYTES } from '../../src/protocol/messages';
import { MSS_HANDSHAKE_TIMEOUT_MS, MSS_MAX_PENDING_HANDSHAKES } from '../../src/ssoService/mss/mssServer';
import { HELLO_TIMEOUT_MS, MAX_UNAUTHENTICATED_CONNECTIONS } from '../../src/ssoService/rpc/rpcServer';
import { type Daemon, TestEnvironment, askMssForSecrets, serviceCertificate, waitUntil } from '../integration/harness';

const IDLE_CONNECTIONS = 200;
const HUNGRY_CONNECTIONS = 100;
/** What the service may grow by while 100 peers each try to make it buffer almost 4 MiB. */
const RSS_GROWTH_BOUND_MB = 64;

function rssMb(d: Daemon): number {
  const status = readFileSync(`/proc/${d.child.pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]) / 1024;
}

/** Open connections that the test counts as they are closed by the other side. */
class Flood {
  readonly sockets: net.Socket[] = [];
  closed = 0;

  add(socket: net.Socket): net.Socket {
    this.sockets.push(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => this.closed++);
    return socket;
  }

  async opened(): Promise<void> {
    await Promise.all(this.sockets.map((s) => (s.connecting ? new Promise((r) => s.once('connect', r).once('close', r)) : undefined)));
  }

  destroy(): void {
    for (const s of this.sockets) s.destroy();
  }
}

describe('bounds before authentication (real service and MSS processes)', () => {
  let t: TestEnvironment;
  const floods: Flood[] = [];

  before(async () => {
    t = await TestEnvironment.started();
  });
  after(async () => {
    for (const f of floods) f.destroy();
    await t.dispose();
  });

  test(`${IDLE_CONNECTIONS} idle and 5 slow connections without hello are closed; a client that says hello connects meanwhile`, async () => {
    const flood = new Flood();
    floods.push(flood);
    const socketPath = t.env.config.socketPath;
    for (let i = 0; i < IDLE_CONNECTIONS; i++) flood.add(net.createConnection(socketPath));
    const hello = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'hello', params: { token: 'x'.repeat(43), protocolVersion: 1, client: 'slow' } }) + '\n';
    const trickles: NodeJS.Timeout[] = [];
    for (let i = 0; i < 5; i++) {
      const s = flood.add(net.createConnection(socketPath));
      let sent = 0;
      trickles.push(setInterval(() => !s.destroyed && s.write(hello[sent++ % hello.length]!), 200));
    }
    await flood.opened();
    const started = Date.now();
    await waitUntil(() => flood.closed >= IDLE_CONNECTIONS + 5 - MAX_UNAUTHENTICATED_CONNECTIONS, 5000, () => `only ${flood.closed} closed beyond the limit`);

    const client = await t.client();
    assert.equal((await client.request('status', {})).state, 'ready', 'a legitimate client is served during the flood');
    client.close();

    await waitUntil(() => flood.closed === IDLE_CONNECTIONS + 5, HELLO_TIMEOUT_MS + 3000, () => `${flood.closed} of ${IDLE_CONNECTIONS + 5} closed`);
    for (const timer of trickles) clearInterval(timer);
    const closedAfterMs = Date.now() - started;
    assert.ok(closedAfterMs < HELLO_TIMEOUT_MS + 3000, `all closed after ${closedAfterMs} ms`);
    assert.ok(t.service!.running);
    console.log(`# ${IDLE_CONNECTIONS} idle + 5 slow connections: all closed within ${closedAfterMs} ms; the legitimate client was served meanwhile`);
  });

  test(`${HUNGRY_CONNECTIONS} connections each sending an almost 4 MiB frame without hello: service memory grows < ${RSS_GROWTH_BOUND_MB} MB`, async () => {
    const flood = new Flood();
    floods.push(flood);
    const before = rssMb(t.service!);
    let peak = before;
    const sampler = setInterval(() => (peak = Math.max(peak, rssMb(t.service!))), 50);
    const frame = Buffer.alloc(MAX_FRAME_BYTES - 1024, 'a'.charCodeAt(0));
    for (let i = 0; i < HUNGRY_CONNECTIONS; i++) {
      const s = flood.add(net.createConnection(t.env.config.socketPath));
      s.once('connect', () => s.write(frame));
    }
    const client = await t.client();
    assert.equal((await client.request('status', {})).state, 'ready', 'a legitimate client is served during the flood');
    client.close();
    await waitUntil(() => flood.closed === HUNGRY_CONNECTIONS, HELLO_TIMEOUT_MS + 5000, () => `${flood.closed} of ${HUNGRY_CONNECTIONS} closed`);
    clearInterval(sampler);
    peak = Math.max(peak, rssMb(t.service!));
    console.log(`# service RSS ${before.toFixed(0)} MB before, peak ${peak.toFixed(0)} MB while ${HUNGRY_CONNECTIONS} peers sent ${((HUNGRY_CONNECTIONS * frame.length) / 2 ** 20).toFixed(0)} MiB without hello`);
    assert.ok(peak - before < RSS_GROWTH_BOUND_MB, `service RSS grew from ${before.toFixed(0)} to ${peak.toFixed(0)} MB`);
    assert.ok(t.service!.running);
  });

  test('an authenticated client that never reads its replies is dropped, not buffered without end', async () => {
    const socket = net.createConnection(t.env.config.socketPath);
    await new Promise((r) => socket.once('connect', r));
    let closed = false;
    socket.on('close', () => (closed = true));
    socket.on('error', () => undefined);
    const token = readFileSync(t.env.paths.token, 'utf8').trim();
    socket.write(JSON.stringify({ jsonrpc: '2.0', id: 0, method: 'hello', params: { token, protocolVersion: 1, client: 'no-reader' } }) + '\n');
    socket.pause(); // never reads again
    const request = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'status', params: {} }) + '\n';
    const before = rssMb(t.service!);
    // 60,000 status replies are about 40 MB: past the bound, however much the kernel buffers.
    for (let i = 0; i < 60; i++) socket.write(request.repeat(1000));
    await waitUntil(() => closed, 30_000, () => 'the service kept the connection of a client that reads nothing');
    assert.ok(t.service!.log.some((l) => /does not read its replies/.test(l)));
    const after = rssMb(t.service!);
    console.log(`# a client that never reads: dropped; service RSS ${before.toFixed(0)} → ${after.toFixed(0)} MB`);
    assert.ok(t.service!.running);
  });

  test('the MSS port: 300 connections that never start TLS are closed; a service still gets the secret meanwhile', async () => {
    const flood = new Flood();
    floods.push(flood);
    const { host, port } = t.env.config.mss;
    const count = 300;
    for (let i = 0; i < count; i++) flood.add(net.createConnection({ host, port }));
    await flood.opened();
    const started = Date.now();
    await waitUntil(() => flood.closed >= count - MSS_MAX_PENDING_HANDSHAKES, 5000, () => `only ${flood.closed} of ${count} closed beyond the limit`);
    assert.equal(await askMssForSecrets(t.env, { cert: serviceCertificate(t.env) }), 'answered', 'a service with its certificate is served during the flood');
    await waitUntil(() => flood.closed === count, MSS_HANDSHAKE_TIMEOUT_MS + 3000, () => `${flood.closed} of ${count} closed`);
    const closedAfterMs = Date.now() - started;
    console.log(`# ${count} connections without a TLS hello: all closed within ${closedAfterMs} ms (handshake timeout ${MSS_HANDSHAKE_TIMEOUT_MS} ms); a service was answered meanwhile`);
    assert.ok(t.mss!.running);
    const refusalLines = t.mss!.log.filter((l) => /refused a TLS client|unfinished TLS handshakes/.test(l)).length;
    assert.ok(refusalLines <= 4, `the refusals are logged a bounded number of times (${refusalLines} lines)`);
  });
});
