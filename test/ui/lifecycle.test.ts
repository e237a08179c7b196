// The lifecycle commands in real VS Code (code-server 4.100.3 = VS Code 1.100.3) against a real,
// seeded SSO system (MSS and SSO service as separate processes): master secret backup, verify
// (reminder before password), restore of a foreign backup (confirmation), generate (progress
// until ready, every value still readable); application create/delete from the tree; export,
// then an import shown in the diff editor and applied; the AppConfig XML layout edited as
// key/values and saved back as XML; stop/start of the local MSS from the palette.
// Screenshots go to .artifacts/screenshots/lifecycle-*.png.
// Run alone: node esbuild.mjs && node --import tsx --test test/ui/lifecycle.test.ts
import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { SsoClient } from '../../src/ssoClient/client';
import { formatIdentity, identityOf, parseIdentity } from '../../src/protocol/processIdentity';
import { TestEnvironment } from '../integration/harness';
import { startCodeServer, type CodeServerInstance } from './harness/codeServer';
import {
  answerFileDialog,
  answerMultiPick,
  clickDialogButton,
  contextMenuAction,
  expectToast,
  pickQuickItem,
  quickInputMessage,
  quickPickRowLabels,
  readDiffEditor,
  readPickedRows,
  waitForDialog,
} from './harness/dialogs';
import { answerInputStep, waitForStatusBarMessage, connectWhenListening, explorerSeed, readLogChannelFile, seed, ssoctlConfigGet, ssoctlConfigSet, statusBarTooltip, type SeedConfig } from './harness/ssoExtras';
import { Workbench } from './harness/workbench';

const SYNC_INTERVAL_S = 2;
const STATUS_ID = 'entsso.status';
const VIEW = 'Applications';
const PASSWORD = 'Correct horse battery 42!';
const EXPORT_PASSWORD = 'Export staple orbit 77?';
const REMINDER = 'the usual phrase';
/** Enough rows for the re-encryption progress to be seen (the MSS re-encrypts 1 per transaction here: since the lock became a symbolic link and writes share commits, 5 a transaction could finish before the first progress arrived). */
const BULK_ROWS = 600;

const APPCONFIG_XML = `<?xml version="1.0" encoding="utf-8"?>
<!-- Settings of the invoicing integration (BizTalk Deployment Framework) -->
<appSettings environment="DEV">
  <add key="ErpServiceUrl" value="https://erp.contoso.example/invoices" />
  <!-- the SMTP account -->
  <add key="SmtpUser" value="svc-invoicing" owner="ops" />
  <add key="MaxInvoicesPerBatch" value="250" />
</appSettings>
`;

function lifecycleSeed(): SeedConfig[] {
  const bulk: Record<string, Record<string, string>> = {};
  for (let i = 0; i < BULK_ROWS; i++) bulk[`cfg-${String(i).padStart(4, '0')}`] = { Index: String(i), Secret: `bulk-secret-${i}` };
  return [
    ...explorerSeed(),
    {
      application: 'Contoso.Invoicing',
      kind: 'configStore',
      description: 'Invoicing settings (BizTalk Deployment Framework AppConfig layout)',
      fields: [{ label: 'AppConfig', masked: false }],
      identifiers: { ConfigProperties: { AppConfig: APPCONFIG_XML } },
    },
    {
      application: 'Bulk.Settings',
      kind: 'configStore',
      description: 'Many rows, so that re-encryption takes a moment',
      fields: [
        { label: 'Index', masked: false },
        { label: 'Secret', masked: true },
      ],
      identifiers: bulk,
    },
  ];
}

