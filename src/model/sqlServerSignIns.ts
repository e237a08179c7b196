import * as l10n from '@vscode/l10n';
/**
 * The ways the SSO service can sign in to SQL Server, as "Create Local SSO Environment…" offers
 * them: the values of `ssoctl init --ssodb-auth` (src/ssoService/ssodb/sqlServerConnection.ts,
 * which the extension must not import; a unit test keeps the two equal).
 */
// Getters: the texts are looked up when shown, once activation has loaded the translation bundle.
export const SQL_SERVER_SIGN_INS = [
  { auth: 'sql-login', get label() { return l10n.t('SQL Server login'); }, get detail() { return l10n.t('A user name and password defined in SQL Server.'); }, needs: ['user'], secret: 'password' },
  { auth: 'ntlm', get label() { return l10n.t('Windows account (NTLM)'); }, get detail() { return l10n.t('A domain account: domain, user name and password.'); }, needs: ['user', 'domain'], secret: 'password' },
  { auth: 'azure-ad-password', get label() { return l10n.t('Microsoft Entra ID user and password'); }, get detail() { return l10n.t('Azure SQL / Managed Instance. Needs an app registration (client id). Needs @azure/identity, which the bundled SSO service leaves out: it will say so.'); }, needs: ['user', 'clientId'], secret: 'password' },
  { auth: 'azure-ad-service-principal', get label() { return l10n.t('Microsoft Entra ID service principal'); }, get detail() { return l10n.t('Client id, tenant id and client secret. Needs @azure/identity, which the bundled SSO service leaves out: it will say so.'); }, needs: ['clientId', 'tenantId'], secret: 'client secret' },
  { auth: 'azure-ad-managed-identity', get label() { return l10n.t('Azure managed identity'); }, get detail() { return l10n.t("The Azure VM's identity; no secret. Needs @azure/identity, which the bundled SSO service leaves out: it will say so."); }, needs: [], secret: undefined },
  { auth: 'azure-ad-default', get label() { return l10n.t('Azure default credential'); }, get detail() { return l10n.t('Environment, workload identity, managed identity or Azure CLI sign-in; no secret. Needs @azure/identity, which the bundled SSO service leaves out: it will say so.'); }, needs: [], secret: undefined },
  { auth: 'azure-ad-access-token', get label() { return l10n.t('Microsoft Entra ID access token'); }, get detail() { return l10n.t('A token for https://database.windows.net/ (replace it with "ssoctl ssodb credential" before it expires).'); }, needs: [], secret: 'access token' },
] as const;

