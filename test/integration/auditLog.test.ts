/**
 * `audit.list` filters through the real service (MSS and SSO service as child processes, the
 * embedded SSODB, the client library and ssoctl): by operation (exact or family), who, outcome,
 * time range and text; paging through a filtered list; the retention in the page; refusals of
 * malformed filters.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { SsoError } from '../../src/protocol/errors';
import type { AuditEntry, AuditFilter } from '../../src/protocol/messages';
import { SsoClient } from '../../src/ssoClient/client';
import { readToken } from '../../src/ssoService/environment';
import { TestEnvironment } from './harness';

const APP = 'Audit.Ports';

async function listed(c: SsoClient, filter: AuditFilter): Promise<AuditEntry[]> {
  const entries: AuditEntry[] = [];
  let cursor: string | undefined;
  do {
    const page = await c.request('audit.list', { filter, limit: 100, ...(cursor ? { cursor } : {}) });
    entries.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return entries;
}

const describeEntry = (e: AuditEntry) => `${e.action}:${e.outcome}:${e.identifier ?? ''}`;

describe('audit.list filters through the real service', () => {
  let t: TestEnvironment;
  let alice: SsoClient;
  let bob: SsoClient;
  let between: string;

  async function clientNamed(clientName: string): Promise<SsoClient> {
    const env = t.env;
    const c = new SsoClient({ socketPath: env.config.socketPath, token: readToken(env), clientName, requestTimeoutMs: 20_000 });
    t.clients.push(c);
    await c.connect();
    return c;
  }

  before(async () => {
    t = await TestEnvironment.started();
    alice = await clientNamed('alice-console');
    bob = await clientNamed('bob-deploy');
    await alice.request('apps.create', { name: APP, kind: 'configStore', fields: [{ label: 'Url', masked: false }, { label: 'Password', masked: true }] });
    await alice.request('config.set', { application: APP, identifier: 'SendOrders', fields: { Url: 'sftp://a', Password: 'pw-1' }, expectedTimestamp: null });
    await new Promise((r) => setTimeout(r, 20));
    between = new Date().toISOString();
    await new Promise((r) => setTimeout(r, 20));
    await bob.request('config.set', { application: APP, identifier: 'SendInvoices', fields: { Url: 'sftp://b', Password: 'pw-2' }, expectedTimestamp: null });
    await bob.request('config.get', { application: APP, identifier: 'SendOrders', reveal: true });
    await assert.rejects(bob.request('config.set', { application: APP, identifier: 'SendOrders', fields: { Url: 'sftp://c' }, expectedTimestamp: null }));
  });
  after(async () => t.dispose());

  test('by operation: exactly one operation, or its family', async () => {
    assert.deepEqual((await listed(alice, { operation: 'config.set' })).map(describeEntry), [
      'config.set:refused:SendOrders',
      'config.set:ok:SendInvoices',
      'config.set:ok:SendOrders',
    ]);
    assert.deepEqual((await listed(alice, { operation: 'config' })).map(describeEntry), [
      'config.set:refused:SendOrders',
      'config.reveal:ok:SendOrders',
      'config.set:ok:SendInvoices',
      'config.set:ok:SendOrders',
    ]);
    assert.deepEqual((await listed(alice, { operation: 'conf' })).map(describeEntry), [], 'a family is a whole word before a dot, not a prefix');
  });

  test('by who (ignoring case) and outcome', async () => {
    const bobs = await listed(alice, { user: 'BOB-DEPLOY' });
    assert.deepEqual(bobs.map(describeEntry), ['config.set:refused:SendOrders', 'config.reveal:ok:SendOrders', 'config.set:ok:SendInvoices']);
    assert.ok(bobs.every((e) => e.user.endsWith('via bob-deploy')), 'who is recorded as "user via client"');
    assert.deepEqual((await listed(alice, { user: 'bob', outcome: 'refused' })).map(describeEntry), ['config.set:refused:SendOrders']);
  });

  test('by time range: from inclusive, until exclusive', async () => {
    const after = await listed(alice, { operation: 'config', from: between });
    assert.deepEqual(after.map(describeEntry), ['config.set:refused:SendOrders', 'config.reveal:ok:SendOrders', 'config.set:ok:SendInvoices']);
    const before = await listed(alice, { until: between });
    assert.deepEqual(before.map(describeEntry).filter((d) => d.startsWith('config')), ['config.set:ok:SendOrders']);
    assert.ok(before.some((e) => e.action === 'app.create'));
    assert.deepEqual(await listed(alice, { from: '2000-01-01', until: '2000-01-02' }), []);
  });

  test('by text, ignoring case, in identifiers, field names and details', async () => {
    assert.deepEqual((await listed(alice, { text: 'sendinvoices' })).map(describeEntry), ['config.set:ok:SendInvoices']);
    const password = await listed(alice, { text: 'PASSWORD', operation: 'config.reveal' });
    assert.deepEqual(password.map((e) => e.fields), [['Password']], 'the reveal names the masked field (never its value)');
    assert.deepEqual(await listed(alice, { text: 'pw-1' }), [], 'no value is in the audit to be found');
  });

  test('a filtered list pages without gaps or repeats', async () => {
    const all = await listed(alice, { operation: 'config' });
    const paged: AuditEntry[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await alice.request('audit.list', { filter: { operation: 'config' }, limit: 1, ...(cursor ? { cursor } : {}) });
      paged.push(...page.items);
      cursor = page.nextCursor;
      pages += 1;
    } while (cursor && pages < 20);
    assert.deepEqual(paged.map((e) => e.id), all.map((e) => e.id));
  });

  test('the page says how long the service keeps its audit', async () => {
    const page = await alice.request('audit.list', { limit: 1 });
    assert.deepEqual(page.retention, { maxRows: 100_000, maxAgeDays: 365 });
  });

  test('malformed filters are refused with what to give instead', async () => {
    const refused = async (filter: unknown, message: RegExp) => {
      const err = await alice.request('audit.list', { filter } as never).then(() => undefined, (e: unknown) => e);
      assert.ok(err instanceof SsoError, `refused: ${JSON.stringify(filter)}`);
      assert.equal(err.code, 'ENTSSO_E_INVALID_REQUEST');
      assert.match(err.message, message);
    };
    await refused({ operation: "config.set' OR 1=1 --" }, /operation/);
    await refused({ from: 'yesterday' }, /ISO-8601/);
    await refused({ from: '2026-12-06T10:00:00Z', until: '2026-12-06T09:00:00Z' }, /before/);
    await refused({ outcome: 'maybe' }, /outcome/);
    await refused({ text: 'a\u202Eb' }, /plain text/);
    await refused({ text: 'x'.repeat(201) }, /longer/);
    await refused({ who: 'bob' }, /Unknown parameter "who"/);
    await refused('config', /filter must be an object/);
  });

  test('ssoctl audit takes the same filters', () => {
    const r = t.ssoctl(['audit', '--json', '--operation', 'config.reveal', '--user', 'bob']);
    assert.equal(r.code, 0, r.stderr);
    const rows = JSON.parse(r.stdout) as AuditEntry[];
    assert.deepEqual(rows.map(describeEntry), ['config.reveal:ok:SendOrders']);
  });
});
