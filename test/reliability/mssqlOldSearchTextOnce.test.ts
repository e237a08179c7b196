/**
 * SQL Server: the rewrite of an earlier find by value's audit rows (a scan of the whole audit:
 * no index on au_action) runs until SSODB is marked (an extended property of the audit table,
 * written in the rewrite's transaction), not at every open. Over the loopback TDS STAND-IN
 * (tdsFake.ts): it shows what the driver sends and in which transaction, NOTHING about how SQL
 * Server runs it; the marker's state lives in this test's reply function.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { init, MsSqlDialect, Parser } from '@guanmingchiu/sqlparser-ts';
import { createMssqlStore } from '../../src/ssoService/ssodb/mssqlStore';
import { MSSQL_MARK_OLD_SEARCH_TEXT_REDACTED, MSSQL_OLD_SEARCH_TEXT_MARKED, MSSQL_REDACT_OLD_SEARCH_TEXT } from '../../src/ssoService/ssodb/oldSearchText';
import { TdsFake, type TdsReply, type TdsRequest } from './tdsFake';

/** An SSODB as far as the marker goes: the check answers whether it was written (and committed). */
class MarkerState {
  marked = false;
  private pending = false;
  refuseMark: TdsReply | undefined;

  reply = (request: TdsRequest): TdsReply | undefined => {
    if (request.sql === MSSQL_OLD_SEARCH_TEXT_MARKED) return { resultSets: [[{ marked: this.marked ? 1 : 0 }]] };
    if (request.sql === MSSQL_MARK_OLD_SEARCH_TEXT_REDACTED) {
      if (this.refuseMark) return this.refuseMark;
      this.pending = true;
    }
    if (request.kind === 'commit') this.marked ||= this.pending;
    if (request.kind === 'rollback') this.pending = false;
    return undefined;
  };
}

async function openAndClose(fake: TdsFake): Promise<void> {
  const store = createMssqlStore({ url: fake.url(), connectTimeoutMs: 1000, requestTimeoutMs: 1000 });
  try {
    await store.init();
  } finally {
    await store.close();
  }
}

const sentOf = (fake: TdsFake, sql: string): TdsRequest[] => fake.requests.filter((request) => request.sql === sql);

describe('SQL Server: old find-by-value rows rewritten once per SSODB (TDS stand-in: what is sent, not SQL semantics)', () => {
  test('the check, the UPDATE and the marker are well-formed T-SQL (a real parser; no SQL Server runs here)', async () => {
    await init();
    for (const text of [MSSQL_OLD_SEARCH_TEXT_MARKED, MSSQL_REDACT_OLD_SEARCH_TEXT, MSSQL_MARK_OLD_SEARCH_TEXT_REDACTED]) {
      assert.doesNotThrow(() => Parser.parse(text, new MsSqlDialect()), text);
    }
    assert.throws(() => Parser.parse('SELEC 1', new MsSqlDialect()), 'the parser rejects bad SQL');
  });

  test('the first open rewrites and marks in one transaction; the next open checks the marker and sends no UPDATE', async () => {
    const fake = await TdsFake.start();
    const state = new MarkerState();
    fake.reply = state.reply;
    try {
      await openAndClose(fake);
      const [update] = sentOf(fake, MSSQL_REDACT_OLD_SEARCH_TEXT);
      const [mark] = sentOf(fake, MSSQL_MARK_OLD_SEARCH_TEXT_REDACTED);
      assert.ok(update?.inTransaction && mark?.inTransaction, 'the UPDATE and the marker in a transaction');
      assert.equal(update.connection, mark.connection);
      assert.ok(fake.requests.indexOf(update) < fake.requests.indexOf(mark), 'the marker after the UPDATE');
      assert.ok(fake.requests.slice(fake.requests.indexOf(mark)).some((request) => request.kind === 'commit'), 'committed');
      assert.equal(state.marked, true);

      await openAndClose(fake);
      assert.equal(sentOf(fake, MSSQL_OLD_SEARCH_TEXT_MARKED).length, 2, 'each open checks the marker');
      assert.equal(sentOf(fake, MSSQL_REDACT_OLD_SEARCH_TEXT).length, 1, 'the second open sent no UPDATE: no scan');
      assert.equal(sentOf(fake, MSSQL_MARK_OLD_SEARCH_TEXT_REDACTED).length, 1);
    } finally {
      await fake.close();
    }
  });

  test('no right to write the marker: the transaction is rolled back, the UPDATE runs alone, the open succeeds and the next one rewrites again', async () => {
    const fake = await TdsFake.start();
    const state = new MarkerState();
    state.refuseMark = { error: { number: 15247, message: 'User does not have permission to perform this action.', severity: 16 } };
    fake.reply = state.reply;
    try {
      await openAndClose(fake);
      const updates = sentOf(fake, MSSQL_REDACT_OLD_SEARCH_TEXT);
      assert.deepEqual(updates.map((request) => request.inTransaction), [true, false], 'in the transaction, then alone');
      assert.ok(fake.requests.some((request) => request.kind === 'rollback'), 'the transaction was rolled back');
      assert.equal(state.marked, false);
      await openAndClose(fake);
      assert.equal(sentOf(fake, MSSQL_REDACT_OLD_SEARCH_TEXT).filter((request) => !request.inTransaction).length, 2, 'unmarked: rewritten at every open, as before');
    } finally {
      await fake.close();
    }
  });
});
