// Page-object helpers for the lifecycle UI tests (candidates for the shared Workbench): VS Code's
// modal dialogs, its "simple" file dialog (what code-server shows for Save/Open: a quick input
// holding a path), quick pick steps, tree context menus and the diff editor.
//
// Checked against code-server 4.100.3 (VS Code 1.100.3):
//   modal dialog        .monaco-dialog-box  .dialog-message-text / .dialog-message-detail / .monaco-button
//   file dialog         .quick-input-widget whose title is the dialog's title; the input holds a path
//   context menu        .context-view .monaco-menu .action-item a.action-label (role=menuitem)
//   multi-select rows   .quick-input-list .monaco-list-row[aria-checked]
//   diff editor         .monaco-diff-editor .editor.original / .editor.modified .view-lines
import type { Locator } from 'playwright-core';
import type { Workbench } from './workbench';

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export interface DialogText {
  message: string;
  detail: string;
  buttons: string[];
}

function dialogBox(wb: Workbench): Locator {
  return wb.page.locator('.monaco-dialog-box').first();
}

/** Waits for a modal dialog whose text matches `text`; returns its message, detail and buttons. */
export async function waitForDialog(wb: Workbench, text: RegExp, timeoutMs = 15_000): Promise<DialogText> {
  return wb.waitFor(async () => {
    const box = dialogBox(wb);
    if (!(await box.isVisible())) return undefined;
    const read = async (sel: string) => ((await box.locator(sel).first().textContent().catch(() => '')) ?? '').replace(/\s+/g, ' ').trim();
    const d = {
      message: await read('.dialog-message-text'),
      detail: await read('.dialog-message-detail'),
      buttons: (await box.locator('.dialog-buttons .monaco-button').allTextContents()).map((s) => s.trim()),
    };
    return text.test(`${d.message} ${d.detail}`) ? d : undefined;
  }, timeoutMs, `a dialog matching ${text}`);
}

export async function clickDialogButton(wb: Workbench, label: string): Promise<void> {
  const box = dialogBox(wb);
  await box.locator('.dialog-buttons .monaco-button', { hasText: new RegExp(`^\\s*${escapeRegExp(label)}\\s*$`) }).first().click();
  await box.waitFor({ state: 'hidden', timeout: 10_000 });
}

/** Waits until `probe` has been true for `steadyMs` in a row (for UIs that give no signal when they have caught up). */
async function settled(wb: Workbench, probe: () => Promise<boolean>, steadyMs: number, timeoutMs: number, what: string): Promise<void> {
  let since: number | undefined;
  await wb.waitFor(async () => {
    if (!(await probe())) {
      since = undefined;
      return false;
    }
    since ??= Date.now();
    return Date.now() - since >= steadyMs;
  }, timeoutMs, what);
}

/** Waits for a quick input whose title contains `title` and returns once it is visible. */
async function waitForQuickTitle(wb: Workbench, title: string | RegExp, timeoutMs: number): Promise<void> {
  const titleEl = wb.page.locator('.quick-input-widget .quick-input-title');
  await wb.waitFor(async () => {
    if (!(await wb.page.locator('.quick-input-widget').isVisible())) return false;
    const t = ((await titleEl.textContent()) ?? '').trim();
    return typeof title === 'string' ? t.includes(title) : title.test(t);
  }, timeoutMs, `the quick input "${String(title)}"`);
}

/**
 * Answers VS Code's simple file dialog (Save or Open in code-server): a quick input titled with
 * the dialog title and holding a path. Types the full path and accepts it.
 */
