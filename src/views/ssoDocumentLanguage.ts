/**
 * `sso:` documents have their own language, `entsso-config` (JSON highlighting through the
 * grammar in media/, our own validation in configDiagnostics.ts), so that package.json can turn
 * auto-save off for them alone (`configurationDefaults` → `"[entsso-config]": {"files.autoSave":
 * "off"}`; `files.autoSave` is language-overridable in VS Code 1.100). An auto-save would write
 * half-typed values, passwords included, to SSODB: a configuration is written only when the user
 * saves on purpose.
 *
 * Their paths end in `.json`, so VS Code first guesses `json`. The language is set before the
 * document is shown (VS Code caches each resource's auto-save setting when it first asks for it,
 * so the editor must never be seen as `json`), and again for documents opened any other way.
 */
import * as vscode from 'vscode';
import { SSO_SCHEME } from '../model/ssoUri';

const SSO_LANGUAGE_ID = 'entsso-config';

/** Opens an `sso:` document in its own language (without showing it). */
export async function openSsoDocument(uri: vscode.Uri): Promise<vscode.TextDocument> {
  const doc = await vscode.workspace.openTextDocument(uri);
  return inSsoLanguage(doc);
}

async function inSsoLanguage(doc: vscode.TextDocument): Promise<vscode.TextDocument> {
  if (doc.uri.scheme !== SSO_SCHEME || doc.languageId === SSO_LANGUAGE_ID || doc.isClosed) return doc;
  return vscode.languages.setTextDocumentLanguage(doc, SSO_LANGUAGE_ID);
}

/** Puts every `sso:` document opened from now on (restored editors, "Open Recent", links) in its own language. */
export function keepSsoDocumentsInTheirLanguage(log: vscode.LogOutputChannel): vscode.Disposable {
  const apply = (doc: vscode.TextDocument) => {
    inSsoLanguage(doc).then(undefined, () => log.warn(`Could not set the language of ${doc.uri.path}: auto-save may apply to it.`));
  };
  for (const doc of vscode.workspace.textDocuments) apply(doc);
  return vscode.workspace.onDidOpenTextDocument(apply);
}

/**
 * VS Code reports a language change as the document closing and opening again at once; what is
 * kept about a document must survive that, so closing is acted on only if it is still closed a
 * moment later.
 */
export function onDidReallyCloseSsoDocument(listener: (uri: vscode.Uri) => void): vscode.Disposable {
  return vscode.workspace.onDidCloseTextDocument((closed) => {
    if (closed.uri.scheme !== SSO_SCHEME) return;
    const key = closed.uri.toString();
    setTimeout(() => {
      if (!vscode.workspace.textDocuments.some((d) => d.uri.toString() === key && !d.isClosed)) listener(closed.uri);
    }, 0);
  });
}
