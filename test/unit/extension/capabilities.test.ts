// Unit tests of the capability context keys that hide what the connected backend cannot do.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { CAPABILITY_CONTEXT_KEYS, capabilityContext, serves } from '../../../src/model/capabilities';

const BRIDGE = ['hello', 'status', 'health', 'apps.list', 'apps.get', 'apps.create', 'apps.delete', 'apps.setEnabled', 'apps.addField', 'apps.removeField', 'identifiers.list', 'search', 'config.get', 'config.set', 'config.delete', 'secret.info', 'secret.backup', 'secret.inspect', 'secret.restore', 'secret.generate'];

describe('capabilities', () => {
  test('the own service (no capability list) can do everything', () => {
    assert.ok(Object.values(capabilityContext(undefined)).every((cannot) => cannot === false));
    assert.ok(serves(undefined, 'secret.verify'));
  });

  test('on the ENTSSO bridge: verify, export and import are hidden; generate is offered through the one-step secret.generate', () => {
    const context = capabilityContext(BRIDGE);
    assert.equal(context['entsso.cannot.verifyBackup'], true);
    assert.equal(context['entsso.cannot.export'], true);
    assert.equal(context['entsso.cannot.import'], true);
    assert.equal(context['entsso.cannot.findByValue'], true, 'the bridge does not serve config.grep');
    assert.equal(context['entsso.cannot.history'], true, 'ENTSSO keeps no history: Show History is hidden on the bridge');
    assert.equal(context['entsso.cannot.generate'], false);
    assert.equal(context['entsso.cannot.backup'], false);
    assert.equal(context['entsso.cannot.restore'], false);
    assert.equal(capabilityContext(BRIDGE.filter((m) => m !== 'secret.generate'))['entsso.cannot.generate'], true);
  });

  test('every palette entry of a command that needs a capability is guarded by its key in package.json', () => {
    const pkg = JSON.parse(readFileSync(join(__dirname, '..', '..', '..', 'package.json'), 'utf8')) as { contributes: { menus: Record<string, { command: string; when?: string }[]> } };
    const guards: Record<string, string> = {
      'entsso.backupSecret': 'entsso.cannot.backup',
      'entsso.verifySecretBackup': 'entsso.cannot.verifyBackup',
      'entsso.restoreSecret': 'entsso.cannot.restore',
      'entsso.generateSecret': 'entsso.cannot.generate',
      'entsso.createApplication': 'entsso.cannot.createApplication',
      'entsso.deleteApplication': 'entsso.cannot.deleteApplication',
      'entsso.enableApplication': 'entsso.cannot.enableApplication',
      'entsso.disableApplication': 'entsso.cannot.enableApplication',
      'entsso.addFields': 'entsso.cannot.addFields',
      'entsso.removeFields': 'entsso.cannot.removeFields',
      'entsso.newConfiguration': 'entsso.cannot.newConfiguration',
      'entsso.deleteConfiguration': 'entsso.cannot.deleteConfiguration',
      'entsso.exportApplications': 'entsso.cannot.export',
      'entsso.importApplications': 'entsso.cannot.import',
      'entsso.findByValue': 'entsso.cannot.findByValue',
      'entsso.showHistory': 'entsso.cannot.history',
      'entsso.compareHistoryWithCurrent': 'entsso.cannot.history',
      'entsso.restoreHistoryVersion': 'entsso.cannot.history',
    };
    for (const key of Object.values(guards)) assert.ok(key in CAPABILITY_CONTEXT_KEYS, key);
    const unguarded: string[] = [];
    for (const [menu, entries] of Object.entries(pkg.contributes.menus)) {
      for (const entry of entries) {
        const key = guards[entry.command];
        if (key && !(entry.when ?? '').includes(`!${key}`)) unguarded.push(`${menu}: ${entry.command}`);
      }
    }
    assert.deepEqual(unguarded, []);
  });
});
