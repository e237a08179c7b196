/**
 * SsoClient against a broken or malicious bridge: a child process (a Node script standing in for
 * entsso-bridge.exe, for the client's side only) that answers `hello` with hostile shapes and, for
 * each `status`, writes hostile lines before its answer: JSON that is no object, replies to ids
 * nobody asked, errors of every wrong shape, messages that forge log lines or run to megabytes,
 * malformed state pushes by the thousand, deep nesting, invalid UTF-8, and a noisy stderr. The
 * client must not throw out of its handlers (that would end the extension host's listener, or the
 * connection), must keep the connection and its next request working, must hand its callers only
 * typed SsoErrors with bounded, escaped messages, and must not grow: what it keeps is counted.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { isSsoErrorCode, SsoError } from '../../../src/protocol/errors';
import { hasUnsafeCharacters } from '../../../src/protocol/untrustedText';
import { SsoClient, type ClientOptions } from '../../../src/ssoClient/client';

const dir = mkdtempSync(join(tmpdir(), 'entsso-hostile-bridge-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/**
 * HELLO (JSON text, env) is the hello's answer ("valid" for a good one). Each `status` first writes
 * the hostile lines of test case number ROUND (status params.round), then answers validly.
 * `echo` answers with the error in ERROR_FILE (JSON text of the `error` member) for the request's own id.
 */
const FAKE_BRIDGE = `
const valid = { protocolVersion: 1, serverVersion: 'hostile', backend: 'entsso-bridge', capabilities: ['hello', 'status', 'echo'],
  state: { state: 'ready', mssName: 'MSS01', canEncrypt: true, canDecrypt: true, message: 'Ready.', syncIntervalMs: 300 } };
const out = (text) => process.stdout.write(text + '\\n');
const deep = (n) => '['.repeat(n) + ']'.repeat(n);
const rounds = [
  (id) => ['null', '5', '"text"', 'true', '[]', '{}', '[null]', deep(100000), '{"id":' + id + '}x', '\\u0000', '{"__proto__":{"polluted":true},"id":-1}'],
  (id) => [JSON.stringify({ jsonrpc: '2.0', id: id + 1000, result: 1 }), JSON.stringify({ jsonrpc: '2.0', id: String(id), result: 1 }), JSON.stringify({ jsonrpc: '2.0', id: -id, error: null }), JSON.stringify({ jsonrpc: '2.0', id: null, error: { message: 'x' } })],
  (id) => Array.from({ length: 20000 }, (_, i) => JSON.stringify({ jsonrpc: '2.0', method: 'state', params: i % 2 ? null : { state: 'ready', mssName: 5 } })),
  (id) => [JSON.stringify({ jsonrpc: '2.0', method: 'session.closed', params: null }), JSON.stringify({ jsonrpc: '2.0', method: 'session.closed', params: { message: 5, reason: {} } })],
  (id) => [Buffer.from([0x7b, 0xff, 0xfe, 0x7d]).toString('latin1'), '{"jsonrpc":"2.0","method":"state","params":{"state":"\\\\ud800"}}'],
  (id) => [JSON.stringify({ jsonrpc: '2.0', method: 'state', params: { ...valid.state, state: 'cached', canEncrypt: false, mssName: 'MSS01\\u001b[2J\\nforged', message: 'Cached.\\n[error] forged line ' + 'x'.repeat(1000000) } })],
];
let buffered = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => {
  buffered += chunk;
  for (let nl = buffered.indexOf('\\n'); nl !== -1; nl = buffered.indexOf('\\n')) {
    const msg = JSON.parse(buffered.slice(0, nl));
    buffered = buffered.slice(nl + 1);
    const reply = (result) => out(JSON.stringify({ jsonrpc: '2.0', id: msg.id, result }));
    if (msg.method === 'hello') {
      if (process.env.HELLO === 'valid') reply(valid);
      else out('{"jsonrpc":"2.0","id":' + msg.id + ',"result":' + process.env.HELLO + '}');
    } else if (msg.method === 'status') {
      for (const line of rounds[msg.params.round](msg.id)) out(line);
      process.stderr.write('noise \\u001b[2J\\n' + 'e'.repeat(200000) + '\\n' + 'no newline'.repeat(10000));
      reply(valid.state);
    } else if (msg.method === 'echo') out('{"jsonrpc":"2.0","id":' + msg.id + ',"error":' + require('node:fs').readFileSync(process.env.ERROR_FILE, 'utf8') + '}');
  }
});
process.stdin.on('end', () => process.exit(0));
`;
const script = join(dir, 'hostileBridge.cjs');
writeFileSync(script, FAKE_BRIDGE);

