/**
 * The name rule and the size of a configuration, through the real SSO service (MSS and service
 * as child processes, the embedded SSODB, ssoctl and the client library):
 * - names that look alike are one name or refused: NFC/NFD, Cyrillic lookalikes, zero-width and
 *   bidi characters, C1 controls, lone surrogates, "." and "..", "__proto__";
 * - names stored before the rule (written here into the SSODB file, as an older version would
 *   have) stay readable, writable, exportable and deletable; a field called "__proto__" keeps its
 *   value through every save;
 * - the largest configuration allowed round-trips through the socket (read, revealed read,
 *   export, import); one byte more is refused on config.set, add field and import.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import nodeSqlite3Wasm from 'node-sqlite3-wasm';
import type { SsoClient } from '../../src/ssoClient/client';
import { SsoError } from '../../src/protocol/errors';
import { CONFIG_STORE_DOMAIN } from '../../src/protocol/messages';
import { MAX_CONFIGURATION_BYTES } from '../../src/protocol/configurationSize';
import { encryptBag } from '../../src/ssoService/crypto/dataCipher';
import { SecretVault } from '../../src/ssoService/crypto/secretVault';
import { writeExportFile } from '../../src/ssoService/service/transferFiles';
import { TestEnvironment, waitForState } from './harness';

const PASSWORD = 'correct horse battery staple 42';

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

async function applicationNames(c: SsoClient): Promise<string[]> {
  return (await c.request('apps.list', { limit: 1000 })).items.map((a) => a.name);
}

/** The size of a configuration as read, computed here independently: UTF-8 bytes of its fields as JSON. */
function sizeAsRead(fields: Record<string, string>): number {
  return Buffer.byteLength(JSON.stringify(fields), 'utf8');
}

