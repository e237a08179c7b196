/**
 * Who may talk to the SSO system, with real processes: the service socket is owner-only and
 * token-protected (refusals audited); the MSS accepts only CA-issued, unexpired client
 * certificates of this environment; password-derived keys use the documented cost.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { SsoError } from '../../src/protocol/errors';
import { createCa, issueClientCertificate } from '../../src/ssoService/crypto/pki';
import { DEFAULT_SCRYPT_COST } from '../../src/ssoService/crypto/passwordKdf';
import { readProtectedHeader } from '../../src/ssoService/crypto/protectedFile';
import { TestEnvironment, askMssForSecrets } from '../integration/harness';

function askMss(t: TestEnvironment, cert?: { cert: string; key: string }): Promise<'answered' | 'refused'> {
  return askMssForSecrets(t.env, { cert });
}

describe('access control', () => {
  let t: TestEnvironment;

  before(async () => {
    t = await TestEnvironment.started({ syncIntervalSeconds: 1 });
  });
  after(async () => t.dispose());

  test('the service socket is owner-only (0600 in a 0700 folder) and so are the key files', () => {
    if (process.platform === 'win32') return;
    const socket = t.env.config.socketPath;
    assert.equal(statSync(socket).mode & 0o777, 0o600);
    assert.equal(statSync(dirname(socket)).mode & 0o777, 0o700);
    for (const f of [t.env.paths.token, t.env.paths.caKey, t.env.paths.mssKey, t.env.paths.serviceKey, t.env.paths.nodeKey]) {
      assert.equal(statSync(f).mode & 0o077, 0, `${f} is readable by others`);
    }
  });

  test('another local OS user cannot connect to the service socket', (ctx) => {
    if (process.getuid?.() !== 0) {
      ctx.skip('needs root to create a second OS user; run the suite as root (CI does)');
      return;
    }
    const user = 'ssotestother';
    spawnSync('useradd', ['--no-create-home', '--shell', '/usr/sbin/nologin', user]);
    const probe = `require('net').createConnection(${JSON.stringify(t.env.config.socketPath)}).on('connect',()=>{console.log('CONNECTED');process.exit(0)}).on('error',e=>{console.log(e.code);process.exit(0)})`;
    const r = spawnSync('runuser', ['-u', user, '--', process.execPath, '-e', probe], { encoding: 'utf8', timeout: 20_000 });
    assert.equal(r.error, undefined, `runuser failed: ${r.error?.message}`);
    assert.match(r.stdout, /EACCES|EPERM/, `another user got: ${r.stdout} ${r.stderr}`);
    assert.doesNotMatch(r.stdout, /CONNECTED/);
  });

  test('a wrong or missing token is refused, audited, and the connection closed', async () => {
    for (const token of ['', 'wrong-token', readFileSync(t.env.paths.token, 'utf8').trim() + 'x']) {
      await assert.rejects(t.client({ token }), (e: unknown) => e instanceof SsoError && e.code === 'ENTSSO_E_ACCESS_DENIED');
    }
    const c = await t.client();
    const audit = await c.request('audit.list', { limit: 20 });
    assert.ok(audit.items.filter((e) => e.action === 'connect' && e.outcome === 'refused').length >= 3);
    assert.ok(!JSON.stringify(audit).includes('wrong-token'), 'the presented token is not recorded');
  });

  test('requests before hello are refused', async () => {
    const net = await import('node:net');
    const answer = await new Promise<string>((resolve) => {
      const s = net.createConnection(t.env.config.socketPath, () => s.write(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'apps.list', params: {} }) + '\n'));
      s.on('data', (d) => {
        resolve(d.toString());
        s.destroy();
      });
    });
    assert.match(answer, /ENTSSO_E_ACCESS_DENIED/);
  });

  test('the MSS serves a certificate of this environment, and refuses none, a foreign one, and an expired one', async () => {
    const ca = { cert: readFileSync(t.env.paths.caCert, 'utf8'), key: readFileSync(t.env.paths.caKey, 'utf8') };
    const own = issueClientCertificate(ca, { commonName: 'sso-service.test', role: 'sso-service', validDays: 1 });
    assert.equal(await askMss(t, own), 'answered', 'control: a CA-issued certificate gets an answer');
    assert.equal(await askMss(t), 'refused', 'no certificate');
    const foreignCa = createCa('Some other CA', 10);
    assert.equal(await askMss(t, issueClientCertificate(foreignCa, { commonName: 'intruder', validDays: 1 })), 'refused', 'foreign CA');
    const expired = issueClientCertificate(ca, { commonName: 'old', role: 'sso-service', notBefore: new Date(Date.now() - 10 * 86_400_000), notAfter: new Date(Date.now() - 86_400_000) });
    assert.equal(await askMss(t, expired), 'refused', 'expired certificate');
  });

  test('backup files use the documented password-based key cost (scrypt N=2^17, r=8, p=1)', () => {
    const file = `${t.dir}/../cost.backup`;
    const r = t.ssoctl(['secret', 'backup', '--file', file, '--password-stdin'], 'a long and unusual passphrase 7\n');
    assert.equal(r.code, 0, r.stderr);
    const header = readProtectedHeader(readFileSync(file));
    assert.equal(header.kdf.N, 2 ** 17);
    assert.equal(header.kdf.r, 8);
    assert.equal(header.kdf.p, 1);
    assert.deepEqual({ N: header.kdf.N, r: header.kdf.r, p: header.kdf.p }, { ...DEFAULT_SCRYPT_COST });
  });
});
