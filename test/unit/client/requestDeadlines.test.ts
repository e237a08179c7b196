/**
 * SsoClient gives up a request the service does not answer in time (ENTSSO_E_TIMEOUT), each at its
 * own deadline, with one timer for all of them: a timer set and cleared per request was work on
 * every read's way out and back. Against a real Unix socket served by a minimal line server that
 * answers `hello` and whatever it is told to, and leaves the rest unanswered.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, mock, test } from 'node:test';
import { PROTOCOL_VERSION } from '../../../src/protocol/messages';
import { SsoError } from '../../../src/protocol/errors';
import { SsoClient } from '../../../src/ssoClient/client';

let scratch: string;
let socketPath: string;
let server: net.Server;

before(async () => {
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'request-deadlines-'));
  socketPath = path.join(scratch, 'sso.sock');
  server = net.createServer((socket) => {
    let buffered = '';
    socket.on('data', (data) => {
      buffered += data.toString('utf8');
      for (let nl = buffered.indexOf('\n'); nl !== -1; nl = buffered.indexOf('\n')) {
        const request = JSON.parse(buffered.slice(0, nl)) as { id: number; method: string; params: { name?: string } };
        buffered = buffered.slice(nl + 1);
        if (request.method === 'hello') {
          const state = { state: 'ready' };
          socket.write(JSON.stringify({ jsonrpc: '2.0', id: request.id, result: { protocolVersion: PROTOCOL_VERSION, serverVersion: 'test', state } }) + '\n');
        } else if (request.method === 'apps.get' && request.params.name !== 'unanswered') {
          socket.write(JSON.stringify({ jsonrpc: '2.0', id: request.id, result: { name: request.params.name } }) + '\n');
        }
      }
    });
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
});

after(async () => {
  await new Promise((resolve) => server.close(resolve));
  fs.rmSync(scratch, { recursive: true, force: true });
});

async function connected(requestTimeoutMs: number): Promise<SsoClient> {
  const client = new SsoClient({ socketPath, token: 'test-token', clientName: 'test', requestTimeoutMs });
  await client.connect();
  return client;
}

const timedOut = (error: unknown) => error instanceof SsoError && error.code === 'ENTSSO_E_TIMEOUT' && /did not answer "apps\.get"/.test(error.message);

test('an unanswered request is given up at its own deadline; requests answered meanwhile resolve', async () => {
  const client = await connected(300);
  try {
    const started = performance.now();
    const first = client.request('apps.get', { name: 'unanswered' }).then(
      () => assert.fail('answered'),
      (error: unknown) => {
        assert.ok(timedOut(error), String(error));
        return performance.now() - started;
      },
    );
    await new Promise((resolve) => setTimeout(resolve, 150));
    const second = client.request('apps.get', { name: 'unanswered' }).then(
      () => assert.fail('answered'),
      (error: unknown) => {
        assert.ok(timedOut(error), String(error));
        return performance.now() - started;
      },
    );
    assert.deepEqual(await client.request('apps.get', { name: 'answered' }), { name: 'answered' });
    const [firstAfter, secondAfter] = await Promise.all([first, second]);
    assert.ok(firstAfter >= 290, `the first gave up after ${firstAfter.toFixed(0)} ms, its timeout is 300 ms`);
    // Not with the first: at its own deadline, 150 ms later (a slow machine may only make it later).
    assert.ok(secondAfter >= 440, `the second (sent 150 ms later) gave up after ${secondAfter.toFixed(0)} ms, before its own deadline`);
  } finally {
    client.close();
  }
});

test('a stream of answered requests sets no timer per request', async () => {
  const client = await connected(30_000);
  const timers = mock.method(globalThis, 'setTimeout');
  try {
    for (let i = 0; i < 50; i++) assert.deepEqual(await client.request('apps.get', { name: `app ${i}` }), { name: `app ${i}` });
    assert.ok(timers.mock.callCount() <= 1, `${timers.mock.callCount()} timers set for 50 requests`);
  } finally {
    timers.mock.restore();
    client.close();
  }
});
