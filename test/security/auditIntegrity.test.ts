/**
 * The audit cannot be flooded, forged or grown without bound, with real processes: wrong-token
 * hellos pipelined on one connection get one answer and one row; a client reconnecting as fast
 * as it can from four connections gets a few rows and one summary; a client name with control
 * or bidi characters is refused before it reaches the log or the audit; the audit keeps at most
 * its retention (rows and age), and `audit.list` / `ssoctl audit` page through what is kept.
 */
import assert from 'node:assert/strict';
import * as net from 'node:net';
import { after, before, describe, test } from 'node:test';
import nodeSqlite3Wasm from 'node-sqlite3-wasm';
import type { SsoClient } from '../../src/ssoClient/client';
import { PROTOCOL_VERSION, type AuditEntry } from '../../src/protocol/messages';
import { sideFileFor } from '../../src/ssoService/ssodb/sideFiles';
import { TestEnvironment, waitUntil } from '../integration/harness';

/** Writes `lines` at once on a fresh connection; returns the answers it got before the service closed it. */
function pipelined(socketPath: string, lines: object[], timeoutMs = 10_000): Promise<{ answers: unknown[]; closedByService: boolean }> {
  return new Promise((resolve) => {
    const socket = net.createConnection(socketPath);
    let buffered = '';
    const answers: unknown[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ answers, closedByService: false });
    }, timeoutMs);
    socket.on('connect', () => socket.write(lines.map((l) => JSON.stringify(l) + '\n').join('')));
    socket.on('data', (d) => {
      buffered += d.toString('utf8');
      let nl: number;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        answers.push(JSON.parse(buffered.slice(0, nl)));
        buffered = buffered.slice(nl + 1);
      }
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ answers, closedByService: true });
    });
  });
}

function wrongHello(id: number, client = 'flood'): object {
  return { jsonrpc: '2.0', id, method: 'hello', params: { token: 'not-the-token', protocolVersion: PROTOCOL_VERSION, client } };
}

/** Every audit row, newest first, paged as a client does. */
async function allAudit(c: SsoClient): Promise<AuditEntry[]> {
  const rows: AuditEntry[] = [];
  let cursor: string | undefined;
  do {
    const page = await c.request('audit.list', { limit: 1000, cursor });
    rows.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor !== undefined);
  return rows;
}

const isRefusedConnect = (e: AuditEntry) => e.action === 'connect' && e.outcome === 'refused';

describe('audit integrity: refusals', () => {
  let t: TestEnvironment;
  before(async () => {
    t = await TestEnvironment.started({ syncIntervalSeconds: 1 });
  });
  after(async () => t.dispose());

  test('1,000 wrong-token hellos pipelined on one connection: one answer, the connection closed, one audit row', async () => {
    const c = await t.client();
    const before = (await allAudit(c)).filter(isRefusedConnect).length;
    const { answers, closedByService } = await pipelined(t.env.config.socketPath, Array.from({ length: 1000 }, (_, i) => wrongHello(i + 1)));
    assert.ok(closedByService, 'the service closed the connection');
    assert.equal(answers.length, 1, `answers to the pipelined hellos: ${answers.length}`);
    assert.equal((answers[0] as { error?: { data?: { ssoCode?: string } } }).error?.data?.ssoCode, 'ENTSSO_E_ACCESS_DENIED');
    await new Promise((r) => setTimeout(r, 300));
    const added = (await allAudit(c)).filter(isRefusedConnect).length - before;
    assert.equal(added, 1, `audit rows added by one connection: ${added}`);
  });

  test('a client name with a newline, ESC, C1, bidi or zero-width character is refused before it reaches the log or the audit', async () => {
    const names = ['x\n2026-01-01T00:00:00.000Z ssod[1] forged line', '\u001b[2J\u001b[Hcleared', 'c1\u009b31m', 'bidi\u202eevil', 'zero\u200bwidth', 'lone\ud800'];
    const token = (await import('node:fs')).readFileSync(t.env.paths.token, 'utf8').trim();
    for (const client of names) {
      for (const hello of [wrongHello(1, client), { jsonrpc: '2.0', id: 1, method: 'hello', params: { token, protocolVersion: PROTOCOL_VERSION, client } }]) {
        const { answers, closedByService } = await pipelined(t.env.config.socketPath, [hello, { jsonrpc: '2.0', id: 2, method: 'status', params: {} }]);
        assert.ok(closedByService, `connection closed after refusing ${JSON.stringify(client)}`);
        assert.equal(answers.length, 1, `one answer for ${JSON.stringify(client)}`);
        assert.equal((answers[0] as { error?: { data?: { ssoCode?: string } } }).error?.data?.ssoCode, 'ENTSSO_E_INVALID_REQUEST', JSON.stringify(answers[0]));
      }
    }
    const c = await t.client();
    const audit = JSON.stringify(await allAudit(c));
    for (const marker of ['forged line', 'cleared', 'c1', 'bidi', 'zero', 'lone']) assert.ok(!audit.includes(marker), `"${marker}" reached the audit`);
    for (const line of t.service!.log) {
      assert.doesNotMatch(line, /forged line|cleared|bidi|zero.width/, `a refused name reached the log: ${JSON.stringify(line)}`);
      // eslint-disable-next-line no-control-regex
      assert.doesNotMatch(line, /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069]/, `a control character in the log: ${JSON.stringify(line)}`);
    }
  });

  test('four clients each pipelining 100 wrong-token hellos per connection for 3 s: a bounded number of rows, then one summary with the count', async () => {
    const c = await t.client();
    const before = (await allAudit(c)).filter(isRefusedConnect).length;
    const started = Date.now();
    let hellos = 0;
    let answered = 0;
    const flood = async () => {
      while (Date.now() - started < 3000) {
        const { answers } = await pipelined(t.env.config.socketPath, Array.from({ length: 100 }, (_, i) => wrongHello(i + 1)), 2000);
        hellos += 100;
        answered += answers.length;
      }
    };
    await Promise.all([flood(), flood(), flood(), flood()]);
    const seconds = (Date.now() - started) / 1000;
    await new Promise((r) => setTimeout(r, 300));
    const added = (await allAudit(c)).filter(isRefusedConnect).length - before;
    console.log(`# flood: ${hellos} wrong-token hellos (${answered} answered) in ${seconds.toFixed(1)} s from 4 clients -> ${added} audit rows (${(added / seconds).toFixed(1)} rows/s)`);
    assert.ok(added <= 10, `refusal rows recorded one by one within a minute: ${added}`);
    const attempts = answered;

    // The count of what was not recorded one by one is written when the window ends, or when the
    // service stops (a restart must not lose it).
    c.close();
    assert.equal(await t.service!.stop(), 0);
    await t.startService();
    const c2 = await t.client();
    const summary = (await allAudit(c2)).find((e) => isRefusedConnect(e) && /more refusals suppressed/.test(e.detail ?? ''));
    assert.ok(summary, 'a summary row was written');
    const suppressed = Number(/^(\d+) more refusals suppressed/.exec(summary.detail ?? '')?.[1]);
    // This test's flood plus the connections of the earlier tests of this file in the same window.
    assert.ok(suppressed >= attempts - added, `summary counts ${suppressed}, expected at least ${attempts - added}`);
  });
});

