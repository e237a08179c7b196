/**
 * Recording a backup across versions (review 11, F2): ssoctl and the palette ask secret.backup with
 * `confirmWrite` and confirm with secret.backupWritten once the file is written. The refusals below
 * are the texts an older service (rpcServer's validator and unknown-method answer) and an older MSS
 * send; a failure after the write is a warning, never a failed backup.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { recordWrittenBackup, requestBackup, supersededBackupMessage } from '../../../src/model/backupRecord';
import { SsoError } from '../../../src/protocol/errors';

const invalid = (message: string) => new SsoError('ENTSSO_E_INVALID_REQUEST', message);

test('an older service that refuses the flag is asked again without it, and then nothing is confirmed', async () => {
  const asked: boolean[] = [];
  const r = await requestBackup(async (confirmWrite) => {
    asked.push(confirmWrite);
    if (confirmWrite) throw invalid('Unknown parameter "confirmWrite".');
    return 'bytes';
  });
  assert.deepEqual(asked, [true, false]);
  assert.deepEqual(r, { result: 'bytes', confirm: false });
  assert.deepEqual(await recordWrittenBackup(r.confirm, () => assert.fail('an older service recorded it as made')), { outcome: 'recorded' });
});

test('any other refusal of secret.backup stays a failure (nothing was written)', async () => {
  await assert.rejects(
    requestBackup(async () => {
      throw invalid('The password is too short.');
    }),
    /too short/,
  );
  assert.deepEqual(await requestBackup(async (c) => c, false), { result: false, confirm: false }, 'the bridge is not asked to confirm');
});

test('backupWritten unknown to the service or its MSS (older version): the file is written and was recorded as made', async () => {
  for (const message of ['Unknown method "secret.backupWritten". Use one of the methods of the SSO service protocol (see protocol.ts).', 'Unknown master secret server operation.']) {
    assert.deepEqual(
      await recordWrittenBackup(true, async () => {
        throw invalid(message);
      }),
      { outcome: 'recorded' },
      message,
    );
  }
});

test('backupWritten failing otherwise (MSS failed over between the calls): a reason to warn with, not a failure', async () => {
  const record = await recordWrittenBackup(true, async () => {
    throw new SsoError('ENTSSO_E_MSS_UNREACHABLE', 'The master secret server node a is standby, not the active node.');
  });
  assert.equal(record.outcome, 'failed');
  assert.match(record.outcome === 'failed' ? record.reason : '', /standby/);
  assert.deepEqual(await recordWrittenBackup(true, async () => ({ recorded: true })), { outcome: 'recorded' });
});

test('backupWritten answering recorded: false (the master secret changed between backup and record): superseded, and said so', async () => {
  assert.deepEqual(await recordWrittenBackup(true, async () => ({ recorded: false })), { outcome: 'superseded' });
  const text = supersededBackupMessage('/backups/prod.bak');
  // What the file is, that it is no backup of the secret in use, and what to do; the same words in the palette and ssoctl.
  assert.equal(text, 'The master secret changed during the backup: /backups/prod.bak holds the secret that was current when it was taken, not the current one. Back up again.');
});
