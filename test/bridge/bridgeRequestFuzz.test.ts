/**
 * entsso-bridge.exe under hostile requests, field by field, on Mono against the ENTSSO STAND-IN.
 * bridgeJsonFuzz.test.ts mutates one generic line, so it never reaches a method's own fields: here
 * every method the bridge serves gets, in each of its parameters and in the envelope's (`id`,
 * `params`, `notAfter`), wrong types, huge and boundary numbers, NaN-like strings, 0 / 1 MB strings
 * (10 MB once per method: over the frame limit), nesting at and past the reader's limit, duplicate
 * keys, invalid UTF-8, lone surrogates and line-forging characters; then seeded random mixes of them.
 * Each line gets one answer that is valid JSON: a result, or an error with a stable ENTSSO_E_* code
 * that is not the catch-all for an unexpected exception; the bridge stays up, a valid request after it works,
 * and neither its log nor an error message ever holds a secret it was given or holds.
 * Everything is counted, nothing timed: the same cases each run.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { isSsoErrorCode } from '../../src/protocol/errors';
import { BridgeProcess, RawAnswers, SEED, SEED_VALUES, readStandinState, useSeededBridge } from '../entssoStandin/standin';

type Raw = string | Buffer;

interface Answer {
  id: unknown;
  result?: unknown;
  error?: { code: number; message: string; data?: { ssoCode?: string; details?: { hresult?: string } } };
}

/** Secrets in the requests' valid parts: none may come back in a log line or an error message. */
const PASSWORD = 'Fuzz-Backup-Pa55word-7319';
const VERSION_KEY = Buffer.alloc(32, 7).toString('base64');
const COMPARE_KEY = Buffer.alloc(32, 9).toString('base64');

/** A valid request of each method the bridge serves; hostile values replace one parameter at a time. */
const BASE: Record<string, Record<string, unknown>> = {
  hello: { token: '', protocolVersion: 1, client: 'fuzz', versionKey: VERSION_KEY },
  status: { verbose: true },
  health: { verbose: true },
  'apps.list': { filter: 'Contoso', limit: 2, cursor: '' },
  'apps.get': { name: SEED.ordersSettings },
  'apps.create': { name: SEED.ordersSettings, kind: 'configStore', fields: [{ label: 'A', masked: false }], description: 'd', contact: 'c', userGroup: '', adminGroup: '', enabled: true },
  'apps.delete': { name: 'Fuzz.NoSuchApplication' },
  'apps.setEnabled': { name: SEED.archiveSettings, enabled: false },
  'apps.addField': { name: SEED.paymentsSettings, fields: [{ label: 'Endpoint', masked: false }], expectedFieldsVersion: 'stale' },
  'apps.removeField': { name: SEED.paymentsSettings, fields: ['NoSuchField'], expectedFieldsVersion: 'stale' },
  'identifiers.list': { application: SEED.sftpSendHandler, filter: '', limit: 10, cursor: '' },
  search: { query: 'Orders', limit: 5 },
  'config.get': { application: SEED.ordersSettings, identifier: 'Staging', reveal: false },
  'config.set': { application: SEED.ordersSettings, identifier: 'Staging', fields: { RetryCount: '6' }, expectedTimestamp: 'stale', clearMasked: ['ApiKey'] },
  'config.delete': { application: SEED.ordersSettings, identifier: 'Staging', expectedTimestamp: 'stale' },
  'config.fingerprints': { application: SEED.ordersSettings, identifiers: ['ConfigProperties', 'Staging'], key: COMPARE_KEY },
  'secret.info': { verbose: true },
  'secret.backup': { password: PASSWORD, reminder: 'r' },
  'secret.inspect': { file: Buffer.from('not a backup').toString('base64') },
  'secret.restore': { file: Buffer.from('not a backup').toString('base64'), password: PASSWORD },
  'secret.generate': { password: PASSWORD, reminder: 'r' },
};

