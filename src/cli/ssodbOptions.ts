/**
 * `ssoctl init --ssodb …`: an SSODB on SQL Server, from "<server>/<database>", an ADO connection
 * string or an mssql:// URL, plus sign-in options. The secret (password, client secret, access
 * token) comes from a hidden prompt or the first line of stdin, never from the command line,
 * where `ps` and shell history would see it; it goes to the owner-only credential file.
 */
import type * as Mssql from 'mssql';
import { SsoError } from '../protocol/errors';
import { type Environment, type SqlServerStoreConfig, loadEnvironment } from '../ssoService/environment';
import {
  describeSqlServer,
  isSqlServerAuthentication,
  missingForAuthentication,
  SQL_SERVER_AUTHENTICATIONS,
  type SqlServerAuthentication,
  type SqlServerConnection,
} from '../ssoService/ssodb/sqlServerConnection';
import { loadSqlServerDriver } from '../ssoService/ssodb/mssqlDriver';
import { SSODB_CREDENTIAL_FILE, ssodbCredentialPath, writeSsodbCredential } from '../ssoService/ssodbCredential';
import { type ParsedArgs, UsageError, flag, opt, positional } from './args';
import { environmentDir, print } from './context';
import { readPassword } from './password';

export const SSODB_OPTIONS = {
  ssodb: { value: true },
  'ssodb-auth': { value: true },
  'ssodb-user': { value: true },
  'ssodb-domain': { value: true },
  'ssodb-client-id': { value: true },
  'ssodb-tenant-id': { value: true },
  'ssodb-trust-server-certificate': {},
  'ssodb-no-encrypt': {},
  'password-stdin': {},
} as const;

export const SSODB_USAGE = `  init ... --ssodb SERVER/DATABASE | "Server=…;Database=…" | mssql://USER@HOST:PORT/DB
            SSODB on SQL Server (SERVER: host, host,port or host\\instance), signing in with
            [--ssodb-auth ${Object.keys(SQL_SERVER_AUTHENTICATIONS).join('|')}]
            [--ssodb-user U] [--ssodb-domain D] [--ssodb-client-id C] [--ssodb-tenant-id T]
            [--ssodb-trust-server-certificate] [--ssodb-no-encrypt (trusted networks only)]
            its password/secret/token: prompt or --password-stdin, kept in <dir>/${SSODB_CREDENTIAL_FILE} (0600)
  ssodb credential                         replace that password/secret/token (prompt or --password-stdin)`;

const SECRET_ON_COMMAND_LINE =
  'Leave the password, client secret or token out of --ssodb: the command line is visible to other users (ps) and kept in shell history. ssoctl asks for it, or reads it from the first line of stdin with --password-stdin.';

interface SqlServerInit {
  store: SqlServerStoreConfig;
  secret: string | undefined;
}

/** The SQL Server store and its secret for `init`, or undefined without --ssodb. */
export async function sqlServerInitFromArgs(args: ParsedArgs): Promise<SqlServerInit | undefined> {
  const target = opt(args, 'ssodb');
  if (target === undefined) return undefined;
  const connection = applySignInOptions(args, parseSsodbTarget(target));
  const missing = missingForAuthentication(connection);
  if (missing) throw new UsageError(`${missing} Give ${SQL_SERVER_AUTHENTICATIONS[connection.authentication].needs.map(optionFor).join(', ')}.`);
  const secret = await readSecretFor(args, connection);
  return { store: { kind: 'mssql', connection, credentialFile: SSODB_CREDENTIAL_FILE }, secret };
}

/** `ssoctl ssodb credential`: replaces the stored password, client secret or token. */
export async function ssodb(args: ParsedArgs): Promise<void> {
  const what = positional(args, 1, 'what to change: ssodb credential');
  if (what !== 'credential') throw new UsageError(`Unknown ssodb command "${what}": the only one is "ssodb credential".`);
  const env = loadEnvironment(environmentDir(args));
  const store = env.config.store;
  if (store.kind !== 'mssql' || !('connection' in store)) {
    throw new UsageError(`The SSO environment in ${env.paths.dir} does not keep its SSO database on SQL Server with a credential file; there is nothing to replace.`);
  }
  const secret = await readSecretFor(args, store.connection);
  if (secret === undefined) throw new UsageError(`Signing in with ${SQL_SERVER_AUTHENTICATIONS[store.connection.authentication].what} needs no stored secret.`);
  writeSsodbCredential(env.paths.dir, secret);
  const file = ssodbCredentialPath(env.paths.dir);
  print(args, { credentialFile: file }, () => `Replaced the SSO database credential in ${file} (0600). Running services use it for their next connection.`);
}

