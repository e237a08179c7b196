/**
 * The application lifecycle with real processes (MSS and SSO service as child processes, the
 * embedded SSODB, ssoctl and the client library): fields added and removed in one atomic step
 * that keeps every other value; .sso files made here independently of the product's code
 * (node-forge: 3DES-ECB under MD5(password) K1|K2|K1, PKCS#7, Base64 over the XML) imported in
 * each mode; an entsso export re-imported into a fresh environment to an identical application;
 * bad input refused with a clear error and SSODB unchanged; imports refused while the MSS is down.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import forge from 'node-forge';
import type { SsoClient } from '../../src/ssoClient/client';
import { SsoError } from '../../src/protocol/errors';
import { MASKED_CHANGED_PLACEHOLDER, type ApplicationDetail, type ImportSource } from '../../src/protocol/messages';
import { decryptBag } from '../../src/ssoService/crypto/dataCipher';
import { SecretVault } from '../../src/ssoService/crypto/secretVault';
import { openStore } from '../../src/ssoService/ssodb/openStore';
import { TestEnvironment, waitForState } from './harness';

const PASSWORD = 'correct horse battery staple 42';
const SSO_PASSWORD = 'snap-in Password 2009';
const MASKED_SECRET = 'P@ss-Never-In-A-Plan-77';

function sha256(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

/**
 * The SSODB file's hash once the audit rows saves staged in it have gone to the audit file (the
 * service moves them before any audit read): what is compared is then the configuration data, and
 * any write transaction made in between, a staged row included, still changes the file.
 */
async function settledSsodbHash(client: SsoClient, file: string): Promise<string> {
  await client.request('audit.list', { limit: 1 });
  return sha256(file);
}

