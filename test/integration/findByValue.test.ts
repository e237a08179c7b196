/**
 * Find by value (`config.grep`) through the real service (MSS and SSO service as child processes,
 * the embedded SSODB, the client library and ssoctl):
 * - exactly the planted matches are found, across applications, in text and regex mode;
 * - a needle planted in a masked field is never matched and its value never returned;
 * - one search is one audit row, however many pages it takes, and the text searched for (often a
 *   password) is nowhere: not in the audit, the service log, an error message or the SSODB files;
 * - cancelling stops asking for pages, and the service then does no more work (its CPU time);
 * - a catastrophic regular expression ends within the page budget; unsupported features and a
 *   cursor of another search are refused.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { SsoClient } from '../../src/ssoClient/client';
import { SsoError } from '../../src/protocol/errors';
import type { GrepMatch, GrepPage, GrepParams } from '../../src/protocol/messages';
import { grepPages } from '../../src/ssoClient/valueSearchPages';
import { TestEnvironment } from './harness';

const MASKED_NEEDLE = 'Hidden-sql01-Pa55';
const ONLY_MASKED = 'zebra-only-in-password';
const PORTS = 'Grep.Ports';
const OTHER = 'Grep.Other';
const MANY = 'Grep.Many';
const MANY_ROWS = 60;

async function allMatches(c: SsoClient, params: Omit<GrepParams, 'cursor'>): Promise<{ matches: GrepMatch[]; pages: GrepPage[] }> {
  const pages: GrepPage[] = [];
  for await (const page of grepPages(c, params)) pages.push(page);
  return { matches: pages.flatMap((p) => p.matches), pages };
}

const key = (m: GrepMatch) => `${m.application}|${m.identifier}|${m.field}`;

async function grepAuditRows(c: SsoClient): Promise<number> {
  const items = (await c.request('audit.list', { limit: 1000 })).items;
  return items.filter((e) => e.action === 'config.grep').length;
}

/** User + system CPU time of a process, in clock ticks (Linux /proc). */
function cpuTicks(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

describe('find by value through the real service', () => {
  let t: TestEnvironment;
  let c: SsoClient;

  before(async () => {
    t = await TestEnvironment.started({ syncIntervalSeconds: 1 });
    c = await t.client();
    const fields = [
      { label: 'Url', masked: false },
      { label: 'User', masked: false },
      { label: 'Password', masked: true },
    ];
    await c.request('apps.create', { name: PORTS, kind: 'configStore', fields });
    const put = (application: string, identifier: string, values: Record<string, string>) =>
      c.request('config.set', { application, identifier, fields: values, expectedTimestamp: null });
    await put(PORTS, 'SendOrders', { Url: 'mssql://SQL01.contoso.example/Orders', User: 'svc-orders', Password: MASKED_NEEDLE });
    await put(PORTS, 'SendInvoices', { Url: 'mssql://sql02.contoso.example/Invoices', User: 'svc-sql01-reader', Password: ONLY_MASKED });
    await put(PORTS, 'ReceiveNothing', { Url: 'sftp://files.contoso.example/in', User: 'svc-files', Password: MASKED_NEEDLE });
    await c.request('apps.create', { name: OTHER, kind: 'configStore', fields: [{ label: 'Connection', masked: false }] });
    await put(OTHER, 'Db', { Connection: 'Server=sql01;\nDatabase=Other;Integrated Security=true' });
    await put(OTHER, 'Backtrack', { Connection: 'a'.repeat(40) });
    await c.request('apps.create', { name: MANY, kind: 'configStore', fields: [{ label: 'Value', masked: false }] });
    for (let i = 0; i < MANY_ROWS; i++) await put(MANY, `Row${String(i).padStart(3, '0')}`, { Value: `many-${i}` });
  });
  after(async () => t.dispose());

  test('exactly the planted matches, in every application, with an excerpt around each', async () => {
    const { matches } = await allMatches(c, { pattern: 'sql01' });
    assert.deepEqual(matches.map(key).sort(), [`${OTHER}|Db|Connection`, `${PORTS}|SendInvoices|User`, `${PORTS}|SendOrders|Url`]);
    const db = matches.find((m) => m.identifier === 'Db')!;
    assert.equal(db.excerpt, 'Server=sql01; Database=Other;Integrated Se…', 'the line break is shown as a space, the excerpt is cut');
    assert.equal(db.excerpt.slice(db.matchStart, db.matchStart + db.matchLength), 'sql01');
    const orders = matches.find((m) => m.identifier === 'SendOrders')!;
    assert.equal(orders.excerpt.slice(orders.matchStart, orders.matchStart + orders.matchLength), 'SQL01', 'text ignores case');

    const oneApp = await allMatches(c, { pattern: 'sql01', application: OTHER });
    assert.deepEqual(oneApp.matches.map(key), [`${OTHER}|Db|Connection`]);

    const regex = await allMatches(c, { pattern: '^mssql://sql0\\d\\.', regex: true });
    assert.deepEqual(regex.matches.map(key), [`${PORTS}|SendInvoices|Url`], 'a regular expression is case-sensitive');
  });

  test('a masked field is never searched and its value never returned', async () => {
    const onlyMasked = await allMatches(c, { pattern: ONLY_MASKED });
    assert.deepEqual(onlyMasked.matches, []);
    const needle = await allMatches(c, { pattern: MASKED_NEEDLE });
    assert.deepEqual(needle.matches, []);
    const everything = await allMatches(c, { pattern: '.', regex: true, limit: 1000 });
    assert.ok(everything.matches.length >= MANY_ROWS + 5, 'every non-empty unmasked value matches "."');
    assert.ok(!everything.matches.some((m) => m.field === 'Password'));
    const wire = JSON.stringify(everything.pages);
    assert.ok(!wire.includes(MASKED_NEEDLE) && !wire.includes(ONLY_MASKED), 'no masked value travels');

    const cli = t.ssoctl(['config', 'grep', ONLY_MASKED]);
    assert.equal(cli.code, 1, `nothing found is exit 1 like grep: ${cli.stderr}`);
    assert.equal(cli.stdout, '');
    const found = t.ssoctl(['config', 'grep', 'SQL01', '--app', PORTS]);
    assert.equal(found.code, 0, found.stderr);
    assert.deepEqual(found.stdout.trim().split('\n').map((l) => l.split('\t').slice(0, 3).join('|')).sort(), [`${PORTS}|SendInvoices|User`, `${PORTS}|SendOrders|Url`]);
    assert.ok(!found.stdout.includes(MASKED_NEEDLE));
  });

  test('one search is one audit row without its text, however many pages', async () => {
    const before = await grepAuditRows(c);
    const { pages, matches } = await allMatches(c, { pattern: 'many-', application: MANY, limit: 7 });
    assert.equal(matches.length, MANY_ROWS);
    assert.ok(pages.length >= 9, `${pages.length} pages`);
    assert.equal(pages.at(-1)!.scanned, MANY_ROWS);
    assert.equal(pages.at(-1)!.total, MANY_ROWS);
    assert.equal((await grepAuditRows(c)) - before, 1);
    const row = (await c.request('audit.list', { limit: 5 })).items.find((e) => e.action === 'config.grep')!;
    assert.equal(row.detail, `text search of ${MANY_ROWS} configuration(s); the text searched for is not recorded`);
    assert.equal(row.application, MANY);
    assert.match(row.user, /via test$/);
  });

  test('the text searched for is nowhere: audit, service log, error messages, ssoctl, SSODB files', async () => {
    const needle = 'Pw-Needle-4711';
    const messages: string[] = [];
    const refusal = (err: unknown) => (messages.push(err instanceof SsoError ? err.message : String(err)), true);
    await allMatches(c, { pattern: needle });
    await allMatches(c, { pattern: `${needle}|x`, regex: true });
    await assert.rejects(c.request('config.grep', { pattern: `(${needle}`, regex: true }), refusal);
    await assert.rejects(c.request('config.grep', { pattern: `${needle}{17}`, regex: true }), refusal);
    await assert.rejects(c.request('config.grep', { pattern: `(${needle})\\1`, regex: true }), refusal);
    const cli = t.ssoctl(['config', 'grep', `(${needle}`, '--regex']);
    assert.equal(cli.code, 2);
    assert.equal(messages.length, 3);
    for (const message of [...messages, cli.stdout, cli.stderr]) {
      assert.ok(!message.includes(needle) && !message.includes('{17}'), `the text is repeated: ${message}`);
    }
    assert.match(messages[0]!, /regular expression is not valid \(Unterminated group\)/);
    const audit = JSON.stringify((await c.request('audit.list', { limit: 1000 })).items);
    assert.ok(!audit.includes(needle), 'the audit holds the text searched for');
    assert.ok(!t.service!.log.join('\n').includes(needle), 'the service log holds the text searched for');
    const dataDir = path.dirname(t.ssodbFile);
    for (const file of readdirSync(dataDir).filter((f) => f.includes('.sqlite'))) {
      assert.ok(!readFileSync(path.join(dataDir, file)).includes(needle), `${file} holds the text searched for`);
    }
  });

  test('cancelling stops the scan: no further page is asked for and the service goes idle', async () => {
    let requests = 0;
    const counting = { request: ((method: 'config.grep', params: GrepParams) => (requests++, c.request(method, params))) as SsoClient['request'] };
    const cancel = new AbortController();
    let seen = 0;
    for await (const page of grepPages(counting, { pattern: 'many-', application: MANY, limit: 1 }, cancel.signal)) {
      seen += page.matches.length;
      if (seen === 3) cancel.abort();
    }
    assert.equal(requests, 3, 'no page is asked for after the cancel');
    const pid = t.service!.child.pid!;
    const start = cpuTicks(pid);
    await new Promise((r) => setTimeout(r, 1000));
    const used = cpuTicks(pid) - start;
    // 100 ticks is a whole core for the second; a scan still running would use most of it.
    assert.ok(used < 15, `the service used ${used} ticks of CPU in the second after the cancel`);
  });

  test('regular expression cost is bounded; unsupported features and foreign cursors are refused', async () => {
    const started = Date.now();
    const { matches } = await allMatches(c, { pattern: '^(a|a)*b$', regex: true, application: OTHER });
    assert.deepEqual(matches, []);
    assert.ok(Date.now() - started < 5000, `exponential backtracking ended in ${Date.now() - started} ms`);

    for (const pattern of ['(a)\\1', '(?<x>a)\\k<x>', 'a(?=b)', '(?<!a)b', '^(a|a){1,30}b$', '((a{1,5}){1,5}){1,5}']) {
      await assert.rejects(c.request('config.grep', { pattern, regex: true }), (err: SsoError) => err.code === 'ENTSSO_E_INVALID_REQUEST' && /bounded cost/.test(err.message));
    }
    await assert.rejects(c.request('config.grep', { pattern: 'x'.repeat(201) }), (err: SsoError) => err.code === 'ENTSSO_E_INVALID_REQUEST');
    await assert.rejects(c.request('config.grep', { pattern: '(', regex: true }), (err: SsoError) => err.code === 'ENTSSO_E_INVALID_REQUEST');
    const cli = t.ssoctl(['config', 'grep', '(a)\\1', '--regex']);
    assert.equal(cli.code, 2, 'a pattern the service refuses is a usage error, like grep');

    const first = await c.request('config.grep', { pattern: 'many-', application: MANY, limit: 1 });
    assert.ok(first.nextCursor);
    await assert.rejects(c.request('config.grep', { pattern: 'Row', application: MANY, limit: 1, cursor: first.nextCursor }), (err: SsoError) => err.code === 'ENTSSO_E_INVALID_REQUEST' && /another search/.test(err.message));
  });
});
