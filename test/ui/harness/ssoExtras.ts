// Helpers for UI tests of the explorer against a real SSO system: a seeded environment
// (MSS and SSO service as child processes, via the integration TestEnvironment), the user
// settings that point the extension at it, and page-object helpers the shared Workbench does
// not have yet (editor read-only state, Monaco's read-only message, save-conflict toasts).
//
// The seeded values are test data; masked ones are never printed by the tests.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Locator } from 'playwright-core';
import type { SsoClient } from '../../../src/ssoClient/client';
import type { FieldDefinition } from '../../../src/protocol/messages';
import { TestEnvironment } from '../../integration/harness';
import type { Workbench } from './workbench';

export interface SeedConfig {
  application: string;
  kind: 'adapter' | 'configStore' | 'affiliate';
  description: string;
  contact?: string;
  enabled?: boolean;
  fields: FieldDefinition[];
  identifiers: Record<string, Record<string, string>>;
}

/** A GUID-like identifier, deterministic per index (BizTalk names port configurations by GUID). */
export function guid(i: number): string {
  const h = (n: number, len: number) => n.toString(16).toUpperCase().padStart(len, '0');
  return `{${h(0x5a0f0000 + i, 8)}-${h(0x1000 + i, 4)}-4${h(i, 3)}-8${h(i * 7, 3)}-${h(0xc0ffee000000 + i, 12)}}`;
}

/** What the explorer tests seed: adapters with masked passwords, config-store applications, an affiliate. */
export function explorerSeed(): SeedConfig[] {
  const sftpPorts: Record<string, Record<string, string>> = {};
  for (let i = 1; i <= 12; i++) sftpPorts[guid(i)] = { Uri: `sftp://partner${i}.example/in`, UserName: `svc-sftp-${i}`, Password: `sftp-pw-${i}-Zq8!` };
  return [
    {
      application: 'SFTP Send Ports',
      kind: 'adapter',
      description: 'SFTP adapter: send port transport properties',
      contact: 'BizTalkAdmin@contoso.com',
      fields: [
        { label: 'Uri', masked: false },
        { label: 'UserName', masked: false },
        { label: 'Password', masked: true },
      ],
      identifiers: sftpPorts,
    },
    {
      application: 'WCF-SQL Receive Locations',
      kind: 'adapter',
      description: 'WCF-SQL adapter: receive location transport properties',
      fields: [
        { label: 'Uri', masked: false },
        { label: 'UserName', masked: false },
        { label: 'Password', masked: true },
      ],
      identifiers: { [guid(100)]: { Uri: 'mssql://sql01//Orders', UserName: 'svc-orders', Password: 'sql-pw-Kk2#' } },
    },
    {
      application: 'Contoso.OrderService',
      kind: 'configStore',
      description: 'Order service settings',
      contact: 'BizTalkAdmin@contoso.com',
      fields: [
        { label: 'Endpoint', masked: false },
        { label: 'ApiUser', masked: false },
        { label: 'ApiKey', masked: true },
        { label: 'TimeoutSeconds', masked: false },
      ],
      identifiers: { ConfigProperties: { Endpoint: 'https://orders.contoso.example/api', ApiUser: 'biztalk', ApiKey: 'api-key-Xy7$-secret', TimeoutSeconds: '30' } },
    },
    {
      application: 'Fabrikam.Legacy',
      kind: 'configStore',
      description: 'Retired integration',
      enabled: false,
      fields: [
        { label: 'AppConfig', masked: false },
        { label: 'Secret', masked: true },
      ],
      identifiers: { ConfigProperties: { AppConfig: '<settings/>', Secret: 'legacy-secret-Q1' } },
    },
    {
      application: 'Mainframe.Affiliate',
      kind: 'affiliate',
      description: 'Host credentials for the mainframe adapter',
      fields: [
        { label: 'HostUser', masked: false },
        { label: 'HostPassword', masked: true },
      ],
      identifiers: { 'CONTOSO_svc-host': { HostUser: 'HOSTUSR', HostPassword: 'host-pw-9' } },
    },
  ];
}

export async function seed(client: SsoClient, configs: SeedConfig[]): Promise<void> {
  for (const c of configs) {
    await client.request('apps.create', {
      name: c.application,
      kind: c.kind,
      description: c.description,
      contact: c.contact ?? '',
      enabled: true,
      fields: c.fields,
    });
    for (const [identifier, fields] of Object.entries(c.identifiers)) {
      await client.request('config.set', { application: c.application, identifier, fields, expectedTimestamp: null });
    }
    if (c.enabled === false) await client.request('apps.setEnabled', { name: c.application, enabled: false });
  }
}

