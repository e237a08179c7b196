// Self-test of the UI harness against VS Code's own Explorer and text editor, so that the page
// object (trees, editors, save, status bar) is known to work before the SSO tree and `sso:`
// documents exist. Keep it small: it costs one code-server start (~8 s).
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startCodeServer, type CodeServerInstance } from './harness/codeServer';
import { Workbench } from './harness/workbench';

describe('UI harness: page object on the built-in Explorer and editor', { timeout: 240_000 }, () => {
  let server: CodeServerInstance | undefined;
  let wb: Workbench | undefined;
  let folder = '';

  before(async () => {
    folder = mkdtempSync(join(tmpdir(), 'entsso-ws-'));
    mkdirSync(join(folder, 'apps', 'nested'), { recursive: true });
    writeFileSync(join(folder, 'apps', 'nested', 'deep.txt'), 'deep\n');
    writeFileSync(join(folder, 'apps', 'port.json'), '{\n  "a": 1\n}\n');
    writeFileSync(join(folder, 'readme.txt'), 'line one\nline two\n');
    server = await startCodeServer({ name: 'harness', workspaceFolder: folder, settings: { 'files.eol': '\n' } });
    wb = await Workbench.launch();
    await wb.open(server.workbenchUrl());
  }, { timeout: 150_000 });

  after(async () => {
    if (wb) {
      if (process.exitCode) await wb.screenshot('harness-final').catch(() => undefined);
      await wb.close();
    }
    await server?.stop();
    if (folder) rmSync(folder, { recursive: true, force: true });
  }, { timeout: 60_000 });

  it('reads, expands and clicks tree rows (levels, expanded state)', async () => {
    const w = wb!;
    await w.openView('Explorer', 60_000);
    await w.treeItem('apps', { timeoutMs: 60_000 });
    let rows = await w.readTree();
    assert.deepEqual(rows.map((r) => [r.label, r.level, r.expanded]), [
      ['apps', 1, false],
      ['readme.txt', 1, undefined],
    ]);
    await w.expandTreeItem('apps');
    await w.expandTreeItem('nested');
    rows = await w.readTree();
    assert.deepEqual(rows.map((r) => [r.label, r.level, r.expanded]), [
      ['apps', 1, true],
      ['nested', 2, true],
      ['deep.txt', 3, undefined],
      ['port.json', 2, undefined],
      ['readme.txt', 1, undefined],
    ]);
    await w.collapseTreeItem('apps');
    await w.waitFor(async () => (await w.readTree()).map((r) => r.label).join() === 'apps,readme.txt', 10_000, 'collapsed rows');
  });

  it('opens a file from the tree, types, saves and reads the editor text', async () => {
    const w = wb!;
    await w.clickTreeItem('readme.txt');
    await w.waitForActiveEditor('readme.txt');
    assert.equal(await w.activeEditorText(), 'line one\nline two\n');
    assert.match(await w.activeEditorUri(), /readme\.txt$/);
    await w.typeInEditor('typed ');
    assert.equal((await w.activeEditorTab())?.dirty, true);
    await w.save();
    assert.equal(readFileSync(join(folder, 'readme.txt'), 'utf8'), 'typed line one\nline two\n');
    await w.replaceEditorText('{"exact": [1, 2]}\n');
    await w.waitForEditorText((t) => t.startsWith('{"exact": [1, 2]}'));
    await w.save();
    assert.equal(readFileSync(join(folder, 'readme.txt'), 'utf8'), '{"exact": [1, 2]}\n');
    await w.screenshot('harness-01-editor');
  });

  it('reads the status bar', async () => {
    const w = wb!;
    const items = await w.readStatusBar();
    assert.ok(items.length > 0);
    const problems = await w.readStatusBarItem('status.problems');
    assert.ok(problems, `items: ${JSON.stringify(items.map((i) => i.id))}`);
    assert.deepEqual(problems.icons.slice(0, 2), ['error', 'warning']);
    const eol = await w.waitForStatusBarItem('status.editor.eol');
    assert.equal(eol.text, 'LF');
  });
});
