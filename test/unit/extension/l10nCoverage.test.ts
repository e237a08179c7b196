/**
 * Every text the views, commands, model and connection show goes through `l10n.t` (issue 17):
 * `vscode.l10n.t` in views and commands, `@vscode/l10n`'s in model and connection (which may not
 * import vscode), and none of them runs when a module loads. The source of
 * each folder of L10N_FOLDERS is parsed with the TypeScript compiler API, and a string or template
 * literal with letters that reaches something VS Code shows, outside `l10n.t(…)`, is a finding
 * named by file:line. What reaches a place is followed through conditionals, `+`, `??`, template
 * parts, arrays and `.join`/`.map`, what is pushed into an array (`.push`/`.unshift`), `for … of`,
 * local constants, module-level constants of these folders, the return values of the folders' own
 * functions and the fields of their own interfaces named as a text (`d.what` stands for every `what: '…'` written
 * in these folders). The places (sinks):
 * - arguments of show{Information,Warning,Error}Message (message and buttons), showQuickPick's
 *   items, createWebviewPanel's title, `new MarkdownString(…)`, `new TreeItem(label)`, and the
 *   placeholder arguments of `l10n.t` itself (an English word inserted into a translated sentence);
 * - arguments given to a parameter named as a text (title, prompt, message, detail, button, …)
 *   of a function or class of these folders (so wrappers such as confirmModal, withBusyIndicator
 *   and UserFacingError count as what they wrap);
 * - object properties named as a text (label, description, detail, placeHolder, prompt, title,
 *   tooltip, validationMessage, message, …: QuickPick items and options, input boxes, modal
 *   options, withProgress and progress.report, accessibility labels, command buttons), and the
 *   return values of a `validate`/`validateInput` function;
 * - assignments to such a property (`item.description = …`, `statusBarItem.text = …`), and the
 *   fixed text of a webview's `html` (outside tags, styles and scripts);
 * - what the folders' exported functions named for a shown text return (…Lines, …Html, …Details:
 *   a report, a tooltip's lines, the lines the CLI prints).
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import ts from 'typescript';

const ROOT = join(__dirname, '..', '..', '..');

/** The folders checked: views and commands (vscode.l10n), model and connection (@vscode/l10n, which may not import vscode). */
export const L10N_FOLDERS = ['src/views', 'src/commands', 'src/model', 'src/connection'];

/**
 * Texts that are shown but must not be translated, matched against the whole fixed text (the
 * literal with each `${…}` as {}): each with the reason.
 */
const NOT_TRANSLATED: Array<{ text: RegExp; why: string }> = [
  // The product's name, as Microsoft writes it in every language (also the status bar item's name).
  { text: /^Enterprise SSO$/, why: 'product name' },
  // Stable codes (ENTSSO_E_CONFLICT, OTHER_ENVIRONMENT): identifiers that the code maps to a text.
  { text: /^[A-Z][A-Z0-9]*(_[A-Z0-9]+)+$/, why: 'error or reason code' },
  // The environment name Connect proposes: a name the user keeps or types over, like "prod".
  { text: /^dev$/, why: 'default environment name' },
  // What people type into the Audit Log filter (op:, who:, since:, outcome:refused): the service's words.
  { text: /^(op|who|since|until|outcome|ok|refused|failed)$/, why: 'audit filter keyword or outcome' },
  // The .NET configuration element and the XML attributes written into a document, not shown as prose.
  { text: /^appSettings$/, why: 'XML element name' },
  { text: /^(key|value)=\{\}/, why: 'XML attribute written into the document' },
  // An application's flag names as BizTalk's tools print them (shown as code: `0x… (enabled, adapter)`).
  { text: /^(enabled|group mapping|allow local accounts|admin same as user group|config store|adapter)$/, why: 'BizTalk flag name' },
  { text: /^0x\{\}/, why: 'hexadecimal number' },
  // A command link built around translated words (the words go through l10n.t; the link does not, so a
  // translation can never place a command link), and the command ids such links name.
  { text: /^\[\{\}\{\}\]\(command:\{\}\)$/, why: 'command link markup' },
  { text: /^entsso\.[A-Za-z]+$/, why: 'command id' },
];

