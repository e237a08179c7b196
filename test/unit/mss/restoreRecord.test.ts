/**
 * The record of a restore not yet published travels from the active node to standbys in the
 * getSecrets answer: whatever a peer sends there, only a well-formed record is kept, and anything
 * else reads as no record (the safe side: a standby without one refuses to publish).
 */
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import * as tls from 'node:tls';
import { generateMasterSecret, newMsid } from '../../../src/ssoService/crypto/masterSecret';
import { createCa, issueClientCertificate, issueServerCertificate } from '../../../src/ssoService/crypto/pki';
import { MssLink } from '../../../src/ssoService/mss/mssLink';
import { toWire } from '../../../src/ssoService/mss/mssProtocol';
import { restoreRecordFrom } from '../../../src/ssoService/mss/unpublishedRestore';

const msid = newMsid();
const over = newMsid();

test('a well-formed record is kept, with its two ids only', () => {
  assert.deepEqual(restoreRecordFrom({ msid, over }), { msid, over });
  assert.deepEqual(restoreRecordFrom({ msid, over: null }), { msid, over: null }, 'restored when SSODB named no secret yet');
  assert.deepEqual(restoreRecordFrom({ msid, over, key: 'AAAA', extra: { deep: [1] } }), { msid, over }, 'nothing else is carried along');
});

const deep: unknown[] = [];
let nested = deep;
for (let i = 0; i < 1000; i++) nested = (nested[0] = []) as unknown[];
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

test('anything else reads as no record', () => {
  bad.forEach((value, i) => assert.equal(restoreRecordFrom(value), undefined, `bad value #${i}`));
});

/**
 * A hostile or broken peer (a TLS server made here, with certificates of a CA made here, standing
 * in for an active node) answers getSecrets with each bad value: the link hands on no record.
 */
test('a getSecrets answer whose record is malformed reaches the standby as no record; a well-formed one as sent', async () => {
  const ca = createCa('Restore Record Test CA', 1);
  const server = issueServerCertificate(ca, { commonName: 'peer', hosts: ['127.0.0.1'], validDays: 1 });
  const client = issueClientCertificate(ca, { commonName: 'node', role: 'mss-node', validDays: 1 });
  const current = toWire(generateMasterSecret());
  let record: unknown;
  const peer = tls.createServer({ ca: ca.cert, cert: server.cert, key: server.key, requestCert: true, rejectUnauthorized: true }, (socket) => {
    let text = '';
    socket.on('data', (data) => {
      text += data.toString('utf8');
      for (let end = text.indexOf('\n'); end >= 0; end = text.indexOf('\n')) {
        const { id } = JSON.parse(text.slice(0, end)) as { id: number };
        text = text.slice(end + 1);
        socket.write(JSON.stringify({ id, result: { current, server: 'peer', unpublishedRestore: record } }) + '\n');
      }
    });
  });
  await new Promise<void>((resolve) => peer.listen(0, '127.0.0.1', resolve));
  const link = new MssLink({ ca: ca.cert, cert: client.cert, key: client.key }, 5000);
  try {
    const address = `127.0.0.1:${(peer.address() as AddressInfo).port}`;
    for (const [i, value] of bad.entries()) {
      record = value;
      const answer = await link.getSecrets(address);
      assert.equal(answer.current.msid, current.msid, `bad value #${i}: the secrets still come through`);
      assert.equal(answer.unpublishedRestore, undefined, `bad value #${i}`);
    }
    record = { msid, over, key: current.key };
    assert.deepEqual((await link.getSecrets(address)).unpublishedRestore, { msid, over });
  } finally {
    link.close();
    await new Promise<void>((resolve) => peer.close(() => resolve()));
  }
});
