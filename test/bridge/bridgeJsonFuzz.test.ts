/**
 * entsso-bridge.exe's JSON reader (bridge/Json.cs) under hostile input, on Mono against the ENTSSO
 * STAND-IN: deep nesting, huge and malformed numbers, bad UTF-8, lone surrogates, broken escapes
 * and a few thousand random mutations of a valid request. Every line gets exactly one answer
 * that is itself valid JSON (an error, or a result for a valid request), within a bounded time;
 * the bridge never crashes and keeps serving.
 */
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { RawAnswers, useSeededBridge } from '../entssoStandin/standin';

interface Answer {
  id: unknown;
  result?: unknown;
  error?: { code: number; message: string; data: { ssoCode: string } };
}

/** Hostile lines, each one request line (no raw line break inside). */
const HOSTILE: (string | Buffer)[] = [
  '['.repeat(65) + ']'.repeat(65),
  `{"jsonrpc":"2.0","id":1,"method":"status","params":${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}}`,
  '{"jsonrpc":"2.0","id":1e400,"method":"status"}',
  '{"jsonrpc":"2.0","id":-1e400,"method":"status"}',
  '{"jsonrpc":"2.0","id":1e308,"method":"status"}',
  `{"jsonrpc":"2.0","id":${'9'.repeat(100_000)},"method":"status"}`,
  `{"jsonrpc":"2.0","id":0.${'0'.repeat(100_000)}1,"method":"status"}`,
  '{"jsonrpc":"2.0","id":2,"method":"apps.list","params":{"limit":1e400}}',
  '{"jsonrpc":"2.0","id":2,"method":"apps.list","params":{"limit":-9.3e18}}',
  '{"jsonrpc":"2.0","id":2,"method":"apps.list","params":{"limit":9.3e18}}',
  '{"jsonrpc":"2.0","id":3,"method":"status","params":{"x":-}}',
  '{"jsonrpc":"2.0","id":3,"method":"status","params":{"x":1e}}',
  '{"jsonrpc":"2.0","id":3,"method":"status","params":{"x":--1}}',
  '{"jsonrpc":"2.0","id":3,"method":"status","params":{"x":.}}',
  '{"jsonrpc":"2.0","id":"\\ud800","method":"status"}',
  '{"jsonrpc":"2.0","id":"\\udfff\\ud800","method":"status"}',
  '{"jsonrpc":"2.0","id":4,"method":"\\ud800x"}',
  '{"jsonrpc":"2.0","id":4,"method":"a\\u0001\\u001f\\u2028\\"b"}',
  `{"jsonrpc":"2.0","id":4,"method":"${'\\ud83d'.repeat(40)}"}`,
  '{"jsonrpc":"2.0","id":5,"method":"apps.get","params":{"name":"\\ud800"}}',
  '{"jsonrpc":"2.0","id":5,"method":"config.get","params":{"application":"\\udc00","identifier":"\\u0000"}}',
  '{"jsonrpc":"2.0","id":6,"method":"status","params":{"x":"\\u12"}}',
  '{"jsonrpc":"2.0","id":6,"method":"status","params":{"x":"\\u 12a"}}',
  '{"jsonrpc":"2.0","id":6,"method":"status","params":{"x":"\\uzzzz"}}',
  '{"jsonrpc":"2.0","id":6,"method":"status","params":{"x":"\\',
  '{"jsonrpc":"2.0","id":6,"method":"status","params":{"x":"abc',
  '{"jsonrpc":"2.0","id":6,"method":"status","params":{"x":tru}}',
  '{"jsonrpc":"2.0","id":6,"method":"status","params":{"x":nul',
  '{"jsonrpc":"2.0","id":6,"method":"status","params":{,}}',
  '{"jsonrpc":"2.0","id":6,"method":"status","params":{"a" 1}}',
  '{"jsonrpc":"2.0","id":6,"method":"status"}}',
  '{"jsonrpc":"2.0","id":6,"method":"status","id":7,"id":{}}',
  '"just a string"',
  '12345',
  'null',
  '\u0000',
  '\ufeff{"jsonrpc":"2.0","id":8,"method":"status"}',
  Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d]),
  Buffer.concat([Buffer.from('{"jsonrpc":"2.0","id":9,"method":"apps.get","params":{"name":"'), Buffer.from([0xc3, 0x28, 0xed, 0xa0, 0x80, 0xf4, 0x90, 0x80, 0x80]), Buffer.from('"}}')]),
  Buffer.concat([Buffer.from('{"jsonrpc":"2.0","id":"'), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from('","method":"status"}')]),
  Buffer.from([0xc0, 0x80, 0xe0, 0x80, 0x80]),
];

