/**
 * Where an SSODB on SQL Server is and how the SSO service signs in to it, without the secret.
 *
 * environment.json holds a SqlServerConnection; the one secret an authentication needs (a
 * password, a client secret or an access token) lives in an owner-only file next to it
 * (ssodbCredential.ts) and reaches the driver only here. The sign-ins are those tedious 19
 * implements (its `authentication.type`s), named for people rather than for the driver.
 */
import type * as Mssql from 'mssql';
import { SsoError } from '../../protocol/errors';
import { withLoginGuard } from './cleartextLoginGuard';

export const SQL_SERVER_AUTHENTICATIONS = {
  'sql-login': { tedious: 'default', secret: 'password', needs: ['user'], what: 'a SQL Server login (user name and password)' },
  ntlm: { tedious: 'ntlm', secret: 'password', needs: ['user', 'domain'], what: 'a Windows account over NTLM (domain, user name and password)' },
  'azure-ad-password': { tedious: 'azure-active-directory-password', secret: 'password', needs: ['user', 'clientId'], what: 'a Microsoft Entra ID (Azure AD) user and password' },
  'azure-ad-service-principal': { tedious: 'azure-active-directory-service-principal-secret', secret: 'client secret', needs: ['clientId', 'tenantId'], what: 'a Microsoft Entra ID service principal (client id, tenant id and client secret)' },
  'azure-ad-managed-identity': { tedious: 'azure-active-directory-msi-vm', secret: undefined, needs: [], what: "the Azure VM's managed identity (optionally a user-assigned one's client id)" },
  'azure-ad-default': { tedious: 'azure-active-directory-default', secret: undefined, needs: [], what: "the Azure default credential chain (environment, workload identity, managed identity, Azure CLI…)" },
  'azure-ad-access-token': { tedious: 'azure-active-directory-access-token', secret: 'access token', needs: [], what: 'a Microsoft Entra ID access token for https://database.windows.net/, read again for every new connection' },
} as const satisfies Record<string, { tedious: string; secret: string | undefined; needs: readonly ('user' | 'domain' | 'clientId' | 'tenantId')[]; what: string }>;

export type SqlServerAuthentication = keyof typeof SQL_SERVER_AUTHENTICATIONS;

export interface SqlServerConnection {
  server: string;
  /** TCP port; absent with an instance name (resolved through SQL Browser) or for 1433. */
  port?: number;
  instanceName?: string;
  database: string;
  authentication: SqlServerAuthentication;
  user?: string;
  domain?: string;
  clientId?: string;
  tenantId?: string;
  /** TLS required (the default). false only on a trusted network: the login is then sent in cleartext. */
  encrypt: boolean;
  trustServerCertificate: boolean;
}

export function isSqlServerAuthentication(name: string): name is SqlServerAuthentication {
  return Object.hasOwn(SQL_SERVER_AUTHENTICATIONS, name);
}

/** What the sign-in needs that `connection` lacks, as a sentence; undefined when complete. */
export function missingForAuthentication(connection: SqlServerConnection): string | undefined {
  const auth = SQL_SERVER_AUTHENTICATIONS[connection.authentication];
  const missing = auth.needs.filter((key) => !connection[key]);
  return missing.length === 0 ? undefined : `Signing in with ${auth.what} needs ${missing.join(' and ')}.`;
}

/** "server\instance,port/database": for messages and logs (it holds no secret). */
export function describeSqlServer(connection: SqlServerConnection): string {
  const instance = connection.instanceName ? `\\${connection.instanceName}` : '';
  const port = connection.port ? `,${connection.port}` : '';
  return `${connection.server}${instance}${port}/${connection.database}`;
}

/**
 * The `mssql` pool configuration. `secret` is called for every new connection, so that a
 * rotated password or a refreshed access token written to the credential file is picked up
 * without a restart.
 */
export function sqlServerPoolConfig(
  connection: SqlServerConnection,
  secret: () => string | undefined,
  timeouts: { connectTimeoutMs?: number; requestTimeoutMs?: number } = {},
): Mssql.config {
  const auth = SQL_SERVER_AUTHENTICATIONS[connection.authentication];
  const needsSecret = auth.secret !== undefined;
  const authentication = {
    type: auth.tedious,
    get options(): Record<string, string | undefined> {
      const value = needsSecret ? requireSecret(secret(), auth.secret!) : undefined;
      return authenticationOptions(connection, value);
    },
  };
  return {
    server: connection.server,
    port: connection.instanceName ? undefined : (connection.port ?? 1433),
    database: connection.database,
    authentication: authentication as unknown as Mssql.config['authentication'],
    options: withLoginGuard({
      encrypt: connection.encrypt,
      trustServerCertificate: connection.trustServerCertificate,
      ...(connection.instanceName ? { instanceName: connection.instanceName } : {}),
    }),
    connectionTimeout: timeouts.connectTimeoutMs ?? 15_000,
    requestTimeout: timeouts.requestTimeoutMs ?? 15_000,
  };
}

function authenticationOptions(c: SqlServerConnection, secret: string | undefined): Record<string, string | undefined> {
  switch (c.authentication) {
    case 'sql-login':
      return { userName: c.user, password: secret };
    case 'ntlm':
      return { userName: c.user, password: secret, domain: c.domain };
    case 'azure-ad-password':
      return { userName: c.user, password: secret, clientId: c.clientId, tenantId: c.tenantId };
    case 'azure-ad-service-principal':
      return { clientId: c.clientId, tenantId: c.tenantId, clientSecret: secret };
    case 'azure-ad-access-token':
      return { token: secret };
    case 'azure-ad-managed-identity':
    case 'azure-ad-default':
      return c.clientId ? { clientId: c.clientId } : {};
  }
}

function requireSecret(value: string | undefined, what: string): string {
  if (value) return value;
  throw new SsoError('ENTSSO_E_SSODB_UNREACHABLE', `The SSO database's ${what} is missing from the environment's credential file (ssodb-credential). Write it there again with "ssoctl ssodb credential --dir <folder>" (it reads it from a prompt or stdin).`, {
    reason: 'credential-missing',
  });
}

/** The code of the error esbuild.mjs's stand-in for @azure/identity throws when it is not installed. */
export const AZURE_IDENTITY_MISSING = 'ENTSSO_AZURE_IDENTITY_MISSING';

/** The typed error for a sign-in that needed @azure/identity where the bundle has none, if it was that. */
export function azureIdentityMissing(error: unknown): SsoError | undefined {
  const pending: unknown[] = [error];
  for (let seen = 0; pending.length > 0 && seen < 12; seen++) {
    const e = pending.shift() as { code?: unknown; cause?: unknown; originalError?: unknown; errors?: unknown } | null;
    if (!e || typeof e !== 'object') continue;
    if (e.code === AZURE_IDENTITY_MISSING) {
      return new SsoError(
        'ENTSSO_E_SSODB_UNREACHABLE',
        'Signing in to SQL Server with Microsoft Entra ID (a password, managed identity, service principal or the default credential) needs the @azure/identity package, which the bundled SSO service leaves out to stay small. Run ssoctl from an npm installation of this project, or sign in with a SQL login, NTLM or an Entra ID access token (--ssodb-auth azure-ad-access-token).',
        { reason: 'azure-identity-missing' },
      );
    }
    pending.push(e.cause, e.originalError, ...(Array.isArray(e.errors) ? e.errors : []));
  }
  return undefined;
}
