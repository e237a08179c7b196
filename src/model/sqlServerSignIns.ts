/**
 * The ways the SSO service can sign in to SQL Server, as "Create Local SSO Environment…" offers
 * them: the values of `ssoctl init --ssodb-auth` (src/ssoService/ssodb/sqlServerConnection.ts,
 * which the extension must not import; a unit test keeps the two equal).
 */
export const SQL_SERVER_SIGN_INS = [
  { auth: 'sql-login', label: 'SQL Server login', detail: 'A user name and password defined in SQL Server.', needs: ['user'], secret: 'password' },
  { auth: 'ntlm', label: 'Windows account (NTLM)', detail: 'A domain account: domain, user name and password.', needs: ['user', 'domain'], secret: 'password' },
  { auth: 'azure-ad-password', label: 'Microsoft Entra ID user and password', detail: 'Azure SQL / Managed Instance. Needs an app registration (client id). Needs @azure/identity, which the bundled SSO service leaves out: it will say so.', needs: ['user', 'clientId'], secret: 'password' },
  { auth: 'azure-ad-service-principal', label: 'Microsoft Entra ID service principal', detail: 'Client id, tenant id and client secret. Needs @azure/identity, which the bundled SSO service leaves out: it will say so.', needs: ['clientId', 'tenantId'], secret: 'client secret' },
  { auth: 'azure-ad-managed-identity', label: 'Azure managed identity', detail: "The Azure VM's identity; no secret. Needs @azure/identity, which the bundled SSO service leaves out: it will say so.", needs: [], secret: undefined },
  { auth: 'azure-ad-default', label: 'Azure default credential', detail: 'Environment, workload identity, managed identity or Azure CLI sign-in; no secret. Needs @azure/identity, which the bundled SSO service leaves out: it will say so.', needs: [], secret: undefined },
  { auth: 'azure-ad-access-token', label: 'Microsoft Entra ID access token', detail: 'A token for https://database.windows.net/ (replace it with "ssoctl ssodb credential" before it expires).', needs: [], secret: 'access token' },
] as const;

