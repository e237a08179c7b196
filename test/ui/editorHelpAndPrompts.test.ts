// Issue 18, items 4, 6 and 7 in real VS Code (code-server 4.100.3 = VS Code 1.100.3) against a
// real, seeded SSO system (MSS and SSO service as separate processes), one code-server session:
// - editor help in sso: documents: field-name completion, field hover, quick fixes for an
//   unknown field (Add Fields… prefilled, or remove it) and a number (quote it);
// - prompts that forgive: Back in Create Application, the first-field masking rule shown whole,
//   password strength and confirmation checked as they are typed, file dialogs that open where
//   exports were last written;
// - an import preview that can be reviewed: no modal over the diff, Apply / Discard in the diff
//   editor's title bar, <appSettings> values compared as key/values.
// Screenshots go to .artifacts/screenshots/help-*.png.
// Run alone: node esbuild.mjs && node --import tsx --test test/ui/editorHelpAndPrompts.test.ts
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { answerFileDialog, answerMultiPick, expectToast, pickQuickItem, quickInputMessage, readDiffEditor } from './harness/dialogs';
import { answerInputStep, problemsViewTexts, seed, waitForStatusBarMessage, ssoctlConfigGet, ssoctlConfigSet, type SeededSso } from './harness/ssoExtras';
import { UiSession } from './harness/uiSession';
import { Workbench } from './harness/workbench';

const VIEW = 'Applications';
const APP = 'Contoso.OrderService';
const ID = 'ConfigProperties';
const BTDF_APP = 'Contoso.Btdf';
const EXPORT_PASSWORD = 'Export staple orbit 77?';
const appSettings = (timeout: string) =>
  `<appSettings>\n  <add key="ErpUrl" value="https://erp.contoso.example" />\n  <add key="Timeout" value="${timeout}" />\n  <add key="Batch" value="250" />\n</appSettings>\n`;

function docText(fields: Record<string, string | number>, extra = ''): string {
  const lines = Object.entries(fields).map(([k, v]) => `  ${JSON.stringify(k)}: ${typeof v === 'number' ? String(v) : JSON.stringify(v)}`);
  return `{\n${lines.join(',\n')}${extra}\n}\n`;
}

