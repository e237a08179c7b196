// The explorer as a demanding BizTalk developer uses it (issue 18), in real VS Code (code-server
// 4.100.3 = VS Code 1.100.3) against a real, seeded SSO system, with auto-save ON
// ("files.autoSave": "afterDelay", 1 s, as VS Code for the web does by default):
//   1. an sso: document is written only when the user saves on purpose;
//   2. friendly names instead of GUIDs in dialogs, toasts, Find and titles; Copy Name / Identifier;
//   5. masked fields tell "not set" from "set"; Hide Masked Fields after a reveal.
// Screenshots go to .artifacts/screenshots/safety-*.png.
// Run alone: node esbuild.mjs && node --import tsx --test test/ui/editorSafety.test.ts
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startCodeServer, type CodeServerInstance } from './harness/codeServer';
import { ssoctlConfigGet, startSeededSso, type SeededSso } from './harness/ssoExtras';
import { Workbench } from './harness/workbench';

const VIEW = 'Applications';
const APP = 'Contoso.OrderService';
const ID = 'ConfigProperties';
const AUTO_SAVE_DELAY_MS = 1000;

describe('UI: editing SSO documents safely, with auto-save on', { timeout: 600_000 }, () => {
  let sso: SeededSso | undefined;
  let server: CodeServerInstance | undefined;
  let wb: Workbench | undefined;
  const w = () => wb as Workbench;
  const env = () => (sso as SeededSso).env;

  before(async () => {
    sso = await startSeededSso({ syncIntervalSeconds: 5, pageSize: 20 });
    server = await startCodeServer({
      name: 'safety',
      settings: { ...sso.settings, 'files.autoSave': 'afterDelay', 'files.autoSaveDelay': AUTO_SAVE_DELAY_MS },
    });
    wb = await Workbench.launch({ viewport: { width: 1500, height: 950 } });
    await wb.open(server.workbenchUrl());
  }, { timeout: 180_000 });

  after(async () => {
    if (wb) {
      await wb.screenshot('safety-99-final').catch(() => undefined);
      await wb.close();
    }
    await server?.stop();
    await sso?.env.dispose();
  }, { timeout: 60_000 });

  it('never auto-saves an sso: document: a slowly typed value reaches SSODB only with Ctrl+S', async () => {
    await w().openView('Enterprise SSO');
    await w().expandTreeItem(APP, { viewTitle: VIEW });
    await w().clickTreeItem(ID, { viewTitle: VIEW });
    await w().waitForEditorText((t) => t.includes('"ApiUser": "biztalk"'));
    const before = ssoctlConfigGet(env(), APP, ID);
    // The language of sso: documents, shown in the status bar (JSON highlighting stays).
    await w().waitFor(async () => (await w().readStatusBar()).some((i) => i.text === 'SSO Configuration'), 10_000, 'the "SSO Configuration" language in the status bar');

    // Line 3 is `  "ApiUser": "biztalk",`: type after "biztalk", one key at a time, pausing longer than the delay.
    await w().focusEditor();
    await w().page.keyboard.press('Control+Home');
    await w().page.keyboard.press('ArrowDown');
    await w().page.keyboard.press('ArrowDown');
    await w().page.keyboard.press('End');
    await w().page.keyboard.press('ArrowLeft');
    await w().page.keyboard.press('ArrowLeft');
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
    await w().screenshot('safety-02-saved-on-purpose');
  });
});
