/**
 * Review 7 finding 6b: a write refused by SSODB's secret fence twice (before and after the service
 * re-synchronised) was always explained as "the master secret server did not hand out the secret
 * SSODB names". While a rotation's publication is pending the opposite is true: the MSS hands out
 * a secret SSODB does not name yet, and this service does hold the one SSODB names. The final
 * message now says which, and what to check. Unit test of the retry around a write that SSODB
 * (its refusal as the store throws it) refuses each time.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SsoError } from '../../../src/protocol/errors';
import { onceMoreAfterSecretChange } from '../../../src/ssoService/service/secretChangeRetry';
import { secretNotCurrent } from '../../../src/ssoService/ssodb/schema/storeErrors';

const HANDED_OUT = '{11111111-1111-1111-1111-111111111111}';
const NAMED_BY_SSODB = '{22222222-2222-2222-2222-222222222222}';

async function finalRefusal(held: readonly string[]): Promise<SsoError> {
  let resyncs = 0;
  const refusedEachTime = async () => {
    throw secretNotCurrent(HANDED_OUT, NAMED_BY_SSODB);
  };
  const err = await onceMoreAfterSecretChange(refusedEachTime, async () => void resyncs++, { mssName: 'mss-1:7443', holds: (msid) => held.includes(msid) }).then(
    () => assert.fail('refused'),
    (e: unknown) => e,
  );
  assert.equal(resyncs, 1);
  assert.ok(err instanceof SsoError && err.code === 'ENTSSO_E_NO_SECRET', String(err));
  return err;
}

test('the MSS hands out a secret SSODB does not name yet (publication pending): the message says so', async () => {
  const err = await finalRefusal([HANDED_OUT, NAMED_BY_SSODB]);
  assert.match(err.message, /master secret server mss-1:7443 hands out master secret \{1111.*not yet published in SSODB \(SSODB still names \{2222/);
  assert.doesNotMatch(err.message, /did not hand/, 'it did hand out the secret SSODB names');
  assert.match(err.message, /Nothing was written\. Check Health/);
});

test('SSODB names a secret the MSS did not hand out: the message says so, and what to check', async () => {
  const err = await finalRefusal([HANDED_OUT]);
  assert.match(err.message, /SSODB names master secret \{2222.*which the master secret server mss-1:7443 did not hand to this SSO service \(it handed out \{1111/);
  assert.match(err.message, /Nothing was written\. Check Health: .*restore it from its backup/);
});
