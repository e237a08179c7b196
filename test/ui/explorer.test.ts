// The Enterprise SSO explorer in real VS Code (code-server 4.100.3 = VS Code 1.100.3) against a
// real, seeded SSO system (MSS and SSO service as separate processes): tree, editing and saving,
// blocked edits while the master secret server is down and their return, save conflicts,
// validation, health. Screenshots go to .artifacts/screenshots/explorer-*.png.
// Run alone: node esbuild.mjs && node --import tsx --test test/ui/explorer.test.ts
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  answerInputStep,
  probeEditorReadonly,
  readLogChannelFile,
  ssoctlConfigGet,
  ssoctlConfigSet,
  statusBarItemKind,
  statusBarTooltip,
  treeItemTooltip,
  waitForQuickInputPlaceholder,
  type SeededSso,
} from './harness/ssoExtras';
import { contextMenuLabels } from './harness/dialogs';
import { UiSession } from './harness/uiSession';
import { Workbench, type TreeRow } from './harness/workbench';

const SYNC_INTERVAL_S = 2;
const PLACEHOLDER = '••••••••';
const STATUS_ID = 'entsso.status';
const VIEW = 'Applications';
const APP = 'Contoso.OrderService';
const ID = 'ConfigProperties';
const DOC_TITLE = `${ID}.json`;

function docText(fields: Record<string, string>): string {
  return `{\n${Object.entries(fields)
    .map(([k, v]) => `  ${JSON.stringify(k)}: ${JSON.stringify(v)}`)
    .join(',\n')}\n}\n`;
}

