/**
 * A request larger than MAX_FRAME_BYTES is refused by SsoClient before it is written: the service
 * closes a connection that sends such a frame (rpcServer's closeAfterOversizedFrame), which the
 * user saw as "connection lost", a status bar flip and every open document read-only for a moment.
 * Against a real Unix socket served by a minimal line server that closes the socket on a frame over
 * the limit, as the service does, and answers `hello` and `apps.get`.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { FrameTooLargeError, LineDecoder } from '../../../src/protocol/jsonLines';
import { MAX_FRAME_BYTES, PROTOCOL_VERSION } from '../../../src/protocol/messages';
import { SsoError } from '../../../src/protocol/errors';
import { SsoClient } from '../../../src/ssoClient/client';

let scratch: string;
let socketPath: string;
let server: net.Server;
let framesReceived = 0;

before(async () => {
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'oversized-request-'));
  socketPath = path.join(scratch, 'sso.sock');
  server = net.createServer((socket) => {
    const decoder = new LineDecoder((line) => {
      framesReceived++;
      const request = JSON.parse(line) as { id: number; method: string; params: { name?: string } };
      const result = request.method === 'hello' ? { protocolVersion: PROTOCOL_VERSION, serverVersion: 'test', state: { state: 'ready' } } : { name: request.params.name };
      socket.write(JSON.stringify({ jsonrpc: '2.0', id: request.id, result }) + '\n');
    }, MAX_FRAME_BYTES);
    socket.on('data', (data) => {
      try {
        decoder.push(data);
      } catch (err) {
        if (!(err instanceof FrameTooLargeError)) throw err;
        socket.destroy();
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

test('a 5 MB request is refused with ENTSSO_E_INVALID_REQUEST before it is sent; the connection stays up', async () => {
  const client = new SsoClient({ socketPath, token: 'test-token', clientName: 'test', reconnect: true, reconnectDelayMs: 50 });
  await client.connect();
  const statuses: string[] = [];
  client.on('connection', (status: string) => statuses.push(status));
  try {
    const before = framesReceived;
    const big = 'v'.repeat(5 * 1024 * 1024);
    await assert.rejects(
      client.request('config.set', { application: 'App', identifier: 'Id', fields: { Endpoint: big }, expectedTimestamp: null }),
      (err: unknown) => {
        assert.ok(err instanceof SsoError, String(err));
        assert.equal(err.code, 'ENTSSO_E_INVALID_REQUEST');
        assert.match(err.message, /^"config\.set" is too large to send \(\d+ bytes, limit 4194304\): nothing was sent\. Make it smaller\./);
        assert.ok(!err.message.includes('vvvv'), 'no value in the message');
        return true;
      },
    );
    // The next request goes over the same connection, and is the only frame the server saw since.
    assert.deepEqual(await client.request('apps.get', { name: 'after' }), { name: 'after' });
    assert.equal(framesReceived - before, 1);
    assert.deepEqual(statuses, [], 'no connection events');
    assert.equal(client.connectionStatus, 'connected');
  } finally {
    client.close();
  }
});

test('a request just under the limit is sent', async () => {
  const client = new SsoClient({ socketPath, token: 'test-token', clientName: 'test' });
  await client.connect();
  try {
    const envelope = JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'apps.get', params: { name: '' } });
    const name = 'n'.repeat(MAX_FRAME_BYTES - envelope.length);
    assert.equal(((await client.request('apps.get', { name })) as { name: string }).name.length, name.length);
  } finally {
    client.close();
  }
});
