/**
 * Completion, hover and quick fixes in `sso:` documents, from the field list of the document's
 * application (the same schema the diagnostics and the save check use).
 *
 * Registered for the `sso` scheme rather than through VS Code's JSON language features: those
 * attach a schema by a file pattern fixed in package.json (`jsonValidation`) or by the user's
 * `json.schemas` setting, and every application has its own fields, so a per-application schema
 * would mean writing the user's settings. This also works whatever language id the documents have.
 */
import * as vscode from 'vscode';
import type { DocumentProblem, DocumentSchema } from '../model/configDocument';
import { fieldDescription, fieldsToComplete, keyAt, keyRangeAt, quoteValueEdit, removePropertyEdit, type TextEdit } from '../model/editorHelp';
import { parseSsoUri, SSO_SCHEME } from '../model/ssoUri';
import type { SsoFileSystemProvider } from './ssoFileSystem';

const SELECTOR: vscode.DocumentSelector = { scheme: SSO_SCHEME };

/** What the "Add to the application" quick fix passes to "Add Fields…". */
interface AddFieldsRequest {
  readonly kind: 'addFieldsRequest';
  readonly environment: string;
  readonly application: string;
  readonly fields: string;
}

export function isAddFieldsRequest(arg: unknown): arg is AddFieldsRequest {
  return typeof arg === 'object' && arg !== null && (arg as AddFieldsRequest).kind === 'addFieldsRequest';
}

export function registerConfigEditorHelp(provider: SsoFileSystemProvider): vscode.Disposable[] {
  return [
    vscode.languages.registerCompletionItemProvider(SELECTOR, new FieldCompletion(provider), '"'),
    vscode.languages.registerHoverProvider(SELECTOR, new FieldHover(provider)),
    vscode.languages.registerCodeActionsProvider(SELECTOR, new ConfigQuickFixes(provider), { providedCodeActionKinds: [vscode.CodeActionKind.QuickFix] }),
  ];
}

/** The field schema of a document shown field by field (a key/values layout has its own keys). */
function fieldSchema(provider: SsoFileSystemProvider, doc: vscode.TextDocument): DocumentSchema | undefined {
  if (provider.layoutOf(doc.uri).layout) return undefined;
  return provider.schemaFor(doc.uri);
}

class FieldCompletion implements vscode.CompletionItemProvider {
  constructor(private readonly provider: SsoFileSystemProvider) {}

  provideCompletionItems(doc: vscode.TextDocument, position: vscode.Position): vscode.CompletionItem[] | undefined {
    const schema = fieldSchema(this.provider, doc);
    if (!schema) return undefined;
    const text = doc.getText();
    const range = keyRangeAt(text, doc.offsetAt(position));
    if (!range) return undefined;
    const replace = new vscode.Range(doc.positionAt(range.start), doc.positionAt(range.end));
    return fieldsToComplete(text, schema).map((label, i) => {
      const item = new vscode.CompletionItem(label, vscode.CompletionItemKind.Field);
      item.insertText = new vscode.SnippetString(`${JSON.stringify(label)}: "$1"`);
      item.range = replace;
      // The quote typed before the name is part of what is matched.
      item.filterText = `"${label}"`;
      item.sortText = String(i).padStart(4, '0');
      item.detail = schema.masked.includes(label) ? vscode.l10n.t('masked field') : vscode.l10n.t('field');
      item.documentation = fieldDescription(schema, label);
      return item;
    });
  }
}

class FieldHover implements vscode.HoverProvider {
  constructor(private readonly provider: SsoFileSystemProvider) {}

  provideHover(doc: vscode.TextDocument, position: vscode.Position): vscode.Hover | undefined {
    const schema = fieldSchema(this.provider, doc);
    if (!schema) return undefined;
    const key = keyAt(doc.getText(), doc.offsetAt(position));
    const description = key && fieldDescription(schema, key.key);
    if (!key || !description) return undefined;
    return new vscode.Hover(description, new vscode.Range(doc.positionAt(key.start), doc.positionAt(key.end)));
  }
}

class ConfigQuickFixes implements vscode.CodeActionProvider {
  constructor(private readonly provider: SsoFileSystemProvider) {}

  provideCodeActions(doc: vscode.TextDocument, range: vscode.Range | vscode.Selection): vscode.CodeAction[] {
    const schema = fieldSchema(this.provider, doc);
    const problems = schema ? (this.provider.problemsIn(doc.uri, doc.getText()) ?? []) : [];
    const start = doc.offsetAt(range.start);
    const end = doc.offsetAt(range.end);
    const touched = problems.filter((p) => p.fix && p.start <= end && p.end >= start);
    return touched.flatMap((p) => this.actionsFor(doc, schema as DocumentSchema, p));
  }

  private actionsFor(doc: vscode.TextDocument, schema: DocumentSchema, problem: DocumentProblem): vscode.CodeAction[] {
    const fix = problem.fix;
    const text = doc.getText();
    if (fix?.kind === 'not-a-string') {
      return [this.editAction(vscode.l10n.t('Put the value of "{0}" in double quotes', fix.label), doc, quoteValueEdit(text, problem.start, problem.end), problem, true)];
    }
    if (fix?.kind !== 'unknown-field') return [];
    const remove = this.editAction(vscode.l10n.t('Remove "{0}" from the document', fix.key), doc, removePropertyEdit(text, fix.propertyStart, fix.propertyEnd), problem, false);
    const path = parseSsoUri(doc.uri);
    if (!path?.application) return [remove];
    const add = new vscode.CodeAction(vscode.l10n.t('Add field "{0}" to application "{1}"…', fix.key, schema.application), vscode.CodeActionKind.QuickFix);
    const request: AddFieldsRequest = { kind: 'addFieldsRequest', environment: path.environment, application: schema.application, fields: fix.key };
    add.command = { command: 'entsso.addFields', title: vscode.l10n.t('Add Fields…'), arguments: [request] };
    add.diagnostics = [this.diagnosticOf(doc, problem)];
    add.isPreferred = true;
    return [add, remove];
  }

  private editAction(title: string, doc: vscode.TextDocument, edit: TextEdit, problem: DocumentProblem, preferred: boolean): vscode.CodeAction {
    const action = new vscode.CodeAction(title, vscode.CodeActionKind.QuickFix);
    action.edit = new vscode.WorkspaceEdit();
    action.edit.replace(doc.uri, new vscode.Range(doc.positionAt(edit.start), doc.positionAt(edit.end)), edit.newText);
    action.diagnostics = [this.diagnosticOf(doc, problem)];
    action.isPreferred = preferred;
    return action;
  }

  private diagnosticOf(doc: vscode.TextDocument, problem: DocumentProblem): vscode.Diagnostic {
    return new vscode.Diagnostic(new vscode.Range(doc.positionAt(problem.start), doc.positionAt(problem.end)), problem.message, vscode.DiagnosticSeverity.Error);
  }
}
