// The BizTalk adapter node of the explorer (issue 18, item 8; issue 17's node classes), in real VS
// Code (code-server 4.100.3 = VS Code 1.100.3) against a real, seeded SSO system: the node that
// groups one adapter's applications offers what makes sense for the group — Find in This
// Adapter…, Refresh, Copy Name, Export Applications… with its applications ticked — and nothing
// meant for one application (Copy Identifier, Delete Application…).
// Screenshots go to .artifacts/screenshots/tree-adapter-*.png.
// Run alone: node esbuild.mjs && node --import tsx --test test/ui/treeAdapter.test.ts
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { contextMenuAction, contextMenuLabels, quickPickRowLabels, readPickedRows } from './harness/dialogs';
import { guid } from './harness/ssoExtras';
import { UiSession } from './harness/uiSession';
import { Workbench } from './harness/workbench';

const VIEW = 'Applications';
const ADAPTER = 'SFTP adapter';
/** The seed's SFTP application (named by hand) and one BizTalk names by GUID, both of the SFTP adapter. */
const SEND_PORTS = 'SFTP Send Ports';
const RECEIVE_APP = '{7D3C2B1A-0F1E-4D2C-9B8A-7A6B5C4D3E2F}';
const RECEIVE_LABEL = 'SFTP adapter: receive locations';
const RECEIVE_PORT = guid(300);
/** A port configuration of another adapter (WCF-SQL), which gets 60 more with GUIDs like the SFTP ones. */
const OTHER_APP = 'WCF-SQL Receive Locations';
const OTHER_PORT = guid(100);
const MORE_OTHER_PORTS = 60;
/** What every seeded port GUID starts with: more matches than the environment-wide Find shows (50). */
const COMMON_PREFIX = guid(1).slice(1, 6);

describe('UI: the BizTalk adapter node of the explorer', { timeout: 600_000 }, () => {
  const ui = new UiSession('tree-adapter-99-final');
  const w = () => ui.wb as Workbench;
  const adapterRow = async () => (await w().readTree(VIEW)).find((r) => r.label === ADAPTER);

  before(async () => {
    await ui.startSeeded({
      sso: { syncIntervalSeconds: 5 },
      prepare: async (sso) => {
        await sso.client.request('apps.create', { name: RECEIVE_APP, kind: 'adapter', description: `${RECEIVE_LABEL} configuration`, contact: '', enabled: true, fields: [{ label: 'Uri', masked: false }] });
        await sso.client.request('config.set', { application: RECEIVE_APP, identifier: RECEIVE_PORT, fields: { Uri: 'sftp://partner.example/out' }, expectedTimestamp: null });
        for (let i = 0; i < MORE_OTHER_PORTS; i++) {
          await sso.client.request('config.set', { application: OTHER_APP, identifier: guid(400 + i), fields: { Uri: `mssql://sql01//Db${i}`, UserName: 'svc', Password: 'pw-Ee4!' }, expectedTimestamp: null });
        }
      },
      name: 'tree-adapter',
      clipboard: true,
    });
    await w().openView('Enterprise SSO');
    await w().waitFor(async () => (await adapterRow())?.description === '2 applications · 13 port configurations', 60_000, 'the SFTP adapter with its 2 applications');
  }, { timeout: 240_000 });

  after(() => ui.stop(), { timeout: 60_000 });

  it('offers Find in This Adapter, Refresh, Copy Name and Export, not the actions of one application; Copy Name copies the adapter name', async () => {
    const labels = await contextMenuLabels(w(), ADAPTER);
    for (const action of ['Find in This Adapter…', 'Refresh', 'Copy Name', 'Export Applications…']) assert.ok(labels.includes(action), `${action} in ${JSON.stringify(labels)}`);
    for (const action of ['Copy Identifier', 'Delete Application…', 'New Configuration…', 'Add Fields…']) assert.ok(!labels.includes(action), `no ${action} in ${JSON.stringify(labels)}`);
    await contextMenuAction(w(), ADAPTER, 'Copy Name');
    await w().waitFor(async () => (await w().page.evaluate(() => navigator.clipboard.readText())) === ADAPTER, 10_000, 'the adapter name on the clipboard');
  });

  it('Find in This Adapter… lists its applications and finds port configurations only in them', async () => {
    await contextMenuAction(w(), ADAPTER, 'Find in This Adapter…');
    await w().waitForQuickInput(`Find in ${ADAPTER}`);
    const listed = await w().waitFor(async () => {
      const rows = await quickPickRowLabels(w());
      return rows.length === 2 ? rows : undefined;
    }, 10_000, "the adapter's applications");
    assert.deepEqual([...listed].sort(), [RECEIVE_LABEL, SEND_PORTS].sort());
    await w().screenshot('tree-adapter-01-find-in-adapter');
    const input = w().page.locator('.quick-input-widget .quick-input-box input');
    await input.fill(OTHER_PORT.slice(1, 9));
    await w().waitFor(async () => (await quickPickRowLabels(w())).some((l) => l === `Nothing in ${ADAPTER} matches "${OTHER_PORT.slice(1, 9)}".`), 15_000, 'no hit outside the adapter');
    await input.fill(RECEIVE_PORT.slice(1, 9));
    await w().waitFor(async () => (await quickPickRowLabels(w())).includes(RECEIVE_PORT), 15_000, 'the port configuration of the adapter');
    // 75 port configurations match, 61 of them in another adapter: the adapter's own are all found.
    await input.fill(COMMON_PREFIX);
    const found = await w().waitFor(async () => {
      const labels = await quickPickRowLabels(w());
      return labels.includes(RECEIVE_PORT) && labels.includes(guid(1)) ? labels : undefined;
    }, 15_000, "the adapter's port configurations among many matches elsewhere");
    assert.ok(!found.includes(OTHER_PORT), JSON.stringify(found));
    await w().closeQuickInput();
  });

  it('Refresh on the adapter shows a port configuration added elsewhere', async () => {
    await ui.sso!.client.request('config.set', { application: RECEIVE_APP, identifier: guid(301), fields: { Uri: 'sftp://partner.example/second' }, expectedTimestamp: null });
    await contextMenuAction(w(), ADAPTER, 'Refresh');
    await w().waitFor(async () => (await adapterRow())?.description === '2 applications · 14 port configurations', 15_000, 'the new count after Refresh');
  });

  it("Export Applications… on the adapter ticks the adapter's applications", async () => {
    await contextMenuAction(w(), ADAPTER, 'Export Applications…');
    await w().waitForQuickInput('Export Applications from "dev": applications');
    const rows = await w().waitFor(async () => {
      const r = await readPickedRows(w());
      return r.length >= 2 ? r : undefined;
    }, 10_000, 'the applications to export');
    assert.deepEqual(rows.filter((r) => r.checked).map((r) => r.label).sort(), [RECEIVE_LABEL, SEND_PORTS].sort(), JSON.stringify(rows));
    await w().screenshot('tree-adapter-02-export-ticked');
    await w().closeQuickInput();
  });
});