describe('audit integrity: retention', () => {
  let t: TestEnvironment;
  before(async () => {
    t = TestEnvironment.create({ syncIntervalSeconds: 1 });
    await t.startMss();
  });
  after(async () => t.dispose());

  test('with --audit-max-rows 20 the audit keeps the newest 20 rows; audit.list and ssoctl audit page through them', async () => {
    t.service = t.spawnRole('service', ['--audit-max-rows', '20']);
    await t.service.waitForLog(/ssod\[\d+\] ready$/);
    const c = await t.client();
    await c.request('apps.create', { name: 'Kept', kind: 'configStore', fields: [{ label: 'A', masked: false }] });
    for (let i = 0; i < 60; i++) await c.request('config.set', { application: 'Kept', identifier: `id${i}`, fields: { A: 'v' }, expectedTimestamp: null });
    const rows = await allAudit(c);
    assert.ok(rows.length <= 20, `rows kept: ${rows.length}`);
    assert.ok(rows.length >= 15, `the newest rows are kept: ${rows.length}`);
    assert.deepEqual(rows.slice(0, 3).map((r) => r.identifier), ['id59', 'id58', 'id57'], 'newest first, the latest writes kept');
    assert.ok(!rows.some((r) => r.identifier === 'id0'), 'the oldest rows are gone');
    const paged = [];
    let cursor: string | undefined;
    do {
      const page = await c.request('audit.list', { limit: 7, cursor });
      paged.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor !== undefined);
    assert.deepEqual(paged.map((r) => r.id), rows.map((r) => r.id), 'paging by 7 sees the same rows');
    const cli = t.ssoctl(['audit', '--limit', '100']);
    assert.equal(cli.code, 0, cli.stderr);
    assert.match(cli.stdout, /config\.set\s+ok\s+Kept\s+id59/);
    assert.equal(cli.stdout.trim().split('\n').length - 1, rows.length, 'ssoctl audit lists what is kept');
  });

  test('rows older than --audit-max-age-days are deleted when the service starts, newer ones kept', async () => {
    await t.service!.stop();
    // Rows written "a year ago" and "a week ago", straight into the audit file while no service runs.
    const db = new nodeSqlite3Wasm.Database(sideFileFor(t.ssodbFile, 'audit'));
    try {
      const insert = `INSERT INTO SSOX_AuditTable (au_at, au_user, au_action, au_outcome) VALUES (?, 'old', ?, 'ok')`;
      for (let i = 0; i < 5; i++) db.run(insert, [new Date(Date.now() - 400 * 86_400_000).toISOString(), 'aged.year']);
      db.run(insert, [new Date(Date.now() - 7 * 86_400_000).toISOString(), 'aged.week']);
    } finally {
      db.close();
    }
    t.service = t.spawnRole('service', ['--audit-max-rows', '1000', '--audit-max-age-days', '30']);
    await t.service.waitForLog(/ssod\[\d+\] ready$/);
    const c = await t.client();
    await waitUntil(async () => !(await allAudit(c)).some((r) => r.action === 'aged.year'), 10_000, () => 'rows older than 30 days are still there');
    const rows = await allAudit(c);
    assert.ok(rows.some((r) => r.action === 'aged.week'), 'a row of last week is kept');
    assert.ok(rows.some((r) => r.identifier === 'id59'), 'recent rows are kept');
    await t.service.waitForLog(/audit retention: deleted 5 row\(s\)/, 5000);
  });

  test('a retention setting out of range stops serve with a sentence', async () => {
    await t.service!.stop();
    const d = t.spawnRole('service', ['--audit-max-rows', '3']);
    await waitUntil(() => !d.running, 20_000, () => 'serve did not stop');
    assert.notEqual(d.child.exitCode, 0);
    assert.ok(d.log.some((l) => /--audit-max-rows.*must be a whole number from 10/.test(l)), d.log.join('\n'));
  });
});
