/**
 * A bridge the system refuses to start (no execute permission here; on Windows servers, typically
 * AppLocker or Windows Defender Application Control blocking an unsigned program under the user's
 * profile): the error says what to do about both, including where to point "bridge.command".
 * A real spawn of a real file without any execute bit (refused with EACCES even to root).
 */
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { SsoError } from '../../../src/protocol/errors';
import { openProcessTransport } from '../../../src/ssoClient/transport';

test('a bridge that may not be executed: ENTSSO_E_ACCESS_DENIED naming permissions, application control and "bridge.command"', { skip: process.platform === 'win32' ? 'Windows has no execute bit to take away' : false }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'entsso-blocked-'));
  try {
    const exe = join(dir, 'entsso-bridge');
    writeFileSync(exe, '#!/bin/sh\nexit 0\n');
    chmodSync(exe, 0o600);
    const err = await openProcessTransport({ command: exe, args: [] }, { onData: () => undefined, onClose: () => undefined, onLog: () => undefined }).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(err instanceof SsoError, String(err));
    assert.equal(err.code, 'ENTSSO_E_ACCESS_DENIED');
    assert.match(err.message, /Check the file's permissions/);
    assert.match(err.message, /AppLocker or Windows Defender Application Control/);
    assert.match(err.message, /"bridge\.command" of the environment in the "entsso\.environments" setting/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
