/**
 * This machine's Microsoft Enterprise SSO as an environment: whether ENTSSO is installed here
 * (the folder its Interop assembly is installed in, which the bridge binds to at run time) and
 * how entsso-bridge.exe is started for an environment of kind `entsso`.
 * No `vscode` import: unit-tested with node:test.
 */
import * as l10n from '@vscode/l10n';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { ProcessSpec } from '../ssoClient/transport';
import type { EnvironmentSetting } from './environmentSettings';

const ENTSSO_FOLDER = 'Enterprise Single Sign-On';
export const INTEROP_ASSEMBLY = 'Microsoft.EnterpriseSingleSignOn.Interop.dll';
/** The name under which "SSO: Connect to SSO Service…" saves this machine's ENTSSO. */
export const LOCAL_ENTSSO_NAME = 'This machine';
/** How "SSO: Connect to SSO Service…" offers this machine's ENTSSO (looked up when shown, after activation loaded the bundle). */
export function localEntssoLabel(): string {
  return l10n.t("This machine's Enterprise SSO");
}

/**
 * `%CommonProgramW6432%\Enterprise Single Sign-On` when it holds the Interop assembly (ENTSSO is
 * installed), else undefined. The same variable the bridge reads, so both agree.
 */
export function installedEntssoFolder(env: NodeJS.ProcessEnv = process.env, exists: (path: string) => boolean = existsSync): string | undefined {
  const common = env.CommonProgramW6432;
  if (!common) return undefined;
  const folder = join(common, ENTSSO_FOLDER);
  return exists(join(folder, INTEROP_ASSEMBLY)) ? folder : undefined;
}

/** How to start the bridge of an `entsso` environment: its `bridge` setting, or the exe shipped in the extension (on Mono off Windows). */
export function bridgeProcess(env: EnvironmentSetting, extensionPath: string, platform: NodeJS.Platform = process.platform): ProcessSpec {
  if (env.bridge) return { command: env.bridge.command, args: env.bridge.args, env: env.bridge.env };
  const exe = join(extensionPath, 'dist', 'entsso-bridge.exe');
  return platform === 'win32' ? { command: exe, args: [] } : { command: 'mono', args: [exe] };
}

/** Whether this machine has the Enterprise SSO service, as the bridge tells (`--local-service`, bridge/LocalService.cs). */
export type LocalServiceState = 'installed' | 'missing' | 'unknown';

const LOCAL_SERVICE_TIMEOUT_MS = 10_000;

/**
 * Asks the bridge, without any ENTSSO call, whether this machine has the ENTSSO service: where only
 * the BizTalk administration tools are installed, the tree would list applications but no
 * configuration could be opened (their values are read through the local SSO service only).
 * 'unknown' when the bridge cannot tell (off Windows), fails or does not answer in time: then
 * "This machine" is offered as before.
 */
export function localServiceState(spec: ProcessSpec, timeoutMs = LOCAL_SERVICE_TIMEOUT_MS): Promise<LocalServiceState> {
  return new Promise((resolve) => {
    execFile(spec.command, [...spec.args, '--local-service'], { env: { ...process.env, ...spec.env }, cwd: spec.cwd, timeout: timeoutMs, windowsHide: true, maxBuffer: 64 * 1024 }, (err, stdout) => {
      if (err) return resolve('unknown');
      resolve(parseLocalService(String(stdout)));
    });
  });
}

/**
 * The local-service answer for the window's lifetime: each question starts the bridge (a second or
 * more on a busy server), and "Connect to SSO Service…" asked at every use. Kept per bridge (its
 * process spec); 'unknown' (failed, timed out) is not kept, and `forget` (a retry, a refusal) asks
 * again, in case the service was installed since. Off Windows nothing is asked: the bridge reads the
 * registry, so it could only answer 'unknown' there.
 */
export class LocalServiceCache {
  private kept: { key: string; state: LocalServiceState } | undefined;

  constructor(private readonly platform: NodeJS.Platform = process.platform) {}

  /** `asked` hears what a bridge start answered (for the log), not a kept answer. */
  async stateOf(spec: ProcessSpec, asked?: (state: LocalServiceState) => void): Promise<LocalServiceState> {
    if (this.platform !== 'win32') return 'unknown';
    const key = JSON.stringify(spec);
    if (this.kept?.key === key) return this.kept.state;
    const state = await localServiceState(spec);
    asked?.(state);
    this.kept = state === 'unknown' ? undefined : { key, state };
    return state;
  }

  forget(): void {
    this.kept = undefined;
  }
}

function parseLocalService(stdout: string): LocalServiceState {
  try {
    const state = (JSON.parse(stdout.trim().split(/\r?\n/).pop() ?? '') as { localService?: unknown }).localService;
    return state === 'installed' || state === 'missing' ? state : 'unknown';
  } catch {
    return 'unknown';
  }
}

/** Why "This machine" cannot work here, for the picker and the refusal. */
export function missingLocalServiceReason(): string {
  return l10n.t(
    'Only the Enterprise SSO administration tools are installed on this machine, not the Enterprise Single Sign-On service. The values of configurations are decrypted by the local SSO service only, so none could be opened here: open VS Code on a BizTalk server (where the SSO service runs), or connect to an SSO service of this project.',
  );
}
