/**
 * The SSO system's contract with real processes: MSS and SSO service as child processes on
 * loopback, the embedded SSODB in a temp folder, the client library and ssoctl against them.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { lstatSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { SsoError } from '../../src/protocol/errors';
import { SecretVault } from '../../src/ssoService/crypto/secretVault';
import { TestEnvironment, askMssForSecrets, serviceCertificate, waitForState } from './harness';
import { readToken } from '../../src/ssoService/environment';

const SECRET_VALUES = ['Pa55w0rd-Never-Stored-In-Clear', 'sftp://files.contoso.example/in', 'ZmFrZS1wYXNzd29yZA-sensitive'];

function sha256(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

async function expectSsoError(promise: Promise<unknown>, code: string): Promise<SsoError> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof SsoError, `expected SsoError ${code}, got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    return err;
  }
  assert.fail(`expected ${code}, but the call succeeded`);
}

describe('SSO system with real processes', () => {
  let t: TestEnvironment;

  before(async () => {
    t = await TestEnvironment.started({ syncIntervalSeconds: 1 });
  });
  after(async () => t.dispose());

  test('create an application, write and read back a configuration; SSODB holds no plaintext and no master secret', async () => {
    const c = await t.client();
    const app = await c.request('apps.create', {
      name: 'Contoso.Sftp.SendPorts',
      kind: 'configStore',
      description: 'SFTP send ports',
      fields: [{ label: 'Address', masked: false }, { label: 'UserName', masked: false }, { label: 'Password', masked: true }],
    });
    assert.equal(app.numFields, 3);
    assert.deepEqual(app.fields.map((f) => f.masked), [false, false, true]);

    const written = await c.request('config.set', {
      application: 'Contoso.Sftp.SendPorts',
      identifier: 'SendToPartner',
      fields: { Address: SECRET_VALUES[1]!, UserName: 'svc-biztalk', Password: SECRET_VALUES[0]! },
      expectedTimestamp: null,
    });
    const masked = await c.request('config.get', { application: 'Contoso.Sftp.SendPorts', identifier: 'SendToPartner' });
    assert.equal(masked.fields.Password, '', 'masked field is hidden unless revealed');
    assert.equal(masked.fields.Address, SECRET_VALUES[1]);
    assert.equal(masked.timestamp, written.timestamp);
    const revealed = await c.request('config.get', { application: 'Contoso.Sftp.SendPorts', identifier: 'SendToPartner', reveal: true });
    assert.equal(revealed.fields.Password, SECRET_VALUES[0]);

    // The reveal is audited, by field name only.
    const audit = await c.request('audit.list', { limit: 20 });
    const reveal = audit.items.find((e) => e.action === 'config.reveal');
    assert.ok(reveal, 'reveal audited');
    assert.deepEqual(reveal.fields, ['Password']);
    assert.ok(!JSON.stringify(audit).includes(SECRET_VALUES[0]!));

    // Scan every file of the environment's SSODB (and its journal/audit siblings).
    const vault = await SecretVault.open(t.env.paths.vault);
    const key = vault.current().key;
    const needles = [...SECRET_VALUES.map((v) => Buffer.from(v, 'utf8')), key, Buffer.from(key.toString('base64')), Buffer.from(key.toString('hex'))];
    // Files only: the store's lock (ssodb.sqlite.lock) is a symbolic link, or a directory, while a transaction runs.
    const dbFiles = readdirSync(t.dir).filter((f) => f.startsWith('ssodb') && lstatSync(join(t.dir, f)).isFile());
    assert.ok(dbFiles.length > 0);
    for (const f of dbFiles) {
      const bytes = readFileSync(join(t.dir, f));
      for (const n of needles) assert.equal(bytes.indexOf(n), -1, `${f} contains a secret in plaintext`);
    }
  });

  test('config.get says which masked fields hold a value (maskedSet), never the value, also after one is cleared', async () => {
    const c = await t.client();
    await c.request('apps.create', {
      name: 'Contoso.MaskedSet',
      kind: 'adapter',
      fields: [{ label: 'Address', masked: false }, { label: 'Password', masked: true }, { label: 'KeyPassword', masked: true }],
    });
    const written = await c.request('config.set', {
      application: 'Contoso.MaskedSet',
      identifier: 'Port1',
      fields: { Address: 'sftp://a', Password: SECRET_VALUES[0]!, KeyPassword: '' },
      expectedTimestamp: null,
    });
    const doc = await c.request('config.get', { application: 'Contoso.MaskedSet', identifier: 'Port1' });
    assert.deepEqual(doc.masked, ['Password', 'KeyPassword']);
    assert.deepEqual(doc.maskedSet, ['Password'], 'the empty KeyPassword is not reported as set');
    assert.ok(!JSON.stringify(doc).includes(SECRET_VALUES[0]!), 'no masked value in an unrevealed document');
    const revealed = await c.request('config.get', { application: 'Contoso.MaskedSet', identifier: 'Port1', reveal: true });
    assert.deepEqual(revealed.maskedSet, ['Password']);

    await c.request('config.set', { application: 'Contoso.MaskedSet', identifier: 'Port1', fields: { Password: '' }, clearMasked: ['Password'], expectedTimestamp: written.timestamp });
    const cleared = await c.request('config.get', { application: 'Contoso.MaskedSet', identifier: 'Port1' });
    assert.deepEqual(cleared.maskedSet, [], 'a cleared masked field is reported as not set');
  });

  test('the own service says it is ssod and serves every method (no capability list), and refuses the bridge-only secret.generate', async () => {
    const c = await t.client();
    const hello = await c.request('hello', { token: readToken(t.env), protocolVersion: 1, client: 'test' });
    assert.equal(hello.backend, 'ssod');
    assert.equal(hello.capabilities, undefined);
    assert.equal(c.backend, 'ssod');
    await expectSsoError(c.request('secret.generate', { password: 'Another-Passw0rd!', reminder: '' }), 'ENTSSO_E_INVALID_REQUEST');
  });

  test('ssoctl reads back what the client library wrote, and writes values from stdin', () => {
    const get = t.ssoctl(['config', 'get', 'Contoso.Sftp.SendPorts', 'SendToPartner', '--json']);
    assert.equal(get.code, 0, get.stderr);
    assert.equal(JSON.parse(get.stdout).fields.UserName, 'svc-biztalk');

    const set = t.ssoctl(['config', 'set', 'Contoso.Sftp.SendPorts', 'SendToPartner'], JSON.stringify({ UserName: 'svc-biztalk-2' }));
    assert.equal(set.code, 0, set.stderr);
    const again = JSON.parse(t.ssoctl(['config', 'get', 'Contoso.Sftp.SendPorts', 'SendToPartner', '--json', '--reveal']).stdout);
    assert.equal(again.fields.UserName, 'svc-biztalk-2');
    assert.equal(again.fields.Password, SECRET_VALUES[0], 'an omitted masked field keeps its value');

    const unknown = t.ssoctl(['config', 'set', 'Contoso.Sftp.SendPorts', 'SendToPartner'], JSON.stringify({ Pasword: 'x' }));
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /ENTSSO_E_UNKNOWN_FIELD/);
    assert.match(unknown.stderr, /no field named "Pasword"/);
  });

  test('two clients writing from the same timestamp: exactly one wins, the other gets a conflict', async () => {
    const [a, b] = [await t.client(), await t.client()];
    const start = await a.request('config.get', { application: 'Contoso.Sftp.SendPorts', identifier: 'SendToPartner' });
    const results = await Promise.allSettled([
      a.request('config.set', { application: 'Contoso.Sftp.SendPorts', identifier: 'SendToPartner', fields: { UserName: 'from-a' }, expectedTimestamp: start.timestamp }),
      b.request('config.set', { application: 'Contoso.Sftp.SendPorts', identifier: 'SendToPartner', fields: { UserName: 'from-b' }, expectedTimestamp: start.timestamp }),
    ]);
    const ok = results.filter((r) => r.status === 'fulfilled');
    const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    assert.equal(ok.length, 1, 'exactly one write succeeds');
    assert.equal(failed.length, 1);
    assert.equal((failed[0]!.reason as SsoError).code, 'ENTSSO_E_CONFLICT');
    const final = await a.request('config.get', { application: 'Contoso.Sftp.SendPorts', identifier: 'SendToPartner' });
    const winner = results[0]!.status === 'fulfilled' ? 'from-a' : 'from-b';
    assert.equal(final.fields.UserName, winner);
  });

  test('a client without the access token is refused and the refusal is audited', async () => {
    await expectSsoError(t.client({ token: 'not-the-token' }), 'ENTSSO_E_ACCESS_DENIED');
    const c = await t.client();
    const audit = await c.request('audit.list', { limit: 50 });
    assert.ok(audit.items.some((e) => e.action === 'connect' && e.outcome === 'refused'));
  });

  test('the MSS refuses a TLS client without a certificate of the environment CA', async () => {
    assert.equal(await askMssForSecrets(t.env), 'refused', 'no client certificate');
    assert.equal(await askMssForSecrets(t.env, { cert: serviceCertificate(t.env) }), 'answered', 'control: the service certificate gets an answer');
  });

  test('MSS stopped: cached within one sync interval, reads decrypt, writes refused with SSODB unchanged; MSS back: writes work', async () => {
    const c = await t.client();
    const before = await c.request('config.get', { application: 'Contoso.Sftp.SendPorts', identifier: 'SendToPartner', reveal: true });
    const killedAt = Date.now();
    await t.mss!.kill('SIGKILL');
    const cached = await waitForState(c, 'cached', t.syncIntervalMs + 1000);
    assert.ok(Date.now() - killedAt <= t.syncIntervalMs + 1000);
    assert.equal(cached.canEncrypt, false);
    assert.equal(cached.canDecrypt, true);
    assert.match(cached.message, /unreachable since/);
    assert.match(cached.message, /Decryption still works/);

    const read = await c.request('config.get', { application: 'Contoso.Sftp.SendPorts', identifier: 'SendToPartner', reveal: true });
    assert.deepEqual(read.fields, before.fields, 'reads still decrypt from the cached secret');

    const dbBefore = sha256(t.ssodbFile);
    const refused = await expectSsoError(
      c.request('config.set', { application: 'Contoso.Sftp.SendPorts', identifier: 'SendToPartner', fields: { UserName: 'blocked' }, expectedTimestamp: read.timestamp }),
      'ENTSSO_E_NO_SECRET',
    );
    assert.match(refused.message, /master secret server/);
    await expectSsoError(c.request('apps.create', { name: 'Blocked.App', kind: 'configStore', fields: [{ label: 'a', masked: false }] }), 'ENTSSO_E_NO_SECRET');
    assert.equal(sha256(t.ssodbFile), dbBefore, 'SSODB is byte-for-byte unchanged after refused writes');
    const audit = await c.request('audit.list', { limit: 10 });
    assert.ok(
      audit.items.some((e) => e.action === 'config.set' && e.outcome === 'refused' && e.detail === 'ENTSSO_E_NO_SECRET'),
      'the refusal is audited (in the separate audit file)',
    );

    await t.startMss();
    await waitForState(c, 'ready', t.syncIntervalMs + 2000);
    const saved = await c.request('config.set', { application: 'Contoso.Sftp.SendPorts', identifier: 'SendToPartner', fields: { UserName: 'after-restart' }, expectedTimestamp: read.timestamp });
    assert.notEqual(saved.timestamp, read.timestamp);
  });

  test('a service started while the MSS is down reports no-secret with an explanation and does not crash', async () => {
    await t.service!.kill('SIGKILL');
    await t.mss!.kill('SIGKILL');
    const service = await t.startService();
    const c = await t.client();
    const s = await c.request('status', {});
    assert.equal(s.state, 'no-secret');
    assert.equal(s.canDecrypt, false);
    assert.match(s.message, /not available from the master secret server/);
    await expectSsoError(c.request('config.get', { application: 'Contoso.Sftp.SendPorts', identifier: 'SendToPartner' }), 'ENTSSO_E_NO_SECRET');
    assert.ok(service.running, 'service still running');
    await t.startMss();
    await waitForState(c, 'ready', t.syncIntervalMs + 2000);
    const doc = await c.request('config.get', { application: 'Contoso.Sftp.SendPorts', identifier: 'SendToPartner' });
    assert.equal(doc.fields.UserName, 'after-restart');
  });
});
