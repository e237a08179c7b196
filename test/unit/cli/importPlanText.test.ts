/**
 * Review 5 finding 7, on the command line: `ssoctl app import` prints the plan before it asks to
 * apply it; an application the import creates shows what it gets besides its fields (from the file:
 * description, contact, groups, enabled state and flags).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describePlan } from '../../../src/cli/verbs/appTransfer';
import type { ApplicationImportPlan, ImportPlan } from '../../../src/protocol/messages';

const created: ApplicationImportPlan = {
  application: 'Vendor.Ports',
  action: 'create',
  kind: 'adapter',
  fieldsAdded: [{ label: 'Url', masked: false }],
  fieldsRemoved: [],
  identifiers: [{ identifier: 'ConfigProperties', action: 'create', timestamp: null, created: ['Url'], changed: [], removed: [], kept: [] }],
  unchangedIdentifiers: 0,
  rowsRead: { count: 0, maxTimestamp: null },
  basis: 'b',
  definition: { description: 'Vendor ports', contact: 'ops@vendor', userGroup: 'Everyone', adminGroup: 'VENDOR\\Support', flags: 0x440000, enabled: false },
};

test('the plan ssoctl prints shows the definition of an application the import creates', () => {
  const plan: ImportPlan = { format: 'entsso', mode: 'add', applications: [created], hasChanges: true, expected: {}, warnings: [] };
  const lines = describePlan(plan).split('\n');
  assert.deepEqual(lines.slice(0, 3), [
    'Import plan (entsso file, mode add):',
    '  Vendor.Ports (adapter): CREATE',
    '    disabled; user group "Everyone", administrator group "VENDOR\\Support"; flags 0x00440000; description "Vendor ports"; contact "ops@vendor"',
  ]);
});
