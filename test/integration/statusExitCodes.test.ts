/**
 * Review 5, finding 11: `ssoctl status` exited 0 whatever the state, so `ssoctl status && deploy`
 * went ahead with no master secret or without SSODB. Now: 0 ready, 4 no master secret, 9 SSODB
 * unreachable (README, ssoctl). Real processes: MSS, SSO service, a real SQLite file whose header
 * the test overwrites to make SSODB unreadable.
 */
import assert from 'node:assert/strict';
import { closeSync, openSync, writeSync } from 'node:fs';
import { after, describe, test } from 'node:test';
import { TestEnvironment, waitUntil } from './harness';

describe('ssoctl status exit codes', () => {
  const environments: TestEnvironment[] = [];
  after(async () => {
    for (const t of environments) await t.dispose();
  });

  test('0 when ready, 9 once SSODB cannot be read', async () => {
    const t = await TestEnvironment.started();
    environments.push(t);
    const ready = t.ssoctl(['status']);
    assert.equal(ready.code, 0, ready.stderr);
    assert.match(ready.stdout, /^ready: /);

    const c = await t.client();
    const fd = openSync(t.ssodbFile, 'r+');
    try {
      writeSync(fd, Buffer.alloc(100, 0x58), 0, 100, 0); // "XXXX…": no longer an SQLite file
    } finally {
      closeSync(fd);
    }
    await waitUntil(async () => (await c.request('status', {})).state === 'ssodb-unreachable', 15_000, () => 'the service never saw SSODB go');
    const down = t.ssoctl(['status', '--json']);
    assert.equal(down.code, 9, down.stderr);
    assert.equal(JSON.parse(down.stdout).state, 'ssodb-unreachable', 'the state is printed as well');
  });

  test('4 with no master secret (a service whose MSS never answered)', async () => {
    const t = TestEnvironment.create();
    environments.push(t);
    await t.startService();
    const r = t.ssoctl(['status']);
    assert.equal(r.code, 4, r.stdout + r.stderr);
    assert.match(r.stdout, /^no-secret: /);
  });
});
