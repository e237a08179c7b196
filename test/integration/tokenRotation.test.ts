/**
 * `ssoctl token rotate` with real processes: the new token takes effect at once, every session
 * opened with the old one is closed (on this service and on a second service of the same
 * environment), the token file stays owner-only, the rotation is audited, and a client that
 * reconnects by itself stops at the rotated token and says what to do instead of retrying it.
 */
import assert from 'node:assert/strict';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { SsoClient, type ConnectionStatus } from '../../src/ssoClient/client';
import { SsoError } from '../../src/protocol/errors';
import { readToken } from '../../src/ssoService/environment';
import { TestEnvironment, waitUntil } from './harness';

function tokenFileMode(t: TestEnvironment): number {
  return statSync(t.env.paths.token).mode & 0o777;
}

describe('access token rotation (real processes)', () => {
  let t: TestEnvironment;
  let secondSocket: string;

  before(async () => {
    t = await TestEnvironment.started();
    secondSocket = join(t.dir, 'run', 'ssod-2.sock');
    await t.spawnRole('service', ['--socket', secondSocket]).waitForLog(/ssod\[\d+\] ready$/);
  });
  after(async () => t.dispose());

  test('rotate through the running service: old sessions closed at once, here and on a second service; the old token refused, the new one works', async () => {
    const oldToken = readToken(t.env);
    const reconnecting = new SsoClient({ socketPath: t.env.config.socketPath, token: oldToken, clientName: 'extension-like', reconnect: true, reconnectDelayMs: 100, requestTimeoutMs: 5000 });
    const onSecond = new SsoClient({ socketPath: secondSocket, token: oldToken, clientName: 'second', reconnect: true, reconnectDelayMs: 100, requestTimeoutMs: 5000 });
    t.clients.push(reconnecting, onSecond);
    const events: Array<[ConnectionStatus, SsoError | undefined]> = [];
    reconnecting.on('connection', (status, error) => events.push([status, error]));
    await reconnecting.connect();
    await onSecond.connect();

    const r = t.ssoctl(['token', 'rotate', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const result = JSON.parse(r.stdout);
    assert.equal(result.service, 'running');
    assert.equal(result.tokenFile, t.env.paths.token);
    assert.ok(result.closedSessions >= 1, `closed ${result.closedSessions} other sessions`);
    const newToken = readToken(t.env);
    assert.notEqual(newToken, oldToken);
    assert.equal(tokenFileMode(t), 0o600);
    assert.ok(!r.stdout.includes(newToken) && !r.stderr.includes(newToken), 'the new token is never printed');

    await waitUntil(() => events.some(([s, e]) => s === 'disconnected' && e?.details.reason === 'token-rotated'), 3000, () => `events: ${JSON.stringify(events.map(([s, e]) => [s, e?.code]))}`);
    const told = events.find(([, e]) => e?.details.reason === 'token-rotated')![1]!;
    assert.equal(told.code, 'ENTSSO_E_ACCESS_DENIED');
    assert.match(told.message, /rotated/);
    assert.ok(told.message.includes(t.env.paths.token), 'the message says where the new token is');
    // A client that reconnects by itself must not keep knocking with the old token.
    const eventsAtNotice = events.length;
    await new Promise((resolve) => setTimeout(resolve, 1500));
    assert.equal(events.length, eventsAtNotice, `no reconnect attempts with the old token: ${JSON.stringify(events.slice(eventsAtNotice).map(([s, e]) => [s, e?.code]))}`);
    assert.equal(reconnecting.connectionStatus, 'disconnected');

    await waitUntil(() => onSecond.connectionStatus === 'disconnected', 4000, () => 'the second service closed its old session');

    const refused = new SsoClient({ socketPath: t.env.config.socketPath, token: oldToken, clientName: 'old', requestTimeoutMs: 5000 });
    await assert.rejects(refused.connect(), (e: unknown) => e instanceof SsoError && e.code === 'ENTSSO_E_ACCESS_DENIED' && e.details.reason === 'token-rotated' && /rotated/.test(e.message));
    refused.close();

    const fresh = await t.client({ token: newToken });
    assert.equal((await fresh.request('status', {})).state, 'ready');
    const onSecondFresh = new SsoClient({ socketPath: secondSocket, token: newToken, clientName: 'second-new', requestTimeoutMs: 5000 });
    t.clients.push(onSecondFresh);
    await onSecondFresh.connect();

    const audit = await fresh.request('audit.list', { limit: 20 });
    assert.ok(audit.items.some((e) => e.action === 'token.rotate' && e.outcome === 'ok' && e.user.includes('ssoctl')), 'the rotation is audited');
  });

  test('with no service running, the token file is rewritten (0600, audited) and the next start uses it', async () => {
    for (const d of t.daemons.filter((x) => x !== t.mss)) await d.stop();
    const before = readToken(t.env);
    // A wrong audit setting (the service would refuse to start on it) does not block the rotation.
    const configFile = join(t.dir, 'environment.json');
    const config = readFileSync(configFile, 'utf8');
    writeFileSync(configFile, JSON.stringify({ ...JSON.parse(config), audit: { maxRows: 1 } }));
    const r = t.ssoctl(['token', 'rotate', '--json']);
    writeFileSync(configFile, config);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(JSON.parse(r.stdout).service, 'not running');
    const after = readToken(t.env);
    assert.notEqual(after, before);
    assert.equal(tokenFileMode(t), 0o600);

    await t.startService();
    await assert.rejects(t.client({ token: before }), (e: unknown) => e instanceof SsoError && e.code === 'ENTSSO_E_ACCESS_DENIED');
    const c = await t.client({ token: after });
    const audit = await c.request('audit.list', { limit: 20 });
    assert.ok(audit.items.some((e) => e.action === 'token.rotate' && e.detail?.includes('no service was running')), 'the offline rotation is audited');
  });
});
