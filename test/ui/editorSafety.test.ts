// The explorer as a demanding BizTalk developer uses it (issue 18), in real VS Code (code-server
// 4.100.3 = VS Code 1.100.3) against a real, seeded SSO system, with auto-save ON
// ("files.autoSave": "afterDelay", 1 s, as VS Code for the web does by default):
//   1. an sso: document is written only when the user saves on purpose;
//   2. friendly names instead of GUIDs in dialogs, toasts, Find and titles; Copy Name / Identifier;
//   5. masked fields tell "not set" from "set"; Hide Masked Fields after a reveal;
//   3. (part) a shown Health view follows the service's state by itself; an open document follows
//      Add / Remove Fields.
// Screenshots go to .artifacts/screenshots/safety-*.png.
// Run alone: node esbuild.mjs && node --import tsx --test test/ui/editorSafety.test.ts
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { answerMultiPick, clickDialogButton, contextMenuAction, expectToast, waitForDialog } from './harness/dialogs';
import { answerInputStep, guid, probeEditorReadonly, ssoctlConfigGet, treeItemTooltip, type SeededSso } from './harness/ssoExtras';
import { UiSession } from './harness/uiSession';
import { Workbench } from './harness/workbench';

const VIEW = 'Applications';
const APP = 'Contoso.OrderService';
const ID = 'ConfigProperties';
const AUTO_SAVE_DELAY_MS = 1000;
const PLACEHOLDER = '••••••••';
/** A BizTalk adapter application as BizTalk names it: by GUID, with a description. */
const SFTP_APP = '{0F727AE6-13B8-DCC4-E97E-48D9EBA28904}';
const SFTP_LABEL = 'SFTP adapter: send ports';
/** Its row in the tree: under its adapter's node, labelled by its role. */
const SFTP_ADAPTER = 'SFTP adapter';
const SFTP_ROW = 'Send ports';
const PORT = guid(201);
const PORT_PASSWORD = 'sftp-port-pw-Hq4!';