/**
 * Findings in files another engineer is editing at the same time (this branch may not touch them):
 * printed on every run and required to still be there, so the entry goes once the file is fixed.
 */
const OPEN_ELSEWHERE: Array<{ finding: string; why: string }> = [
];

/** Object properties and assigned properties whose value VS Code shows. */
const TEXT_PROPERTIES = new Set([
  'label', 'description', 'detail', 'placeHolder', 'placeholder', 'prompt', 'title', 'tooltip', 'text',
  'validationMessage', 'message', 'saveLabel', 'openLabel', 'info', 'warning', 'reason',
]);
/** Parameter names of the folders' own functions that take a text shown to the user. */
const TEXT_PARAMETERS = new Set([
  'title', 'prompt', 'message', 'detail', 'button', 'placeHolder', 'placeholder', 'label', 'description',
  'tooltip', 'text', 'reason', 'what', 'question',
]);
/** VS Code API calls whose arguments (all, or those at these positions) are shown. */
const SHOWN_ARGUMENTS: Record<string, number[] | 'all'> = {
  showInformationMessage: 'all',
  showWarningMessage: 'all',
  showErrorMessage: 'all',
  showQuickPick: [0],
  setStatusBarMessage: [0],
  createWebviewPanel: [1],
  MarkdownString: [0],
  appendMarkdown: [0],
  appendText: [0],
  TreeItem: [0],
  Diagnostic: [1],
  CodeAction: [0],
  // vscode.FileSystemError's factories: VS Code shows their message (e.g. "Failed to save").
  FileNotFound: [0],
  FileExists: [0],
  FileNotADirectory: [0],
  FileIsADirectory: [0],
  NoPermissions: [0],
  Unavailable: [0],
  // A typed error thrown by a command: the command runner shows its message.
  SsoError: [1],
};
/** Calls that keep the text of what they are called on (and of what their callbacks return). */
const TEXT_PRESERVING_METHODS = new Set(['join', 'map', 'flatMap', 'filter', 'concat', 'trim', 'slice', 'replace', 'toString', 'padEnd', 'padStart']);

interface Finding {
  file: string;
  line: number;
  text: string;
  where: string;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return name.endsWith('.ts') ? [path] : [];
  });
}

function nameOf(node: ts.Node | undefined): string | undefined {
  if (!node) return undefined;
  if (ts.isIdentifier(node) || ts.isStringLiteral(node) || ts.isPrivateIdentifier(node)) return node.text;
  if (ts.isPropertyAccessExpression(node)) return node.name.text;
  return undefined;
}

function isL10nCall(node: ts.Node): boolean {
  if (!ts.isCallExpression(node) || !ts.isPropertyAccessExpression(node.expression) || node.expression.name.text !== 't') return false;
  return nameOf(node.expression.expression) === 'l10n';
}

/** The literal's text with each `${…}` as {}, codicons such as $(sync~spin) taken out. */
function fixedText(node: ts.StringLiteral | ts.NoSubstitutionTemplateLiteral | ts.TemplateExpression): string {
  if (!ts.isTemplateExpression(node)) return node.text;
  return node.head.text + node.templateSpans.map((s) => `{}${s.literal.text}`).join('');
}

const CODICON = /\$\([a-z0-9-]+(~[a-z]+)?\)/g;
const hasLetters = (text: string) => /\p{L}/u.test(text.replace(CODICON, ''));

const MARKUP_TAG = /<\/?[A-Za-z][^<>]*>/g;

