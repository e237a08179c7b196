/**
 * SQL Server: the rewrite of an earlier find by value's audit rows covers, at each open, only the
 * rows above a high-water mark (an extended property of the audit table, moved in the rewrite's
 * transaction); without the right to write the mark, the UPDATE runs once, alone, and the log says
 * why. Over the loopback TDS STAND-IN (tdsFake.ts): it shows what the driver sends and in which
 * transaction, NOTHING about how SQL Server runs it; the SSODB's state (the mark, the last audit id,
 * the ALTER right) lives in this test's reply function. The parameters each statement gets are
 * pinned by the golden test (test/unit/ssodb/mssqlStore.test.ts).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { init, MsSqlDialect, Parser } from '@guanmingchiu/sqlparser-ts';
import { SsoError } from '../../src/protocol/errors';
import { createMssqlStore } from '../../src/ssoService/ssodb/mssqlStore';
import {
  MARK_NOT_WRITABLE_LOG,
  MSSQL_MARK_OLD_SEARCH_TEXT_REDACTED,
  MSSQL_OLD_SEARCH_TEXT_STATE,
  MSSQL_REDACT_OLD_SEARCH_TEXT,
} from '../../src/ssoService/ssodb/oldSearchText';
import { TdsFake, type TdsReply, type TdsRequest } from './tdsFake';

const serverError = (number: number, message: string): TdsReply => ({ error: { number, message, severity: 16 } });

/** An SSODB as far as the mark goes: a written mark counts once its transaction commits. */
class SsodbState {
  mark: number | null = null;
  lastId = 7;
  mayMark = 1;
  /** What the mark's statement gets instead of success (and what else happens then). */
  markFails: (() => TdsReply) | undefined;
  private pending: number | undefined;

  reply = (request: TdsRequest): TdsReply | undefined => {
    if (request.sql === MSSQL_OLD_SEARCH_TEXT_STATE) return { resultSets: [[{ mark: this.mark === null ? null : String(this.mark), lastId: this.lastId, mayMark: this.mayMark }]] };
    if (request.sql === MSSQL_MARK_OLD_SEARCH_TEXT_REDACTED) {
      if (this.markFails) return this.markFails();
      this.pending = this.lastId;
    }
    if (request.kind === 'commit' && this.pending !== undefined) this.mark = this.pending;
    if (request.kind === 'commit' || request.kind === 'rollback') this.pending = undefined;
    return undefined;
  };
}

async function openAndClose(fake: TdsFake, log: string[] = []): Promise<void> {
  const store = createMssqlStore({ url: fake.url(), connectTimeoutMs: 1000, requestTimeoutMs: 1000 }, (message) => log.push(message));
  try {
    await store.init();
  } finally {
    await store.close();
  }
}

async function withFake(state: SsodbState, run: (fake: TdsFake) => Promise<void>): Promise<void> {
  const fake = await TdsFake.start();
  fake.reply = state.reply;
  try {
    await run(fake);
  } finally {
    await fake.close();
  }
}

const sentOf = (fake: TdsFake, sql: string): TdsRequest[] => fake.requests.filter((request) => request.sql === sql);
const kinds = (fake: TdsFake, kind: TdsRequest['kind']): number => fake.requests.filter((request) => request.kind === kind).length;