/** A failure to reach SQL Server at init or serve, with what to check (never the secret). */
export function explainSsodbFailure(error: unknown, env: Pick<Environment, 'config' | 'paths'> | { dir: string; store: SqlServerStoreConfig }): unknown {
  if (!(error instanceof SsoError) || error.code !== 'ENTSSO_E_SSODB_UNREACHABLE') return error;
  const [dir, store] = 'paths' in env ? [env.paths.dir, env.config.store] : [env.dir, env.store];
  // A failure with a reason (credential file, encryption, schema rights…) says already what to do.
  if (store.kind !== 'mssql' || !('connection' in store) || error.details.reason !== undefined) return error;
  const c = store.connection;
  const secret = SQL_SERVER_AUTHENTICATIONS[c.authentication].secret;
  const checks = [
    `that SQL Server ${describeSqlServer(c)} runs and this machine reaches it (name, TCP port, firewall${c.instanceName ? ', SQL Browser on UDP 1434 for the instance name' : ''})`,
    'that the database exists',
    `that ${SQL_SERVER_AUTHENTICATIONS[c.authentication].what} may connect to it${c.user ? ` (user ${c.user})` : ''}`,
  ];
  const fix = secret ? ` If the ${secret} changed, store the new one with "ssoctl ssodb credential --dir ${dir}".` : '';
  return new SsoError(error.code, `${error.message} Check ${checks.join(', ')}.${fix}`, error.details);
}

// ---------------------------------------------------------------- parsing

type Target = Omit<SqlServerConnection, 'authentication' | 'encrypt' | 'trustServerCertificate'> &
  Partial<Pick<SqlServerConnection, 'authentication' | 'encrypt' | 'trustServerCertificate'>>;

/** "<server>/<database>", an ADO connection string, or an mssql:// URL, without a secret. */
export function parseSsodbTarget(text: string): Target {
  const trimmed = text.trim();
  if (/^(mssql|sqlserver):\/\//i.test(trimmed)) return parseUrl(trimmed);
  if (trimmed.includes('=')) return parseConnectionString(trimmed);
  return parseServerSlashDatabase(trimmed);
}

const SERVER_SLASH_DATABASE = /^(?<host>\[[^\]]+\]|[^\\,:/\s]+)(?:\\(?<instance>[^\\,:/\s]+))?(?:[,:](?<port>\d{1,5}))?\/(?<database>[^/]+)$/;

function parseServerSlashDatabase(text: string): Target {
  const m = SERVER_SLASH_DATABASE.exec(text);
  if (!m?.groups) {
    throw new UsageError(`--ssodb "${text}" is not "<server>/<database>" (server: host, host,port or host\\instance; e.g. sqlprod01,1433/SSODB), a connection string or an mssql:// URL.`);
  }
  const { host, instance, port, database } = m.groups as { host: string; instance?: string; port?: string; database: string };
  return { server: host.replace(/^\[(.*)\]$/, '$1'), instanceName: instance, port: port ? checkPort(Number(port)) : undefined, database };
}

