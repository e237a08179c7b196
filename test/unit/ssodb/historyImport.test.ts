/**
 * Kept versions brought by an import (historyImport.ts): on a real SQLite file they are written
 * with their own numbers in the import's transaction, read back like any kept version, refused
 * with a row that exists, and a failure rolls the whole import back; on SQL Server (a fake pool:
 * it proves what the adapter sends, nothing about SQL Server) one typed INSERT per version, in
 * the transaction, after the created row.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type * as Mssql from 'mssql';
import { MSSQL_IMPORT_HISTORY_SQL } from '../../../src/ssoService/ssodb/historyImport';
import { createMssqlStore } from '../../../src/ssoService/ssodb/mssqlStore';
import { MSSQL_SQL } from '../../../src/ssoService/ssodb/mssqlSql';
import type { MssqlPool, MssqlRequest, MssqlResult, MssqlTypes } from '../../../src/ssoService/ssodb/mssqlDriver';
import { createSqliteStore } from '../../../src/ssoService/ssodb/sqliteStore';
import type { ApplicationChange, ImportedVersion, SsoStore } from '../../../src/ssoService/ssodb/store';
import { app } from './storeContract';

const sql = require('mssql') as typeof Mssql;
const types: MssqlTypes = { NVarChar: sql.NVarChar, VarBinary: sql.VarBinary, BigInt: sql.BigInt, Int: sql.Int, Bit: sql.Bit, MAX: sql.MAX };

const version = (n: number): ImportedVersion => ({
  version: n,
  modifiedAt: 1_700_000_000_000 + n,
  savedAt: 1_700_000_100_000 + n,
  savedBy: 'alice via code',
  change: 'set',
  changedFields: ['dummy'],
  msid: 'msid-1',
  ciphertext: Buffer.from(`blob-${n}`),
});

const creating = (name: string, history: ImportedVersion[], expectedTimestamp: string | null = null): ApplicationChange => ({
  application: name,
  create: app(name),
  rows: [{ op: 'put', identifier: 'ConfigProperties', expectedTimestamp, msid: 'msid-1', ciphertext: Buffer.from('live'), importedHistory: history }],
});

describe('imported history on the embedded store', () => {
  let scratch: string;
  let store: SsoStore;

  before(async () => {
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'history-import-'));
    store = createSqliteStore({ file: path.join(scratch, 'ssodb.sqlite') });
    await store.init();
  });
  after(async () => {
    await store.close();
    fs.rmSync(scratch, { recursive: true, force: true });
  });

  it('writes the versions with their numbers, who and when, readable like any kept version', async () => {
    await store.applyApplicationChanges([creating('Imported', [version(1), version(2)])]);
    const listed = await store.listHistory('Imported', 'ConfigProperties', { limit: 10 });
    assert.deepEqual(listed.map((v) => [v.version, v.modifiedAt, v.savedAt, v.savedBy, v.change, v.changedFields]), [
      [2, 1_700_000_000_002, 1_700_000_100_002, 'alice via code', 'set', ['dummy']],
      [1, 1_700_000_000_001, 1_700_000_100_001, 'alice via code', 'set', ['dummy']],
    ]);
    const kept = await store.getHistoryVersion('Imported', 'ConfigProperties', 1);
    assert.equal(kept?.msid, 'msid-1');
    assert.equal(kept?.ciphertext.toString(), 'blob-1');
  });

  it('refuses versions for a configuration that exists, and a bad version rolls the whole import back', async () => {
    await assert.rejects(store.applyApplicationChanges([creating('Twice', [version(1), version(1)])]), /version twice/);
    assert.equal(await store.getApplication('Twice'), undefined, 'nothing of the import was written');
    const live = await store.getCredentials('Imported', 'ConfigProperties');
    const existing = creating('Imported', [version(3)], live!.timestamp);
    await assert.rejects(
      store.applyApplicationChanges([{ ...existing, create: undefined, expected: { fields: app('Imported').fields, rowCount: 1, maxTimestamp: live!.timestamp } }]),
      /only come with a configuration the import creates/,
    );
    assert.deepEqual((await store.listHistory('Imported', 'ConfigProperties', { limit: 10 })).map((v) => v.version), [2, 1]);
  });
});

describe('imported history on SQL Server (fake pool)', () => {
  it('sends one typed INSERT per version, in the transaction, after the created row', async () => {
    const sent: { via: string; text: string; params: [string, string, unknown][] }[] = [];
    const request = (via: string): MssqlRequest => {
      const params: [string, string, unknown][] = [];
      const r: MssqlRequest = {
        input: (name, type, value) => {
          const length = (type as { length?: number }).length;
          params.push([name, `${(type.type as unknown as { name: string }).name}${length === undefined ? '' : `(${length === sql.MAX ? 'MAX' : length})`}`, value]);
          return r;
        },
        query: async (text): Promise<MssqlResult> => {
          sent.push({ via, text, params });
          if (text === MSSQL_SQL.lockApplication) return { rowsAffected: [0], recordsets: [[], []] };
          if (text === MSSQL_SQL.insertMapping) return { rowsAffected: [1], recordset: [{ application: 'Imported' }] };
          return { rowsAffected: [1], recordset: [] };
        },
        batch: async () => ({ rowsAffected: [0] }),
      };
      return r;
    };
    const pool: MssqlPool = {
      request: () => request('pool'),
      transaction: () => ({ begin: async () => undefined, commit: async () => undefined, rollback: async () => undefined, request: () => request('tx') }),
      close: async () => undefined,
    };
    await createMssqlStore({ pool, types }).applyApplicationChanges([creating('Imported', [version(1), version(2)])]);
    const texts = sent.map((s) => s.text);
    const live = texts.indexOf(MSSQL_SQL.insertCredentials);
    const inserts = sent.filter((s) => s.text === MSSQL_IMPORT_HISTORY_SQL);
    assert.ok(live >= 0 && texts.indexOf(MSSQL_IMPORT_HISTORY_SQL) > live, 'after the created row');
    assert.ok(inserts.every((s) => s.via === 'tx'), 'in the transaction');
    assert.deepEqual(inserts[0]!.params, [
      ['app', 'NVarChar(256)', 'Imported'],
      ['identifier', 'NVarChar(256)', 'ConfigProperties'],
      ['version', 'Int', 1],
      ['msid', 'NVarChar(64)', 'msid-1'],
      ['ciphertext', 'VarBinary(MAX)', Buffer.from('blob-1')],
      ['modifiedAt', 'BigInt', 1_700_000_000_001],
      ['savedAt', 'BigInt', 1_700_000_100_001],
      ['savedBy', 'NVarChar(256)', 'alice via code'],
      ['change', 'NVarChar(256)', 'set'],
      ['changedFields', 'NVarChar(MAX)', '["dummy"]'],
    ]);
    assert.equal(inserts.length, 2);
  });
});

describe('imported history the store refuses whatever the service sent', () => {
  let scratch: string;
  let store: SsoStore;

  before(async () => {
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'history-import-bounds-'));
    store = createSqliteStore({ file: path.join(scratch, 'ssodb.sqlite') });
    await store.init();
  });
  after(async () => {
    await store.close();
    fs.rmSync(scratch, { recursive: true, force: true });
  });

  it('a number past the count, and times out of order or past now', async () => {
    await assert.rejects(store.applyApplicationChanges([creating('Big', [version(0x7fffffff)])]), /numbered 1 to their count/);
    await assert.rejects(store.applyApplicationChanges([creating('Late', [{ ...version(1), modifiedAt: 9e15, savedAt: 9e15 }])]), /not in the future/);
    await assert.rejects(store.applyApplicationChanges([creating('Order', [{ ...version(1), modifiedAt: 2, savedAt: 1 }])]), /written before replaced/);
    for (const name of ['Big', 'Late', 'Order']) assert.equal(await store.getApplication(name), undefined);
  });
});
