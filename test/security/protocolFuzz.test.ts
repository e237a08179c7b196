/**
 * Hostile input on the local socket, fuzzed with fast-check against the real service process:
 * malformed JSON, wrong types, unknown methods, partial and oversized frames, hostile names.
 * Every case must end in an error reply (or a closed connection for an oversized frame), the
 * service must keep answering, and SSODB must not change.
 *
 * Nested (5,000+ levels) and oddly typed values go into every position (jsonrpc, id, method,
 * params, each parameter) of every method the service knows (METHOD_NAMES, from the code), before
 * and after authentication, and into every position of every master secret server operation
 * (MSS_OP_NAMES) over mutual TLS.
 *
 * Short seeded run in `npm test`; SSO_FUZZ_RUNS=10000 for the long run.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as net from 'node:net';
import * as tls from 'node:tls';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import { MAX_FRAME_BYTES } from '../../src/protocol/messages';
import { MSS_OP_NAMES } from '../../src/ssoService/mss/mssProtocol';
import { METHOD_NAMES } from '../../src/ssoService/rpc/validate';
import { TestEnvironment, serviceCertificate } from '../integration/harness';

const RUNS = Number(process.env.SSO_FUZZ_RUNS ?? 300);
const SEED = Number(process.env.SSO_FUZZ_SEED ?? 20261127);

/** A socket that sends arbitrary lines and hands each reply line to the oldest waiting send(). */
class LineConnection {
  private buffer = '';
  private waiters: Array<(line: string | null) => void> = [];
  closed = false;

  /** `isReply`: false for lines the peer pushes on its own (they answer no send()). */
  protected constructor(
    private readonly socket: net.Socket,
    isReply: (line: string) => boolean = () => true,
  ) {
    socket.on('data', (d) => {
      this.buffer += d.toString('utf8');
      for (let i = this.buffer.indexOf('\n'); i !== -1; i = this.buffer.indexOf('\n')) {
        const line = this.buffer.slice(0, i);
        this.buffer = this.buffer.slice(i + 1);
        if (isReply(line)) this.waiters.shift()?.(line);
      }
    });
    socket.on('close', () => {
      this.closed = true;
      for (const w of this.waiters.splice(0)) w(null);
    });
    socket.on('error', () => undefined);
  }

