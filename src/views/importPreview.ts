/**
 * Read-only virtual documents on the `sso-import:` scheme, for VS Code's diff editor: what SSO
 * holds now against what it would hold after an import, before anything is applied. The text
 * lives only in memory (masked values are placeholders from the service) and is dropped when
 * the documents close.
 *
 * While a comparison waits for a decision, the context key `entsso.importPreviewPending` puts
 * Apply / Discard in the diff editor's title bar (package.json, editor/title): the user reviews
 * the whole diff, scrolls, closes and reopens nothing, and decides there. Closing the comparison
 * discards the import, and the password it holds goes with it.
 */
import * as vscode from 'vscode';
import type { PlanSides } from '../model/importPreview';

export const IMPORT_PREVIEW_SCHEME = 'sso-import';

const PENDING_CONTEXT_KEY = 'entsso.importPreviewPending';

interface ShownPreview {
  /** Closes the diff editor (e.g. once the import was applied and the preview is history). */
  close(): Promise<void>;
}

/** What Apply does for one comparison; kept only while the comparison is open. */
export interface PendingImport {
  readonly title: string;
  apply(): Promise<void>;
}

export class ImportPreviewProvider implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly texts = new Map<string, string>();
  private readonly pending = new Map<string, PendingImport>();
  private sequence = 0;
  private readonly disposables: vscode.Disposable[];

  constructor() {
    this.disposables = [
      vscode.workspace.registerTextDocumentContentProvider(IMPORT_PREVIEW_SCHEME, this),
      vscode.workspace.onDidCloseTextDocument((d) => {
        if (d.uri.scheme === IMPORT_PREVIEW_SCHEME) this.texts.delete(d.uri.toString());
      }),
      vscode.window.tabGroups.onDidChangeTabs(() => this.dropClosedPreviews()),
    ];
  }

  /** The import waiting for a decision in the comparison showing `uri` (either side). */
  pendingFor(uri: vscode.Uri | undefined): { id: string; pending: PendingImport } | undefined {
    const id = uri?.scheme === IMPORT_PREVIEW_SCHEME ? previewId(uri) : undefined;
    const pending = id !== undefined ? this.pending.get(id) : undefined;
    return id !== undefined && pending ? { id, pending } : undefined;
  }

  /** The only import waiting for a decision, when there is exactly one (for the palette and toasts). */
  onlyPending(): { id: string; pending: PendingImport } | undefined {
    if (this.pending.size !== 1) return undefined;
    const [id, pending] = [...this.pending][0] as [string, PendingImport];
    return { id, pending };
  }

  /** Takes the decision away from the comparison (Apply / Discard leave its title bar): one decision per import. */
  take(id: string): void {
    this.pending.delete(id);
    this.updateContext();
  }

  /** Offers the decision again after a refused Apply, while its comparison is still open. */
  putBack(id: string, pending: PendingImport): void {
    if (!isDiffOpen(afterUri(id))) return;
    this.pending.set(id, pending);
    this.updateContext();
  }

  /** Closes a comparison (once its import was applied or discarded). */
  async close(id: string): Promise<void> {
    await closeDiff(afterUri(id));
  }

  private dropClosedPreviews(): void {
    const open = new Set(
      vscode.window.tabGroups.all
        .flatMap((g) => g.tabs)
        .map((t) => (t.input instanceof vscode.TabInputTextDiff && t.input.modified.scheme === IMPORT_PREVIEW_SCHEME ? previewId(t.input.modified) : undefined))
        .filter((id): id is string => id !== undefined),
    );
    let changed = false;
    for (const id of this.pending.keys()) {
      if (!open.has(id)) changed = this.pending.delete(id) || changed;
    }
    if (changed) this.updateContext();
  }

  private updateContext(): void {
    void vscode.commands.executeCommand('setContext', PENDING_CONTEXT_KEY, this.pending.size > 0);
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.texts.get(uri.toString()) ?? `${vscode.l10n.t('This import preview is no longer available: run "SSO: Import Applications…" again.')}\n`;
  }

  /**
   * Opens the diff editor on the two sides; the title says what is compared. With `pending`,
   * the comparison offers Apply / Discard until one is chosen or it is closed.
   */
  async show(sides: PlanSides, title: string, pending?: PendingImport): Promise<ShownPreview & { id: string }> {
    const id = String(++this.sequence);
    const before = vscode.Uri.from({ scheme: IMPORT_PREVIEW_SCHEME, path: `/${id}/in SSO now.json` });
    const after = afterUri(id);
    this.texts.set(before.toString(), sides.before);
    this.texts.set(after.toString(), sides.after);
    await vscode.commands.executeCommand('vscode.diff', before, after, title, { preview: false });
    // Only now: a tab change seen before the comparison's tab exists would drop it.
    if (pending) {
      this.pending.set(id, pending);
      this.updateContext();
    }
    return { id, close: () => closeDiff(after) };
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
    this.texts.clear();
    this.pending.clear();
  }
}

function afterUri(id: string): vscode.Uri {
  return vscode.Uri.from({ scheme: IMPORT_PREVIEW_SCHEME, path: `/${id}/after the import.json` });
}

function previewId(uri: vscode.Uri): string | undefined {
  return /^\/(\d+)\//.exec(uri.path)?.[1];
}

function diffTabs(modified: vscode.Uri): vscode.Tab[] {
  return vscode.window.tabGroups.all.flatMap((g) => g.tabs).filter((t) => t.input instanceof vscode.TabInputTextDiff && t.input.modified.toString() === modified.toString());
}

function isDiffOpen(modified: vscode.Uri): boolean {
  return diffTabs(modified).length > 0;
}

async function closeDiff(modified: vscode.Uri): Promise<void> {
  const tabs = diffTabs(modified);
  if (tabs.length > 0) await vscode.window.tabGroups.close(tabs);
}
