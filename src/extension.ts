import * as vscode from 'vscode';

// Placeholder wiring until the SSO explorer lands: registers the contributed commands so the
// activity bar container, the welcome view and the palette work in real VS Code.
export function activate(context: vscode.ExtensionContext): void {
  const log = vscode.window.createOutputChannel('Enterprise SSO', { log: true });
  context.subscriptions.push(
    log,
    vscode.commands.registerCommand('entsso.connect', async () => {
      log.info('connect requested');
      await vscode.window.showInformationMessage('Enterprise SSO: connecting is not available yet.');
    }),
    vscode.commands.registerCommand('entsso.refresh', () => undefined),
    vscode.commands.registerCommand('entsso.checkHealth', () => undefined),
    vscode.commands.registerCommand('entsso.showLog', () => log.show()),
  );
  void vscode.commands.executeCommand('setContext', 'entsso.connected', false);
}

export function deactivate(): void {}
