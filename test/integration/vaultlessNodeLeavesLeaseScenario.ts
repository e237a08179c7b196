/**
 * Scenario for vaultlessNodeLeavesLease.test.ts, run in its own process under the daemon's
 * keepServingAfterUnexpectedErrors (as a node runs): a standby that holds no secret (it cannot copy
 * it: its node certificate is from another CA, as with a firewall or a wrong certificate) takes
 * the lease while the node that holds the secret restarts. Real MssServer, Leadership and
 * SecretAuthority on loopback, real SQLite file. Prints one JSON line: the outcome and the log.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCa, issueClientCertificate } from '../../src/ssoService/crypto/pki';
import { keepServingAfterUnexpectedErrors } from '../../src/ssoService/daemon';
import { loadEnvironment, mssTls, nodeTls } from '../../src/ssoService/environment';
import { MssServer } from '../../src/ssoService/mss/mssServer';
import { openStore } from '../../src/ssoService/ssodb/openStore';
import { TestEnvironment, waitUntil } from './harness';

void (async () => {
  const t = TestEnvironment.create({ syncIntervalSeconds: 1 });
  const env = loadEnvironment(t.dir);
  const logs: string[] = [];
  keepServingAfterUnexpectedErrors((m) => logs.push(m));
  const lease = { ttlMs: 1000, renewMs: 200, graceMs: 200 };
  const open = () => openStore({ kind: 'sqlite', file: t.ssodbFile });
  const storeA = await open();
  const storeN = await open();
  const node = (name: string, store: typeof storeA, vaultDir: string, clientTls = nodeTls(env)) =>
    new MssServer({ vaultDir, environmentId: env.config.id, store, tls: mssTls(env), clientTls, host: '127.0.0.1', port: 0, lease, log: (m) => logs.push(`${name} ${m}`) });
  const foreignCa = createCa('elsewhere', 30);
  const foreign = issueClientCertificate(foreignCa, { commonName: 'mss-node.x', role: 'mss-node', validDays: 30 });
  const a1 = node('A', storeA, env.paths.vault);
  await a1.start();
  const n = node('N', storeN, mkdtempSync(join(tmpdir(), 'vaultless-')), { ca: nodeTls(env).ca, cert: foreign.cert, key: foreign.key });
  await n.start();
  await new Promise((r) => setTimeout(r, 1000));
  await a1.close(); // A restarts (an upgrade): it gives its lease up, and N takes it
  await new Promise((r) => setTimeout(r, 1000));
  const a2 = node('A', storeA, env.paths.vault);
  await a2.start();
  let outcome = 'published';
  await waitUntil(async () => a2.leadership.isActive() && (await storeA.getGlobalInfo()).secretServer === a2.name, 10_000, () => 'A active and published').catch(async () => {
    outcome = `after 10 s: A ${a2.leadership.currentRole}, N ${n.leadership.currentRole} (holds a secret: ${n.authority.holdsSecret}); SSODB names ${(await storeA.getGlobalInfo()).secretServer} (A is ${a2.name}, N is ${n.name})`;
  });
  console.log(JSON.stringify({ outcome, log: logs.filter((l) => !/refused a TLS client/.test(l)) }));
  await a2.close();
  await n.close();
  await storeA.close();
  await storeN.close();
  await t.dispose();
})();