describe('UI: Enterprise SSO explorer against a seeded SSO system', { timeout: 600_000 }, () => {
  const ui = new UiSession('explorer-99-final');
  const w = () => ui.wb as Workbench;
  /** A port configuration of the second page of "SFTP Send Ports" (the folder "Port configurations 11–12"). */
  let secondPagePort: string | undefined;
  const env = () => (ui.sso as SeededSso).env;

  /** The document as the tests expect it in the editor (masked fields as the placeholder). */
  const expected = {
    Endpoint: 'https://orders.contoso.example/api',
    ApiUser: 'biztalk',
    ApiKey: PLACEHOLDER,
    TimeoutSeconds: '30',
  };

  async function openOrderServiceDocument(): Promise<void> {
    await w().openView('Enterprise SSO');
    await w().expandTreeItem(APP, { viewTitle: VIEW });
    await w().clickTreeItem(ID, { viewTitle: VIEW });
    await w().waitForActiveEditor(DOC_TITLE);
    await w().waitForEditorText((t) => t.includes('"Endpoint"'));
  }

  async function revert(): Promise<void> {
    await w().runCommand('File: Revert File');
    await w().waitFor(async () => (await w().activeEditorTab())?.dirty === false, 10_000, 'the editor to be reverted');
  }

  before(async () => {
    await ui.startSeeded({ sso: { syncIntervalSeconds: SYNC_INTERVAL_S, pageSize: 10 }, name: 'explorer' });
  }, { timeout: 180_000 });

  after(() => ui.stop(), { timeout: 60_000 });

  it('shows the environment, applications grouped by kind and their port configurations, paged', async () => {
    await w().openView('Enterprise SSO');
    const rows = await w().waitFor(async () => {
      const r = await w().readTree(VIEW);
      return r.some((x) => x.label === 'Mainframe.Affiliate') && r[0]?.description.endsWith('· ready') ? r : undefined;
    }, 60_000, 'the seeded applications in the tree');
    assert.equal(rows[0]!.label, 'dev');
    assert.match(rows[0]!.description, /^127\.0\.0\.1:\d+ · ready$/);
    assert.deepEqual(
      rows.filter((r) => r.level === 2).map((r) => r.label),
      ['BizTalk adapters (port configuration)', 'Config store applications', 'Other affiliate applications'],
    );
    assert.deepEqual(
      rows.filter((r) => r.level === 3).map((r) => r.label),
      ['SFTP adapter', 'WCF-SQL adapter', 'Contoso.OrderService', 'Fabrikam.Legacy', 'Mainframe.Affiliate'],
    );
    // One node per BizTalk adapter, collapsed like a folder in the Explorer, its applications under it.
    const sftpAdapter = rows.find((r) => r.label === 'SFTP adapter')!;
    assert.equal(sftpAdapter.expanded, false);
    assert.equal(sftpAdapter.description, '1 application · 12 port configurations');
    await w().expandTreeItem('SFTP adapter', { viewTitle: VIEW });
    const underAdapter = (await w().readTree(VIEW)).filter((r) => r.level === 4).map((r) => r.label);
    assert.deepEqual(underAdapter, ['SFTP Send Ports']);
    await w().screenshot('explorer-01a-adapter');
    const legacy = rows.find((r) => r.label === 'Fabrikam.Legacy')!;
    assert.match(legacy.description, /^disabled · /);
    assert.match(legacy.ariaLabel, /disabled/);

    // Port configurations under an adapter, a page of 10 (entsso.pageSize) and "Load more…".
    await w().expandTreeItem('SFTP Send Ports', { viewTitle: VIEW });
    let tree = await w().readTree(VIEW);
    const ports = () => tree.filter((r) => r.level === 5 && r.label.startsWith('{'));
    assert.equal(ports().length, 10);
    assert.ok(tree.some((r) => r.label === 'Load more… (10 of 12 port configurations shown)'));
    await w().screenshot('explorer-01-tree');
    // "Load more…" becomes the folder of the page it loaded, expanded and focused where the row
    // was, and the first page stays as it was: VS Code is not asked for it again (each page shown
    // before was re-sent at every "Load more…" of a flat list). Clicked without waiting for it to be selected.
    await (await w().treeItem('Load more… (10 of 12 port configurations shown)', { viewTitle: VIEW })).locator('.label-name').click();
    const pageRows = (r: TreeRow[]) => r.filter((x) => x.level === 6 && x.label.startsWith('{'));
    tree = await w().waitFor(async () => {
      const r = await w().readTree(VIEW);
      return pageRows(r).length === 2 ? r : undefined;
    }, 15_000, 'the last 2 port configurations in the folder of their page');
    const folder = tree.find((r) => r.label === 'Port configurations 11–12');
    assert.ok(folder, JSON.stringify(tree.map((r) => r.label)));
    assert.deepEqual([folder.level, folder.expanded, folder.description], [5, true, 'of 12']);
    assert.equal(ports().length, 10, 'the first page stays under the application');
    assert.ok(tree.findIndex((r) => r === folder) > tree.findIndex((r) => r.label === ports()[9]!.label), 'the folder follows the first page, in order');
    assert.ok(!tree.some((r) => r.label.startsWith('Load more…')));
    secondPagePort = pageRows(tree)[1]!.label;
    await w().waitFor(async () => (await w().readTree(VIEW)).find((r) => r.label === 'Port configurations 11–12')?.focused, 10_000, 'focus on the folder of the new page');
    // Tooltips are built when hovered (resolveTreeItem), for configurations and applications.
    const port = ports()[0]!.label;
    const portTip = await treeItemTooltip(w(), port, VIEW);
    assert.ok(portTip.startsWith(`SFTP Send Ports › ${port}`), portTip);
    // (paragraphs come without spaces between them in the hover's text)
    assert.match(portTip, /port configuration of SFTP Send Ports\s*Identifier: \{[0-9A-F-]+\}\s*Application: SFTP Send Ports\s*Last modified: .+\s*Click to open it as JSON/);
    assert.match(await treeItemTooltip(w(), 'Fabrikam.Legacy', VIEW), /Fabrikam\.Legacy \(disabled\).*Kind:\s*Config store applications/);

    // Refresh reloads from SSODB and keeps what was expanded (stable ids), as much as was shown.
    await w().runCommand('SSO: Refresh');
    await w().waitFor(async () => {
      const r = await w().readTree(VIEW);
      const sftp = r.find((x) => x.label === 'SFTP Send Ports');
      const page = r.find((x) => x.label === 'Port configurations 11–12');
      return sftp?.expanded === true && page?.expanded === true && r.filter((x) => x.level === 5 && x.label.startsWith('{')).length === 10 && pageRows(r).length === 2;
    }, 15_000, 'the tree to be reloaded with SFTP Send Ports and the page of the last 2 still expanded');
    await w().collapseTreeItem('SFTP Send Ports', { viewTitle: VIEW });
    await w().collapseTreeItem('SFTP adapter', { viewTitle: VIEW });

    // The status bar: ready, with the MSS in its tooltip.
    const item = await w().waitForStatusBarItem(STATUS_ID, (i) => i.icons.includes('shield'));
    assert.equal(item.text, 'SSO dev');
    assert.equal(await statusBarItemKind(w(), item.id), 'standard');
    const tip = await statusBarTooltip(w(), item.id);
    assert.match(tip, /master secret server 127\.0\.0\.1:\d+ is reachable/);
    assert.match(tip, /Last successful sync/);
  });

  it('opens a configuration as JSON with masked fields hidden, saves an edit, and ssoctl reads it back', async () => {
    await openOrderServiceDocument();
    assert.equal(await w().activeEditorUri(), `sso:/dev/${APP}/${ID}.json`);
    assert.equal((await w().activeEditorText()).trim(), docText(expected).trim());
    await w().screenshot('explorer-02-document');

    const edited = { ...expected, Endpoint: 'https://orders-v2.contoso.example/api' };
    await w().replaceEditorText(docText(edited));
    await w().save();
    const stored = ssoctlConfigGet(env(), APP, ID);
    assert.equal(stored.fields.Endpoint, 'https://orders-v2.contoso.example/api');
    assert.equal(stored.fields.TimeoutSeconds, '30');
    // The placeholder saved unchanged kept the stored masked value.
    const revealed = await ui.sso!.client.request('config.get', { application: APP, identifier: ID, reveal: true });
    assert.ok(revealed.fields.ApiKey === 'api-key-Xy7$-secret', 'the masked ApiKey is unchanged');
    const notice = await w().waitForNotification(/BizTalk host instances use the change once their SSO cache expires \(60 s to 5 min\)/);
    assert.match(notice, /^Saved "Contoso\.OrderService › ConfigProperties"\./);
    await w().screenshot('explorer-03-saved');
    await w().clearNotifications();
    expected.Endpoint = 'https://orders-v2.contoso.example/api';
  });

  it('refuses to save invalid JSON or an unknown field, says why, and writes nothing', async () => {
    const before = ssoctlConfigGet(env(), APP, ID).timestamp;

    await w().replaceEditorText(docText({ ...expected, Endpoint: 'https://x' }).replace('"ApiUser"', '"ApiUsr"'));
    // Diagnostics as one types, before any save.
    await w().waitForStatusBarItem('status.problems', (i) => /^2 /.test(i.text), 10_000);
    assert.equal(await w().trySave(4000), false, 'an unknown field cannot be saved');
    const unknown = await w().waitForNotification(/Not saved: line 3: "ApiUsr" is not a field of application "Contoso.OrderService"/);
    assert.match(unknown, /Did you mean|Its fields are: "Endpoint", "ApiUser", "ApiKey", "TimeoutSeconds"/);
    await w().screenshot('explorer-04-unknown-field');
    await w().clearNotifications();

    await w().replaceEditorText(docText(expected).replace('"biztalk",', '"biztalk"'));
    assert.equal(await w().trySave(4000), false, 'invalid JSON cannot be saved');
    await w().waitForNotification(/Not saved: line 4: Invalid JSON: Expected "," or "}"/);
    await w().screenshot('explorer-05-invalid-json');
    await w().clearNotifications();

    await w().replaceEditorText(docText(expected).replace('"30"', '30'));
    assert.equal(await w().trySave(4000), false, 'a number value cannot be saved');
    await w().waitForNotification(/The value of "TimeoutSeconds" must be a string/);
    await w().clearNotifications();

    assert.equal(ssoctlConfigGet(env(), APP, ID).timestamp, before, 'SSODB unchanged');
    await revert();
    await w().waitForStatusBarItem('status.problems', (i) => /^0 0$/.test(i.text), 10_000);
  });

  it('MSS down: the status bar shows the cached state within sync interval + 2 s; the open document turns read-only and refuses a save', async () => {
    // A pending edit before the outage.
    const pending = { ...expected, ApiUser: 'biztalk-during-outage' };
    await w().replaceEditorText(docText(pending));
    await w().waitFor(async () => (await w().activeEditorTab())?.dirty, 5000, 'the editor to be dirty');
    const before = ssoctlConfigGet(env(), APP, ID);

    const killedAt = Date.now();
    await env().mss!.kill('SIGKILL');
    const item = await w().waitForStatusBarItem(STATUS_ID, (i) => /cached secret only/.test(i.text), SYNC_INTERVAL_S * 1000 + 2000);
    const after = Date.now() - killedAt;
    assert.ok(after <= SYNC_INTERVAL_S * 1000 + 2000, `cached state shown after ${after} ms`);
    assert.ok(item.icons.includes('warning'));
    assert.equal(await statusBarItemKind(w(), item.id), 'warning', 'statusBarItem.warningBackground');
    const tip = await statusBarTooltip(w(), item.id);
    assert.match(tip, /unreachable since \d\d:\d\d:\d\d/);
    assert.match(tip, /Still works: Decryption/);
    assert.match(tip, /Does not work: Encryption/);

    // The open (dirty) document is read-only now, and says why when one types.
    const probe = await w().waitFor(async () => {
      const p = await probeEditorReadonly(w());
      return p.readonly ? p : undefined;
    }, 10_000, 'the editor to become read-only');
    const message = probe.message;
    assert.match(message, /Read-only: the master secret server 127\.0\.0\.1:\d+ is unreachable since \d\d:\d\d:\d\d\./);
    assert.match(message, /Decryption still works/);
    assert.match(message, /Start the master secret server/);
    assert.equal((await w().activeEditorText()).trim(), docText(pending).trim(), 'typing changed nothing');
    await w().screenshot('explorer-06-readonly-message');

    // Ctrl+S is refused with the same explanation; nothing reaches SSODB.
    await w().focusEditor();
    await w().page.keyboard.press('Control+S');
    const refused = await w().waitForNotification(/Cannot save "ConfigProperties"\. Read-only: the master secret server/);
    assert.match(refused, /Decryption still works/);
    assert.equal((await w().activeEditorTab())?.dirty, true, 'still unsaved');
    await w().screenshot('explorer-07-save-refused');
    await w().clearNotifications();
    const during = ssoctlConfigGet(env(), APP, ID);
    assert.equal(during.timestamp, before.timestamp, 'SSODB unchanged');
    assert.equal(during.fields.ApiUser, 'biztalk');

    // The read-only message offers the next step: its Check Health link runs the command.
    const again = await probeEditorReadonly(w());
    assert.match(again.message, /Check Health$/);
    const link = w().page.locator('.editor-group-container.active .monaco-editor-overlaymessage a', { hasText: 'Check Health' });
    await w().screenshot('explorer-07b-readonly-check-health-link');
    await link.click();
    const health = await w().waitFor(async () => {
      const rows = await w().readTree('Health').catch(() => []);
      return rows.some((r) => /master secret server/i.test(r.ariaLabel)) ? rows : undefined;
    }, 15_000, 'the Health view to show a report after clicking Check Health');
    assert.ok(!health.some((r) => /^Checking/.test(r.label)), JSON.stringify(health));
    await w().screenshot('explorer-07c-health-from-readonly-link');

    // Commands that change SSO: gone from the context menus, and refused before their first prompt from the palette.
    assert.ok(!(await contextMenuLabels(w(), ID)).includes('Delete Configuration'));
    const appMenu = await contextMenuLabels(w(), APP);
    for (const label of ['New Configuration…', 'Add Fields…', 'Remove Fields…', 'Delete Application…']) assert.ok(!appMenu.includes(label), `no ${label} in ${JSON.stringify(appMenu)}`);
    assert.ok(appMenu.includes('Compare with Environment…'), JSON.stringify(appMenu));
    await w().runCommand('SSO: Create Application…');
    const refusal = await w().waitForNotification(/Nothing was changed: SSO cannot be changed now\. Read-only: the master secret server "127\.0\.0\.1:\d+" is unreachable since \d\d:\d\d:\d\d\./);
    assert.deepEqual(await w().notificationButtons('Nothing was changed: SSO cannot be changed now'), ['Check Health', 'Show Log']);
    assert.ok(refusal.includes('Decryption still works'), refusal);
    assert.equal(await w().readQuickInput(), undefined, 'no name was asked');
    await w().screenshot('explorer-07d-create-application-refused');
    await w().clearNotifications();
    await w().focusEditor();
  });

  it('MSS back: the same document becomes editable and saves, without reopening', async () => {
    await env().startMss();
    await w().waitForStatusBarItem(STATUS_ID, (i) => i.icons.includes('shield') && i.text === 'SSO dev', SYNC_INTERVAL_S * 1000 + 10_000);
    await w().waitFor(async () => !(await probeEditorReadonly(w())).readonly, 10_000, 'the editor to be writable again');
    await w().waitFor(async () => (await contextMenuLabels(w(), ID)).includes('Delete Configuration'), 10_000, 'Delete Configuration back in the context menu');
    await w().focusEditor();
    assert.equal((await w().activeEditorTab())?.title, DOC_TITLE);
    await w().save();
    assert.equal(ssoctlConfigGet(env(), APP, ID).fields.ApiUser, 'biztalk-during-outage');
    expected.ApiUser = 'biztalk-during-outage';
    await w().screenshot('explorer-08-saved-after-mss-back');
    await w().clearNotifications().catch(() => undefined);
  });

  it('SSO service restarted: the document turns read-only while it is down and editable when it is back, by itself', async () => {
    await env().service!.kill('SIGKILL');
    const down = await w().waitForStatusBarItem(STATUS_ID, (i) => /service unreachable/.test(i.text), 10_000);
    assert.ok(down.icons.includes('debug-disconnect'));
    assert.equal(await statusBarItemKind(w(), down.id), 'error', 'statusBarItem.errorBackground');
    const probe = await w().waitFor(async () => {
      const p = await probeEditorReadonly(w());
      return p.readonly ? p : undefined;
    }, 10_000, 'the editor to become read-only');
    assert.match(probe.message, /Read-only: the SSO service of environment "dev" is unreachable since \d\d:\d\d:\d\d\./);
    await w().screenshot('explorer-09a-service-down');
    await env().startService();
    await w().waitForStatusBarItem(STATUS_ID, (i) => i.icons.includes('shield') && i.text === 'SSO dev', 20_000);
    await w().waitFor(async () => !(await probeEditorReadonly(w())).readonly, 10_000, 'the editor to be writable again');
    // The tree reloaded by itself after the reconnection.
    await w().waitFor(async () => (await w().readTree(VIEW)).some((r) => r.label === APP), 15_000, 'the tree after reconnecting');
  });

  it('a new masked value is saved and hidden again; "SSO: Reveal Masked Fields" shows values only after an audited confirmation', async () => {
    const newKey = 'api-key-rotated-Q9';
    await w().replaceEditorText(docText({ ...expected, ApiKey: newKey }));
    await w().save();
    // The document shows the placeholder again instead of the typed value.
    await w().waitForEditorText((t) => t.includes(`"ApiKey": "${PLACEHOLDER}"`), 10_000);
    const stored = await ui.sso!.client.request('config.get', { application: APP, identifier: ID, reveal: true });
    assert.ok(stored.fields.ApiKey === newKey, 'the new masked value is stored');
    assert.equal(stored.fields.ApiUser, expected.ApiUser);

    await w().runCommand('SSO: Reveal Masked Fields');
    const dialog = w().page.locator('.monaco-dialog-box');
    await dialog.waitFor({ state: 'visible', timeout: 10_000 });
    const dialogText = ((await dialog.textContent()) ?? '').replace(/\s+/g, ' ');
    assert.match(dialogText, /Reveal 1 masked field of "Contoso\.OrderService › ConfigProperties"\?/);
    assert.match(dialogText, /Fields: "ApiKey"\. Identifier ConfigProperties of application Contoso\.OrderService/);
    assert.match(dialogText, /audit log/);
    await w().screenshot('explorer-09b-reveal-confirmation');
    await dialog.locator('.monaco-button', { hasText: /^Reveal$/ }).click();
    const text = await w().waitForEditorText((t) => !t.includes(PLACEHOLDER), 10_000);
    assert.ok(text.includes(`"ApiKey": "${newKey}"`), 'the revealed value is shown');
    // No screenshot here: the editor shows a decrypted value.
    // In a read-only document of its own, beside the editable one (which never holds it: not even in its undo history).
    assert.match(await w().activeEditorUri(), /^sso-revealed:/);
    await w().waitFor(async () => (await probeEditorReadonly(w())).readonly, 10_000, 'the revealed document to be read-only');
    assert.equal((await w().activeEditorTab())?.dirty, false);
    const audit = await ui.sso!.client.request('audit.list', { limit: 10 });
    const reveal = audit.items.find((e) => e.action === 'config.reveal' && e.identifier === ID);
    assert.ok(reveal, 'the reveal is audited');
    assert.deepEqual(reveal.fields, ['ApiKey']);
    assert.match(reveal.user, /vscode/);

    // Closing the revealed document drops the values.
    await w().runCommand('View: Close Editor');
    await w().runCommand('View: Close All Editors');
    await w().clickTreeItem(ID, { viewTitle: VIEW });
    await w().waitForActiveEditor(DOC_TITLE);
    await w().waitForEditorText((t) => t.includes(`"ApiKey": "${PLACEHOLDER}"`), 10_000);
  });

  it('a change made elsewhere while the document is dirty leads to the compare/overwrite flow, never a silent overwrite', async () => {
    await w().replaceEditorText(docText({ ...expected, TimeoutSeconds: '45' }));
    await w().waitFor(async () => (await w().activeEditorTab())?.dirty, 5000, 'the editor to be dirty');
    ssoctlConfigSet(env(), APP, ID, { TimeoutSeconds: '90' });

    assert.equal(await w().trySave(4000), false, 'the save does not go through');
    const toast = await w().waitForNotification(/The content of the file is newer/);
    assert.match(toast, /ConfigProperties\.json/);
    assert.equal(ssoctlConfigGet(env(), APP, ID).fields.TimeoutSeconds, '90', 'nothing overwritten silently');
    await w().screenshot('explorer-09-conflict');

    // Choosing "Overwrite" is an explicit decision: it writes over exactly the version VS Code showed.
    await w().clickNotificationButton('The content of the file is newer', 'Overwrite');
    await w().waitFor(async () => (await w().activeEditorTab())?.dirty === false, 10_000, 'the overwrite to be saved');
    assert.equal(ssoctlConfigGet(env(), APP, ID).fields.TimeoutSeconds, '45');
    expected.TimeoutSeconds = '45';
    await w().clearNotifications().catch(() => undefined);
  });

  it('"SSO: Check Health" shows every check with its verdict in the Health view', async () => {
    await w().runCommand('SSO: Check Health');
    const rows = await w().waitFor(async () => {
      const r = await w().readTree('Health');
      return r.some((x) => x.label === 'Master secret backup') ? r : undefined;
    }, 20_000, 'the health checks');
    const labels = rows.filter((r) => r.level === 1).map((r) => r.label);
    assert.match(labels[0]!, /^dev: has problems \(checked \d\d:\d\d:\d\d\)$/);
    assert.deepEqual(labels.slice(1), ['SSO service', 'Master secret server', 'SSO database', 'Configurations under the master secret', 'Master secret age', 'Master secret backup']);
    const backup = rows.find((r) => r.label === 'Master secret backup')!;
    assert.match(backup.description, /^Error: The current master secret has no backup/);
    assert.ok(rows.some((r) => r.level === 2 && /^Next step: Run "SSO: Back Up Master Secret…"/.test(r.label)));
    await w().screenshot('explorer-10-health');
  });

  it('"SSO: Find Application or Port Configuration…" searches as one types and opens the hit', async () => {
    await w().runCommand('SSO: Find Application or Port Configuration…');
    const input = await waitForQuickInputPlaceholder(w(), 'Type part of an application name');
    await input.pressSequentially('C0FFEE000064');
    await w().waitFor(async () => (await w().quickInputLabels()).includes('{5A0F0064-1064-4064-82BC-C0FFEE000064}'), 15_000, 'the search hit');
    await w().page.keyboard.press('Enter');
    await w().waitForActiveEditor('{5A0F0064-1064-4064-82BC-C0FFEE000064}.json');
    const text = await w().waitForEditorText((t) => t.includes('"Uri"'));
    assert.match(text, /"Password": "••••••••"/);
    // The hit is revealed in the tree under its adapter (adapter → application → port configuration).
    const revealed = await w().waitFor(async () => {
      const r = await w().readTree(VIEW);
      const row = r.find((x) => x.label === '{5A0F0064-1064-4064-82BC-C0FFEE000064}' && x.selected);
      return row ? { row, rows: r } : undefined;
    }, 15_000, 'the hit selected in the tree');
    assert.equal(revealed.row.level, 5);
    const adapterRow = revealed.rows.find((x) => x.label === 'WCF-SQL adapter');
    assert.equal(adapterRow?.expanded, true, 'its adapter was expanded to show it');
    assert.equal(revealed.rows.find((x) => x.label === 'WCF-SQL Receive Locations')?.level, 4);
    await w().screenshot('explorer-11-find');
  });

  it('Find reveals a port configuration of a later page under the folder of its page', async () => {
    const target = secondPagePort as string;
    await w().runCommand('SSO: Find Application or Port Configuration…');
    const input = await waitForQuickInputPlaceholder(w(), 'Type part of an application name');
    await input.pressSequentially(target.slice(1, 25));
    await w().waitFor(async () => (await w().quickInputLabels()).includes(target), 15_000, 'the search hit');
    await w().page.keyboard.press('Enter');
    await w().waitForActiveEditor(`${target}.json`);
    const revealed = await w().waitFor(async () => {
      const r = await w().readTree(VIEW);
      const row = r.find((x) => x.label === target && x.selected);
      return row ? { row, rows: r } : undefined;
    }, 15_000, 'the hit selected in the tree');
    assert.equal(revealed.row.level, 6);
    // The reveal scrolls only as far as the hit: at the top edge of the view its folder is scrolled
    // out of the rendered rows (a virtualized list), so the tree is scrolled up a row at a time until it shows.
    const shown = await w().waitFor(async () => {
      const rows = await w().readTree(VIEW);
      const folder = rows.findIndex((x) => x.label === 'Port configurations 11–12');
      if (folder >= 0) return { rows, folder };
      await w().scrollTree(VIEW, -22);
      return undefined;
    }, 15_000, 'the folder of its page');
    const hit = shown.rows.findIndex((x) => x.label === target);
    assert.ok(shown.rows[shown.folder]!.expanded && hit > shown.folder && shown.rows[hit]!.level === 6, 'under the expanded folder of its page');
  });

  it('left no error in the page that points at the extension, and the log holds no value', async () => {
    const ours = [...w().pageErrors, ...w().consoleErrors].filter((e) => /entsso/i.test(e));
    assert.deepEqual(ours, []);
    await w().runCommand('SSO: Show Log');
    await w().waitForOutputChannel('Enterprise SSO');
    await w().screenshot('explorer-12-log');
    const log = readLogChannelFile(ui.server!.userDataDir, 'Enterprise SSO');
    const activation = /Enterprise SSO Explorer activated in (\d+) ms/.exec(log);
    assert.ok(activation, 'activation time logged');
    // Reported, not asserted: its speed is `npm run bench`'s to measure (a loaded machine took 65-89 ms).
    process.stdout.write(`# activate() took ${activation[1]} ms\n`);
    for (const secret of ['api-key-Xy7$-secret', 'sftp-pw-', 'sql-pw-', 'legacy-secret', 'host-pw']) assert.ok(!log.includes(secret), 'no value in the log');
  });
});

