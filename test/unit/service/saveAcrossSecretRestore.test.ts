/**
 * A save in flight across a master secret restore (found by review): the MSS serves a fresh secret
 * B (nothing saved under it), the administrator restores the environment's real secret X, which
 * drops B. A service took B for a save; its write reaches SSODB only after the restore was
 * published. Written under B it would be unreadable by every node; SSODB refuses it (B is no
 * longer a secret it names), and the service gets X from the MSS and saves once more under X.
 *
 * Real parts: an SQLite file, the MSS's SecretAuthority (vault, restore, publication under a
 * lease), the service's SsoOperations and SecretCache. The service's link to the MSS is a direct
 * call of the authority (what getSecrets answers); only the save's write is held back, until the
 * restore is done, to place it in the race.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { SsoError } from '../../../src/protocol/errors';
import { APP, PASSWORD, setUp, type Setup } from './secretRestoreRace';

const ctx = { client: 'test' };
const scratch = mkdtempSync(join(tmpdir(), 'save-across-restore-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

/** A save through the service whose write reaches SSODB only once `landAfter` is done. */
async function saveLandingAfter(setup: Setup, landAfter: () => Promise<unknown>): Promise<{ saved: unknown; b: string }> {
  const { store, ops, cache } = setup;
  const b = cache.secretForEncryption().msid;
  const save = store.saveConfiguration!.bind(store);
  let held = true;
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  store.saveConfiguration = async (...args) => {
    if (held) {
      held = false;
      await gate;
    }
    return save(...args);
  };
  const saving = ops.handlers['config.set']({ application: APP, identifier: 'Partner', fields: { Host: 'ftp.contoso.com', Password: 'pa55' }, expectedTimestamp: null }, ctx).then(
    (result) => result,
    (err: unknown) => err,
  );
  await new Promise((resolve) => setImmediate(resolve));
  await landAfter();
  release();
  return { saved: await saving, b };
}

test('a save that took the secret a restore drops, landing after the restore was published, is saved under the restored secret', async () => {
  const setup = await setUp(scratch, 'reachable', 'reachable');
  const { saved, b } = await saveLandingAfter(setup, () => setup.node.restore(setup.backupOfX, PASSWORD));
  const x = setup.node.secrets().current.msid;
  assert.notEqual(x, b);
  assert.ok(!(saved instanceof Error), `the save succeeded: ${String(saved)}`);
  const row = await setup.store.getCredentials(APP, 'Partner');
  assert.equal(row?.msid, x, `the row is under the restored secret ${x}, not the dropped ${b}`);
  const document = await setup.ops.handlers['config.get']({ application: APP, identifier: 'Partner', reveal: false }, ctx);
  assert.deepEqual([document.fields.Host, document.maskedSet], ['ftp.contoso.com', ['Password']], 'readable with the secrets the MSS holds');
  await setup.node.stop();
  await setup.store.close();
});

test('the same save, when the MSS cannot hand out the restored secret, is refused with what to do and writes nothing', async () => {
  const setup = await setUp(scratch, 'unreachable', 'unreachable after the restore');
  const { saved, b } = await saveLandingAfter(setup, () => setup.node.restore(setup.backupOfX, PASSWORD));
  assert.ok(saved instanceof SsoError, `refused: ${String(saved)}`);
  assert.equal(saved.code, 'ENTSSO_E_NO_SECRET');
  assert.equal(saved.details.msid, b);
  assert.match(saved.message, /Nothing was written\. Check Health/);
  assert.equal(await setup.store.getCredentials(APP, 'Partner'), undefined, 'no row under a secret no node holds');
  await setup.node.stop();
  await setup.store.close();
});