export async function answerFileDialog(wb: Workbench, title: string, path: string, timeoutMs = 15_000): Promise<void> {
  const titleEl = wb.page.locator('.quick-input-widget .quick-input-title');
  const input = wb.page.locator('.quick-input-widget .quick-input-box input');
  // The dialog itself (not a previous step whose title starts alike): exactly its title, a path
  // pre-filled, and that path no longer changing (it is filled in after the folder is read).
  const isDialog = async () => (await wb.page.locator('.quick-input-widget').isVisible()) && ((await titleEl.textContent()) ?? '').trim() === title && (await input.inputValue()).startsWith('/');
  await settled(wb, isDialog, 300, timeoutMs, `the file dialog "${title}"`);
  // The dialog reacts to a typed value asynchronously, without a busy indicator; an Enter that
  // comes before it has caught up accepts the previous path. So the value must hold steady first.
  for (let attempt = 1; ; attempt++) {
    await input.fill(path);
    try {
      await settled(wb, async () => (await input.inputValue()) === path, 400, 3000, 'the typed path');
      break;
    } catch (err) {
      if (attempt >= 3) throw new Error(`The file dialog "${title}" does not keep the path ${path}: it shows ${await input.inputValue()}`, { cause: err });
    }
  }
  await wb.page.keyboard.press('Enter');
  // Accepted: the dialog closed, or the next prompt (whose title may start alike) replaced it.
  await wb.waitFor(async () => !(await wb.page.locator('.quick-input-widget').isVisible()) || ((await titleEl.textContent()) ?? '').trim() !== title, timeoutMs, `the file dialog "${title}" to accept ${path}`);
}

/** Picks the row labelled `label` in a (single-select) quick pick whose title contains `title`. */
export async function pickQuickItem(wb: Workbench, title: string | RegExp, label: string, timeoutMs = 15_000): Promise<void> {
  await waitForQuickTitle(wb, title, timeoutMs);
  const row = wb.page
    .locator('.quick-input-widget .quick-input-list .monaco-list-row')
    .filter({ has: wb.page.locator('.label-name', { hasText: new RegExp(`^\\s*${escapeRegExp(label)}\\s*$`) }) })
    .first();
  await row.waitFor({ state: 'visible', timeout: timeoutMs });
  await row.click();
}

/** The rows of a multi-select quick pick with their checked state. */
export async function readPickedRows(wb: Workbench): Promise<Array<{ label: string; checked: boolean }>> {
  return wb.page.locator('.quick-input-widget .quick-input-list .monaco-list-row').evaluateAll((els) =>
    els.map((el) => ({ label: (el.querySelector('.label-name')?.textContent ?? '').trim(), checked: el.getAttribute('aria-checked') === 'true' })),
  );
}

/**
 * In a multi-select quick pick titled `title`: types `filter` (when given) so the row is rendered,
 * makes the rows labelled `labels` checked (and only toggles those), then accepts with Enter.
 */
export async function answerMultiPick(wb: Workbench, title: string | RegExp, labels: string[], options: { filter?: string; timeoutMs?: number } = {}): Promise<void> {
  const timeoutMs = options.timeoutMs ?? 15_000;
  await waitForQuickTitle(wb, title, timeoutMs);
  const input = wb.page.locator('.quick-input-widget .quick-input-box input');
  for (const label of labels) {
    if (options.filter !== undefined || labels.length > 1) await input.fill(options.filter ?? label);
    const row = wb.page
      .locator('.quick-input-widget .quick-input-list .monaco-list-row')
      .filter({ has: wb.page.locator('.label-name', { hasText: new RegExp(`^\\s*${escapeRegExp(label)}\\s*$`) }) })
      .first();
    await row.waitFor({ state: 'visible', timeout: timeoutMs });
    if ((await row.getAttribute('aria-checked')) !== 'true') {
      await row.locator('.quick-input-list-checkbox, input[type="checkbox"], .monaco-custom-toggle').first().click();
      await wb.waitFor(async () => (await row.getAttribute('aria-checked')) === 'true', 5000, `"${label}" to be checked`);
    }
  }
  await input.focus();
  await wb.page.keyboard.press('Enter');
}

/**
 * Right-clicks a tree row and runs `action` from its context menu. The item is chosen with the
 * keyboard: VS Code's menus ignore a click that comes right after they opened (so that the
 * right-click's own mouse-up cannot pick an item).
 */
