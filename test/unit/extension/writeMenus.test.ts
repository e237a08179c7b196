// The menu items of commands that change SSO hide while the *active* environment cannot encrypt
// (entsso.cannotEncrypt), not while a document of another environment is open
// (entsso.editsBlocked); the palette keeps them, and the command explains why it cannot run.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

const root = join(__dirname, '..', '..', '..');
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { contributes: { menus: Record<string, { command?: string; when?: string }[]> } };

/** Commands registered with registerWriteCommand (refused up front while the active environment cannot encrypt). */
function writeCommands(): string[] {
  const dir = join(root, 'src', 'commands');
  const ids = readdirSync(dir)
    .filter((f) => f.endsWith('.ts'))
    .flatMap((f) => [...readFileSync(join(dir, f), 'utf8').matchAll(/registerWriteCommand\(ctx, '([^']+)'/g)].map((m) => m[1] as string));
  return [...new Set(ids)].sort();
}

test('every command that changes SSO is a write command (refused before its first prompt)', () => {
  assert.deepEqual(writeCommands(), [
    'entsso.addFields',
    'entsso.applyImport',
    'entsso.createApplication',
    'entsso.deleteApplication',
    'entsso.deleteConfiguration',
    'entsso.disableApplication',
    'entsso.enableApplication',
    'entsso.importApplications',
    'entsso.newConfiguration',
    'entsso.removeFields',
    'entsso.restoreHistoryVersion',
    'entsso.setMaskedField',
  ]);
});

// The list above is a snapshot; this finds write commands by what they do: a command file that
// sends a write request (or sets a masked field) must refuse up front somewhere in it.
const WRITE_CALL = /request\('(config\.(set|setMany|delete)|apps\.(create|delete|setEnabled|import|addField|removeField))'|\.setMaskedField\(/;

test('a command file that writes to SSO registers a write command or calls requireWritable', () => {
  const dir = join(root, 'src', 'commands');
  const writers = readdirSync(dir).filter((f) => f.endsWith('.ts') && WRITE_CALL.test(readFileSync(join(dir, f), 'utf8')));
  const unguarded = writers.filter((f) => !/registerWriteCommand\(ctx, '|requireWritable\(ctx\)/.test(readFileSync(join(dir, f), 'utf8')));
  assert.deepEqual(unguarded, []);
  assert.ok(writers.length >= 5, `${writers.length} command files write`);
});

test('menu items of write commands hide on entsso.cannotEncrypt; the palette keeps them', () => {
  const writes = new Set(writeCommands());
  const unguarded: string[] = [];
  const hiddenInPalette: string[] = [];
  for (const [menu, entries] of Object.entries(manifest.contributes.menus)) {
    for (const entry of entries) {
      if (!entry.command || !writes.has(entry.command)) continue;
      const guarded = / && !entsso\.cannotEncrypt\b/.test(entry.when ?? '');
      if (menu === 'commandPalette' && guarded) hiddenInPalette.push(entry.command);
      if (menu !== 'commandPalette' && !guarded) unguarded.push(`${menu}: ${entry.command}`);
    }
  }
  assert.deepEqual(unguarded, []);
  assert.deepEqual(hiddenInPalette, [], 'run from the palette, a write command says why it cannot run');
  const guardedMenus = Object.entries(manifest.contributes.menus).filter(([m]) => m !== 'commandPalette').flatMap(([, e]) => e).filter((e) => e.command && writes.has(e.command));
  assert.ok(guardedMenus.length >= 12, `${guardedMenus.length} menu items of write commands`);
});

test('Restore This Version does not hide because a document of another environment is open (entsso.editsBlocked)', () => {
  const uses = Object.entries(manifest.contributes.menus).flatMap(([menu, entries]) =>
    entries.filter((e) => (e.when ?? '').includes('entsso.editsBlocked')).map((e) => `${menu}: ${e.command}`),
  );
  // Only the Ctrl+S explanation of a blocked document keys on it (it re-checks per document).
  assert.deepEqual(uses, ['commandPalette: entsso.explainReadOnly']);
  const restore = manifest.contributes.menus['editor/title']?.find((e) => e.command === 'entsso.restoreHistoryVersion');
  assert.match(restore?.when ?? '', /!entsso\.cannotEncrypt/);
});
