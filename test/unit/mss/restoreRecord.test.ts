/**
 * The record of a restore not yet published travels from the active node to standbys in the
 * getSecrets answer: whatever a peer sends there, only a well-formed record is kept, and anything
 * else reads as no record (the safe side: a standby without one refuses to publish).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { newMsid } from '../../../src/ssoService/crypto/masterSecret';
import { restoreRecordFrom } from '../../../src/ssoService/mss/unpublishedRestore';

const msid = newMsid();
const over = newMsid();

test('a well-formed record is kept, with its two ids only', () => {
  assert.deepEqual(restoreRecordFrom({ msid, over }), { msid, over });
  assert.deepEqual(restoreRecordFrom({ msid, over: null }), { msid, over: null }, 'restored when SSODB named no secret yet');
  assert.deepEqual(restoreRecordFrom({ msid, over, key: 'AAAA', extra: { deep: [1] } }), { msid, over }, 'nothing else is carried along');
});

test('anything else reads as no record', () => {
  const deep: unknown[] = [];
  let nested = deep;
  for (let i = 0; i < 10_000; i++) nested = (nested[0] = []) as unknown[];
  const bad: unknown[] = [
    undefined,
    null,
    'record',
    42,
    true,
    [msid, over],
    deep,
    {},
    { msid },
    { over },
    { msid, over: undefined },
    { msid, over: 7 },
    { msid, over: 'not a secret id' },
    { msid: msid.toLowerCase(), over },
    { msid: `${msid} `, over },
    { msid: [msid], over },
    { msid: { toString: () => msid }, over },
    { msid, over: [over] },
    JSON.parse(`{"__proto__": {"msid": "${msid}", "over": null}}`),
  ];
  bad.forEach((value, i) => assert.equal(restoreRecordFrom(value), undefined, `bad value #${i}`));
});