function client(env: Record<string, string>, logs: string[] = []): SsoClient {
  const options: ClientOptions = { process: { command: process.execPath, args: [script], env }, token: '', clientName: 'test', requestTimeoutMs: 20_000, onProcessLog: (l) => logs.push(l) };
  return new SsoClient(options);
}

/** What a caller gets from a rejected request: a typed SsoError whose message is bounded and cannot forge a line. */
function assertSafeError(err: unknown, context: string): SsoError {
  assert.ok(err instanceof SsoError, `${context}: an SsoError, not ${String(err)}`);
  assert.ok(isSsoErrorCode(err.code), `${context}: code ${err.code}`);
  assert.equal(typeof err.message, 'string');
  assert.ok(err.message.length <= 4100, `${context}: a message of ${err.message.length} characters`);
  assert.ok(!hasUnsafeCharacters(err.message), `${context}: ${JSON.stringify(err.message.slice(0, 200))}`);
  assert.equal(typeof err.details, 'object', `${context}: details`);
  assert.notEqual(err.details, null, `${context}: details`);
  return err;
}

test('hostile lines before an answer: each ignored, the connection and the next request still work, nothing kept of them', async () => {
  const logs: string[] = [];
  const c = client({ HELLO: 'valid' }, logs);
  const states: unknown[] = [];
  c.on('state', (s) => states.push(s));
  let disconnects = 0;
  c.on('connection', (status) => {
    if (status === 'disconnected') disconnects++;
  });
  try {
    await c.connect();
    states.length = 0; // the hello's
    for (let round = 0; round < 5; round++) {
      // The cast: `round` is this fake's own parameter of status.
      const state = await c.request('status', { round } as never);
      assert.equal((state as { state: string }).state, 'ready', `round ${round}`);
      assert.equal(c.connectionStatus, 'connected', `round ${round}: still connected`);
    }
    assert.equal(disconnects, 0, 'the connection was never dropped');
    assert.equal(states.length, 0, 'no malformed state reached a listener');
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    assert.equal((c as unknown as { pending: Map<number, unknown> }).pending.size, 0, 'no pending request left behind');
    assert.ok(logs.every((l) => l.length <= 2100 && !hasUnsafeCharacters(l)), 'stderr lines bounded and escaped');
  } finally {
    c.close();
  }
});

test('a pushed state of the right shape with a megabyte message and forged lines: its texts reach listeners cut and escaped', async () => {
  const c = client({ HELLO: 'valid' });
  const states: Array<{ state: string; mssName: string; message: string }> = [];
  c.on('state', (s) => states.push(s as never));
  try {
    await c.connect();
    states.length = 0;
    await c.request('status', { round: 5 } as never);
    const pushed = states.find((s) => s.state === 'cached');
    assert.ok(pushed, 'the cached state was taken');
    assert.ok(pushed.message.length <= 4100, `a message of ${pushed.message.length} characters`);
    for (const text of [pushed.message, pushed.mssName]) assert.ok(!hasUnsafeCharacters(text), JSON.stringify(text.slice(0, 100)));
    assert.match(pushed.message, /^Cached\./);
  } finally {
    c.close();
  }
});

test('a hello naming a backend this version does not know (a newer service) connects, with the generic wording (review 11, F7)', async () => {
  const c = client({ HELLO: '{"protocolVersion":1,"serverVersion":"x","state":{"state":"ready","mssName":"M","canEncrypt":true,"canDecrypt":true,"message":"m"},"backend":"ssod-2000","capabilities":["hello","status"]}' });
  try {
    await c.connect();
    assert.equal(c.connectionStatus, 'connected');
    assert.equal(c.backend, 'ssod-2000');
  } finally {
    c.close();
  }
});