function parseUrl(text: string): Target {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError('--ssodb is not a valid mssql:// URL: expected mssql://USER@HOST:PORT/DATABASE.');
  }
  if (url.password) throw new UsageError(SECRET_ON_COMMAND_LINE);
  const database = decodeURIComponent(url.pathname.replace(/^\//, ''));
  if (!url.hostname || !database) throw new UsageError('--ssodb needs a server and a database: mssql://USER@HOST:PORT/DATABASE.');
  const flagOf = (name: string): boolean | undefined => {
    const value = url.searchParams.get(name);
    return value === null ? undefined : /^(true|1|yes)$/i.test(value);
  };
  return {
    server: url.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: url.port ? checkPort(Number(url.port)) : undefined,
    database,
    user: decodeURIComponent(url.username) || undefined,
    encrypt: flagOf('encrypt'),
    trustServerCertificate: flagOf('trustServerCertificate'),
  };
}

/** mssql's `authentication_type` back to our names (mssql guesses it from the keys present). */
const FROM_MSSQL_AUTHENTICATION: Record<string, SqlServerAuthentication> = {
  default: 'sql-login',
  ntlm: 'ntlm',
  'azure-active-directory-password': 'azure-ad-password',
  'azure-active-directory-service-principal-secret': 'azure-ad-service-principal',
  'azure-active-directory-msi-vm': 'azure-ad-managed-identity',
  'azure-active-directory-default': 'azure-ad-default',
  'azure-active-directory-access-token': 'azure-ad-access-token',
};

function parseConnectionString(text: string): Target {
  if (/(^|;)\s*(password|pwd|client secret|token|msi secret)\s*=/i.test(text)) throw new UsageError(SECRET_ON_COMMAND_LINE);
  const sql = loadSqlServerDriver();
  let parsed: Mssql.config & { authentication_type?: string; domain?: string; clientId?: string; tenantId?: string };
  try {
    parsed = sql.ConnectionPool.parseConnectionString(text) as typeof parsed;
  } catch (error) {
    throw new UsageError(`--ssodb is not a connection string ssoctl can use: ${error instanceof Error ? error.message : 'it cannot be parsed'}`);
  }
  if (!parsed.server || !parsed.database) throw new UsageError('The connection string needs a server (Server=…) and a database (Database=…).');
  const options = parsed.options ?? {};
  return {
    server: parsed.server,
    port: options.instanceName ? undefined : parsed.port,
    instanceName: options.instanceName,
    database: parsed.database,
    user: parsed.user,
    domain: parsed.domain,
    clientId: parsed.clientId,
    tenantId: parsed.tenantId,
    authentication: parsed.authentication_type ? FROM_MSSQL_AUTHENTICATION[parsed.authentication_type] : parsed.domain ? 'ntlm' : undefined,
    encrypt: typeof options.encrypt === 'boolean' ? options.encrypt : undefined,
    trustServerCertificate: typeof options.trustServerCertificate === 'boolean' ? options.trustServerCertificate : undefined,
  };
}

function applySignInOptions(args: ParsedArgs, target: Target): SqlServerConnection {
  const auth = opt(args, 'ssodb-auth');
  if (auth !== undefined && !isSqlServerAuthentication(auth)) {
    throw new UsageError(`--ssodb-auth must be one of ${Object.keys(SQL_SERVER_AUTHENTICATIONS).join(', ')}.`);
  }
  const domain = opt(args, 'ssodb-domain') ?? target.domain;
  const connection: SqlServerConnection = {
    server: target.server,
    port: target.port,
    instanceName: target.instanceName,
    database: target.database,
    authentication: auth ?? target.authentication ?? (domain ? 'ntlm' : 'sql-login'),
    user: opt(args, 'ssodb-user') ?? target.user,
    domain,
    clientId: opt(args, 'ssodb-client-id') ?? target.clientId,
    tenantId: opt(args, 'ssodb-tenant-id') ?? target.tenantId,
    encrypt: flag(args, 'ssodb-no-encrypt') ? false : (target.encrypt ?? true),
    trustServerCertificate: flag(args, 'ssodb-trust-server-certificate') || (target.trustServerCertificate ?? false),
  };
  // environment.json gets exactly the keys that have a value.
  return Object.fromEntries(Object.entries(connection).filter(([, v]) => v !== undefined)) as unknown as SqlServerConnection;
}

async function readSecretFor(args: ParsedArgs, connection: SqlServerConnection): Promise<string | undefined> {
  const what = SQL_SERVER_AUTHENTICATIONS[connection.authentication].secret;
  if (what === undefined) return undefined;
  const whose = connection.user ? ` of ${connection.domain ? `${connection.domain}\\` : ''}${connection.user}` : '';
  return readPassword(args, `The ${what}${whose} for SQL Server ${describeSqlServer(connection)}`, false);
}

function optionFor(key: 'user' | 'domain' | 'clientId' | 'tenantId'): string {
  return { user: '--ssodb-user', domain: '--ssodb-domain', clientId: '--ssodb-client-id', tenantId: '--ssodb-tenant-id' }[key];
}

function checkPort(port: number): number {
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new UsageError('The SQL Server port must be between 1 and 65535.');
  return port;
}
