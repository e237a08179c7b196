/**
 * An export is a promise that another file uses it: in the parts of src/ cleaned so far, every
 * exported name is mentioned in some other file of src/, test/, bench/ or scripts/. (The rest of
 * src/ — commands, views, service, ssodb, rpc, ssoClient and a few model files — follows once the
 * work under way there is merged; then CHECKED becomes all of src/.)
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'node:test';

const ROOT = join(__dirname, '..', '..');
/** This file names the checked files, not their exports: it does not count as a use. */
const SELF = 'test/unit/exportsUsed.test.ts';
const CHECKED = ['src/'];
const EXPORTED = /^export\s+(?:declare\s+)?(?:async\s+)?(?:const|let|function|class|interface|type|enum|abstract class)\s+([A-Za-z_$][\w$]*)/gm;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return /\.(ts|mjs|js)$/.test(name) ? [path] : [];
  });
}

test('every export of the checked files is used by another file', () => {
  const files = ['src', 'test', 'bench', 'scripts'].flatMap((d) => sourceFiles(join(ROOT, d))).map((p) => ({ path: relative(ROOT, p).replace(/\\/g, '/'), text: readFileSync(p, 'utf8') }));
  const unused: string[] = [];
  for (const file of files.filter((f) => CHECKED.some((c) => f.path.startsWith(c)))) {
    for (const [, name] of file.text.matchAll(EXPORTED)) {
      const mention = new RegExp(`\\b${(name as string).replace(/\$/g, '\\$')}\\b`);
      if (!files.some((other) => other.path !== file.path && other.path !== SELF && mention.test(other.text))) unused.push(`${file.path}: ${name}`);
    }
  }
  assert.deepEqual(unused, [], 'exported but used only in its own file: remove the export (or the code)');
});
