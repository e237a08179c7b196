// Review 5, finding 1, in real VS Code (code-server 4.100.3) against a real SSO service: an import
// file whose application name is a Markdown command link is refused, and the refusal's toast names
// the application. VS Code turns `[label](command:…)` in a notification into a link that runs the
// command with every command allowed; the toast must show the name as text, with no link in it.
// The command here only opens the Output panel. Screenshot: .artifacts/screenshots/notificationLinks-toast.png.
// Run alone: node esbuild.mjs && node --import tsx --test test/ui/notificationLinks.test.ts
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { writeProtectedFile } from '../../src/ssoService/crypto/protectedFile';
import { TestEnvironment } from '../integration/harness';
import { startCodeServer, type CodeServerInstance } from './harness/codeServer';
import { answerFileDialog, expectToast, pickQuickItem } from './harness/dialogs';
import { answerInputStep, connectWhenListening } from './harness/ssoExtras';
import { Workbench } from './harness/workbench';

const FILE_PASSWORD = 'Export staple orbit 77?';
const LINK_TARGET = 'command:workbench.action.output.toggleOutput';
const HOSTILE_NAME = `[Open the import log](${LINK_TARGET})`;
const TOAST_MESSAGE = '.notifications-toasts .notification-list-item-message';

/** An export whose one application passes the name rule but defines a field twice, so the import is refused naming it. */
async function writeHostileExport(dir: string): Promise<string> {
  const application = { name: HOSTILE_NAME, kind: 'configStore', description: '', contact: '', userGroup: '', adminGroup: '', flags: 0, fields: [{ label: 'A', masked: false }, { label: 'a', masked: false }], configurations: [] };
  const payload = { format: 'entsso-export', version: 1, exportedAt: new Date().toISOString(), applications: [application] };
  const file = join(dir, 'vendor.entsso');
  writeFileSync(file, await writeProtectedFile('entsso-export', payload, { password: FILE_PASSWORD, reminder: '', environment: 'vendor', kdfCost: { N: 2 ** 14, r: 8, p: 1 } }));
  return file;
}

describe('UI: links in notifications from an import file', { timeout: 300_000 }, () => {
  let env: TestEnvironment | undefined;
  let server: CodeServerInstance | undefined;
  let wb: Workbench | undefined;
  let dir = '';
  let file = '';
  const w = () => wb as Workbench;

  before(async () => {
    env = TestEnvironment.create({});
    await env.startMss();
    await env.startService();
    await connectWhenListening(env);
    dir = mkdtempSync(join(tmpdir(), 'entsso-notification-links-'));
    file = await writeHostileExport(dir);
    server = await startCodeServer({
      name: 'notificationLinks',
      settings: { 'entsso.environments': [{ name: 'dev', socketPath: env.env.config.socketPath, tokenFile: env.env.paths.token, localDir: env.dir }], 'entsso.activeEnvironment': 'dev' },
    });
    wb = await Workbench.launch({ viewport: { width: 1500, height: 950 } });
    await wb.open(server.workbenchUrl());
    await wb.openView('Enterprise SSO');
    await wb.waitForStatusBarItem('entsso.status', (i) => i.text === 'SSO dev', 60_000);
  }, { timeout: 240_000 });

  after(async () => {
    await wb?.close();
    await server?.stop();
    await env?.dispose();
    if (dir) rmSync(dir, { recursive: true, force: true });
  }, { timeout: 60_000 });

  it('the refusal names the application as text: no link in the toast, clicking it runs nothing', async () => {
    await w().runCommand('SSO: Import Applications…');
    await answerFileDialog(w(), 'Import Applications into "dev"', file);
    await pickQuickItem(w(), 'Import vendor.entsso into "dev": mode', 'Add missing only');
    await answerInputStep(w(), 'Import vendor.entsso into "dev": password', FILE_PASSWORD);
    const text = await expectToast(w(), /defines the field "a" twice/);
    await w().screenshot('notificationLinks-toast');
    const hrefs = await w().page.locator(`${TOAST_MESSAGE} a`).evaluateAll((links) => links.map((a) => a.getAttribute('href')));
    assert.deepEqual(hrefs, [], `the toast "${text}" holds links`);
    assert.ok(text.includes(`[Open the import log] (${LINK_TARGET})`), `the toast shows the name as text: ${text}`);
    assert.equal(await w().page.locator('.part.panel').isVisible(), false, 'the Output panel is closed before the click');
    await w().page.locator(TOAST_MESSAGE).first().click();
    await new Promise((resolve) => setTimeout(resolve, 1500));
    assert.equal(await w().page.locator('.part.panel').isVisible(), false, 'clicking the toast opened the Output panel');
  });
});