  /** Sends raw text plus a newline; resolves with the next reply line, or null when closed. */
  send(raw: string, timeoutMs = 10_000): Promise<string | null> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no reply within ${timeoutMs} ms to ${raw.slice(0, 120)}`)), timeoutMs);
      this.waiters.push((line) => {
        clearTimeout(timer);
        resolve(line);
      });
      this.socket.write(raw + '\n');
    });
  }

  close(): void {
    this.socket.destroy();
  }
}

/** A raw, authenticated connection to the SSO service that sends arbitrary lines and collects the replies. */
class RawConnection extends LineConnection {

  static async open(path: string, token: string): Promise<RawConnection> {
    const socket = await new Promise<net.Socket>((resolve, reject) => {
      const s = net.createConnection(path, () => resolve(s));
      s.once('error', reject);
    });
    const c = new RawConnection(socket);
    const hello = await c.send(JSON.stringify({ jsonrpc: '2.0', id: 0, method: 'hello', params: { token, protocolVersion: 1, client: 'fuzz' } }));
    assert.ok(hello && hello.includes('"result"'), `hello failed: ${hello}`);
    return c;
  }
}

const METHODS = METHOD_NAMES;

const hostileString = fc.oneof(
  fc.string(),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.constantFrom("'; DROP TABLE SSOX_ApplicationInfo; --", '%', '_', '\\', '\u0000', ' padded ', '', 'x'.repeat(300), '{A1B2}', '$ConfigStore$', '../../etc/passwd', '𝔘𝔫𝔦𝔠𝔬𝔡𝔢'),
);
const anyValue = fc.oneof(hostileString, fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.array(hostileString, { maxLength: 3 }), fc.dictionary(hostileString, hostileString, { maxKeys: 3 }));

/** Requests that are well-framed JSON-RPC but hostile in method and params. */
const hostileRequest = fc.record({
  jsonrpc: fc.oneof(fc.constant('2.0'), anyValue),
  id: fc.oneof(fc.integer({ min: 1 }), hostileString, fc.constant(null), fc.constant(undefined)),
  method: fc.oneof(fc.constantFrom(...METHODS), hostileString, anyValue),
  params: fc.oneof(anyValue, fc.dictionary(fc.constantFrom('application', 'identifier', 'name', 'fields', 'expectedTimestamp', 'limit', 'cursor', 'filter', 'kind', 'query', 'reveal', 'file', 'password'), anyValue)),
});

/** Raw lines that are not valid requests at all. */
const garbageLine = fc.oneof(
  fc.string({ maxLength: 200 }).filter((s) => !s.includes('\n')),
  fc.constantFrom('{', '[]', 'null', '"text"', '{"jsonrpc":"2.0"}', '{"jsonrpc":"2.0","id":1}', '{"jsonrpc":"2.0","id":1,"method":"__proto__"}', '{"jsonrpc":"2.0","id":1,"method":"constructor","params":{}}', '{"jsonrpc":"2.0","id":1,"method":"config.set","params":{"__proto__":{"x":1}}}'),
);

/** Every parameter name of the protocol's methods and of the MSS operations, plus names that are not. */
const PARAM_KEYS = ['token', 'protocolVersion', 'client', 'application', 'identifier', 'name', 'names', 'fields', 'expectedTimestamp', 'expectedFieldsVersion', 'clearMasked', 'limit', 'cursor', 'filter', 'kind', 'description', 'contact', 'userGroup', 'adminGroup', 'enabled', 'query', 'reveal', 'file', 'format', 'mode', 'expected', 'password', 'reminder', 'allowForeignEnvironment', 'newMsid', 'node', '__proto__', 'constructor', 'toString'];

/**
 * JSON text (not values: the test must not recurse either) nested 5,000 to 7,000 levels deep, in
 * the shapes a parser or a String() conversion could choke on.
 */
const deepJson = fc.record({ depth: fc.integer({ min: 5000, max: 7000 }), shape: fc.constantFrom('array', 'object', 'mixed', 'stringLeaf', 'toStringObject') }).map(({ depth, shape }) => {
  const half = Math.floor(depth / 2);
  switch (shape) {
    case 'array':
      return '['.repeat(depth) + ']'.repeat(depth);
    case 'object':
      return '{"a":'.repeat(depth) + 'null' + '}'.repeat(depth);
    case 'mixed':
      return '[{"x":'.repeat(half) + '1' + '}]'.repeat(half);
    case 'stringLeaf':
      return '['.repeat(depth) + '"status"' + ']'.repeat(depth);
    default:
      return '[{"toString":'.repeat(half) + 'null' + '}]'.repeat(half);
  }
});

/** Values of the wrong type or odd shape, as JSON text. */
const oddJson = fc.oneof(
  fc.constantFrom('1e308', '-0', '9007199254740993', '-1', '0.5', 'true', 'false', 'null', '""', '"\\u0000"', '"\\ud800"', '"2.0"', '"hello"', '{}', '[]', '[1,2]', '{"toString":null,"valueOf":null}', '{"__proto__":{"polluted":1}}', '{"constructor":{"prototype":{"x":1}}}', '"' + 'x'.repeat(5000) + '"'),
  fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)),
  hostileString.map((v) => JSON.stringify(v)),
);
const hostileJson = fc.oneof({ weight: 1, arbitrary: deepJson }, { weight: 1, arbitrary: oddJson });

type Position = 'jsonrpc' | 'id' | 'method' | 'params' | 'param';
const positionCase = fc.record({
  method: fc.constantFrom(...METHODS),
  position: fc.constantFrom<Position>('jsonrpc', 'id', 'method', 'params', 'param'),
  key: fc.constantFrom(...PARAM_KEYS),
  value: hostileJson,
});

/** A request line valid but for the one position that carries the hostile value. */
function requestLine(c: { method: string; position: Position; key: string; value: string }, token: string): string {
  const at = (p: Position, normal: string) => (c.position === p ? c.value : normal);
  const base: Record<string, string> = c.method === 'hello' ? { token: JSON.stringify(token), protocolVersion: '1', client: '"fuzz"' } : {};
  if (c.position === 'param') base[c.key] = c.value;
  const params = c.position === 'params' ? c.value : `{${Object.entries(base).map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(',')}}`;
  return `{"jsonrpc":${at('jsonrpc', '"2.0"')},"id":${at('id', '1')},"method":${at('method', JSON.stringify(c.method))},"params":${params}}`;
}

/** Sends one line on a fresh, unauthenticated connection: the reply line, or null when closed first. */
function sendUnauthenticated(path: string, line: string, timeoutMs = 10_000): Promise<string | null> {
  return new Promise((resolve, reject) => {
    const s = net.createConnection(path, () => s.write(line + '\n'));
    let data = '';
    const timer = setTimeout(() => {
      s.destroy();
      reject(new Error(`no reply or close within ${timeoutMs} ms to ${line.slice(0, 120)}`));
    }, timeoutMs);
    const finish = (reply: string | null) => {
      clearTimeout(timer);
      s.destroy();
      resolve(reply);
    };
    s.on('data', (d) => {
      data += d.toString('utf8');
      const nl = data.indexOf('\n');
      if (nl !== -1) finish(data.slice(0, nl));
    });
    s.on('close', () => finish(null));
    s.on('error', () => undefined);
  });
}

/** A reply is a JSON-RPC answer whose error, if any, is typed and not an internal one. */
function assertWellFormedReply(reply: string, sent: string): void {
  const parsed = JSON.parse(reply);
  assert.equal(parsed.jsonrpc, '2.0');
  if (!parsed.error) return;
  assert.equal(typeof parsed.error.message, 'string');
  assert.match(parsed.error.data.ssoCode, /^ENTSSO_E_/);
  assert.notEqual(parsed.error.data.ssoCode, 'ENTSSO_E_INTERNAL', `internal error for ${sent.slice(0, 200)}`);
}

/** Checks the service's reply to a fuzzed line (null: it closed the connection) and counts how it answered. */
function tallyServiceReply(seen: { errorReply: number; closed: number; result: number }, line: string, reply: string | null): void {
  if (reply === null) return void seen.closed++;
  assertWellFormedReply(reply, line);
  if (JSON.parse(reply).error) seen.errorReply++;
  else seen.result++;
}

function sha256(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

describe(`protocol fuzzing (${RUNS} cases per family, seed ${SEED})`, () => {
  let t: TestEnvironment;
  let conn: RawConnection;
  let dbHash: string;
  // The fuzzer may well call token.rotate with empty params: the token is whatever the file holds now.
  const token = () => readFileSync(t.env.paths.token, 'utf8').trim();

  before(async () => {
    t = await TestEnvironment.started({ syncIntervalSeconds: 1 });
    const c = await t.client();
    await c.request('apps.create', { name: 'Fuzz.Target', kind: 'configStore', fields: [{ label: 'a', masked: false }, { label: 'p', masked: true }] });
    await c.request('config.set', { application: 'Fuzz.Target', identifier: 'one', fields: { a: '1', p: 'pw' }, expectedTimestamp: null });
    // The save's audit row is staged in the SSODB file until the service moves it (before any audit read): move it now.
    await c.request('audit.list', { limit: 1 });
    c.close();
    conn = await RawConnection.open(t.env.config.socketPath, token());
    dbHash = sha256(t.ssodbFile);
  });
  after(async () => {
    conn?.close();
    await t.dispose();
  });

  async function reconnectIfClosed(): Promise<void> {
    if (conn.closed) conn = await RawConnection.open(t.env.config.socketPath, token());
  }

  test('hostile requests get an error reply or a harmless result, never a crash or a hang', async () => {
    let errors = 0;
    await fc.assert(
      fc.asyncProperty(hostileRequest, async (req) => {
        await reconnectIfClosed();
        // Reads may legitimately succeed (e.g. status); writes to real names could too, so the
        // fuzzed requests never carry a valid `expectedTimestamp` for an existing row.
        const reply = await conn.send(JSON.stringify(req));
        if (reply === null) return; // e.g. a hello with a wrong token closes the connection
        const parsed = JSON.parse(reply);
        assert.equal(parsed.jsonrpc, '2.0');
        if (parsed.error) {
          errors++;
          assert.equal(typeof parsed.error.message, 'string');
          assert.match(parsed.error.data.ssoCode, /^ENTSSO_E_/);
          assert.notEqual(parsed.error.data.ssoCode, 'ENTSSO_E_INTERNAL', `internal error for ${JSON.stringify(req).slice(0, 200)}`);
        }
      }),
      { numRuns: RUNS, seed: SEED },
    );
    assert.ok(errors > RUNS / 2, `most hostile requests are refused (${errors}/${RUNS})`);
  });

  test('garbage lines get a parse or request error and the connection stays usable', async () => {
    await fc.assert(
      fc.asyncProperty(garbageLine, async (line) => {
        await reconnectIfClosed();
        if (line.trim() === '') return;
        const reply = await conn.send(line);
        assert.ok(reply !== null, 'the connection survives garbage');
        assert.ok(JSON.parse(reply).error, `garbage accepted: ${line.slice(0, 80)}`);
      }),
      { numRuns: RUNS, seed: SEED + 1 },
    );
    const status = await conn.send(JSON.stringify({ jsonrpc: '2.0', id: 99, method: 'status', params: {} }));
    assert.match(status ?? '', /"state"/);
  });

  test('a frame over the size limit is refused and closed; a frame split in pieces still works', async () => {
    const big = await RawConnection.open(t.env.config.socketPath, token());
    const reply = await big.send('{"jsonrpc":"2.0","id":1,"method":"status","params":{"x":"' + 'a'.repeat(MAX_FRAME_BYTES) + '"}}');
    assert.ok(reply === null || /limit/.test(reply), `oversized frame: ${reply?.slice(0, 100)}`);
    big.close();

    const pieces = await new Promise<string>((resolve, reject) => {
      const s = net.createConnection(t.env.config.socketPath);
      const hello = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'hello', params: { token: token(), protocolVersion: 1, client: 'split' } }) + '\n';
      let i = 0;
      const write = () => {
        if (i >= hello.length) return;
        s.write(hello.slice(i, i + 7));
        i += 7;
        setTimeout(write, 2);
      };
      s.on('connect', write);
      s.on('data', (d) => {
        resolve(d.toString());
        s.destroy();
      });
      s.on('error', reject);
    });
    assert.match(pieces, /"protocolVersion":1/);
  });

  test('a client that disconnects mid-request does not disturb the service', async () => {
    for (let i = 0; i < 20; i++) {
      const s = net.createConnection(t.env.config.socketPath);
      await new Promise((r) => s.once('connect', r));
      s.write('{"jsonrpc":"2.0","id":1,"method":"hello","params":{"token":"' + token().slice(0, 5));
      s.destroy();
    }
    await reconnectIfClosed();
    const status = await conn.send(JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'status', params: {} }));
    assert.match(status ?? '', /"state":"ready"/);
  });

  test(`nested and oddly typed values in every position of all ${METHODS.length} methods, before hello: refused, the service lives`, async () => {
    const seen = { errorReply: 0, closed: 0, result: 0 };
    await fc.assert(
      fc.asyncProperty(positionCase, async (c) => {
        const line = requestLine(c, token());
        const reply = await sendUnauthenticated(t.env.config.socketPath, line);
        assert.ok(t.service!.running, `the service died on ${line.slice(0, 200)}`);
        tallyServiceReply(seen, line, reply);
      }),
      { numRuns: RUNS, seed: SEED + 2 },
    );
    console.log(`# before hello: ${JSON.stringify(seen)}`);
    assert.ok(seen.errorReply + seen.closed > RUNS / 2, `most are refused (${JSON.stringify(seen)})`);
    await reconnectIfClosed();
    assert.match((await conn.send(JSON.stringify({ jsonrpc: '2.0', id: 5, method: 'status', params: {} }))) ?? '', /"state"/);
  });

  test(`nested and oddly typed values in every position of all ${METHODS.length} methods, after hello: an error reply, the service lives`, async () => {
    const seen = { errorReply: 0, closed: 0, result: 0 };
    await fc.assert(
      fc.asyncProperty(positionCase, async (c) => {
        await reconnectIfClosed();
        const line = requestLine(c, token());
        const reply = await conn.send(line);
        assert.ok(t.service!.running, `the service died on ${line.slice(0, 200)}`);
        tallyServiceReply(seen, line, reply);
      }),
      { numRuns: RUNS, seed: SEED + 3 },
    );
    console.log(`# after hello: ${JSON.stringify(seen)}`);
    await reconnectIfClosed();
    assert.match((await conn.send(JSON.stringify({ jsonrpc: '2.0', id: 6, method: 'status', params: {} }))) ?? '', /"state"/);
  });

  test('SSODB is unchanged by all of it and the service never crashed', () => {
    assert.ok(t.service!.running, 'service process alive');
    assert.equal(sha256(t.ssodbFile), dbHash);
  });
});