/** The visible text of HTML: without tags, styles, scripts and entities. */
function htmlText(html: string): string {
  return html
    .replace(/<(style|script)\b[^>]*>[\s\S]*?<\/\1>/gi, ' ')
    .replace(/<[^>]*>/g, ' ')
    .replace(/&[a-z]+;|&#\d+;/gi, ' ');
}

/** A parameter typed as a union of string literals ('name' | 'identifier') takes a key, not a text. */
function isKeyType(type: ts.TypeNode | undefined): boolean {
  const literal = (t: ts.TypeNode) => ts.isLiteralTypeNode(t) && ts.isStringLiteral(t.literal);
  return type !== undefined && (literal(type) || (ts.isUnionTypeNode(type) && type.types.every(literal)));
}

type Callable = ts.FunctionDeclaration | ts.ArrowFunction | ts.FunctionExpression | ts.MethodDeclaration | ts.ConstructorDeclaration;

/** Exported functions whose name says they build a shown text (comparisonLines, comparisonReportHtml, auditEntryDetails). */
const SHOWN_TEXT_FUNCTION = /(Lines|Html|Details)$/;

/** Calls that add their arguments to the array they are called on. */
const ARRAY_ADDING_METHODS = new Set(['push', 'unshift']);

/** The folders' own functions, methods and classes (constructors) by name, for parameter names and return values. */
function collectCallables(files: ts.SourceFile[]): Map<string, Callable[]> {
  const byName = new Map<string, Callable[]>();
  const add = (name: string | undefined, fn: Callable) => {
    if (name) byName.set(name, [...(byName.get(name) ?? []), fn]);
  };
  const visit = (node: ts.Node): void => {
    if (ts.isFunctionDeclaration(node) || ts.isMethodDeclaration(node)) add(nameOf(node.name), node);
    else if (ts.isVariableDeclaration(node) && node.initializer && (ts.isArrowFunction(node.initializer) || ts.isFunctionExpression(node.initializer))) add(nameOf(node.name), node.initializer);
    else if (ts.isClassDeclaration(node)) {
      const ctor = node.members.find(ts.isConstructorDeclaration);
      if (ctor) add(nameOf(node.name), ctor);
    }
    ts.forEachChild(node, visit);
  };
  for (const f of files) visit(f);
  return byName;
}

/**
 * The folders' module-level constants by name (`export const LABEL = '…'`), so that a text
 * imported from another file of these folders is followed to its literal.
 */
function collectConstants(files: ts.SourceFile[]): Map<string, ts.Expression[]> {
  const byName = new Map<string, ts.Expression[]>();
  for (const file of files) {
    for (const statement of file.statements) {
      if (!ts.isVariableStatement(statement)) continue;
      for (const d of statement.declarationList.declarations) {
        const name = nameOf(d.name);
        if (name && d.initializer && !ts.isFunctionLike(d.initializer)) byName.set(name, [...(byName.get(name) ?? []), d.initializer]);
      }
    }
  }
  return byName;
}

/**
 * The fields of the folders' own interfaces and type literals named as a text, each with the values written into
 * it in an object literal of these folders (`{ what: 'field order', … }`), so that reading the
 * field (`d.what`) is followed to them.
 */
function collectFields(files: ts.SourceFile[]): Map<string, ts.Expression[]> {
  const declared = new Set<string>();
  const written = new Map<string, ts.Expression[]>();
  const visit = (node: ts.Node): void => {
    if (ts.isPropertySignature(node) && ts.isTypeElement(node)) {
      const name = nameOf(node.name);
      if (name) declared.add(name);
    } else if (ts.isPropertyAssignment(node)) {
      const name = nameOf(node.name);
      if (name) written.set(name, [...(written.get(name) ?? []), node.initializer]);
    }
    ts.forEachChild(node, visit);
  };
  for (const f of files) visit(f);
  // Only fields named as a text (`what`): a key such as `kind` or `value` is read everywhere under the same name.
  return new Map([...written].filter(([name]) => declared.has(name) && TEXT_PARAMETERS.has(name) && !TEXT_PROPERTIES.has(name)));
}

/**
 * Getters that answer a translated word (`get identifierNoun() { return l10n.t('port configuration'); }`):
 * such a word given as a placeholder to another sentence makes translators guess its gender and case.
 */
function collectWordGetters(files: ts.SourceFile[]): Set<string> {
  const found = new Set<string>();
  const visit = (node: ts.Node): void => {
    if (ts.isGetAccessorDeclaration(node) && node.name && returnedExpressions(node as unknown as Callable).some(isL10nCall)) {
      const name = nameOf(node.name);
      // A label or title is shown as it is; a noun (identifierNoun) is what gets inserted into sentences.
      if (name && !TEXT_PROPERTIES.has(name)) found.add(name);
    }
    ts.forEachChild(node, visit);
  };
  for (const f of files) visit(f);
  return found;
}

/** The expressions a function returns (not those of functions nested in it). */
function returnedExpressions(fn: Callable): ts.Expression[] {
  if (!fn.body) return [];
  if (!ts.isBlock(fn.body)) return [fn.body];
  const found: ts.Expression[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isFunctionLike(node)) return;
    if (ts.isReturnStatement(node) && node.expression) found.push(node.expression);
    ts.forEachChild(node, visit);
  };
  ts.forEachChild(fn.body, visit);
  return found;
}