/** A valid request with random bytes replaced, inserted or deleted (a fixed seed: the same cases each run). */
function mutations(count: number): Buffer[] {
  let seed = 0x5eed;
  const random = (n: number) => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  const base = Buffer.from('{"jsonrpc":"2.0","id":10,"method":"status","params":{"application":"Orders","identifier":"Cfg","reveal":false,"n":[1.5e3,-2,true,null,"\\u00e9\\n"]}}');
  const alphabet = Buffer.from('{}[]":,\\-+.eE0123456789tfnu \u00ff');
  const out: Buffer[] = [];
  for (let i = 0; i < count; i++) {
    const bytes = [...base];
    for (let edits = 1 + random(4); edits > 0; edits--) {
      const at = random(bytes.length);
      const byte = random(3) === 0 ? random(256) : alphabet[random(alphabet.length)]!;
      const kind = random(3);
      if (kind === 0) bytes[at] = byte;
      else if (kind === 1) bytes.splice(at, 0, byte);
      else bytes.splice(at, 1);
    }
    // One line each: a raw line break would make two requests.
    out.push(Buffer.from(bytes.map((b) => (b === 0x0a || b === 0x0d ? 0x20 : b))));
  }
  return out;
}

describe('entsso-bridge: its JSON reader under hostile input (ENTSSO stand-in, Mono)', { timeout: 300_000 }, () => {
  const h = useSeededBridge();
  let answers: RawAnswers;
  before(() => {
    answers = new RawAnswers(h.bridge);
  });

  /** Sends one line; resolves with the one answer line, parsed (it must be valid JSON). */
  async function answerTo(line: string | Buffer): Promise<Answer> {
    const raw = await answers.answerTo(line);
    try {
      return JSON.parse(raw) as Answer;
    } catch {
      throw new Error(`the answer is not valid JSON: ${raw.slice(0, 200)} (to ${JSON.stringify(line.toString().slice(0, 120))})`);
    }
  }

  async function stillServes(): Promise<void> {
    const status = await answerTo('{"jsonrpc":"2.0","id":"alive","method":"status"}');
    assert.equal((status.result as { state?: string } | undefined)?.state, 'ready', JSON.stringify(status));
    assert.equal(h.bridge.child.exitCode, null, 'the bridge is still running');
  }

  test('each hostile line gets one valid JSON answer (an error unless the request is valid); the bridge keeps serving', async () => {
    for (const line of HOSTILE) {
      const answer = await answerTo(line);
      assert.ok(answer.error || answer.result !== undefined, `an answer: ${JSON.stringify(answer)}`);
      if (answer.error) assert.equal(typeof answer.error.data?.ssoCode, 'string', JSON.stringify(answer));
    }
    await stillServes();
  });

  test('3,000 random mutations of a valid request: each answered with valid JSON, none crashes or hangs the bridge', async () => {
    const started = Date.now();
    let errors = 0;
    for (const line of mutations(3000)) {
      const answer = await answerTo(line);
      assert.ok(answer.error || answer.result !== undefined, `an answer: ${JSON.stringify(answer)}`);
      if (answer.error) errors++;
    }
    assert.ok(errors > 0 && errors < 3000, `some mutations are refused, some still valid (${errors} errors of 3000)`);
    await stillServes();
    process.stdout.write(`# 3000 mutations answered in ${Date.now() - started} ms (${errors} errors)\n`);
  });
});