test('hostile hello answers: the connection is refused with a typed error, never connected with capabilities or a backend of the wrong shape', async () => {
  const hostile = [
    'null',
    '5',
    '"hello"',
    '[]',
    '{"protocolVersion":1,"serverVersion":"x","state":{"state":"ready","mssName":"M","canEncrypt":true,"canDecrypt":true,"message":"m"},"capabilities":5}',
    '{"protocolVersion":1,"serverVersion":"x","state":{"state":"ready","mssName":"M","canEncrypt":true,"canDecrypt":true,"message":"m"},"capabilities":"hello,status"}',
    '{"protocolVersion":1,"serverVersion":"x","state":{"state":"ready","mssName":"M","canEncrypt":true,"canDecrypt":true,"message":"m"},"capabilities":[1,null]}',
    '{"protocolVersion":1,"serverVersion":"x","state":{"state":"ready","mssName":"M","canEncrypt":true,"canDecrypt":true,"message":"m"},"backend":{"x":1}}',
    `{"protocolVersion":1,"serverVersion":"x","state":{"state":"ready","mssName":"M","canEncrypt":true,"canDecrypt":true,"message":"m"},"backend":"${'b'.repeat(65)}"}`,
  ];
  for (const hello of hostile) {
    const c = client({ HELLO: hello });
    try {
      const state = await c.connect().then(
        (s) => s,
        (err: unknown) => assertSafeError(err, hello),
      );
      assert.ok(state instanceof SsoError, `${hello}: refused, not connected with ${JSON.stringify(state)}`);
      assert.equal(c.connectionStatus, 'disconnected', hello);
      assert.equal(c.capabilities, undefined, hello);
      assert.equal(c.backend, undefined, hello);
    } finally {
      c.close();
    }
  }
});

test('a hello whose state is malformed: connected, the state ignored and said once, as a pushed one', async () => {
  for (const hello of ['{"protocolVersion":1,"serverVersion":"x","state":null}', '{"protocolVersion":1,"serverVersion":"x","state":{"state":"exploded"}}', '{}']) {
    const warnings: string[] = [];
    const c = new SsoClient({ process: { command: process.execPath, args: [script], env: { HELLO: hello } }, token: '', clientName: 'test', onProtocolWarning: (m) => warnings.push(m) });
    const seen: unknown[] = [];
    c.on('state', (s) => seen.push(s));
    try {
      await c.connect();
      assert.equal(c.state, undefined, hello);
      assert.deepEqual(seen, [], hello);
      assert.equal(warnings.length, 1, hello);
    } finally {
      c.close();
    }
  }
});

test('hostile errors: every wrong shape is a typed SsoError with a bounded message that forges no line', async () => {
  const errors = [
    'null',
    '5',
    '"boom"',
    '[]',
    '{}',
    '{"message":5,"data":5}',
    '{"message":{"toString":1},"data":{"ssoCode":"__proto__","details":null}}',
    '{"message":"m","data":{"ssoCode":"ENTSSO_E_CONFLICT","details":"text"}}',
    '{"message":"m","data":{"ssoCode":"ENTSSO_E_CONFLICT","details":[1,2]}}',
    `{"message":"line one\\n2020-01-01 forged line\\u001b[2J\\u202e\\ud800","data":{"ssoCode":"ENTSSO_E_CONFLICT"}}`,
    `{"message":"${'m'.repeat(3 * 1024 * 1024)}","data":{"ssoCode":"ENTSSO_E_INTERNAL"}}`,
  ];
  const errorFile = join(dir, 'error.json');
  for (const error of errors) {
    writeFileSync(errorFile, error);
    const c = client({ HELLO: 'valid', ERROR_FILE: errorFile });
    try {
      await c.connect();
      // The cast: `echo` is the fake's own method.
      const err = await c.request('echo' as never, {} as never).then(
        () => undefined,
        (e: unknown) => e,
      );
      assertSafeError(err, error.slice(0, 80));
      assert.equal(c.connectionStatus, 'connected', error.slice(0, 80));
    } finally {
      c.close();
    }
  }
});
