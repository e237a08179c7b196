// Open sso: documents follow their own environment and field changes, and a failed save says what
// to do (issue 18, items 3 and 9), in real VS Code (code-server 4.100.3 = VS Code 1.100.3) against
// a real, seeded SSO system ("dev") and a second environment ("Prod") whose service is not running:
//   - after Remove Fields, a document with unsaved edits shows the removed field as a problem and
//     its save is refused with that reason (it used to reach the service and fail obscurely);
//   - a failed save shows the extension's own notification (sentence + buttons) and VS Code's
//     "Failed to save" carries a named FileSystemError kind, never "Unknown (FileSystemError)";
//   - with "Prod" active, a document of "dev" is read-only, explained and refused as a document of
//     "dev", not blamed on the state of "Prod"; back on "dev" it is editable and saves;
//   - tabs and breadcrumbs of a BizTalk adapter application's port show the names of the tree
//     ("SFTP adapter: send ports"), not its GUID, and the document still saves under its SSO names;
//     two ConfigProperties tabs say which application each belongs to;
//   - Back in Connect to SSO Service, New Configuration, Import and Create Local SSO Environment
//     returns to the step before with what was typed or picked there (issue 18, item 7).
// Screenshots go to .artifacts/screenshots/follow-*.png.
// Run alone: node esbuild.mjs && node --import tsx --test test/ui/documentsFollow.test.ts
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { answerFileDialog, answerMultiPick, clickDialogButton, contextMenuAction, expectToast, pickQuickItem, waitForDialog } from './harness/dialogs';
import { answerInputStep, probeEditorReadonly, problemsViewTexts, ssoctlConfigGet, ssoctlConfigSet, type SeededSso } from './harness/ssoExtras';
import { UiSession } from './harness/uiSession';
import { Workbench } from './harness/workbench';

const VIEW = 'Applications';
const APP = 'Contoso.OrderService';
const ID = 'ConfigProperties';
const STATUS_ID = 'entsso.status';
/** A second environment whose SSO service is not running. */
const PROD = 'Prod';
const PROD_SOCKET = '/tmp/entsso-ux4-no-such-service.sock';
/** A BizTalk adapter application as BizTalk names it: by GUID, with a description. */
const SFTP_APP = '{0F727AE6-13B8-DCC4-E97E-48D9EBA28904}';
const SFTP_LABEL = 'SFTP adapter: send ports';
const PORT = '{5A0F00C9-10C9-40C9-8581-C0FFEE0000C9}';
const BILLING = 'Contoso.Billing';

