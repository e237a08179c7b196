// A code-server window whose "This machine" environment is entsso-bridge.exe on Mono over the ENTSSO
// STAND-IN (test/entssoStandin), seeded with the BizTalk-shaped sample: what the bridge UI tests share.
import { copyFileSync, mkdtempSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bridgeEnv, buildBridgeAndStandin, seedStandinState } from '../../entssoStandin/standin';
import { UiSession } from './uiSession';

/** Opens `ui`'s window on a freshly seeded stand-in; returns the scratch folder (the caller removes it) and the stand-in's state file. */
export async function openBridgeWorkbench(ui: UiSession, name: string): Promise<{ dir: string; stateFile: string }> {
  const { interopRoot, bridgeExe } = await buildBridgeAndStandin();
  const dir = mkdtempSync(join(tmpdir(), `entsso-${name}-ui-`));
  const seeded = seedStandinState(join(dir, 'state.json'));
  // What a BizTalk machine has (CommonProgramW6432), plus the stand-in's own files.
  await ui.openWorkbench({ name, env: bridgeEnv({ stateFile: seeded.stateFile, interopRoot, mgmtDbFile: seeded.mgmtDbFile }) });
  // The shipped bridge reads no MgmtDb stand-in: the installed copy gets the TEST build before the first
  // connect starts it, renamed into place (a bridge already running keeps the file it mapped).
  const installed = join(ui.server!.installedExtensionDir!, 'dist', 'entsso-bridge.exe');
  copyFileSync(bridgeExe, `${installed}.test-build`);
  renameSync(`${installed}.test-build`, installed);
  return { dir, stateFile: seeded.stateFile };
}
