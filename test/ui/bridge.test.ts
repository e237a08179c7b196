// The extension on "Enterprise SSO" in real VS Code (code-server 4.100.3): entsso-bridge.exe on Mono
// over the STAND-IN of Microsoft's ENTSSO interop assembly (test/entssoStandin), seeded with
// BizTalk-shaped data and a STAND-IN of BizTalkMgmtDb with port names. Nothing here ran against a
// real ENTSSO. Code-server gets CommonProgramW6432 pointing at the stand-in, as a Windows machine
// with ENTSSO has it: the welcome view offers "This machine's Enterprise SSO" with nothing to type,
// and the extension starts the bundled bridge itself (its installed copy replaced by the TEST build,
// the one that reads the MgmtDb stand-in). Screenshots: .artifacts/screenshots/bridge-*.png.
// Run alone: node esbuild.mjs && node --import tsx --test test/ui/bridge.test.ts
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { SEED, SEED_VALUES, encryptStandinValue, readStandinState, setStandinFault, standinValues, updateStandinState } from '../entssoStandin/standin';
import { answerFileDialog, clickDialogButton, expectToast, waitForDialog } from './harness/dialogs';
import { answerInputStep, probeEditorReadonly, statusBarItemKind, statusBarTooltip, waitForQuickInputPlaceholder } from './harness/ssoExtras';
import { openBridgeWorkbench } from './harness/bridgeWorkbench';
import { UiSession } from './harness/uiSession';
import { Workbench } from './harness/workbench';

const VIEW = 'Applications';
const STATUS_ID = 'entsso.status';
const ENV = 'This machine';
const HANDLER = 'SFTP send handler (BizTalkServerApplication)';
const PORT = 'Send port SP_Orders_SFTP (SFTP) — Orders.Integration';
// The tab shows the port by its BizTalk name (issue 18, item 2), not its GUID.
const DOC_TITLE = `${PORT}.json`;
const PLACEHOLDER = '••••••••';
// The bridge's default poll interval (the extension starts it without --poll-ms): 5 s.
const STATE_CHANGE_MS = 5000 + 10_000;
const PASSWORD = 'Correct horse battery 42!';
const REMINDER = 'the usual phrase';