async function expectSsoError(promise: Promise<unknown>, code: string, message?: RegExp): Promise<SsoError> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof SsoError, `expected SsoError ${code}, got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    if (message) assert.match(err.message, message);
    return err;
  }
  assert.fail(`expected ${code}, but the call succeeded`);
}

/** A .sso file as the snap-in writes it, built with node-forge only (not the product's ssoFile.ts). */
function makeSsoFile(entries: [string, string][], password: string, xml?: string): string {
  const escape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
  const text =
    xml ??
    `<?xml version="1.0" encoding="utf-8" ?><SSOApplicationExport><applicationData>${entries.map(([k, v]) => `<add key="${escape(k)}" value="${escape(v)}" />`).join('')}</applicationData></SSOApplicationExport>`;
  const md5 = forge.md.md5.create().update(forge.util.encodeUtf8(password)).digest().getBytes();
  const cipher = forge.cipher.createCipher('3DES-ECB', forge.util.createBuffer(md5 + md5.slice(0, 8)));
  cipher.start();
  cipher.update(forge.util.createBuffer(forge.util.encodeUtf8(text)));
  assert.ok(cipher.finish());
  return forge.util.encode64(cipher.output.getBytes());
}

/** Decrypts a .sso file with node-forge only; returns the XML. */
function openSsoFile(base64: string, password: string): string {
  const md5 = forge.md.md5.create().update(forge.util.encodeUtf8(password)).digest().getBytes();
  const decipher = forge.cipher.createDecipher('3DES-ECB', forge.util.createBuffer(md5 + md5.slice(0, 8)));
  decipher.start();
  decipher.update(forge.util.createBuffer(forge.util.decode64(base64)));
  assert.ok(decipher.finish(), 'PKCS#7 padding is valid');
  return forge.util.decodeUtf8(decipher.output.getBytes());
}

/** Every configuration of an application, revealed, by identifier. */
async function allValues(c: SsoClient, application: string): Promise<Record<string, Record<string, string>>> {
  const out: Record<string, Record<string, string>> = {};
  const page = await c.request('identifiers.list', { application, limit: 1000 });
  for (const item of page.items) out[item.identifier] = (await c.request('config.get', { application, identifier: item.identifier, reveal: true })).fields;
  return out;
}

/** What must be identical after a re-import: the definition without counters. */
function definition(a: ApplicationDetail): unknown {
  return { name: a.name, kind: a.kind, flags: a.flags, enabled: a.enabled, description: a.description, contact: a.contact, userGroup: a.userGroup, adminGroup: a.adminGroup, fields: a.fields, identifierCount: a.identifierCount };
}

describe('application lifecycle with real processes', () => {
  let t: TestEnvironment;
  let c: SsoClient;
  let scratch: string;

  before(async () => {
    t = await TestEnvironment.started({ syncIntervalSeconds: 1 });
    c = await t.client();
    scratch = join(t.dir, '..');
  });
  after(async () => t.dispose());

  test('add-field and remove-field change the field list in one step and keep every other value', async () => {
    const app = 'Lifecycle.Fields';
    await c.request('apps.create', { name: app, kind: 'configStore', fields: [{ label: 'dummy', masked: false }, { label: 'Url', masked: false }, { label: 'Password', masked: true }] });
    const values: Record<string, Record<string, string>> = {};
    for (let i = 0; i < 3; i++) {
      const id = `Port-${i}`;
      values[id] = { dummy: '', Url: `sftp://host-${i}.example/in`, Password: `${MASKED_SECRET}-${i}` };
      await c.request('config.set', { application: app, identifier: id, fields: values[id]!, expectedTimestamp: null });
    }

    const added = t.ssoctl(['app', 'add-field', app, '--field', 'Timeout', '--field', 'ApiKey:masked', '--json']);
    assert.equal(added.code, 0, added.stderr);
    assert.deepEqual(JSON.parse(added.stdout).fields.map((f: { label: string; masked: boolean }) => [f.label, f.masked]), [['dummy', false], ['Url', false], ['Password', true], ['Timeout', false], ['ApiKey', true]]);
    for (const [id, v] of Object.entries(values)) assert.deepEqual(await allValues(c, app).then((all) => all[id]), { ...v, Timeout: '', ApiKey: '' }, `${id} keeps every value`);

    const one = await c.request('config.get', { application: app, identifier: 'Port-1' });
    await c.request('config.set', { application: app, identifier: 'Port-1', fields: { Timeout: '30', ApiKey: 'key-1' }, expectedTimestamp: one.timestamp });

    const unconfirmed = t.ssoctl(['app', 'remove-field', app, '--field', 'Url']);
    assert.equal(unconfirmed.code, 2);
    assert.match(unconfirmed.stderr, /--yes/);
    const removed = t.ssoctl(['app', 'remove-field', app, '--field', 'url', '--yes']);
    assert.equal(removed.code, 0, removed.stderr);
    const after = await allValues(c, app);
    assert.deepEqual(after, {
      'Port-0': { dummy: '', Password: `${MASKED_SECRET}-0`, Timeout: '', ApiKey: '' },
      'Port-1': { dummy: '', Password: `${MASKED_SECRET}-1`, Timeout: '30', ApiKey: 'key-1' },
      'Port-2': { dummy: '', Password: `${MASKED_SECRET}-2`, Timeout: '', ApiKey: '' },
    });

    // The removed field's values are purged from the stored (encrypted) values, not just hidden.
    const vault = await SecretVault.open(t.env.paths.vault);
    const store = await openStore({ kind: 'sqlite', file: t.ssodbFile });
    try {
      for (const row of await store.listCredentials(app, { limit: 10 })) {
        const stored = JSON.parse(decryptBag(vault.current(), app, row.identifier, row.ciphertext).toString('utf8'));
        assert.equal('Url' in stored, false, `${row.identifier} no longer holds a Url value`);
        assert.equal(stored.Password.startsWith(MASKED_SECRET), true);
      }
    } finally {
      await store.close();
    }
    // Re-adding the field starts it empty.
    await c.request('apps.addField', { name: app, fields: [{ label: 'Url', masked: false }] });
    assert.equal((await c.request('config.get', { application: app, identifier: 'Port-0' })).fields.Url, '');

    const audit = (await c.request('audit.list', { limit: 20 })).items;
    const addAudit = audit.find((e) => e.action === 'app.addField' && e.outcome === 'ok' && e.fields?.includes('ApiKey'));
    assert.deepEqual(addAudit?.fields, ['Timeout', 'ApiKey']);
    const removeAudit = audit.find((e) => e.action === 'app.removeField' && e.outcome === 'ok');
    assert.deepEqual(removeAudit?.fields, ['url']);
    assert.match(removeAudit?.detail ?? '', /3 configuration\(s\) rewritten/);
    assert.ok(!JSON.stringify(audit).includes(MASKED_SECRET), 'the audit holds field names, never values');
  });

  test('field changes refuse what ENTSSO forbids, a stale field list, and unknown or duplicate fields; nothing changes', async () => {
    const app = 'Lifecycle.Rules';
    await c.request('apps.create', { name: app, kind: 'configStore', fields: [{ label: 'dummy', masked: false }, { label: 'Pwd', masked: true }] });
    await c.request('config.set', { application: app, identifier: 'ConfigProperties', fields: { dummy: 'd', Pwd: 'p' }, expectedTimestamp: null });
    const dbBefore = (await settledSsodbHash(c, t.ssodbFile));
    const read = await c.request('apps.get', { name: app });
    assert.match(read.fieldsVersion ?? '', /^[0-9a-f]{32}$/);

    await expectSsoError(c.request('apps.removeField', { name: app, fields: ['dummy'] }), 'ENTSSO_E_INVALID_REQUEST', /masked field "Pwd" first/);
    await expectSsoError(c.request('apps.removeField', { name: app, fields: ['dummy', 'Pwd'] }), 'ENTSSO_E_INVALID_REQUEST', /at least one field/);
    await expectSsoError(c.request('apps.removeField', { name: app, fields: ['Nope'] }), 'ENTSSO_E_UNKNOWN_FIELD', /no field named "Nope"/);
    await expectSsoError(c.request('apps.addField', { name: app, fields: [{ label: 'PWD', masked: false }] }), 'ENTSSO_E_INVALID_REQUEST', /already has "Pwd"/);
    await expectSsoError(c.request('apps.addField', { name: 'Missing.App', fields: [{ label: 'x', masked: false }] }), 'ENTSSO_E_APPLICATION_NOT_FOUND');
    await expectSsoError(c.request('apps.addField', { name: app, fields: [{ label: 'x', masked: false }], expectedFieldsVersion: 'deadbeef' }), 'ENTSSO_E_CONFLICT', /changed by someone else/);
    assert.equal((await settledSsodbHash(c, t.ssodbFile)), dbBefore, 'SSODB is byte-for-byte unchanged after the refusals');

    const ok = await c.request('apps.addField', { name: app, fields: [{ label: 'x', masked: false }], expectedFieldsVersion: read.fieldsVersion });
    assert.notEqual(ok.fieldsVersion, read.fieldsVersion);
    await expectSsoError(c.request('apps.removeField', { name: app, fields: ['x'], expectedFieldsVersion: read.fieldsVersion }), 'ENTSSO_E_CONFLICT');
    const audit = (await c.request('audit.list', { limit: 20 })).items;
    assert.ok(audit.some((e) => e.action === 'app.removeField' && e.outcome === 'refused' && e.detail === 'ENTSSO_E_CONFLICT'));
  });

  test('a .sso file made with the documented algorithm imports in each mode (add, update, mirror)', async () => {
    const app = 'Snapin.Settings';
    await c.request('apps.create', { name: app, kind: 'configStore', fields: [{ label: 'Endpoint', masked: false }, { label: 'Timeout', masked: false }, { label: 'Obsolete', masked: false }] });
    await c.request('config.set', { application: app, identifier: 'ConfigProperties', fields: { Endpoint: 'https://old.example', Timeout: '30', Obsolete: 'z' }, expectedTimestamp: null });
    const file = join(scratch, `${app}.sso`);
    writeFileSync(file, makeSsoFile([['Endpoint', 'https://new.example'], ['Timeout', '30'], ['NewKey', 'a & "b" <c>']], SSO_PASSWORD));

    const dbBefore = (await settledSsodbHash(c, t.ssodbFile));
    const dry = t.ssoctl(['app', 'import', '--file', file, '--mode', 'update', '--dry-run', '--password-stdin'], SSO_PASSWORD + '\n');
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(dry.stdout, /Snapin\.Settings \(configStore\): UPDATE/);
    assert.match(dry.stdout, /fields added: +NewKey/);
    assert.match(dry.stdout, /ConfigProperties: update \(new: NewKey; changed: Endpoint\)/);
    assert.match(dry.stdout, /weakly protected/);
    assert.equal((await settledSsodbHash(c, t.ssodbFile)), dbBefore, 'a dry run changes nothing');
    const noYes = t.ssoctl(['app', 'import', '--file', file, '--password-stdin'], SSO_PASSWORD + '\n');
    assert.equal(noYes.code, 2, 'without a terminal, applying needs --yes');
    assert.equal((await settledSsodbHash(c, t.ssodbFile)), dbBefore);

    const run = (mode: string) => {
      const r = t.ssoctl(['app', 'import', '--file', file, '--mode', mode, '--yes', '--password-stdin'], SSO_PASSWORD + '\n');
      assert.equal(r.code, 0, r.stderr);
      return r;
    };
    run('add'); // the application name is the file name
    let doc = await c.request('config.get', { application: app, identifier: 'ConfigProperties' });
    assert.deepEqual(doc.fields, { Endpoint: 'https://old.example', Timeout: '30', Obsolete: 'z', NewKey: 'a & "b" <c>' }, 'add creates the missing key and leaves the changed value alone');

    run('update');
    doc = await c.request('config.get', { application: app, identifier: 'ConfigProperties' });
    assert.deepEqual(doc.fields, { Endpoint: 'https://new.example', Timeout: '30', Obsolete: 'z', NewKey: 'a & "b" <c>' }, 'update changes the value that differs');

    const mirror = run('mirror');
    assert.match(mirror.stdout, /fields removed: Obsolete/);
    const mirrored = await c.request('apps.get', { name: app });
    assert.deepEqual(mirrored.fields.map((f) => f.label), ['Endpoint', 'Timeout', 'NewKey'], 'mirror removes the key (field) the file lacks');
    doc = await c.request('config.get', { application: app, identifier: 'ConfigProperties' });
    assert.deepEqual(doc.fields, { Endpoint: 'https://new.example', Timeout: '30', NewKey: 'a & "b" <c>' });

    const again = t.ssoctl(['app', 'import', '--file', file, '--mode', 'mirror', '--yes', '--password-stdin'], SSO_PASSWORD + '\n');
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /Nothing to import/);

    // A .sso file for an application that does not exist creates it (--name instead of the file name).
    const created = t.ssoctl(['app', 'import', '--file', file, '--name', 'Snapin.Copy', '--yes', '--password-stdin', '--json'], SSO_PASSWORD + '\n');
    assert.equal(created.code, 0, created.stderr);
    assert.equal(JSON.parse(created.stdout).result.applications[0].action, 'create');
    assert.deepEqual((await c.request('config.get', { application: 'Snapin.Copy', identifier: 'ConfigProperties' })).fields, doc.fields);

    // And the other way: our .sso export opens with node-forge alone and holds the ConfigProperties keys.
    const out = join(scratch, 'Snapin.Settings.export.sso');
    const exported = t.ssoctl(['app', 'export', app, '--file', out, '--format', 'sso', '--password-stdin'], SSO_PASSWORD + '\n');
    assert.equal(exported.code, 0, exported.stderr);
    assert.match(exported.stderr, /weakly protected/);
    const xml = openSsoFile(readFileSync(out, 'ascii'), SSO_PASSWORD);
    assert.equal(
      xml,
      '<?xml version="1.0" encoding="utf-8" ?><SSOApplicationExport><applicationData><add key="Endpoint" value="https://new.example" />' +
        '<add key="Timeout" value="30" /><add key="NewKey" value="a &amp; &quot;b&quot; &lt;c&gt;" /></applicationData></SSOApplicationExport>',
    );
  });

  test('an entsso export re-imports into a fresh environment to an identical application, every value included', async () => {
    const a = 'Contoso.Export.Settings';
    const b = 'Contoso.Export.Adapter';
    await c.request('apps.create', {
      name: a,
      kind: 'configStore',
      description: 'Settings of the Contoso integration',
      contact: 'BizTalkAdmin@contoso.com',
      fields: [{ label: 'dummy', masked: false }, { label: 'Url', masked: false }, { label: 'Password', masked: true }, { label: 'Notes', masked: false }],
    });
    await c.request('apps.create', { name: b, kind: 'adapter', enabled: false, userGroup: 'BizTalk Application Users', adminGroup: 'BizTalk Server Administrators', fields: [{ label: 'User', masked: false }, { label: 'Secret', masked: true }] });
    await c.request('config.set', { application: a, identifier: 'ConfigProperties', fields: { dummy: '', Url: 'https://contoso.example/api', Password: MASKED_SECRET, Notes: 'Ünïcødé 名前 😀\n"quoted" <tag> & tab\t' }, expectedTimestamp: null });
    await c.request('config.set', { application: a, identifier: 'Partner-42', fields: { Url: 'https://partner.example' }, expectedTimestamp: null });
    for (let i = 0; i < 5; i++) {
      await c.request('config.set', { application: b, identifier: `{6E5F0A7B-0000-4000-8000-00000000000${i}}`, fields: { User: `svc-${i}`, Secret: `secret-${i}` }, expectedTimestamp: null });
    }
    const file = join(scratch, 'contoso.entsso');
    const exported = t.ssoctl(['app', 'export', a, b, '--file', file, '--reminder', 'the usual phrase', '--password-stdin'], PASSWORD + '\n');
    assert.equal(exported.code, 0, exported.stderr);
    const bytes = readFileSync(file);
    for (const value of [MASKED_SECRET, 'secret-3', 'partner.example']) assert.equal(bytes.indexOf(value), -1, 'no value in clear in the export');
    assert.equal(JSON.parse(bytes.subarray(0, bytes.indexOf(0x0a)).toString('utf8')).reminder, 'the usual phrase');
    const expectedDefinitions = [definition(await c.request('apps.get', { name: a })), definition(await c.request('apps.get', { name: b }))];
    const expectedValues = [await allValues(c, a), await allValues(c, b)];

    const fresh = TestEnvironment.create({ syncIntervalSeconds: 1 });
    try {
      await fresh.startMss();
      await fresh.startService();
      const planned = fresh.ssoctl(['app', 'import', '--file', file, '--dry-run', '--json', '--password-stdin'], PASSWORD + '\n');
      assert.equal(planned.code, 0, planned.stderr);
      const plan = JSON.parse(planned.stdout);
      assert.deepEqual(plan.applications.map((x: { application: string; action: string }) => [x.application, x.action]), [[b, 'create'], [a, 'create']]);
      assert.ok(plan.warnings.some((w: string) => /another SSO environment/.test(w)));
      assert.ok(!planned.stdout.includes(MASKED_SECRET) && !planned.stdout.includes('secret-3'), 'no masked value in the plan');
      assert.equal(plan.applications[1].after.configurations.ConfigProperties.Password, MASKED_CHANGED_PLACEHOLDER);

      const imported = fresh.ssoctl(['app', 'import', '--file', file, '--yes', '--password-stdin'], PASSWORD + '\n');
      assert.equal(imported.code, 0, imported.stderr);
      assert.match(imported.stderr, /Password reminder: the usual phrase/);
      const fc = await fresh.client();
      assert.deepEqual([definition(await fc.request('apps.get', { name: a })), definition(await fc.request('apps.get', { name: b }))], expectedDefinitions);
      assert.deepEqual([await allValues(fc, a), await allValues(fc, b)], expectedValues);

      // Importing the same file again finds nothing to do, in every mode.
      for (const mode of ['add', 'update', 'mirror']) {
        const again = await fc.request('apps.planImport', { file: bytes.toString('base64'), format: 'entsso', password: PASSWORD, mode: mode as 'add' });
        assert.equal(again.hasChanges, false, mode);
      }
    } finally {
      await fresh.dispose();
    }
  });

  test('bad input gets a clear error and changes nothing', async () => {
    const file = readFileSync(join(scratch, 'contoso.entsso'));
    const source = (bytes: Buffer, overrides: Partial<ImportSource> = {}): ImportSource => ({ file: bytes.toString('base64'), format: 'entsso', password: PASSWORD, mode: 'update', ...overrides });
    const backup = join(scratch, 'secret.backup');
    assert.equal(t.ssoctl(['secret', 'backup', '--file', backup, '--password-stdin'], PASSWORD + '\n').code, 0);
    const dbBefore = (await settledSsodbHash(c, t.ssodbFile));
    await expectSsoError(c.request('apps.planImport', source(file, { password: 'not the password at all 1' })), 'ENTSSO_E_BAD_PASSWORD', /password is not correct/);
    await expectSsoError(c.request('apps.planImport', source(file.subarray(0, Math.floor(file.length * 0.7)))), 'ENTSSO_E_BAD_FILE', /incomplete|cut short/);
    const tampered = Buffer.from(file);
    // Another valid Base64 character: the file still parses, and fails the integrity check.
    tampered[tampered.length - 20] = tampered[tampered.length - 20] === 0x41 ? 0x42 : 0x41;
    await expectSsoError(c.request('apps.planImport', source(tampered)), 'ENTSSO_E_BAD_FILE', /altered or damaged/);
    await expectSsoError(c.request('apps.planImport', source(Buffer.from('just some text, not an export\n'))), 'ENTSSO_E_BAD_FILE', /not an Enterprise SSO/);
    await expectSsoError(c.request('apps.planImport', source(readFileSync(backup))), 'ENTSSO_E_BAD_FILE', /master secret backup, not an application export/);
    const header = JSON.parse(file.subarray(0, file.indexOf(0x0a)).toString('utf8'));
    const newer = Buffer.concat([Buffer.from(JSON.stringify({ ...header, version: 2 })), file.subarray(file.indexOf(0x0a))]);
    await expectSsoError(c.request('apps.planImport', source(newer)), 'ENTSSO_E_BAD_FILE', /format version 2.*Upgrade/);
    for (const bad of [file.subarray(0, 100), tampered, newer]) {
      await expectSsoError(c.request('apps.import', { ...source(bad), expected: { 'Contoso.Export.Settings': '0'.repeat(64) } }), 'ENTSSO_E_BAD_FILE');
    }
    assert.equal((await settledSsodbHash(c, t.ssodbFile)), dbBefore, 'SSODB is byte-for-byte unchanged after the bad files');

    // Same application names, other field definitions: refused, naming the application and the fields.
    await c.request('apps.removeField', { name: 'Contoso.Export.Settings', fields: ['Password'] });
    await c.request('apps.addField', { name: 'Contoso.Export.Settings', fields: [{ label: 'Password', masked: false }] });
    const dbMismatch = (await settledSsodbHash(c, t.ssodbFile));
    for (const mode of ['add', 'update', 'mirror'] as const) {
      const error = await expectSsoError(c.request('apps.planImport', source(file, { mode })), 'ENTSSO_E_INVALID_REQUEST', /"Contoso\.Export\.Settings" exists here with other field definitions: "Password" is masked in the file but not masked here/);
      assert.deepEqual(error.details.fields, ['Password']);
    }
    const cli = t.ssoctl(['app', 'import', '--file', join(scratch, 'contoso.entsso'), '--yes', '--password-stdin'], PASSWORD + '\n');
    assert.equal(cli.code, 1);
    assert.match(cli.stderr, /other field definitions/);
    assert.equal((await settledSsodbHash(c, t.ssodbFile)), dbMismatch);

    // .sso: wrong password, and a file that decrypts to invalid XML.
    const sso = Buffer.from(makeSsoFile([['A', '1']], SSO_PASSWORD));
    await expectSsoError(c.request('apps.planImport', source(sso, { format: 'sso', name: 'Bad.Sso', password: 'another password 99' })), 'ENTSSO_E_BAD_PASSWORD');
    const invalidXml = Buffer.from(makeSsoFile([], SSO_PASSWORD, '<SSOApplicationExport><applicationData><add key="A" value="1"></applicationData></SSOApplicationExport>'));
    await expectSsoError(c.request('apps.planImport', source(invalidXml, { format: 'sso', name: 'Bad.Sso', password: SSO_PASSWORD })), 'ENTSSO_E_BAD_FILE', /not a valid SSO application export/);
    const invalidCli = join(scratch, 'Bad.Sso.sso');
    writeFileSync(invalidCli, invalidXml);
    const badCli = t.ssoctl(['app', 'import', '--file', invalidCli, '--yes', '--password-stdin'], SSO_PASSWORD + '\n');
    assert.equal(badCli.code, 1);
    assert.match(badCli.stderr, /ENTSSO_E_BAD_FILE/);
    assert.equal((await c.request('apps.list', { filter: 'Bad.Sso' })).items.length, 0);

    // A plan applied after SSODB changed is refused.
    const good = source(Buffer.from(makeSsoFile([['Endpoint', 'https://planned.example']], SSO_PASSWORD)), { format: 'sso', name: 'Snapin.Settings', password: SSO_PASSWORD });
    const plan = await c.request('apps.planImport', good);
    assert.equal(plan.hasChanges, true);
    const cp = await c.request('config.get', { application: 'Snapin.Settings', identifier: 'ConfigProperties' });
    await c.request('config.set', { application: 'Snapin.Settings', identifier: 'ConfigProperties', fields: { Timeout: '45' }, expectedTimestamp: cp.timestamp });
    const dbChanged = (await settledSsodbHash(c, t.ssodbFile));
    await expectSsoError(c.request('apps.import', { ...good, expected: plan.expected }), 'ENTSSO_E_CONFLICT', /changed since the import was planned \("Snapin\.Settings"\)/);
    await expectSsoError(c.request('apps.import', { ...good, mode: 'mirror', expected: plan.expected }), 'ENTSSO_E_CONFLICT');
    assert.equal((await settledSsodbHash(c, t.ssodbFile)), dbChanged, 'a refused import changes nothing');
    const fresh = await c.request('apps.planImport', good);
    await c.request('apps.import', { ...good, expected: fresh.expected });
    assert.equal((await c.request('config.get', { application: 'Snapin.Settings', identifier: 'ConfigProperties' })).fields.Endpoint, 'https://planned.example');

    const audit = (await c.request('audit.list', { limit: 50 })).items;
    assert.ok(audit.some((e) => e.action === 'app.import' && e.outcome === 'refused' && e.detail === 'ENTSSO_E_CONFLICT' && e.application === 'Snapin.Settings'));
    const ok = audit.find((e) => e.action === 'app.import' && e.outcome === 'ok' && e.application === 'Snapin.Settings');
    assert.deepEqual(ok?.fields, ['Endpoint']);
  });

  test('an import while the MSS is down is refused with ENTSSO_E_NO_SECRET and SSODB is byte-for-byte unchanged', async () => {
    const sso = Buffer.from(makeSsoFile([['Endpoint', 'https://while-down.example'], ['Extra', 'x']], SSO_PASSWORD));
    const good: ImportSource = { file: sso.toString('base64'), format: 'sso', name: 'Snapin.Settings', password: SSO_PASSWORD, mode: 'update' };
    const endpoint = (await c.request('config.get', { application: 'Snapin.Settings', identifier: 'ConfigProperties' })).fields.Endpoint;
    await t.mss!.kill('SIGKILL');
    await waitForState(c, 'cached', t.syncIntervalMs + 2000);
    const plan = await c.request('apps.planImport', good); // planning only decrypts: it works from the cache
    assert.equal(plan.hasChanges, true);
    assert.equal(plan.applications[0]!.before?.configurations.ConfigProperties?.Endpoint, endpoint);

    const dbBefore = (await settledSsodbHash(c, t.ssodbFile));
    await expectSsoError(c.request('apps.import', { ...good, expected: plan.expected }), 'ENTSSO_E_NO_SECRET', /master secret server/);
    await expectSsoError(c.request('apps.addField', { name: 'Snapin.Settings', fields: [{ label: 'Blocked', masked: false }] }), 'ENTSSO_E_NO_SECRET');
    await expectSsoError(c.request('apps.removeField', { name: 'Snapin.Settings', fields: ['Timeout'] }), 'ENTSSO_E_NO_SECRET');
    const file = join(scratch, 'Snapin.Settings.down.sso');
    writeFileSync(file, sso);
    const cli = t.ssoctl(['app', 'import', '--file', file, '--name', 'Snapin.Settings', '--mode', 'update', '--yes', '--password-stdin'], SSO_PASSWORD + '\n');
    assert.equal(cli.code, 4, cli.stderr);
    assert.match(cli.stderr, /ENTSSO_E_NO_SECRET/);
    assert.equal((await settledSsodbHash(c, t.ssodbFile)), dbBefore, 'SSODB is byte-for-byte unchanged');

    const audit = (await c.request('audit.list', { limit: 20 })).items;
    assert.ok(audit.some((e) => e.action === 'app.import' && e.outcome === 'refused' && e.detail === 'ENTSSO_E_NO_SECRET'), 'the refusal is audited (in the separate audit file)');
    assert.ok(audit.some((e) => e.action === 'app.addField' && e.outcome === 'refused' && e.detail === 'ENTSSO_E_NO_SECRET'));

    await t.startMss();
    await waitForState(c, 'ready', t.syncIntervalMs + 3000);
    const again = await c.request('apps.planImport', good);
    await c.request('apps.import', { ...good, expected: again.expected });
    assert.equal((await c.request('config.get', { application: 'Snapin.Settings', identifier: 'ConfigProperties' })).fields.Endpoint, 'https://while-down.example');
  });
});
