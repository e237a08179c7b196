// The Audit Log view (issue 15) in real VS Code (code-server 4.100.3) against a real, seeded SSO
// system: "SSO: Show Audit Log" shows who did what on which configuration and how it ended, with
// the service's retention as the view's description; "SSO: Filter Audit Log…" filters on the
// server (text, op:, outcome:); an entry opens its configuration, a history entry the version it
// names; Export Applications offers the encrypted export with history, whose file carries the
// kept versions (contents version 2). Screenshots go to .artifacts/screenshots/audit-*.png.
// Run alone: node esbuild.mjs && node --import tsx --test test/ui/auditLog.test.ts
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openProtectedFile } from '../../src/ssoService/crypto/protectedFile';
import { startCodeServer, type CodeServerInstance } from './harness/codeServer';
import { answerFileDialog, answerMultiPick, expectToast, pickQuickItem, quickPickRowLabels } from './harness/dialogs';
import { answerInputStep, startSeededSso, type SeededSso } from './harness/ssoExtras';
import { Workbench } from './harness/workbench';

const VIEW = 'Audit Log';
const APP = 'Contoso.OrderService';
const ID = 'ConfigProperties';
const SET = `config.set · ${APP} › ${ID}`;
const REVEAL = `history.reveal · ${APP} › ${ID}`;
const EXPORT_PASSWORD = 'Export staple orbit 77?';