describe('UI: editor help, forgiving prompts and a reviewable import preview (issue 18: 4, 6, 7)', { timeout: 600_000 }, () => {
  const ui = new UiSession('help-99-final');
  let ws = '';
  const w = () => ui.wb as Workbench;
  const env = () => (ui.sso as SeededSso).env;
  const page = () => w().page;

  before(async () => {
    await ui.startSeeded({
      sso: { syncIntervalSeconds: 2, pageSize: 50 },
      prepare: async (sso) => {
        await seed(sso.client, [
          { application: BTDF_APP, kind: 'configStore', description: 'BTDF settings', fields: [{ label: 'AppConfig', masked: false }], identifiers: { [ID]: { AppConfig: appSettings('30') } } },
        ]);
      },
      name: 'editorHelp',
    });
    ws = ui.server!.workspaceFolder;
  }, { timeout: 180_000 });

  after(() => ui.stop(), { timeout: 60_000 });

  const editorLine = (text: string) => page().locator('.editor-group-container.active .monaco-editor .view-lines .view-line').filter({ hasText: text }).first();
  const titleBackButton = () => page().locator('.quick-input-widget .quick-input-left-action-bar .codicon-quick-input-back').first();

  async function clickInEditor(lineText: string, token: string): Promise<void> {
    const line = editorLine(lineText);
    await line.waitFor({ state: 'visible', timeout: 10_000 });
    await line.locator('span span', { hasText: token }).last().click();
  }

  /** Opens the quick fixes at the cursor (Ctrl+.) and returns their titles. */
  async function quickFixes(): Promise<string[]> {
    await page().keyboard.press('Control+.');
    const rows = page().locator('.action-widget .monaco-list-row');
    await w().waitFor(async () => (await rows.count()) > 0, 10_000, 'the quick fix menu');
    return (await rows.allTextContents()).map((t) => t.replace(/\s+/g, ' ').trim()).filter(Boolean);
  }

  /** Picks a quick fix with the keyboard: the menu ignores clicks while it opens (a pointer block covers it). */
  async function chooseQuickFix(title: string): Promise<void> {
    const focused = page().locator('.action-widget .monaco-list-row.action.focused');
    for (let i = 0; i < 10; i++) {
      if ((await focused.getAttribute('aria-label').catch(() => null)) === title) {
        await page().keyboard.press('Enter');
        return;
      }
      await page().keyboard.press('ArrowDown');
    }
    throw new Error(`No quick fix "${title}"`);
  }

  async function waitForProblems(): Promise<void> {
    // The diagnostics are debounced (200 ms) after the edit.
    await w().waitFor(async () => (await page().locator('.editor-group-container.active .squiggly-error').count()) > 0, 10_000, 'an error squiggle');
  }

  it('item 4: completes the missing field names where a key is typed, and hovers a field with its place and kind', async () => {
    await w().openView('Enterprise SSO');
    await w().expandTreeItem(APP, { viewTitle: VIEW, timeoutMs: 60_000 });
    await w().clickTreeItem(ID, { viewTitle: VIEW });
    await w().waitForActiveEditor(`${ID}.json`);
    await w().waitForEditorText((t) => t.includes('"Endpoint"'));

    // ApiUser is nowhere in the text: only the application's field list can suggest it.
    await w().replaceEditorText('{\n  "Endpoint": "https://orders.contoso.example/api",\n  "ApiKey": "••••••••",\n  "TimeoutSeconds": "30",\n  "Ap');
    const rows = page().locator('.editor-widget.suggest-widget .monaco-list-row');
    // Asked again every 2 s, as a user would: the first request can come before the document's
    // field list is known (right after opening), and VS Code does not ask again by itself.
    let askedAt = 0;
    const labels = await w().waitFor(async () => {
      const all = (await rows.allTextContents()).map((t) => t.replace(/\s+/g, ' ').trim());
      if (all.some((l) => l.startsWith('ApiUser'))) return all;
      if (Date.now() - askedAt > 2_000) {
        await page().keyboard.press('Escape');
        await page().keyboard.press('Control+Space');
        askedAt = Date.now();
      }
      return undefined;
    }, 30_000, 'ApiUser in the suggestions');
    assert.ok(!labels.some((l) => l.startsWith('Endpoint')), `a field already in the document is not offered: ${JSON.stringify(labels)}`);
    await w().screenshot('help-01-completion');
    await page().locator('.editor-widget.suggest-widget .monaco-list-row', { hasText: 'ApiUser' }).first().click();
    await w().waitForEditorText((t) => /"ApiUser": ""/.test(t));
    await w().runCommand('File: Revert File');
    await w().waitFor(async () => (await w().activeEditorTab())?.dirty === false, 10_000, 'the revert');

    await editorLine('"ApiKey"').locator('span span', { hasText: 'ApiKey' }).last().hover();
    const hover = page().locator('.monaco-hover .hover-contents, .monaco-hover .markdown-hover').filter({ hasText: 'Field 3 of 4' }).first();
    await hover.waitFor({ state: 'visible', timeout: 10_000 });
    assert.match((await hover.textContent()) ?? '', /Field 3 of 4 of application "Contoso\.OrderService", masked/);
    await w().screenshot('help-02-hover');
    await page().mouse.move(5, 5);
  });

  it('item 4: quick fixes: quote a number, remove an unknown field, or add it to the application (Add Fields… prefilled) and save it', async () => {
    const base = { Endpoint: 'https://orders.contoso.example/api', ApiUser: 'biztalk', ApiKey: '••••••••' };

    await w().replaceEditorText(docText({ ...base, TimeoutSeconds: 45 }));
    await waitForProblems();
    await clickInEditor('"TimeoutSeconds"', '45');
    const numberFixes = await quickFixes();
    assert.ok(numberFixes.includes('Put the value of "TimeoutSeconds" in double quotes'), JSON.stringify(numberFixes));
    await w().screenshot('help-03-quickfix-quote');
    await chooseQuickFix('Put the value of "TimeoutSeconds" in double quotes');
    await w().waitForEditorText((t) => t.includes('"TimeoutSeconds": "45"'));

    await w().replaceEditorText(docText({ ...base, TimeoutSeconds: '30', Color: 'red' }));
    await waitForProblems();
    // The squiggle can come before the Problems view has dropped the problem the quick fix above
    // solved (both follow the debounced diagnostics): read the view once it lists the new one.
    let problems: string[] = [];
    await w().waitFor(async () => (problems = await problemsViewTexts(w())).some((p) => p.includes('"Color" is not a field')), 10_000, 'the Problems view to list "Color"');
    const unknown = problems.find((p) => p.includes('"Color" is not a field'));
    assert.ok(unknown, JSON.stringify(problems));
    assert.match(unknown, /add it to the application \("Add Fields…"\), or remove it from the document/);
    assert.doesNotMatch(unknown, /fixed when the application is created/);
    await w().runCommand('View: Hide Panel');
    await clickInEditor('"Color"', 'Color');
    const unknownFixes = await quickFixes();
    assert.deepEqual(unknownFixes.filter((t) => /Color/.test(t)), ['Add field "Color" to application "Contoso.OrderService"…', 'Remove "Color" from the document']);
    await w().screenshot('help-04-quickfix-unknown-field');
    await chooseQuickFix('Remove "Color" from the document');
    await w().waitForEditorText((t) => !t.includes('Color') && t.includes('"TimeoutSeconds": "30"\n}'));

    await w().replaceEditorText(docText({ ...base, TimeoutSeconds: '30', Region: 'west-europe' }));
    await waitForProblems();
    await clickInEditor('"Region"', 'Region');
    await quickFixes();
    await chooseQuickFix('Add field "Region" to application "Contoso.OrderService"…');
    const step = await w().waitForQuickInput(`Add Fields to "${APP}" (1/2)`);
    assert.equal(step.value, 'Region', 'the field name is prefilled');
    await page().keyboard.press('Enter');
    await w().waitForQuickInput(`Add Fields to "${APP}" (2/2)`);
    await page().keyboard.press('Enter'); // not masked
    // A routine confirmation: in the status bar, not a toast.
    await waitForStatusBarMessage(w(), /^"Contoso\.OrderService" now has fields Endpoint, ApiUser, ApiKey \(masked\), TimeoutSeconds, Region\./, 20_000);
    // The document being edited accepts the new field at once: no problem left, and it saves.
    await w().waitFor(async () => (await page().locator('.editor-group-container.active .squiggly-error').count()) === 0, 10_000, 'the problem to go');
    await w().save();
    await w().waitFor(async () => (await w().activeEditorTab())?.dirty === false, 15_000, 'the save');
    const stored = ssoctlConfigGet(env(), APP, ID).fields;
    assert.equal(stored.Region, 'west-europe');
    assert.equal(stored.TimeoutSeconds, '30');
    await w().screenshot('help-05-added-field-saved');
    await w().clearNotifications().catch(() => undefined);
  });

  it('item 7: Create Application shows the masking rule whole and goes Back step by step, keeping what was typed', async () => {
    await w().runCommand('SSO: Create Application…');
    await answerInputStep(w(), '(1/4)', 'Contoso.BackAndForth');
    await pickQuickItem(w(), '(2/4)', 'Config store application');
    await answerInputStep(w(), '(3/4)', 'Endpoint, Password');
    await w().waitForQuickInput('(4/4)');
    // The first field is listed, locked, with the reason beside it (not in a placeholder that is cut off).
    const lockedRow = page().locator('.quick-input-widget .quick-input-list .monaco-list-row', { hasText: 'Endpoint' }).first();
    await lockedRow.waitFor({ state: 'visible', timeout: 10_000 });
    const reason = lockedRow.locator('.label-description').first();
    assert.equal(((await reason.textContent()) ?? '').trim(), 'first field: cannot be masked (ENTSSO rule)');
    assert.equal(await reason.evaluate((el) => el.scrollWidth <= el.clientWidth + 1 && el.getBoundingClientRect().right <= (el.closest('.monaco-list-row') as HTMLElement).getBoundingClientRect().right), true, 'the reason is shown whole');
    // Ticking it does not stick.
    await lockedRow.locator('.quick-input-list-checkbox, input[type="checkbox"], .monaco-custom-toggle').first().click();
    await w().waitFor(async () => (await lockedRow.getAttribute('aria-checked')) !== 'true', 5_000, 'the locked field to untick itself');
    const passwordRow = page().locator('.quick-input-widget .quick-input-list .monaco-list-row', { hasText: 'Password' }).first();
    assert.equal(await passwordRow.getAttribute('aria-checked'), 'true', 'a secret-looking field is preselected');
    await w().screenshot('help-06-masked-fields-rule');

    await titleBackButton().click();
    const fields = await w().waitForQuickInput('(3/4)');
    assert.equal(fields.value, 'Endpoint, Password', 'the field list typed before is kept');
    await titleBackButton().click();
    await w().waitForQuickInput('(2/4)');
    await titleBackButton().click();
    const name = await w().waitForQuickInput('(1/4)');
    assert.equal(name.value, 'Contoso.BackAndForth');
    await w().screenshot('help-07-back-to-step-1');
    // Away from the quick input: a hover left over it would cover the next palette's rows.
    await page().mouse.move(700, 700);
    await page().keyboard.press('Escape');
    await w().waitFor(async () => !(await page().locator('.quick-input-widget').isVisible()), 5_000, 'the wizard to close');
  });

  it('item 7: an export password is checked as it is typed (strength, then confirmation, Back to step 1); the next file dialog opens where the export was written', async () => {
    const folder = join(ws, 'exports');
    mkdirSync(folder, { recursive: true });
    const file = join(folder, 'contoso.entsso');
    await w().runCommand('SSO: Export Applications…');
    await answerMultiPick(w(), 'Export Applications from "dev": applications', [APP, BTDF_APP]);
    await pickQuickItem(w(), 'Export Applications from "dev": format', 'Encrypted export (.entsso)');
    await answerFileDialog(w(), 'Export Applications from "dev"', file);

    const input = page().locator('.quick-input-widget .quick-input-box input');
    await w().waitForQuickInput('(1/3)');
    await input.fill('short');
    await w().waitFor(async () => /too short: use at least 12 characters/.test(await quickInputMessage(w())), 5_000, 'the strength rule as it is typed');
    await w().screenshot('help-08-password-too-short');
    await input.fill('summer2024!!');
    await w().waitFor(async () => /common word/.test(await quickInputMessage(w())), 5_000, 'the common-word rule');
    await input.fill(EXPORT_PASSWORD);
    await w().waitFor(async () => !/too short|common word/.test(await quickInputMessage(w())), 5_000, 'the message to go');
    await page().keyboard.press('Enter');

    await w().waitForQuickInput('(2/3)');
    await input.fill(EXPORT_PASSWORD.slice(0, 6));
    await w().waitFor(async () => /Keep typing: the passwords match so far/.test(await quickInputMessage(w())), 5_000, 'the matching hint');
    await input.fill(`${EXPORT_PASSWORD.slice(0, 6)}X`);
    await w().waitFor(async () => /The two passwords differ/.test(await quickInputMessage(w())), 5_000, 'the mismatch, before Enter');
    await w().screenshot('help-09-confirmation-differs');
    await titleBackButton().click();
    await page().mouse.move(700, 700);
    await w().waitForQuickInput('(1/3)');
    await answerInputStep(w(), '(1/3)', EXPORT_PASSWORD);
    await answerInputStep(w(), '(2/3)', EXPORT_PASSWORD);
    await answerInputStep(w(), '(3/3)', 'the staple one');
    await expectToast(w(), /^Exported "Contoso\.(OrderService|Btdf)", "Contoso\.(OrderService|Btdf)" to .*contoso\.entsso\./, 30_000);
    await w().clearNotifications().catch(() => undefined);

    await w().runCommand('SSO: Import Applications…');
    const dialog = await w().waitFor(async () => {
      const q = await w().readQuickInput();
      return q && q.title === 'Import Applications into "dev"' && q.value.startsWith('/') ? q : undefined;
    }, 15_000, 'the open dialog');
    assert.ok(dialog.value.startsWith(`${folder}/`), `the dialog opens in ${folder}, not at ${dialog.value}`);
    await w().screenshot('help-10-dialog-opens-in-exports');
    await page().keyboard.press('Escape');
  });

  it('item 6: the import preview has no modal over the diff; Discard and Apply are in its title bar; <appSettings> is compared as key/values', async () => {
    const file = join(ws, 'exports', 'contoso.entsso');
    // Someone changes SSO after the export.
    ssoctlConfigSet(env(), BTDF_APP, ID, { AppConfig: appSettings('99') });

    const runImport = async () => {
      await w().runCommand('SSO: Import Applications…');
      await answerFileDialog(w(), 'Import Applications into "dev"', file);
      await pickQuickItem(w(), 'Import contoso.entsso into "dev": mode', 'Add and update');
      await answerInputStep(w(), 'Import contoso.entsso into "dev": password', EXPORT_PASSWORD);
      await w().waitFor(async () => /now ↔ after the import/.test((await w().activeEditorTab())?.title ?? ''), 30_000, 'the comparison');
    };
    const titleActions = () => page().locator('.editor-group-container.active .editor-actions .action-label').evaluateAll((els) => els.map((e) => e.getAttribute('aria-label') ?? ''));

    await runImport();
    assert.equal(await page().locator('.monaco-dialog-box').count(), 0, 'no modal dialog covers the comparison');
    const actions = await w().waitFor(async () => {
      const a = await titleActions();
      return a.includes('Apply Import') && a.includes('Discard Import') ? a : undefined;
    }, 10_000, 'Apply / Discard in the title bar');
    assert.ok(actions.indexOf('Apply Import') < actions.indexOf('Discard Import'));
    const diff = await readDiffEditor(w());
    assert.match(diff.original, /^\s+"Timeout": "99",?$/m, 'the AppConfig value as key/values (now)');
    assert.match(diff.modified, /^\s+"Timeout": "30",?$/m, 'the AppConfig value as key/values (after)');
    assert.ok(!diff.modified.includes('<appSettings'), 'not one escaped XML line');
    await w().screenshot('help-11-import-preview');

    await page().locator('.editor-group-container.active .editor-actions .action-label[aria-label="Discard Import"]').click();
    await w().waitFor(async () => (await w().page.locator('.tabs-container .tab', { hasText: 'now ↔ after the import' }).count()) === 0, 10_000, 'the comparison to close');
    assert.match(ssoctlConfigGet(env(), BTDF_APP, ID).fields.AppConfig ?? '', /key="Timeout" value="99"/, 'nothing applied');
    await w().clearNotifications().catch(() => undefined);

    await runImport();
    await w().screenshot('help-12-import-preview-again');
    await page().locator('.editor-group-container.active .editor-actions .action-label[aria-label="Apply Import"]').click();
    await expectToast(w(), /^Imported: .*"Contoso\.Btdf" updated \(0 configuration\(s\) created, 1 updated, 0 deleted\)/, 30_000);
    assert.match(ssoctlConfigGet(env(), BTDF_APP, ID).fields.AppConfig ?? '', /key="Timeout" value="30"/);
    await w().waitFor(async () => (await w().page.locator('.tabs-container .tab', { hasText: 'now ↔ after the import' }).count()) === 0, 10_000, 'the comparison to close once applied');
    await w().screenshot('help-13-import-applied');
  });
});