describe('UI: editing SSO documents safely, with auto-save on', { timeout: 600_000 }, () => {
  const ui = new UiSession('safety-99-final');
  const w = () => ui.wb as Workbench;
  const env = () => (ui.sso as SeededSso).env;

  /** Line 3 of the document is `  "ApiUser": "biztalk",`: puts the cursor right after "biztalk". */
  async function putCursorAfterApiUserValue(): Promise<void> {
    await w().focusEditor();
    await w().page.keyboard.press('Control+Home');
    await w().page.keyboard.press('ArrowDown');
    await w().page.keyboard.press('ArrowDown');
    await w().page.keyboard.press('End');
    await w().page.keyboard.press('ArrowLeft');
    await w().page.keyboard.press('ArrowLeft');
  }

  before(async () => {
    await ui.startSeeded({
      sso: { syncIntervalSeconds: 5, pageSize: 20 },
      prepare: async (sso) => {
        // One password set, one (the private key's) never set.
        await sso.client.request('apps.create', {
          name: SFTP_APP,
          kind: 'adapter',
          description: `${SFTP_LABEL} configuration`,
          contact: '',
          enabled: true,
          fields: [
            { label: 'Uri', masked: false },
            { label: 'Password', masked: true },
            { label: 'PrivateKeyPassword', masked: true },
          ],
        });
        await sso.client.request('config.set', { application: SFTP_APP, identifier: PORT, fields: { Uri: 'sftp://partner.example/in', Password: PORT_PASSWORD, PrivateKeyPassword: '' }, expectedTimestamp: null });
      },
      name: 'safety',
      settings: (sso) => ({ ...sso.settings, 'files.autoSave': 'afterDelay', 'files.autoSaveDelay': AUTO_SAVE_DELAY_MS }),
      clipboard: true,
    });
  }, { timeout: 180_000 });

  after(() => ui.stop(), { timeout: 60_000 });

  it('never auto-saves an sso: document: a slowly typed value reaches SSODB only with Ctrl+S', async () => {
    await w().openView('Enterprise SSO');
    await w().expandTreeItem(APP, { viewTitle: VIEW });
    await w().clickTreeItem(ID, { viewTitle: VIEW });
    await w().waitForEditorText((t) => t.includes('"ApiUser": "biztalk"'));
    const before = ssoctlConfigGet(env(), APP, ID);
    // The language of sso: documents, shown in the status bar (JSON highlighting stays).
    await w().waitFor(async () => (await w().readStatusBar()).some((i) => i.text === 'SSO Configuration'), 10_000, 'the "SSO Configuration" language in the status bar');

    // Type after "biztalk", one key at a time, pausing longer than the delay.
    await putCursorAfterApiUserValue();
    for (const key of '-ne') {
      await w().page.keyboard.type(key);
      await new Promise((r) => setTimeout(r, AUTO_SAVE_DELAY_MS / 2));
    }
    // Nothing to wait *for*: proving that no auto-save happens takes waiting past its delay.
    await new Promise((r) => setTimeout(r, AUTO_SAVE_DELAY_MS * 3));
    await w().screenshot('safety-01-half-typed-not-saved');
    assert.equal((await w().activeEditorTab())?.dirty, true, 'the half-typed document is still unsaved');
    assert.deepEqual(ssoctlConfigGet(env(), APP, ID), before, 'SSODB holds what it held before the typing');

    // A syntax error mid-typing: no save, so no "Failed to save" toast either.
    await w().page.keyboard.press('End');
    await w().page.keyboard.press('Backspace'); // the comma: invalid JSON for a moment
    await new Promise((r) => setTimeout(r, AUTO_SAVE_DELAY_MS * 3));
    const toasts = await w().notifications();
    assert.ok(!toasts.some((t) => /Failed to save|Not saved/i.test(t)), JSON.stringify(toasts));
    assert.deepEqual(ssoctlConfigGet(env(), APP, ID), before, 'SSODB still unchanged');
    await w().page.keyboard.type(',');

    // On purpose: Ctrl+S writes it.
    await w().page.keyboard.press('Control+End');
    await w().save();
    assert.equal(ssoctlConfigGet(env(), APP, ID).fields.ApiUser, 'biztalk-ne');
    // The toast names it the way people do (issue 18, item 2).
    await expectToast(w(), /^Saved "Contoso\.OrderService › ConfigProperties"\./, 15_000);
    await w().screenshot('safety-02-saved-on-purpose');
  });

  it('shows an empty masked field as "" and a set one as the placeholder, says which on hover, and hides revealed values again without closing the tab', async () => {
    await w().runCommand('View: Close All Editors');
    await w().expandTreeItem(SFTP_ADAPTER, { viewTitle: VIEW });
    await w().expandTreeItem(SFTP_ROW, { viewTitle: VIEW });
    await w().clickTreeItem(PORT, { viewTitle: VIEW });
    const text = await w().waitForEditorText((t) => t.includes('"Uri"'));
    assert.ok(text.includes(`"Password": "${PLACEHOLDER}"`), text);
    assert.ok(text.includes('"PrivateKeyPassword": ""'), `an empty masked field shows as "": ${text}`);

    const hoverOnLine = async (line: number): Promise<string> => {
      await w().focusEditor();
      await w().page.keyboard.press('Control+Home');
      for (let i = 1; i < line; i++) await w().page.keyboard.press('ArrowDown');
      await w().page.keyboard.press('End');
      await w().page.keyboard.press('ArrowLeft');
      await w().runCommand('Show or Focus Hover');
      const hover = w().page.locator('.monaco-editor .monaco-hover:not(.hidden)').first();
      const said = await w().waitFor(async () => ((await hover.isVisible()) ? ((await hover.textContent()) ?? '').replace(/\s+/g, ' ') : undefined) || undefined, 10_000, 'the hover');
      return said;
    };
    const notSet = await hoverOnLine(4);
    assert.match(notSet, /PrivateKeyPassword is a masked field and is not set/);
    await w().screenshot('safety-03-hover-not-set');
    await w().page.keyboard.press('Escape');
    assert.match(await hoverOnLine(3), /Password is a masked field and holds a value \(hidden\)/);
    await w().page.keyboard.press('Escape');

    // Reveal (the dialog names the port the friendly way), then hide again from the title bar.
    await w().runCommand('SSO: Reveal Masked Fields');
    const dialog = await waitForDialog(w(), /Reveal 2 masked fields/);
    assert.equal(dialog.message, `Reveal 2 masked fields of "${SFTP_LABEL} › ${PORT}"?`);
    assert.match(dialog.detail, new RegExp(`Identifier ${PORT.replace(/[{}]/g, '\\$&')} of application ${SFTP_APP.replace(/[{}]/g, '\\$&')}`));
    await w().screenshot('safety-04-reveal-dialog');
    await clickDialogButton(w(), 'Reveal');
    await w().waitForEditorText((t) => t.includes(PORT_PASSWORD), 10_000);
    // Shown in a read-only document of its own beside the editable one, named as revealed.
    assert.match((await w().activeEditorTab())?.title ?? '', /^\{5A0F00C9.* \(revealed\)\.json$/);
    // No screenshot while a decrypted value is shown.
    const hide = w().page.locator('.editor-group-container.active .editor-actions .action-label[aria-label^="Hide Masked Fields"]').first();
    await hide.waitFor({ state: 'visible', timeout: 10_000 });
    await hide.click();
    const hidden = await w().waitForEditorText((t) => t.includes(PLACEHOLDER) && !t.includes(PORT_PASSWORD), 10_000);
    assert.ok(hidden.includes('"PrivateKeyPassword": ""'));
    assert.match((await w().activeEditorTab())?.title ?? '', /^\{5A0F00C9[^(]*$/, 'the editable document is still open');
    await w().waitFor(async () => !(await probeEditorReadonly(w())).readonly, 10_000, 'the editor to be editable');
    await w().page.locator('.editor-group-container.active .editor-actions .action-label[aria-label^="Reveal Masked Fields"]').first().waitFor({ state: 'visible', timeout: 10_000 });
    await w().screenshot('safety-05-hidden-again-editable');
  });

  it('names configurations the friendly way in the tree for screen readers, tooltips, Delete, New Configuration and Find; copies name and identifier', async () => {
    await w().runCommand('View: Close All Editors');
    await w().openView('Enterprise SSO');
    await w().expandTreeItem(SFTP_ADAPTER, { viewTitle: VIEW });
    await w().expandTreeItem(SFTP_ROW, { viewTitle: VIEW });
    const rows = await w().readTree(VIEW);
    const appRow = rows.find((r) => r.label === SFTP_ROW);
    const portRow = rows.find((r) => r.label === PORT);
    assert.ok(appRow && portRow, JSON.stringify(rows));
    assert.match(appRow.ariaLabel, new RegExp(`^${SFTP_LABEL}, BizTalk adapters`), 'screen readers hear the friendly application name, not its GUID');
    assert.ok(portRow.ariaLabel.startsWith(`${SFTP_LABEL} › ${PORT}, port configuration`), portRow.ariaLabel);
    assert.match(await treeItemTooltip(w(), PORT, VIEW), new RegExp(`Identifier: \\{5A0F00C9[^]*Application: \\{0F727AE6`));

    await contextMenuAction(w(), PORT, 'Copy Identifier');
    await w().waitFor(async () => (await w().page.evaluate(() => navigator.clipboard.readText())) === PORT, 10_000, 'the identifier on the clipboard');
    await contextMenuAction(w(), SFTP_ROW, 'Copy Name');
    await w().waitFor(async () => (await w().page.evaluate(() => navigator.clipboard.readText())) === SFTP_LABEL, 10_000, 'the name on the clipboard');
    await contextMenuAction(w(), SFTP_ROW, 'Copy Identifier');
    await w().waitFor(async () => (await w().page.evaluate(() => navigator.clipboard.readText())) === SFTP_APP, 10_000, 'the application GUID on the clipboard');

    await contextMenuAction(w(), PORT, 'Delete Configuration');
    const deletion = await waitForDialog(w(), /Delete port configuration/);
    assert.equal(deletion.message, `Delete port configuration "${SFTP_LABEL} › ${PORT}"?`);
    await w().screenshot('safety-06-delete-dialog');
    await clickDialogButton(w(), 'Cancel');

    await contextMenuAction(w(), SFTP_ROW, 'New Configuration…');
    await w().waitForQuickInput(`New port configuration in "${SFTP_LABEL}"`);
    await w().screenshot('safety-07-new-configuration-title');
    await w().closeQuickInput();

    await w().runCommand('SSO: Find Application or Port Configuration…');
    await w().page.locator('.quick-input-widget input').fill('5A0F00C9');
    const hit = w().page.locator('.quick-input-widget .quick-input-list .monaco-list-row').first();
    const hitText = await w().waitFor(async () => {
      const t = ((await hit.textContent().catch(() => '')) ?? '').replace(/\s+/g, ' ');
      return t.includes('port configuration of') ? t : undefined;
    }, 15_000, 'the Find result');
    assert.match(hitText, new RegExp(`port configuration of ${SFTP_LABEL}`));
    await w().screenshot('safety-08-find-friendly');
    await w().closeQuickInput();
  });

  it('keeps a shown Health view in step with the service: the MSS stopping and coming back show without "Check Health"', async () => {
    await w().openView('Enterprise SSO');
    await w().waitForStatusBarItem('entsso.status', (i) => i.text === 'SSO dev', 30_000);
    await w().runCommand('SSO: Check Health');
    const mssRow = async () => (await w().readTree('Health')).find((r) => r.label === 'Master secret server');
    await w().waitFor(async () => (await mssRow())?.description.startsWith('OK'), 20_000, 'the master secret server checked OK');

    await env().mss!.kill('SIGKILL');
    const down = await w().waitFor(async () => {
      const row = await mssRow();
      return row && !row.description.startsWith('OK') ? row : undefined;
    }, 20_000, 'the Health view to follow the stopped MSS by itself');
    assert.match(down.description, /^(Error|Warning): /);
    await w().screenshot('safety-09-health-follows-mss-down');

    await env().startMss();
    await w().waitFor(async () => (await mssRow())?.description.startsWith('OK'), 30_000, 'the Health view to follow the MSS back by itself');
    await w().screenshot('safety-10-health-follows-mss-back');
  });

  it('an open document follows Add Fields and Remove Fields by itself, and then saves', async () => {
    await w().runCommand('View: Close All Editors');
    await w().openView('Enterprise SSO');
    await w().expandTreeItem(SFTP_ADAPTER, { viewTitle: VIEW });
    await w().expandTreeItem(SFTP_ROW, { viewTitle: VIEW });
    await w().clickTreeItem(PORT, { viewTitle: VIEW });
    await w().waitForEditorText((t) => t.includes('"Uri"'));

    await contextMenuAction(w(), SFTP_ROW, 'Add Fields…');
    await answerInputStep(w(), '(1/2)', 'ArchiveFolder');
    await w().waitForQuickInput(/\(2\/2\)/);
    await w().page.keyboard.press('Enter');
    await w().waitForEditorText((t) => t.includes('"ArchiveFolder": ""'), 15_000);
    await w().screenshot('safety-11-document-follows-add-fields');

    // No row holds a value for it, so removing it rewrites no row: the document must follow anyway.
    await contextMenuAction(w(), SFTP_ROW, 'Remove Fields…');
    await answerMultiPick(w(), /^Remove Fields from/, ['ArchiveFolder']);
    await waitForDialog(w(), /Remove field "ArchiveFolder"/);
    await clickDialogButton(w(), 'Remove');
    const text = await w().waitForEditorText((t) => t.includes('"Uri"') && !t.includes('ArchiveFolder'), 15_000);

    await w().replaceEditorText(text.replace('sftp://partner.example/in', 'sftp://partner.example/archive-less'));
    await w().save();
    assert.equal(ssoctlConfigGet(env(), SFTP_APP, PORT).fields.Uri, 'sftp://partner.example/archive-less');
  });

  it('an sso: document restored by a window reload is not auto-saved either', async () => {
    await w().runCommand('View: Close All Editors');
    await w().openView('Enterprise SSO');
    await w().expandTreeItem(APP, { viewTitle: VIEW });
    await w().clickTreeItem(ID, { viewTitle: VIEW });
    await w().waitForEditorText((t) => t.includes('"ApiUser"'));
    await w().runCommand('Developer: Reload Window');
    await w().page.locator('.monaco-workbench').waitFor({ state: 'visible', timeout: 90_000 });
    await w().waitForActiveEditor(`${ID}.json`, 60_000);
    await w().waitForEditorText((t) => t.includes('"ApiUser"'), 30_000);
    await w().waitFor(async () => (await w().readStatusBar()).some((i) => i.text === 'SSO Configuration'), 20_000, 'the restored document in its own language');
    const before = ssoctlConfigGet(env(), APP, ID);

    await putCursorAfterApiUserValue();
    await w().page.keyboard.type('-x');
    // Proving that no auto-save happens takes waiting past its delay.
    await new Promise((r) => setTimeout(r, AUTO_SAVE_DELAY_MS * 3));
    assert.equal((await w().activeEditorTab())?.dirty, true, 'the restored document is still unsaved');
    assert.deepEqual(ssoctlConfigGet(env(), APP, ID), before, 'SSODB unchanged');
    await w().runCommand('File: Revert File');
  });
});
