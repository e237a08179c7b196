// Configuration history (issue 15) in real VS Code (code-server 4.100.3) against a real, seeded
// SSO system: "Show History" from the explorer's context menu lists the kept versions (who, which
// fields; no value), a version opens read-only with the masked field as a placeholder, "Compare
// with Current" opens the diff editor, "Restore This Version" brings back the exact values (the
// masked one too, checked in SSODB with ssoctl --reveal) and the restore is itself kept.
// Screenshots go to .artifacts/screenshots/history-*.png.
// Run alone: node esbuild.mjs && node --import tsx --test test/ui/history.test.ts
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startCodeServer, type CodeServerInstance } from './harness/codeServer';
import { clickDialogButton, contextMenuAction, expectToast, pickQuickItem, quickPickRowLabels, readDiffEditor, waitForDialog } from './harness/dialogs';
import { probeEditorReadonly, startSeededSso, type SeededSso } from './harness/ssoExtras';
import { Workbench } from './harness/workbench';

const VIEW = 'Applications';
const APP = 'Contoso.OrderService';
const ID = 'ConfigProperties';
const PLACEHOLDER = '••••••••';
const FIRST_KEY = 'api-key-Xy7$-secret';

describe('UI: configuration history', { timeout: 600_000 }, () => {
  let sso: SeededSso | undefined;
  let server: CodeServerInstance | undefined;
  let wb: Workbench | undefined;
  const w = () => wb as Workbench;

  before(async () => {
    sso = await startSeededSso({ syncIntervalSeconds: 5 });
    // Two saves after the seed: version 1 is the seed, version 2 the first save's values.
    let current = await sso.client.request('config.get', { application: APP, identifier: ID });
    current = { ...current, timestamp: (await sso.client.request('config.set', { application: APP, identifier: ID, fields: { ApiUser: 'biztalk-2', ApiKey: 'api-key-second' }, expectedTimestamp: current.timestamp })).timestamp };
    await sso.client.request('config.set', { application: APP, identifier: ID, fields: { Endpoint: 'https://orders-v3.contoso.example/api' }, expectedTimestamp: current.timestamp });
    server = await startCodeServer({ name: 'history', settings: sso.settings });
    wb = await Workbench.launch({ viewport: { width: 1500, height: 950 } });
    await wb.open(server.workbenchUrl());
  }, { timeout: 180_000 });

  after(async () => {
    if (wb) {
      await wb.screenshot('history-99-final').catch(() => undefined);
      await wb.close();
    }
    await server?.stop();
    await sso?.env.dispose();
  }, { timeout: 60_000 });

  it('lists the versions from the context menu, opens one read-only with the masked field as a placeholder', async () => {
    await w().openView('Enterprise SSO');
    await w().expandTreeItem(APP, { viewTitle: VIEW });
    await contextMenuAction(w(), ID, 'Show History', VIEW);
    await w().waitForQuickInput(/^History of "ConfigProperties"/);
    assert.deepEqual(await quickPickRowLabels(w()), ['Version 2', 'Version 1']);
    const shown = (await w().page.locator('.quick-input-widget .quick-input-list .monaco-list-row').allTextContents()).join('\n');
    assert.match(shown, /changed: Endpoint/);
    assert.match(shown, /changed: ApiUser, ApiKey/);
    assert.ok(!shown.includes('api-key') && !shown.includes('biztalk-2'), 'no value in the list');
    await w().screenshot('history-01-versions');
    await pickQuickItem(w(), /^History of/, 'Version 1');
    await pickQuickItem(w(), /^Version 1 of/, 'Open (read-only)');
    const text = await w().waitForEditorText((t) => t.includes('"ApiUser": "biztalk"'));
    assert.ok(text.includes(`"ApiKey": "${PLACEHOLDER} (differs from the current value)"`), text);
    assert.ok(!text.includes(FIRST_KEY));
    assert.equal((await w().activeEditorTab())?.title, 'ConfigProperties (version 1).json', 'the tab says it is a version');
    assert.equal((await probeEditorReadonly(w())).readonly, true, 'a kept version cannot be edited');
    await w().screenshot('history-02-version-read-only');
  });

  it('Compare with Current shows the version beside the current configuration', async () => {
    await w().runCommand('SSO: Compare with Current');
    const diff = await readDiffEditor(w());
    assert.match(diff.original, /"ApiUser": "biztalk"/);
    assert.match(diff.modified, /"ApiUser": "biztalk-2"/);
    assert.match(diff.modified, /orders-v3/);
    assert.match(diff.original, /"ApiKey": "•••••••• \(differs from the current value\)"/, 'a changed masked value shows as changed, without either value');
    assert.ok(!diff.original.includes(FIRST_KEY) && !diff.modified.includes('api-key-second'));
    await w().screenshot('history-03-compare');
  });

  it('Restore This Version brings back the exact values, the masked one too, and keeps what it replaced', async () => {
    await w().runCommand('View: Close All Editors');
    await w().expandTreeItem(APP, { viewTitle: VIEW });
    await contextMenuAction(w(), ID, 'Show History', VIEW);
    await pickQuickItem(w(), /^History of/, 'Version 1');
    await pickQuickItem(w(), /^Version 1 of/, 'Restore This Version');
    await waitForDialog(w(), /Restore version 1 of "ConfigProperties" in "dev"\?/);
    await clickDialogButton(w(), 'Restore');
    await expectToast(w(), /^Restored version 1 of "ConfigProperties"/);
    const revealed = (sso as SeededSso).env.ssoctl(['config', 'get', APP, ID, '--reveal', '--json']);
    assert.equal(revealed.code, 0, revealed.stderr);
    assert.deepEqual((JSON.parse(revealed.stdout) as { fields: Record<string, string> }).fields, { Endpoint: 'https://orders.contoso.example/api', ApiUser: 'biztalk', ApiKey: FIRST_KEY, TimeoutSeconds: '30' });
    const history = await (sso as SeededSso).client.request('history.list', { application: APP, identifier: ID });
    assert.deepEqual(history.items.map((v) => v.version), [3, 2, 1], 'the restore kept the version it replaced');
    await w().screenshot('history-04-restored');
  });
});
