/**
 * l10n/bundle.l10n.json is what a translator translates (into bundle.l10n.<locale>.json): it must
 * hold every message the sources pass to `vscode.l10n.t` or `l10n.t`, so it is compared with a
 * fresh `@vscode/l10n-dev export` of src/ (`npm run l10n` rewrites it). The manifest names the
 * folder (`"l10n": "./l10n"`), without which VS Code loads no bundle at all.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import ts from 'typescript';

const repoRoot = join(__dirname, '..', '..', '..');
const committed = JSON.parse(readFileSync(join(repoRoot, 'l10n', 'bundle.l10n.json'), 'utf8')) as Record<string, string>;

test('the manifest points VS Code at l10n/', () => {
  const manifest = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { l10n?: string; scripts: Record<string, string> };
  assert.equal(manifest.l10n, './l10n');
  assert.match(manifest.scripts.l10n ?? '', /l10n-dev export --outDir l10n src/);
});

test('l10n/bundle.l10n.json is what `npm run l10n` exports from src/ now', { timeout: 120_000 }, () => {
  const out = mkdtempSync(join(tmpdir(), 'entsso-l10n-'));
  try {
    const r = spawnSync(process.execPath, [join(repoRoot, 'node_modules', '@vscode', 'l10n-dev', 'dist', 'cli.js'), 'export', '--outDir', out, join(repoRoot, 'src')], { cwd: repoRoot, encoding: 'utf8', timeout: 110_000 });
    assert.equal(r.status, 0, r.stderr + r.stdout);
    const fresh = JSON.parse(readFileSync(join(out, 'bundle.l10n.json'), 'utf8')) as Record<string, string>;
    const missing = Object.keys(fresh).filter((k) => !(k in committed));
    const stale = Object.keys(committed).filter((k) => !(k in fresh));
    assert.deepEqual({ missing, stale }, { missing: [], stale: [] }, 'l10n/bundle.l10n.json is out of date: run `npm run l10n` and commit l10n/');
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

/** The message of every `l10n.t('…', …)` call in a folder (the form l10n-dev recognises). */
function l10nMessages(folder: string): string[] {
  const messages: string[] = [];
  for (const file of readdirSync(join(repoRoot, folder), { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'))) {
    const source = ts.createSourceFile(file, readFileSync(join(repoRoot, folder, file), 'utf8'), ts.ScriptTarget.Latest, true);
    const visit = (node: ts.Node): void => {
      if (ts.isCallExpression(node) && node.expression.getText(source) === 'l10n.t' && node.arguments[0] && ts.isStringLiteralLike(node.arguments[0])) messages.push(node.arguments[0].text);
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  return messages;
}

test("the bundle holds the sentences of src/model and src/connection (@vscode/l10n's l10n.t)", () => {
  const messages = [...l10nMessages('src/model'), ...l10nMessages('src/connection')];
  assert.ok(messages.length > 100, `found ${messages.length} l10n.t calls`);
  assert.deepEqual(messages.filter((m) => !(m in committed)), []);
});
