/**
 * SsoClient checks the states a server pushes before anyone reads them: a `null` or malformed
 * state used to reach ConnectionManager.onState, which threw on it (and the channel was closed).
 * It is ignored, and said once. Against a real Unix socket served by a minimal line server.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { PROTOCOL_VERSION, type ServiceState } from '../../../src/protocol/messages';
import { SsoClient } from '../../../src/ssoClient/client';

const READY: ServiceState = { state: 'ready', mssName: 'MSS01', canEncrypt: true, canDecrypt: true, message: 'Ready.', syncIntervalMs: 5000 };
const CACHED: ServiceState = { ...READY, state: 'cached', canEncrypt: false, message: 'Cached.' };
const MALFORMED: unknown[] = [null, 'ready', 42, [], {}, { ...READY, state: 'exploded' }, { ...READY, canEncrypt: 'yes' }, { ...READY, message: null }, { ...READY, reencrypt: { done: '1' } }];

let scratch: string;
let socketPath: string;
let server: net.Server;

before(async () => {
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'pushed-state-'));
  socketPath = path.join(scratch, 'sso.sock');
  server = net.createServer((socket) => {
    let buffered = '';
    socket.on('data', (data) => {
      buffered += data.toString('utf8');
      for (let nl = buffered.indexOf('\n'); nl !== -1; nl = buffered.indexOf('\n')) {
        const request = JSON.parse(buffered.slice(0, nl)) as { id: number; method: string };
        buffered = buffered.slice(nl + 1);
        if (request.method === 'hello') {
          socket.write(JSON.stringify({ jsonrpc: '2.0', id: request.id, result: { protocolVersion: PROTOCOL_VERSION, serverVersion: 'test', state: READY } }) + '\n');
        } else if (request.method === 'status') {
          for (const params of [...MALFORMED, CACHED]) socket.write(JSON.stringify({ jsonrpc: '2.0', method: 'state', params }) + '\n');
          socket.write(JSON.stringify({ jsonrpc: '2.0', id: request.id, result: CACHED }) + '\n');
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

test('a null or malformed pushed state is ignored and said once; valid ones still arrive', async () => {
  const warnings: string[] = [];
  const client = new SsoClient({ socketPath, token: 'test-token', clientName: 'test', onProtocolWarning: (m) => warnings.push(m) });
  const seen: ServiceState[] = [];
  client.on('state', (s) => seen.push(s));
  try {
    await client.connect();
    // The server pushes the states before it answers this request: they have all been read.
    await client.request('status', {});
    assert.deepEqual(
      seen.map((s) => s.state),
      ['ready', 'cached'],
    );
    assert.equal(client.state?.state, 'cached');
    assert.equal(client.connectionStatus, 'connected');
    assert.equal(warnings.length, 1, warnings.join('\n'));
    assert.match(warnings[0], /Ignored an invalid service state/);
  } finally {
    client.close();
  }
});
