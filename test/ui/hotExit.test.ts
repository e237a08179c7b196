// What VS Code itself persists for a dirty `sso:` document (hot exit / working copy backups),
// measured in real VS Code: it writes the dirty text under <user-data>/Backups/ until the
// document is saved or reverted. Masked fields only ever reach that backup as the placeholder,
// never as the stored password. (README: Security → What VS Code keeps on disk.)
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startCodeServer, type CodeServerInstance } from './harness/codeServer';
import { startSeededSso, type SeededSso } from './harness/ssoExtras';
import { Workbench } from './harness/workbench';

const MARKER = 'HOT-EXIT-MARKER-31337';
const STORED_PASSWORD = 'api-key-Xy7$-secret';

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