describe('SQL Server: old find-by-value rows rewritten above a high-water mark (TDS stand-in: what is sent, not SQL semantics)', () => {
  test('the state query, the UPDATE and the mark are well-formed T-SQL (a real parser; no SQL Server runs here)', async () => {
    await init();
    for (const text of [MSSQL_OLD_SEARCH_TEXT_STATE, MSSQL_REDACT_OLD_SEARCH_TEXT, MSSQL_MARK_OLD_SEARCH_TEXT_REDACTED]) {
      assert.doesNotThrow(() => Parser.parse(text, new MsSqlDialect()), text);
    }
    assert.throws(() => Parser.parse('SELEC 1', new MsSqlDialect()), 'the parser rejects bad SQL');
  });

  test('the first open rewrites and moves the mark in one transaction; the next sends no UPDATE; rows written after the mark are rewritten at the open after them', async () => {
    const state = new SsodbState();
    await withFake(state, async (fake) => {
      await openAndClose(fake);
      const [update] = sentOf(fake, MSSQL_REDACT_OLD_SEARCH_TEXT);
      const [mark] = sentOf(fake, MSSQL_MARK_OLD_SEARCH_TEXT_REDACTED);
      assert.ok(update?.inTransaction && mark?.inTransaction, 'the UPDATE and the mark in a transaction');
      assert.equal(update.connection, mark.connection);
      assert.ok(fake.requests.indexOf(update) < fake.requests.indexOf(mark), 'the mark after the UPDATE');
      assert.ok(fake.requests.slice(fake.requests.indexOf(mark)).some((request) => request.kind === 'commit'), 'committed');
      assert.equal(state.mark, 7);

      await openAndClose(fake);
      assert.equal(sentOf(fake, MSSQL_OLD_SEARCH_TEXT_STATE).length, 2, 'each open reads the state');
      assert.equal(sentOf(fake, MSSQL_REDACT_OLD_SEARCH_TEXT).length, 1, 'nothing above the mark: no UPDATE');

      // An earlier version (another machine on this SSODB) records searches after the mark.
      state.lastId = 9;
      await openAndClose(fake);
      assert.deepEqual(sentOf(fake, MSSQL_REDACT_OLD_SEARCH_TEXT).map((request) => request.inTransaction), [true, true], 'rewritten again, in a transaction');
      assert.equal(sentOf(fake, MSSQL_MARK_OLD_SEARCH_TEXT_REDACTED).length, 2);
      assert.equal(state.mark, 9);
    });
  });

  test('no ALTER right on the audit table: the UPDATE runs once, alone, no transaction; one log line says what to grant; the open succeeds, and so does the next', async () => {
    const state = new SsodbState();
    state.mayMark = 0;
    await withFake(state, async (fake) => {
      const log: string[] = [];
      await openAndClose(fake, log);
      assert.deepEqual(sentOf(fake, MSSQL_REDACT_OLD_SEARCH_TEXT).map((request) => request.inTransaction), [false], 'one UPDATE, outside a transaction');
      assert.equal(sentOf(fake, MSSQL_MARK_OLD_SEARCH_TEXT_REDACTED).length, 0, 'no attempt to write the mark');
      assert.equal(kinds(fake, 'begin'), 0);
      assert.deepEqual(log, [MARK_NOT_WRITABLE_LOG]);
      assert.match(log[0]!, /GRANT ALTER ON dbo\.SSOX_AuditTable/);
      await openAndClose(fake, log);
      assert.equal(sentOf(fake, MSSQL_REDACT_OLD_SEARCH_TEXT).length, 2, 'unmarked: rewritten at every open, as before');
      assert.equal(log.length, 2, 'one line per open');
    });
  });

  test('the mark refused although HAS_PERMS_BY_NAME granted it: rolled back, the UPDATE alone, one log line with the error number (not its text)', async () => {
    const state = new SsodbState();
    state.markFails = () => serverError(15247, 'User does not have permission to perform this action. S3cr3t-in-message');
    await withFake(state, async (fake) => {
      const log: string[] = [];
      await openAndClose(fake, log);
      assert.deepEqual(sentOf(fake, MSSQL_REDACT_OLD_SEARCH_TEXT).map((request) => request.inTransaction), [true, false]);
      assert.equal(kinds(fake, 'rollback'), 1);
      assert.equal(state.mark, null);
      assert.equal(log.length, 1);
      assert.match(log[0]!, /error 15247/);
      assert.doesNotMatch(log[0]!, /S3cr3t/);
    });
  });

  test('another error writing the mark is not swallowed: the open fails with a typed error, rolled back, no UPDATE outside the transaction', async () => {
    const state = new SsodbState();
    state.markFails = () => serverError(8114, 'Error converting data type. S3cr3t-in-message');
    await withFake(state, async (fake) => {
      const log: string[] = [];
      await assert.rejects(openAndClose(fake, log), (error: unknown) => {
        assert.ok(error instanceof SsoError);
        assert.equal(error.code, 'ENTSSO_E_SSODB_UNREACHABLE');
        assert.equal(error.details.number, 8114);
        assert.doesNotMatch(error.message, /S3cr3t/);
        return true;
      });
      assert.equal(kinds(fake, 'rollback'), 1);
      assert.deepEqual(sentOf(fake, MSSQL_REDACT_OLD_SEARCH_TEXT).map((request) => request.inTransaction), [true]);
      assert.deepEqual(log, []);
    });
  });

  test('another process added the first mark between the check and the add (15233): the state is read again and nothing is left to rewrite', async () => {
    const state = new SsodbState();
    state.markFails = () => {
      state.mark = state.lastId;
      state.markFails = undefined;
      return serverError(15233, 'Property cannot be added. Property already exists.');
    };
    await withFake(state, async (fake) => {
      const log: string[] = [];
      await openAndClose(fake, log);
      assert.equal(sentOf(fake, MSSQL_OLD_SEARCH_TEXT_STATE).length, 2, 'read again');
      assert.deepEqual(sentOf(fake, MSSQL_REDACT_OLD_SEARCH_TEXT).map((request) => request.inTransaction), [true]);
      assert.equal(kinds(fake, 'rollback'), 1);
      assert.deepEqual(log, []);
    });
  });
});
