/**
 * Every SQL text the adapters send, and every batch of sql/schema.sql, goes through a real SQL
 * parser (@guanmingchiu/sqlparser-ts: datafusion-sqlparser-rs compiled to WebAssembly), in the
 * MsSql dialect for SQL Server and the SQLite dialect for the embedded file. No SQL Server runs
 * on these machines, so this is the check that the T-SQL is at least well-formed; a misspelt
 * statement proves the parser does reject bad SQL.
 *
 * Not parsed as written, and why:
 * - `GO` separates batches for sqlcmd/SSMS; it is not T-SQL. The script is split on it.
 * - `NEXT VALUE FOR <sequence>` (T-SQL 2012) is unknown to the parser. It is replaced by a
 *   function call in the same position before parsing, so the rest of the statement is checked.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { init, MsSqlDialect, Parser, SQLiteDialect } from '@guanmingchiu/sqlparser-ts';
import { MSSQL_SQL } from '../../../src/ssoService/ssodb/mssqlSql';
import { MSSQL_SCHEMA_BATCHES, renderMssqlSchemaScript } from '../../../src/ssoService/ssodb/schema/mssqlDdl';
import { SQLITE_SCHEMA } from '../../../src/ssoService/ssodb/schema/sqliteDdl';
import { SQLITE_SQL } from '../../../src/ssoService/ssodb/sqliteSql';

const schemaFile = path.resolve(__dirname, '../../../sql/schema.sql');

/** The one construct the parser lacks, swapped for a call it can parse (see the header). */
function withoutSequenceSyntax(text: string): string {
  return text.replace(/NEXT VALUE FOR ([\w.]+)/g, (_, sequence: string) => `NEXT_VALUE_FOR('${sequence}')`);
}

function parseTsql(text: string): unknown[] {
  return Parser.parse(withoutSequenceSyntax(text), new MsSqlDialect());
}

function batchesOf(script: string): string[] {
  return script
    .split(/^GO\s*$/m)
    .map((batch) => batch.trim())
    .filter((batch) => batch.replace(/^--.*$/gm, '').trim().length > 0);
}

describe('SQL texts parse', () => {
  before(async () => {
    await init();
  });

  it('the parser rejects a misspelt statement (so passing means something)', () => {
    assert.throws(() => parseTsql('SELEC ai_app_name FROM dbo.SSOX_ApplicationInfo;'), /SELEC/);
    assert.throws(() => parseTsql('SELECT ai_app_name FORM dbo.SSOX_ApplicationInfo WHERE ai_app_name = @app;'));
    assert.throws(() => parseTsql('UPDATE dbo.SSOX_ExternalCredentials SET WHERE ec_msid = @msid;'));
    assert.throws(() => parseTsql("IF OBJECT_ID(N'dbo.X', N'U') IS NULL\nBEGIN\n  CREAT TABLE dbo.X (a INT NOT NULL);\nEND;"), /CREAT/);
    assert.throws(() => Parser.parse("INSERT INTO SSOX_AuditTable VALUES (:a", new SQLiteDialect()));
  });

  for (const [name, text] of Object.entries(MSSQL_SQL)) {
    it(`T-SQL statement ${name}`, () => {
      const statements = parseTsql(text);
      const expected = text.split(';').filter((part) => part.trim().length > 0).length;
      assert.equal(statements.length, expected, 'one parsed statement per statement written');
    });
  }

  it('sql/schema.sql is exactly the schema the adapter creates', () => {
    assert.equal(fs.readFileSync(schemaFile, 'utf8'), renderMssqlSchemaScript(), 'regenerate sql/schema.sql from schema/mssqlDdl.ts');
    assert.equal(batchesOf(renderMssqlSchemaScript()).length, MSSQL_SCHEMA_BATCHES.length, 'one GO per batch');
  });

  for (const [index, batch] of batchesOf(fs.readFileSync(schemaFile, 'utf8')).entries()) {
    it(`sql/schema.sql batch ${index + 1}: ${batch.split('\n').find((line) => line.trim() && !line.startsWith('--'))!.slice(0, 70)}`, () => {
      assert.ok(parseTsql(batch).length >= 1);
    });
  }

  for (const [name, text] of Object.entries(SQLITE_SQL)) {
    it(`SQLite statement ${name}`, () => {
      assert.equal(Parser.parse(text, new SQLiteDialect()).length, 1);
    });
  }

  // FTS5 module arguments and triggers are SQLite constructs the parser does not know; SQLite
  // itself is the judge of those: the whole schema must run on a fresh database.
  const sqliteOnly = (ddl: string) => /^CREATE (VIRTUAL TABLE|TRIGGER)/.test(ddl);
  for (const [index, ddl] of SQLITE_SCHEMA.entries()) {
    if (sqliteOnly(ddl)) continue;
    it(`SQLite schema statement ${index + 1}`, () => {
      assert.equal(Parser.parse(ddl, new SQLiteDialect()).length, 1);
    });
  }

  it('SQLite-only schema statements (FTS5 index, triggers) run on a fresh SQLite database', () => {
    const { Database } = require('node-sqlite3-wasm') as typeof import('node-sqlite3-wasm');
    const db = new Database(':memory:');
    try {
      for (const ddl of SQLITE_SCHEMA) db.exec(ddl);
      const names = db.all("SELECT name FROM sqlite_master WHERE type IN ('table', 'trigger')").map((r) => String((r as { name: unknown }).name));
      for (const ddl of SQLITE_SCHEMA.filter(sqliteOnly)) {
        const name = /^CREATE (?:VIRTUAL TABLE|TRIGGER) IF NOT EXISTS (\w+)/.exec(ddl)?.[1];
        assert.ok(name && names.includes(name), `${name} was created`);
      }
    } finally {
      db.close();
    }
  });
});