describe('UI: the extension on Enterprise SSO through entsso-bridge.exe (over the ENTSSO stand-in)', { timeout: 600_000 }, () => {
  let dir: string;
  let stateFile: string;
  const ui = new UiSession('bridge-99-final');
  const w = () => ui.wb as Workbench;
  const stored = () => standinValues(stateFile, SEED.sftpSendHandler, SEED.sendPortOrders) ?? {};

  before(async () => {
    ({ dir, stateFile } = await openBridgeWorkbench(ui, 'bridge'));
  }, { timeout: 240_000 });

  after(async () => {
    await ui.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  }, { timeout: 60_000 });

  it('where Enterprise SSO is installed, the welcome view and "Connect to SSO Service…" offer it first, with nothing to type', async () => {
    await w().openView('Enterprise SSO');
    const welcome = await w().waitForWelcome(VIEW, 'Enterprise SSO is installed on this machine', 60_000);
    assert.equal(welcome.buttons[0], "Connect to This Machine's Enterprise SSO");
    await w().screenshot('bridge-01-welcome');

    await w().runCommand('SSO: Connect to SSO Service…');
    const pick = await w().waitForQuickInput('Connect to SSO Service');
    assert.ok(pick.items[0]?.startsWith("This machine's Enterprise SSO"), JSON.stringify(pick.items));
    await w().closeQuickInput();

    await w().clickWelcomeButton(VIEW, "Connect to This Machine's Enterprise SSO");
    await expectToast(w(), new RegExp(`^Connected to SSO environment "${ENV}" \\(master secret server BTS01: ready\\)`), 60_000);
    await w().clearNotifications().catch(() => undefined);
  });

  it('the tree shows BizTalk port names from the MgmtDb stand-in instead of GUIDs', async () => {
    await w().expandTreeItem('SFTP adapter', { viewTitle: VIEW, timeoutMs: 30_000 });
    const rows = await w().waitFor(async () => {
      const r = await w().readTree(VIEW);
      return r.some((x) => x.label === HANDLER) ? r : undefined;
    }, 30_000, 'the handler by its BizTalk name');
    assert.equal(rows[0]!.label, ENV);
    assert.match(rows[0]!.description, /^BTS01 · ready$/);
    assert.equal(rows.find((r) => r.label === HANDLER)!.description.split(' · ')[0], SEED.sftpSendHandler, 'the GUID stays visible beside the name');
    await w().expandTreeItem(HANDLER, { viewTitle: VIEW });
    const ports = (await w().readTree(VIEW)).filter((r) => r.level === 5).map((r) => r.label);
    assert.ok(ports.includes(PORT), JSON.stringify(ports));
    assert.ok(ports.includes('Send port SP_Invoices_SFTP (SFTP) — Finance.Integration'), JSON.stringify(ports));
    await w().screenshot('bridge-02-port-names');
  });

  it('"SSO: Find…" matches a send port by its BizTalk name and shows that name', async () => {
    await w().runCommand('SSO: Find Application or Port Configuration…');
    const input = await waitForQuickInputPlaceholder(w(), 'Type part of an application name');
    await input.pressSequentially('SP_Orders');
    await w().waitFor(async () => (await w().quickInputLabels()).includes(PORT), 15_000, 'the hit by its port name');
    await w().screenshot('bridge-02b-find');
    await w().closeQuickInput();
  });

  it('a port configuration opens (masked field hidden), is edited and saved through the bridge', async () => {
    await w().clickTreeItem(PORT, { viewTitle: VIEW });
    await w().waitForActiveEditor(DOC_TITLE);
    const text = await w().waitForEditorText((t) => t.includes('"userName"'));
    assert.match(text, /"userName": "svc-orders"/);
    assert.ok(text.includes(`"password": "${PLACEHOLDER}"`), 'the masked password is not shown');
    assert.ok(!text.includes(SEED_VALUES.ordersPassword));
    await w().screenshot('bridge-03-document');

    await w().replaceEditorText(text.replace('"svc-orders"', '"svc-orders-2"'));
    await w().save();
    await w().waitFor(() => stored().userName === 'svc-orders-2', 10_000, 'the stand-in to hold the new value');
    // The tree keeps the port name after the write (the bridge answers config.set without it).
    await w().waitFor(async () => (await w().readTree(VIEW)).some((r) => r.label === PORT), 5000, 'the port name after the save');
    assert.equal(stored().password, SEED_VALUES.ordersPassword, 'the masked value is kept');
    await w().screenshot('bridge-04-saved');
    await w().clearNotifications().catch(() => undefined);
  });

  it("stand-in MSS off: the status bar turns to cached, the open document is read-only with the explanation, a save is refused", async () => {
    const text = await w().activeEditorText();
    await w().replaceEditorText(text.replace('"svc-orders-2"', '"svc-orders-3"'));
    await w().waitFor(async () => (await w().activeEditorTab())?.dirty, 5000, 'the editor to be dirty');

    setStandinFault(stateFile, { mssReachable: false });
    const item = await w().waitForStatusBarItem(STATUS_ID, (i) => /cached secret only/.test(i.text), STATE_CHANGE_MS);
    assert.equal(await statusBarItemKind(w(), item.id), 'warning');
    assert.match(await statusBarTooltip(w(), item.id), /BTS01/);
    const probe = await w().waitFor(async () => {
      const p = await probeEditorReadonly(w());
      return p.readonly ? p : undefined;
    }, 10_000, 'the editor to become read-only');
    assert.match(probe.message, /Read-only: the master secret server BTS01 is unreachable/);
    await w().screenshot('bridge-05-cached-readonly');

    await w().focusEditor();
    await w().page.keyboard.press('Control+S');
    await w()
      .waitForNotification(/Cannot save ".*"\. Read-only: the master secret server "?BTS01"? is unreachable/, 15_000)
      .catch(async (err: Error) => assert.fail(`${err.message}; notifications: ${JSON.stringify(await w().notifications())}`));
    assert.equal((await w().activeEditorTab())?.dirty, true, 'still unsaved');
    assert.equal(stored().userName, 'svc-orders-2', 'nothing written');
    await w().screenshot('bridge-06-save-refused');
    await w().clearNotifications().catch(() => undefined);
  });

  it('stand-in MSS back: the same document is editable again and saves', async () => {
    setStandinFault(stateFile, { mssReachable: true });
    await w().waitForStatusBarItem(STATUS_ID, (i) => i.icons.includes('shield') && i.text === `SSO ${ENV}`, STATE_CHANGE_MS);
    await w().waitFor(async () => !(await probeEditorReadonly(w())).readonly, 10_000, 'the editor to be writable again');
    await w().save();
    await w().waitFor(() => stored().userName === 'svc-orders-3', 10_000, 'the stand-in to hold the value typed during the outage');
    await w().screenshot('bridge-07-saved-after-mss-back');
    await w().clearNotifications().catch(() => undefined);
  });

  it('the bridge dies and the extension restarts it: the open document still saves (its row version survives the restart; no false conflict)', async () => {
    const text = await w().activeEditorText();
    await w().replaceEditorText(text.replace('"svc-orders-3"', '"svc-orders-4"'));
    await w().waitFor(async () => (await w().activeEditorTab())?.dirty, 5000, 'the editor to be dirty');
    const [killed, ...others] = bridgePids(stateFile);
    assert.ok(killed !== undefined && others.length === 0, `one bridge on this stand-in, found ${[killed, ...others].join(', ')}`);
    process.kill(killed, 'SIGKILL');
    // The client notices the exit at once and restarts the bridge after its delay (1 s): the new process means it is reconnecting.
    await w().waitFor(() => bridgePids(stateFile).some((pid) => pid !== killed), 30_000, 'the extension to start the bridge again');
    await w().waitForStatusBarItem(STATUS_ID, (i) => i.icons.includes('shield') && i.text === `SSO ${ENV}`, 30_000);
    await w().save();
    await w().waitFor(() => stored().userName === 'svc-orders-4', 10_000, 'the stand-in to hold the value saved through the restarted bridge');
    await w().clearNotifications().catch(() => undefined);
  });

  it('after a conflict, "Compare with Stored" does not move the version the document is based on: a save without merging is still a conflict', async () => {
    const text = await w().waitForEditorText((t) => t.includes('"svc-orders-4"'));
    await w().replaceEditorText(text.replace('"svc-orders-4"', '"mine-F8"'));
    // Another writer changes the port meanwhile (ENTSSO has no mtime: only the bridge's row version tells).
    updateStandinState(stateFile, (s) => {
      const app = s.applications.find((a) => a.name.toLowerCase() === SEED.sftpSendHandler.toLowerCase());
      const config = app?.configs[SEED.sendPortOrders];
      if (config) config.userName = encryptStandinValue(s.secretKey, 'theirs-F8');
    });
    await w().clearNotifications().catch(() => undefined);
    await w().focusEditor();
    await w().page.keyboard.press('Control+S');
    const conflict = /was changed by someone else after you opened it/;
    await w().waitForNotification(conflict, 15_000);
    await w().clickNotificationButton('was changed by someone else', 'Compare with Stored');
    // The diff shows the stored version: VS Code has read it through the provider.
    const diff = w().page.locator('.editor-group-container.active .monaco-diff-editor').first();
    await w().waitFor(async () => ((await diff.isVisible()) && ((await diff.textContent()) ?? '').includes('theirs-F8')) || undefined, 15_000, 'the comparison with the stored version');
    await w().clearNotifications().catch(() => undefined);
    // Saved as is, without merging: refused again, the other change kept.
    await w().runCommand('File: Save');
    await w().waitForNotification(conflict, 15_000);
    assert.equal(stored().userName, 'theirs-F8', 'the other writer\'s change is not overwritten');
    await w().runCommand('File: Revert File');
    await w().runCommand('View: Close All Editors');
    await w().clearNotifications().catch(() => undefined);
  });

  it('the palette offers no command ENTSSO cannot do (verify a backup); a backup from the palette writes a file through the bridge', async () => {
    await assert.rejects(w().runCommand('SSO: Verify Master Secret Backup…', 3000), /is not in the command palette/);
    await assert.rejects(w().runCommand('SSO: Export Applications…', 3000), /is not in the command palette/);

    const file = join(ui.server!.workspaceFolder, 'this-machine.backup');
    await w().runCommand('SSO: Back Up Master Secret…');
    await answerFileDialog(w(), `Back Up Master Secret of "${ENV}"`, file);
    await answerInputStep(w(), '(1/3)', PASSWORD);
    await answerInputStep(w(), '(2/3)', PASSWORD);
    await answerInputStep(w(), '(3/3)', REMINDER);
    const toast = await expectToast(w(), new RegExp(`^Master secret of "${ENV}" backed up to .*this-machine\\.backup\\.`), 30_000);
    assert.match(toast, /cannot check a backup without restoring it/);
    const buttons = await w().notificationButtons('backed up to');
    assert.ok(!buttons.includes('Verify Backup…'), `no "Verify Backup…" offered: ${buttons.join(', ')}`);
    assert.ok(buttons.includes('Copy Path'), 'the written file can still be found (Copy Path)');
    await w().screenshot('bridge-08-backup-done');
    assert.ok(existsSync(file));
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.ok(statSync(file).size > 0);
    assert.ok(!readFileSync(file, 'utf8').includes(PASSWORD));
    await w().clearNotifications().catch(() => undefined);
  });

  it('"Generate New Master Secret…" is ENTSSO\'s one step: confirmation, backup file, passwords; the stand-in switches secrets', async () => {
    const before = readStandinState(stateFile).msid;
    const file = join(ui.server!.workspaceFolder, 'this-machine-new.backup');
    await w().runCommand('SSO: Generate New Master Secret…');
    const dialog = await waitForDialog(w(), new RegExp(`Generate a new master secret for "${ENV}"\\?`));
    assert.match(dialog.detail, /in one step, as Enterprise SSO does/);
    await w().screenshot('bridge-09-generate-confirmation');
    await clickDialogButton(w(), 'Generate…');
    await answerFileDialog(w(), `Backup of the new master secret of "${ENV}"`, file);
    await answerInputStep(w(), '(1/3)', PASSWORD);
    await answerInputStep(w(), '(2/3)', PASSWORD);
    await answerInputStep(w(), '(3/3)', 'rotation');
    // ENTSSO's GenerateSecret does not return the new secret's id.
    await expectToast(w(), new RegExp(`^(A new master secret|New master secret \\{[0-9A-F-]+\\}) is in use in "${ENV}"\\. Its backup is .*this-machine-new\\.backup`), 30_000);
    assert.notEqual(readStandinState(stateFile).msid, before, 'the stand-in switched to a new secret');
    assert.equal(statSync(file).mode & 0o777, 0o600);
    await w().screenshot('bridge-10-generate-done');
  });
});

/** The bridges running on this stand-in state (its path is in their environment), by process id. */
function bridgePids(stateFile: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes('entsso-bridge.exe') && readFileSync(`/proc/${entry}/environ`, 'utf8').includes(`ENTSSO_STANDIN_STATE=${stateFile}`)) pids.push(Number(entry));
    } catch {
      // Gone meanwhile, or not ours to read.
    }
  }
  return pids;
}
