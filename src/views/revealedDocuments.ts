/**
 * Revealed masked values are shown in a read-only document of their own, `sso-revealed:`, beside
 * the editable `sso:` one and never in it. A text model's undo stack keeps every text it held
 * (across a close and reopen too, most likely because the extension host's reference keeps a
 * closed tab's model alive for a while: files.restoreUndoStack does not cover `sso:`), so a
 * revealed value loaded into the editable model came back with Ctrl+Z after a hide, dirty, and
 * VS Code then wrote it to its backups. A content provider's document cannot be edited, undone
 * or dirty, so it is never backed up.
 *
 * The text is kept in memory only while its document is shown: it is dropped when its tab
 * closes, on "Hide Masked Fields" (which closes the tab) and when the environment changes. It is
 * a snapshot, so it also closes when its configuration is written or deleted, or when the last
 * tab of its `sso:` document closes: a later Reveal reads the values as they are then. Asked for
 * it again later (a reopened tab), the provider says to reveal again: it never reads again by
 * itself, since every read of masked values is confirmed and audited.
 */
import { randomUUID } from 'node:crypto';
import * as vscode from 'vscode';
import { sameSsoDocument } from '../model/ssoUri';

export const REVEALED_SCHEME = 'sso-revealed';

interface Shown {
  text: string;
  /** The `sso:` document the values belong to. */
  source: vscode.Uri;
  /** False until the tab was shown: a tab change before that does not drop the text. */
  opened: boolean;
}

export class RevealedDocuments implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly shown = new Map<string, Shown>();
  private readonly changeEmitter = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changeEmitter.event;
  private readonly disposables: vscode.Disposable[];

  constructor(private readonly log: vscode.LogOutputChannel) {
    this.disposables = [
      vscode.workspace.registerTextDocumentContentProvider(REVEALED_SCHEME, this),
      vscode.window.tabGroups.onDidChangeTabs(() => this.dropClosed()),
      vscode.workspace.onDidCloseTextDocument((d) => {
        if (d.uri.scheme === REVEALED_SCHEME) this.shown.delete(d.uri.toString());
      }),
      this.changeEmitter,
    ];
  }

  dispose(): void {
    this.shown.clear();
    for (const d of this.disposables) d.dispose();
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.shown.get(uri.toString())?.text ?? vscode.l10n.t('Closed. Run "SSO: Reveal Masked Fields" again.');
  }

  /** The revealed document of the `sso:` document `source`, when one is shown. */
  revealedOf(source: vscode.Uri): vscode.Uri | undefined {
    const key = source.toString();
    const found = [...this.shown].find(([, s]) => s.source.toString() === key);
    return found ? vscode.Uri.parse(found[0]) : undefined;
  }

  /** Shows `text` (the revealed values of `source`) read-only beside it. */
  async show(source: vscode.Uri, text: string): Promise<void> {
    const uri = revealedUri(source);
    const entry: Shown = { text, source, opened: false };
    this.shown.set(uri.toString(), entry);
    try {
      const doc = await vscode.workspace.openTextDocument(uri);
      await vscode.window.showTextDocument(doc, { viewColumn: vscode.ViewColumn.Beside, preview: false });
      entry.opened = true;
    } catch (err) {
      this.drop(uri.toString());
      throw err;
    }
  }

  /** Closes the revealed document of `uri` (an `sso:` document or the revealed one itself); false when none is shown. */
  async hide(uri: vscode.Uri): Promise<boolean> {
    const key = uri.toString();
    const keys = [...this.shown].filter(([k, s]) => k === key || s.source.toString() === key).map(([k]) => k);
    await this.close(keys);
    return keys.length > 0;
  }

  /** Closes the revealed documents of the configuration `source` names, by whatever URI (it was written or deleted: they are out of date). */
  async hideConfiguration(source: vscode.Uri): Promise<void> {
    await this.close([...this.shown].filter(([, s]) => sameSsoDocument(s.source, source)).map(([k]) => k));
  }

  /** Closes every revealed document (the environment changed: its values are not for the next one). */
  async hideAll(): Promise<void> {
    await this.close([...this.shown.keys()]);
  }

  private async close(keys: string[]): Promise<void> {
    const set = new Set(keys);
    const tabs = vscode.window.tabGroups.all.flatMap((g) => g.tabs).filter((t) => set.has(tabUri(t) ?? ''));
    for (const k of keys) this.drop(k);
    if (tabs.length) await vscode.window.tabGroups.close(tabs);
  }

  /** Drops the text of a closed revealed tab, and closes a revealed tab whose source has no tab left. */
  private dropClosed(): void {
    const open = new Set(vscode.window.tabGroups.all.flatMap((g) => g.tabs).map((t) => (t.input instanceof vscode.TabInputText ? t.input.uri.toString() : undefined)));
    const orphans: string[] = [];
    for (const [key, s] of this.shown) {
      if (!s.opened) continue;
      if (!open.has(key)) this.drop(key);
      else if (!open.has(s.source.toString())) orphans.push(key);
    }
    if (orphans.length) this.close(orphans).catch((err: unknown) => this.log.warn(`Revealed tab not closed (${err instanceof Error ? err.name : typeof err}).`));
  }

  /** Forgets the text and makes a model that is still alive (a closed tab's, for a while) show the notice instead. */
  private drop(key: string): void {
    if (!this.shown.delete(key)) return;
    this.log.info('Revealed values dropped.');
    this.changeEmitter.fire(vscode.Uri.parse(key));
  }
}

function tabUri(tab: vscode.Tab): string | undefined {
  return tab.input instanceof vscode.TabInputText && tab.input.uri.scheme === REVEALED_SCHEME ? tab.input.uri.toString() : undefined;
}

/**
 * `sso-revealed:` + the document's path, named "… (revealed).json"; a random id makes each reveal
 * a new document, also after an extension-host restart (whose workbench may keep an old model).
 */
function revealedUri(source: vscode.Uri): vscode.Uri {
  const query = new URLSearchParams(source.query);
  query.set('revealed', randomUUID());
  return source.with({ scheme: REVEALED_SCHEME, path: source.path.replace(/\.json$/, ' (revealed).json'), query: query.toString() });
}