/**
 * What the name `name` at `from` stands for: the initializer of a local variable (declared in an
 * enclosing block) or a parameter of an enclosing function, whichever is nearer.
 */
function declarationOf(from: ts.Node, name: string): { initializer?: ts.Expression; parameter?: ts.ParameterDeclaration; added?: ts.Expression[] } {
  for (let scope: ts.Node | undefined = from.parent; scope; scope = scope.parent) {
    if (ts.isFunctionLike(scope)) {
      const parameter = scope.parameters.find((p) => nameOf(p.name) === name);
      if (parameter) return { parameter };
    }
    // `for (const line of lines)`: the element stands for what is iterated.
    if (ts.isForOfStatement(scope) && ts.isVariableDeclarationList(scope.initializer) && scope.initializer.declarations.some((d) => nameOf(d.name) === name)) {
      return { initializer: scope.expression };
    }
    if (!ts.isBlock(scope) && !ts.isSourceFile(scope)) continue;
    for (const statement of scope.statements) {
      if (!ts.isVariableStatement(statement)) continue;
      const declaration = statement.declarationList.declarations.find((d) => nameOf(d.name) === name);
      if (declaration) return { initializer: declaration.initializer, added: addedTo(scope, name) };
    }
  }
  return {};
}

/** The arguments of every `name.push(…)`/`name.unshift(…)` in `scope`: what the array also holds. */
function addedTo(scope: ts.Node, name: string): ts.Expression[] {
  const found: ts.Expression[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isCallExpression(node) && ts.isPropertyAccessExpression(node.expression) && ARRAY_ADDING_METHODS.has(node.expression.name.text) && nameOf(node.expression.expression) === name) {
      found.push(...node.arguments);
    }
    ts.forEachChild(node, visit);
  };
  visit(scope);
  return found;
}

class Checker {
  readonly findings: Finding[] = [];
  private readonly seen = new Set<ts.Node>();
  /** Parameters whose value reaches something shown (e.g. `sentence` given to showErrorMessage): their arguments are texts too. */
  private readonly textParameters = new Set<ts.ParameterDeclaration>();
  private readonly calls: Array<ts.CallExpression | ts.NewExpression> = [];

  constructor(
    private readonly callables: Map<string, Callable[]>,
    private readonly constants: Map<string, ts.Expression[]> = new Map(),
    private readonly fields: Map<string, ts.Expression[]> = new Map(),
    private readonly wordGetters: Set<string> = new Set(),
  ) {}

