// What VS Code itself persists for a dirty `sso:` document (hot exit / working copy backups),
// measured in real VS Code: it writes the dirty text under <user-data>/Backups/ until the
// document is saved or reverted. Masked fields only ever reach that backup as the placeholder,
// never as the stored password. A revealed password never enters the editable document: not
// even undo brings it back (review 12 F1). (README: Security → What VS Code keeps on disk.)
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startCodeServer, type CodeServerInstance } from './harness/codeServer';
import { probeEditorReadonly, startSeededSso, type SeededSso } from './harness/ssoExtras';
import { clickDialogButton, waitForDialog } from './harness/dialogs';
import { Workbench } from './harness/workbench';

const MARKER = 'HOT-EXIT-MARKER-31337';
const STORED_PASSWORD = 'api-key-Xy7$-secret';
const APP = 'Contoso.OrderService';
const ID = 'ConfigProperties';
const PLACEHOLDER = '••••••••';

function filesUnder(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names.flatMap((n) => {
    const p = join(dir, n);
    const s = statSync(p, { throwIfNoEntry: false });
    if (!s) return [];
    return s.isDirectory() ? filesUnder(p) : s.isFile() ? [p] : []; // sockets and pipes are not files
  });
}

function filesContaining(dir: string, text: string): string[] {
  return filesUnder(dir).filter((f) => readFileSync(f).includes(Buffer.from(text, 'utf8')));
}

/**
 * Opens the seeded Contoso.OrderService configuration in a fresh VS Code with `settings` added,
 * makes it dirty with the marker, and checks where VS Code keeps the unsaved text.
 */
function hotExitSuite(title: string, extraSettings: Record<string, unknown>): void {
  describe(title, { timeout: 300_000 }, () => {
    let sso: SeededSso | undefined;
    let server: CodeServerInstance | undefined;
    let wb: Workbench | undefined;

    before(async () => {
      sso = await startSeededSso({ syncIntervalSeconds: 5 });
      server = await startCodeServer({ name: 'hotexit', settings: { ...sso.settings, ...extraSettings } });
      wb = await Workbench.launch();
      await wb.open(server.workbenchUrl());
    }, { timeout: 180_000 });

    after(async () => {
      await wb?.close();
      await server?.stop();
      await sso?.env.dispose();
    });

    it('the unsaved text is backed up, masked fields only as the placeholder, until a revert', async () => {
      const w = wb!;
      await w.openView('Enterprise SSO');
      await w.expandTreeItem('Contoso.OrderService', { viewTitle: 'Applications' });
      await w.clickTreeItem('ConfigProperties', { viewTitle: 'Applications' });
      const text = await w.waitForEditorText((t) => t.includes('"Endpoint"'));
      await w.replaceEditorText(text.replace('https://orders.contoso.example/api', `https://${MARKER}.example/api`));
      // Desktop VS Code keeps them in <user-data>/Backups; code-server under <user-data>/User/Backups.
      const userData = server!.userDataDir;
      const backedUp = await w.waitFor(async () => (filesContaining(userData, MARKER).length > 0 ? filesContaining(userData, MARKER) : undefined), 20_000, 'a working copy backup of the dirty document');
      console.log(`# hot exit (${JSON.stringify(extraSettings)}): VS Code backed the dirty sso: document up to ${backedUp.map((f) => f.slice(userData.length)).join(', ')}`);
      assert.deepEqual(filesContaining(userData, STORED_PASSWORD), [], 'the stored password is nowhere under the user data folder');
      assert.ok(readFileSync(backedUp[0]!, 'utf8').includes('••••••••'), 'the masked field is backed up as the placeholder');

      await w.runCommand('File: Revert File');
      await w.waitFor(async () => filesContaining(userData, MARKER).length === 0, 20_000, 'the backup to be discarded after a revert');
    });
  });
}

