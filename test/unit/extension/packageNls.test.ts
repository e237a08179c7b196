/**
 * The manifest's user-facing strings live in package.nls.json (translators add
 * package.nls.<locale>.json): every %key% of package.json resolves, no entry is unused, and no
 * user-facing field of `contributes` is left literal. Written by scripts/packageNls.mjs.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

const repoRoot = join(__dirname, '..', '..', '..');
const manifestText = readFileSync(join(repoRoot, 'package.json'), 'utf8');
const manifest = JSON.parse(manifestText) as { displayName: string; description: string; contributes: unknown };
const nls = JSON.parse(readFileSync(join(repoRoot, 'package.nls.json'), 'utf8')) as Record<string, string>;

/**
 * Fields VS Code shows to the user, wherever they appear under `contributes` (command titles and
 * categories, container titles, view names, welcome contents, setting texts, walkthroughs).
 * Not checked: language `aliases` (a language's name, not translated by VS Code extensions either),
 * `when` clauses, ids, icons, paths, keybindings.
 */
const USER_FACING_FIELDS = new Set([
  'title', 'shortTitle', 'category', 'name', 'contextualTitle', 'contents', 'label',
  'description', 'markdownDescription', 'deprecationMessage', 'markdownDeprecationMessage',
  'enumDescriptions', 'markdownEnumDescriptions', 'enumItemLabels',
]);

const NLS_REFERENCE = /^%([^%\s]+)%$/;

/** Every string at a user-facing field under `node`, with its path in the manifest. */
function* userFacingTexts(node: unknown, path: string): Generator<{ path: string; text: string }> {
  if (Array.isArray(node)) {
    for (const [i, child] of node.entries()) yield* userFacingTexts(child, `${path}[${i}]`);
    return;
  }
  if (node === null || typeof node !== 'object') return;
  for (const [field, value] of Object.entries(node)) {
    const at = `${path}.${field}`;
    if (USER_FACING_FIELDS.has(field) && typeof value === 'string') yield { path: at, text: value };
    else if (USER_FACING_FIELDS.has(field) && Array.isArray(value) && value.every((v) => typeof v === 'string')) {
      for (const [i, text] of (value as string[]).entries()) yield { path: `${at}[${i}]`, text };
    } else yield* userFacingTexts(value, at);
  }
}

function referencedKeys(): string[] {
  return [...manifestText.matchAll(/"%([^%"\s]+)%"/g)].map((m) => m[1]!);
}

test('every %key% in package.json has an entry in package.nls.json', () => {
  const missing = referencedKeys().filter((key) => !(key in nls));
  assert.deepEqual(missing, []);
});

test('every entry of package.nls.json is used by package.json', () => {
  const used = new Set(referencedKeys());
  assert.deepEqual(Object.keys(nls).filter((key) => !used.has(key)), []);
});

test('no user-facing string of contributes, nor displayName/description, is left literal', () => {
  const texts = [
    { path: 'displayName', text: manifest.displayName },
    { path: 'description', text: manifest.description },
    ...userFacingTexts(manifest.contributes, 'contributes'),
  ];
  // The walk reaches the fields it is meant to: a change of manifest shape must not empty it.
  assert.ok(texts.length > 70, `only ${texts.length} user-facing strings found`);
  const literal = texts.filter(({ text }) => !NLS_REFERENCE.test(text)).map(({ path, text }) => `${path}: ${text}`);
  assert.deepEqual(literal, []);
});

test('package.nls.json keeps the English texts the UI tests click by', () => {
  // code-server resolves the title from package.nls.json; a typo here would rename the command.
  assert.equal(nls['command.connect.title'], 'Connect to SSO Service…');
  assert.equal(nls['command.category.sso'], 'SSO');
});
