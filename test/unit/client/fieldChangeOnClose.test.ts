/**
 * A field change through the ENTSSO bridge is many ENTSSO calls; killing the bridge half-way leaves
 * the application missing for BizTalk until some bridge finishes it (review 8, finding 3). So a
 * request sent with `finishOnClose` survives SsoClient.close(): the child process is not killed
 * before that request's deadline and its answer still arrives. Requests keep their own timeouts: a
 * long one sent first does not hold back a short one's. Against a child process (node) that answers
 * `hello` at once and `apps.addField` 2.5 s later, after its stdin was closed (the old grace: 2 s).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PROTOCOL_VERSION } from '../../../src/protocol/messages';
import { SsoError } from '../../../src/protocol/errors';
import { SsoClient } from '../../../src/ssoClient/client';

const CHILD = `
const out = (id, result) => process.stdout.write(JSON.stringify({ jsonrpc: '2.0', id, result }) + '\\n');
require('node:readline').createInterface({ input: process.stdin }).on('line', (line) => {
  const r = JSON.parse(line);
  if (r.method === 'hello') out(r.id, { protocolVersion: ${PROTOCOL_VERSION}, serverVersion: 'test child', state: { state: 'ready' }, backend: 'entsso-bridge' });
  else if (r.method === 'apps.addField') setTimeout(() => out(r.id, { name: r.params.name }), 2500);
});`;

function client(): SsoClient {
  return new SsoClient({ process: { command: process.execPath, args: ['-e', CHILD] }, token: '', clientName: 'test', requestTimeoutMs: 2000 });
}

test('close() lets a finishOnClose request finish: its answer arrives after the connection was closed', { timeout: 30_000 }, async () => {
  const c = client();
  await c.connect();
  const change = c.request('apps.addField', { name: 'App', fields: [{ label: 'x', masked: false }] }, { timeoutMs: 60_000, finishOnClose: true });
  const plain = c.request('apps.addField', { name: 'Other', fields: [{ label: 'x', masked: false }] }, { timeoutMs: 60_000 });
  const read = c.request('apps.get', { name: 'Other' }, { timeoutMs: 60_000 });
  c.close();
  // Review 9, finding 2: the bridge still runs what is in its pipe while the field change keeps it
  // alive, so a change left unanswered may be applied: never "not made" (a read is simply not answered).
  await assert.rejects(plain, (e: unknown) => e instanceof SsoError && e.code === 'ENTSSO_E_TIMEOUT' && e.details?.mayBeApplied === true && /may still be applied/.test(e.message));
  await assert.rejects(read, (e: unknown) => e instanceof SsoError && e.code === 'ENTSSO_E_NOT_CONNECTED');
  assert.deepEqual(await change, { name: 'App' });
});

test('a request with a long timeout sent first does not hold back a later request with a short one', { timeout: 30_000 }, async () => {
  const c = client();
  await c.connect();
  try {
    let longSettled = false;
    const long = c.request('apps.get', { name: 'unanswered' }, { timeoutMs: 60_000 }).finally(() => (longSettled = true));
    long.catch(() => undefined);
    await assert.rejects(c.request('apps.get', { name: 'unanswered' }), (e: unknown) => e instanceof SsoError && e.code === 'ENTSSO_E_TIMEOUT');
    assert.equal(longSettled, false, 'the long request is still waiting');
  } finally {
    c.close();
  }
});

test('Generate through the bridge left unanswered (timeout or closed connection) says to back up now: the new secret may be in use (review 11, F6)', { timeout: 30_000 }, async () => {
  const c = client();
  await c.connect();
  const backUpNow = (e: unknown) => e instanceof SsoError && e.code === 'ENTSSO_E_TIMEOUT' && /may be in use without a backup: run "Back Up Master Secret" now/.test(e.message);
  await assert.rejects(c.request('secret.generate', { password: 'p', reminder: '' }, { timeoutMs: 300 }), backUpNow);
  const closed = c.request('secret.generate', { password: 'p', reminder: '' }, { timeoutMs: 60_000 });
  c.close();
  await assert.rejects(closed, backUpNow);
});
