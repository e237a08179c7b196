/**
 * "Create Local SSO Environment…": where the new environment's SSO database lives. The embedded
 * SQLite file, or SQL Server: server and database, how the SSO service signs in, TLS, and the
 * secret. The secret goes to `ssoctl init` on stdin, which keeps it in the environment's
 * owner-only credential file (the detached SSO service reads it there for every new connection,
 * so it cannot live only in VS Code's secret storage); it never reaches the settings or a log.
 */
import * as vscode from 'vscode';
import { SQL_SERVER_SIGN_INS } from '../model/sqlServerSignIns';
import { askText, pickOne } from './prompts';

type Need = (typeof SQL_SERVER_SIGN_INS)[number]['needs'][number];

/** Built when asked, not at load: the texts are in the display language. */
function needPrompt(need: Need): { option: string; step: string; prompt: string; placeholder: string } {
  switch (need) {
    case 'user':
      return { option: '--ssodb-user', step: vscode.l10n.t('user name'), prompt: vscode.l10n.t('The user name the SSO service signs in with.'), placeholder: vscode.l10n.t('e.g. sso_service or svc-sso@contoso.com') };
    case 'domain':
      return { option: '--ssodb-domain', step: vscode.l10n.t('domain'), prompt: vscode.l10n.t('The Windows domain of that account.'), placeholder: vscode.l10n.t('e.g. CONTOSO') };
    case 'clientId':
      return { option: '--ssodb-client-id', step: vscode.l10n.t('client id'), prompt: vscode.l10n.t('The client (application) id.'), placeholder: '00000000-0000-0000-0000-000000000000' };
    case 'tenantId':
      return { option: '--ssodb-tenant-id', step: vscode.l10n.t('tenant id'), prompt: vscode.l10n.t('The tenant (directory) id.'), placeholder: '00000000-0000-0000-0000-000000000000' };
  }
}

/** What `ssoctl init` gets for SQL Server: its options, and the secret for its stdin. */
export interface SqlServerChoice {
  args: string[];
  secret: string | undefined;
}

/** "server/database" as ssoctl reads it: host, host,port or host\instance, then /database. */
const SERVER_SLASH_DATABASE = /^(\[[^\]]+\]|[^\\,:/\s]+)(\\[^\\,:/\s]+)?([,:]\d{1,5})?\/[^/]+$/;

/** Undefined for the embedded SQLite file. */
export async function askSsoDatabase(title: string, options: { back?: boolean } = {}): Promise<SqlServerChoice | undefined> {
  const where = await pickOne(
    [
      {
        label: vscode.l10n.t('Embedded SQLite file'),
        description: vscode.l10n.t('recommended for one machine'),
        detail: vscode.l10n.t('In the environment folder; nothing else to set up.'),
        value: 'sqlite' as const,
      },
      {
        label: vscode.l10n.t('SQL Server'),
        detail: vscode.l10n.t('An existing database (empty, or created for SSO), as BizTalk groups use; needed for master secret servers on several machines.'),
        value: 'sqlserver' as const,
      },
    ],
    { title, placeHolder: vscode.l10n.t('Where should the SSO database (SSODB) live?'), back: options.back },
  );
  if (where === 'sqlite') return undefined;
  const target = (
    await askText({
      title: vscode.l10n.t(`{0}: SQL Server`, title),
      prompt: vscode.l10n.t('Server and database, as <server>/<database>. Server: host, host,port or host\\instance.'),
      placeholder: vscode.l10n.t('e.g. sqlprod01,1433/SSODB or sqlprod01\\BIZTALK/SSODB'),
      validate: (v) => (SERVER_SLASH_DATABASE.test(v.trim()) ? undefined : vscode.l10n.t('Write <server>/<database>, e.g. sqlprod01/SSODB, sqlprod01,1433/SSODB or sqlprod01\\BIZTALK/SSODB.')),
    })
  ).trim();
  const signIn = await pickOne(
    SQL_SERVER_SIGN_INS.map((s) => ({ label: s.label, detail: s.detail, value: s })),
    { title: vscode.l10n.t(`{0}: sign-in`, title), placeHolder: vscode.l10n.t('How does the SSO service sign in to SQL Server?') },
  );
  const args = ['--ssodb', target, '--ssodb-auth', signIn.auth];
  for (const need of signIn.needs) {
    const p = needPrompt(need);
    const value = await askText({ title: vscode.l10n.t(`{0}: {1}`, title, p.step), prompt: p.prompt, placeholder: p.placeholder, validate: (v) => (v.trim() ? undefined : vscode.l10n.t('This is needed for this sign-in.')) });
    args.push(p.option, value.trim());
  }
  args.push(...(await askEncryption(title)));
  const secret = signIn.secret === undefined ? undefined : await askText({
    title: vscode.l10n.t(`{0}: {1}`, title, signIn.secret),
    prompt: vscode.l10n.t(`The {0}. It is kept only in the environment's owner-only file ssodb-credential (0600), never in the settings.`, signIn.secret),
    password: true,
    validate: (v) => (v ? undefined : vscode.l10n.t('Enter the {0}.', signIn.secret ?? '')),
  });
  if (secret !== undefined) args.push('--password-stdin');
  return { args, secret };
}

async function askEncryption(title: string): Promise<string[]> {
  return pickOne(
    [
      { label: vscode.l10n.t('Encrypt, and check the server certificate'), description: vscode.l10n.t('recommended'), value: [] as string[] },
      { label: vscode.l10n.t("Encrypt, trust the server's certificate"), detail: vscode.l10n.t('For a server with a self-signed certificate.'), value: ['--ssodb-trust-server-certificate'] },
      { label: vscode.l10n.t('Do not encrypt'), detail: vscode.l10n.t('Trusted networks only: the login and every value travel in cleartext.'), value: ['--ssodb-no-encrypt'] },
    ],
    { title: vscode.l10n.t(`{0}: encryption`, title), placeHolder: vscode.l10n.t('How is the connection to SQL Server protected?') },
  );
}