describe('UI: audit log', { timeout: 600_000 }, () => {
  let sso: SeededSso | undefined;
  let server: CodeServerInstance | undefined;
  let wb: Workbench | undefined;
  const w = () => wb as Workbench;

  const rows = () => w().readTree(VIEW);
  const viewDescription = async () => ((await w().viewPane(VIEW).locator('.pane-header .description').first().textContent()) ?? '').trim();

  /** A wider side bar and the Applications view folded, so that the screenshots show whole rows. */
  async function makeRoomForTheLog(): Promise<void> {
    const page = w().page;
    const box = await page.locator('.part.sidebar').boundingBox();
    assert.ok(box, 'the side bar is shown');
    await page.mouse.move(box.x + box.width + 1, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + 760, box.y + box.height / 2, { steps: 5 });
    await page.mouse.up();
    await w().viewPane('Applications').locator('.pane-header').first().click();
  }

  before(async () => {
    sso = await startSeededSso({ syncIntervalSeconds: 5 });
    const c = sso.client;
    const current = await c.request('config.get', { application: APP, identifier: ID });
    await c.request('config.set', { application: APP, identifier: ID, fields: { ApiUser: 'biztalk-2' }, expectedTimestamp: current.timestamp });
    // Saving over the version read before that save: refused as a conflict, and audited as such.
    await assert.rejects(c.request('config.set', { application: APP, identifier: ID, fields: { ApiUser: 'stale' }, expectedTimestamp: current.timestamp }));
    await c.request('history.get', { application: APP, identifier: ID, version: 1, reveal: true });
    server = await startCodeServer({ name: 'audit', settings: sso.settings });
    wb = await Workbench.launch({ viewport: { width: 1500, height: 950 } });
    await wb.open(server.workbenchUrl());
  }, { timeout: 180_000 });

  after(async () => {
    if (wb) {
      await wb.screenshot('audit-99-final').catch(() => undefined);
      await wb.close();
    }
    await server?.stop();
    await sso?.env.dispose();
  }, { timeout: 60_000 });

  it('shows what was done on which configuration, how it ended, who and when; the retention is its description', async () => {
    await w().openView('Enterprise SSO');
    await w().treeItem(APP, { viewTitle: 'Applications', timeoutMs: 60_000 }); // connected: the palette offers the SSO commands
    await makeRoomForTheLog();
    await w().runCommand('SSO: Show Audit Log');
    await w().treeItem(REVEAL, { viewTitle: VIEW });
    const shown = await rows();
    const labels = shown.map((r) => r.label);
    assert.equal(labels[0], REVEAL, 'newest first');
    assert.deepEqual(labels.slice(1, 3), [SET, SET]);
    assert.match(shown[1]!.description, /^refused · \S+ via test · \d{2}:\d{2}:\d{2}$/, 'how it ended (when not ok), who, when');
    assert.match(shown[2]!.description, /^\S+ via test · \d{2}:\d{2}:\d{2}$/);
    assert.ok(labels.length > 3, "the seed's entries follow");
    assert.equal(await viewDescription(), 'kept: 100,000 entries, 365 days');
    await w().screenshot('audit-01-log');
  });

  it('filters on the server, and an entry opens its configuration', async () => {
    await w().runCommand('SSO: Filter Audit Log…');
    await w().answerQuickInput(`${ID} op:config.set outcome:refused`, { title: 'Filter Audit Log' });
    await w().waitFor(async () => {
      const now = await rows();
      return now.length === 1 && now[0]!.label === SET && now[0]!.description.startsWith('refused') ? now : undefined;
    }, 15_000, 'only the refused save');
    assert.equal(await viewDescription(), `filter: ${ID} op:config.set outcome:refused`);
    await w().screenshot('audit-02-filtered');
    await w().clickTreeItem(SET, { viewTitle: VIEW });
    await w().waitForActiveEditor(`${ID}.json`);
    assert.match(decodeURIComponent(await w().activeEditorUri()), new RegExp(`^sso:/dev/${APP}/${ID}`));
    const text = await w().waitForEditorText((t) => t.includes('"ApiUser": "biztalk-2"'));
    assert.ok(!text.includes('api-key-Xy7$-secret'), 'masked fields stay placeholders');
    await w().screenshot('audit-03-opened');
  });

  it('a history entry opens the version it names', async () => {
    await w().runCommand('SSO: Filter Audit Log…');
    await w().answerQuickInput('op:history', { title: 'Filter Audit Log' });
    await w().waitFor(async () => {
      const now = await rows();
      return now.length === 1 && now[0]!.label === REVEAL ? now : undefined;
    }, 15_000, 'only the history reveal');
    await w().clickTreeItem(REVEAL, { viewTitle: VIEW });
    await w().waitForActiveEditor(`${ID} (version 1).json`);
    await w().waitForEditorText((t) => t.includes('"ApiUser": "biztalk"'));
    await w().screenshot('audit-04-version');
  });

  it('a filter that is not understood says what to write, and nothing changes', async () => {
    await w().runCommand('SSO: Filter Audit Log…');
    const input = await w().waitForQuickInput('Filter Audit Log');
    assert.equal(input.value, 'op:history', 'the filter in use is offered again');
    await w().page.keyboard.press('End');
    await w().page.keyboard.type(' since:yesterday');
    await w().waitFor(async () => ((await w().page.locator('.quick-input-message').textContent()) ?? '').includes('30m, 24h, 7d') || undefined, 10_000, 'the validation message');
    await w().screenshot('audit-05-invalid-filter');
    await w().closeQuickInput();
    assert.deepEqual((await rows()).map((r) => r.label), [REVEAL]);
  });

  it('Export Applications offers the encrypted export with history; the file carries the kept versions', async () => {
    const file = join((server as CodeServerInstance).workspaceFolder, 'orders-with-history.entsso');
    await w().runCommand('SSO: Export Applications…');
    await answerMultiPick(w(), 'Export Applications from "dev": applications', [APP]);
    await w().waitForQuickInput('Export Applications from "dev": format');
    assert.deepEqual(await quickPickRowLabels(w()), ['Encrypted export (.entsso)', 'Encrypted export with history (.entsso)', 'Microsoft .sso file']);
    await w().screenshot('audit-06-export-with-history');
    await pickQuickItem(w(), 'Export Applications from "dev": format', 'Encrypted export with history (.entsso)');
    await answerFileDialog(w(), 'Export Applications from "dev"', file);
    await answerInputStep(w(), '(1/3)', EXPORT_PASSWORD);
    await answerInputStep(w(), '(2/3)', EXPORT_PASSWORD);
    await answerInputStep(w(), '(3/3)', 'export hint');
    await expectToast(w(), /^Exported "Contoso\.OrderService" with their history to .*orders-with-history\.entsso\./, 30_000);
    const { payload } = await openProtectedFile<{ version: number; applications: { configurations: { identifier: string; history?: { version: number; replacedBy: string }[] }[] }[] }>(readFileSync(file), EXPORT_PASSWORD, 'entsso-export');
    assert.equal(payload.version, 2);
    const kept = payload.applications[0]!.configurations.find((c) => c.identifier === ID)!.history!;
    assert.deepEqual(kept.map((v) => v.version), [1]);
    assert.match(kept[0]!.replacedBy, /via test$/);
  });
});