  /** A translated word (read from a word getter, directly, through a local or a function's return) given as a placeholder. */
  private checkInsertedWord(expr: ts.Node, visiting = new Set<ts.Node>()): void {
    if (visiting.has(expr)) return;
    visiting.add(expr);
    const inner = (e: ts.Node) => this.checkInsertedWord(e, visiting);
    if (ts.isPropertyAccessExpression(expr) && this.wordGetters.has(expr.name.text)) {
      const file = expr.getSourceFile();
      const line = file.getLineAndCharacterOfPosition(expr.getStart()).line + 1;
      this.findings.push({ file: relative(ROOT, file.fileName).replace(/\\/g, '/'), line, text: `.${expr.name.text}`, where: 'a translated word inserted into a sentence: write the whole sentence per case' });
    } else if (ts.isParenthesizedExpression(expr) || ts.isNonNullExpression(expr) || ts.isAsExpression(expr)) inner(expr.expression);
    else if (ts.isConditionalExpression(expr)) [expr.whenTrue, expr.whenFalse].forEach(inner);
    else if (ts.isBinaryExpression(expr)) [expr.left, expr.right].forEach(inner);
    else if (ts.isIdentifier(expr)) {
      const { initializer } = declarationOf(expr, expr.text);
      if (initializer) inner(initializer);
    } else if (ts.isCallExpression(expr) && ts.isIdentifier(expr.expression)) {
      (this.callables.get(expr.expression.text) ?? []).flatMap(returnedExpressions).forEach(inner);
    }
  }

  check(file: ts.SourceFile): void {
    const visit = (node: ts.Node): void => {
      this.checkNode(node);
      ts.forEachChild(node, visit);
    };
    visit(file);
  }

  /** Checks the arguments given to parameters found to carry a text, until no new such parameter turns up. */
  checkTextParameters(): void {
    for (let known = -1; known !== this.textParameters.size; ) {
      known = this.textParameters.size;
      for (const call of this.calls) {
        const callee = nameOf(call.expression) as string;
        const args = call.arguments ?? [];
        for (const fn of this.callables.get(callee) ?? []) {
          fn.parameters.forEach((p, i) => {
            if (this.textParameters.has(p) && !isKeyType(p.type) && args[i]) this.shown(args[i], `parameter "${nameOf(p.name)}" of ${callee}, which shows it`);
          });
        }
      }
    }
  }

