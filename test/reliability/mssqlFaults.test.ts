/**
 * The SQL Server adapter under faults, through the real `mssql`/`tedious` driver talking to a
 * loopback FAKE of the TDS protocol (tdsFake.ts). It proves what the driver does on a refused,
 * silent, hung or dropped connection, on deadlock and on constraint errors, and how the
 * adapter (mssqlStore.ts, mssqlErrors.ts) maps each to an SsoError code; it proves NOTHING about
 * SQL semantics (the fake runs no SQL: each test scripts the replies to the statements it cares about).
 *
 * Every server error the fake sends quotes a value (SECRET): no SsoError may repeat it.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SsoError, type SsoErrorCode } from '../../src/protocol/errors';
import { MSSQL_SQL } from '../../src/ssoService/ssodb/mssqlSql';
import { createMssqlStore } from '../../src/ssoService/ssodb/mssqlStore';
import { MSSQL_OLD_SEARCH_TEXT_STATE } from '../../src/ssoService/ssodb/oldSearchText';
import type { ChangeAuditRows, NewApplication, SsoStore } from '../../src/ssoService/ssodb/store';
import { TdsFake, type TdsReply, type TdsRequest } from './tdsFake';

const CONNECT_TIMEOUT_MS = 1000;
const REQUEST_TIMEOUT_MS = 300;
const SECRET = 'SecretValue123';
const UNREACHABLE = 'The SSO database (SQL Server) cannot be reached or refused the request.';
const TOO_SLOW = 'The SSO database (SQL Server) did not answer in time.';

const APP: NewApplication = {
  name: 'Faults',
  description: 'd',
  contact: 'c',
  userGroup: 'u',
  adminGroup: 'a',
  flags: 0,
  kind: 'configStore',
  fields: [{ label: 'A', masked: false }],
};

/** A server error as SQL Server words it, quoting a value. */
function serverError(number: number, rollback = false): TdsReply {
  const messages: Record<number, string> = {
    1205: `Transaction (Process ID 57) was deadlocked on lock resources with another process and has been chosen as the deadlock victim. Rerun the transaction. (${SECRET})`,
    2601: `Cannot insert duplicate key row in object 'dbo.SSOX_ApplicationInfo' with unique index 'UX'. The duplicate key value is (${SECRET}).`,
    2627: `Violation of PRIMARY KEY constraint 'PK'. Cannot insert duplicate key in object 'dbo.SSOX_ApplicationInfo'. The duplicate key value is (${SECRET}).`,
    547: `The INSERT statement conflicted with the FOREIGN KEY constraint "FK". The conflict occurred in database "SSODB", table "dbo.SSOX_ApplicationInfo", column 'ai_app_name' (${SECRET}).`,
  };
  return { error: { number, message: messages[number]!, severity: number === 1205 ? 13 : number === 547 ? 16 : 14 }, rollback };
}

/** Replies `reply` to the statement `sql`, and an empty success to everything else. */
function on(sql: string, reply: (request: TdsRequest, seen: number) => TdsReply | undefined): (request: TdsRequest) => TdsReply | undefined {
  let seen = 0;
  return (request) => (request.sql === sql ? reply(request, ++seen) : undefined);
}

async function withStore(run: (store: SsoStore, fake: TdsFake) => Promise<void>): Promise<void> {
  const fake = await TdsFake.start();
  const store = createMssqlStore({ url: fake.url(), connectTimeoutMs: CONNECT_TIMEOUT_MS, requestTimeoutMs: REQUEST_TIMEOUT_MS });
  try {
    await store.init();
    afterInit.set(fake, fake.requests.length);
    await run(store, fake);
  } finally {
    await store.close();
    await fake.close();
  }
}

/** Awaits the rejection; checks the code, a sentence of ours, and that no driver text leaked. */
async function expectFailure(promise: Promise<unknown>, code: SsoErrorCode, message?: string): Promise<{ error: SsoError; ms: number }> {
  const started = Date.now();
  const error = await promise.then(
    () => assert.fail(`expected ${code}, but it succeeded`),
    (e: unknown) => e,
  );
  const ms = Date.now() - started;
  assert.ok(error instanceof SsoError, `an SsoError, not ${String(error)}`);
  assert.equal(error.code, code, error.message);
  if (message) assert.equal(error.message, message);
  assert.match(error.message, /^[A-Z].*\.$/, 'a sentence');
  const everything = `${error.message} ${JSON.stringify(error.details)} ${JSON.stringify(error)} ${String(error.stack)}`;
  for (const driverText of [SECRET, 'duplicate key', 'deadlock', 'ECONNREFUSED', '127.0.0.1', 'Timeout:', 'socket', 'tdsfake', 'fake-password']) {
    assert.ok(!everything.includes(driverText), `"${driverText}" must not reach the SsoError: ${everything}`);
  }
  return { error, ms };
}

