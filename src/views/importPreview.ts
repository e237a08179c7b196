/**
 * Read-only virtual documents on the `sso-import:` scheme, for VS Code's diff editor: what SSO
 * holds now against what it would hold after an import, before anything is applied. The text
 * lives only in memory (masked values are placeholders from the service) and is dropped when
 * the documents close.
 */
import * as vscode from 'vscode';
import type { PlanSides } from '../model/importPreview';

export const IMPORT_PREVIEW_SCHEME = 'sso-import';

export interface ShownPreview {
  /** Closes the diff editor (e.g. once the import was applied and the preview is history). */
  close(): Promise<void>;
}

export class ImportPreviewProvider implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly texts = new Map<string, string>();
  private sequence = 0;
  private readonly disposables: vscode.Disposable[];

  constructor() {
    this.disposables = [
      vscode.workspace.registerTextDocumentContentProvider(IMPORT_PREVIEW_SCHEME, this),
      vscode.workspace.onDidCloseTextDocument((d) => {
        if (d.uri.scheme === IMPORT_PREVIEW_SCHEME) this.texts.delete(d.uri.toString());
      }),
    ];
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.texts.get(uri.toString()) ?? 'This import preview is no longer available: run "SSO: Import Applications…" again.\n';
  }

  /** Opens the diff editor on the two sides; the title says what is compared. */
  async show(sides: PlanSides, title: string): Promise<ShownPreview> {
    const id = ++this.sequence;
    const before = vscode.Uri.from({ scheme: IMPORT_PREVIEW_SCHEME, path: `/${id}/in SSO now.json` });
    const after = vscode.Uri.from({ scheme: IMPORT_PREVIEW_SCHEME, path: `/${id}/after the import.json` });
    this.texts.set(before.toString(), sides.before);
    this.texts.set(after.toString(), sides.after);
    await vscode.commands.executeCommand('vscode.diff', before, after, title, { preview: false });
    return { close: () => closeDiff(after) };
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
    this.texts.clear();
  }
}

async function closeDiff(modified: vscode.Uri): Promise<void> {
  const tabs = vscode.window.tabGroups.all.flatMap((g) => g.tabs).filter((t) => t.input instanceof vscode.TabInputTextDiff && t.input.modified.toString() === modified.toString());
  if (tabs.length > 0) await vscode.window.tabGroups.close(tabs);
}