  private checkNode(node: ts.Node): void {
    if (ts.isFunctionDeclaration(node) && node.name && SHOWN_TEXT_FUNCTION.test(node.name.text) && node.modifiers?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword)) {
      for (const r of returnedExpressions(node)) this.shown(r, `what ${node.name.text} returns`, node.name.text.endsWith('Html'));
    }
    if (isL10nCall(node)) {
      for (const arg of (node as ts.CallExpression).arguments.slice(1)) {
        this.shown(arg, 'a placeholder of l10n.t');
        this.checkInsertedWord(arg);
      }
    } else if (ts.isCallExpression(node) || ts.isNewExpression(node)) {
      this.checkArguments(node);
    } else if (ts.isPropertyAssignment(node) || ts.isShorthandPropertyAssignment(node)) {
      const name = nameOf(node.name);
      const value = ts.isPropertyAssignment(node) ? node.initializer : node.name;
      if (name && TEXT_PROPERTIES.has(name)) this.shown(value, `property "${name}"`);
      if (name === 'filters') this.checkFilterNames(value);
      if (name === 'validate' || name === 'validateInput') {
        const validators = ts.isArrowFunction(value) || ts.isFunctionExpression(value) ? [value] : ts.isIdentifier(value) ? (this.callables.get(value.text) ?? []) : [];
        for (const r of validators.flatMap(returnedExpressions)) this.shown(r, `what ${name} returns`);
      }
    } else if (ts.isBinaryExpression(node) && node.operatorToken.kind === ts.SyntaxKind.EqualsToken && ts.isPropertyAccessExpression(node.left)) {
      const name = node.left.name.text;
      if (TEXT_PROPERTIES.has(name)) this.shown(node.right, `assigned to .${name}`);
      if (name === 'html') this.shown(node.right, 'webview html', true);
    }
  }

  /** The names of a file dialog's filters ({ 'Master secret backups': ['backup'] }) are shown. */
  private checkFilterNames(expr: ts.Expression): void {
    const objects = (e: ts.Expression): ts.ObjectLiteralExpression[] => {
      if (ts.isObjectLiteralExpression(e)) return [e];
      if (ts.isParenthesizedExpression(e)) return objects(e.expression);
      if (ts.isConditionalExpression(e)) return [...objects(e.whenTrue), ...objects(e.whenFalse)];
      if (ts.isIdentifier(e)) {
        const { initializer } = declarationOf(e, e.text);
        return initializer ? objects(initializer) : [];
      }
      return [];
    };
    for (const o of objects(expr)) {
      for (const p of o.properties) {
        if (p.name && ts.isStringLiteral(p.name)) this.shown(p.name, 'a file dialog filter name');
      }
    }
  }

  private checkArguments(call: ts.CallExpression | ts.NewExpression): void {
    const callee = nameOf(call.expression);
    const args = call.arguments ?? [];
    if (!callee) return;
    // The diff editor's title: executeCommand('vscode.diff', left, right, title).
    const first = args[0];
    if (callee === 'executeCommand' && first && ts.isStringLiteral(first) && first.text === 'vscode.diff' && args[3]) this.shown(args[3], 'the title of vscode.diff');
    const shown = Object.hasOwn(SHOWN_ARGUMENTS, callee) ? SHOWN_ARGUMENTS[callee] : undefined;
    if (shown) {
      args.forEach((arg, i) => {
        if (shown === 'all' || shown.includes(i)) this.shown(arg, `argument ${i + 1} of ${callee}`);
      });
      return;
    }
    if (this.callables.has(callee)) this.calls.push(call);
    for (const fn of this.callables.get(callee) ?? []) {
      fn.parameters.forEach((p, i) => {
        const param = nameOf(p.name);
        if (param && TEXT_PARAMETERS.has(param) && !isKeyType(p.type) && args[i]) this.shown(args[i], `parameter "${param}" of ${callee}`);
      });
    }
  }

  /** Reports every literal with letters that `expr` can evaluate to (or build its text from). */
  private shown(expr: ts.Expression, where: string, html = false): void {
    for (const literal of this.literalsReaching(expr, new Set())) {
      if (this.seen.has(literal)) continue;
      this.seen.add(literal);
      const text = fixedText(literal);
      // Markup in a message ("<add>", "<li>{0}: {1}</li>") is not prose; the words around it are.
      const visible = html ? htmlText(text) : text.replace(MARKUP_TAG, ' ');
      if (!hasLetters(visible) || NOT_TRANSLATED.some((e) => e.text.test(visible.trim()))) continue;
      const file = literal.getSourceFile();
      const line = file.getLineAndCharacterOfPosition(literal.getStart()).line + 1;
      this.findings.push({ file: relative(ROOT, file.fileName).replace(/\\/g, '/'), line, text: visible.trim().slice(0, 80), where });
    }
  }

  private literalsReaching(expr: ts.Node, visiting: Set<ts.Node>): Array<ts.StringLiteral | ts.NoSubstitutionTemplateLiteral | ts.TemplateExpression> {
    if (visiting.has(expr)) return [];
    visiting.add(expr);
    const inner = (e: ts.Node) => this.literalsReaching(e, visiting);
    if (ts.isStringLiteral(expr) || ts.isNoSubstitutionTemplateLiteral(expr)) return [expr];
    if (ts.isTemplateExpression(expr)) return [expr, ...expr.templateSpans.flatMap((s) => inner(s.expression))];
    if (ts.isParenthesizedExpression(expr) || ts.isAsExpression(expr) || ts.isNonNullExpression(expr) || ts.isAwaitExpression(expr)) return inner(expr.expression);
    if (ts.isConditionalExpression(expr)) return [...inner(expr.whenTrue), ...inner(expr.whenFalse)];
    if (ts.isBinaryExpression(expr)) {
      const op = expr.operatorToken.kind;
      if (op === ts.SyntaxKind.PlusToken || op === ts.SyntaxKind.QuestionQuestionToken || op === ts.SyntaxKind.BarBarToken) return [...inner(expr.left), ...inner(expr.right)];
      if (op === ts.SyntaxKind.AmpersandAmpersandToken) return inner(expr.right);
      return [];
    }
    if (ts.isArrayLiteralExpression(expr)) return expr.elements.flatMap(inner);
    if (ts.isSpreadElement(expr)) return inner(expr.expression);
    if (ts.isIdentifier(expr)) {
      const { initializer, parameter, added = [] } = declarationOf(expr, expr.text);
      if (parameter) this.textParameters.add(parameter);
      if (initializer) return [...inner(initializer), ...added.flatMap(inner)];
      return parameter ? [] : (this.constants.get(expr.text) ?? []).flatMap(inner);
    }
    if (ts.isArrowFunction(expr) || ts.isFunctionExpression(expr)) return returnedExpressions(expr).flatMap(inner);
    if (ts.isPropertyAccessExpression(expr)) return (this.fields.get(expr.name.text) ?? []).flatMap(inner);
    if (ts.isCallExpression(expr) && !isL10nCall(expr)) {
      const callee = expr.expression;
      if (ts.isPropertyAccessExpression(callee) && TEXT_PRESERVING_METHODS.has(callee.name.text)) {
        return [...inner(callee.expression), ...expr.arguments.filter((a) => ts.isArrowFunction(a) || ts.isFunctionExpression(a)).flatMap(inner)];
      }
      if (ts.isIdentifier(callee)) return (this.callables.get(callee.text) ?? []).flatMap(returnedExpressions).flatMap(inner);
    }
    return [];
  }
}

