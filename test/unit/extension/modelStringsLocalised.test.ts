/**
 * Sentences that src/model and src/connection compose for the user go through `l10n.t` of
 * `@vscode/l10n` (they may not import vscode), so that l10n/bundle.l10n.json carries them and a
 * translation reaches them. The check reads the sources with the TypeScript parser and flags a
 * string or template literal that reads as prose (two words or more, starting with a capital
 * letter or ending with a full stop) outside `l10n.t(…)`. Not user-facing, so not flagged: log
 * lines (`log.info(…)` and the like), error codes, type positions, imports and the few literals
 * listed in NOT_SHOWN with the reason.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import ts from 'typescript';

const repoRoot = join(__dirname, '..', '..', '..');
const FOLDERS = ['src/model', 'src/connection'];
const LOG_METHODS = new Set(['trace', 'debug', 'info', 'warn', 'error', 'appendLine']);

/** Literals that read as prose but are not localised here, each with why. */
const NOT_SHOWN: Record<string, string> = {
  'Enterprise Single Sign-On': 'the name of the folder ENTSSO is installed in, not a text',
  'This machine': 'the environment name saved in the settings: an identifier once saved',
  "This machine's Enterprise SSO": 'exported as a constant to src/commands, which must look it up when shown (l10nui)',
  'SSO: Back Up Master Secret…': 'a palette title matched in a next step to find its command, not shown from here',
  'SSO: Verify Master Secret Backup…': 'as above',
  'SSO: Generate New Master Secret…': 'as above',
  'Text to find, plus any of op:config.set (or op:config), who:alice, outcome:refused, since:24h (m, h, d or a date), until:2026-12-01':
    'AUDIT_FILTER_HELP, a constant src/commands puts into its own vscode.l10n.t message: it must become a function there first (l10nui)',
  'reconnects by itself': "matched in src/ssoClient's own (English) message, not shown",
  'allow local accounts': "an application flag's name, as BizTalk's tools print it",
  'admin same as user group': 'as above',
  'field only on the left': 'a kind of definition difference (a typed value), also printed by ssoctl compare',
  'field only on the right': 'as above',
  'masked on one side only': 'as above',
  ' x  (differs from the current value)': 'DIFFERS_PLACEHOLDER: a marker written into history documents and recognised when read back, so it never changes',
};

/** Text of a literal with template placeholders blanked out. */
function literalText(node: ts.Node): string | undefined {
  if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) return node.text;
  if (ts.isTemplateExpression(node)) return [node.head.text, ...node.templateSpans.map((s) => s.literal.text)].join(' x ');
  return undefined;
}

function readsAsProse(text: string): boolean {
  if (/\p{L}+ \p{L}+ \p{L}{2,}/u.test(text)) return true; // three words in a row
  const words = text.match(/\p{L}{2,}/gu) ?? [];
  if (words.length < 2 || !/\s/.test(text)) return false;
  return /^\s*\p{Lu}\p{Ll}/u.test(text) || /[.!?…:]\s*$/.test(text);
}

function isCallTo(node: ts.Node, test: (callee: ts.Expression) => boolean): boolean {
  return ts.isCallExpression(node) && test(node.expression);
}

const isL10nT = (callee: ts.Expression) => ts.isPropertyAccessExpression(callee) && callee.name.text === 't' && ts.isIdentifier(callee.expression) && callee.expression.text === 'l10n';
const isLogCall = (callee: ts.Expression) => ts.isPropertyAccessExpression(callee) && LOG_METHODS.has(callee.name.text) && /log$/i.test(callee.expression.getText());

/** Whether a literal sits where it is never shown: inside l10n.t or a log call, a type, an import. */
function exempt(node: ts.Node): boolean {
  for (let at: ts.Node | undefined = node.parent; at; at = at.parent) {
    if (isCallTo(at, isL10nT) || isCallTo(at, isLogCall)) return true;
    if (ts.isTypeNode(at) || ts.isImportDeclaration(at) || ts.isExportDeclaration(at)) return true;
  }
  return false;
}

function sourceFiles(folder: string): string[] {
  return readdirSync(join(repoRoot, folder), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts'))
    .map((f) => join(repoRoot, folder, f));
}

/** `file:line: "text"` for every prose literal outside l10n.t in the file. */
function unlocalisedProse(file: string): string[] {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    const text = literalText(node);
    if (text !== undefined) {
      if (readsAsProse(text) && !(text in NOT_SHOWN) && !exempt(node)) {
        const { line } = source.getLineAndCharacterOfPosition(node.getStart(source));
        found.push(`${relative(repoRoot, file)}:${line + 1}: ${JSON.stringify(text.slice(0, 90))}`);
      }
      if (!ts.isTemplateExpression(node)) return;
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

test('src/model and src/connection compose no sentence for the user outside l10n.t', () => {
  const found = FOLDERS.flatMap(sourceFiles).flatMap(unlocalisedProse);
  assert.deepEqual(found, [], `wrap these in l10n.t('… {0} …', arg) from '@vscode/l10n', then run npm run l10n:\n${found.join('\n')}`);
});

/** `file:line` of every l10n.t call that runs when the module loads, before activation configured the bundle. */
function lookupsAtLoad(file: string): string[] {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  const visit = (node: ts.Node, inFunction: boolean): void => {
    if (!inFunction && isCallTo(node, isL10nT)) {
      found.push(`${relative(repoRoot, file)}:${source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1}`);
    }
    ts.forEachChild(node, (child) => visit(child, inFunction || ts.isFunctionLike(child)));
  };
  visit(source, false);
  return found;
}

test('no l10n.t runs when a module loads (it would answer English before activation loads the bundle)', () => {
  const found = FOLDERS.flatMap(sourceFiles).flatMap(lookupsAtLoad);
  assert.deepEqual(found, [], `make these a function or a getter:\n${found.join('\n')}`);
});

test('the check finds a sentence outside l10n.t and accepts it inside', () => {
  const file = join(repoRoot, 'src/model/serviceStatus.ts');
  assert.ok(readsAsProse('Start the SSO service.'));
  assert.ok(!readsAsProse('entsso.environments'));
  assert.ok(!readsAsProse('ENTSSO_E_CONFLICT'));
  assert.ok(sourceFiles('src/model').includes(file));
});