/** One mutual-TLS connection to an MSS node, as a service holds it: sends lines, collects replies. */
class MssConnection extends LineConnection {
  private constructor(socket: tls.TLSSocket) {
    // Pushed "changed" events are not replies.
    super(socket, (line) => !line.includes('"event"'));
  }

  static open(t: TestEnvironment): Promise<MssConnection> {
    const env = t.env;
    return new Promise((resolve, reject) => {
      const s = tls.connect({ host: env.config.mss.host, port: env.config.mss.port, ca: readFileSync(env.paths.caCert, 'utf8'), ...serviceCertificate(env) }, () => resolve(new MssConnection(s)));
      s.once('error', reject);
    });
  }
}

/** Not strings: an MSS operation given a string password would run a real (costly) key derivation. */
const oddNonStringJson = oddJson.filter((v) => !v.startsWith('"'));

type MssPosition = 'id' | 'op' | 'params' | 'param';
const mssCase = fc.record({
  op: fc.constantFrom(...MSS_OP_NAMES),
  position: fc.constantFrom<MssPosition>('id', 'op', 'params', 'param'),
  key: fc.constantFrom(...PARAM_KEYS),
  value: fc.oneof(deepJson, oddNonStringJson),
});

function mssLine(c: { op: string; position: MssPosition; key: string; value: string }): string {
  const at = (p: MssPosition, normal: string) => (c.position === p ? c.value : normal);
  const params = c.position === 'params' ? c.value : c.position === 'param' ? `{${JSON.stringify(c.key)}:${c.value}}` : '{}';
  return `{"id":${at('id', '1')},"op":${at('op', JSON.stringify(c.op))},"params":${params}}`;
}

