/**
 * entsso-bridge.exe's JSON-lines loop under hostile or broken input: every bad line is answered
 * with an error and the bridge keeps serving; a slow ENTSSO call does not hold back state pushes.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SEED, setStandinFault, useSeededBridge } from '../entssoStandin/standin';

interface RpcAnswer {
  id: number | string | null;
  error?: { code: number; message: string; data: { ssoCode: string } };
}

describe('entsso-bridge: framing and hostile input', { timeout: 120_000 }, () => {
  const h = useSeededBridge();

  async function stillServes(): Promise<void> {
    const status = await h.bridge.request('status');
    assert.equal(status.state, 'ready');
  }

  /** The bridge answers bad lines with a response whose id is null (or the request's id); read it raw. */
  function nextRaw(): Promise<RpcAnswer> {
    return new Promise((resolve) => {
      const onData = (d: string) => {
        for (const line of d.split('\n').filter(Boolean)) {
          const m = JSON.parse(line) as RpcAnswer & { method?: string };
          if (m.method) continue;
          h.bridge.child.stdout!.off('data', onData);
          resolve(m);
          return;
        }
      };
      h.bridge.child.stdout!.on('data', onData);
    });
  }

  async function send(text: string | Buffer): Promise<RpcAnswer> {
    const answer = nextRaw();
    h.bridge.child.stdin!.write(text);
    return answer;
  }

  test('malformed JSON → -32700, then it keeps serving', async () => {
    const a = await send('{"jsonrpc":"2.0","id":1,"method":\n');
    assert.equal(a.id, null);
    assert.equal(a.error?.code, -32700);
    assert.equal(a.error?.data.ssoCode, 'ENTSSO_E_INVALID_REQUEST');
    await stillServes();
  });

  test('an oversized line (5 MiB) → -32600 at the limit, the rest of the line skipped, then it keeps serving', async () => {
    const big = Buffer.alloc(5 * 1024 * 1024, 0x61);
    const a = await send(Buffer.concat([Buffer.from('{"jsonrpc":"2.0","id":2,"method":"status","params":{"x":"'), big, Buffer.from('"}}\n')]));
    assert.equal(a.error?.code, -32600);
    assert.match(a.error!.message, /4194304-byte limit/);
    await stillServes();
    assert.ok(h.bridge.child.exitCode === null);
  });

  test('deep nesting → an error, not a stack overflow', async () => {
    const deep = '['.repeat(100_000) + ']'.repeat(100_000);
    const a = await send(`{"jsonrpc":"2.0","id":3,"method":"status","params":${deep}}\n`);
    assert.equal(a.error?.code, -32700);
    assert.match(a.error!.message, /nested/);
    await stillServes();
  });

  test('not a request (array, no id, wrong version) → -32600; unknown method → -32601 listing what it serves', async () => {
    assert.equal((await send('[1,2,3]\n')).error?.code, -32600);
    assert.equal((await send('{"jsonrpc":"2.0","method":"status"}\n')).error?.code, -32600);
    assert.equal((await send('{"jsonrpc":"1.0","id":4,"method":"status"}\n')).error?.code, -32600);
    const unknown = await send('{"jsonrpc":"2.0","id":5,"method":"secret.verify","params":{}}\n');
    assert.equal(unknown.id, 5);
    assert.equal(unknown.error?.code, -32601);
    assert.match(unknown.error!.message, /serves: hello, status/);
    await stillServes();
  });

  test('parameters of the wrong type → ENTSSO_E_INVALID_REQUEST naming the parameter', async () => {
    const a = await send('{"jsonrpc":"2.0","id":6,"method":"apps.get","params":{"name":5}}\n');
    assert.equal(a.error?.code, 1);
    assert.equal(a.error?.data.ssoCode, 'ENTSSO_E_INVALID_REQUEST');
    assert.match(a.error!.message, /"name" must be a string/);
    const b = await send('{"jsonrpc":"2.0","id":7,"method":"apps.get","params":"x"}\n');
    assert.equal(b.error?.data.ssoCode, 'ENTSSO_E_INVALID_REQUEST');
    const c = await send('{"jsonrpc":"2.0","id":8,"method":"apps.list","params":{"limit":1.5}}\n');
    assert.equal(c.error?.data.ssoCode, 'ENTSSO_E_INVALID_REQUEST');
    await stillServes();
  });

  test('a slow ENTSSO call does not hold back the state push', async () => {
    setStandinFault(h.stateFile, { delayCalls: { GetConfigInfo: 2500 } });
    const started = Date.now();
    let answeredAt = 0;
    const slow = h.bridge.request('config.get', { application: SEED.ordersSettings, identifier: 'ConfigProperties' }).then((r) => {
      answeredAt = Date.now();
      return r;
    });
    await new Promise((r) => setTimeout(r, 300));
    setStandinFault(h.stateFile, { mssReachable: false, delayCalls: { GetConfigInfo: 2500 } });
    await h.bridge.waitForState('cached', 2000);
    const pushedAt = Date.now();
    await slow;
    assert.ok(pushedAt < answeredAt, `state pushed after ${pushedAt - started} ms, the slow call answered after ${answeredAt - started} ms`);
    setStandinFault(h.stateFile, { mssReachable: true, delayCalls: {} });
    await h.bridge.waitForState('ready');
  });

  test('stdin closed → the bridge exits 0', async () => {
    const b = await h.restart();
    b.child.stdin!.end();
    const { code } = await b.exited;
    assert.equal(code, 0);
  });
});
