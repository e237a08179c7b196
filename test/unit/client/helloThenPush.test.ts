/**
 * A state pushed right after the hello's answer, in the same chunk (the bridge's first poll ending
 * as it answers the hello): the push is newer, and the client used to apply the hello's older state
 * after it (the hello's continuation runs after the line loop), so the status stayed stale until the
 * next change. Against a real Unix socket served by a minimal line server.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { PROTOCOL_VERSION, type ServiceState } from '../../../src/protocol/messages';
import { SsoClient } from '../../../src/ssoClient/client';

const STILL_CHECKING: ServiceState = { state: 'cached', mssName: 'MSS01', canEncrypt: false, canDecrypt: true, message: 'Still checking.', syncIntervalMs: 5000 };
const READY: ServiceState = { ...STILL_CHECKING, state: 'ready', canEncrypt: true, message: 'Ready.' };

let scratch: string;
let socketPath: string;
let server: net.Server;

before(async () => {
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'hello-push-'));
  socketPath = path.join(scratch, 'sso.sock');
  server = net.createServer((socket) => {
    socket.once('data', (data) => {
      const request = JSON.parse(data.toString('utf8').split('\n')[0] as string) as { id: number };
      // One write: the hello's answer and, after it, the newer state.
      socket.write(
        JSON.stringify({ jsonrpc: '2.0', id: request.id, result: { protocolVersion: PROTOCOL_VERSION, serverVersion: 'test', state: STILL_CHECKING } }) +
          '\n' +
          JSON.stringify({ jsonrpc: '2.0', method: 'state', params: READY }) +
          '\n',
      );
    });
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
});

after(async () => {
  await new Promise((resolve) => server.close(resolve));
  fs.rmSync(scratch, { recursive: true, force: true });
});

test('a state pushed in the same chunk as the hello\'s answer is the one kept', async () => {
  const client = new SsoClient({ socketPath, token: 'test-token', clientName: 'test' });
  try {
    const connected = await client.connect();
    assert.equal(connected.state, 'ready', 'connect() returns the newest state');
    assert.equal(client.state?.state, 'ready', 'the client keeps the newest state');
  } finally {
    client.close();
  }
});