const MB = 1024 * 1024;
const nested = (depth: number, open: string, close: string, inner = '1') => open.repeat(depth) + inner + close.repeat(depth);
const str = (body: Raw): Buffer => Buffer.concat([Buffer.from('"'), Buffer.from(body), Buffer.from('"')]);

/** Hostile JSON values (raw text: some are not what JSON.stringify could write). */
const HOSTILE: Raw[] = [
  'null', 'true', 'false', '0', '-0', '-1', '1.5', '1e308', '-1e308', '5e-324', '9223372036854775807', '9223372036854775808', '-9223372036854775809',
  '9007199254740993', '1.7976931348623159e308', '1e400', '-1e400', '"NaN"', '"Infinity"', '"-Infinity"', '"1e400"', '"-1"', '""', '" "',
  '"\\u0000"', '"\\ud800"', '"\\udfff\\ud800"', '"\\ud83d"', '"a\\nb\\r\\u2028\\u0085\\u001b[31m"', '"\\\\"', '"x\\u202ey"',
  '[]', '{}', '[null]', '[1,"x",null,{},[]]', '{"label":{}}', '[{"label":"\\ud800","masked":"yes"}]', '{"a":1,"a":{"b":[]}}',
  nested(60, '[', ']'), nested(70, '[', ']'), nested(60, '{"a":', '}'), nested(70, '{"a":', '}'),
  str(Buffer.from([0xff, 0xfe, 0xc3, 0x28, 0xed, 0xa0, 0x80, 0xf4, 0x90, 0x80, 0x80, 0xc0, 0x80])),
  str('é'.repeat(MB / 2)),
  `[${'"aaaaaaaa",'.repeat(20_000)}"a"]`,
];
const TEN_MB: Raw = str('A'.repeat(10 * MB));

let nextId = 1000;

/** A request line: `params` entries as raw JSON (a key may repeat), envelope entries likewise. */
function line(method: string, params: [string, Raw][] | Raw, envelope: [string, Raw][] = []): { id: number; text: Buffer } {
  const id = nextId++;
  const object = (entries: [string, Raw][]) => Buffer.concat([Buffer.from('{'), ...entries.flatMap(([k, v], i) => [Buffer.from(`${i ? ',' : ''}${JSON.stringify(k)}:`), Buffer.from(v)]), Buffer.from('}')]);
  const paramsRaw = Array.isArray(params) ? object(params) : params;
  const head: [string, Raw][] = [
    ['jsonrpc', '"2.0"'],
    ['id', String(id)],
    ['method', JSON.stringify(method)],
    ['params', paramsRaw],
  ];
  return { id, text: object([...head, ...envelope]) };
}

const entriesOf = (params: Record<string, unknown>): [string, Raw][] => Object.entries(params).map(([k, v]) => [k, JSON.stringify(v)]);

/** Every single-parameter mutation of a method's valid request: each hostile value, and each repeated key (hostile first, and last). */
function* mutationsOf(method: string): Generator<{ id: number; text: Buffer }> {
  const base = entriesOf(BASE[method]!);
  for (const [i, [key, valid]] of base.entries()) {
    for (const hostile of HOSTILE) yield line(method, base.map((e, j) => (j === i ? [key, hostile] : e)));
    yield line(method, [...base, [key, '{"x":1}']]);
    yield line(method, [[key, '[[]]'], ...base]);
    yield line(method, [...base.slice(0, i), [key, valid], [key, valid], ...base.slice(i + 1)]);
  }
  yield line(method, [...base, ['unexpected', '"extra"']]);
  yield line(method, base.length ? base.map((e, j): [string, Raw] => (j === 0 ? [e[0], TEN_MB] : e)) : [['x', TEN_MB]]);
}

