// Runs inside VS Code's extension host (mocha, tdd UI) with the real `vscode` API.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';

const EXTENSION_ID = 'ssotools.entsso-explorer';

interface Manifest {
  contributes: {
    commands: Array<{ command: string; title: string }>;
    views: Record<string, Array<{ id: string }>>;
  };
}

suite('Extension host: activation', () => {
  let extension: vscode.Extension<unknown>;

  suiteSetup(async () => {
    const found = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(found, `${EXTENSION_ID} is not loaded; extensions: ${vscode.extensions.all.map((e) => e.id).join(', ')}`);
    extension = found;
    // The runner may start before the extension activated (it activates on demand): do it explicitly.
    await extension.activate();
  });

  test('the extension is active', () => {
    assert.equal(extension.isActive, true);
  });

  test('the core commands are registered', async () => {
    const commands = await vscode.commands.getCommands(true);
    for (const id of ['entsso.connect', 'entsso.refresh', 'entsso.checkHealth', 'entsso.showLog']) {
      assert.ok(commands.includes(id), `command ${id} is not registered`);
    }
  });

  test('every command contributed in package.json has a handler', async () => {
    const manifest = extension.packageJSON as Manifest;
    const registered = new Set(await vscode.commands.getCommands(true));
    const missing = manifest.contributes.commands.map((c) => c.command).filter((id) => !registered.has(id));
    assert.deepEqual(missing, [], `contributed but not registered: ${missing.join(', ')}`);
  });

  test('the Applications view is contributed to the Enterprise SSO container', () => {
    const manifest = extension.packageJSON as Manifest;
    assert.ok(manifest.contributes.views.entsso?.some((v) => v.id === 'entsso.applications'));
  });

  test('"SSO: Show Log" runs without error', async () => {
    await vscode.commands.executeCommand('entsso.showLog');
  });
});