export async function contextMenuAction(wb: Workbench, rowLabel: string, action: string, viewTitle = 'Applications'): Promise<void> {
  const row = await wb.treeItem(rowLabel, { viewTitle });
  await row.locator('.label-name').first().click({ button: 'right' });
  const menu = wb.page.locator('.context-view .monaco-menu');
  await menu.waitFor({ state: 'visible', timeout: 10_000 });
  const item = menu.locator('.action-item', { has: wb.page.locator('.action-label', { hasText: new RegExp(`^\\s*${escapeRegExp(action)}\\s*$`) }) }).first();
  try {
    await item.waitFor({ state: 'visible', timeout: 5000 });
  } catch {
    const offered = (await menu.locator('.action-item .action-label').allTextContents()).map((s) => s.trim()).filter(Boolean);
    await wb.page.keyboard.press('Escape');
    throw new Error(`The context menu of "${rowLabel}" has no "${action}"; it offers ${JSON.stringify(offered)}`);
  }
  await item.hover();
  await wb.waitFor(async () => (await item.getAttribute('class'))?.includes('focused'), 5000, `"${action}" to be focused`);
  await wb.page.keyboard.press('Enter');
  await menu.waitFor({ state: 'hidden', timeout: 10_000 });
}

/** Labels of a tree row's context menu (closed again afterwards). */
export async function contextMenuLabels(wb: Workbench, rowLabel: string, viewTitle = 'Applications'): Promise<string[]> {
  const row = await wb.treeItem(rowLabel, { viewTitle });
  await row.locator('.label-name').first().click({ button: 'right' });
  const menu = wb.page.locator('.context-view .monaco-menu');
  await menu.waitFor({ state: 'visible', timeout: 10_000 });
  const labels = (await menu.locator('.action-item .action-label').allTextContents()).map((s) => s.trim()).filter(Boolean);
  await wb.page.keyboard.press('Escape');
  await menu.waitFor({ state: 'hidden', timeout: 5000 });
  return labels;
}

/** The rendered text of both sides of the active diff editor. */
export async function readDiffEditor(wb: Workbench): Promise<{ original: string; modified: string }> {
  const diff = wb.page.locator('.editor-group-container.active .monaco-diff-editor').first();
  await diff.waitFor({ state: 'visible', timeout: 15_000 });
  const side = (cls: string) =>
    diff.locator(`.editor.${cls} .view-lines`).first().evaluate((el) => {
      const lines = Array.from(el.querySelectorAll(':scope > .view-line')) as HTMLElement[];
      lines.sort((a, b) => parseFloat(a.style.top || '0') - parseFloat(b.style.top || '0'));
      return lines.map((l) => (l.textContent ?? '').replace(/\u00a0/g, ' ')).join('\n');
    });
  return { original: await side('original'), modified: await side('modified') };
}

/** The label of each row of the quick pick shown (not the labels of their details). */
export async function quickPickRowLabels(wb: Workbench): Promise<string[]> {
  return wb.page.locator('.quick-input-widget .quick-input-list .monaco-list-row').evaluateAll((els) =>
    els.map((el) => (el.querySelector('.quick-input-list-label .label-name, .label-name')?.textContent ?? '').trim()),
  );
}

/** The message shown in the quick input (prompt, or the validation message when there is one). */
export async function quickInputMessage(wb: Workbench): Promise<string> {
  const l = wb.page.locator('.quick-input-widget .quick-input-message').first();
  return (await l.isVisible()) ? ((await l.textContent()) ?? '').replace(/\s+/g, ' ').trim() : '';
}

/**
 * Waits for a toast matching `text`; when none comes, the error lists what the notification
 * center holds (a toast may have come and gone, or say something else).
 */
export async function expectToast(wb: Workbench, text: RegExp, timeoutMs = 30_000): Promise<string> {
  try {
    return await wb.waitForNotification(text, timeoutMs);
  } catch (err) {
    await wb.runCommand('Notifications: Show Notifications').catch(() => undefined);
    const center = await wb.page.locator('.notifications-center .notification-list-item-message').allTextContents().catch(() => []);
    await wb.screenshot('lifecycle-failed-toast').catch(() => undefined);
    await wb.page.keyboard.press('Escape').catch(() => undefined);
    throw new Error(`${err instanceof Error ? err.message : String(err)}; the notification center holds ${JSON.stringify(center)}`, { cause: err });
  }
}