/** Hostile values in the envelope of a request that would be served: `notAfter` (the deadline), `params`, `id`, `jsonrpc`. */
function* envelopeMutations(method: string): Generator<{ id: number; text: Buffer }> {
  const params = entriesOf(BASE[method]!);
  for (const hostile of [...HOSTILE, '-1', '0', '1', String(Date.now() + 3_600_000), '"tomorrow"']) {
    yield line(method, params, [['notAfter', hostile]]);
    yield line(method, hostile);
  }
  yield line(method, params, [['notAfter', '1e308'], ['notAfter', '-1']]);
  yield line(method, params, [['notAfter', '-1'], ['notAfter', '1e308']]);
  yield line(method, params, [['jsonrpc', '"1.0"']]);
  yield line(method, params, [['id', '"\\ud800"']]);
}

/** Seeded mixes: several parameters of a random method hostile at once (the same cases each run). */
function* randomMixes(count: number): Generator<{ id: number; text: Buffer }> {
  let seed = 0xf022;
  const random = (n: number) => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  const methods = Object.keys(BASE);
  const small = HOSTILE.filter((h) => h.length < 4096);
  for (let i = 0; i < count; i++) {
    const method = methods[random(methods.length)]!;
    const params = entriesOf(BASE[method]!).map((e): [string, Raw] => (random(2) === 0 ? [e[0], small[random(small.length)]!] : e));
    yield line(method, params, random(4) === 0 ? [['notAfter', small[random(small.length)]!]] : []);
  }
}