describe('UI: master secret, application, export/import and local environment lifecycle', { timeout: 900_000 }, () => {
  let env: TestEnvironment | undefined;
  let client: SsoClient | undefined;
  let server: CodeServerInstance | undefined;
  let wb: Workbench | undefined;
  let ws = '';
  const w = () => wb as Workbench;
  const e = () => env as TestEnvironment;
  const c = () => client as SsoClient;
  const mssPidFile = () => join(dirname(e().dir), 'mss.pid');

  before(async () => {
    env = TestEnvironment.create({ syncIntervalSeconds: SYNC_INTERVAL_S });
    // Small batches: the re-encryption lasts a few seconds, long enough for its progress to be seen.
    await env.startMss(['--reencrypt-batch', '1']);
    await env.startService();
    client = await connectWhenListening(env);
    await seed(client, lifecycleSeed());
    server = await startCodeServer({
      name: 'lifecycle',
      settings: {
        'entsso.environments': [{ name: 'dev', socketPath: env.env.config.socketPath, tokenFile: env.env.paths.token, localDir: env.dir }],
        'entsso.activeEnvironment': 'dev',
        'entsso.pageSize': 50,
      },
    });
    ws = server.workspaceFolder;
    wb = await Workbench.launch({ viewport: { width: 1500, height: 950 } });
    await wb.open(server.workbenchUrl());
    await wb.openView('Enterprise SSO');
    await wb.waitForStatusBarItem(STATUS_ID, (i) => i.text === 'SSO dev', 60_000);
  }, { timeout: 240_000 });

  after(async () => {
    if (wb) {
      await wb.screenshot('lifecycle-99-final').catch(() => undefined);
      await wb.close();
    }
    await server?.stop();
    // The MSS started from the palette runs detached: stop it by its pid file.
    if (env && existsSync(mssPidFile())) {
      const pid = (parseIdentity(readFileSync(mssPidFile(), 'utf8'))?.pid ?? 0);
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    await env?.dispose();
  }, { timeout: 60_000 });

  async function clearToasts(): Promise<void> {
    await w().clearNotifications().catch(() => undefined);
  }

  it('the status bar tooltip and the health view say that the master secret has no verified backup', async () => {
    const item = await w().waitForStatusBarItem(STATUS_ID, (i) => i.text === 'SSO dev');
    const tip = await w().waitFor(async () => {
      const t = await statusBarTooltip(w(), item.id);
      return /no verified backup/.test(t) ? t : undefined;
    }, 20_000, 'the backup warning in the tooltip');
    assert.match(tip, /The current master secret has no verified backup\. If the master secret server is lost, every stored configuration is lost with it\. Back Up Master Secret…/);
    await w().runCommand('SSO: Check Health');
    const rows = await w().waitFor(async () => {
      const r = await w().readTree('Health');
      return r.some((x) => x.label === 'Master secret backup') ? r : undefined;
    }, 20_000, 'the health checks');
    assert.match(rows.find((r) => r.label === 'Master secret backup')!.description, /^Error: The current master secret has no backup/);
  });

  it('backs up the master secret from the palette: save dialog, password twice (a weak one refused as it is typed, with the reason), reminder; the file is 0600', async () => {
    const file = join(ws, 'dev.backup');
    await w().runCommand('SSO: Back Up Master Secret…');
    await answerFileDialog(w(), 'Back Up Master Secret of "dev"', file);
    // The service's own strength rule, checked as the password is typed: Enter is refused.
    await w().waitForQuickInput('(1/3)');
    await w().page.locator('.quick-input-widget .quick-input-box input').fill('short');
    await w().page.keyboard.press('Enter');
    const weak = await w().waitFor(async () => {
      const q = await w().readQuickInput();
      return q && q.title.includes('(1/3)') && /too short/i.test(q.message) ? q : undefined;
    }, 10_000, 'the strength rule in the password step');
    assert.match(weak.message, /at least \d+ characters/);
    await w().screenshot('lifecycle-01-backup-weak-password');
    await answerInputStep(w(), '(1/3)', PASSWORD);
    await answerInputStep(w(), '(2/3)', PASSWORD);
    const reminderStep = await w().waitForQuickInput('(3/3)');
    assert.match(reminderStep.message, /stored READABLE/);
    await answerInputStep(w(), '(3/3)', REMINDER);
    await expectToast(w(), /^Master secret of "dev" backed up to .*dev\.backup\. Keep the file and its password in separate safe places/, 30_000);
    assert.deepEqual(await w().notificationButtons('backed up to'), ['Verify Backup…', 'Reveal in Explorer View', 'Copy Path']);
    await w().screenshot('lifecycle-02-backup-done');
    assert.equal(statSync(file).mode & 0o777, 0o600);
    const inspect = JSON.parse(e().ssoctl(['secret', 'inspect', '--file', file, '--json']).stdout);
    assert.equal(inspect.reminder, REMINDER);
    assert.ok(!readFileSync(file, 'utf8').includes(PASSWORD));
    await clearToasts();
  });

  it('verifies the backup from the palette: the reminder is shown before the password; health and tooltip then show the verified backup', async () => {
    await w().runCommand('SSO: Verify Master Secret Backup…');
    await answerFileDialog(w(), 'Verify Master Secret Backup', join(ws, 'dev.backup'));
    const prompt = await w().waitForQuickInput('Verify Master Secret Backup: dev.backup');
    assert.equal(prompt.value, '', 'nothing typed yet');
    assert.match(prompt.message, /^Password reminder: "the usual phrase"\. Made \d\d:\d\d:\d\d\. Enter its password\./);
    await w().screenshot('lifecycle-03-verify-reminder-first');
    // A wrong password is asked again with the service's reason.
    await answerInputStep(w(), 'Verify Master Secret Backup: dev.backup', 'not the password at all 1');
    await w().waitFor(async () => /password/i.test(await quickInputMessage(w())) && !(await quickInputMessage(w())).startsWith('Password reminder'), 20_000, 'the wrong-password message');
    await answerInputStep(w(), 'Verify Master Secret Backup: dev.backup', PASSWORD);
    await expectToast(w(), /^dev\.backup opens with this password and holds the live master secret of "dev" \(verified \d\d:\d\d:\d\d\)\.$/, 30_000);
    // The Health view, shown before, is refreshed by itself.
    const backupRow = await w().waitFor(async () => (await w().readTree('Health')).find((r) => r.label === 'Master secret backup' && r.description.startsWith('OK')), 20_000, 'the verified backup in the health view');
    assert.match(backupRow.description, /^OK: Last verified backup: /);
    const item = await w().waitForStatusBarItem(STATUS_ID);
    const tip = await w().waitFor(async () => {
      const t = await statusBarTooltip(w(), item.id);
      return /Last verified backup of the master secret: \d\d:\d\d:\d\d/.test(t) ? t : undefined;
    }, 20_000, 'the verified backup in the tooltip');
    assert.doesNotMatch(tip, /no verified backup/);
    await w().screenshot('lifecycle-04-verified');
    await clearToasts();
  });

  it('restoring a backup from another environment needs an explicit confirmation, then allowForeignEnvironment reaches the MSS', async () => {
    const foreignFile = join(ws, 'other-env.backup');
    const other = TestEnvironment.create({ syncIntervalSeconds: SYNC_INTERVAL_S });
    try {
      await other.startMss();
      await other.startService();
      await connectWhenListening(other);
      const r = other.ssoctl(['secret', 'backup', '--file', foreignFile, '--reminder', 'other environment', '--password-stdin'], `${PASSWORD}\n`);
      assert.equal(r.code, 0, r.stderr);
    } finally {
      await other.dispose();
    }
    const before = await c().request('secret.info', {});

    // Cancelled at the confirmation: no password is asked, nothing changes.
    await w().runCommand('SSO: Restore Master Secret…');
    await answerFileDialog(w(), 'Restore Master Secret of "dev"', foreignFile);
    const dialog = await waitForDialog(w(), /comes from another SSO environment/);
    assert.match(dialog.message, /^other-env\.backup comes from another SSO environment\. Restore it into "dev" anyway\?$/);
    assert.match(dialog.detail, /Restoring it replaces the master secret of "dev"/);
    assert.ok(dialog.buttons.includes('Restore Anyway') && dialog.buttons.includes('Cancel'), JSON.stringify(dialog.buttons));
    await w().screenshot('lifecycle-05-restore-foreign-confirmation');
    await clickDialogButton(w(), 'Cancel');
    assert.equal(await w().readQuickInput(), undefined, 'no password asked after cancelling');

    // Confirmed: the password is asked (reminder first) and the MSS is asked with allowForeignEnvironment.
    await w().runCommand('SSO: Restore Master Secret…');
    await answerFileDialog(w(), 'Restore Master Secret of "dev"', foreignFile);
    await waitForDialog(w(), /comes from another SSO environment/);
    await clickDialogButton(w(), 'Restore Anyway');
    const prompt = await w().waitForQuickInput('Restore Master Secret from other-env.backup');
    assert.match(prompt.message, /^Password reminder: "other environment"\. Made .* in another SSO environment\./);
    await answerInputStep(w(), 'Restore Master Secret from other-env.backup', PASSWORD);
    // The foreign check was passed; the MSS still refuses to strand this environment's rows.
    const refused = await expectToast(w(), /does not hold master secret \{[0-9A-F-]+\}, under which configurations or kept versions of configurations \(their history\) are stored/, 30_000);
    assert.doesNotMatch(refused, /confirm explicitly/);
    await w().screenshot('lifecycle-06-restore-foreign-refused');
    const afterInfo = await c().request('secret.info', {});
    assert.equal(afterInfo.currentMsid, before.currentMsid, 'the master secret is unchanged');
    await clearToasts();
  });

  it('generates a new master secret: confirmation, backup of the new secret first, progress until ready, every configuration still readable', async () => {
    const before = await c().request('secret.info', {});
    const file = join(ws, 'rotated.backup');
    await w().runCommand('SSO: Generate New Master Secret…');
    const dialog = await waitForDialog(w(), /Generate a new master secret for "dev"\?/);
    assert.match(dialog.detail, /re-encrypts every stored configuration/);
    await w().screenshot('lifecycle-07-generate-confirmation');
    await clickDialogButton(w(), 'Generate…');
    await answerFileDialog(w(), 'Backup of the new master secret of "dev"', file);
    await answerInputStep(w(), '(1/3)', PASSWORD);
    await answerInputStep(w(), '(2/3)', PASSWORD);
    await answerInputStep(w(), '(3/3)', 'rotation');
    // The progress notification follows the re-encryption the service pushes.
    const progress = await expectToast(w(), /^Re-encrypting "dev" under the new master secret: \d+ of \d+ configurations$/, 30_000);
    process.stdout.write(`# progress seen: ${progress}\n`);
    await w().screenshot('lifecycle-08-generate-progress');
    await expectToast(w(), /^New master secret \{[0-9A-F-]+\} is in use in "dev" and every configuration is re-encrypted under it \(\d+\)\./, 120_000);
    await w().waitForStatusBarItem(STATUS_ID, (i) => i.text === 'SSO dev', 20_000);
    await w().screenshot('lifecycle-09-generate-done');
    const info = await c().request('secret.info', {});
    assert.notEqual(info.currentMsid, before.currentMsid);
    assert.equal(info.previousMsid, before.currentMsid);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.deepEqual(JSON.parse(e().ssoctl(['secret', 'inspect', '--file', file, '--json']).stdout).msids[0], info.currentMsid);
    // Every configuration decrypts to its seeded value, masked ones included.
    for (const app of lifecycleSeed()) {
      for (const [identifier, fields] of Object.entries(app.identifiers)) {
        const doc = await c().request('config.get', { application: app.application, identifier, reveal: true });
        assert.deepEqual(doc.fields, fields, `${app.application}/${identifier}`);
      }
    }
    await clearToasts();
  });

  it('creates a config store application from the tree (name, kind, fields, masked fields), creates and deletes configurations in it, and deletes it after a confirmation naming what is lost', async () => {
    await w().openView('Enterprise SSO');
    await contextMenuAction(w(), 'dev', 'Create Application…');
    // An existing name is refused (names are compared without case).
    await answerInputStep(w(), '(1/4)', 'contoso.orderservice');
    await w().waitFor(async () => /An application named "Contoso\.OrderService" exists already/.test(await quickInputMessage(w())), 10_000, 'the "exists already" message');
    await answerInputStep(w(), '(1/4)', 'Contoso.NewApp');
    await pickQuickItem(w(), '(2/4)', 'Config store application');
    await answerInputStep(w(), '(3/4)', 'Endpoint, UserName, Password');
    const masked = await w().waitForQuickInput('(4/4)');
    // The first field of a config store application cannot be masked: it is listed first, locked, with the reason.
    await w().waitFor(async () => JSON.stringify(await quickPickRowLabels(w())) === JSON.stringify(['Endpoint', 'UserName', 'Password']), 10_000, 'the fields');
    assert.deepEqual(await readPickedRows(w()), [{ label: 'Endpoint', checked: false }, { label: 'UserName', checked: false }, { label: 'Password', checked: true }], 'secret-looking fields are preselected');
    assert.match(masked.placeholder, /Tick the masked fields/);
    await w().screenshot('lifecycle-10-create-masked-fields');
    await w().page.keyboard.press('Enter'); // "Password" is preselected (it looks like a secret)
    await expectToast(w(), /^Created config store application "Contoso\.NewApp" with fields Endpoint, UserName, Password \(masked\)\./, 20_000);
    const created = await c().request('apps.get', { name: 'Contoso.NewApp' });
    assert.deepEqual(created.fields.map((f) => [f.label, f.masked]), [['Endpoint', false], ['UserName', false], ['Password', true]]);
    await w().waitFor(async () => (await w().readTree(VIEW)).some((r) => r.label === 'Contoso.NewApp'), 20_000, 'the new application in the tree');
    await clearToasts();

    // Fields: added (a secret-looking one preselected as masked), removed after a confirmation.
    await contextMenuAction(w(), 'Contoso.NewApp', 'Add Fields…');
    const addStep = await w().waitForQuickInput('Add Fields to "Contoso.NewApp" (1/2)');
    assert.match(addStep.message, /It has "Endpoint", "UserName", "Password"\. Stored values are kept; new fields start empty\./);
    await answerInputStep(w(), '(1/2)', 'Timeout, ApiToken');
    await w().waitFor(async () => JSON.stringify(await readPickedRows(w())) === JSON.stringify([{ label: 'Timeout', checked: false }, { label: 'ApiToken', checked: true }]), 10_000, 'the new fields to mask');
    await w().page.keyboard.press('Enter');
    await waitForStatusBarMessage(w(), /^"Contoso\.NewApp" now has fields Endpoint, UserName, Password \(masked\), Timeout, ApiToken \(masked\)\. Every stored value was kept\.$/, 20_000);
    await clearToasts();
    await contextMenuAction(w(), 'Contoso.NewApp', 'Remove Fields…');
    await answerMultiPick(w(), 'Remove Fields from "Contoso.NewApp"', ['UserName']);
    const removal = await waitForDialog(w(), /Remove field "UserName" from "Contoso\.NewApp"\?/);
    assert.match(removal.detail, /"UserName" is removed from the field list\. "Contoso\.NewApp" holds no config-store entries yet\./);
    await clickDialogButton(w(), 'Remove');
    await waitForStatusBarMessage(w(), /^Removed "UserName" from "Contoso\.NewApp"; its fields are now Endpoint, Password \(masked\), Timeout, ApiToken \(masked\)\.$/, 20_000);
    assert.deepEqual((await c().request('apps.get', { name: 'Contoso.NewApp' })).fields.map((f) => f.label), ['Endpoint', 'Password', 'Timeout', 'ApiToken']);
    await clearToasts();

    // Disable and enable from the context menu (each offered only when it applies).
    await contextMenuAction(w(), 'Contoso.NewApp', 'Disable Application');
    await expectToast(w(), /^Application "Contoso\.NewApp" is disabled\. BizTalk lookups of its configurations fail once its SSO cache expires/, 20_000);
    await w().waitFor(async () => (await w().readTree(VIEW)).find((r) => r.label === 'Contoso.NewApp')?.description.startsWith('disabled'), 20_000, 'the application shown disabled');
    await contextMenuAction(w(), 'Contoso.NewApp', 'Enable Application');
    await expectToast(w(), /^Application "Contoso\.NewApp" is enabled\./, 20_000);
    assert.equal((await c().request('apps.get', { name: 'Contoso.NewApp' })).enabled, true);
    await clearToasts();

    // New configurations from the application's context menu: an existing name is refused as it
    // is typed; the new one is created with every field empty and opened for editing.
    await contextMenuAction(w(), 'Contoso.NewApp', 'New Configuration…');
    const nameStep = await w().waitForQuickInput('New config-store entry in "Contoso.NewApp"');
    assert.match(nameStep.message, /"ConfigProperties", the identifier the SSO Application Configuration snap-in uses/);
    assert.equal(nameStep.value, 'ConfigProperties', 'the first entry of a config store application is offered the usual name');
    await w().screenshot('lifecycle-10b-new-configuration');
    await answerInputStep(w(), 'New config-store entry', 'ConfigProperties');
    await waitForStatusBarMessage(w(), /^Created config-store entry "Contoso\.NewApp › ConfigProperties" with every field empty\. Fill in the values and save\.$/, 20_000);
    await w().waitForActiveEditor(/ConfigProperties/, 20_000);
    await w().screenshot('lifecycle-10c-new-configuration-opened');
    assert.match(await w().activeEditorUri(), /^sso:\/dev\/Contoso\.NewApp\/ConfigProperties/);
    const fresh = await c().request('config.get', { application: 'Contoso.NewApp', identifier: 'ConfigProperties' });
    assert.deepEqual(fresh.fields, { Endpoint: '', Password: '', Timeout: '', ApiToken: '' });
    await clearToasts();
    await contextMenuAction(w(), 'Contoso.NewApp', 'New Configuration…');
    await answerInputStep(w(), 'New config-store entry', 'configproperties');
    await w().waitFor(async () => /"Contoso\.NewApp" has "ConfigProperties" already/.test(await quickInputMessage(w())), 10_000, 'the "has … already" message');
    // The service's name rule, said as it is typed (src/protocol/names.ts).
    await answerInputStep(w(), 'New config-store entry', '..');
    await w().waitFor(async () => /The name must not be "\." or "\.\."/.test(await quickInputMessage(w())), 10_000, 'the name rule\'s message');
    await answerInputStep(w(), 'New config-store entry', 'Scratch');
    await waitForStatusBarMessage(w(), /^Created config-store entry "Contoso\.NewApp › Scratch"/, 20_000);
    await w().waitFor(async () => (await w().readTree(VIEW)).some((r) => r.label === 'Scratch'), 20_000, 'the new entry in the tree');
    await clearToasts();

    // Delete a configuration from the palette in its editor (the version read now)...
    await w().waitForActiveEditor(/Scratch/, 20_000);
    await w().runCommand('SSO: Delete Configuration');
    await waitForDialog(w(), /Delete config-store entry "Contoso\.NewApp › Scratch"\?/);
    await clickDialogButton(w(), 'Cancel');
    assert.ok(await c().request('config.get', { application: 'Contoso.NewApp', identifier: 'Scratch' }), 'Cancel deletes nothing');

    // Unsaved edits are not deleted unseen: from the tree as from the editor, the delete is refused.
    await w().replaceEditorText((await w().activeEditorText()).replace('""', '"https://typed.example"'));
    await w().waitFor(async () => (await w().activeEditorTab())?.dirty, 5000, 'the Scratch editor to be dirty');
    await contextMenuAction(w(), 'Scratch', 'Delete Configuration');
    await expectToast(w(), /^"Scratch" has unsaved changes in the editor\. Save or revert them first, then delete it\./, 20_000);
    assert.ok(await c().request('config.get', { application: 'Contoso.NewApp', identifier: 'Scratch' }), 'nothing deleted');
    await clearToasts();
    await w().runCommand('File: Revert File');
    await w().waitFor(async () => (await w().activeEditorTab())?.dirty === false, 10_000, 'the Scratch editor to be reverted');

    // ...or from its context menu (the version shown in the tree): the confirmation says what is lost.
    await contextMenuAction(w(), 'Scratch', 'Delete Configuration');
    const deletion = await waitForDialog(w(), /Delete config-store entry/);
    assert.equal(deletion.message, 'Delete config-store entry "Contoso.NewApp › Scratch"?');
    await w().screenshot('lifecycle-10d-delete-configuration');
    assert.match(deletion.detail, /are deleted from the SSO database of "dev"; this cannot be undone\..*export the application first/s);
    await clickDialogButton(w(), 'Delete');
    await waitForStatusBarMessage(w(), /^Deleted config-store entry "Contoso\.NewApp › Scratch"\.$/, 20_000);
    await w().waitFor(async () => !(await w().readTree(VIEW)).some((r) => r.label === 'Scratch'), 20_000, 'the entry to leave the tree');
    await assert.rejects(c().request('config.get', { application: 'Contoso.NewApp', identifier: 'Scratch' }), /Scratch/);
    await clearToasts();
    // Its editor, still open and edited, says on save that it was deleted and how to keep the text.
    await w().waitForActiveEditor(/Scratch/, 10_000);
    await w().replaceEditorText((await w().activeEditorText()).replace('""', '"https://typed-after.example"'));
    assert.equal(await w().trySave(4000), false, 'a deleted configuration is not saved');
    await expectToast(w(), /^Not saved: "Scratch" was deleted from SSO\. To keep your text, copy it, close this editor without saving, create "Scratch" again with "New Configuration…"/, 20_000);
    await w().screenshot('lifecycle-10e-save-after-delete');
    await clearToasts();
    await w().runCommand('View: Revert and Close Editor');
    await w().runCommand('View: Close All Editors');

    await c().request('config.set', { application: 'Contoso.NewApp', identifier: 'ConfigProperties', fields: { Endpoint: 'https://x', Password: 'newapp-pw-Q7' }, expectedTimestamp: fresh.timestamp });
    await w().runCommand('SSO: Refresh');
    await w().waitFor(async () => (await w().readTree(VIEW)).find((r) => r.label === 'Contoso.NewApp')?.description.includes('1 config-store entry'), 20_000, 'the entry count');
    await contextMenuAction(w(), 'Contoso.NewApp', 'Delete Application…');
    const dialog = await waitForDialog(w(), /Delete application/);
    assert.equal(dialog.message, 'Delete application "Contoso.NewApp" and its 1 config-store entry?');
    assert.match(dialog.detail, /and its 4 field definitions are removed from the SSO database\. Its 1 config-store entry is deleted with it, masked values included, and cannot be recovered/);
    await w().screenshot('lifecycle-11-delete-confirmation');
    await clickDialogButton(w(), 'Delete');
    // It holds a configuration: its name must be typed as well.
    await answerInputStep(w(), 'Delete "Contoso.NewApp" from "dev"', 'Contoso.NewApp');
    await waitForStatusBarMessage(w(), /^Deleted application "Contoso\.NewApp" and its 1 config-store entry\.$/, 20_000);
    await w().waitFor(async () => !(await w().readTree(VIEW)).some((r) => r.label === 'Contoso.NewApp'), 20_000, 'the application to leave the tree');
    await assert.rejects(c().request('apps.get', { name: 'Contoso.NewApp' }), /no SSO application|not found|There is no/i);
    await clearToasts();
  });

  it('exports an application; an import is shown in the diff editor, discarded, then applied from its title bar', async () => {
    const file = join(ws, 'orders.entsso');
    await w().runCommand('SSO: Export Applications…');
    await answerMultiPick(w(), 'Export Applications from "dev": applications', ['Contoso.OrderService']);
    await pickQuickItem(w(), 'Export Applications from "dev": format', 'Encrypted export (.entsso)');
    await answerFileDialog(w(), 'Export Applications from "dev"', file);
    await answerInputStep(w(), '(1/3)', EXPORT_PASSWORD);
    await answerInputStep(w(), '(2/3)', EXPORT_PASSWORD);
    await answerInputStep(w(), '(3/3)', 'export hint');
    await expectToast(w(), /^Exported "Contoso\.OrderService" to .*orders\.entsso\./, 30_000);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    await clearToasts();

    // Someone changes SSO after the export.
    ssoctlConfigSet(e(), 'Contoso.OrderService', 'ConfigProperties', { TimeoutSeconds: '99' });

    const runImport = async () => {
      await w().runCommand('SSO: Import Applications…');
      await answerFileDialog(w(), 'Import Applications into "dev"', file);
      await pickQuickItem(w(), 'Import orders.entsso into "dev": mode', 'Add and update');
      const prompt = await w().waitForQuickInput('Import orders.entsso into "dev": password');
      assert.match(prompt.message, /^Password reminder: "export hint"\./);
      await answerInputStep(w(), 'Import orders.entsso into "dev": password', EXPORT_PASSWORD);
      await w().waitFor(async () => /now ↔ after the import/.test((await w().activeEditorTab())?.title ?? ''), 30_000, 'the comparison');
    };
    const titleAction = (label: string) => w().page.locator(`.editor-group-container.active .editor-actions .action-label[aria-label="${label}"]`);

    await runImport();
    // Not modal: the toast says what changes; Apply / Discard are in the comparison's title bar.
    await expectToast(w(), /^Apply this import\? 1 application change: 0 configurations created, 1 updated, 0 deleted\. Review the comparison, then choose Apply or Discard in its title bar\./);
    const diff = await readDiffEditor(w());
    assert.match(diff.original, /"TimeoutSeconds": "99"/);
    assert.match(diff.modified, /"TimeoutSeconds": "30"/);
    assert.match(diff.original, /"ApiKey": "\(masked\)"/, 'masked values are placeholders');
    assert.ok(!`${diff.original}${diff.modified}`.includes('api-key-Xy7$-secret'));
    const tab = await w().activeEditorTab();
    assert.match(tab?.title ?? '', /orders\.entsso: "dev" now ↔ after the import \(Add and update\)/);
    await w().screenshot('lifecycle-12-import-diff');
    await titleAction('Discard Import').click();
    await w().waitFor(async () => (await w().page.locator('.tabs-container .tab', { hasText: 'now ↔ after the import' }).count()) === 0, 10_000, 'the comparison to close');
    assert.equal(ssoctlConfigGet(e(), 'Contoso.OrderService', 'ConfigProperties').fields.TimeoutSeconds, '99', 'nothing applied');
    await clearToasts();

    await runImport();
    // Apply refused while the MSS is down (by the service, or up front once the extension knows):
    // the import stays pending, and is applied once the MSS is back, without a new file and password.
    await clearToasts();
    await e().mss!.kill('SIGKILL');
    await w().runCommand('SSO: Apply Import');
    await expectToast(w(), /Nothing was changed: SSO cannot be changed now|encryption/i, 20_000);
    assert.equal(ssoctlConfigGet(e(), 'Contoso.OrderService', 'ConfigProperties').fields.TimeoutSeconds, '99', 'nothing applied');
    await w().waitForStatusBarItem(STATUS_ID, (i) => /cached secret only/.test(i.text), SYNC_INTERVAL_S * 1000 + 5000);
    await clearToasts();
    await e().startMss();
    await w().waitForStatusBarItem(STATUS_ID, (i) => i.text === 'SSO dev' && i.icons.includes('shield'), SYNC_INTERVAL_S * 1000 + 10_000);
    await titleAction('Apply Import').click();
    await expectToast(w(), /^Imported: "Contoso\.OrderService" updated \(0 configuration\(s\) created, 1 updated, 0 deleted\)\./, 30_000);
    await w().screenshot('lifecycle-13-import-applied');
    const stored = ssoctlConfigGet(e(), 'Contoso.OrderService', 'ConfigProperties');
    assert.equal(stored.fields.TimeoutSeconds, '30');
    assert.equal(stored.fields.Endpoint, 'https://orders.contoso.example/api');
    await clearToasts();
  });

  it('exports to Microsoft\'s .sso format only after a warning that it is weakly protected, and imports it back by application name', async () => {
    const file = join(ws, 'Contoso.OrderService.sso');
    await w().runCommand('SSO: Export Applications…');
    await answerMultiPick(w(), 'Export Applications from "dev": applications', ['Contoso.OrderService']);
    await pickQuickItem(w(), 'Export Applications from "dev": format', 'Microsoft .sso file');
    const warning = await waitForDialog(w(), /A \.sso file is weakly protected\./);
    assert.match(warning.detail, /Triple-DES under the MD5 of the password/);
    await w().screenshot('lifecycle-14a-sso-weak-warning');
    await clickDialogButton(w(), 'Export Anyway');
    await answerFileDialog(w(), 'Export Applications from "dev"', file);
    // No reminder: the format has no room for one.
    await answerInputStep(w(), '(1/2)', EXPORT_PASSWORD);
    await answerInputStep(w(), '(2/2)', EXPORT_PASSWORD);
    await expectToast(w(), /^Exported "Contoso\.OrderService" to .*Contoso\.OrderService\.sso\. Delete the \.sso file once it has been imported\./, 30_000);
    await clearToasts();

    await w().runCommand('SSO: Import Applications…');
    await answerFileDialog(w(), 'Import Applications into "dev"', file);
    const name = await w().waitForQuickInput('Import Contoso.OrderService.sso into "dev": application');
    assert.equal(name.value, 'Contoso.OrderService', 'the snap-in takes the application from the file name');
    await answerInputStep(w(), ': application', 'Contoso.OrderService');
    await pickQuickItem(w(), 'Import Contoso.OrderService.sso into "dev": mode', 'Add missing only');
    await answerInputStep(w(), ': password', EXPORT_PASSWORD);
    await expectToast(w(), /^Nothing to import: "dev" already holds everything in Contoso\.OrderService\.sso \(mode "Add missing only"\)\./, 30_000);
    await clearToasts();
  });

  it('shows the AppConfig XML as key/values and saves it back as XML (read back raw with ssoctl config get --json)', async () => {
    await w().runCommand('View: Close All Editors');
    await w().openView('Enterprise SSO');
    await w().expandTreeItem('Contoso.Invoicing', { viewTitle: VIEW });
    const rows = await w().readTree(VIEW);
    const entry = rows.find((r, i) => r.label === 'ConfigProperties' && rows[i - 1]?.label === 'Contoso.Invoicing');
    assert.ok(entry, 'the entry under Contoso.Invoicing');
    await w().page.locator(`.part.sidebar .monaco-list-row[data-index="${entry.index}"] .label-name`).first().click();
    await w().waitFor(async () => (await w().activeEditorUri()) === 'sso:/dev/Contoso.Invoicing/ConfigProperties.json', 20_000, 'the Contoso.Invoicing document');
    const text = await w().waitForEditorText((t) => t.includes('"ErpServiceUrl"'), 20_000);
    assert.equal(text.trim(), '{\n  "ErpServiceUrl": "https://erp.contoso.example/invoices",\n  "SmtpUser": "svc-invoicing",\n  "MaxInvoicesPerBatch": "250"\n}');
    await w().screenshot('lifecycle-14-appconfig-as-keyvalues');

    const edited = { ErpServiceUrl: 'https://erp.contoso.example/invoices', MaxInvoicesPerBatch: '500 <max> & "more"', NewKey: 'line1\nline2' };
    await w().replaceEditorText(`${JSON.stringify(edited, null, 2)}\n`);
    await w().save();
    const raw = ssoctlConfigGet(e(), 'Contoso.Invoicing', 'ConfigProperties').fields.AppConfig!;
    const expected = APPCONFIG_XML.replace('  <add key="SmtpUser" value="svc-invoicing" owner="ops" />\n', '').replace(
      'value="250" />',
      'value="500 &lt;max&gt; &amp; &quot;more&quot;" />\n  <add key="NewKey" value="line1&#10;line2" />',
    );
    assert.equal(raw, expected);
    assert.match(raw, /<!-- Settings of the invoicing integration/, 'comments kept');
    assert.match(raw, /<appSettings environment="DEV">/, 'unknown attributes kept');
    await w().screenshot('lifecycle-15-appconfig-saved');
    // The stored field itself, next to the key/values.
    await w().runCommand('SSO: Open as Stored Fields');
    await w().waitFor(async () => (await w().activeEditorUri()) === 'sso:/dev/Contoso.Invoicing/ConfigProperties.json?view%3Dfields', 20_000, 'the stored-field view');
    const stored = await w().waitForEditorText((t) => t.includes('"AppConfig"'), 20_000);
    assert.match(stored, /^\{\n {2}"AppConfig": "<\?xml version=\\"1\.0\\" encoding=\\"utf-8\\"\?>\\n<!-- Settings of the invoicing integration/);
    await clearToasts();
  });

  it('stops and starts the local master secret server from the palette: the status bar turns to cached and back', async () => {
    // As `npm start` does, the MSS of the local environment is known by its pid file.
    writeFileSync(mssPidFile(), formatIdentity(identityOf(e().mss!.child.pid!)));
    await w().runCommand('SSO: Stop Local Master Secret Server');
    await expectToast(w(), /^Master secret server of "dev" stopped\. The SSO service keeps decrypting from its cached secret/, 20_000);
    const cached = await w().waitForStatusBarItem(STATUS_ID, (i) => /cached secret only/.test(i.text), SYNC_INTERVAL_S * 1000 + 5000);
    assert.equal(cached.text, 'SSO dev: cached secret only');
    assert.equal(e().mss!.running, false, 'the MSS process is gone');
    await w().screenshot('lifecycle-16-local-mss-stopped');
    await clearToasts();

    await w().runCommand('SSO: Start Local Master Secret Server');
    await expectToast(w(), /^Master secret server of "dev" started\. The SSO service picks it up at its next sync/, 40_000);
    await w().waitForStatusBarItem(STATUS_ID, (i) => i.text === 'SSO dev' && i.icons.includes('shield'), SYNC_INTERVAL_S * 1000 + 10_000);
    const pid = (parseIdentity(readFileSync(mssPidFile(), 'utf8'))?.pid ?? 0);
    assert.ok(pid > 0 && pid !== e().mss!.child.pid, 'a new, detached MSS');
    await w().screenshot('lifecycle-17-local-mss-started');
    // Editing works again: the MSS answers the service.
    await c().request('config.set', { application: 'Contoso.OrderService', identifier: 'ConfigProperties', fields: { TimeoutSeconds: '31' }, expectedTimestamp: ssoctlConfigGet(e(), 'Contoso.OrderService', 'ConfigProperties').timestamp });
    await clearToasts();
  });

  it('left no error in the page that points at the extension, and the log holds no password or value', async () => {
    const ours = [...w().pageErrors, ...w().consoleErrors].filter((x) => /entsso/i.test(x));
    assert.deepEqual(ours, []);
    const log = readLogChannelFile(server!.userDataDir, 'Enterprise SSO');
    for (const secret of [PASSWORD, EXPORT_PASSWORD, 'api-key-Xy7$-secret', 'bulk-secret-', 'sftp-pw-', 'svc-invoicing', 'newapp-pw-Q7']) {
      assert.ok(!log.includes(secret), 'no password or value in the log');
    }
    assert.match(log, /Master secret of "dev" backed up to/);
    assert.match(log, /Imported .*orders\.entsso into "dev"/);
  });
});