function findingsIn(folders: string[]): Finding[] {
  const files = folders
    .flatMap((folder) => sourceFiles(join(ROOT, folder)))
    .map((path) => ts.createSourceFile(path, readFileSync(path, 'utf8'), ts.ScriptTarget.ES2022, true));
  const checker = new Checker(collectCallables(files), collectConstants(files), collectFields(files), collectWordGetters(files));
  for (const file of files) checker.check(file);
  checker.checkTextParameters();
  return checker.findings;
}

test('every text the views, commands, model and connection show goes through l10n.t', (t) => {
  const all = findingsIn(L10N_FOLDERS);
  const isOpenElsewhere = (f: Finding) => OPEN_ELSEWHERE.some((o) => o.finding === `${f.file}: "${f.text}"`);
  for (const o of OPEN_ELSEWHERE) {
    t.diagnostic(`still English, left to another branch: ${o.finding} (${o.why})`);
    assert.ok(all.some((f) => o.finding === `${f.file}: "${f.text}"`), `${o.finding} is no longer found: remove it from OPEN_ELSEWHERE`);
  }
  const findings = all.filter((f) => !isOpenElsewhere(f)).map((f) => `${f.file}:${f.line}: "${f.text}" (${f.where})`);
  assert.deepEqual(findings, [], `Wrap these in vscode.l10n.t('… {0} …', value), or add a commented entry to NOT_TRANSLATED:\n${findings.join('\n')}`);
});

/** `file:line` of every l10n.t call that runs when the module loads, before activation configured the bundle. */
function lookupsAtLoad(file: ts.SourceFile): string[] {
  const found: string[] = [];
  const visit = (node: ts.Node, inFunction: boolean): void => {
    if (!inFunction && isL10nCall(node)) found.push(`${relative(ROOT, file.fileName).replace(/\\/g, '/')}:${file.getLineAndCharacterOfPosition(node.getStart(file)).line + 1}`);
    ts.forEachChild(node, (child) => visit(child, inFunction || ts.isFunctionLike(child)));
  };
  visit(file, false);
  return found;
}

test('no l10n.t runs when a module loads (it would answer English before activation loads the bundle)', () => {
  const found = L10N_FOLDERS.flatMap((folder) => sourceFiles(join(ROOT, folder)))
    .map((path) => ts.createSourceFile(path, readFileSync(path, 'utf8'), ts.ScriptTarget.ES2022, true))
    .flatMap(lookupsAtLoad);
  assert.deepEqual(found, [], `make these a function or a getter:\n${found.join('\n')}`);
});

