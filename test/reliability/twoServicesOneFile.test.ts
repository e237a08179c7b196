/**
 * Two SSO service processes on one SSODB file (issue 16, third round). Each service keeps what it
 * read across its own saves (no transaction for the next read); a save by the OTHER process must
 * still be seen by the next read, also when this service saved something else in between: its
 * own commit must not make it trust results that the other process's commit made stale.
 * Real MSS and two real service processes (the second from a copy of the environment folder
 * whose configuration names the first one's SSODB file and a socket of its own).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { SsoClient } from '../../src/ssoClient/client';
import { Daemon, SSOCTL, TestEnvironment } from '../integration/harness';

const APP = 'Shared';
const ROUNDS = 12;

/** A second service, from a copy of `t`'s environment folder pointed at `t`'s SSODB file. */
async function startSecondService(t: TestEnvironment): Promise<{ daemon: Daemon; socketPath: string }> {
  const dir = `${t.dir}-second`;
  mkdirSync(dir, { mode: 0o700 });
  cpSync(join(t.dir, 'pki'), join(dir, 'pki'), { recursive: true });
  cpSync(join(t.dir, 'access-token'), join(dir, 'access-token'));
  const socketPath = join(dir, 'second.sock');
  const config = JSON.parse(readFileSync(join(t.dir, 'environment.json'), 'utf8')) as { store: { file: string }; socketPath: string };
  writeFileSync(join(dir, 'environment.json'), JSON.stringify({ ...config, store: { kind: 'sqlite', file: t.ssodbFile }, socketPath }), { mode: 0o600 });
  const daemon = new Daemon(spawn(process.execPath, [SSOCTL, 'serve', '--dir', dir, '--service'], { stdio: ['ignore', 'pipe', 'pipe'] }));
  t.daemons.push(daemon);
  await daemon.waitForLog(/ssod\[\d+\] ready$/);
  return { daemon, socketPath };
}

describe('two SSO services on one SSODB file', () => {
  let t: TestEnvironment;
  let first: SsoClient;
  let second: SsoClient;
  /** Each service's own row's current version, from its last save: it saves without reading first. */
  const versions = new Map<string, string>();

  before(async () => {
    t = await TestEnvironment.started();
    first = await t.client();
    const { socketPath } = await startSecondService(t);
    second = new SsoClient({ socketPath, token: readFileSync(join(t.dir, 'access-token'), 'utf8').trim(), clientName: 'test', requestTimeoutMs: 20_000 });
    t.clients.push(second);
    await second.connect();
    await first.request('apps.create', { name: APP, kind: 'configStore', fields: [{ label: 'Value', masked: false }] });
    for (const id of ['theirs', 'mine-first', 'mine-second']) {
      versions.set(id, (await first.request('config.set', { application: APP, identifier: id, fields: { Value: 'initial' }, expectedTimestamp: null })).timestamp);
    }
  });
  after(async () => t.dispose());

  test("a read after the other service's save returns its value, also when this service saved another row in between", async () => {
    const services = [
      { name: 'first', client: first, own: 'mine-first' },
      { name: 'second', client: second, own: 'mine-second' },
    ];
    for (let round = 0; round < ROUNDS; round++) {
      const writer = services[round % 2]!;
      const reader = services[(round + 1) % 2]!;
      // Both services hold the row in what they keep.
      const seen = await reader.client.request('config.get', { application: APP, identifier: 'theirs' });
      const base = await writer.client.request('config.get', { application: APP, identifier: 'theirs' });
      assert.equal(seen.timestamp, base.timestamp);
      const value = `round-${round}-by-${writer.name}`;
      await writer.client.request('config.set', { application: APP, identifier: 'theirs', fields: { Value: value }, expectedTimestamp: base.timestamp });
      // The reader's own save, with no read of its own before it, comes after the other's commit:
      // what the reader kept must not survive it.
      const ownValue = `round-${round}-own`;
      const saved = await reader.client.request('config.set', { application: APP, identifier: reader.own, fields: { Value: ownValue }, expectedTimestamp: versions.get(reader.own) as string });
      versions.set(reader.own, saved.timestamp);
      const after = await reader.client.request('config.get', { application: APP, identifier: 'theirs' });
      assert.equal(after.fields.Value, value, `round ${round}: ${reader.name} sees ${writer.name}'s save`);
      assert.equal((await reader.client.request('config.get', { application: APP, identifier: reader.own })).fields.Value, ownValue, `round ${round}: ${reader.name} sees its own save`);
      // And a save based on what it read is not refused as stale: it read the current version.
      const again = await reader.client.request('config.set', { application: APP, identifier: 'theirs', fields: { Value: `${value}-then-${reader.name}` }, expectedTimestamp: after.timestamp });
      assert.ok(again.timestamp);
    }
  });
});