/** A running, seeded SSO environment and the user settings that point the extension at it. */
export interface SeededSso {
  env: TestEnvironment;
  client: SsoClient;
  settings: Record<string, unknown>;
}

export async function startSeededSso(options: { syncIntervalSeconds: number; environmentName?: string; pageSize?: number }): Promise<SeededSso> {
  const env = TestEnvironment.create({ syncIntervalSeconds: options.syncIntervalSeconds });
  try {
    await env.startMss();
    await env.startService();
    const client = await connectWhenListening(env);
    await seed(client, explorerSeed());
    const name = options.environmentName ?? 'dev';
    const settings = {
      'entsso.environments': [{ name, socketPath: env.env.config.socketPath, tokenFile: env.env.paths.token }],
      'entsso.activeEnvironment': name,
      'entsso.pageSize': options.pageSize ?? 10,
    };
    return { env, client, settings };
  } catch (err) {
    await env.dispose();
    throw err;
  }
}

/**
 * The service logs a "state: ready" line before its socket listens, so TestEnvironment's
 * startService() can resolve a moment early: retry the first connection briefly.
 */
export async function connectWhenListening(env: TestEnvironment, timeoutMs = 10_000): Promise<SsoClient> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await env.client({ reconnect: true });
    } catch (err) {
      env.clients.pop()?.close();
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/** `ssoctl config get --json` through the built CLI: what SSODB holds, independent of the extension. */
export function ssoctlConfigGet(env: TestEnvironment, application: string, identifier: string): { fields: Record<string, string>; timestamp: string } {
  const r = env.ssoctl(['config', 'get', application, identifier, '--json']);
  if (r.code !== 0) throw new Error(`ssoctl config get failed (${r.code}): ${r.stderr}`);
  return JSON.parse(r.stdout) as { fields: Record<string, string>; timestamp: string };
}

/** `ssoctl config set` with the values on stdin (never on the command line). */
export function ssoctlConfigSet(env: TestEnvironment, application: string, identifier: string, fields: Record<string, string>): void {
  const r = env.ssoctl(['config', 'set', application, identifier], JSON.stringify(fields));
  if (r.code !== 0) throw new Error(`ssoctl config set failed (${r.code}): ${r.stderr}`);
}

// ---- page-object helpers (candidates for the shared Workbench) ----------------------------

/**
 * Whether the active editor is read-only, found out as a user would: type a space at the very
 * end of the document and see whether the text changes (undone right away when it did). In
 * VS Code 1.100 a read-only editor carries no DOM attribute for it; instead Monaco shows its
 * read-only message (see editorOverlayMessage) when one tries to type.
 */
export async function probeEditorReadonly(wb: Workbench): Promise<{ readonly: boolean; message: string }> {
  const before = await wb.activeEditorText();
  await wb.focusEditor();
  await wb.page.keyboard.press('Control+End');
  await wb.page.keyboard.type(' ');
  let changed: boolean;
  try {
    await wb.waitFor(async () => (await wb.activeEditorText()) !== before, 1500, 'the typed space');
    changed = true;
  } catch {
    changed = false;
  }
  if (changed) {
    await wb.page.keyboard.press('Control+Z');
    await wb.waitFor(async () => (await wb.activeEditorText()) === before, 5000, 'the undo');
    return { readonly: false, message: '' };
  }
  const message = await wb.waitFor(() => editorOverlayMessage(wb), 5000, "the editor's read-only message").catch(() => '');
  return { readonly: true, message };
}

/** The text of Monaco's overlay message (shown e.g. when typing into a read-only editor), or ''. */
export async function editorOverlayMessage(wb: Workbench): Promise<string> {
  const msg = wb.page.locator('.editor-group-container.active .monaco-editor-overlaymessage').first();
  if (!(await msg.count()) || !(await msg.isVisible())) return '';
  return ((await msg.textContent()) ?? '').replace(/\s+/g, ' ').trim();
}

/** The hover of a status bar item's tooltip (hover over it, read the rendered Markdown). */
export async function statusBarTooltip(wb: Workbench, elementId: string): Promise<string> {
  const hover = wb.page.locator('.monaco-hover:visible, .workbench-hover:visible').first();
  // A hover left from an earlier pointer position (a tab's "Close (Ctrl+W)") must go first.
  await wb.page.mouse.move(5, 5);
  await hover.waitFor({ state: 'hidden', timeout: 5_000 }).catch(() => undefined);
  const label = wb.page.locator(`footer[id="workbench.parts.statusbar"] .statusbar-item[id="${elementId}"] .statusbar-item-label`);
  const text = await wb.waitFor(async () => {
    await label.hover();
    if (!(await hover.isVisible().catch(() => false))) return undefined;
    const t = ((await hover.textContent()) ?? '').replace(/\s+/g, ' ').trim();
    return /^Close \(/.test(t) ? undefined : t;
  }, 10_000, `the tooltip of status bar item ${elementId}`);
  await wb.page.mouse.move(5, 5);
  return text;
}

/** The tooltip of a tree row (one that names it), as shown when it is hovered (trees build theirs lazily, on hover). */
export async function treeItemTooltip(wb: Workbench, label: string, viewTitle: string): Promise<string> {
  await (await wb.treeItem(label, { viewTitle })).locator('.label-name').hover();
  const hover = wb.page.locator('.monaco-hover:visible, .workbench-hover:visible').first();
  await hover.waitFor({ state: 'visible', timeout: 10_000 });
  const text = await wb.waitFor(async () => {
    const t = ((await hover.textContent()) ?? '').replace(/\s+/g, ' ').trim();
    return t.includes(label) ? t : undefined;
  }, 10_000, `the tooltip of "${label}"`);
  await wb.page.mouse.move(5, 5);
  await hover.waitFor({ state: 'hidden', timeout: 5_000 }).catch(() => undefined);
  return text;
}

/** Problems reported for the active editor, as rendered markers ("squiggles" carry no text): via the Problems view. */
export async function problemsViewTexts(wb: Workbench): Promise<string[]> {
  await wb.runCommand('View: Focus Problems (Errors, Warnings, Infos)');
  const rows = wb.page.locator('.part.panel .markers-panel .monaco-list-row');
  await wb.waitFor(async () => (await rows.count()) > 0, 15_000, 'rows in the Problems view');
  return (await rows.allTextContents()).map((s) => s.replace(/\s+/g, ' ').trim());
}

/** The full text of a log output channel as VS Code wrote it under the user data dir (the Output view is virtualized). */
export function readLogChannelFile(userDataDir: string, channel: string): string {
  const found: string[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name === `${channel}.log`) found.push(p);
    }
  };
  walk(join(userDataDir, 'logs'));
  if (found.length === 0) throw new Error(`No "${channel}.log" under ${userDataDir}/logs`);
  return found.map((f) => readFileSync(f, 'utf8')).join('\n');
}

