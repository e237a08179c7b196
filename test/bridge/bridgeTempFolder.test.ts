/**
 * Review 5 finding 12: ENTSSO reads and writes master secret backups as files, so the bridge passes
 * them through a temporary folder. On Mono (Unix) that folder must be the account's own (0700): with
 * Directory.CreateDirectory it followed the umask (0755 under the usual 022), and any local account
 * could list it and read the backup while it existed. The bridge (TEST build) is SIGKILLed once
 * ENTSSO has written the backup there (ENTSSO_BRIDGE_CRASH_AT=temporary-backup-written), so the
 * folder stays behind to be looked at; TMPDIR points Mono's temporary path at this test's folder.
 * Over the ENTSSO STAND-IN on Mono.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { BridgeProcess, bridgeEnv, buildBridgeAndStandin, seedStandinState } from '../entssoStandin/standin';

describe('entsso-bridge: the temporary backup folder on Mono', { timeout: 180_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'entsso-bridge-tempfolder-'));
  const started: BridgeProcess[] = [];
  after(async () => {
    for (const b of started) await b.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('secret.backup: the folder ENTSSO writes the backup into is owner-only (0700), whatever the umask lets through', async () => {
    const { interopRoot } = await buildBridgeAndStandin();
    const { stateFile, mgmtDbFile } = seedStandinState(join(dir, 'standin-state.json'));
    const temp = join(dir, 'tmp');
    mkdirSync(temp, { mode: 0o755 });
    // The bridge inherits the umask: 022 is what leaves a created folder readable by everyone.
    const umask = process.umask(0o022);
    let bridge: BridgeProcess;
    try {
      bridge = await BridgeProcess.start({ ...bridgeEnv({ stateFile, interopRoot, mgmtDbFile, crashAt: 'temporary-backup-written' }), TMPDIR: temp });
    } finally {
      process.umask(umask);
    }
    started.push(bridge);
    await bridge.hello();
    const err = await bridge.request('secret.backup', { password: 'backup-pass-123', reminder: '' }).catch((e: Error) => e);
    assert.ok(err instanceof Error && /exited/.test(err.message), 'the bridge died once the backup was written');
    assert.equal((await bridge.exited).signal, 'SIGKILL');

    const folders = readdirSync(temp).filter((n) => n.startsWith('entsso-bridge-'));
    assert.equal(folders.length, 1, `one temporary folder under TMPDIR: ${readdirSync(temp).join(', ')}`);
    const folder = join(temp, folders[0]!);
    assert.deepEqual(readdirSync(folder), ['secret.bak'], 'ENTSSO wrote the backup into it');
    assert.equal((statSync(folder).mode & 0o777).toString(8), '700', 'only the owner can list or open the folder');
  });
});
