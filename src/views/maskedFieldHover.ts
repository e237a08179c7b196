/**
 * Hovering a masked field of an `sso:` document says whether it holds a value (never the value)
 * and how to keep, replace or clear it: the placeholder alone cannot tell "set" from "empty".
 */
import * as vscode from 'vscode';
import { fieldAt, maskedFieldHover } from '../model/configDocument';
import { SSO_SCHEME } from '../model/ssoUri';
import type { SsoFileSystemProvider } from './ssoFileSystem';

export function registerMaskedFieldHover(provider: SsoFileSystemProvider): vscode.Disposable {
  return vscode.languages.registerHoverProvider(
    { scheme: SSO_SCHEME },
    {
      provideHover(document, position) {
        const schema = provider.schemaFor(document.uri);
        if (!schema) return undefined;
        const text = document.getText();
        const field = fieldAt(text, document.offsetAt(position));
        const message = field && maskedFieldHover(schema, field.label);
        if (!field || !message) return undefined;
        return new vscode.Hover(new vscode.MarkdownString(message), new vscode.Range(document.positionAt(field.start), document.positionAt(field.end)));
      },
    },
  );
}
