/**
 * Review 7 finding 4: .sso files are decrypted one at a time, and every other caller waited for its
 * turn with no bound. The RPC server does not cap requests in flight per connection, so a client
 * pipelining plans of large .sso files kept every file in memory until its turn. Now at most
 * MAX_WAITING_SSO_DECRYPTIONS wait behind the one being decrypted; the next is refused at once as
 * busy, with what to do. Counted, never timed: the calls all start before the first one yields.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SsoError } from '../../../src/protocol/errors';
import { decodeSsoFileInSlices, encodeSsoFile, MAX_WAITING_SSO_DECRYPTIONS } from '../../../src/ssoService/crypto/ssoFile';

const PASSWORD = 'pw';
const CALLS = 64;

function ssoFileOf(keys: number): string {
  const entries: Record<string, string> = {};
  for (let i = 0; i < keys; i++) entries[`Key${i}`] = 'x'.repeat(200);
  return encodeSsoFile(entries, PASSWORD);
}

test(`.sso decryptions waiting for their turn are bounded: past ${MAX_WAITING_SSO_DECRYPTIONS}, a request is refused at once as busy`, async () => {
  const file = ssoFileOf(200);
  const refusals: SsoError[] = [];
  const calls = Array.from({ length: CALLS }, () =>
    decodeSsoFileInSlices(file, PASSWORD).then(
      () => 'ok',
      (err: unknown) => {
        if (err instanceof SsoError && err.code === 'ENTSSO_E_BUSY') refusals.push(err);
        return err instanceof SsoError ? err.code : String(err);
      },
    ),
  );
  const outcomes = await Promise.all(calls);
  assert.equal(outcomes.filter((o) => o === 'ok').length, 1 + MAX_WAITING_SSO_DECRYPTIONS, 'the one decrypted and those waiting are done');
  assert.equal(refusals.length, CALLS - 1 - MAX_WAITING_SSO_DECRYPTIONS, 'every other one refused as busy');
  assert.match(refusals[0]!.message, /Try again in a few seconds/);
  // The count goes down as files are done, refused or not: the queue takes files again.
  assert.deepEqual(await decodeSsoFileInSlices(ssoFileOf(1), PASSWORD), { Key0: 'x'.repeat(200) });
});

test('a file that fails (wrong password) leaves its place in the queue', async () => {
  const file = ssoFileOf(50);
  for (let round = 0; round < 3; round++) {
    const wrong = await Promise.all(Array.from({ length: 1 + MAX_WAITING_SSO_DECRYPTIONS }, () => decodeSsoFileInSlices(file, 'a wrong guess').then(() => 'ok', (e: SsoError) => e.code)));
    assert.deepEqual(new Set(wrong), new Set(['ENTSSO_E_BAD_PASSWORD']));
  }
  const right = await Promise.all(Array.from({ length: 1 + MAX_WAITING_SSO_DECRYPTIONS }, () => decodeSsoFileInSlices(file, PASSWORD).then(() => 'ok', (e: SsoError) => e.code)));
  assert.deepEqual(right, Array(1 + MAX_WAITING_SSO_DECRYPTIONS).fill('ok'));
});
