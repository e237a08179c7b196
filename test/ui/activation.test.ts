// First UI test: the built extension installed in real VS Code (code-server), driven through Chromium,
// with no SSO environment configured.
// Run alone: node esbuild.mjs && node --import tsx --test test/ui/activation.test.ts
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startCodeServer, type CodeServerInstance } from './harness/codeServer';
import { Workbench } from './harness/workbench';

const CONNECT_TITLE = /^Connect to SSO Service \(1\/3\)$/;

describe('UI: activation of the Enterprise SSO explorer', { timeout: 240_000 }, () => {
  let server: CodeServerInstance | undefined;
  let wb: Workbench | undefined;

  before(async () => {
    server = await startCodeServer({ name: 'activation' });
    wb = await Workbench.launch();
    await wb.open(server.workbenchUrl());
  }, { timeout: 150_000 });

  after(async () => {
    if (wb) {
      if (process.exitCode) await wb.screenshot('activation-failed').catch(() => undefined);
      await wb.close();
    }
    await server?.stop();
  }, { timeout: 60_000 });

  it('shows the Enterprise SSO container with the Applications view and its welcome content', async () => {
    const w = wb!;
    // The container appears once the extension host has scanned the extension: openView waits for it.
    await w.openView('Enterprise SSO', 60_000);
    assert.ok((await w.activityBarTitles()).includes('Enterprise SSO'), 'activity bar has "Enterprise SSO"');
    // While Applications is the only visible view, its title is merged into the side bar title.
    assert.match(await w.sideBarTitle(), /^Enterprise SSO/i);
    const welcome = await w.waitForWelcome('Applications', 'No SSO service is connected.');
    assert.equal(welcome.paragraphs[0], 'No SSO service is connected.');
    assert.ok(welcome.buttons.includes('Connect to SSO Service'), `buttons: ${JSON.stringify(welcome.buttons)}`);
    assert.deepEqual(await w.readTree('Applications'), [], 'no tree rows while disconnected');
    await w.screenshot('activation-01-welcome');
  });

  it('"SSO: Connect to SSO Service…" from the command palette asks for the environment', async () => {
    const w = wb!;
    await w.runCommand('SSO: Connect to SSO Service…');
    const box = await w.waitForQuickInput(CONNECT_TITLE);
    assert.match(box.message, /name for this SSO environment/);
    await w.screenshot('activation-02-connect-input');
    await w.closeQuickInput();
  });

  it('the welcome button runs the same command', async () => {
    const w = wb!;
    await w.openView('Enterprise SSO');
    await w.clickWelcomeButton('Applications', 'Connect to SSO Service');
    await w.waitForQuickInput(CONNECT_TITLE);
    await w.closeQuickInput();
  });

  it('"SSO: Check Health" without an environment explains itself in a notification that offers to connect', async () => {
    const w = wb!;
    await w.runCommand('SSO: Check Health');
    const toast = await w.waitForNotification('No SSO environment is configured');
    assert.equal(toast, 'No SSO environment is configured: connect to one first.');
    assert.deepEqual(await w.notificationButtons(toast), ['Connect…', 'Show Log']);
    await w.screenshot('activation-03-health-notification');
    await w.clickNotificationButton(toast, 'Connect…');
    await w.waitForQuickInput(CONNECT_TITLE);
    await w.closeQuickInput();
  });

  it('"SSO: Show Log" shows the "Enterprise SSO" output channel with the activation line', async () => {
    const w = wb!;
    await w.runCommand('SSO: Show Log');
    await w.waitForOutputChannel('Enterprise SSO');
    const text = await w.waitFor(async () => {
      const t = await w.outputText();
      return /\[info\] Enterprise SSO Explorer activated/.test(t) ? t : undefined;
    }, 20_000, 'the activation line in the log');
    assert.match(text, /\[info\] Enterprise SSO Explorer activated in \d+ ms/);
    await w.screenshot('activation-04-output-channel');
  });

  it('left no error in the page that points at the extension', () => {
    const ours = [...wb!.pageErrors, ...wb!.consoleErrors].filter((e) => /entsso/i.test(e));
    assert.deepEqual(ours, []);
  });
});
