/**
 * The filtered audit query (auditQuery.ts): on a real SQLite file, a request looks at no more than
 * `scanRows` rows and says where to continue, so that a filter matching nothing costs one bounded
 * window; on SQL Server (a fake pool: it proves what the adapter sends, nothing about SQL Server),
 * the window then the page statement with typed parameters, NULL for what is not filtered.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type * as Mssql from 'mssql';
import { MSSQL_AUDIT_SQL } from '../../../src/ssoService/ssodb/auditQuery';
import { createMssqlStore } from '../../../src/ssoService/ssodb/mssqlStore';
import type { MssqlPool, MssqlRequest, MssqlResult, MssqlTypes } from '../../../src/ssoService/ssodb/mssqlDriver';
import { createSqliteStore } from '../../../src/ssoService/ssodb/sqliteStore';
import type { NewAuditEntry, SsoStore } from '../../../src/ssoService/ssodb/store';

const sql = require('mssql') as typeof Mssql;
const types: MssqlTypes = { NVarChar: sql.NVarChar, VarBinary: sql.VarBinary, BigInt: sql.BigInt, Int: sql.Int, Bit: sql.Bit, MAX: sql.MAX };

describe('filtered audit on the embedded store', () => {
  let scratch: string;
  let store: SsoStore;

  before(async () => {
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'audit-query-'));
    store = createSqliteStore({ file: path.join(scratch, 'ssodb.sqlite') });
    await store.init();
    // 50 rows, ids 1..50: one "needle" (id 3), every fifth a refusal.
    const rows: NewAuditEntry[] = Array.from({ length: 50 }, (_, i) => ({
      user: i % 2 === 0 ? 'HOST\\alice via code' : 'HOST\\bob via ssoctl',
      action: i === 2 ? 'secret.restore' : 'config.set',
      outcome: i % 5 === 0 ? 'refused' : 'ok',
      application: 'App',
      identifier: `Port${i + 1}`,
    }));
    await store.appendAudit(rows);
  });
  after(async () => {
    await store.close();
    fs.rmSync(scratch, { recursive: true, force: true });
  });

  it('looks at no more than scanRows rows a request and says where to continue', async () => {
    const first = await store.listAuditFiltered({ limit: 10, filter: { operation: 'secret' }, scanRows: 10 });
    assert.deepEqual(first.entries, [], 'ids 41..50 hold no match');
    assert.equal(first.continueBelow, 41);
    const found: string[] = [];
    let before: number | undefined = first.continueBelow;
    let requests = 1;
    while (before !== undefined) {
      const slice = await store.listAuditFiltered({ before, limit: 10, filter: { operation: 'secret' }, scanRows: 10 });
      found.push(...slice.entries.map((e) => `${e.id}:${e.action}`));
      before = slice.continueBelow;
      requests += 1;
    }
    assert.deepEqual(found, ['3:secret.restore']);
    // Five full windows of ten rows cover the fifty; a full window cannot tell that nothing is below it, so a sixth (empty) request ends it.
    assert.equal(requests, 6);
  });

  it('a window that is not full is the end', async () => {
    const slice = await store.listAuditFiltered({ before: 8, limit: 10, filter: { outcome: 'refused' }, scanRows: 100 });
    assert.deepEqual(slice.entries.map((e) => e.id), [6, 1]);
    assert.equal(slice.continueBelow, undefined);
  });

  it('criteria combine; who and text ignore case', async () => {
    const slice = await store.listAuditFiltered({ limit: 100, filter: { user: 'BOB', text: 'port1', outcome: 'ok' }, scanRows: 100 });
    assert.deepEqual(slice.entries.map((e) => e.identifier), ['Port18', 'Port14', 'Port12', 'Port10']);
  });

  it('an empty audit is one empty answer', async () => {
    const slice = await store.listAuditFiltered({ before: 1, limit: 10, filter: { text: 'x' }, scanRows: 10 });
    assert.deepEqual(slice, { entries: [] });
  });
});

describe('filtered audit on SQL Server (fake pool)', () => {
  it('sends the window, then the page over it, with typed parameters', async () => {
    const sent: { text: string; params: [string, string, unknown][] }[] = [];
    const answers: MssqlResult[] = [
      { rowsAffected: [1], recordset: [{ low: 120n as unknown as number, n: 20000 }] },
      { rowsAffected: [1], recordset: [{ id: 130, at: '2026-12-06T10:00:00.000Z', user: 'u', action: 'config.set', outcome: 'ok', application: null, identifier: null, fields: null, detail: null }] },
    ];
    const request = (): MssqlRequest => {
      const params: [string, string, unknown][] = [];
      const r: MssqlRequest = {
        input: (name, type, value) => {
          const length = (type as { length?: number }).length;
          params.push([name, `${(type.type as unknown as { name: string }).name}${length === undefined ? '' : `(${length === sql.MAX ? 'MAX' : length})`}`, value]);
          return r;
        },
        query: async (text) => {
          sent.push({ text, params });
          return answers.shift() ?? { rowsAffected: [0], recordset: [] };
        },
        batch: async () => ({ rowsAffected: [0] }),
      };
      return r;
    };
    const pool: MssqlPool = { request, transaction: () => assert.fail('no transaction'), close: async () => undefined };
    const store = createMssqlStore({ pool, types });
    const slice = await store.listAuditFiltered({ before: 500, limit: 51, filter: { operation: 'config', user: 'Bob', from: '2026-12-01T00:00:00.000Z' }, scanRows: 20000 });
    assert.deepEqual(slice.entries.map((e) => e.id), [130]);
    assert.equal(slice.continueBelow, 120, 'a full window: older rows are left for the next request');
    assert.deepEqual(sent.map((s) => s.text), [MSSQL_AUDIT_SQL.window, MSSQL_AUDIT_SQL.page]);
    assert.deepEqual(sent[0]!.params, [['before', 'BigInt', 500], ['scan', 'Int', 20000]]);
    assert.deepEqual(sent[1]!.params, [
      ['before', 'BigInt', 500],
      ['low', 'BigInt', 120],
      ['limit', 'Int', 51],
      ['operation', 'NVarChar(256)', 'config'],
      ['outcome', 'NVarChar(256)', null],
      ['user', 'NVarChar(256)', 'bob'],
      ['fromAt', 'NVarChar(40)', '2026-12-01T00:00:00.000Z'],
      ['untilAt', 'NVarChar(40)', null],
      ['text', 'NVarChar(256)', null],
    ]);
  });
});