describe('UI: connecting, switching environments and an unreachable service', { timeout: 400_000 }, () => {
  const ui = new UiSession('explorer-connect-99-final');
  const w = () => ui.wb as Workbench;

  before(async () => {
    // No entsso settings: the user connects through the command.
    await ui.startSeeded({ sso: { syncIntervalSeconds: SYNC_INTERVAL_S }, name: 'explorer-connect', settings: () => ({}) });
  }, { timeout: 180_000 });

  after(() => ui.stop(), { timeout: 60_000 });

  it('connects from the welcome view: name, socket path, token (kept in secret storage, not in settings)', async () => {
    await w().openView('Enterprise SSO');
    await w().waitForWelcome(VIEW, 'No SSO service is connected.');
    assert.equal(await w().readStatusBarItem(STATUS_ID), undefined, 'no status bar item before an environment is configured');
    await w().clickWelcomeButton(VIEW, 'Connect to SSO Service');
    await answerInputStep(w(), '(1/3)', 'test');
    await answerInputStep(w(), '(2/3)', ui.sso!.env.env.config.socketPath);
    const token = readFileSync(ui.sso!.env.env.paths.token, 'utf8').trim();
    await answerInputStep(w(), '(3/3)', token);
    await w().waitForNotification(/^Connected to SSO environment "test" \(master secret server 127\.0\.0\.1:\d+: ready\)\.$/, 20_000);
    const rows = await w().waitFor(async () => {
      const r = await w().readTree(VIEW);
      return r.some((x) => x.label === APP) ? r : undefined;
    }, 20_000, 'the tree of "test"');
    assert.equal(rows[0]!.label, 'test');
    await w().waitForStatusBarItem(STATUS_ID, (i) => i.text === 'SSO test' && i.icons.includes('shield'));
    const settings = readFileSync(join(ui.server!.userDataDir, 'User', 'settings.json'), 'utf8');
    assert.ok(!settings.includes(token), 'the token is not in settings.json');
    const parsed = JSON.parse(settings) as Record<string, unknown>;
    assert.deepEqual(parsed['entsso.environments'], [{ name: 'test', socketPath: ui.sso!.env.env.config.socketPath }]);
    assert.equal(parsed['entsso.activeEnvironment'], 'test');
    await w().screenshot('explorer-connect-01-connected');
    await w().clearNotifications();
  });

  it('an environment whose service is unreachable shows why in the tree and the status bar, with a retry', async () => {
    await w().runCommand('SSO: Connect to SSO Service…');
    await answerInputStep(w(), '(1/3)', 'prod');
    await answerInputStep(w(), '(2/3)', '/tmp/entsso-no-such-service.sock');
    await answerInputStep(w(), '(3/3)', 'not-a-real-token');
    await w().waitForNotification(/^Could not connect to SSO environment "prod": No SSO service is listening at \/tmp\/entsso-no-such-service\.sock/, 30_000);
    const item = await w().waitForStatusBarItem(STATUS_ID, (i) => i.text === 'SSO prod: service unreachable');
    assert.ok(item.icons.includes('debug-disconnect'));
    assert.equal(await statusBarItemKind(w(), item.id), 'error');
    const rows = await w().waitFor(async () => {
      const r = await w().readTree(VIEW);
      return r.some((x) => x.label === 'Could not load the applications') ? r : undefined;
    }, 20_000, 'the error node');
    assert.equal(rows[0]!.label, 'prod');
    assert.match(rows[0]!.description, /service unreachable$/);
    const error = rows.find((r) => r.label === 'Could not load the applications')!;
    assert.match(error.description, /No SSO service is listening at \/tmp\/entsso-no-such-service\.sock/);
    await w().screenshot('explorer-connect-02-unreachable');
    await w().clearNotifications();
  });

  it('"SSO: Switch Environment…" switches back to a working environment', async () => {
    await w().runCommand('SSO: Switch Environment…');
    await w().waitFor(async () => (await w().quickInputLabels()).includes('test'), 10_000, 'the environments');
    const labels = await w().quickInputLabels();
    assert.ok(labels.includes('prod') && labels.indexOf('test') < labels.indexOf('prod'), JSON.stringify(labels));
    await w().page.locator('.quick-input-widget .quick-input-list .monaco-list-row', { hasText: 'test' }).first().click();
    await w().waitForStatusBarItem(STATUS_ID, (i) => i.text === 'SSO test', 20_000);
    await w().waitFor(async () => (await w().readTree(VIEW)).some((r) => r.label === APP), 20_000, 'the tree of "test"');
    assert.equal((await w().readTree(VIEW))[0]!.label, 'test');
    await w().clearNotifications().catch(() => undefined);
  });
});
