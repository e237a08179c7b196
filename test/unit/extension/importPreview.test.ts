// Unit tests of the import preview: both sides of the diff laid out alike, the summary of the
// modal confirmation (by field name, never a value), and plans without documents.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ApplicationImportPlan, ImportPlan } from '../../../src/protocol/messages';
import { describeImportPlan, planHeadline, planSides } from '../../../src/model/importPreview';

function appPlan(p: Partial<ApplicationImportPlan>): ApplicationImportPlan {
  return {
    application: 'Contoso.Orders',
    action: 'update',
    kind: 'configStore',
    fieldsAdded: [],
    fieldsRemoved: [],
    identifiers: [],
    unchangedIdentifiers: 0,
    rowsRead: { count: 1, maxTimestamp: 't' },
    basis: 'b',
    ...p,
  };
}

const update = appPlan({
  identifiers: [{ identifier: 'ConfigProperties', action: 'update', timestamp: 't', created: [], changed: ['Endpoint', 'ApiKey'], removed: [], kept: [] }],
  before: {
    name: 'Contoso.Orders',
    kind: 'configStore',
    fields: [{ label: 'Endpoint', masked: false }, { label: 'ApiKey', masked: true }],
    configurations: { zeta: { ApiKey: '(masked)', Endpoint: 'z' }, ConfigProperties: { ApiKey: '(masked)', Endpoint: 'https://old' } },
  },
  after: {
    name: 'Contoso.Orders',
    kind: 'configStore',
    fields: [{ label: 'Endpoint', masked: false }, { label: 'ApiKey', masked: true }],
    configurations: { ConfigProperties: { Endpoint: 'https://new', ApiKey: '(masked, changed by the import)' }, zeta: { Endpoint: 'z', ApiKey: '(masked)' } },
  },
});
const create = appPlan({
  application: 'New.App',
  action: 'create',
  fieldsAdded: [{ label: 'Url', masked: false }],
  identifiers: [{ identifier: 'ConfigProperties', action: 'create', timestamp: null, created: ['Url'], changed: [], removed: [], kept: [] }],
  after: { name: 'New.App', kind: 'configStore', fields: [{ label: 'Url', masked: false }], configurations: { ConfigProperties: { Url: 'u' } } },
});

function plan(p: Partial<ImportPlan>): ImportPlan {
  return { format: 'entsso', mode: 'update', applications: [update, create], hasChanges: true, expected: {}, warnings: [], ...p };
}

describe('planSides', () => {
  test('same layout on both sides: applications by name, identifiers sorted, values in field order; created ones only after', () => {
    const { before, after } = planSides(plan({}));
    const b = JSON.parse(before);
    const a = JSON.parse(after);
    assert.deepEqual(Object.keys(b), ['Contoso.Orders']);
    assert.deepEqual(Object.keys(a), ['Contoso.Orders', 'New.App']);
    assert.deepEqual(b['Contoso.Orders'].fields, ['Endpoint', 'ApiKey (masked)']);
    assert.deepEqual(Object.keys(b['Contoso.Orders'].configurations), ['ConfigProperties', 'zeta']);
    assert.deepEqual(Object.keys(b['Contoso.Orders'].configurations.zeta), ['Endpoint', 'ApiKey']);
    assert.equal(a['Contoso.Orders'].configurations.ConfigProperties.ApiKey, '(masked, changed by the import)');
    // Only the changed lines differ.
    const one = planSides(plan({ applications: [update] }));
    const bl = one.before.split('\n');
    const al = one.after.split('\n');
    const changed = bl.filter((l, i) => l !== al[i]);
    assert.equal(changed.length, 2, changed.join('\n'));
  });

  test('without documents (too large for one frame), the reason and the summary are compared instead', () => {
    const sides = planSides(plan({ documentsOmitted: 'the documents would not fit one frame' }));
    assert.match(sides.before, /left out: the documents would not fit one frame/);
    assert.match(sides.after, /Contoso\.Orders: updated/);
  });
});

describe('describeImportPlan and planHeadline', () => {
  test('by field name, capped', () => {
    const text = describeImportPlan(plan({}));
    assert.match(text, /Contoso\.Orders: updated\n {2}ConfigProperties: update \(changed Endpoint, ApiKey\)/);
    assert.match(text, /New\.App: created\n {2}fields added: Url\n {2}ConfigProperties: create \(new Url\)/);
    assert.ok(!text.includes('https://'), 'no values');
    const capped = describeImportPlan(plan({}), 3);
    assert.equal(capped.split('\n').length, 3);
    assert.match(capped, /… and \d+ more/);
  });

  test('a created application shows what it gets besides its fields, in the comparison and in the summary', () => {
    const definition = { description: 'Vendor ports', contact: 'ops@vendor', userGroup: 'Everyone', adminGroup: 'VENDOR\\Support', flags: 0x00140000, enabled: false };
    const p = plan({ applications: [update, { ...create, definition }] });
    const after = JSON.parse(planSides(p).after);
    assert.deepEqual(
      [after['New.App'].description, after['New.App'].contact, after['New.App'].userGroup, after['New.App'].adminGroup, after['New.App'].state, after['New.App'].flags],
      ['Vendor ports', 'ops@vendor', 'Everyone', 'VENDOR\\Support', 'disabled', '0x00140000 (allow local accounts, config store)'],
    );
    assert.equal(after['Contoso.Orders'].userGroup, undefined, 'an existing application keeps its definition: nothing to show');
    assert.match(describeImportPlan(p), /New\.App: created\n {2}disabled; user group "Everyone", administrator group "VENDOR\\Support"; flags 0x00140000 \(allow local accounts, config store\); description "Vendor ports"; contact "ops@vendor"/);
  });

  test('headline counts', () => {
    assert.equal(planHeadline(plan({})), 'Apply this import? 2 applications change: 1 configuration created, 1 updated, 0 deleted.');
  });
});

describe('planSides with <appSettings> values', () => {
  test('an AppConfig XML value is compared as key/values, so only the changed setting differs', () => {
    const xml = (timeout: string) => `<appSettings>\n  <add key="Endpoint" value="https://orders" />\n  <add key="Timeout" value="${timeout}" />\n</appSettings>`;
    const doc = (timeout: string) => ({ name: 'Contoso.Btdf', kind: 'configStore' as const, fields: [{ label: 'AppConfig', masked: false }], configurations: { ConfigProperties: { AppConfig: xml(timeout) } } });
    const p = plan({ applications: [appPlan({ application: 'Contoso.Btdf', before: doc('30'), after: doc('60') })] });
    const { before, after } = planSides(p);
    assert.deepEqual(JSON.parse(before)['Contoso.Btdf'].configurations.ConfigProperties.AppConfig, { Endpoint: 'https://orders', Timeout: '30' });
    assert.deepEqual(JSON.parse(after)['Contoso.Btdf'].configurations.ConfigProperties.AppConfig, { Endpoint: 'https://orders', Timeout: '60' });
    const changed = after.split('\n').filter((line, i) => line !== before.split('\n')[i]);
    assert.deepEqual(changed, ['          "Timeout": "60"']);
  });

  test('a value that is not <appSettings> XML stays a string', () => {
    const doc = { name: 'X', kind: 'configStore' as const, fields: [{ label: 'AppConfig', masked: false }], configurations: { ConfigProperties: { AppConfig: '<appSettings><add key=' } } };
    const { after } = planSides(plan({ applications: [appPlan({ application: 'X', after: doc })] }));
    assert.equal(JSON.parse(after).X.configurations.ConfigProperties.AppConfig, '<appSettings><add key=');
  });
});