hotExitSuite('UI: what VS Code keeps on disk for a dirty sso document', {});
// Measured, not wished: the setting governs restoring editors at exit, not these crash-recovery backups.
hotExitSuite('UI: even with "files.hotExit": "off", VS Code backs a dirty sso document up until save or revert', { 'files.hotExit': 'off' });

describe('UI: a revealed or newly set password never reaches the editable document, its undo history or the disk', { timeout: 400_000 }, () => {
  let sso: SeededSso | undefined;
  let server: CodeServerInstance | undefined;
  let wb: Workbench | undefined;
  const w = () => wb!;

  before(async () => {
    sso = await startSeededSso({ syncIntervalSeconds: 5 });
    server = await startCodeServer({ name: 'revealundo', settings: sso.settings });
    wb = await Workbench.launch();
    await wb.open(server.workbenchUrl());
    await wb.openView('Enterprise SSO');
    await wb.expandTreeItem(APP, { viewTitle: 'Applications' });
  }, { timeout: 180_000 });

  after(async () => {
    await wb?.close();
    await server?.stop();
    await sso?.env.dispose();
  });

  const openDocument = async (): Promise<void> => {
    await w().clickTreeItem(ID, { viewTitle: 'Applications' });
    await w().waitForActiveEditor(`${ID}.json`);
    await w().waitForEditorText((t) => t.includes(`"ApiKey": "${PLACEHOLDER}"`));
  };

  const reveal = async (password: string): Promise<void> => {
    await w().runCommand('SSO: Reveal Masked Fields');
    await waitForDialog(w(), /Reveal 1 masked field/);
    await clickDialogButton(w(), 'Reveal');
    await w().waitForEditorText((t) => t.includes(`"ApiKey": "${password}"`), 15_000);
  };

  /**
   * Ctrl+Z in the editable document, three times (one step at a time: a second undo could go back
   * past the password to the text before it): after each, the password is not in it, and after
   * the first, for 5 s (VS Code backs a dirty document up within seconds), in no file under user data.
   */
  const undoAndCheck = async (password: string): Promise<void> => {
    await w().waitForActiveEditor(`${ID}.json`);
    await w().focusEditor();
    const userData = server!.userDataDir;
    try {
      for (let undo = 1; undo <= 3; undo++) {
        await w().page.keyboard.press('Control+Z');
        for (let i = 0; i < (undo === 1 ? 10 : 2); i++) {
          await new Promise((r) => setTimeout(r, 500));
          assert.ok(!(await w().activeEditorText()).includes(password), `undo ${undo} does not bring the password back into the editable document`);
          assert.equal((await w().activeEditorTab())?.dirty, false, `undo ${undo} leaves the document clean`);
          if (undo === 1) assert.deepEqual(filesContaining(userData, password), [], 'no file under the user data folder holds the password');
        }
      }
    } finally {
      // A failure leaves no dirty document behind to stop the next test with a save prompt.
      await w().runCommand('File: Revert File');
      await w().runCommand('View: Close All Editors');
    }
  };

  it('reveal, hide, Ctrl+Z: the password is not back; the revealed document is read-only and never dirty', async () => {
    await openDocument();
    await reveal(STORED_PASSWORD);
    assert.match(await w().activeEditorUri(), /^sso-revealed:/, 'the values are shown in a document of their own');
    // Read-only: typing and undo change nothing, and it is never dirty (so never backed up).
    assert.equal((await probeEditorReadonly(w())).readonly, true, 'the revealed document is read-only');
    await w().page.keyboard.press('Control+Z');
    assert.ok((await w().activeEditorText()).includes(`"ApiKey": "${STORED_PASSWORD}"`));
    assert.equal((await w().activeEditorTab())?.dirty, false);
    await w().runCommand('SSO: Hide Masked Fields');
    await w().waitFor(async () => !(await w().activeEditorUri()).startsWith('sso-revealed:'), 10_000, 'the revealed document to close');
    await w().waitForEditorText((t) => t.includes(`"ApiKey": "${PLACEHOLDER}"`));
    await undoAndCheck(STORED_PASSWORD);
  });

  it('reveal, close, reopen from the tree, Ctrl+Z: the password is not back', async () => {
    await openDocument();
    await reveal(STORED_PASSWORD);
    await w().runCommand('View: Close All Editors');
    await openDocument();
    await undoAndCheck(STORED_PASSWORD);
  });

  /** Whether any editor tab shows revealed values ("… (revealed).json"). */
  const revealedTabOpen = async (): Promise<boolean> =>
    (await w().page.locator('.tabs-container .tab .label-name').allTextContents()).some((t) => t.includes('(revealed)'));

  it('a revealed document closes when its configuration is written or its editor closes; Reveal then reads again', async () => {
    const SET_PASSWORD = 'set-Wm5$-while-revealed';
    await openDocument();
    await reveal(STORED_PASSWORD);
    // The revealed document opened beside: back to the editable one to set the field.
    await w().runCommand('View: Focus First Editor Group');
    await w().waitFor(async () => (await w().activeEditorUri()).startsWith('sso:'), 10_000, 'the editable document to be active');
    await w().runCommand('SSO: Set Masked Field…');
    await w().answerQuickInput(SET_PASSWORD, { title: /Set a masked field/ });
    await w().waitForNotification(/Masked field "ApiKey" of .* was set/, 15_000);
    await w().waitFor(async () => !(await revealedTabOpen()), 10_000, 'the revealed document (old values) to close at the write');
    // A new confirmed, audited read (reveal() waits for the dialog), showing the new value.
    await reveal(SET_PASSWORD);
    // Closing the editable document closes the revealed one with it.
    await w().runCommand('View: Focus First Editor Group');
    await w().waitFor(async () => (await w().activeEditorUri()).startsWith('sso:'), 10_000, 'the editable document to be active');
    await w().runCommand('View: Close Editor');
    await w().waitFor(async () => !(await revealedTabOpen()), 10_000, 'the revealed document to close with its source');
    await w().runCommand('View: Close All Editors');
  });

  it('"Set Masked Field…" saves a new password typed in a password box; Reveal shows it; a change made meanwhile is a conflict', async () => {
    const NEW_PASSWORD = 'rotated-Zq8#-via-box';
    await openDocument();
    await w().runCommand('SSO: Set Masked Field…');
    await w().answerQuickInput(NEW_PASSWORD, { title: /Set a masked field/ });
    await w().waitForNotification(/Masked field "ApiKey" of .* was set/, 15_000);
    const stored = await sso!.client.request('config.get', { application: APP, identifier: ID, reveal: true });
    assert.equal(stored.fields.ApiKey, NEW_PASSWORD);
    // The document reloads with the placeholder and stays clean.
    await w().waitForEditorText((t) => t.includes(`"ApiKey": "${PLACEHOLDER}"`));
    assert.equal((await w().activeEditorTab())?.dirty, false);
    await reveal(NEW_PASSWORD);
    await w().runCommand('SSO: Hide Masked Fields');
    await w().waitFor(async () => !(await w().activeEditorUri()).startsWith('sso-revealed:'), 10_000, 'the revealed document to close');
    await undoAndCheck(NEW_PASSWORD);

    // Changed elsewhere after the document was read: refused, nothing written.
    await openDocument();
    const current = await sso!.client.request('config.get', { application: APP, identifier: ID });
    await sso!.client.request('config.set', { application: APP, identifier: ID, fields: { TimeoutSeconds: '77' }, expectedTimestamp: current.timestamp });
    await w().runCommand('SSO: Set Masked Field…');
    await w().answerQuickInput('never-written-Kp2', { title: /Set a masked field/ });
    await w().waitForNotification(/changed since you opened it\. Refresh it, then set the field again/, 15_000);
    const after = await sso!.client.request('config.get', { application: APP, identifier: ID, reveal: true });
    assert.equal(after.fields.ApiKey, NEW_PASSWORD, 'the conflicting set wrote nothing');
  });
});
