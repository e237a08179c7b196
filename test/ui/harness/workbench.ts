// A page object for VS Code 1.100 (code-server) driven by Playwright through Debian's Chromium.
//
// Selectors follow VS Code's own smoke-test driver (microsoft/vscode test/automation/src) and were
// checked against code-server 4.100.3 on these machines:
//   activity bar item   .part.activitybar li.action-item > a.action-label[aria-label="<title>"]
//                       (built-in containers append the keybinding: "Explorer (Ctrl+Shift+E)")
//   side bar title      .part.sidebar .composite.title h2  ("Enterprise SSO: Applications" when a
//                       container has one view and its header is merged)
//   view pane           .pane with .pane-header h3.title = view name; tree: .monaco-list[role=tree]
//                       whose aria-label is the view name for extension tree views
//   tree row            .monaco-list-row[aria-level][aria-expanded?] .label-name / .label-description
//   welcome content     .pane-body.welcome .welcome-view-content  p / .monaco-button
//   quick input         .quick-input-widget .quick-input-box input; rows .quick-input-list
//                       .monaco-list-row .label-name
//   notifications       .notifications-toasts .notification-toast .notification-list-item-message
//   status bar          footer#workbench.parts.statusbar .statusbar-item[id] > a.statusbar-item-label
//   output view         .part.panel .pane-body.output-view[aria-label="<channel> - Output"]
//   editor              .editor-group-container.active .monaco-editor, text in .view-lines
// Every wait is on a condition; there are no fixed sleeps.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { artifactsDir } from './codeServer';

export const screenshotsDir = join(artifactsDir, 'screenshots');

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

export interface WorkbenchLaunchOptions {
  /** Chromium binary. Default: $CHROMIUM_PATH or /usr/bin/chromium. */
  executablePath?: string;
  viewport?: { width: number; height: number };
  /** Default timeout of every wait in this page object. Default 30 s. */
  defaultTimeoutMs?: number;
}

export interface StatusBarItem {
  /** Element id: `<publisher>.<name>.<item id>` for extension items, e.g. `status.problems` for built-in ones. */
  id: string;
  /** Visible text (codicons are not text; see `icons`). */
  text: string;
  ariaLabel: string;
  /** Codicon names shown in the item, e.g. `sync~spin` becomes `sync` with class `codicon-modifier-spin`. */
  icons: string[];
  /** 'left' or 'right'. */
  alignment: string;
}

export interface TreeRow {
  label: string;
  description: string;
  /** aria-label of the row (label plus description, or the item's accessibilityInformation). */
  ariaLabel: string;
  /** 1 for top-level items. */
  level: number;
  /** `undefined` for leaves. */
  expanded: boolean | undefined;
  selected: boolean;
  focused: boolean;
  /** Index among the rendered rows (the list is virtualized: only visible rows are rendered). */
  index: number;
}

export interface QuickInputState {
  title: string;
  message: string;
  value: string;
  placeholder: string;
  items: string[];
}

export interface WelcomeContent {
  paragraphs: string[];
  buttons: string[];
}

export interface TreeLocateOptions {
  /** Restrict to the tree of this view (pane title or tree aria-label). Default: any visible tree in the side bar. */
  viewTitle?: string;
  timeoutMs?: number;
}

