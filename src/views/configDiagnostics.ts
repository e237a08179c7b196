/**
 * Problems of open `sso:` documents, updated as the user types: invalid JSON, not an object,
 * unknown / duplicate / missing field names, non-string values (or, for a document shown in a
 * one-field layout, what that layout cannot hold); while edits are blocked, a warning on the
 * first line saying why the document is read-only; and a hint on the first line saying how a
 * one-field layout is shown (or why it is not).
 */
import * as vscode from 'vscode';
import type { DocumentProblem } from '../model/configDocument';
import { layoutTitle } from '../model/configLayout';
import { SSO_SCHEME } from '../model/ssoUri';
import { onDidReallyCloseSsoDocument } from './ssoDocumentLanguage';
import { openSsoDocuments, type SsoFileSystemProvider } from './ssoFileSystem';

const DEBOUNCE_MS = 200;

export class ConfigDiagnostics implements vscode.Disposable {
  private readonly collection = vscode.languages.createDiagnosticCollection('entsso');
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly disposables: vscode.Disposable[] = [];

  constructor(private readonly provider: SsoFileSystemProvider) {
    this.disposables.push(
      this.collection,
      vscode.workspace.onDidOpenTextDocument((d) => this.update(d)),
      vscode.workspace.onDidChangeTextDocument((e) => this.schedule(e.document)),
      onDidReallyCloseSsoDocument((uri) => {
        this.collection.delete(uri);
        this.provider.forget(uri);
      }),
      provider.onDidRead((uri) => {
        const doc = openSsoDocuments().find((d) => d.uri.toString() === uri.toString());
        // The model is filled right after the read: validate once it is.
        if (doc) this.schedule(doc);
        else setTimeout(() => this.updateUri(uri), DEBOUNCE_MS);
      }),
      provider.onDidRefuse((e) => {
        const doc = openSsoDocuments().find((d) => d.uri.toString() === e.uri.toString());
        if (doc && doc.getText() === e.text) this.collection.set(doc.uri, this.toDiagnostics(doc, e.problems));
      }),
    );
    for (const d of openSsoDocuments()) this.update(d);
  }

  /** Re-evaluates every open document (e.g. when edits become blocked or allowed). */
  updateAll(): void {
    for (const d of openSsoDocuments()) this.update(d);
  }

  private updateUri(uri: vscode.Uri): void {
    const doc = openSsoDocuments().find((d) => d.uri.toString() === uri.toString());
    if (doc) this.update(doc);
  }

  private schedule(doc: vscode.TextDocument): void {
    if (doc.uri.scheme !== SSO_SCHEME) return;
    const key = doc.uri.toString();
    clearTimeout(this.timers.get(key));
    this.timers.set(
      key,
      setTimeout(() => {
        this.timers.delete(key);
        if (!doc.isClosed) this.update(doc);
      }, DEBOUNCE_MS),
    );
  }

  private update(doc: vscode.TextDocument): void {
    if (doc.uri.scheme !== SSO_SCHEME) return;
    const problems = this.provider.problemsIn(doc.uri, doc.getText()) ?? [];
    this.collection.set(doc.uri, this.toDiagnostics(doc, problems));
  }

  private toDiagnostics(doc: vscode.TextDocument, problems: DocumentProblem[]): vscode.Diagnostic[] {
    const out = problems.map((p) => {
      const start = doc.positionAt(p.start);
      const end = doc.positionAt(Math.max(p.end, p.start + 1));
      const d = new vscode.Diagnostic(new vscode.Range(start, end), p.message, p.severity === 'error' ? vscode.DiagnosticSeverity.Error : vscode.DiagnosticSeverity.Warning);
      d.source = 'Enterprise SSO';
      return d;
    });
    const layout = this.provider.layoutOf(doc.uri);
    const hint = layout.layout ? vscode.l10n.t('{0}. Keys may be added, changed or removed.', capitalize(layoutTitle(layout.layout))) : layout.notice;
    if (hint) out.unshift(this.firstLine(doc, hint, vscode.DiagnosticSeverity.Information, 'layout'));
    const block = this.provider.blockOf(doc.uri);
    if (block) out.unshift(this.firstLine(doc, block.plain, vscode.DiagnosticSeverity.Warning, 'read-only'));
    return out;
  }

  private firstLine(doc: vscode.TextDocument, message: string, severity: vscode.DiagnosticSeverity, code: string): vscode.Diagnostic {
    const first = doc.lineCount > 0 ? doc.lineAt(0).range : new vscode.Range(0, 0, 0, 0);
    const d = new vscode.Diagnostic(first.isEmpty ? new vscode.Range(0, 0, 0, 1) : first, message, severity);
    d.source = 'Enterprise SSO';
    d.code = code;
    return d;
  }

  dispose(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    for (const d of this.disposables) d.dispose();
  }
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