describe('names and sizes through the real service', () => {
  let t: TestEnvironment;
  let c: SsoClient;

  before(async () => {
    t = await TestEnvironment.started({ syncIntervalSeconds: 1 });
    c = await t.client();
  });
  after(async () => t.dispose());

  test('names that look alike are one name, or refused with the reason', async () => {
    const field = [{ label: 'Url', masked: false }];
    const nfd = 'Cafe\u0301.Orders';
    const created = await c.request('apps.create', { name: nfd, kind: 'configStore', fields: field });
    assert.equal(created.name, 'Caf\u00e9.Orders', 'stored in NFC');
    await expectSsoError(c.request('apps.create', { name: 'Caf\u00e9.Orders', kind: 'configStore', fields: field }), 'ENTSSO_E_APPLICATION_EXISTS');
    assert.equal((await c.request('apps.get', { name: 'Caf\u00e9.Orders' })).name, 'Caf\u00e9.Orders');

    await c.request('apps.create', { name: 'Paypal', kind: 'configStore', fields: field });
    const refused: [string, RegExp][] = [
      ['P\u0430ypal', /mixes Latin and Cyrillic letters.*U\+0430/],
      ['\u03a1aypal', /mixes Latin and Greek letters/],
      ['Pay\u200bpal', /invisible.*U\+200B/],
      ['Paypal\u202egpj.exe', /bidirectional.*U\+202E/],
      ['Pay\u00a0pal', /U\+00A0/],
      ['Pay\u0085pal', /control characters.*U\+0085/],
      ['Pay\ud800pal', /lone UTF-16 surrogate/],
      ['.', /"\." or "\.\."/],
      ['..', /"\." or "\.\."/],
      ['__proto__', /"__proto__"/],
    ];
    for (const [name, why] of refused) {
      await expectSsoError(c.request('apps.create', { name, kind: 'configStore', fields: field }), 'ENTSSO_E_INVALID_REQUEST', why);
      await expectSsoError(c.request('apps.create', { name: 'Fine.Name', kind: 'configStore', fields: [{ label: name, masked: false }] }), 'ENTSSO_E_INVALID_REQUEST', why);
      await expectSsoError(c.request('apps.addField', { name: 'Paypal', fields: [{ label: name, masked: false }] }), 'ENTSSO_E_INVALID_REQUEST', why);
      await expectSsoError(c.request('config.set', { application: 'Paypal', identifier: name, fields: {}, expectedTimestamp: null }), 'ENTSSO_E_INVALID_REQUEST', why);
    }
    assert.deepEqual((await applicationNames(c)).sort(), ['Caf\u00e9.Orders', 'Paypal'], 'nothing else was created');
    assert.equal((await c.request('identifiers.list', { application: 'Paypal' })).items.length, 0);

    // The CLI refuses before sending, with the same reason and exit code 2; an NFD name is created in NFC.
    const cli = t.ssoctl(['app', 'create', 'P\u0430ypal', '--field', 'Url']);
    assert.equal(cli.code, 2, cli.stderr);
    assert.match(cli.stderr, /mixes Latin and Cyrillic letters/);
    const cliNfd = t.ssoctl(['app', 'create', 'Re\u0301sume\u0301', '--field', 'Url', '--json']);
    assert.equal(cliNfd.code, 0, cliNfd.stderr);
    assert.equal(JSON.parse(cliNfd.stdout).name, 'R\u00e9sum\u00e9');
    const bilingual = t.ssoctl(['app', 'create', 'Orders_\u0417\u0430\u043a\u0430\u0437\u044b', '--field', 'Url']);
    assert.equal(bilingual.code, 0, `words in two alphabets side by side are fine: ${bilingual.stderr}`);
    const cliField = t.ssoctl(['app', 'add-field', 'Paypal', '--field', 'Pass\u200bword']);
    assert.equal(cliField.code, 2);
    assert.match(cliField.stderr, /U\+200B/);
  });

  test('names stored before the rule stay readable, writable, exportable and deletable; "__proto__" keeps its value', async () => {
    const app = 'Legacy.Names';
    await c.request('apps.create', { name: app, kind: 'configStore', fields: [{ label: 'Url', masked: false }, { label: 'ProtoPlaceholder', masked: false }, { label: 'Password', masked: true }] });
    const legacyId = 'Port\u200bA'; // a zero-width space: refused as a new name today
    await writeAsAnOlderVersion(t, app, legacyId, { Url: 'sftp://legacy/in', Password: 'Legacy-P@ss-1' });
    c = await t.client();
    await waitForState(c, 'ready', 20_000);

    const detail = await c.request('apps.get', { name: app });
    assert.deepEqual(detail.fields.map((f) => f.label), ['Url', '__proto__', 'Password']);
    assert.deepEqual((await c.request('identifiers.list', { application: app })).items.map((i) => i.identifier), [legacyId]);
    const read = await c.request('config.get', { application: app, identifier: legacyId, reveal: true });
    assert.deepEqual({ ...read.fields }, { Url: 'sftp://legacy/in', ['__proto__']: '', Password: 'Legacy-P@ss-1' });

    // A value under "__proto__" is kept, and a later save of another field does not blank it.
    const saved = await c.request('config.set', { application: app, identifier: legacyId, fields: JSON.parse('{"__proto__": "proto-value", "Url": "sftp://legacy/v2"}'), expectedTimestamp: read.timestamp });
    const afterFirst = await c.request('config.get', { application: app, identifier: legacyId, reveal: true });
    assert.equal(Object.prototype.hasOwnProperty.call(afterFirst.fields, '__proto__'), true);
    assert.equal(afterFirst.fields['__proto__'], 'proto-value');
    await c.request('config.set', { application: app, identifier: legacyId, fields: { Url: 'sftp://legacy/v3' }, expectedTimestamp: saved.timestamp });
    const afterSecond = await c.request('config.get', { application: app, identifier: legacyId, reveal: true });
    assert.deepEqual({ ...afterSecond.fields }, { Url: 'sftp://legacy/v3', ['__proto__']: 'proto-value', Password: 'Legacy-P@ss-1' });

    // The export carries it: changed afterwards, an import in update mode brings it back.
    const exported = await c.request('apps.export', { names: [app], format: 'entsso', password: PASSWORD });
    await c.request('config.set', { application: app, identifier: legacyId, fields: JSON.parse('{"__proto__": "changed"}'), expectedTimestamp: afterSecond.timestamp });
    const source = { file: exported.file, format: 'entsso' as const, password: PASSWORD, mode: 'update' as const };
    const plan = await c.request('apps.planImport', source);
    await c.request('apps.import', { ...source, expected: plan.expected });
    const restored = await c.request('config.get', { application: app, identifier: legacyId, reveal: true });
    assert.equal(restored.fields['__proto__'], 'proto-value');

    // ssoctl reads it too, and deletes it.
    const shown = t.ssoctl(['config', 'get', app, legacyId, '--json']);
    assert.equal(shown.code, 0, shown.stderr);
    assert.equal(JSON.parse(shown.stdout).fields['__proto__'], 'proto-value');
    await c.request('config.delete', { application: app, identifier: legacyId, expectedTimestamp: restored.timestamp });
    assert.equal((await c.request('identifiers.list', { application: app })).items.length, 0);
    await c.request('apps.delete', { name: app });
    assert.equal((await applicationNames(c)).includes(app), false);
  });

  test('the largest configuration allowed round-trips through the socket; one byte more is refused', async () => {
    const app = 'Size.Limit';
    // Worst case for escaping and UTF-8: long labels of 3-byte characters, values of control
    // characters (6 bytes each as JSON), quotes and 3-byte characters, half of them masked.
    const labels = Array.from({ length: 64 }, (_, i) => `F${String(i).padStart(2, '0')}${'\u6f22'.repeat(200)}`);
    await c.request('apps.create', { name: app, kind: 'adapter', fields: labels.map((label, i) => ({ label, masked: i % 2 === 1 })) });
    const fields: Record<string, string> = {};
    for (const label of labels) fields[label] = '\u0001"\u20ac'.repeat(1200);
    const padding = MAX_CONFIGURATION_BYTES - sizeAsRead(fields);
    assert.ok(padding > 0 && padding < 256 * 1024, `padding ${padding}`);
    fields[labels[0]!] += 'x'.repeat(padding);
    assert.equal(sizeAsRead(fields), MAX_CONFIGURATION_BYTES);

    const tooLarge = { ...fields, [labels[0]!]: `${fields[labels[0]!]}x` };
    const refused = await expectSsoError(c.request('config.set', { application: app, identifier: 'Big', fields: tooLarge, expectedTimestamp: null }), 'ENTSSO_E_CONFIGURATION_TOO_LARGE', /1048577 bytes.*1048576 bytes.*shorten/);
    assert.equal(refused.message.includes('\u20ac') || refused.message.includes('\u0001'), false, 'no value in the message');
    assert.equal((await c.request('identifiers.list', { application: app })).items.length, 0, 'nothing was saved');

    const row = await c.request('config.set', { application: app, identifier: 'Big', fields, expectedTimestamp: null });
    const revealed = await c.request('config.get', { application: app, identifier: 'Big', reveal: true });
    assert.deepEqual({ ...revealed.fields }, fields, 'the revealed read carries every byte');
    const masked = await c.request('config.get', { application: app, identifier: 'Big' });
    assert.equal(masked.masked.length, 32);

    // A field more would make it too large to read: refused, fields unchanged.
    await expectSsoError(c.request('apps.addField', { name: app, fields: [{ label: 'Extra', masked: false }] }), 'ENTSSO_E_CONFIGURATION_TOO_LARGE', /"Big"/);
    assert.equal((await c.request('apps.get', { name: app })).fields.length, 64);

    // Export, delete, import: the same configuration again.
    const exported = await c.request('apps.export', { names: [app], format: 'entsso', password: PASSWORD });
    await c.request('apps.delete', { name: app });
    const source = { file: exported.file, format: 'entsso' as const, password: PASSWORD, mode: 'add' as const };
    const plan = await c.request('apps.planImport', source);
    await c.request('apps.import', { ...source, expected: plan.expected });
    const reimported = await c.request('config.get', { application: app, identifier: 'Big', reveal: true });
    assert.deepEqual({ ...reimported.fields }, fields);
    assert.ok(row.timestamp);

    // An import that would write one byte more is refused before anything is planned.
    const file = await writeExportFile(
      [{ name: 'Size.Import', kind: 'adapter', description: '', contact: '', userGroup: 'u', adminGroup: 'a', flags: 0x440002, fields: labels.map((label) => ({ label, masked: false })), configurations: [{ identifier: 'Big', values: Object.entries(tooLarge).map(([f, value]) => ({ field: f, value })) }] }],
      { password: PASSWORD, reminder: '', environment: 'elsewhere' },
    );
    await expectSsoError(c.request('apps.planImport', { file: file.toString('base64'), format: 'entsso', password: PASSWORD, mode: 'add' }), 'ENTSSO_E_CONFIGURATION_TOO_LARGE');
    assert.equal((await applicationNames(c)).includes('Size.Import'), false);
  });
});

