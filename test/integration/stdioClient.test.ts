/**
 * SsoClient over a child process's stdin/stdout (how the extension talks to entsso-bridge.exe):
 * same framing and requests as over the socket, the child's stderr to the log, the child restarted
 * when it dies with a bounded backoff, and ended when the client closes. The child here is a small
 * Node script speaking the protocol (a stand-in for the bridge, for the transport only); the real
 * bridge over the ENTSSO stand-in is exercised in test/ui/bridge.test.ts.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { SsoClient, type ClientOptions, type ProcessSpec } from '../../src/ssoClient/client';
import { SsoError } from '../../src/protocol/errors';
import { MAX_LOG_LINE_CHARS } from '../../src/ssoClient/transport';

const dir = mkdtempSync(join(tmpdir(), 'entsso-stdio-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Answers hello/status like the bridge; `status` params are ignored; writes its pid to the start log. */
const FAKE_BRIDGE = `
const { appendFileSync } = require('node:fs');
const startLog = process.env.START_LOG;
if (startLog) appendFileSync(startLog, process.pid + '\\n');
if (process.env.EXIT_AT_ONCE) process.exit(3);
process.stderr.write('bridge started\\n' + 'x'.repeat(Number(process.env.LONG_LOG || 0)) + '\\n');
const state = (name) => ({ state: name, mssName: 'MSS01', canEncrypt: name === 'ready', canDecrypt: true, message: 'pid ' + process.pid, syncIntervalMs: 300 });
let buffered = '';
process.stdin.on('data', (chunk) => {
  buffered += chunk;
  for (let nl = buffered.indexOf('\\n'); nl !== -1; nl = buffered.indexOf('\\n')) {
    const line = buffered.slice(0, nl);
    buffered = buffered.slice(nl + 1);
    const msg = JSON.parse(line);
    const reply = (result) => process.stdout.write(JSON.stringify({ jsonrpc: '2.0', id: msg.id, result }) + '\\n');
    if (msg.method === 'hello') reply({ protocolVersion: 1, serverVersion: 'fake', state: state('ready'), backend: 'entsso-bridge', capabilities: ['hello', 'status'] });
    else if (msg.method === 'status') {
      process.stdout.write(JSON.stringify({ jsonrpc: '2.0', method: 'state', params: state('cached') }) + '\\n');
      reply(state('cached'));
    } else if (msg.method === 'search') process.stdout.write('y'.repeat(5 * 1024 * 1024) + '\\n');
    else process.stdout.write(JSON.stringify({ jsonrpc: '2.0', id: msg.id, error: { code: 1, message: 'Not served by the bridge.', data: { ssoCode: 'ENTSSO_E_INVALID_REQUEST' } } }) + '\\n');
  }
});
if (process.env.IGNORE_EOF) setInterval(() => undefined, 1000); // a hung bridge
else process.stdin.on('end', () => process.exit(0));
`;
const script = join(dir, 'fakeBridge.cjs');
writeFileSync(script, FAKE_BRIDGE);

function spec(env: Record<string, string> = {}): ProcessSpec {
  return { command: process.execPath, args: [script], env };
}

function client(options: Partial<ClientOptions> & { process: ProcessSpec }): SsoClient {
  return new SsoClient({ token: '', clientName: 'test', requestTimeoutMs: 10_000, ...options } as ClientOptions);
}

