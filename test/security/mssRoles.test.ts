/**
 * Finding 11 of issue 14: MSS nodes used to authenticate to each other with the SSO service's
 * client certificate, so anything holding it could promote or demote nodes. Now each client
 * certificate carries its role (an OU the environment's CA writes) and the MSS answers each
 * role only its own operations. Real processes: an MSS, an SSO service, ssoctl, and raw TLS
 * connections with each certificate.
 */
import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import * as tls from 'node:tls';
import { after, before, describe, it } from 'node:test';
import { issueClientCertificate, roleOfCertificate } from '../../src/ssoService/crypto/pki';
import type { Environment } from '../../src/ssoService/environment';
import { TestEnvironment, waitForState } from '../integration/harness';

type Answer = { result?: unknown; error?: { code: string; message: string } };

/** MSS operations over one mutual-TLS connection with the given client certificate, as a peer would send them. */
function askMssRepeatedly(env: Environment, op: string, cert: { cert: string; key: string }, times: number): Promise<Answer[]> {
  const ca = readFileSync(env.paths.caCert, 'utf8');
  return new Promise((resolve, reject) => {
    const request = (id: number) => JSON.stringify({ id, op, params: {} }) + '\n';
    const s = tls.connect({ host: env.config.mss.host, port: env.config.mss.port, ca, ...cert }, () => s.write(Array.from({ length: times }, (_, i) => request(i + 1)).join('')));
    let data = '';
    s.on('data', (d) => {
      data += d.toString();
      const answers = data.split('\n').filter((l) => l.startsWith('{"id"'));
      if (answers.length >= times) {
        s.destroy();
        resolve(answers.map((l) => JSON.parse(l) as Answer));
      }
    });
    s.on('error', reject);
    s.setTimeout(10_000, () => s.destroy(new Error('no answer')));
  });
}

async function askMss(env: Environment, op: string, cert: { cert: string; key: string }): Promise<Answer> {
  return (await askMssRepeatedly(env, op, cert, 1))[0]!;
}

const certOf = (env: Environment, which: 'service' | 'node') => ({
  cert: readFileSync(which === 'service' ? env.paths.serviceCert : env.paths.nodeCert, 'utf8'),
  key: readFileSync(which === 'service' ? env.paths.serviceKey : env.paths.nodeKey, 'utf8'),
});

describe('MSS roles: services and nodes have distinct certificates and operations', () => {
  let t: TestEnvironment;
  before(async () => {
    t = await TestEnvironment.started();
  });
  after(async () => t?.dispose());

  it('init issues a service certificate and a node certificate, each with its role', () => {
    assert.equal(roleOfCertificate(readFileSync(t.env.paths.serviceCert, 'utf8')), 'sso-service');
    assert.equal(roleOfCertificate(readFileSync(t.env.paths.nodeCert, 'utf8')), 'mss-node');
  });

  it("the service's certificate is refused promote and demote; it still gets the secret", async () => {
    for (const op of ['promote', 'demote']) {
      const answer = await askMss(t.env, op, certOf(t.env, 'service'));
      assert.equal(answer.error?.code, 'ENTSSO_E_ACCESS_DENIED', `${op}: ${JSON.stringify(answer)}`);
      assert.match(answer.error!.message, /does not accept "(promote|demote)" from an SSO service's certificate/);
    }
    assert.ok((await askMss(t.env, 'getSecrets', certOf(t.env, 'service'))).result, 'control: the service gets the secret');
  });

  it('refusals repeated on one connection are answered each time but logged once', async () => {
    const logged = () => t.mss!.log.filter((l) => /refused "promote"/.test(l)).length;
    const before = logged();
    const answers = await askMssRepeatedly(t.env, 'promote', certOf(t.env, 'service'), 200);
    assert.equal(answers.filter((a) => a.error?.code === 'ENTSSO_E_ACCESS_DENIED').length, 200);
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(logged() - before, 1);
  });

  it("a node's certificate may promote and demote, but not back up, restore or rotate", async () => {
    assert.equal(((await askMss(t.env, 'promote', certOf(t.env, 'node'))).result as { role: string }).role, 'active');
    for (const op of ['backup', 'restore', 'prepareRotation', 'commitRotation', 'verify']) {
      const answer = await askMss(t.env, op, certOf(t.env, 'node'));
      assert.equal(answer.error?.code, 'ENTSSO_E_ACCESS_DENIED', `${op}: ${JSON.stringify(answer)}`);
    }
  });

  it('a CA-issued certificate without a role (as issued before roles) gets nothing', async () => {
    const ca = { cert: readFileSync(t.env.paths.caCert, 'utf8'), key: readFileSync(t.env.paths.caKey, 'utf8') };
    const roleless = issueClientCertificate(ca, { commonName: 'sso-service.old', validDays: 1 });
    const answer = await askMss(t.env, 'getSecrets', roleless);
    assert.equal(answer.error?.code, 'ENTSSO_E_ACCESS_DENIED');
    assert.match(answer.error!.message, /no role/);
  });

  it('ssoctl mss promote / demote still work, through the service (which runs beside the node)', () => {
    const node = `${t.env.config.mss.host}:${t.env.config.mss.port}`;
    const demoted = t.ssoctl(['mss', 'demote', node, '--json']);
    assert.equal(demoted.code, 0, demoted.stderr);
    assert.equal(JSON.parse(demoted.stdout).role, 'standby');
    // A node just demoted stays standby for a while (no flapping), so promote answers with its role either way.
    const promoted = t.ssoctl(['mss', 'promote', node, '--json']);
    assert.equal(promoted.code, 0, promoted.stderr);
    assert.equal(JSON.parse(promoted.stdout).name, node);
  });
});

describe('MSS roles: an environment made before roles', () => {
  let t: TestEnvironment;
  after(async () => t?.dispose());

  it('is migrated by its first serve: role certificates are issued with its CA, and everything works', async () => {
    t = TestEnvironment.create();
    const paths = t.env.paths;
    // As init wrote it before roles: one client certificate without a role, no node certificate.
    const ca = { cert: readFileSync(paths.caCert, 'utf8'), key: readFileSync(paths.caKey, 'utf8') };
    const old = issueClientCertificate(ca, { commonName: 'sso-service.old', validDays: 30 });
    writeFileSync(paths.serviceCert, old.cert);
    writeFileSync(paths.serviceKey, old.key, { mode: 0o600 });
    rmSync(paths.nodeCert);
    rmSync(paths.nodeKey);
    await t.startMss();
    await t.startService();
    assert.ok(existsSync(paths.nodeCert));
    assert.equal(roleOfCertificate(readFileSync(paths.serviceCert, 'utf8')), 'sso-service');
    const c = await t.client();
    await waitForState(c, 'ready', 10_000);
  });
});
