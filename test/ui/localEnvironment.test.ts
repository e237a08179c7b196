// "SSO: Create Local SSO Environment…" in real VS Code (code-server 4.100.3): with no environment
// configured, the command creates one under the extension's global storage with the bundled
// dist/ssoctl.js on the extension host's own runtime (init, the MSS and the SSO service detached
// with pid files, the BizTalk sample data), adds it to the settings with `localDir`, connects,
// and its master secret server can then be stopped and started from the palette.
// Screenshots go to .artifacts/screenshots/local-*.png.
// Run alone: node esbuild.mjs && node --import tsx --test test/ui/localEnvironment.test.ts
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseIdentity, processLiveness } from '../../src/protocol/processIdentity';
import { startCodeServer, type CodeServerInstance } from './harness/codeServer';
import { expectToast, pickQuickItem } from './harness/dialogs';
import { answerInputStep } from './harness/ssoExtras';
import { Workbench } from './harness/workbench';
import { MSSQL_SQL } from '../../src/ssoService/ssodb/mssqlSql';
import { TdsFake } from '../reliability/tdsFake';

const STATUS_ID = 'entsso.status';
const VIEW = 'Applications';

describe('UI: a local SSO environment created from VS Code', { timeout: 600_000 }, () => {
  let server: CodeServerInstance | undefined;
  let wb: Workbench | undefined;
  const w = () => wb as Workbench;
  const dataDir = () => join(server!.userDataDir, 'User', 'globalStorage', 'ssotools.entsso-explorer', 'local');

  before(async () => {
    server = await startCodeServer({ name: 'local-environment' });
    wb = await Workbench.launch({ viewport: { width: 1500, height: 950 } });
    await wb.open(server.workbenchUrl());
  }, { timeout: 180_000 });

  after(async () => {
    if (wb) {
      await wb.screenshot('local-99-final').catch(() => undefined);
      await wb.close();
    }
    // The MSS and the service run detached, on purpose: stop them by their pid files.
    for (const role of ['mss', 'service']) {
      const file = server ? join(dataDir(), `${role}.pid`) : '';
      if (!file || !existsSync(file)) continue;
      try {
        process.kill(parseIdentity(readFileSync(file, 'utf8'))?.pid ?? 0, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    await server?.stop();
  }, { timeout: 60_000 });

  // Against the loopback TDS STAND-IN (no SQL Server runs here), which answers that the database
  // belongs to another environment: what is proven is what the extension hands to ssoctl init.
  it('offers SQL Server for the SSO database (TDS stand-in): init gets the server, the sign-in and, on stdin only, the password; a refusal says why', async () => {
    const PASSWORD = 'Ui-Sql-Pa55word!';
    const fake = await TdsFake.start();
    fake.reply = (request) => (request.sql === MSSQL_SQL.getGlobalInfo ? { resultSets: [[{ secretServer: 'other:5780', adminGroup: 'SSO Administrators', currentMsid: 'other-msid', previousMsid: null, secretCreatedAt: null, lastBackupAt: null, lastVerifiedBackupAt: null, timestamp: 1n }]] } : undefined);
    try {
      await w().openView('Enterprise SSO');
      await w().runCommand('SSO: Create Local SSO Environment…');
      await pickQuickItem(w(), 'Create Local SSO Environment (1/4)', "In VS Code's storage for this extension");
      await answerInputStep(w(), '(2/4)', 'Local');
      await pickQuickItem(w(), 'Create Local SSO Environment (3/4)', 'SQL Server');
      await answerInputStep(w(), '(3/4): SQL Server', `127.0.0.1,${fake.port}/SSODB`);
      await pickQuickItem(w(), '(3/4): sign-in', 'SQL Server login');
      await answerInputStep(w(), '(3/4): user name', 'sa');
      await pickQuickItem(w(), '(3/4): encryption', 'Do not encrypt');
      await answerInputStep(w(), '(3/4): password', PASSWORD);
      await pickQuickItem(w(), 'Create Local SSO Environment (4/4)', 'Start empty');
      await expectToast(w(), /could not be created: The SSO database already belongs to an SSO environment/, 60_000);
      await w().screenshot('local-00-sqlserver-refused');
      assert.deepEqual(fake.credentials[0], { user: 'sa', password: PASSWORD }, 'signed in with the password typed');
      const env = join(dataDir(), 'env');
      assert.ok(!existsSync(join(env, 'environment.json')) && !existsSync(join(env, 'ssodb-credential')), 'nothing kept, no password left behind');
      await w().clearNotifications().catch(() => undefined);
    } finally {
      await fake.close();
    }
  });

  it('creates, starts and seeds a local environment under the extension storage, adds it to the settings and connects', async () => {
    await w().openView('Enterprise SSO');
    await w().runCommand('SSO: Create Local SSO Environment…');
    await pickQuickItem(w(), 'Create Local SSO Environment (1/4)', "In VS Code's storage for this extension");
    await answerInputStep(w(), '(2/4)', 'Local');
    await pickQuickItem(w(), 'Create Local SSO Environment (3/4)', 'Embedded SQLite file');
    await pickQuickItem(w(), 'Create Local SSO Environment (4/4)', 'Add BizTalk sample data');
    await expectToast(w(), /Creating local SSO environment "Local"/, 20_000);
    await w().screenshot('local-01-creating');
    await expectToast(w(), /^Connected to SSO environment "Local" \(master secret server 127\.0\.0\.1:\d+: ready\)\.$/, 180_000);
    await w().waitForStatusBarItem(STATUS_ID, (i) => i.text === 'SSO Local', 30_000);
    await w().waitFor(async () => (await w().readTree(VIEW)).some((r) => r.label === 'FTP adapter'), 60_000, 'the seeded adapters in the tree');
    await expectToast(w(), /The master secret of "Local" has no backup yet/, 20_000);
    await w().screenshot('local-02-created');

    const env = join(dataDir(), 'env');
    assert.ok(existsSync(join(env, 'environment.json')));
    assert.equal(statSync(dataDir()).mode & 0o777, 0o700);
    for (const role of ['mss', 'service']) {
      const recorded = parseIdentity(readFileSync(join(dataDir(), `${role}.pid`), 'utf8'));
      assert.ok(recorded && processLiveness(recorded) === 'running', `the ${role} runs (pid file: ${JSON.stringify(recorded)})`);
    }
    assert.deepEqual(readdirSync(join(dataDir(), 'logs')).sort(), ['mss.log', 'service.log']);
    const settings = JSON.parse(readFileSync(join(server!.userDataDir, 'User', 'settings.json'), 'utf8')) as Record<string, unknown>;
    const envs = settings['entsso.environments'] as Array<Record<string, string>>;
    assert.equal(envs.length, 1);
    assert.equal(envs[0]!.name, 'Local');
    assert.equal(envs[0]!.localDir, env);
    assert.equal(envs[0]!.tokenFile, join(env, 'access-token'));
    assert.equal(settings['entsso.activeEnvironment'], 'Local');
    await w().clearNotifications().catch(() => undefined);
  });

  it('stops and starts the master secret server of that environment from the palette', async () => {
    const syncMs = (JSON.parse(readFileSync(join(dataDir(), 'env', 'environment.json'), 'utf8')) as { syncIntervalMs: number }).syncIntervalMs;
    await w().runCommand('SSO: Stop Local Master Secret Server');
    await w().waitForStatusBarItem(STATUS_ID, (i) => /cached secret only/.test(i.text), syncMs + 5000);
    assert.ok(!existsSync(join(dataDir(), 'mss.pid')), 'the pid file is removed');
    await w().screenshot('local-03-mss-stopped');
    await w().runCommand('SSO: Start Local Master Secret Server');
    await w().waitForStatusBarItem(STATUS_ID, (i) => i.text === 'SSO Local', syncMs + 15_000);
    await w().screenshot('local-04-mss-started');
  });

  it('offers to start again what is there when the folder holds an environment already', async () => {
    await w().clearNotifications().catch(() => undefined);
    await w().runCommand('SSO: Create Local SSO Environment…');
    await pickQuickItem(w(), 'Create Local SSO Environment (1/4)', "In VS Code's storage for this extension");
    const step = await w().waitForQuickInput('(2/4)');
    assert.match(step.message, /holds an environment already: it is started and connected/);
    assert.equal(step.value, 'Local');
    await answerInputStep(w(), '(2/4)', 'Local');
    await expectToast(w(), /^Connected to SSO environment "Local"/, 60_000);
    const settings = JSON.parse(readFileSync(join(server!.userDataDir, 'User', 'settings.json'), 'utf8')) as Record<string, unknown>;
    assert.equal((settings['entsso.environments'] as unknown[]).length, 1, 'still one environment');
  });
});
