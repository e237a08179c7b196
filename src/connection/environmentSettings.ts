import * as l10n from '@vscode/l10n';
/**
 * The `entsso.environments` and `entsso.activeEnvironment` settings, checked: which SSO
 * environments the user configured and which one the explorer shows.
 * No `vscode` import: unit-tested with node:test.
 */

/** How the ENTSSO bridge is started; without it, the entsso-bridge.exe shipped in the extension. */
interface BridgeSetting {
  command: string;
  args: string[];
  /** Added to the extension's environment (e.g. the stand-in's CommonProgramW6432). Never secrets. */
  env: Record<string, string>;
}

export interface EnvironmentSetting {
  name: string;
  /** The SSO service socket; '' for kind `entsso`, which talks to a bridge process instead. */
  socketPath: string;
  /**
   * Absent: this project's SSO service at `socketPath`. `entsso`: this machine's Microsoft
   * Enterprise SSO through entsso-bridge.exe (no socket, no token: ENTSSO checks the Windows account).
   */
  kind?: 'entsso';
  bridge?: BridgeSetting;
  /** Shown next to the environment's name (e.g. that it runs over the ENTSSO stand-in). */
  description?: string;
  /** A file holding the access token (instead of SecretStorage). */
  tokenFile?: string;
  /**
   * The environment folder of a local environment (written by `npm start` and "SSO: Create Local
   * SSO Environment…"): its master secret server can be stopped and started from VS Code.
   */
  localDir?: string;
}

interface ParsedEnvironments {
  environments: EnvironmentSetting[];
  /** Problems with the settings, for the log and for the user (no values involved). */
  problems: string[];
}

export function parseEnvironments(raw: unknown): ParsedEnvironments {
  const environments: EnvironmentSetting[] = [];
  const problems: string[] = [];
  if (raw === undefined || raw === null) return { environments, problems };
  if (!Array.isArray(raw)) return { environments, problems: [l10n.t('"entsso.environments" must be an array of { "name", "socketPath", "tokenFile", "localDir" } or { "name", "kind": "entsso" } objects.')] };
  raw.forEach((entry: unknown, i) => {
    const where = l10n.t('"entsso.environments" entry {0}', i + 1);
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
      problems.push(l10n.t('{0} is not an object; it is ignored.', where));
      return;
    }
    const e = entry as Record<string, unknown>;
    const name = typeof e.name === 'string' ? e.name.trim() : '';
    const socketPath = typeof e.socketPath === 'string' ? e.socketPath.trim() : '';
    if (!name) {
      problems.push(l10n.t('{0} has no "name"; it is ignored.', where));
      return;
    }
    if (environments.some((x) => x.name.toLowerCase() === name.toLowerCase())) {
      problems.push(l10n.t('Environment "{0}" is configured twice; the first one is used.', name));
      return;
    }
    if (e.kind === 'entsso') {
      const parsed = parseEntssoEnvironment(name, e);
      if (typeof parsed === 'string') problems.push(parsed);
      else environments.push(parsed);
      return;
    }
    if (e.kind !== undefined && e.kind !== 'service') {
      problems.push(l10n.t('Environment "{0}" has an unknown "kind" (use "entsso" for this machine\'s Enterprise SSO, or leave it out); it is ignored.', name));
      return;
    }
    if (!socketPath) {
      problems.push(l10n.t('Environment "{0}" has no "socketPath"; it is ignored.', name));
      return;
    }
    const tokenFile = optionalPath(e.tokenFile);
    const localDir = optionalPath(e.localDir);
    environments.push({ name, socketPath, ...(tokenFile ? { tokenFile } : {}), ...(localDir ? { localDir } : {}) });
  });
  return { environments, problems };
}