test('the load-time check finds a lookup outside a function and accepts one inside', () => {
  const probe = ts.createSourceFile(join(ROOT, 'probe.ts'), `
    const EARLY = l10n.t('Looked up at load');
    export function late() { return vscode.l10n.t('Looked up when shown'); }
    const lateToo = () => l10n.t('Also when shown');
  `, ts.ScriptTarget.ES2022, true);
  assert.deepEqual(lookupsAtLoad(probe), ['probe.ts:2']);
});

test('the check finds an English text in each kind of place it watches', () => {
  const probe = ts.createSourceFile('probe.ts', `
    import * as vscode from 'vscode';
    function ask(title: string, detail: string) {}
    function tell(sentence: string, code: 'A' | 'B') { vscode.window.showErrorMessage(sentence, code); }
    tell('Told sentence', 'A');
    const prefix = 'Prefix words';
    vscode.window.showWarningMessage('Shown message', { modal: true, detail: vscode.l10n.t('ok {0}', 'inserted word') }, 'Button');
    ask(vscode.l10n.t('fine'), \`Detail \${x}\`);
    item.tooltip = cond ? prefix : vscode.l10n.t('fine');
    box.validate = undefined; const o = { validate: (v) => (v ? undefined : 'Enter something.'), label: '$(sync~spin)' };
    function check(v: string) { return v ? undefined : 'Enter more.'; }
    const FILTERS = { 'Some files': ['x'] };
    showOpenDialog({ filters: FILTERS });
    const p = { validate: check };
    panel.webview.html = \`<style>body{color:red}</style><p>Visible</p>\${body}\`;
    status.text = \`$(sync~spin) \${vscode.l10n.t('Syncing…')}\`;
    vscode.commands.executeCommand('vscode.diff', a, b, \`\${x}: version \${y}\`);
    vscode.window.showInformationMessage(vscode.l10n.t('<b>{0}</b> and {1}', \`<li>\${x}</li>\`, '<add> element'));
    function tooltipLines() { const lines = ['First line']; lines.push(\`Pushed \${x}\`); lines.unshift('Unshifted'); return lines; }
    for (const line of tooltipLines()) tip.appendText(line);
    interface Difference { what: 'field order' | 'kind'; detail: string }
    const d: Difference = { what: 'field order', detail: y };
    vscode.window.showInformationMessage(vscode.l10n.t('{0}: {1}', d.what, d.detail));
    export function reportHtml() { return \`<h2>Report heading</h2>\`; }
    function notExportedHtml() { return 'Not shown'; }
    const GROUP = { get noun() { return vscode.l10n.t('thing'); }, get label() { return vscode.l10n.t('Things'); } };
    vscode.window.showInformationMessage(vscode.l10n.t('New {0}', GROUP.noun), vscode.l10n.t('{0} (2)', GROUP.label));
  `, ts.ScriptTarget.ES2022, true);
  const imported = ts.createSourceFile('constants.ts', `export const SHOWN_LABEL = 'Imported label';`, ts.ScriptTarget.ES2022, true);
  const user = ts.createSourceFile('user.ts', `import { SHOWN_LABEL } from './constants'; const item = { label: SHOWN_LABEL };`, ts.ScriptTarget.ES2022, true);
  const checker = new Checker(collectCallables([probe, imported, user]), collectConstants([probe, imported, user]), collectFields([probe, imported, user]), collectWordGetters([probe, imported, user]));
  checker.check(user);
  checker.check(probe);
  checker.checkTextParameters();
  assert.deepEqual(
    checker.findings.map((f) => f.text).sort(),
    ['Shown message', 'Button', 'inserted word', 'Detail {}', 'Prefix words', 'Enter something.', 'Enter more.', 'Some files', 'Visible {}', '{}: version {}', 'Told sentence', 'element', 'Imported label', 'First line', 'Pushed {}', 'Unshifted', 'field order', 'Report heading', '.noun'].sort(),
  );
});
