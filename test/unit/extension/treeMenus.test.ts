/**
 * The explorer's context menus, as package.json declares them, for each kind of node: the
 * structured contextValue of every node (src/views/tree/contextValue.ts) against the regular
 * expressions of the `view/item/context` entries, evaluated as VS Code does (`viewItem =~ /…/`).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { contextValue } from '../../../src/views/tree/contextValue';

interface MenuEntry {
  command: string;
  when?: string;
}

const manifest = JSON.parse(readFileSync(join(__dirname, '..', '..', '..', 'package.json'), 'utf8')) as { contributes: { menus: Record<string, MenuEntry[]> } };
const entries = (manifest.contributes.menus['view/item/context'] ?? []).filter((e) => e.when?.includes('view == entsso.applications'));

/** The `viewItem` condition of a when clause as a test; the other conditions (capabilities) are taken as true. */
function viewItemTest(when: string): (value: string) => boolean {
  const regex = /viewItem =~ \/((?:[^/\\]|\\.)*)\/([a-z]*)/.exec(when);
  if (regex) {
    const re = new RegExp(regex[1] as string, regex[2]);
    return (value) => re.test(value);
  }
  const equal = /viewItem == ([^\s&|)]+)/.exec(when);
  if (equal) return (value) => value === equal[1];
  return () => true;
}

function menuOf(value: string): string[] {
  return entries
    .filter((e) => viewItemTest(e.when as string)(value))
    .map((e) => e.command.replace(/^entsso\./, ''))
    .sort();
}

test('a BizTalk adapter node offers Find in This Adapter, Refresh, Copy Name and Export, and nothing meant for one application', () => {
  assert.deepEqual(menuOf(contextValue('adapter', { kind: 'adapter', applications: 4 })), ['copyName', 'exportApplications', 'findInAdapter', 'refreshNode']);
});

/** `menu` holds every one of `expected` and none of `absent` (other commands may add entries for these nodes). */
function assertOffers(menu: string[], expected: string[], absent: string[]): void {
  for (const c of expected) assert.ok(menu.includes(c), `${c} in ${JSON.stringify(menu)}`);
  for (const c of absent) assert.ok(!menu.includes(c), `no ${c} in ${JSON.stringify(menu)}`);
}

test('an enabled application can be disabled, a disabled one enabled; both get the application actions', () => {
  const common = ['addFields', 'copyIdentifier', 'copyName', 'deleteApplication', 'exportApplications', 'newConfiguration', 'refreshNode', 'removeFields'];
  const notForApplications = ['findInAdapter', 'deleteConfiguration', 'revealMaskedFields', 'setMaskedField', 'retry', 'removeEnvironment', 'createApplication'];
  assertOffers(menuOf(contextValue('application', { kind: 'adapter', enabled: true })), [...common, 'disableApplication'], [...notForApplications, 'enableApplication']);
  assertOffers(menuOf(contextValue('application', { kind: 'configStore', enabled: false })), [...common, 'enableApplication'], [...notForApplications, 'disableApplication']);
});

test('a configuration, the environment, a group, an error: their own actions', () => {
  assertOffers(
    menuOf(contextValue('configuration', { kind: 'adapter' })),
    ['copyIdentifier', 'copyName', 'deleteConfiguration', 'revealMaskedFields', 'setMaskedField', 'showHistory'],
    ['deleteApplication', 'newConfiguration', 'findInAdapter', 'refreshNode', 'exportApplications', 'retry'],
  );
  assert.deepEqual(menuOf(contextValue('environment')), ['createApplication', 'importApplications', 'removeEnvironment', 'switchEnvironment']);
  assert.deepEqual(menuOf(contextValue('group', { kind: 'affiliate' })), ['createApplication', 'importApplications']);
  assert.deepEqual(menuOf(contextValue('error')), ['retry']);
  assert.deepEqual(menuOf(contextValue('loadMore')), []);
  // The folder of a page of configurations ("Load more…" once clicked) offers nothing meant for a configuration.
  assert.deepEqual(menuOf(contextValue('page', { kind: 'adapter' })), []);
  assert.deepEqual(menuOf(contextValue('message')), []);
});

test('a fact a menu does not ask for changes nothing: a new key leaves the menus as they were', () => {
  assert.deepEqual(menuOf(contextValue('application', { kind: 'adapter', enabled: true, shared: 'yes' })), menuOf(contextValue('application', { kind: 'adapter', enabled: true })));
  assert.equal(contextValue('application', { kind: 'adapter', enabled: true }), 'type=application,kind=adapter,enabled=true');
});
