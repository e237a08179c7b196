// "SSO: Find Configurations by Value…" in real VS Code (code-server 4.100.3 = VS Code 1.100.3)
// against a real, seeded SSO system (MSS and SSO service as separate processes): a text search
// streams its match into the list with the excerpt, picking it opens the configuration; a text
// found only in masked fields finds nothing; each search is one audit row.
// Screenshots go to .artifacts/screenshots/findByValue-*.png.
// Run alone: node esbuild.mjs && node --import tsx --test test/ui/findByValue.test.ts
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { pickQuickItem, quickPickRowLabels } from './harness/dialogs';
import { answerInputStep, guid } from './harness/ssoExtras';
import { UiSession } from './harness/uiSession';
import { Workbench } from './harness/workbench';

const VIEW = 'Applications';
const COMMAND = 'SSO: Find Configurations by Value…';
const INPUT_TITLE = 'Find Configurations by Value in "dev"';
const WCF_SQL_PORT = guid(100);

describe('UI: Find Configurations by Value', { timeout: 600_000 }, () => {
  const ui = new UiSession('findByValue-99-final');
  const w = () => ui.wb as Workbench;

  async function quickTitle(pattern: RegExp): Promise<string> {
    const titleEl = w().page.locator('.quick-input-widget .quick-input-title');
    return w().waitFor(async () => {
      const t = ((await titleEl.textContent().catch(() => '')) ?? '').trim();
      return pattern.test(t) ? t : undefined;
    }, 30_000, `a quick pick titled ${pattern}`);
  }

  async function quickDetails(): Promise<string[]> {
    return w().page.locator('.quick-input-widget .quick-input-list .monaco-list-row').evaluateAll((els) => els.map((el) => (el.querySelector('.quick-input-list-label-meta, .label-description + *, .quick-input-list-detail')?.textContent ?? '').trim()));
  }

  before(async () => {
    await ui.startSeeded({ sso: { syncIntervalSeconds: 2 }, name: 'findByValue', viewport: { width: 1400, height: 900 } });
    await w().openView('Enterprise SSO');
    await w().waitFor(async () => (await w().readTree(VIEW))[0]?.description.endsWith('· ready'), 60_000, 'the environment to be ready in the tree');
  }, { timeout: 180_000 });

  after(() => ui.stop(), { timeout: 60_000 });

  it('streams the matches of a text into the list; picking one opens its configuration', async () => {
    await w().runCommand(COMMAND);
    await answerInputStep(w(), INPUT_TITLE, 'SQL01');
    const title = await quickTitle(/^1 match of "SQL01" in "dev"/);
    assert.match(title, /masked fields not searched/);
    assert.deepEqual((await quickPickRowLabels(w())).map((l) => l.trim()), ['Uri']);
    const rowText = await w().page.locator('.quick-input-widget .quick-input-list .monaco-list-row').first().innerText();
    assert.match(rowText, /WCF-SQL Receive Locations › \{/);
    assert.match(rowText, /mssql:\/\/«sql01»\/\/Orders/);
    // Away from the input, whose placeholder tooltip would hide the title in the screenshot.
    await w().page.mouse.move(700, 600);
    await w().screenshot('findByValue-01-matches');
    await pickQuickItem(w(), /1 match of "SQL01"/, 'Uri');
    await w().waitForActiveEditor(`${WCF_SQL_PORT}.json`);
    await w().waitForEditorText((t) => t.includes('mssql://sql01//Orders'));
    await w().screenshot('findByValue-02-opened');
  });

  it('a text held only by masked fields finds nothing, and each search is one audit row', async () => {
    await w().runCommand(COMMAND);
    await answerInputStep(w(), INPUT_TITLE, 'sftp-pw-');
    await quickTitle(/^0 matches of "sftp-pw-" in "dev"/);
    const labels = await quickPickRowLabels(w());
    assert.deepEqual(labels, ['Nothing in "dev" matches "sftp-pw-".']);
    assert.ok(!(await quickDetails()).some((d) => d.includes('sftp-pw-1')));
    await w().screenshot('findByValue-03-nothing');
    await w().page.keyboard.press('Escape');

    const audit = (await ui.sso!.client.request('audit.list', { limit: 50 })).items.filter((e) => e.action === 'config.grep');
    assert.equal(audit.length, 2);
    // The text searched for (often a password) is never recorded.
    assert.ok(audit.every((e) => /^text search of \d+ configuration\(s\); the text searched for is not recorded$/.test(e.detail ?? '')), audit.map((e) => e.detail).join(', '));
    assert.ok(audit.every((e) => / via vscode/.test(e.user)), audit.map((e) => e.user).join(', '));
  });
});
