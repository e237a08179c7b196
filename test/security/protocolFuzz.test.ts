/**
 * Hostile input on the local socket, fuzzed with fast-check against the real service process:
 * malformed JSON, wrong types, unknown methods, partial and oversized frames, hostile names.
 * Every case must end in an error reply (or a closed connection for an oversized frame), the
 * service must keep answering, and SSODB must not change.
 *
 * Short seeded run in `npm test`; SSO_FUZZ_RUNS=10000 for the long run.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as net from 'node:net';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import { MAX_FRAME_BYTES } from '../../src/ssoClient/protocol';
import { TestEnvironment } from '../integration/harness';

const RUNS = Number(process.env.SSO_FUZZ_RUNS ?? 300);
const SEED = Number(process.env.SSO_FUZZ_SEED ?? 20261127);

/** A raw, authenticated connection that sends arbitrary lines and collects the replies. */
class RawConnection {
  private buffer = '';
  private waiters: Array<(line: string | null) => void> = [];
  closed = false;

  private constructor(private readonly socket: net.Socket) {
    socket.on('data', (d) => {
      this.buffer += d.toString('utf8');
      for (let i = this.buffer.indexOf('\n'); i !== -1; i = this.buffer.indexOf('\n')) {
        const line = this.buffer.slice(0, i);
        this.buffer = this.buffer.slice(i + 1);
        this.waiters.shift()?.(line);
      }
    });
    socket.on('close', () => {
      this.closed = true;
      for (const w of this.waiters.splice(0)) w(null);
    });
    socket.on('error', () => undefined);
  }

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

const METHODS = ['hello', 'status', 'health', 'apps.list', 'apps.get', 'apps.create', 'apps.delete', 'apps.setEnabled', 'identifiers.list', 'search', 'config.get', 'config.set', 'config.delete', 'audit.list', 'secret.info', 'secret.backup', 'secret.verify', 'secret.restore', 'secret.inspect'];

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

function sha256(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

describe(`protocol fuzzing (${RUNS} cases per family, seed ${SEED})`, () => {
  let t: TestEnvironment;
  let token: string;
  let conn: RawConnection;
  let dbHash: string;

  before(async () => {
    t = await TestEnvironment.started({ syncIntervalSeconds: 1 });
    token = readFileSync(t.env.paths.token, 'utf8').trim();
    const c = await t.client();
    await c.request('apps.create', { name: 'Fuzz.Target', kind: 'configStore', fields: [{ label: 'a', masked: false }, { label: 'p', masked: true }] });
    await c.request('config.set', { application: 'Fuzz.Target', identifier: 'one', fields: { a: '1', p: 'pw' }, expectedTimestamp: null });
    c.close();
    conn = await RawConnection.open(t.env.config.socketPath, token);
    dbHash = sha256(t.ssodbFile);
  });
  after(async () => {
    conn?.close();
    await t.dispose();
  });

  async function reconnectIfClosed(): Promise<void> {
    if (conn.closed) conn = await RawConnection.open(t.env.config.socketPath, token);
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
    const big = await RawConnection.open(t.env.config.socketPath, token);
    const reply = await big.send('{"jsonrpc":"2.0","id":1,"method":"status","params":{"x":"' + 'a'.repeat(MAX_FRAME_BYTES) + '"}}');
    assert.ok(reply === null || /limit/.test(reply), `oversized frame: ${reply?.slice(0, 100)}`);
    big.close();

    const pieces = await new Promise<string>((resolve, reject) => {
      const s = net.createConnection(t.env.config.socketPath);
      const hello = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'hello', params: { token, protocolVersion: 1, client: 'split' } }) + '\n';
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
      s.write('{"jsonrpc":"2.0","id":1,"method":"hello","params":{"token":"' + token.slice(0, 5));
      s.destroy();
    }
    await reconnectIfClosed();
    const status = await conn.send(JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'status', params: {} }));
    assert.match(status ?? '', /"state":"ready"/);
  });

  test('SSODB is unchanged by all of it and the service never crashed', () => {
    assert.ok(t.service!.running, 'service process alive');
    assert.equal(sha256(t.ssodbFile), dbHash);
  });
});