describe('UI: open documents follow their environment and field changes; failed saves say what to do', { timeout: 600_000 }, () => {
  const ui = new UiSession('follow-99-final');
  const w = () => ui.wb as Workbench;
  const env = () => (ui.sso as SeededSso).env;

  before(async () => {
    await ui.startSeeded({
      sso: { syncIntervalSeconds: 5, pageSize: 20 },
      name: 'follow',
      prepare: async (sso) => {
        await sso.client.request('apps.create', {
          name: SFTP_APP,
          kind: 'adapter',
          description: `${SFTP_LABEL} configuration`,
          contact: '',
          enabled: true,
          fields: [
            { label: 'Uri', masked: false },
            { label: 'Password', masked: true },
          ],
        });
        await sso.client.request('config.set', { application: SFTP_APP, identifier: PORT, fields: { Uri: 'sftp://partner.example/in', Password: '' }, expectedTimestamp: null });
        await sso.client.request('apps.create', { name: BILLING, kind: 'configStore', description: 'Billing settings', contact: '', enabled: true, fields: [{ label: 'Endpoint', masked: false }] });
        await sso.client.request('config.set', { application: BILLING, identifier: ID, fields: { Endpoint: 'https://billing.contoso.example' }, expectedTimestamp: null });
      },
      settings: (sso) => {
        const dev = (sso.settings['entsso.environments'] as Array<Record<string, unknown>>)[0]!;
        // Every opened document keeps its tab (no preview tabs that replace each other).
        return { ...sso.settings, 'entsso.environments': [dev, { name: PROD, socketPath: PROD_SOCKET, tokenFile: dev.tokenFile }], 'workbench.editor.enablePreview': false };
      },
    });
    await w().openView('Enterprise SSO');
    await w().expandTreeItem(APP, { viewTitle: VIEW });
  }, { timeout: 180_000 });

  after(() => ui.stop(), { timeout: 60_000 });

  /** The breadcrumbs above the active editor, as shown. */
  async function breadcrumbs(): Promise<string[]> {
    const items = w().page.locator('.editor-group-container.active .breadcrumbs-control .monaco-breadcrumb-item');
    return (await items.allTextContents()).map((s) => s.trim()).filter(Boolean);
  }

  /** Every editor tab: its title and description (VS Code adds the folder when titles repeat). */
  async function tabs(): Promise<Array<{ title: string; description: string }>> {
    return w().page.locator('.editor-group-container .tabs-container .tab').evaluateAll((els) =>
      els.map((el) => ({
        title: (el.querySelector('.label-name')?.textContent ?? '').trim(),
        description: (el.querySelector('.label-description')?.textContent ?? '').trim(),
      })),
    );
  }

  async function openConfigProperties(): Promise<string> {
    await w().runCommand('View: Close All Editors');
    await w().clickTreeItem(ID, { viewTitle: VIEW });
    return w().waitForEditorText((t) => t.includes('"ApiUser"'));
  }

  it('a failed save shows its own sentence with buttons, and VS Code gets a named FileSystemError kind', async () => {
    const text = await openConfigProperties();
    await w().replaceEditorText(text.replace('"ApiUser": "biztalk",', '"ApiUser": "biztalk",\n  "Bogus": "x",'));
    await w().focusEditor();
    await w().page.keyboard.press('Control+S');
    const ours = await expectToast(w(), /^Not saved: .*"Bogus" is not a field/, 15_000);
    assert.ok(!ours.includes('FileSystemError'), ours);
    assert.deepEqual(await w().notificationButtons('"Bogus" is not a field'), ['Show Problems']);
    const vscodes = await expectToast(w(), /^Failed to save 'ConfigProperties\.json'/, 15_000);
    assert.match(vscodes, /\(NoPermissions \(FileSystemError\): Not saved: the document has problems; see the Problems panel\.\)/);
    assert.doesNotMatch(vscodes, /Unknown \(FileSystemError\)/);
    await w().screenshot('follow-01-save-refused-own-message');
    await w().clickNotificationButton('"Bogus" is not a field', 'Show Problems');
    await w().waitFor(async () => (await w().page.locator('.part.panel .markers-panel').count()) > 0, 10_000, 'the Problems panel');
    await w().runCommand('File: Revert File');
    await w().clearNotifications();
  });

  it('a document with unsaved edits follows Remove Fields: the removed field is a problem and the save says so', async () => {
    const text = await openConfigProperties();
    await contextMenuAction(w(), APP, 'Add Fields…');
    await answerInputStep(w(), '(1/2)', 'ArchiveFolder');
    await w().waitForQuickInput(/\(2\/2\)/);
    await w().page.keyboard.press('Enter');
    const withField = await w().waitForEditorText((t) => t.includes('"ArchiveFolder": ""'), 15_000);
    assert.notEqual(withField, text);
    // Unsaved edits that use the new field.
    await w().replaceEditorText(withField.replace('"ArchiveFolder": ""', '"ArchiveFolder": "/archive"'));
    await w().waitFor(async () => (await w().activeEditorTab())?.dirty, 5000, 'the editor to be dirty');

    await contextMenuAction(w(), APP, 'Remove Fields…');
    await answerMultiPick(w(), /^Remove Fields from/, ['ArchiveFolder']);
    await waitForDialog(w(), /Remove field "ArchiveFolder"/);
    await clickDialogButton(w(), 'Remove');
    // The edits are kept (nothing is lost), and the removed field is shown as a problem.
    assert.equal((await w().activeEditorTab())?.dirty, true);
    const problems = await w().waitFor(async () => {
      const rows = await problemsViewTexts(w());
      return rows.some((r) => /"ArchiveFolder" is not a field of application "Contoso\.OrderService"/.test(r)) ? rows : undefined;
    }, 15_000, 'the removed field to be a problem');
    assert.ok(problems.length > 0);
    await w().screenshot('follow-02-dirty-document-after-remove-fields');

    const before = ssoctlConfigGet(env(), APP, ID);
    await w().focusEditor();
    await w().page.keyboard.press('Control+S');
    await expectToast(w(), /^Not saved: .*"ArchiveFolder" is not a field/, 15_000);
    assert.equal((await w().activeEditorTab())?.dirty, true, 'still unsaved');
    assert.equal(ssoctlConfigGet(env(), APP, ID).timestamp, before.timestamp, 'SSODB unchanged');
    await w().screenshot('follow-03-save-refused-removed-field');

    // Dropping the field from the document makes it saveable.
    await w().replaceEditorText((await w().activeEditorText()).replace(/,\s*"ArchiveFolder": "\/archive"/, '').replace('"biztalk"', '"biztalk-after-remove"'));
    await w().clearNotifications();
    await w().save();
    assert.equal(ssoctlConfigGet(env(), APP, ID).fields.ApiUser, 'biztalk-after-remove');
  });

  it('an open, unmodified document shows what was saved elsewhere after "SSO: Refresh", and after clicking it again (review 12 F4)', async () => {
    await openConfigProperties();
    ssoctlConfigSet(env(), APP, ID, { ApiUser: 'saved-by-ssoctl' });
    await w().runCommand('SSO: Refresh');
    await w().waitForEditorText((t) => t.includes('"ApiUser": "saved-by-ssoctl"'), 15_000);
    assert.equal((await w().activeEditorTab())?.dirty, false);
    ssoctlConfigSet(env(), APP, ID, { ApiUser: 'saved-again' });
    await w().clickTreeItem(ID, { viewTitle: VIEW });
    await w().waitForEditorText((t) => t.includes('"ApiUser": "saved-again"'), 15_000);
    await w().screenshot('follow-03b-reloaded-after-refresh');
  });

  it('a value over 262,144 characters is a row in the Problems panel and its save is refused in the editor (review 12 F2)', async () => {
    const text = await openConfigProperties();
    const before = ssoctlConfigGet(env(), APP, ID);
    await w().replaceEditorText(text.replace(/"ApiUser": "[^"]*"/, `"ApiUser": "${'x'.repeat(262_145)}"`));
    try {
      const problems = await w().waitFor(async () => {
        const rows = await problemsViewTexts(w());
        return rows.some((r) => /The value of "ApiUser" has 262145 characters; SSO stores at most 262144/.test(r)) ? rows : undefined;
      }, 15_000, 'the too-long value to be a problem');
      assert.ok(problems.length > 0);
      await w().focusEditor();
      await w().page.keyboard.press('Control+S');
      await expectToast(w(), /^Not saved: .*"ApiUser" has 262145 characters/, 15_000);
      assert.equal(ssoctlConfigGet(env(), APP, ID).timestamp, before.timestamp, 'SSODB unchanged');
      await w().waitForStatusBarItem(STATUS_ID, (i) => !/unreachable|connecting/i.test(i.text), 5000);
    } finally {
      // Unsaved, the document would hold later tests' "Close All Editors" at its "Save changes?" dialog.
      await w().focusEditor();
      await w().runCommand('File: Revert File');
      await w().clearNotifications();
    }
  });

  it('with "Prod" active, a document of "dev" is read-only, explained and refused as a document of "dev"', async () => {
    const text = await openConfigProperties();
    await w().replaceEditorText(text.replace(/"ApiUser": "[^"]*"/, '"ApiUser": "biztalk-pending"'));
    await w().waitFor(async () => (await w().activeEditorTab())?.dirty, 5000, 'the editor to be dirty');

    await w().runCommand('SSO: Switch Environment…');
    await pickQuickItem(w(), 'Switch SSO Environment', PROD);
    await w().waitForStatusBarItem(STATUS_ID, (i) => /SSO Prod: service unreachable/.test(i.text), 20_000);

    const probe = await w().waitFor(async () => {
      const p = await probeEditorReadonly(w());
      return p.readonly && /belongs to environment "dev"/.test(p.message) ? p : undefined;
    }, 15_000, 'the document of "dev" to be read-only as a document of "dev"');
    assert.match(probe.message, /Documents of "dev": Read-only: this configuration belongs to environment "dev", and the explorer is connected to "Prod"\./);
    assert.match(probe.message, /Switch Environment… and choose "dev"/);
    await w().screenshot('follow-04-other-environment-read-only');

    const problems = await problemsViewTexts(w());
    assert.ok(problems.some((r) => /belongs to environment "dev", and the explorer is connected to "Prod"/.test(r)), JSON.stringify(problems));
    assert.ok(!problems.some((r) => /"Prod" is unreachable/.test(r)), JSON.stringify(problems));

    await w().focusEditor();
    await w().page.keyboard.press('Control+S');
    const refused = await expectToast(w(), /^Cannot save "ConfigProperties"\./, 15_000);
    assert.match(refused, /belongs to environment "dev"/);
    assert.doesNotMatch(refused, /unreachable/);
    assert.ok((await w().notificationButtons('Cannot save "ConfigProperties"')).includes('Switch Environment…'));
    assert.equal((await w().activeEditorTab())?.dirty, true, 'still unsaved');
    await w().screenshot('follow-05-other-environment-save-refused');
    await w().clearNotifications();

    await w().runCommand('SSO: Switch Environment…');
    await pickQuickItem(w(), 'Switch SSO Environment', 'dev');
    await w().waitForStatusBarItem(STATUS_ID, (i) => i.text === 'SSO dev', 20_000);
    await w().waitFor(async () => !(await probeEditorReadonly(w())).readonly, 15_000, 'the document to be editable again');
    await w().clearNotifications().catch(() => undefined);
    await w().save();
    assert.equal(ssoctlConfigGet(env(), APP, ID).fields.ApiUser, 'biztalk-pending');
    await w().screenshot('follow-06-back-on-dev-saved');
  });

  it('tabs and breadcrumbs show the names of the tree, not GUIDs; the document saves under its SSO names; two ConfigProperties tabs tell their applications apart', async () => {
    await w().runCommand('View: Close All Editors');
    await w().expandTreeItem('SFTP adapter', { viewTitle: VIEW });
    await w().expandTreeItem('Send ports', { viewTitle: VIEW });
    await w().clickTreeItem(PORT, { viewTitle: VIEW });
    const text = await w().waitForEditorText((t) => t.includes('"Uri"'));
    await w().waitFor(async () => (await breadcrumbs()).length >= 3, 10_000, 'the breadcrumbs');
    const crumbs = await breadcrumbs();
    assert.deepEqual(crumbs, ['dev', SFTP_LABEL, `${PORT}.json`]);
    assert.ok(!crumbs.some((c) => c.includes(SFTP_APP)), JSON.stringify(crumbs));
    // The SSO name rides in the query, where the tab and breadcrumbs do not show it.
    assert.match(decodeURIComponent(await w().activeEditorUri()), /^sso:\/dev\/SFTP adapter: send ports\/\{5A0F00C9-[^/?]+\.json\?app=/);
    await w().screenshot('follow-07-breadcrumbs-friendly');

    await w().replaceEditorText(text.replace('sftp://partner.example/in', 'sftp://partner.example/friendly'));
    await w().save();
    assert.equal(ssoctlConfigGet(env(), SFTP_APP, PORT).fields.Uri, 'sftp://partner.example/friendly');

    // Two ConfigProperties tabs.
    await w().runCommand('View: Close All Editors');
    await w().collapseTreeItem('SFTP adapter', { viewTitle: VIEW });
    await w().expandTreeItem(APP, { viewTitle: VIEW });
    await w().clickTreeItem(ID, { viewTitle: VIEW });
    await w().waitForEditorText((t) => t.includes('"ApiUser"'));
    // Only one ConfigProperties row at a time, so that the click is unambiguous.
    await w().collapseTreeItem(APP, { viewTitle: VIEW });
    await w().expandTreeItem(BILLING, { viewTitle: VIEW });
    await w().clickTreeItem(ID, { viewTitle: VIEW });
    await w().waitForEditorText((t) => t.includes('billing.contoso.example'));
    const shown = await w().waitFor(async () => {
      const t = await tabs();
      return t.length === 2 && t.every((x) => x.description) ? t : undefined;
    }, 10_000, 'two tabs with descriptions');
    assert.deepEqual(shown.map((t) => t.title), ['ConfigProperties.json', 'ConfigProperties.json']);
    assert.ok(shown.some((t) => t.description.includes(APP)) && shown.some((t) => t.description.includes(BILLING)), JSON.stringify(shown));
    await w().screenshot('follow-08-two-configproperties-tabs');
  });

  it('Back in Connect to SSO Service and in New Configuration returns to the step before, keeping what was typed or picked', async () => {
    const back = () => w().page.locator('.quick-input-widget .quick-input-left-action-bar .codicon-quick-input-back').first();
    await w().page.mouse.move(700, 700);
    await w().runCommand('SSO: Connect to SSO Service…');
    await answerInputStep(w(), '(1/3)', 'staging');
    await answerInputStep(w(), '(2/3)', '/tmp/entsso-ux4-staging.sock');
    await w().waitForQuickInput('(3/3)');
    await back().click();
    const socket = await w().waitForQuickInput('(2/3)');
    assert.equal(socket.value, '/tmp/entsso-ux4-staging.sock', 'the socket path typed before is kept');
    await back().click();
    const name = await w().waitForQuickInput('(1/3)');
    assert.equal(name.value, 'staging', 'the name typed before is kept');
    await w().screenshot('follow-09-connect-back-to-step-1');
    await w().closeQuickInput();
    // Away from the quick input: a hover left over it would cover the next palette's rows.
    await w().page.mouse.move(700, 700);

    await w().runCommand('SSO: New Configuration…');
    await pickQuickItem(w(), /^New Configuration in "dev"/, BILLING);
    await w().waitFor(async () => (await w().readQuickInput())?.title.includes('Contoso.Billing'), 10_000, 'the name step');
    await w().page.locator('.quick-input-widget .quick-input-box input').fill('SecondEntry');
    await back().click();
    const pick = await w().waitForQuickInput(/^New Configuration in "dev"/);
    assert.ok(pick.items.includes(BILLING), JSON.stringify(pick.items));
    const focused = ((await w().page.locator('.quick-input-widget .quick-input-list .monaco-list-row.focused .label-name').first().textContent()) ?? '').trim();
    assert.equal(focused, BILLING, 'the application picked before is the active row');
    await pickQuickItem(w(), /^New Configuration in "dev"/, BILLING);
    const again = await w().waitForQuickInput(/Contoso\.Billing/);
    assert.equal(again.value, 'SecondEntry', 'the name typed before is kept');
    await w().screenshot('follow-10-new-configuration-back');
    await w().closeQuickInput();
  });

  it('Back in Import and in Create Local SSO Environment returns to the step before, keeping what was typed or picked', async () => {
    const back = () => w().page.locator('.quick-input-widget .quick-input-left-action-bar .codicon-quick-input-back').first();
    const focusedRow = async () => ((await w().page.locator('.quick-input-widget .quick-input-list .monaco-list-row.focused .label-name').first().textContent()) ?? '').trim();
    const file = join(ui.server!.workspaceFolder, 'billing.entsso');
    const exported = env().ssoctl(['app', 'export', BILLING, '--file', file, '--password-stdin'], 'Correct horse battery 42!\n');
    assert.equal(exported.code, 0, exported.stderr);

    await w().page.mouse.move(700, 700);
    await w().runCommand('SSO: Import Applications…');
    await answerFileDialog(w(), 'Import Applications into "dev"', file);
    await pickQuickItem(w(), /: mode$/, 'Add and update');
    await w().waitForQuickInput(/: password$/);
    await back().click();
    await w().waitForQuickInput(/: mode$/);
    await w().waitFor(async () => (await focusedRow()) === 'Add and update', 5000, 'the mode picked before to be the active row');
    await w().screenshot('follow-11-import-back-to-mode');
    await w().closeQuickInput();
    await w().page.mouse.move(700, 700);

    await w().runCommand('SSO: Create Local SSO Environment…');
    await pickQuickItem(w(), '(1/4)', "In VS Code's storage for this extension");
    await answerInputStep(w(), '(2/4)', 'LocalBack');
    await pickQuickItem(w(), '(3/4)', 'Embedded SQLite file');
    await w().waitForQuickInput('(4/4)');
    await back().click();
    await w().waitForQuickInput('(3/4)');
    await w().waitFor(async () => (await focusedRow()) === 'Embedded SQLite file', 5000, 'the SSO database picked before');
    await back().click();
    const name = await w().waitForQuickInput('(2/4)');
    assert.equal(name.value, 'LocalBack', 'the name typed before is kept');
    await back().click();
    await w().waitForQuickInput('(1/4)');
    await w().screenshot('follow-12-create-local-back-to-step-1');
    await w().closeQuickInput();
  });
});