/** An environment of kind `entsso`, or the problem with it. */
function parseEntssoEnvironment(name: string, e: Record<string, unknown>): EnvironmentSetting | string {
  const description = optionalPath(e.description);
  const env: EnvironmentSetting = { name, socketPath: '', kind: 'entsso', ...(description ? { description } : {}) };
  if (e.bridge === undefined) return env;
  const b = e.bridge as Record<string, unknown> | null;
  const command = typeof b?.command === 'string' ? b.command.trim() : '';
  const args = b?.args ?? [];
  const vars = b?.env ?? {};
  if (!command) return l10n.t('Environment "{0}" has a "bridge" without "command"; it is ignored. Remove "bridge" to use the entsso-bridge.exe of the extension.', name);
  if (!Array.isArray(args) || !args.every((a) => typeof a === 'string')) return l10n.t('Environment "{0}": "bridge.args" must be an array of strings; it is ignored.', name);
  if (typeof vars !== 'object' || vars === null || Array.isArray(vars) || !Object.values(vars).every((v) => typeof v === 'string')) {
    return l10n.t('Environment "{0}": "bridge.env" must be an object of strings; it is ignored.', name);
  }
  return { ...env, bridge: { command, args: args as string[], env: vars as Record<string, string> } };
}

function optionalPath(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() ? value.trim() : undefined;
}

/** The environment to show: the configured active one, or the only one. */
export function resolveActive(environments: EnvironmentSetting[], active: unknown): EnvironmentSetting | undefined {
  if (typeof active === 'string' && active.trim()) {
    const found = environments.find((e) => e.name.toLowerCase() === active.trim().toLowerCase());
    if (found) return found;
  }
  return environments.length === 1 ? environments[0] : undefined;
}

/** Adds or replaces an environment (by name, case-insensitively), keeping the others' order. */
export function upsertEnvironment(environments: EnvironmentSetting[], env: EnvironmentSetting): EnvironmentSetting[] {
  const i = environments.findIndex((e) => e.name.toLowerCase() === env.name.toLowerCase());
  if (i < 0) return [...environments, env];
  const copy = [...environments];
  copy[i] = env;
  return copy;
}

/** The object written to the `entsso.environments` setting: no empty socket path for an `entsso` environment. */
export function toSettingValue(env: EnvironmentSetting): Record<string, unknown> {
  const { socketPath, ...rest } = env;
  return socketPath ? { ...env } : rest;
}

/** The raw settings entries without the named environment (case-insensitively); others kept as written. */
export function withoutEnvironment(raw: unknown[], name: string): unknown[] {
  const target = name.trim().toLowerCase();
  return raw.filter((entry) => {
    const n = typeof entry === 'object' && entry !== null ? (entry as { name?: unknown }).name : undefined;
    return !(typeof n === 'string' && n.trim().toLowerCase() === target);
  });
}

/** Whether two settings describe the same connection. */
export function sameConnection(a: EnvironmentSetting | undefined, b: EnvironmentSetting | undefined): boolean {
  return (
    a?.name === b?.name &&
    a?.socketPath === b?.socketPath &&
    a?.tokenFile === b?.tokenFile &&
    a?.localDir === b?.localDir &&
    a?.kind === b?.kind &&
    a?.description === b?.description &&
    JSON.stringify(a?.bridge) === JSON.stringify(b?.bridge)
  );
}

/** Where the environment's server is, for messages: its socket, or the bridge. */
export function endpointOf(env: EnvironmentSetting): string {
  return env.kind === 'entsso' ? l10n.t('this machine\'s Enterprise SSO (entsso-bridge.exe)') : env.socketPath;
}

/** Environment names end up in `sso:` paths and in the SecretStorage key. */
export function checkEnvironmentName(name: string): string | undefined {
  if (!name.trim()) return l10n.t('Give the environment a name, for example "dev", "test" or "prod".');
  if (name.length > 64) return l10n.t('Use at most 64 characters.');
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f]/.test(name)) return l10n.t('Control characters are not allowed.');
  return undefined;
}

export function secretKeyFor(environmentName: string): string {
  return `entsso.token.${environmentName.toLowerCase()}`;
}
