/**
 * close() called while connect() is still opening the transport found nothing to close, and the
 * attempt went on: `hello` was sent, the client said "connected" and the socket stayed open
 * (found by review). Against a real Unix socket served by a minimal line server answering `hello`.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import type { ConnectionStatus } from '../../../src/ssoClient/client';
import { PROTOCOL_VERSION } from '../../../src/protocol/messages';
import { SsoError } from '../../../src/protocol/errors';
import { SsoClient } from '../../../src/ssoClient/client';

test('close() while connect() is under way: connect rejects, nothing stays open, no reconnect, no error shown', async (t) => {
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'close-during-connect-'));
  const socketPath = path.join(scratch, 'sso.sock');
  const open = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    open.add(socket);
    socket.on('close', () => open.delete(socket));
    socket.on('data', (data) => {
      const request = JSON.parse(data.toString('utf8').split('\n')[0] as string) as { id: number };
      socket.write(`${JSON.stringify({ jsonrpc: '2.0', id: request.id, result: { protocolVersion: PROTOCOL_VERSION, serverVersion: 'test', state: { state: 'ready' } } })}\n`);
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
  const errorsShown: SsoError[] = [];
  client.on('connection', (_status: ConnectionStatus, error?: SsoError) => {
    if (error) errorsShown.push(error);
  });

  const connecting = client.connect().then(
    () => 'connected',
    (error: unknown) => (error instanceof SsoError ? error.code : String(error)),
  );
  client.close();
  assert.equal(await connecting, 'ENTSSO_E_NOT_CONNECTED');
  await new Promise((resolve) => setTimeout(resolve, 150)); // several reconnect delays
  assert.equal(client.connectionStatus, 'disconnected');
  assert.equal(open.size, 0, 'a connection to the service is still open after close()');
  assert.deepEqual(errorsShown, [], 'a close the user asked for was reported as a connection error');
});