describe('entsso-bridge: hostile values in every parameter of every method (ENTSSO stand-in, Mono)', { timeout: 600_000 }, () => {
  const h = useSeededBridge();
  let answers: RawAnswers;
  const errorMessages: string[] = [];

  before(() => {
    answers = new RawAnswers(h.bridge);
  });

  /** Sends one request line; its one answer must be valid JSON, for this id (null: the line was not a request), and typed. */
  async function send(request: { id: number; text: Buffer }): Promise<Answer> {
    const raw = await answers.answerTo(request.text);
    const shown = request.text.subarray(0, 160).toString();
    let answer: Answer;
    try {
      answer = JSON.parse(raw) as Answer;
    } catch {
      throw new Error(`the answer is not valid JSON: ${raw.slice(0, 200)} (to ${shown})`);
    }
    assert.ok(answer.id === request.id || answer.id === null || typeof answer.id === 'string', `the answer's id ${String(answer.id)} (to ${shown})`);
    if (answer.error) {
      const code = answer.error.data?.ssoCode;
      // INTERNAL with an HRESULT is ENTSSO's own refusal, translated (the stand-in's E_INVALIDARG for a file that is no
      // backup); without one it is the bridge's catch-all for an exception it did not expect: a defect.
      assert.ok(isSsoErrorCode(code) && (code !== 'ENTSSO_E_INTERNAL' || answer.error.data?.details?.hresult), `a typed error, not ${raw.slice(0, 300)} (to ${shown})`);
      assert.equal(typeof answer.error.message, 'string');
      errorMessages.push(answer.error.message);
    } else assert.notEqual(answer.result, undefined, `a result or an error: ${raw.slice(0, 200)}`);
    return answer;
  }

  async function stillServes(after: string): Promise<void> {
    const status = await send(line('status', []));
    assert.equal(typeof (status.result as { state?: unknown } | undefined)?.state, 'string', `a valid request works after ${after}: ${JSON.stringify(status).slice(0, 200)}`);
    assert.equal(h.bridge.child.exitCode, null, 'the bridge is still running');
  }

  /** Hello again with the valid key: a hostile hello must not have left the bridge unusable for the next one. */
  async function helloWorks(): Promise<void> {
    const hello = await send(line('hello', entriesOf(BASE.hello!)));
    assert.equal((hello.result as { protocolVersion?: unknown } | undefined)?.protocolVersion, 1, JSON.stringify(hello).slice(0, 200));
  }

  for (const method of Object.keys(BASE)) {
    test(`${method}: every parameter with every hostile value, repeated keys and a 10 MB value`, async () => {
      let count = 0;
      for (const request of mutationsOf(method)) {
        await send(request);
        count++;
      }
      await stillServes(method);
      if (method === 'hello') await helloWorks();
      assert.ok(count >= HOSTILE.length, `${count} requests`);
    });
  }

  test('the envelope: hostile notAfter (negative, huge, wrong types, repeated), params, id and jsonrpc, on every method', async () => {
    let expired = 0;
    for (const method of Object.keys(BASE)) {
      for (const request of envelopeMutations(method)) {
        const answer = await send(request);
        if (answer.error?.data?.ssoCode === 'ENTSSO_E_TIMEOUT') expired++;
      }
      await stillServes(`${method}'s envelope`);
    }
    await helloWorks();
    assert.ok(expired >= Object.keys(BASE).length, `a notAfter in the past refuses each method (${expired} refusals)`);
  });

  test('1,500 seeded random mixes of hostile parameters', async () => {
    for (const request of randomMixes(1500)) await send(request);
    await stillServes('the random mixes');
    await helloWorks();
  });

  test('a name or client given with line breaks and controls is logged escaped: it cannot forge a log line', async () => {
    const forged = '2020-01-01T00:00:00.000Z secret-restore the master secret was restored';
    await send(line('hello', entriesOf({ ...BASE.hello, client: `fuzz\n${forged}` })));
    const saved = await send(line('config.set', entriesOf({ application: SEED.ordersSettings, identifier: `Fuzz\r\n${forged}\u2028\u001b[2J`, fields: { RetryCount: '1' } })));
    assert.ok(saved.result, JSON.stringify(saved).slice(0, 300));
    const logged = await h.bridge.logLines(/config-set .*Fuzz/);
    assert.equal(logged.length, 1, h.bridge.stderr.slice(-5).join('\n'));
    assert.match(logged[0]!, /Fuzz\\u\{d\}\\u\{a\}2020.*\\u\{2028\}\\u\{1b\}\[2J/);
    assert.equal(h.bridge.stderr.find((l) => l.startsWith('2020-01-01')), undefined, 'no forged log line');
    assert.equal((await h.bridge.logLines(/hello client fuzz\\u\{a\}2020/)).length, 1);
  });

  test('a number at the edge of a whole number (2^63) is refused like any larger one, not wrapped to a negative', async () => {
    for (const limit of ['9223372036854775808', '9.3e18']) {
      const answer = await send(line('apps.list', [['limit', limit]]));
      assert.equal(answer.error?.data?.ssoCode, 'ENTSSO_E_INVALID_REQUEST', `limit ${limit}: ${JSON.stringify(answer).slice(0, 200)}`);
    }
    const largest = await send(line('apps.list', [['limit', '9223372036854774784']]));
    assert.ok(((largest.result as { items: unknown[] }).items.length) > 1, 'a huge whole number is a page of the largest size');
  });

  test('a \\u escape is exactly four hex digits (no blanks or signs taken as part of it)', async () => {
    for (const escape of ['\\u 12a', '\\u12a ', '\\u+12a']) {
      const answer = await send({ id: 7, text: Buffer.from(`{"jsonrpc":"2.0","id":7,"method":"status","params":{"x":"${escape}"}}`) });
      assert.equal(answer.error?.code, -32700, `${escape}: ${JSON.stringify(answer).slice(0, 200)}`);
    }
  });

  test('an answer stays within the frame limit even for a request whose string id is nearly 4 MiB (its id is not echoed)', async () => {
    const id = 'i'.repeat(4 * MB - 200);
    const raw = await answers.answerTo(`{"jsonrpc":"2.0","id":"${id}","method":"no.such.method"}`);
    assert.ok(Buffer.byteLength(raw) <= 4 * MB, `an answer of ${Buffer.byteLength(raw)} bytes`);
    const answer = JSON.parse(raw) as Answer;
    assert.equal(answer.error?.data?.ssoCode, 'ENTSSO_E_INVALID_REQUEST');
    await stillServes('a huge id');
  });

  test('no secret in the log or in an error message: passwords and keys sent, stored values, the master secret', () => {
    const state = readStandinState(h.stateFile);
    const secrets = [PASSWORD, VERSION_KEY, COMPARE_KEY, state.secretKey, ...Object.values(SEED_VALUES).filter((v) => /Pa55|pk_/.test(v))];
    const texts = [...h.bridge.stderr, ...errorMessages];
    assert.ok(texts.length > 1000, `${texts.length} log lines and messages looked at`);
    for (const secret of secrets) assert.equal(texts.find((t) => t.includes(secret)), undefined, 'a secret in the log or an error message');
  });
});

describe('entsso-bridge (TEST build): hostile values in its test hooks and in the MgmtDb stand-in it reads', { timeout: 300_000 }, () => {
  const h = useSeededBridge();

  /** A MgmtDb stand-in file that is broken in one way each. */
  const BROKEN_MGMTDB: (string | Buffer)[] = [
    '',
    '{"sendPorts":',
    nested(100, '{"a":', '}'),
    '{"sendHandlers":5,"receiveHandlers":"x","sendPorts":{},"receiveLocations":[null]}',
    '{"sendPorts":[{"ssoApplication":null,"identifier":5,"name":[],"adapter":{},"application":true}]}',
    JSON.stringify({ sendHandlers: [{ ssoApplication: SEED.sftpSendHandler, adapter: '\ud800\n', host: 'h'.repeat(MB) }], sendPorts: [{ ssoApplication: SEED.sftpSendHandler, identifier: SEED.sendPortOrders, name: 'a\u202eb\u0000', adapter: 'SFTP', application: 'x' }] }),
    Buffer.from([0xef, 0xbb, 0xbf, 0x7b, 0xff, 0xfe, 0x7d]),
  ];
  /** Test-hook environment values of the wrong kind (the shipped build reads none of them: bridgeTestHooks.test.ts). */
  const HOOK_ENVS: Record<string, string>[] = [
    { ENTSSO_BRIDGE_LOCK_HEARTBEAT_MS: 'abc', ENTSSO_BRIDGE_CRASH_AT: '\u0001start\u0001' },
    { ENTSSO_BRIDGE_LOCK_HEARTBEAT_MS: '-5', ENTSSO_BRIDGE_CRASH_AT: '' },
    { ENTSSO_BRIDGE_LOCK_HEARTBEAT_MS: '99999999999999999999', ENTSSO_BRIDGE_CRASH_AT: 'x'.repeat(10_000) },
  ];

  test('each broken MgmtDb stand-in file and each wrong hook value: the bridge starts, serves, and says port names are unavailable', async () => {
    for (const [i, content] of BROKEN_MGMTDB.entries()) {
      const file = join(h.dir, `broken-mgmtdb-${i}.json`);
      writeFileSync(file, content);
      const bridge = await BridgeProcess.start({ ...h.env, ENTSSO_BRIDGE_MGMTDB_FILE: file, ...HOOK_ENVS[i % HOOK_ENVS.length] });
      try {
        await bridge.hello();
        const list = await bridge.request<{ items: { name: string }[] }>('apps.list', { limit: 100 });
        assert.ok(list.items.some((a) => a.name === SEED.ordersSettings), `mgmtdb ${i}: the applications are listed`);
        const health = await bridge.request<{ checks: { id: string; verdict: string }[] }>('health');
        const portNames = health.checks.find((c) => c.id === 'portNames');
        // The last file is valid JSON but for its controls: its names are read (and come out as valid JSON).
        if (i !== 5) assert.equal(portNames?.verdict, 'warning', `mgmtdb ${i}: ${JSON.stringify(portNames)}`);
        await bridge.request('identifiers.list', { application: SEED.sftpSendHandler });
        assert.equal(bridge.child.exitCode, null);
        assert.equal(
          bridge.stderr.find((l) => /internal-error/.test(l)),
          undefined,
          `mgmtdb ${i}: no unexpected exception`,
        );
      } finally {
        await bridge.stop();
      }
    }
  });
});