/** Sleep-free polling: resolves with the first truthy value of `probe`, or throws after `timeoutMs`. */
export async function waitFor<T>(
  probe: () => T | Promise<T>,
  timeoutMs: number,
  description = 'condition',
  intervalMs = 100,
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  let lastError: unknown;
  for (;;) {
    try {
      last = await probe();
      lastError = undefined;
      if (last) return last as NonNullable<T>;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() >= deadline) {
      const detail = lastError ? ` (last error: ${lastError instanceof Error ? lastError.message : String(lastError)})` : ` (last value: ${JSON.stringify(last)})`;
      throw new Error(`Timed out after ${timeoutMs} ms waiting for ${description}${detail}`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

function cssString(value: string): string {
  return JSON.stringify(value);
}

export class Workbench {
  readonly consoleErrors: string[] = [];
  readonly pageErrors: string[] = [];
  /** Every console message of the page (last 5,000), e.g. extension host output forwarded by VS Code. */
  readonly consoleMessages: Array<{ type: string; text: string }> = [];
  private constructor(
    readonly browser: Browser,
    readonly context: BrowserContext,
    readonly page: Page,
    readonly defaultTimeoutMs: number,
  ) {
    page.on('console', (m) => {
      if (m.type() === 'error') this.consoleErrors.push(m.text());
      this.consoleMessages.push({ type: m.type(), text: m.text() });
      if (this.consoleMessages.length > 5000) this.consoleMessages.splice(0, 1000);
    });
    page.on('pageerror', (e) => this.pageErrors.push(e.message));
  }

  /** Launches Chromium with one page. Call `close()` in an `after` hook. */
  static async launch(options: WorkbenchLaunchOptions = {}): Promise<Workbench> {
    const browser = await chromium.launch({
      executablePath: options.executablePath ?? process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: CHROMIUM_ARGS,
      headless: true,
    });
    try {
      const context = await browser.newContext({ viewport: options.viewport ?? { width: 1400, height: 900 } });
      // tsx/esbuild compile this file with keepNames, which wraps inner functions of the callbacks
      // given to page.evaluate() in `__name(fn, "name")`; the page has no such helper.
      await context.addInitScript('globalThis.__name = globalThis.__name || ((fn) => fn);');
      const page = await context.newPage();
      const timeout = options.defaultTimeoutMs ?? 30_000;
      page.setDefaultTimeout(timeout);
      return new Workbench(browser, context, page, timeout);
    } catch (err) {
      await browser.close();
      throw err;
    }
  }

  async close(): Promise<void> {
    await this.browser.close().catch(() => undefined);
  }

  waitFor<T>(probe: () => T | Promise<T>, timeoutMs = this.defaultTimeoutMs, description?: string): Promise<NonNullable<T>> {
    return waitFor(probe, timeoutMs, description);
  }

  // ---- page ---------------------------------------------------------------------------------

  /** Opens the workbench and waits until it is laid out (first load takes ~10 s on 2 cores). */
  async open(url: string, timeoutMs = 90_000): Promise<void> {
    await this.page.goto(url, { waitUntil: 'domcontentloaded', timeout: timeoutMs });
    await this.page.locator('.monaco-workbench').waitFor({ state: 'visible', timeout: timeoutMs });
    await this.page.locator('.part.activitybar').waitFor({ state: 'visible', timeout: timeoutMs });
    await this.page.locator('footer[id="workbench.parts.statusbar"]').waitFor({ state: 'visible', timeout: timeoutMs });
  }

  /** Saves a full-page PNG into .artifacts/screenshots/<name>.png and returns its path. */
  async screenshot(name: string): Promise<string> {
    mkdirSync(screenshotsDir, { recursive: true });
    const file = join(screenshotsDir, `${name.replace(/[^\w.-]+/g, '_')}.png`);
    await this.page.screenshot({ path: file });
    return file;
  }

  // ---- activity bar / views -------------------------------------------------------------------

  private activityItem(containerTitle: string): Locator {
    const t = cssString(containerTitle);
    const tKb = cssString(`${containerTitle} (`);
    return this.page.locator(`.part.activitybar li.action-item:has(> a.action-label[aria-label=${t}]), .part.activitybar li.action-item:has(> a.action-label[aria-label^=${tKb}])`).first();
  }

  /** Titles of the view containers in the activity bar (keybinding suffix removed). */
  async activityBarTitles(): Promise<string[]> {
    const labels = await this.page.locator('.part.activitybar li.action-item[role="tab"] > a.action-label').evaluateAll((els) => els.map((e) => e.getAttribute('aria-label') ?? ''));
    return labels.map((l) => l.replace(/ \([^)]*\)$/, ''));
  }

  /** Title shown at the top of the side bar (e.g. "Enterprise SSO: Applications"), or '' when hidden. */
  async sideBarTitle(): Promise<string> {
    const h2 = this.page.locator('.part.sidebar .composite.title h2').first();
    if (!(await this.page.locator('.part.sidebar').isVisible())) return '';
    return ((await h2.textContent()) ?? '').trim();
  }

  /** Clicks the activity bar container `containerTitle` (unless it is already showing) and waits for its side bar. */
  async openView(containerTitle: string, timeoutMs = this.defaultTimeoutMs): Promise<void> {
    const item = this.activityItem(containerTitle);
    try {
      await item.waitFor({ state: 'visible', timeout: timeoutMs });
    } catch {
      throw new Error(`No "${containerTitle}" in the activity bar; it has: ${(await this.activityBarTitles()).join(', ')}`);
    }
    const isShowing = async () => (await item.getAttribute('aria-selected')) === 'true' && (await this.sideBarTitle()).toLowerCase().startsWith(containerTitle.toLowerCase());
    if (!(await isShowing())) await item.locator('a.action-label').click();
    await this.waitFor(isShowing, timeoutMs, `side bar "${containerTitle}" to show`);
  }

  /** The view pane whose header title is `viewTitle` (the header is present even when merged into the container title). */
  viewPane(viewTitle: string): Locator {
    return this.page.locator('.part.sidebar .pane, .part.auxiliarybar .pane, .part.panel .pane').filter({
      has: this.page.locator(`.pane-header h3.title`, { hasText: new RegExp(`^\\s*${escapeRegExp(viewTitle)}\\s*$`, 'i') }),
    }).first();
  }

  /** Welcome content of a view (shown by `viewsWelcome` when its tree is empty). */
  async readWelcome(viewTitle: string): Promise<WelcomeContent> {
    const content = this.viewPane(viewTitle).locator('.welcome-view-content');
    if (!(await content.isVisible())) return { paragraphs: [], buttons: [] };
    const paragraphs = (await content.locator('p').allTextContents()).map((s) => s.trim()).filter(Boolean);
    const buttons = (await content.locator('.monaco-button').allTextContents()).map((s) => s.trim()).filter(Boolean);
    return { paragraphs, buttons };
  }

  /** Waits until the view's welcome content contains `text`; returns it. */
  async waitForWelcome(viewTitle: string, text: string, timeoutMs = this.defaultTimeoutMs): Promise<WelcomeContent> {
    return this.waitFor(async () => {
      const w = await this.readWelcome(viewTitle);
      return w.paragraphs.some((p) => p.includes(text)) ? w : undefined;
    }, timeoutMs, `welcome text "${text}" in view "${viewTitle}"`);
  }

  async clickWelcomeButton(viewTitle: string, buttonLabel: string): Promise<void> {
    await this.viewPane(viewTitle).locator('.welcome-view-content .monaco-button', { hasText: buttonLabel }).first().click();
  }

  // ---- trees --------------------------------------------------------------------------------

  private tree(viewTitle?: string): Locator {
    if (!viewTitle) return this.page.locator('.part.sidebar .monaco-list[role="tree"]:visible').first();
    const byPane = this.viewPane(viewTitle).locator('.monaco-list[role="tree"]');
    const byAria = this.page.locator(`.monaco-list[role="tree"][aria-label=${cssString(viewTitle)}]`);
    return byPane.or(byAria).first();
  }

  /** Scrolls the tree of view `viewTitle` by `deltaY` pixels (negative: up) with the mouse wheel; selection and focus stay. */
  async scrollTree(viewTitle: string, deltaY: number): Promise<void> {
    await this.tree(viewTitle).hover({ position: { x: 40, y: 40 } });
    await this.page.mouse.wheel(0, deltaY);
  }

  /** Rendered rows of the tree of view `viewTitle` (a virtualized list: rows scrolled out of sight are not included). */
  async readTree(viewTitle?: string): Promise<TreeRow[]> {
    const tree = this.tree(viewTitle);
    if ((await tree.count()) === 0) return [];
    const rows = await tree.locator('.monaco-list-rows > .monaco-list-row').evaluateAll((els) =>
      els.map((el) => {
        const text = (sel: string) => (el.querySelector(sel)?.textContent ?? '').trim();
        const exp = el.getAttribute('aria-expanded');
        return {
          label: text('.label-name'),
          description: text('.label-description'),
          ariaLabel: el.getAttribute('aria-label') ?? '',
          level: Number(el.getAttribute('aria-level') ?? '1'),
          expanded: exp === null ? undefined : exp === 'true',
          selected: el.classList.contains('selected'),
          focused: el.classList.contains('focused'),
          index: Number(el.getAttribute('data-index') ?? '-1'),
          top: parseFloat((el as HTMLElement).style.top || '0'),
        };
      }),
    );
    rows.sort((a, b) => a.index - b.index || a.top - b.top);
    return rows.map((r) => ({ label: r.label, description: r.description, ariaLabel: r.ariaLabel, level: r.level, expanded: r.expanded, selected: r.selected, focused: r.focused, index: r.index }));
  }

  /** Waits for a row labelled `label` (exact match) and returns its locator. */
  async treeItem(label: string, options: TreeLocateOptions = {}): Promise<Locator> {
    const timeoutMs = options.timeoutMs ?? this.defaultTimeoutMs;
    const row = this.tree(options.viewTitle)
      .locator('.monaco-list-rows > .monaco-list-row')
      .filter({ has: this.page.locator('.label-name', { hasText: new RegExp(`^\\s*${escapeRegExp(label)}\\s*$`) }) })
      .first();
    try {
      await row.waitFor({ state: 'visible', timeout: timeoutMs });
    } catch {
      const seen = (await this.readTree(options.viewTitle)).map((r) => r.label);
      throw new Error(`No tree item "${label}"${options.viewTitle ? ` in view "${options.viewTitle}"` : ''}; visible rows: ${JSON.stringify(seen)}`);
    }
    return row;
  }

  /** Clicks the row's label (selects it and runs the item's command, if any). */
  async clickTreeItem(label: string, options: TreeLocateOptions = {}): Promise<void> {
    const row = await this.treeItem(label, options);
    await row.locator('.label-name').first().click();
    await this.waitFor(async () => (await row.getAttribute('class'))?.includes('selected'), options.timeoutMs ?? this.defaultTimeoutMs, `"${label}" to be selected`);
  }

  /**
   * Expands a collapsed row with its twistie and waits until it is expanded, not loading, and (unless
   * `expectChildren: false`, for items that may be empty) its first child row is rendered.
   */
  async expandTreeItem(label: string, options: TreeLocateOptions & { expectChildren?: boolean } = {}): Promise<void> {
    const timeoutMs = options.timeoutMs ?? this.defaultTimeoutMs;
    const row = await this.setTreeItemExpanded(label, true, options);
    if (options.expectChildren === false) return;
    await this.waitFor(
      () =>
        row.evaluate((el) => {
          const next = el.parentElement?.querySelector(`:scope > .monaco-list-row[data-index="${Number(el.getAttribute('data-index')) + 1}"]`);
          return !!next && Number(next.getAttribute('aria-level')) > Number(el.getAttribute('aria-level'));
        }),
      timeoutMs,
      `children of "${label}" to be shown`,
    );
  }

  async collapseTreeItem(label: string, options: TreeLocateOptions = {}): Promise<void> {
    await this.setTreeItemExpanded(label, false, options);
  }

  private async setTreeItemExpanded(label: string, expanded: boolean, options: TreeLocateOptions): Promise<Locator> {
    const timeoutMs = options.timeoutMs ?? this.defaultTimeoutMs;
    const row = await this.treeItem(label, options);
    const state = await row.getAttribute('aria-expanded');
    if (state === null) throw new Error(`Tree item "${label}" is not collapsible`);
    if ((state === 'true') !== expanded) await row.locator('.monaco-tl-twistie').click();
    await this.waitFor(
      async () => (await row.getAttribute('aria-expanded')) === String(expanded) && !(await row.locator('.monaco-tl-twistie.codicon-tree-item-loading').count()),
      timeoutMs,
      `"${label}" to be ${expanded ? 'expanded' : 'collapsed'}`,
    );
    return row;
  }

  // ---- command palette ------------------------------------------------------------------------

  private quickInput(): Locator {
    return this.page.locator('.quick-input-widget');
  }

  private quickInputBox(): Locator {
    return this.page.locator('.quick-input-widget .quick-input-box input');
  }

  /** Labels of the rows currently shown in the quick input. */
  async quickInputLabels(): Promise<string[]> {
    return (await this.page.locator('.quick-input-widget .quick-input-list .monaco-list-row .label-name').allTextContents()).map((s) => s.trim());
  }

  async closeQuickInput(): Promise<void> {
    if (await this.quickInput().isVisible()) {
      await this.page.keyboard.press('Escape');
      await this.quickInput().waitFor({ state: 'hidden' });
    }
  }

  /** Opens the command palette (F1), retrying when focus is stolen while it opens. */
  async openCommandPalette(timeoutMs = this.defaultTimeoutMs): Promise<void> {
    await this.closeQuickInput();
    const deadline = Date.now() + timeoutMs;
    for (let attempt = 1; ; attempt++) {
      await this.page.keyboard.press(attempt % 2 ? 'F1' : 'Control+Shift+P');
      try {
        await this.waitFor(async () => (await this.quickInputBox().isVisible()) && (await this.quickInputBox().evaluate((el) => el === document.activeElement)), Math.min(5000, Math.max(500, deadline - Date.now())), 'command palette');
        return;
      } catch (err) {
        if (Date.now() >= deadline) throw err;
        await this.page.keyboard.press('Escape');
      }
    }
  }

  /**
   * Runs a command by its palette title ("SSO: Show Log": category, colon, title), like a user:
   * F1, type `>title`, pick the row whose label is exactly the title. Waits until the palette closed
   * or changed (a command may open its own quick input).
   */
  async runCommand(title: string, timeoutMs = this.defaultTimeoutMs): Promise<void> {
    await this.openCommandPalette(timeoutMs);
    const query = `>${title}`;
    await this.quickInputBox().fill(query);
    const row = this.page
      .locator('.quick-input-widget .quick-input-list .monaco-list-row')
      .filter({ has: this.page.locator('.label-name', { hasText: new RegExp(`^\\s*${escapeRegExp(title)}\\s*$`) }) })
      .first();
    try {
      await row.waitFor({ state: 'visible', timeout: timeoutMs });
    } catch {
      const seen = await this.quickInputLabels();
      await this.closeQuickInput();
      throw new Error(`Command "${title}" is not in the command palette; it offered: ${JSON.stringify(seen)}`);
    }
    await row.locator('.label-name').first().click();
    await this.waitFor(
      async () => !(await this.quickInput().isVisible()) || (await this.quickInputBox().inputValue()) !== query,
      timeoutMs,
      `command palette to close after "${title}"`,
    );
  }

  /**
   * The quick input currently shown (palette, quick pick or input box), or undefined: its title,
   * its message (an input box's prompt or validation text, without VS Code's "(Press 'Enter' …)"
   * hint), the typed value and the labels of its rows.
   */
  async readQuickInput(): Promise<QuickInputState | undefined> {
    if (!(await this.quickInput().isVisible())) return undefined;
    const text = async (sel: string) => {
      const l = this.page.locator(`.quick-input-widget ${sel}`).first();
      return (await l.count()) && (await l.isVisible()) ? ((await l.textContent()) ?? '').trim() : '';
    };
    return {
      title: await text('.quick-input-title'),
      message: (await text('.quick-input-message')).replace(/\s*\(Press 'Enter' to confirm or 'Escape' to cancel\)$/, ''),
      value: await this.quickInputBox().inputValue(),
      placeholder: (await this.quickInputBox().getAttribute('placeholder')) ?? '',
      items: await this.quickInputLabels(),
    };
  }

  /** Waits for a quick input whose title contains `title` (e.g. an input box opened by a command). */
  async waitForQuickInput(title: string | RegExp, timeoutMs = this.defaultTimeoutMs): Promise<QuickInputState> {
    const match = (s: string) => (typeof title === 'string' ? s.includes(title) : title.test(s));
    return this.waitFor(async () => {
      const q = await this.readQuickInput();
      return q && match(q.title) ? q : undefined;
    }, timeoutMs, `quick input "${String(title)}"`);
  }

  /**
   * Answers the quick input that is open (or, with `title`, waits for the one whose title contains
   * it, e.g. "(2/3)" of a multi-step wizard): fills `text`, presses Enter, and waits until the input
   * was accepted, i.e. the widget closed or moved on to another step (new title or new value).
   * Throws with the message shown (a validation error, typically) if it stays where it was.
   */
  async answerQuickInput(text: string, options: { title?: string | RegExp; timeoutMs?: number } = {}): Promise<void> {
    const timeoutMs = options.timeoutMs ?? this.defaultTimeoutMs;
    const before = options.title ? await this.waitForQuickInput(options.title, timeoutMs) : await this.waitFor(() => this.readQuickInput(), timeoutMs, 'a quick input');
    await this.quickInputBox().fill(text);
    await this.page.keyboard.press('Enter');
    try {
      await this.waitFor(async () => {
        const now = await this.readQuickInput();
        return !now || now.title !== before.title || now.value !== text;
      }, Math.min(timeoutMs, 10_000), `"${before.title}" to accept the input`);
    } catch {
      const now = await this.readQuickInput();
      throw new Error(`The quick input "${before.title}" did not accept ${JSON.stringify(text)}${now?.message ? `: ${now.message}` : ''}`);
    }
  }

  // ---- notifications ----------------------------------------------------------------------------

  /** Texts of the notification toasts currently shown. */
  async notifications(): Promise<string[]> {
    const toasts = this.page.locator('.notifications-toasts .notification-toast:visible .notification-list-item-message');
    return (await toasts.allTextContents()).map((s) => s.trim());
  }

  /** Waits for a visible toast whose text contains `text` (or matches a RegExp), until its fade-in is done. */
  async waitForNotification(text: string | RegExp, timeoutMs = this.defaultTimeoutMs): Promise<string> {
    const match = (s: string) => (typeof text === 'string' ? s.includes(text) : text.test(s));
    const found = await this.waitFor(async () => (await this.notifications()).find(match), timeoutMs, `notification ${String(text)}`);
    const toast = this.page.locator('.notifications-toasts .notification-toast', { hasText: found }).first();
    // A short timeout per probe: a toast whose text changes meanwhile (progress) matches no more,
    // and Playwright would otherwise wait its default 30 s for it inside one probe.
    await this.waitFor(async () => (await toast.getAttribute('class', { timeout: 500 }))?.includes('notification-fade-in-done'), 5000, 'toast fade-in').catch(() => undefined);
    return found;
  }

  /** Labels of the buttons of the toast containing `text`. */
  async notificationButtons(text: string): Promise<string[]> {
    const toast = this.page.locator('.notifications-toasts .notification-toast:visible', { hasText: text }).first();
    return (await toast.locator('.notification-list-item-buttons-container .monaco-button').allTextContents()).map((s) => s.trim());
  }

  /** Clicks a button (e.g. "Retry") on the toast containing `text`. */
  async clickNotificationButton(text: string, button: string): Promise<void> {
    const toast = this.page.locator('.notifications-toasts .notification-toast:visible', { hasText: text }).first();
    await toast.locator('.notification-list-item-buttons-container .monaco-button', { hasText: button }).first().click();
  }

  async clearNotifications(): Promise<void> {
    await this.runCommand('Notifications: Clear All Notifications');
    await this.waitFor(async () => (await this.notifications()).length === 0, this.defaultTimeoutMs, 'toasts to go away');
  }

  // ---- status bar -------------------------------------------------------------------------------

  async readStatusBar(): Promise<StatusBarItem[]> {
    return this.page.locator('footer[id="workbench.parts.statusbar"] .statusbar-item').evaluateAll((els) =>
      els
        .filter((el) => (el as HTMLElement).offsetParent !== null || getComputedStyle(el).display !== 'none')
        .map((el) => {
          const label = el.querySelector('.statusbar-item-label');
          return {
            id: el.id,
            text: (label?.textContent ?? '').replace(/\s+/g, ' ').trim(),
            ariaLabel: el.getAttribute('aria-label') ?? '',
            icons: Array.from(el.querySelectorAll('.codicon'))
              .flatMap((i) => Array.from(i.classList))
              .filter((c) => c.startsWith('codicon-'))
              .map((c) => c.slice('codicon-'.length)),
            alignment: el.classList.contains('right') ? 'right' : 'left',
          };
        }),
    );
  }

  /** The status bar item with element id `id`, or an extension item whose id ends with `.${id}`. */
  async readStatusBarItem(id: string): Promise<StatusBarItem | undefined> {
    const items = await this.readStatusBar();
    return items.find((i) => i.id === id) ?? items.find((i) => i.id.endsWith(`.${id}`));
  }

  async waitForStatusBarItem(id: string, predicate: (item: StatusBarItem) => boolean = () => true, timeoutMs = this.defaultTimeoutMs): Promise<StatusBarItem> {
    return this.waitFor(async () => {
      const item = await this.readStatusBarItem(id);
      return item && predicate(item) ? item : undefined;
    }, timeoutMs, `status bar item "${id}"`);
  }

  async clickStatusBarItem(id: string): Promise<void> {
    const item = await this.waitForStatusBarItem(id);
    await this.page.locator(`footer[id="workbench.parts.statusbar"] .statusbar-item[id=${cssString(item.id)}] .statusbar-item-label`).click();
  }

  // ---- editors ------------------------------------------------------------------------------------

  private activeEditor(): Locator {
    return this.page.locator('.editor-group-container.active .editor-instance .monaco-editor').first();
  }

  /** Title (tab label) of the active editor, and whether it has unsaved changes. */
  async activeEditorTab(): Promise<{ title: string; dirty: boolean; ariaLabel: string } | undefined> {
    const tab = this.page.locator('.editor-group-container.active .tabs-container .tab.active').first();
    if (!(await tab.count())) return undefined;
    const cls = (await tab.getAttribute('class')) ?? '';
    return {
      title: ((await tab.locator('.label-name').first().textContent()) ?? '').trim(),
      dirty: cls.split(/\s+/).includes('dirty'),
      ariaLabel: (await tab.getAttribute('aria-label')) ?? '',
    };
  }

  /** Waits for an editor whose tab title is `title` to be active. */
  async waitForActiveEditor(title: string | RegExp, timeoutMs = this.defaultTimeoutMs): Promise<void> {
    const match = (s: string) => (typeof title === 'string' ? s === title : title.test(s));
    await this.waitFor(async () => {
      const tab = await this.activeEditorTab();
      return tab && match(tab.title) && (await this.activeEditor().isVisible());
    }, timeoutMs, `active editor "${String(title)}"`);
  }

  /** The URI of the model shown in the active editor (`data-uri`), e.g. `sso:/…`. */
  async activeEditorUri(): Promise<string> {
    return (await this.activeEditor().getAttribute('data-uri')) ?? '';
  }

  /** Focuses the active editor without moving its cursor. */
  async focusEditor(): Promise<void> {
    const editor = this.activeEditor();
    await editor.waitFor({ state: 'visible' });
    const input = editor.locator('textarea.inputarea, .native-edit-context').first();
    await input.focus();
    await this.waitFor(async () => (await editor.getAttribute('class'))?.includes('focused'), 5000, 'editor focus');
  }

  /**
   * Types at the cursor of the active editor. `mode: 'keys'` (default) presses every key, as a user
   * would, so auto-closing brackets/quotes and auto-indent apply; `mode: 'paste'` pastes the text
   * (a paste event, as Ctrl+V would send), which inserts it exactly: use it for JSON or exact content.
   */
  async typeInEditor(text: string, options: { mode?: 'keys' | 'paste' } = {}): Promise<void> {
    await this.focusEditor();
    if (options.mode === 'paste') await this.pasteIntoFocused(text);
    else await this.page.keyboard.type(text);
  }

  /** Replaces the whole content of the active editor with exactly `text` (select all, then paste). */
  async replaceEditorText(text: string): Promise<void> {
    await this.focusEditor();
    await this.page.keyboard.press('Control+A');
    if (text === '') await this.page.keyboard.press('Delete');
    else await this.pasteIntoFocused(text);
  }

  private async pasteIntoFocused(text: string): Promise<void> {
    // A synthetic paste event carries its own DataTransfer: no clipboard permission needed, and
    // Monaco inserts it verbatim (no auto-closing, no auto-indent).
    await this.page.evaluate((t) => {
      const target = document.activeElement ?? document.body;
      const data = new DataTransfer();
      data.setData('text/plain', t);
      target.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }));
    }, text);
  }

  /**
   * Text of the active editor as rendered (lines joined with \n). Monaco renders only the lines in
   * view, so this is the whole document only when it fits the editor (true for the small documents
   * used in tests; scroll or enlarge the viewport otherwise).
   */
  async activeEditorText(): Promise<string> {
    const editor = this.activeEditor();
    await editor.waitFor({ state: 'visible' });
    return editor.locator('.view-lines').first().evaluate((el) => {
      const lines = Array.from(el.querySelectorAll(':scope > .view-line')) as HTMLElement[];
      lines.sort((a, b) => parseFloat(a.style.top || '0') - parseFloat(b.style.top || '0'));
      return lines.map((l) => (l.textContent ?? '').replace(/\u00a0/g, ' ')).join('\n');
    });
  }

  /** Waits until the active editor's text satisfies `predicate` (e.g. after a refresh). */
  async waitForEditorText(predicate: (text: string) => boolean, timeoutMs = this.defaultTimeoutMs): Promise<string> {
    return this.waitFor(async () => {
      const t = await this.activeEditorText();
      return predicate(t) ? t : undefined;
    }, timeoutMs, 'editor text');
  }

  /** Ctrl+S in the active editor. Resolves `true` once the tab is clean, `false` if it is still dirty after `timeoutMs`. */
  async trySave(timeoutMs = 10_000): Promise<boolean> {
    await this.focusEditor();
    await this.page.keyboard.press('Control+S');
    try {
      await this.waitFor(async () => (await this.activeEditorTab())?.dirty === false, timeoutMs, 'the editor to be saved');
      return true;
    } catch {
      return false;
    }
  }

  /** Ctrl+S in the active editor and wait until it is saved; throws (with the toasts shown) if it stays dirty. */
  async save(timeoutMs = 10_000): Promise<void> {
    if (!(await this.trySave(timeoutMs))) {
      throw new Error(`The editor was not saved within ${timeoutMs} ms; notifications: ${JSON.stringify(await this.notifications())}`);
    }
  }

  // ---- panel / output -------------------------------------------------------------------------------

  /** Name of the output channel shown in the Output view, or undefined when the view is not showing. */
  async activeOutputChannel(): Promise<string | undefined> {
    const body = this.page.locator('.part.panel .pane-body.output-view').first();
    if (!(await body.isVisible())) return undefined;
    const aria = (await body.getAttribute('aria-label')) ?? '';
    return aria.replace(/ - Output$/, '');
  }

  async waitForOutputChannel(name: string, timeoutMs = this.defaultTimeoutMs): Promise<void> {
    await this.waitFor(async () => (await this.activeOutputChannel()) === name, timeoutMs, `output channel "${name}"`);
  }

  /** Rendered text of the Output view (same caveat as activeEditorText). */
  async outputText(): Promise<string> {
    return this.page.locator('.part.panel .pane-body.output-view .view-lines').first().evaluate((el) => {
      const lines = Array.from(el.querySelectorAll(':scope > .view-line')) as HTMLElement[];
      lines.sort((a, b) => parseFloat(a.style.top || '0') - parseFloat(b.style.top || '0'));
      return lines.map((l) => (l.textContent ?? '').replace(/\u00a0/g, ' ')).join('\n');
    });
  }
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
