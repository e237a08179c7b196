/**
 * How `ssoctl init --ssodb` reads where SQL Server is, and what each sign-in becomes for the
 * real driver: every configuration is handed to tedious's own Connection constructor, which
 * validates `authentication` (type and options) without connecting.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import * as mssql from 'mssql';
import { parseSsodbTarget } from '../../../src/cli/ssodbOptions';
import { SQL_SERVER_SIGN_INS } from '../../../src/model/sqlServerSignIns';
import { toSsoError } from '../../../src/ssoService/ssodb/mssqlErrors';
import { UsageError } from '../../../src/cli/args';
import { AZURE_IDENTITY_MISSING, SQL_SERVER_AUTHENTICATIONS, type SqlServerAuthentication, type SqlServerConnection, sqlServerPoolConfig } from '../../../src/ssoService/ssodb/sqlServerConnection';

const SECRET = 'the-Secret-1';

describe('--ssodb target', () => {
  for (const [text, expected] of [
    ['sqlprod01/SSODB', { server: 'sqlprod01', database: 'SSODB' }],
    ['sqlprod01,1533/SSODB', { server: 'sqlprod01', port: 1533, database: 'SSODB' }],
    ['sqlprod01:1533/SSODB', { server: 'sqlprod01', port: 1533, database: 'SSODB' }],
    ['sqlprod01\\BIZTALK/SSODB', { server: 'sqlprod01', instanceName: 'BIZTALK', database: 'SSODB' }],
    ['[::1],1433/SSODB', { server: '::1', port: 1433, database: 'SSODB' }],
    ['mssql://sa@db.example:1444/SSODB?encrypt=true&trustServerCertificate=true', { server: 'db.example', port: 1444, database: 'SSODB', user: 'sa', encrypt: true, trustServerCertificate: true }],
  ] as const) {
    test(text, () => {
      const parsed = Object.fromEntries(Object.entries(parseSsodbTarget(text)).filter(([, v]) => v !== undefined));
      assert.deepEqual(parsed, expected);
    });
  }

  test('an ADO connection string: server, instance, database, user, domain, encryption', () => {
    const parsed = parseSsodbTarget('Server=tcp:sql01\\BTS;Database=SSODB;User Id=CONTOSO\\svc-sso;Encrypt=true;TrustServerCertificate=false');
    assert.equal(parsed.server, 'sql01');
    assert.equal(parsed.instanceName, 'BTS');
    assert.equal(parsed.database, 'SSODB');
    assert.deepEqual([parsed.user, parsed.domain, parsed.authentication], ['svc-sso', 'CONTOSO', 'ntlm']);
    assert.equal(parsed.encrypt, true);
  });

  for (const text of [`Server=a;Database=b;User Id=sa;Password=${SECRET}`, `Server=a;Database=b;pwd=${SECRET}`, `Server=a;Database=b;Client Secret=${SECRET}`, `mssql://sa:${SECRET}@a/b`]) {
    test(`a secret on the command line is refused, unquoted: ${text.replace(SECRET, '…')}`, () => {
      assert.throws(() => parseSsodbTarget(text), (e: unknown) => e instanceof UsageError && /Leave the password/.test(e.message) && !e.message.includes(SECRET));
    });
  }

  for (const text of ['sqlprod01', 'sqlprod01/', '/SSODB', 'a b/SSODB', 'host,99999/SSODB']) {
    test(`not a target: "${text}"`, () => assert.throws(() => parseSsodbTarget(text), UsageError));
  }
});

describe('each sign-in as tedious takes it', () => {
  const base: SqlServerConnection = { server: 'sql01', port: 1433, database: 'SSODB', authentication: 'sql-login', encrypt: true, trustServerCertificate: false };
  const extra: Record<SqlServerAuthentication, Partial<SqlServerConnection>> = {
    'sql-login': { user: 'sa' },
    ntlm: { user: 'svc', domain: 'contoso' },
    'azure-ad-password': { user: 'svc@contoso.com', clientId: 'c', tenantId: 't' },
    'azure-ad-service-principal': { clientId: 'c', tenantId: 't' },
    'azure-ad-managed-identity': { clientId: 'c' },
    'azure-ad-default': {},
    'azure-ad-access-token': {},
  };
  const secretKey: Partial<Record<SqlServerAuthentication, string>> = {
    'sql-login': 'password',
    ntlm: 'password',
    'azure-ad-password': 'password',
    'azure-ad-service-principal': 'clientSecret',
    'azure-ad-access-token': 'token',
  };

  for (const authentication of Object.keys(SQL_SERVER_AUTHENTICATIONS) as SqlServerAuthentication[]) {
    test(authentication, () => {
      const connection = { ...base, ...extra[authentication], authentication };
      let reads = 0;
      const config = sqlServerPoolConfig(connection, () => (reads++, SECRET));
      // mssql's own mapping to tedious, then tedious's validation of it.
      const tediousConfig = (new mssql.ConnectionPool(config) as unknown as { _config(): { authentication: { type: string; options: Record<string, unknown> } } })._config();
      const tedious = require('tedious') as { Connection: new (config: unknown) => { config: { authentication: { type: string; options: Record<string, unknown> } }; close(): void } };
      const made = new tedious.Connection(tediousConfig);
      assert.equal(made.config.authentication.type, SQL_SERVER_AUTHENTICATIONS[authentication].tedious);
      const key = secretKey[authentication];
      if (key) assert.equal(made.config.authentication.options[key], SECRET);
      else assert.equal(reads, 0, 'no secret is read for a sign-in without one');
      assert.equal(JSON.stringify(connection).includes(SECRET), false);
    });
  }

  test('the secret is read again for every new connection (a rotated password or a refreshed token is used)', () => {
    let current = 'first';
    const config = sqlServerPoolConfig({ ...base, authentication: 'azure-ad-access-token' }, () => current);
    const pool = new mssql.ConnectionPool(config) as unknown as { _config(): { authentication: { options: { token?: string } } } };
    assert.equal(pool._config().authentication.options.token, 'first');
    current = 'second';
    assert.equal(pool._config().authentication.options.token, 'second');
  });

  test('a missing secret is a typed error that says how to store it', () => {
    const pool = new mssql.ConnectionPool(sqlServerPoolConfig({ ...base, user: 'sa' }, () => undefined)) as unknown as { _config(): unknown };
    assert.throws(() => pool._config(), (e: unknown) => (e as { code?: string }).code === 'ENTSSO_E_SSODB_UNREACHABLE' && /ssoctl ssodb credential/.test((e as Error).message));
  });
});

test('an Entra ID sign-in where the bundle has no @azure/identity: the typed error says what to do instead', () => {
  // tedious wraps what the credential throws as AggregateError([ConnectionError EFEDAUTH, cause]); mssql wraps that again.
  const missing = Object.assign(new Error('@azure/identity is not installed.'), { code: AZURE_IDENTITY_MISSING });
  const driverError = Object.assign(new Error('Security token could not be authenticated or authorized.'), { code: 'EFEDAUTH', originalError: new AggregateError([new Error('EFEDAUTH'), missing]) });
  const error = toSsoError(driverError);
  assert.equal(error.code, 'ENTSSO_E_SSODB_UNREACHABLE');
  assert.equal(error.details.reason, 'azure-identity-missing');
  assert.match(error.message, /needs the @azure\/identity package.*--ssodb-auth azure-ad-access-token/);
});

test('"Create Local SSO Environment…" offers exactly the sign-ins ssoctl knows, asking for what each needs', () => {
  assert.deepEqual(
    SQL_SERVER_SIGN_INS.map((s) => [s.auth, [...s.needs], s.secret]),
    Object.entries(SQL_SERVER_AUTHENTICATIONS).map(([auth, a]) => [auth, [...a.needs], a.secret]),
  );
});
