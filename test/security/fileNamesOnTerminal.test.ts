/**
 * Review 5, finding 6, end to end: a name the import would create is refused by the rule for new
 * names, and the refusal repeated it raw (zero-width, bidi, line separator); ssoctl printed every
 * error's text as it came. Now the service escapes the names it quotes, and ssoctl escapes the
 * error text it prints. Real processes: an SSO environment, ssoctl, crafted .sso and entsso files.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { SsoClient } from '../../src/ssoClient/client';
import { SsoError } from '../../src/protocol/errors';
import { hasUnsafeCharacters } from '../../src/protocol/untrustedText';
import { encodeSsoFile } from '../../src/ssoService/crypto/ssoFile';
import { writeExportFile } from '../../src/ssoService/service/transferFiles';
import { TestEnvironment } from '../integration/harness';

const FILE_PASSWORD = 'correct horse battery staple 42';

async function refusal(work: Promise<unknown>): Promise<SsoError> {
  try {
    await work;
  } catch (err) {
    assert.ok(err instanceof SsoError, String(err));
    return err;
  }
  assert.fail('not refused');
}

describe('names from a file in messages and on the terminal', () => {
  let t: TestEnvironment;
  let c: SsoClient;
  let scratch: string;
  before(async () => {
    t = await TestEnvironment.started();
    c = await t.client();
    scratch = mkdtempSync(join(tmpdir(), 'file-names-'));
  });
  after(async () => {
    await t?.dispose();
    rmSync(scratch, { recursive: true, force: true });
  });

  test('a refused new application name (from a .sso file name) is escaped in the refusal', async () => {
    const sso = Buffer.from(encodeSsoFile(Object.assign(Object.create(null), { Url: 'u' }), 'x'), 'ascii').toString('base64');
    const err = await refusal(c.request('apps.planImport', { file: sso, format: 'sso', name: 'Or\u200Bders\u2028Import done', password: 'x', mode: 'add' }));
    assert.equal(err.code, 'ENTSSO_E_BAD_FILE');
    assert.ok(!hasUnsafeCharacters(err.message), JSON.stringify(err.message));
    assert.match(err.message, /Or\\u\{200b\}ders\\u\{2028\}Import done/);
  });

  test('a refused new identifier (from an entsso file) is escaped in the refusal', async () => {
    const file = await writeExportFile(
      [{ name: 'Names.App', kind: 'configStore', description: '', contact: '', userGroup: 'SSO Affiliate Administrators', adminGroup: 'SSO Administrators', flags: 0x140002,
        fields: [{ label: 'Url', masked: false }], configurations: [{ identifier: 'Send\u202Eexe.txt', values: [{ field: 'Url', value: 'u' }] }] }],
      { password: FILE_PASSWORD, reminder: '', environment: 'crafted', kdfCost: { N: 2 ** 14, r: 8, p: 1 } },
    );
    const err = await refusal(c.request('apps.planImport', { file: file.toString('base64'), format: 'entsso', password: FILE_PASSWORD, mode: 'add' }));
    assert.ok(!hasUnsafeCharacters(err.message), JSON.stringify(err.message));
    assert.match(err.message, /Send\\u\{202e\}exe\.txt/);
  });

  test('ssoctl escapes the error text it prints', () => {
    const r = t.ssoctl(['app', 'show', 'Orders\u009b2J\u202Eexe']);
    assert.notEqual(r.code, 0);
    assert.ok(r.stderr.startsWith('ssoctl: '), r.stderr);
    assert.ok(!hasUnsafeCharacters(r.stderr.replace(/\n/g, '')), `raw on the terminal: ${JSON.stringify(r.stderr)}`);
  });

  test('ssoctl app import under a name the rule for new names refuses prints it escaped', () => {
    const file = join(scratch, 'values.sso');
    // A .sso file is imported as the application --name says: a CSI and a bidi override in it.
    writeFileSync(file, encodeSsoFile(Object.assign(Object.create(null), { Url: 'u' }), 'x'), 'ascii');
    const r = t.ssoctl(['app', 'import', '--file', file, '--name', 'Twice\u009b2J\u202E', '--password-stdin'], 'x\n');
    assert.notEqual(r.code, 0, r.stdout);
    assert.ok(!hasUnsafeCharacters(r.stdout.replace(/\n/g, '') + r.stderr.replace(/\n/g, '')), `raw on the terminal: ${JSON.stringify(r.stdout + r.stderr)}`);
  });
});