function pidOf(message: string): number {
  return Number(/pid (\d+)/.exec(message)?.[1]);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitFor<T>(probe: () => T | undefined | false, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

test('requests, pushed states and the backend\'s capabilities travel over the child\'s stdin/stdout', async () => {
  const logs: string[] = [];
  const c = client({ process: spec({ LONG_LOG: String(MAX_LOG_LINE_CHARS + 500) }), onProcessLog: (l) => logs.push(l) });
  try {
    const first = await c.connect();
    assert.equal(first.state, 'ready');
    assert.equal(c.backend, 'entsso-bridge');
    assert.deepEqual(c.capabilities, ['hello', 'status']);
    const pushed: string[] = [];
    c.on('state', (s) => pushed.push(s.state));
    const status = await c.request('status', {});
    assert.equal(status.state, 'cached');
    assert.deepEqual(pushed, ['cached'], 'the state notification arrives as a state event');
    await assert.rejects(c.request('audit.list', {}), (e: SsoError) => e.code === 'ENTSSO_E_INVALID_REQUEST');
    await waitFor(() => logs.length >= 2);
    assert.equal(logs[0], 'bridge started');
    assert.ok(logs[1]!.length <= MAX_LOG_LINE_CHARS + 10 && logs[1]!.endsWith('(cut)'), 'a long stderr line is cut');
  } finally {
    c.close();
  }
});

test('the bridge is restarted when it dies, and ended when the client closes', async () => {
  const c = client({ process: spec(), reconnect: true, reconnectDelayMs: 50 });
  const first = pidOf((await c.connect()).message);
  assert.ok(alive(first));
  const reconnected = new Promise<void>((resolve) => c.on('connection', (s) => s === 'connected' && resolve()));
  process.kill(first, 'SIGKILL');
  await reconnected;
  const second = pidOf((await c.request('status', {})).message);
  assert.notEqual(second, first, 'a new bridge process serves the requests');
  c.close();
  await waitFor(() => !alive(second));
});

test('a bridge that does not exit when its stdin closes is ended after the grace period', async () => {
  const c = client({ process: spec({ IGNORE_EOF: '1' }) });
  const pid = pidOf((await c.connect()).message);
  const closedAt = Date.now();
  c.close();
  await waitFor(() => !alive(pid), 10_000);
  const took = Date.now() - closedAt;
  assert.ok(took >= 1500 && took < 6000, `ended after ${took} ms`);
});

test('a bridge that dies at start is restarted with a growing delay, not in a tight loop', async () => {
  const startLog = join(dir, 'starts.log');
  writeFileSync(startLog, '');
  const c = client({ process: spec({ START_LOG: startLog, EXIT_AT_ONCE: '1' }), reconnect: true, reconnectDelayMs: 50, reconnectMaxDelayMs: 400 });
  await assert.rejects(c.connect(), SsoError);
  await new Promise((r) => setTimeout(r, 2000));
  c.close();
  const starts = readFileSync(startLog, 'utf8').trim().split('\n').length;
  // 50+100+200+400+400+400… ms: 6 to 8 starts in 2 s (a fixed 50 ms delay would give about 20).
  assert.ok(starts >= 3 && starts <= 9, `started ${starts} times in 2 s`);
  assert.equal(c.reconnectDelay(), 400, 'the delay stops growing at the maximum');
});

test('a bridge command that does not exist is a typed error that says what to fix', async () => {
  const c = client({ process: { command: join(dir, 'no-such-bridge.exe'), args: [] } });
  await assert.rejects(c.connect(), (e: SsoError) => e.code === 'ENTSSO_E_NOT_CONNECTED' && e.message.includes('no-such-bridge.exe') && e.message.includes('entsso.environments'));
});

test('without Mono (off Windows) the error says to install it', async () => {
  const c = client({ process: { command: 'mono', args: ['entsso-bridge.exe'], env: { PATH: join(dir, 'empty') } } });
  await assert.rejects(c.connect(), (e: SsoError) => e.code === 'ENTSSO_E_NOT_CONNECTED' && /Mono, which is not installed\. Install it/.test(e.message));
});

test('a line over the frame limit from the bridge ends that bridge instead of being buffered', async () => {
  const c = client({ process: spec(), reconnect: false });
  const pid = pidOf((await c.connect()).message);
  await assert.rejects(c.request('search', { query: 'x' }), (e: SsoError) => e.code === 'ENTSSO_E_NOT_CONNECTED');
  await waitFor(() => !alive(pid));
  c.close();
});
