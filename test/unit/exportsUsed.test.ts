/**
 * An export is a promise that another file uses it: every exported name in src/ is mentioned in
 * some other file of src/, test/, bench/ or scripts/ (a use by tests only is fine).
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'node:test';

const ROOT = join(__dirname, '..', '..');
/** This file names the checked files, not their exports: it does not count as a use. */
const SELF = 'test/unit/exportsUsed.test.ts';
const CHECKED = ['src/'];
/** Exports used on a branch not merged yet, each with the reason; the lead empties this on merging. */
const PENDING: Record<string, string> = {
};
const EXPORTED = /^export\s+(?:declare\s+)?(?:async\s+)?(?:const|let|function|class|interface|type|enum|abstract class)\s+([A-Za-z_$][\w$]*)/gm;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return /\.(ts|mjs|js)$/.test(name) ? [path] : [];
  });
}

function sourceTexts(): { path: string; text: string }[] {
  return ['src', 'test', 'bench', 'scripts'].flatMap((d) => sourceFiles(join(ROOT, d))).map((p) => ({ path: relative(ROOT, p).replace(/\\/g, '/'), text: readFileSync(p, 'utf8') }));
}

/** "file: name" of every export of the checked files that no other file mentions. */
function unusedExports(files: { path: string; text: string }[]): string[] {
  const unused: string[] = [];
  for (const file of files.filter((f) => CHECKED.some((c) => f.path.startsWith(c)))) {
    for (const [, name] of file.text.matchAll(EXPORTED)) {
      const mention = new RegExp(`\\b${(name as string).replace(/\$/g, '\\$')}\\b`);
      if (!files.some((other) => other.path !== file.path && other.path !== SELF && mention.test(other.text))) unused.push(`${file.path}: ${name}`);
    }
  }
  return unused;
}

test('every export of the checked files is used by another file', () => {
  const unused = unusedExports(sourceTexts()).filter((entry) => !(entry in PENDING));
  assert.deepEqual(unused, [], 'exported but used only in its own file: remove the export (or the code)');
});

test('every pending export is still exported and still unused (else remove it from PENDING)', () => {
  const unused = new Set(unusedExports(sourceTexts()));
  assert.deepEqual(Object.keys(PENDING).filter((entry) => !unused.has(entry)), [], 'used now, or gone: remove these from PENDING');
});