/**
 * Answers one step of a multi-step input (showInputBox with a title such as "… (2/3)"): waits
 * until the quick input shows that title, so that a fast answer cannot land in the previous step.
 */
export async function answerInputStep(wb: Workbench, title: string | RegExp, text: string, timeoutMs = 15_000): Promise<void> {
  const titleEl = wb.page.locator('.quick-input-widget .quick-input-title');
  const input = wb.page.locator('.quick-input-widget .quick-input-box input');
  await wb.waitFor(async () => {
    if (!(await input.isVisible())) return false;
    const t = ((await titleEl.textContent()) ?? '').trim();
    return typeof title === 'string' ? t.includes(title) : title.test(t);
  }, timeoutMs, `the input step "${String(title)}"`);
  await input.fill(text);
  await wb.page.keyboard.press('Enter');
}

/** Waits for a quick pick/input whose placeholder contains `text` (e.g. one opened by a command) and returns its input. */
export async function waitForQuickInputPlaceholder(wb: Workbench, text: string, timeoutMs = 15_000): Promise<Locator> {
  const input = wb.page.locator('.quick-input-widget .quick-input-box input');
  await wb.waitFor(async () => (await input.isVisible()) && ((await input.getAttribute('placeholder')) ?? '').includes(text), timeoutMs, `a quick input "${text}"`);
  return input;
}

/** The background kind of a status bar item: 'warning' / 'error' (statusBarItem.*Background) or 'standard'. */
export async function statusBarItemKind(wb: Workbench, elementId: string): Promise<'warning' | 'error' | 'standard'> {
  return wb.page.locator(`footer[id="workbench.parts.statusbar"] .statusbar-item[id="${elementId}"]`).evaluate((el) =>
    el.classList.contains('warning-kind') ? 'warning' : el.classList.contains('error-kind') ? 'error' : 'standard',
  );
}

/**
 * Waits for a status bar message (window.setStatusBarMessage, shown for a few seconds) whose text
 * matches: where routine confirmations go instead of a toast.
 */
export async function waitForStatusBarMessage(wb: Workbench, text: RegExp, timeoutMs = 15_000): Promise<string> {
  return wb.waitFor(async () => (await wb.readStatusBar()).find((i) => text.test(i.text))?.text, timeoutMs, `a status bar message matching ${text}`);
}