describe(`master secret server fuzzing (${RUNS} cases, all ${MSS_OP_NAMES.length} operations, seed ${SEED})`, () => {
  let t: TestEnvironment;
  let conn: MssConnection;

  before(async () => {
    t = TestEnvironment.create();
    await t.startMss();
    conn = await MssConnection.open(t);
  });
  after(async () => {
    conn?.close();
    await t.dispose();
  });

  test('nested and oddly typed values in every position of every operation: an answer or a closed connection, the node lives', async () => {
    const seen = { errorReply: 0, closed: 0, result: 0 };
    await fc.assert(
      fc.asyncProperty(mssCase, async (c) => {
        if (conn.closed) conn = await MssConnection.open(t);
        const line = mssLine(c);
        const reply = await conn.send(line);
        assert.ok(t.mss!.running, `the MSS died on ${line.slice(0, 200)}`);
        if (reply === null) return void seen.closed++;
        const parsed = JSON.parse(reply);
        assert.equal(typeof parsed.id, 'number');
        if (parsed.error) assert.notEqual(parsed.error.code, 'ENTSSO_E_INTERNAL', `internal error for ${line.slice(0, 200)}`);
        if (parsed.error) seen.errorReply++;
        else seen.result++;
      }),
      { numRuns: RUNS, seed: SEED + 4 },
    );
    console.log(`# MSS: ${JSON.stringify(seen)}`);
    if (conn.closed) conn = await MssConnection.open(t);
    const status = JSON.parse((await conn.send('{"id":2,"op":"nodeStatus","params":{}}')) ?? '{}');
    assert.equal(status.id, 2);
    assert.equal(status.result?.holdsSecret, true, 'the node answers a valid request afterwards');
  });
});
