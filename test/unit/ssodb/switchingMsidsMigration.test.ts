/**
 * gi_SwitchingMsids (a master secret restore's intent, publishedSecrets.ts) was added to
 * SSOX_GlobalInfo after SSODBs were made without it. An SQLite file made by the previous schema
 * opens, gets the column (empty), keeps its published secrets, and its secret fence honours an
 * intent written afterwards; SQL Server gets it from an idempotent batch of the schema script.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { MSSQL_SCHEMA_BATCHES } from '../../../src/ssoService/ssodb/schema/mssqlDdl';
import { SQLITE_SCHEMA } from '../../../src/ssoService/ssodb/schema/sqliteDdl';
import { createSqliteStore } from '../../../src/ssoService/ssodb/sqliteStore';
import { app, expectSsoError } from './storeContract';

const scratch = mkdtempSync(join(tmpdir(), 'switching-msids-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

/** The schema as it was before the column: the same statements, SSOX_GlobalInfo without it. */
function previousSchema(): string[] {
  const column = ',\n  gi_SwitchingMsids TEXT';
  const statements = SQLITE_SCHEMA.map((ddl) => ddl.replace(column, ''));
  assert.equal(statements.filter((ddl, i) => ddl !== SQLITE_SCHEMA[i]).length, 1, 'the column is in the current schema, once');
  return statements;
}

test('an SQLite SSODB file made by the previous schema opens and gets the column, its published secrets kept', async () => {
  const file = join(scratch, 'old.db');
  const { Database } = require('node-sqlite3-wasm') as typeof import('node-sqlite3-wasm');
  const db = new Database(file);
  for (const ddl of previousSchema()) db.exec(ddl);
  db.exec("UPDATE SSOX_GlobalInfo SET gi_SecretServer = 'mss-a:1', gi_CurrentMsid = '{C}' WHERE gi_id = 1");
  const columns = () => db.all("SELECT name FROM pragma_table_info('SSOX_GlobalInfo')").map((row) => String((row as { name: unknown }).name));
  assert.ok(!columns().includes('gi_SwitchingMsids'), 'made without the column');
  db.close();

  for (const start of ['first start', 'second start (nothing left to add)']) {
    const store = createSqliteStore({ file });
    await store.init();
    const info = await store.getGlobalInfo();
    assert.deepEqual([info.secretServer, info.currentMsid, info.switchingMsids], ['mss-a:1', '{C}', null], start);
    await store.close();
  }
  const store = createSqliteStore({ file });
  await store.init();
  await store.createApplication(app('Migrated'));
  await store.acquireLease('mss-a:1', 60_000, 0);
  await store.updateGlobalInfo({ switchingMsids: '{X}' }, { leaseHolder: 'mss-a:1' });
  await expectSsoError(store.putCredentials('Migrated', 'Cfg', null, '{C}', Buffer.from('v')), 'ENTSSO_E_NO_SECRET');
  await store.close();
});

test('SQL Server: the column is added by an idempotent batch after the table is created, and sql/schema.sql has it', () => {
  const create = MSSQL_SCHEMA_BATCHES.findIndex((batch) => batch.includes('CREATE TABLE dbo.SSOX_GlobalInfo'));
  const add = MSSQL_SCHEMA_BATCHES.findIndex((batch) => batch.includes('ALTER TABLE dbo.SSOX_GlobalInfo ADD gi_SwitchingMsids'));
  assert.ok(create >= 0 && add > create, 'added after the table exists (a database made before the column)');
  assert.match(MSSQL_SCHEMA_BATCHES[add]!, /^IF COL_LENGTH\(N'dbo\.SSOX_GlobalInfo', N'gi_SwitchingMsids'\) IS NULL\n/, 'only when missing');
  assert.match(MSSQL_SCHEMA_BATCHES[add]!, /NVARCHAR\(256\) NULL;$/, 'nullable: the existing row stays valid');
});