/** Where each fake's requests after init start: init has a transaction of its own (oldSearchText.ts). */
const afterInit = new WeakMap<TdsFake, number>();
/** Requests of `kind` sent since init. */
const kinds = (fake: TdsFake, kind: TdsRequest['kind']): number => fake.requests.slice(afterInit.get(fake) ?? 0).filter((r) => r.kind === kind).length;

describe('SQL Server adapter under faults (loopback TDS fake: driver behaviour, not SQL semantics)', () => {
  describe('connection loss and timeouts → ENTSSO_E_SSODB_UNREACHABLE', () => {
    test('connection refused: init fails at once', async () => {
      const gone = await TdsFake.start();
      await gone.close(); // the port is free again: nothing listens there
      const store = createMssqlStore({ url: gone.url(), connectTimeoutMs: CONNECT_TIMEOUT_MS, requestTimeoutMs: REQUEST_TIMEOUT_MS });
      const { error, ms } = await expectFailure(store.init(), 'ENTSSO_E_SSODB_UNREACHABLE', UNREACHABLE);
      assert.equal(error.details.driverCode, 'ESOCKET');
      assert.ok(!JSON.stringify(error.details).includes(String(gone.port)), 'no address in the details');
      assert.ok(ms < CONNECT_TIMEOUT_MS, `refused at once (${ms} ms)`);
      await store.close();
    });

    test('server gone after init: calls fail; when it is back on the same port, the next call succeeds', async () => {
      await withStore(async (store, fake) => {
        await store.ping();
        await fake.close();
        const { error } = await expectFailure(store.ping(), 'ENTSSO_E_SSODB_UNREACHABLE', UNREACHABLE);
        assert.equal(error.details.driverCode, 'ESOCKET');
        await expectFailure(store.ping(), 'ENTSSO_E_SSODB_UNREACHABLE', UNREACHABLE);
        const back = await TdsFake.start(fake.port);
        try {
          await store.ping();
          assert.equal(back.count(MSSQL_SQL.ping), 1, 'served by the new server');
        } finally {
          await back.close();
        }
      });
    });

    test('init reads how far the audit rows of an earlier find by value were rewritten (TDS stand-in: the query is sent, not run; the rewrite: mssqlOldSearchTextOnce.test.ts)', async () => {
      await withStore(async (_store, fake) => {
        const sent = fake.requests.filter((request) => request.sql === MSSQL_OLD_SEARCH_TEXT_STATE);
        assert.equal(sent.length, 1, 'one state query at open');
        assert.ok(fake.requests.indexOf(sent[0]!) > fake.requests.findIndex((request) => request.sql.includes('SSOX_AuditTable')), 'after the schema exists');
      });
    });

    test('a server that accepts TCP and never answers: init fails after the connect timeout', async () => {
      const fake = await TdsFake.start();
      fake.silent = true;
      const store = createMssqlStore({ url: fake.url(), connectTimeoutMs: CONNECT_TIMEOUT_MS, requestTimeoutMs: REQUEST_TIMEOUT_MS });
      try {
        const { error, ms } = await expectFailure(store.init(), 'ENTSSO_E_SSODB_UNREACHABLE', TOO_SLOW);
        assert.equal(error.details.driverCode, 'ETIMEOUT');
        assert.ok(ms >= CONNECT_TIMEOUT_MS - 50 && ms < CONNECT_TIMEOUT_MS + 2000, `after the connect timeout (${ms} ms)`);
      } finally {
        await store.close();
        await fake.close();
      }
    });

    test('a request that never answers: fails after the request timeout; the connection is reused after the attention ack', async () => {
      await withStore(async (store, fake) => {
        await store.ping();
        const logins = fake.logins;
        fake.reply = on(MSSQL_SQL.ping, (_request, seen) => (seen === 1 ? 'hang' : undefined));
        const { error, ms } = await expectFailure(store.ping(), 'ENTSSO_E_SSODB_UNREACHABLE', TOO_SLOW);
        assert.equal(error.details.driverCode, 'ETIMEOUT');
        assert.ok(ms >= REQUEST_TIMEOUT_MS - 50 && ms < REQUEST_TIMEOUT_MS + 2000, `after the request timeout (${ms} ms)`);
        await store.ping();
        assert.equal(fake.logins, logins, 'no new connection was needed');
      });
    });

    for (const drop of ['drop', 'drop-mid-reply'] as const) {
      test(`socket closed mid-request (${drop}): fails; the next call succeeds on a new connection`, async () => {
        await withStore(async (store, fake) => {
          await store.ping();
          const logins = fake.logins;
          fake.reply = on(MSSQL_SQL.ping, (_request, seen) => (seen === 1 ? drop : undefined));
          const { error } = await expectFailure(store.ping(), 'ENTSSO_E_SSODB_UNREACHABLE', UNREACHABLE);
          assert.match(String(error.details.driverCode), /^E(SOCKET|CONNRESET)$/);
          await store.ping();
          assert.equal(fake.logins, logins + 1, 'the pool opened a new connection');
        });
      });
    }

    for (const fault of ['drop', 'hang'] as const) {
      test(`${fault} inside a transaction, 12 times (more than the pool's 10 connections): no connection is leaked`, async () => {
        await withStore(async (store, fake) => {
          let faults = 12;
          fake.reply = on(MSSQL_SQL.insertApplication, () => (faults-- > 0 ? fault : undefined));
          for (let i = 0; i < 12; i++) await expectFailure(store.createApplication(APP), 'ENTSSO_E_SSODB_UNREACHABLE', fault === 'hang' ? TOO_SLOW : UNREACHABLE);
          await store.createApplication(APP);
          assert.equal(kinds(fake, 'commit'), 1);
          // After a timeout the connection lives on, so the adapter's rollback reaches the server.
          if (fault === 'hang') assert.equal(kinds(fake, 'rollback'), 12);
        });
      });
    }
  });

  describe('deadlock (1205) → retried a bounded number of times', () => {
    test('a deadlock victim once, then success: the statement succeeds', async () => {
      await withStore(async (store, fake) => {
        fake.reply = on(MSSQL_SQL.ping, (_request, seen) => (seen === 1 ? serverError(1205) : undefined));
        await store.ping();
        assert.equal(fake.count(MSSQL_SQL.ping), 2);
      });
    });

    test('a deadlock victim every time: a clear error after 3 attempts', async () => {
      await withStore(async (store, fake) => {
        fake.reply = on(MSSQL_SQL.ping, () => serverError(1205));
        const { error } = await expectFailure(store.ping(), 'ENTSSO_E_SSODB_UNREACHABLE', UNREACHABLE);
        assert.equal(error.details.number, 1205);
        assert.equal(fake.count(MSSQL_SQL.ping), 3);
      });
    });

    test('a transaction chosen as deadlock victim (the server rolls it back) once: the whole transaction runs again and commits', async () => {
      await withStore(async (store, fake) => {
        fake.reply = on(MSSQL_SQL.insertField, (_request, seen) => (seen === 1 ? serverError(1205, true) : undefined));
        await store.createApplication(APP);
        assert.equal(fake.count(MSSQL_SQL.insertApplication), 2, 'the transaction ran twice');
        assert.deepEqual([kinds(fake, 'begin'), kinds(fake, 'commit')], [2, 1]);
      });
    });

    test('a transaction chosen as deadlock victim every time: a clear error after 3 attempts, then the pool still works', async () => {
      await withStore(async (store, fake) => {
        fake.reply = on(MSSQL_SQL.insertField, () => serverError(1205, true));
        const { error } = await expectFailure(store.createApplication(APP), 'ENTSSO_E_SSODB_UNREACHABLE', UNREACHABLE);
        assert.equal(error.details.number, 1205);
        assert.equal(kinds(fake, 'begin'), 3);
        assert.equal(kinds(fake, 'commit'), 0);
        fake.reply = () => undefined;
        await store.createApplication(APP);
      });
    });
  });

  describe('constraint errors → the documented codes', () => {
    for (const number of [2627, 2601]) {
      test(`${number} creating an application → ENTSSO_E_APPLICATION_EXISTS, transaction rolled back`, async () => {
        await withStore(async (store, fake) => {
          fake.reply = on(MSSQL_SQL.insertApplication, () => serverError(number));
          await expectFailure(store.createApplication(APP), 'ENTSSO_E_APPLICATION_EXISTS');
          assert.deepEqual([kinds(fake, 'rollback'), kinds(fake, 'commit')], [1, 0]);
          assert.equal(fake.count(MSSQL_SQL.insertApplication), 1, 'not retried');
        });
      });
    }

    test('2627 creating a configuration (its identifier exists) → ENTSSO_E_CONFLICT', async () => {
      await withStore(async (store, fake) => {
        fake.reply = on(MSSQL_SQL.insertMapping, () => serverError(2627));
        const { error } = await expectFailure(store.putCredentials('Faults', 'id1', null, 'msid', Buffer.from('x')), 'ENTSSO_E_CONFLICT');
        assert.equal(error.details.reason, 'exists');
      });
    });

    test('547 creating a configuration (the application was deleted meanwhile) → ENTSSO_E_APPLICATION_NOT_FOUND', async () => {
      await withStore(async (store, fake) => {
        fake.reply = (request) =>
          request.sql === MSSQL_SQL.insertMapping ? { resultSets: [[{ application: 'Faults' }]] } : request.sql === MSSQL_SQL.insertCredentials ? serverError(547) : undefined;
        await expectFailure(store.putCredentials('Faults', 'id1', null, 'msid', Buffer.from('x')), 'ENTSSO_E_APPLICATION_NOT_FOUND');
        assert.deepEqual([kinds(fake, 'rollback'), kinds(fake, 'commit')], [1, 0]);
      });
    });

    for (const [number, statement] of [
      [2627, 'insertApplication'],
      [547, 'insertField'],
    ] as const) {
      test(`${number} in a batch of application changes → ENTSSO_E_CONFLICT, nothing committed`, async () => {
        await withStore(async (store, fake) => {
          fake.reply = on(MSSQL_SQL[statement], () => serverError(number));
          const { error } = await expectFailure(store.applyApplicationChanges([{ application: 'Faults', create: APP, rows: [] }]), 'ENTSSO_E_CONFLICT');
          assert.equal(error.details.reason, 'concurrent-write');
          assert.deepEqual([kinds(fake, 'rollback'), kinds(fake, 'commit')], [1, 0]);
        });
      });
    }

    test('2627 outside a transaction (two MSS nodes registering at once) → ENTSSO_E_CONFLICT', async () => {
      await withStore(async (store, fake) => {
        fake.reply = on(MSSQL_SQL.upsertMssNode, () => serverError(2627));
        const { error } = await expectFailure(store.recordMssNode({ name: 'node1', role: 'active', lastSeenAt: 1, lastTakeoverAt: null }), 'ENTSSO_E_CONFLICT');
        assert.equal(error.details.number, 2627);
      });
    });
  });

  // FINDING, not fixed (see the report): `mssql` releases a connection whose COMMIT failed back to
  // the pool. When the COMMIT timed out, the server may still hold the transaction open (an
  // attention does not end it): later statements lent that connection run inside it, and are
  // lost when it is finally rolled back. mssql closes the connection when a BEGIN fails; COMMIT
  // and ROLLBACK need the same.
  test('a COMMIT that never answers: the connection is not lent out again inside the unfinished transaction', { todo: 'mssql returns the connection to the pool after a failed commit' }, async () => {
    await withStore(async (store, fake) => {
      let hangs = 1;
      fake.reply = (request) => (request.kind === 'commit' && hangs-- > 0 ? 'hang' : undefined);
      await expectFailure(store.createApplication(APP), 'ENTSSO_E_SSODB_UNREACHABLE', TOO_SLOW);
      const before = fake.requests.length;
      await store.ping();
      const ping = fake.requests.slice(before).find((request) => request.sql === MSSQL_SQL.ping)!;
      assert.equal(ping.inTransaction, false, 'the ping ran inside the transaction whose commit timed out');
    });
  });

  // `encrypt=true` is tedious's "ask for TLS", not "require it": a server — or anyone in the path,
  // PRELOGIN is cleartext — answering "encryption not supported" would receive the LOGIN7, whose
  // password is only XOR-obfuscated. The adapter's connector refuses to send it (cleartextLoginGuard).
  for (const [what, url] of [
    ['a URL with encrypt=true', (fake: TdsFake) => fake.url('encrypt=true&trustServerCertificate=false')],
    ['a connection string that does not mention encryption (mssql asks for it)', (fake: TdsFake) => `Server=127.0.0.1,${fake.port};Database=SSODB;User Id=sa;Password=fake-password`],
  ] as const) {
    test(`a server refusing encryption gets no login, and the error says why: ${what}`, async () => {
      const fake = await TdsFake.start();
      const store = createMssqlStore({ url: url(fake), connectTimeoutMs: CONNECT_TIMEOUT_MS, requestTimeoutMs: REQUEST_TIMEOUT_MS });
      try {
        const { error } = await expectFailure(store.init(), 'ENTSSO_E_SSODB_UNREACHABLE');
        assert.equal(error.details.reason, 'encryption-refused');
        assert.match(error.message, /did not agree to encrypt the connection, so the login \(with its password\) was not sent/);
        assert.doesNotMatch(error.message, /fake-password|127\.0\.0\.1|\bsa\b/);
      } finally {
        const logins = fake.logins;
        await store.close();
        await fake.close();
        assert.equal(logins, 0, 'no LOGIN7 (with the password) was sent in cleartext');
      }
    });
  }

  describe('a change and its audit rows: one transaction (the audit insert fails: the change is rolled back)', () => {
    const AUDIT: ChangeAuditRows = { entries: [{ user: 'u via test', action: 'change', outcome: 'ok', application: 'Faults' }] };
    const LOG_FULL: TdsReply = { error: { number: 9002, message: `The transaction log for database 'SSODB' is full (${SECRET}).`, severity: 17 } };
    const changes: [string, string, (store: SsoStore) => Promise<unknown>][] = [
      ['createApplication', MSSQL_SQL.insertApplication, (store) => store.createApplication(APP, AUDIT)],
      ['deleteApplication', MSSQL_SQL.deleteApplication, (store) => store.deleteApplication('Faults', AUDIT)],
      ['setApplicationFlags', MSSQL_SQL.setApplicationFlags, (store) => store.setApplicationFlags('Faults', 2, AUDIT)],
      ['deleteCredentials', MSSQL_SQL.deleteCredentials, (store) => store.deleteCredentials('Faults', 'Cfg', '7', undefined, AUDIT)],
      ['applyApplicationChanges', MSSQL_SQL.insertApplication, (store) => store.applyApplicationChanges([{ application: 'Faults', create: APP, rows: [] }], AUDIT)],
    ];
    /** One row changed by every statement, so that deletes and updates find their row. */
    const oneRow = (request: TdsRequest): TdsReply | undefined => (request.sql === MSSQL_SQL.insertAudit ? undefined : { rowCount: 1 });

    for (const [method, changeSql, change] of changes) {
      test(`${method}: the audit row is inserted inside the change's transaction, before its commit`, async () => {
        await withStore(async (store, fake) => {
          fake.reply = oneRow;
          const from = fake.requests.length;
          await change(store);
          const sent = fake.requests.slice(from);
          const changed = sent.findIndex((r) => r.sql === changeSql);
          const audited = sent.findIndex((r) => r.sql === MSSQL_SQL.insertAudit);
          const committed = sent.findIndex((r) => r.kind === 'commit');
          assert.ok(changed >= 0 && audited > changed && committed > audited, sent.map((r) => r.kind + (r.sql ? `:${r.sql.slice(0, 40)}` : '')).join('\n'));
          assert.ok(sent[changed]!.inTransaction && sent[audited]!.inTransaction, 'both in the transaction');
        });
      });

      test(`${method}: when its audit row cannot be written, the change is rolled back`, async () => {
        await withStore(async (store, fake) => {
          fake.reply = (request) => (request.sql === MSSQL_SQL.insertAudit ? LOG_FULL : oneRow(request));
          const from = fake.requests.length;
          await expectFailure(change(store), 'ENTSSO_E_SSODB_UNREACHABLE');
          const sent = fake.requests.slice(from);
          assert.ok(sent.some((r) => r.sql === changeSql && r.inTransaction), 'the change was sent in a transaction');
          assert.equal(sent.filter((r) => r.kind === 'commit').length, 0, 'nothing committed');
          assert.ok(sent.some((r) => r.kind === 'rollback'), 'rolled back');
        });
      });
    }
  });
});