/**
 * What an older version, without the name rule, could have stored: the field "ProtoPlaceholder"
 * renamed to "__proto__" and a configuration under `identifier` (encrypted as the service does),
 * written straight into the SSODB file while the MSS and the service are stopped.
 */
async function writeAsAnOlderVersion(t: TestEnvironment, app: string, identifier: string, values: Record<string, string>): Promise<void> {
  const vault = await SecretVault.open(t.env.paths.vault);
  const secret = vault.current();
  await t.service!.stop();
  await t.mss!.stop();
  const db = new nodeSqlite3Wasm.Database(t.ssodbFile);
  try {
    db.run("UPDATE SSOX_FieldInfo SET fi_label = '__proto__' WHERE fi_app_name = ? AND fi_label = 'ProtoPlaceholder'", [app]);
    const blob = encryptBag(secret, app, identifier, Buffer.from(JSON.stringify(values), 'utf8'));
    db.run('INSERT INTO SSOX_IndividualMapping (im_app_name, im_windows_domain_name, im_windows_user_name, im_external_user_name, im_flags) VALUES (?, ?, ?, ?, 0)', [app, CONFIG_STORE_DOMAIN, identifier, identifier]);
    db.run('INSERT INTO SSOX_ExternalCredentials (ec_app_name, ec_windows_domain_name, ec_windows_user_name, ec_msid, ec_credentials, ec_row_version, ec_modified_at) VALUES (?, ?, ?, ?, ?, ?, ?)', [
      app,
      CONFIG_STORE_DOMAIN,
      identifier,
      secret.msid,
      new Uint8Array(blob),
      900_000_000,
      Date.now(),
    ]);
  } finally {
    db.close();
  }
  await t.startMss();
  await t.startService();
}
