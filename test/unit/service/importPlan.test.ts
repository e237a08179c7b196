/**
 * Import planning (pure functions): what each mode creates, changes and removes, by field name;
 * the definition checks that refuse an import; the before/after documents (masked values are
 * never in them); and the basis that makes an outdated plan fail to apply. Also the parsing of
 * export payloads and .sso files into what planning reads.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import forge from 'node-forge';
import { SsoError } from '../../../src/protocol/errors';
import { AppFlags, MASKED_CHANGED_PLACEHOLDER, MASKED_PLACEHOLDER, type ImportMode } from '../../../src/protocol/messages';
import { applicationFlags } from '../../../src/ssoService/service/applicationFlags';
import {
  importBasis,
  maskedComparisonAudit,
  planApplicationImport,
  type CurrentApplication,
  type IncomingApplication,
  type PlannedRow,
} from '../../../src/ssoService/service/importPlan';
import { parseExportPayload, readSsoFile, writeSsoFile } from '../../../src/ssoService/service/transferFiles';

const SECRET = 'Hunter2-very-secret-value';

function incoming(overrides: Partial<IncomingApplication> = {}): IncomingApplication {
  return {
    name: 'Contoso.Settings',
    kind: 'configStore',
    fields: [{ label: 'dummy', masked: false }, { label: 'Url', masked: false }, { label: 'Password', masked: true }],
    configurations: [
      { identifier: 'ConfigProperties', values: new Map([['Url', 'https://new.example'], ['Password', SECRET]]) },
      { identifier: 'Second', values: new Map([['Url', 'https://second.example']]) },
    ],
    identifierScope: 'all',
    ...overrides,
  };
}

function current(overrides: Partial<CurrentApplication> = {}): CurrentApplication {
  return {
    name: 'Contoso.Settings',
    kind: 'configStore',
    fields: [{ label: 'dummy', masked: false }, { label: 'Url', masked: false }, { label: 'Password', masked: true }, { label: 'Extra', masked: false }],
    rows: [
      { identifier: 'configproperties', timestamp: '10', values: new Map([['dummy', ''], ['Url', 'https://old.example'], ['Password', 'old-secret'], ['Extra', 'x']]) },
      { identifier: 'Untouched', timestamp: '11', values: new Map([['Url', 'https://untouched.example'], ['Extra', 'y']]) },
    ],
    ...overrides,
  };
}

function refused(fn: () => unknown, pattern: RegExp): SsoError {
  let error: unknown;
  assert.throws(fn, (e: unknown) => ((error = e), e instanceof SsoError && e.code === 'ENTSSO_E_INVALID_REQUEST' && pattern.test(e.message)));
  return error as SsoError;
}

function put(rows: PlannedRow[], identifier: string): Map<string, string> {
  const row = rows.find((r) => r.identifier === identifier);
  assert.ok(row && row.op === 'put', `${identifier} is written`);
  return row.values;
}

describe('import planning: modes', () => {
  it('creates a missing application with its fields, flags and every identifier', () => {
    const planned = planApplicationImport(incoming({ description: 'd', contact: 'c', flags: AppFlags.configStore | AppFlags.allowLocal }), undefined, 'add');
    assert.equal(planned.plan.action, 'create');
    assert.deepEqual(planned.create?.fields.map((f) => [f.label, f.masked]), [['dummy', false], ['Url', false], ['Password', true]]);
    assert.equal(planned.create?.flags, AppFlags.configStore | AppFlags.allowLocal, 'the flags of the file are kept (here: disabled)');
    assert.equal(planned.create?.description, 'd');
    assert.deepEqual(planned.rows.map((r) => [r.op, r.identifier, r.op === 'put' ? r.expectedTimestamp : '']), [['put', 'ConfigProperties', null], ['put', 'Second', null]]);
    assert.deepEqual(planned.plan.identifiers.map((i) => [i.identifier, i.action, i.created]), [['ConfigProperties', 'create', ['Url', 'Password']], ['Second', 'create', ['Url']]]);
    assert.equal(planned.plan.before, undefined);
    assert.equal(planned.plan.after?.configurations.ConfigProperties?.Password, MASKED_CHANGED_PLACEHOLDER);
  });

  it('the plan of a created application shows what it gets besides its fields: description, contact, groups, flags', () => {
    const flags = applicationFlags('adapter', false);
    const planned = planApplicationImport(incoming({ kind: 'adapter', description: 'Vendor ports', contact: 'ops@vendor', userGroup: 'Everyone', adminGroup: 'VENDOR\\Support', flags }), undefined, 'add');
    assert.deepEqual(planned.plan.definition, { description: 'Vendor ports', contact: 'ops@vendor', userGroup: 'Everyone', adminGroup: 'VENDOR\\Support', flags, enabled: false });
    const { name: _name, kind: _kind, fields: _fields, ...written } = planned.create!;
    assert.deepEqual({ ...written, enabled: false }, planned.plan.definition, 'the plan shows exactly what is written');

    const hostile = planApplicationImport(incoming({ description: 'ok\u001b]52;c;eA==\u0007\u202e', contact: 'a\nb' }), undefined, 'add');
    assert.equal(hostile.create?.description, 'ok\u001b]52;c;eA==\u0007\u202e', 'written as the file says');
    assert.equal(hostile.plan.definition?.description, 'ok\\u{1b}]52;c;eA==\\u{7}\\u{202e}', 'shown escaped (ssoctl prints the plan on a terminal)');
    assert.equal(hostile.plan.definition?.contact, 'a\\u{a}b');
  });

  it('refuses to create an application with unknown flags or another kind\'s; ENTSSO\'s own options pass', () => {
    for (const [kind, flags] of [
      ['configStore', 0x7fff0000],
      ['configStore', applicationFlags('configStore', true) | 0x1],
      ['configStore', applicationFlags('adapter', true)],
      ['adapter', applicationFlags('configStore', true)],
      ['affiliate', applicationFlags('affiliate', true) | AppFlags.adapter],
    ] as const) {
      assert.throws(
        () => planApplicationImport(incoming({ kind, flags }), undefined, 'add'),
        (err: unknown) => err instanceof SsoError && err.code === 'ENTSSO_E_INVALID_REQUEST' && err.message.includes(`0x${flags.toString(16).padStart(8, '0')}`) && /Nothing was imported/.test(err.message),
        `${kind} 0x${flags.toString(16)}`,
      );
    }
    for (const kind of ['configStore', 'adapter', 'affiliate'] as const) {
      for (const enabled of [true, false]) assert.equal(planApplicationImport(incoming({ kind, flags: applicationFlags(kind, enabled) }), undefined, 'add').plan.definition?.enabled, enabled);
    }
    // Group mapping and admin-same are ENTSSO options an exported application may carry; no allow-local is allowed too.
    for (const [kind, flags] of [
      ['configStore', applicationFlags('configStore', true) | AppFlags.groupMapping],
      ['affiliate', AppFlags.groupMapping | AppFlags.adminSame | AppFlags.enabled],
      ['affiliate', 0],
    ] as const) {
      assert.equal(planApplicationImport(incoming({ kind, flags }), undefined, 'add').plan.definition?.flags, flags, `${kind} 0x${flags.toString(16)}`);
    }
  });

  it('a .sso file creates a config-store application, enabled, with unmasked fields', () => {
    const sso = incoming({ kind: undefined, fields: [{ label: 'A' }, { label: 'B' }], configurations: [{ identifier: 'ConfigProperties', values: new Map([['A', '1'], ['B', '2']]) }], identifierScope: 'listed' });
    const planned = planApplicationImport(sso, undefined, 'mirror');
    assert.equal(planned.create?.kind, 'configStore');
    assert.equal(planned.create?.flags, applicationFlags('configStore', true));
    assert.ok(planned.create!.fields.every((f) => !f.masked));
  });

  const modes: [ImportMode, { url: string; password: string; untouched: 'kept' | 'deleted'; extraField: boolean }][] = [
    ['add', { url: 'https://old.example', password: 'old-secret', untouched: 'kept', extraField: true }],
    ['update', { url: 'https://new.example', password: SECRET, untouched: 'kept', extraField: true }],
    ['mirror', { url: 'https://new.example', password: SECRET, untouched: 'deleted', extraField: false }],
  ];
  for (const [mode, want] of modes) {
    it(`${mode}: existing values ${mode === 'add' ? 'are kept' : 'change'}; identifiers and fields the file lacks are ${want.untouched}`, () => {
      const planned = planApplicationImport(incoming(), current(), mode);
      assert.equal(planned.plan.action, 'update');
      const cp = planned.rows.find((r) => r.identifier === 'configproperties');
      if (mode === 'add') {
        assert.equal(cp, undefined, 'nothing missing in ConfigProperties: not written');
        assert.deepEqual(planned.plan.identifiers.find((i) => i.identifier === 'configproperties')?.kept, ['Url', 'Password']);
        assert.equal(planned.plan.identifiers.find((i) => i.identifier === 'configproperties')?.action, 'unchanged');
      } else {
        const values = put(planned.rows, 'configproperties');
        assert.equal(values.get('Url'), want.url);
        assert.equal(values.get('Password'), want.password);
        const id = planned.plan.identifiers.find((i) => i.identifier === 'configproperties')!;
        assert.deepEqual(id.changed, ['Url', 'Password']);
        assert.equal(id.timestamp, '10', 'the row version read is in the plan');
        assert.equal(cp?.op === 'put' && cp.expectedTimestamp, '10');
        if (mode === 'mirror') {
          assert.deepEqual(id.removed, ['dummy', 'Extra'], 'mirror removes keys the file lacks, and the values of removed fields');
          assert.equal(values.has('Extra'), false);
          assert.equal(values.has('dummy'), false);
        } else {
          assert.equal(values.get('Extra'), 'x');
        }
      }
      assert.deepEqual(put(planned.rows, 'Second'), new Map([['Url', 'https://second.example']]));
      const untouched = planned.rows.find((r) => r.identifier === 'Untouched');
      if (want.untouched === 'deleted') assert.deepEqual(untouched, { op: 'delete', identifier: 'Untouched', expectedTimestamp: '11' });
      else assert.equal(untouched, undefined);
      assert.deepEqual(planned.plan.fieldsRemoved, want.extraField ? [] : ['Extra']);
      assert.equal(planned.fields !== undefined, !want.extraField);
    });
  }

  it('add: creates missing keys and fields, never changes a value; nothing to do is "unchanged"', () => {
    const cur = current({ rows: [{ identifier: 'ConfigProperties', timestamp: '7', values: new Map([['Url', 'https://kept.example']]) }] });
    const file = incoming({ fields: [...incoming().fields, { label: 'Timeout', masked: false }], configurations: [{ identifier: 'CONFIGPROPERTIES', values: new Map([['Url', 'https://other.example'], ['Password', SECRET], ['Timeout', '30']]) }] });
    const planned = planApplicationImport(file, cur, 'add');
    assert.deepEqual(planned.plan.fieldsAdded, [{ label: 'Timeout', masked: false }]);
    assert.deepEqual(planned.fields?.map((f) => f.label), ['dummy', 'Url', 'Password', 'Extra', 'Timeout'], 'new fields are appended');
    const values = put(planned.rows, 'ConfigProperties');
    assert.deepEqual([...values], [['Url', 'https://kept.example'], ['Password', SECRET], ['Timeout', '30']]);
    const id = planned.plan.identifiers[0]!;
    assert.deepEqual([id.created, id.changed, id.kept], [['Password', 'Timeout'], [], ['Url']]);

    const again = planApplicationImport(incoming({ configurations: [{ identifier: 'ConfigProperties', values: new Map([['Url', 'https://kept.example']]) }] }), cur, 'update');
    assert.equal(again.plan.action, 'unchanged');
    assert.deepEqual(again.rows, []);
    assert.equal(again.plan.unchangedIdentifiers, 1);
  });

  it('field names and identifiers match ignoring case; the stored spelling wins', () => {
    const file = incoming({ fields: [{ label: 'DUMMY', masked: false }, { label: 'url', masked: false }], configurations: [{ identifier: 'CONFIGPROPERTIES', values: new Map([['url', 'changed']]) }] });
    const planned = planApplicationImport(file, current(), 'update');
    assert.deepEqual(planned.plan.fieldsAdded, []);
    assert.equal(put(planned.rows, 'configproperties').get('Url'), 'changed');
    assert.equal(planned.plan.identifiers[0]?.identifier, 'configproperties');
  });

  it('a .sso file mirrors keys and fields, but never deletes other identifiers', () => {
    const sso = incoming({ kind: undefined, fields: [{ label: 'Url' }, { label: 'Password' }], configurations: [{ identifier: 'ConfigProperties', values: new Map([['Url', 'u']]) }], identifierScope: 'listed' });
    const planned = planApplicationImport(sso, current(), 'mirror');
    assert.equal(planned.rows.some((r) => r.op === 'delete'), false);
    assert.deepEqual(planned.plan.fieldsRemoved, ['dummy', 'Extra']);
    assert.deepEqual([...put(planned.rows, 'configproperties')], [['Url', 'u']], 'Password is a field the file has, but this identifier lacks its key: removed');
    assert.deepEqual([...put(planned.rows, 'Untouched')], [['Url', 'https://untouched.example']], 'values of removed fields are purged everywhere');
  });
});

describe('import planning: refusals', () => {
  it('refuses a field masked on one side only, naming the application and the fields', () => {
    const file = incoming({ fields: [{ label: 'dummy', masked: false }, { label: 'Url', masked: true }, { label: 'Password', masked: false }] });
    const error = refused(() => planApplicationImport(file, current(), 'update'), /"Contoso\.Settings" exists here with other field definitions: "Url" is masked in the file but not masked here; "Password" is not masked in the file but masked here/);
    assert.deepEqual(error.details, { reason: 'definition-mismatch', application: 'Contoso.Settings', fields: ['Url', 'Password'] });
  });

  it('refuses another kind of application', () => {
    refused(() => planApplicationImport(incoming({ kind: 'adapter' }), current(), 'add'), /an adapter application in the file but a configStore application here/);
  });

  it('refuses removing every field, and leaving a masked field first', () => {
    const onlyNew = incoming({ fields: [{ label: 'Other', masked: true }], configurations: [] });
    refused(() => planApplicationImport(onlyNew, current({ fields: [{ label: 'dummy', masked: false }] }), 'mirror'), /leave the masked field "Other" first/);
    const none = incoming({ kind: undefined, fields: [], configurations: [{ identifier: 'ConfigProperties', values: new Map() }], identifierScope: 'listed' });
    refused(() => planApplicationImport(none, current(), 'mirror'), /remove every field/);
    refused(() => planApplicationImport(none, undefined, 'add'), /no field/);
    refused(() => planApplicationImport(incoming({ fields: [{ label: 'Pwd', masked: true }], configurations: [] }), undefined, 'add'), /first field .* cannot be masked/);
  });
});

describe('import planning: documents and basis', () => {
  it('documents show values of unmasked fields only; masked ones are placeholders, marked when the import changes them', () => {
    const planned = planApplicationImport(incoming(), current(), 'update');
    const text = JSON.stringify(planned.plan);
    assert.ok(!text.includes(SECRET), 'the new masked value is not in the plan');
    assert.ok(!text.includes('old-secret'), 'the stored masked value is not in the plan');
    assert.equal(planned.plan.before?.configurations.configproperties?.Password, MASKED_PLACEHOLDER);
    assert.equal(planned.plan.after?.configurations.configproperties?.Password, MASKED_CHANGED_PLACEHOLDER);
    assert.equal(planned.plan.before?.configurations.configproperties?.Url, 'https://old.example');
    assert.equal(planned.plan.after?.configurations.configproperties?.Url, 'https://new.example');
    assert.deepEqual(Object.keys(planned.plan.after!.configurations), ['configproperties', 'Second', 'Untouched']);
  });

  it('names, per existing configuration, the masked fields whose stored value it compared (every mode), and nothing else', () => {
    for (const mode of ['add', 'update', 'mirror'] as const) {
      const planned = planApplicationImport(incoming(), current(), mode);
      assert.deepEqual(planned.maskedCompared, [{ identifier: 'configproperties', fields: ['Password'] }], mode);
    }
    const noStoredValue = current({ rows: [{ identifier: 'ConfigProperties', timestamp: '7', values: new Map([['Url', 'u']]) }] });
    assert.deepEqual(planApplicationImport(incoming(), noStoredValue, 'update').maskedCompared, [], 'a value that is created is compared with nothing');
    assert.deepEqual(planApplicationImport(incoming(), undefined, 'update').maskedCompared, [], 'a created application compares nothing');
  });

  it('audits the masked comparisons of an application with 50 configurations in one row that counts them, and none when nothing masked is compared', () => {
    const ids = Array.from({ length: 50 }, (_, i) => `Port${i}`);
    const stored = current({ rows: ids.map((identifier, i) => ({ identifier, timestamp: String(i), values: new Map([['Url', 'u'], ['Password', 'old']]) })) });
    const planned = planApplicationImport(incoming({ configurations: ids.map((identifier) => ({ identifier, values: new Map([['Url', 'u'], ['Password', SECRET]]) })) }), stored, 'update');
    assert.equal(planned.maskedCompared.length, 50);
    const row = maskedComparisonAudit(planned);
    assert.deepEqual(row, { action: 'app.importPlan', outcome: 'ok', application: 'Contoso.Settings', fields: ['Password'], detail: "an import plan compared the masked values of 50 configurations with a file's" });
    const one = maskedComparisonAudit(planApplicationImport(incoming(), current(), 'update'));
    assert.deepEqual([one?.identifier, one?.fields, one?.detail], ['configproperties', ['Password'], "an import plan compared the masked values of one configuration with a file's"]);
    assert.equal(maskedComparisonAudit(planApplicationImport(incoming(), undefined, 'add')), undefined);
  });

  it('names are data in documents, "__proto__" included', () => {
    const file = incoming({ fields: [{ label: '__proto__', masked: false }], configurations: [{ identifier: '__proto__', values: new Map([['__proto__', 'v']]) }] });
    const planned = planApplicationImport(file, undefined, 'add');
    const after = JSON.parse(JSON.stringify(planned.plan.after)) as { configurations: Record<string, Record<string, string>> };
    assert.deepEqual(Object.entries(after.configurations), [['__proto__', { ['__proto__']: 'v' }]]);
  });

  it('the basis changes with the mode, the file, the definition and the rows read, and ignores the name case', () => {
    const base = { mode: 'add' as const, format: 'entsso' as const, fileDigest: 'f1', application: 'App', current: { kind: 'configStore' as const, fields: [{ label: 'a', masked: false }] }, rowsRead: { count: 2, maxTimestamp: '9' } };
    const basis = importBasis(base);
    assert.match(basis, /^[0-9a-f]{64}$/);
    assert.equal(importBasis({ ...base, application: 'APP' }), basis);
    for (const other of [
      { ...base, mode: 'update' as const },
      { ...base, fileDigest: 'f2' },
      { ...base, current: undefined },
      { ...base, current: { kind: 'configStore' as const, fields: [{ label: 'a', masked: true }] } },
      { ...base, rowsRead: { count: 3, maxTimestamp: '9' } },
      { ...base, rowsRead: { count: 2, maxTimestamp: '10' } },
    ]) {
      assert.notEqual(importBasis(other), basis);
    }
  });
});

describe('export payloads and .sso files as planning input', () => {
  const valid = {
    format: 'entsso-export',
    version: 1,
    exportedAt: '2026-01-01T00:00:00.000Z',
    applications: [
      {
        name: 'A', kind: 'configStore', description: '', contact: '', userGroup: 'u', adminGroup: 'g', flags: 2,
        fields: [{ label: 'dummy', masked: false }, { label: 'Pwd', masked: true }],
        configurations: [{ identifier: 'ConfigProperties', values: [{ field: 'PWD', value: 'p' }] }],
      },
    ],
  };

  it('parses a valid payload, matching value fields to the field list', () => {
    const [app] = parseExportPayload(valid);
    assert.equal(app?.name, 'A');
    assert.deepEqual([...app!.configurations[0]!.values], [['Pwd', 'p']]);
    assert.equal(app?.identifierScope, 'all');
  });

  it('refuses payloads that are not valid exports, without quoting values', () => {
    const bad = (mutate: (p: typeof valid) => void, pattern: RegExp) => {
      const copy = structuredClone(valid);
      mutate(copy);
      assert.throws(() => parseExportPayload(copy), (e: unknown) => e instanceof SsoError && e.code === 'ENTSSO_E_BAD_FILE' && pattern.test(e.message) && !e.message.includes('secret-value'));
    };
    bad((p) => (p.version = 3), /contents version 3/);
    bad((p) => (p.format = 'other'), /not an application export/);
    bad((p) => (p.applications = []), /holds no application/);
    bad((p) => p.applications.push(structuredClone(p.applications[0]!)), /holds the application "A" twice/);
    bad((p) => (p.applications[0]!.fields = []), /between 1 and/);
    bad((p) => p.applications[0]!.fields.push({ label: 'PWD', masked: false }), /defines the field "PWD" twice/);
    bad((p) => (p.applications[0]!.configurations[0]!.values = [{ field: 'Unknown', value: 'secret-value' }]), /a field the application does not define/);
    bad((p) => (p.applications[0]!.kind = 'weird'), /unknown kind/);
    bad((p) => (p.applications[0]!.name = ' padded'), /must not start or end with spaces/);
  });

  it('reads kept versions from a contents version 2 payload, and refuses them in version 1 or malformed', () => {
    const version = { version: 1, writtenAt: 1_700_000_000_000, replacedAt: 1_700_000_100_000, replacedBy: 'alice via code', change: 'set', changedFields: ['Pwd'], values: [{ field: 'pwd', value: 'old-secret-value' }] };
    const withHistory = (v: number, history: unknown) => {
      const copy = structuredClone(valid) as typeof valid & { applications: { configurations: { history?: unknown }[] }[] };
      copy.version = v;
      copy.applications[0]!.configurations[0]!.history = history;
      return copy;
    };
    const [app] = parseExportPayload(withHistory(2, [version]));
    const kept = app!.configurations[0]!.history!;
    assert.deepEqual(kept.map((k) => [k.version, k.modifiedAt, k.savedAt, k.savedBy, k.change, k.changedFields, [...k.values]]), [
      [1, 1_700_000_000_000, 1_700_000_100_000, 'alice via code (imported)', 'set', ['Pwd'], [['Pwd', 'old-secret-value']]],
    ]);
    const refused = (payload: unknown, pattern: RegExp) =>
      assert.throws(() => parseExportPayload(payload), (e: unknown) => e instanceof SsoError && e.code === 'ENTSSO_E_BAD_FILE' && pattern.test(e.message) && !e.message.includes('secret-value'));
    refused(withHistory(1, [version]), /contents version 1 file cannot/);
    refused(withHistory(2, [version, version]), /version 1 twice/);
    refused(withHistory(2, [{ ...version, version: 0 }]), /no valid version number/);
    refused(withHistory(2, [{ ...version, change: 'rename' }]), /how it was replaced/);
    refused(withHistory(2, [{ ...version, values: [{ field: 'Unknown', value: 'secret-value' }] }]), /a field the application does not define/);
    refused(withHistory(2, 'all of it'), /kept versions of .* are invalid/);
  });

  it('reads a .sso file (made with node-forge, independently) as the ConfigProperties of the named application', async () => {
    const password = 'a .sso password 123';
    const xml = '<?xml version="1.0"?><SSOApplicationExport><applicationData><add key="Url" value="https://x" /><add key="Pwd" value="p&amp;q" /></applicationData></SSOApplicationExport>';
    const md5 = forge.md.md5.create().update(forge.util.encodeUtf8(password)).digest().getBytes();
    const cipher = forge.cipher.createCipher('3DES-ECB', forge.util.createBuffer(md5 + md5.slice(0, 8)));
    cipher.start();
    cipher.update(forge.util.createBuffer(forge.util.encodeUtf8(xml)));
    cipher.finish();
    const file = Buffer.from(forge.util.encode64(cipher.output.getBytes()), 'ascii');
    const app = await readSsoFile(file, password, 'From.Snapin');
    assert.equal(app.name, 'From.Snapin');
    assert.equal(app.kind, undefined);
    assert.deepEqual(app.fields, [{ label: 'Url' }, { label: 'Pwd' }]);
    assert.deepEqual([...app.configurations[0]!.values], [['Url', 'https://x'], ['Pwd', 'p&q']]);
    assert.equal(app.identifierScope, 'listed');
    assert.deepEqual([...(await readSsoFile(writeSsoFile(new Map([['K', 'v']]), 'another-Password-42'), 'another-Password-42', 'X')).configurations[0]!.values], [['K', 'v']]);
    assert.throws(() => writeSsoFile(new Map([['K', 'v']]), 'short'), (e: unknown) => e instanceof SsoError && e.code === 'ENTSSO_E_BAD_PASSWORD');
  });
});
