/**
 * close() called while connect() is still opening the transport found nothing to close, and the
 * attempt went on: `hello` was sent, the client said "connected" and the socket stayed open; with a
 * connect() after that close(), both attempts connected and one socket was left untracked (found by
 * review). Against a real Unix socket served by a minimal line server answering `hello`.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { type TestContext, test } from 'node:test';
import type { ConnectionStatus } from '../../../src/ssoClient/client';
import { PROTOCOL_VERSION } from '../../../src/protocol/messages';
import { SsoError } from '../../../src/protocol/errors';
import { SsoClient } from '../../../src/ssoClient/client';

/** A line server answering every request as `hello`; `open` holds its connections still open. */
async function helloServer(t: TestContext): Promise<{ socketPath: string; open: Set<net.Socket>; client: SsoClient }> {
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'close-during-connect-'));
  const socketPath = path.join(scratch, 'sso.sock');
  const open = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    open.add(socket);
    socket.on('close', () => open.delete(socket));
    socket.on('data', (data) => {
      for (const line of data.toString('utf8').split('\n').filter(Boolean)) {
        const request = JSON.parse(line) as { id: number };
        socket.write(`${JSON.stringify({ jsonrpc: '2.0', id: request.id, result: { protocolVersion: PROTOCOL_VERSION, serverVersion: 'test', state: { state: 'ready' } } })}\n`);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
  const client = new SsoClient({ socketPath, token: 't', clientName: 'test', requestTimeoutMs: 2_000, reconnect: true, reconnectDelayMs: 20 });
  t.after(async () => {
    client.close();
    for (const socket of open) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
    fs.rmSync(scratch, { recursive: true, force: true });
  });
  return { socketPath, open, client };
}

const outcomeOf = (connecting: Promise<unknown>) =>
  connecting.then(
    () => 'connected',
    (error: unknown) => (error instanceof SsoError ? error.code : String(error)),
  );

test('close() while connect() is under way: connect rejects, nothing stays open, no reconnect, no error shown', async (t) => {
  const { open, client } = await helloServer(t);
  const errorsShown: SsoError[] = [];
  client.on('connection', (_status: ConnectionStatus, error?: SsoError) => {
    if (error) errorsShown.push(error);
  });
  const connecting = outcomeOf(client.connect());
  client.close();
  assert.equal(await connecting, 'ENTSSO_E_NOT_CONNECTED');
  await new Promise((resolve) => setTimeout(resolve, 150)); // several reconnect delays
  assert.equal(client.connectionStatus, 'disconnected');
  assert.equal(open.size, 0, 'a connection to the service is still open after close()');
  assert.deepEqual(errorsShown, [], 'a close the user asked for was reported as a connection error');
});

test('close() then connect() while the first attempt is still opening: the first gives up, one connection stays open', async (t) => {
  const { open, client } = await helloServer(t);
  const first = outcomeOf(client.connect());
  client.close();
  const second = outcomeOf(client.connect());
  assert.equal(await first, 'ENTSSO_E_NOT_CONNECTED');
  assert.equal(await second, 'connected');
  await new Promise((resolve) => setTimeout(resolve, 150));
  assert.equal(open.size, 1, 'the first attempt\'s connection was left open, untracked');
  assert.equal(client.connectionStatus, 'connected');
  assert.ok(await client.request('status', {}), 'the connection kept is the one in use');
});
