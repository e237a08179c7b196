/**
 * The MSS's `demote` request when SSODB refuses to release the lease: the node is standby all the
 * same (Leadership.demote sees to it) and the lease expires by itself, so the node that asked hears
 * "standby", not SSODB's error text; the failure is logged once, by its code. An MssServer built but
 * not started (no TLS listener, no vault), its request path driven as a peer's line would drive it,
 * over a lease store stand-in whose release fails with text that must stay on this node.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { LeaseState } from '../../../src/ssoService/mss/leadership';
import { MssServer } from '../../../src/ssoService/mss/mssServer';
import type { MssResponse } from '../../../src/ssoService/mss/mssProtocol';
import type { SsoStore } from '../../../src/ssoService/ssodb/store';
import { SsoError } from '../../../src/protocol/errors';

const SSODB_TEXT = 'Login failed for user CONTOSO\\svc-sso on sql01.contoso.local';
const TLS = { ca: '', cert: '', key: '' };

function leaseStore(): SsoStore {
  let lease: LeaseState = { holder: null, expiresAt: 0, epoch: 0, takenAt: null };
  return {
    acquireLease: async (node: string, ttlMs: number) => (lease = { holder: node, expiresAt: Date.now() + ttlMs, epoch: lease.epoch + 1, takenAt: Date.now() }),
    getLease: async () => lease,
    releaseLease: async () => {
      throw new SsoError('ENTSSO_E_SSODB_UNREACHABLE', SSODB_TEXT);
    },
  } as unknown as SsoStore;
}

test('a demote request whose lease release SSODB refuses answers standby, without SSODB\'s text, and logs one line by code', async () => {
  const logs: string[] = [];
  const server = new MssServer({ vaultDir: '/nonexistent', environmentId: 'env', store: leaseStore(), tls: TLS, clientTls: TLS, host: '127.0.0.1', port: 7001, log: (m) => logs.push(m) });
  // Active by its lease alone: the activation (vault, publication) is not what this test is about.
  server.leadership.removeAllListeners('role');
  await server.leadership.tick();
  assert.equal(server.leadership.isActive(), true);

  const handle = (server as unknown as { handle(raw: unknown, peer: { role: string; refusalLogged: boolean }): Promise<MssResponse> }).handle.bind(server);
  const response = await handle({ id: 7, op: 'demote', params: {} }, { role: 'mss-node', refusalLogged: false });

  assert.deepEqual(response, { id: 7, result: { name: '127.0.0.1:7001', role: 'standby' } });
  assert.ok(!JSON.stringify(response).includes('sql01'), 'no SSODB text reaches the caller');
  assert.equal(server.leadership.currentRole, 'standby');
  const said = logs.filter((l) => l.includes('could not give the lease up'));
  assert.equal(said.length, 1, logs.join('\n'));
  assert.match(said[0]!, /\(ENTSSO_E_SSODB_UNREACHABLE\).*standby.*expires by itself within 5 s/);
  assert.ok(!logs.join('\n').includes('sql01'), 'the log names the code, not the text');
  await server.leadership.stop();
});
