/**
 * The type check (strict) and the lint rules, including the layering rules (the service and the
 * client never import vscode; the extension reaches the service only through src/ssoClient), run
 * with the tests so that CI enforces them.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';

const root = join(__dirname, '..', '..');
const bin = (name: string) => join(root, 'node_modules', '.bin', name);

test('tsc --noEmit (strict) reports nothing', () => {
  const r = spawnSync(bin('tsc'), ['--noEmit', '-p', '.'], { cwd: root, encoding: 'utf8', timeout: 180_000 });
  assert.equal(r.status, 0, r.stdout + r.stderr);
});

test('eslint reports no error', () => {
  const r = spawnSync(bin('eslint'), ['src', 'test', 'scripts', 'bench'], { cwd: root, encoding: 'utf8', timeout: 180_000 });
  assert.equal(r.status, 0, r.stdout + r.stderr);
});
