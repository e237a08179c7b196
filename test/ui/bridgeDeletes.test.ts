// The extension on "Enterprise SSO" in real VS Code (code-server) through entsso-bridge.exe on Mono over
// the ENTSSO STAND-IN (test/entssoStandin; nothing here ran against Microsoft's ENTSSO). Deletes where
// the bridge gives less than the SSO service:
// - its listing has no row version (timestamp null: a version would cost a decryption per listed
//   configuration), so "Delete Configuration" from the tree reads the version when it is asked for:
//   another tool's change while the confirmation is open makes the delete a conflict, and nothing is
//   deleted; the confirmation says no "last changed" (ENTSSO keeps no time; it said 1970);
// - it does not count an affiliate application's mappings (identifierCountUnknown), so "Delete
//   Application…" must not call it empty: it asks for the name to be typed (review 10, F8).
// Run alone: node esbuild.mjs && node --import tsx --test test/ui/bridgeDeletes.test.ts
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { SEED, encryptStandinValue, readStandinState, standinValues, updateStandinState } from '../entssoStandin/standin';
import { clickDialogButton, contextMenuAction, expectToast, waitForDialog } from './harness/dialogs';
import { openBridgeWorkbench } from './harness/bridgeWorkbench';
import { UiSession } from './harness/uiSession';
import { Workbench } from './harness/workbench';

const VIEW = 'Applications';
const ENV = 'This machine';
const HANDLER = 'SFTP send handler (BizTalkServerApplication)';
const PORT = 'Send port SP_Invoices_SFTP (SFTP) — Finance.Integration';

describe('UI: deletes through entsso-bridge.exe (over the ENTSSO stand-in)', { timeout: 600_000 }, () => {
  let dir: string;
  let stateFile: string;
  const ui = new UiSession('bridge-deletes-final');
  const w = () => ui.wb as Workbench;

  before(async () => {
    ({ dir, stateFile } = await openBridgeWorkbench(ui, 'bridge-deletes'));
  }, { timeout: 240_000 });

  after(async () => {
    await ui.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  }, { timeout: 60_000 });

  it('connects to this machine (the stand-in cannot tell whether a service is installed: offered as before)', async () => {
    await w().openView('Enterprise SSO');
    await w().waitForWelcome(VIEW, 'Enterprise SSO is installed on this machine', 60_000);
    await w().clickWelcomeButton(VIEW, "Connect to This Machine's Enterprise SSO");
    await expectToast(w(), new RegExp(`^Connected to SSO environment "${ENV}"`), 60_000);
    await w().clearNotifications().catch(() => undefined);
  });

  it('Delete Configuration from the tree: another tool changes it while the confirmation is open → refused as a conflict, nothing deleted', async () => {
    await w().expandTreeItem('SFTP adapter', { viewTitle: VIEW, timeoutMs: 30_000 });
    await w().expandTreeItem(HANDLER, { viewTitle: VIEW, timeoutMs: 30_000 });
    await w().waitFor(async () => (await w().readTree(VIEW)).some((r) => r.label === PORT), 30_000, 'the port in the tree');
    await contextMenuAction(w(), PORT, 'Delete Configuration');
    const dialog = await waitForDialog(w(), /Delete port configuration/);
    assert.doesNotMatch(dialog.detail, /last changed|1970/, 'ENTSSO keeps no modification time');
    // "Another tool" (BTDF, the SSO snap-in) writes the configuration directly in ENTSSO.
    updateStandinState(stateFile, (s) => {
      const app = s.applications.find((a) => a.name === SEED.sftpSendHandler)!;
      app.configs[SEED.sendPortInvoices]!.userName = encryptStandinValue(s.secretKey, 'changed-by-another-tool');
    });
    await clickDialogButton(w(), 'Delete');
    await expectToast(w(), /changed since you opened it/, 30_000);
    assert.equal(standinValues(stateFile, SEED.sftpSendHandler, SEED.sendPortInvoices)?.userName, 'changed-by-another-tool', 'not deleted');
    await w().screenshot('bridge-deletes-01-conflict');
    await w().clearNotifications().catch(() => undefined);
  });

  it('Delete Application of an affiliate application (mappings not counted): not called empty, its name must be typed', async () => {
    await w().expandTreeItem('Other affiliate applications', { viewTitle: VIEW, timeoutMs: 30_000 });
    const row = await w().waitFor(async () => (await w().readTree(VIEW)).find((r) => r.label === SEED.mainframe), 30_000, 'the affiliate application');
    assert.match(row.description, /mappings not counted/);
    await contextMenuAction(w(), SEED.mainframe, 'Delete Application…');
    const dialog = await waitForDialog(w(), /Delete application/);
    assert.equal(dialog.message, `Delete application "${SEED.mainframe}" and everything it holds?`);
    assert.doesNotMatch(dialog.detail, /holds no/);
    assert.match(dialog.detail, /Enterprise SSO does not tell how many mappings it holds/);
    await clickDialogButton(w(), 'Delete');
    await w().waitForQuickInput(`Delete "${SEED.mainframe}" from "${ENV}"`, 15_000);
    await w().screenshot('bridge-deletes-02-type-name');
    await w().closeQuickInput();
    assert.ok(readStandinState(stateFile).applications.some((a) => a.name === SEED.mainframe), 'Escape keeps it');
  });
});
