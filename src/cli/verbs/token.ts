/**
 * ssoctl token rotate: a new access token at once. Through the running service when there is one
 * (it writes the token file, closes every session opened with the old token, audits); with no
 * service running, straight into the environment folder (the token file, and the audit in SSODB),
 * so the next start uses the new token.
 */
import * as os from 'node:os';
import { SsoError } from '../../protocol/errors';
import { newToken, writeTokenFile } from '../../ssoService/rpc/accessToken';
import { type Environment, loadEnvironment, storeConfigFor } from '../../ssoService/environment';
import { auditRetention } from '../../ssoService/service/auditRetention';
import { openStore } from '../../ssoService/ssodb/openStore';
import type { AuditRetention } from '../../ssoService/ssodb/store';
import { type ParsedArgs, UsageError, opt, positional } from '../args';
import { connect, environmentDir, print } from '../context';

export async function token(args: ParsedArgs): Promise<void> {
  const verb = positional(args, 1, 'token verb (rotate)');
  if (verb !== 'rotate') throw new UsageError(`Unknown token verb "${verb}". Use rotate.`);
  let client;
  try {
    client = await connect(args);
  } catch (err) {
    if (err instanceof SsoError && err.code === 'ENTSSO_E_NOT_CONNECTED' && (opt(args, 'dir') ?? process.env.SSO_ENV_DIR)) return rotateOffline(args);
    throw err;
  }
  try {
    const r = await client.request('token.rotate', {});
    print(args, { ...r, service: 'running' }, () =>
      [`Access token rotated at ${r.rotatedAt}: the new token is in ${r.tokenFile} (owner-only).`, `${r.closedSessions} other session(s) opened with the old token were closed; clients must use the new token.`].join('\n'),
    );
  } finally {
    client.close();
  }
}

async function rotateOffline(args: ParsedArgs): Promise<void> {
  const env = loadEnvironment(environmentDir(args));
  // SSODB first: when it cannot be reached the token stays as it was, never rotated unaudited.
  const store = await openStore(storeConfigFor(env), undefined, retentionIfValid(env));
  const rotatedAt = new Date().toISOString();
  try {
    writeTokenFile(env.paths.token, newToken());
    await store.appendAudit({ user: `${userName()} via ssoctl`, action: 'token.rotate', outcome: 'ok', detail: 'no service was running: token file rewritten' });
  } finally {
    await store.close();
  }
  print(args, { rotatedAt, tokenFile: env.paths.token, closedSessions: 0, service: 'not running' }, () =>
    `No SSO service was running: the new access token is in ${env.paths.token} (owner-only) and is used from the next start.`,
  );
}

/**
 * The audit retention environment.json sets (for the staged rows the store moves at open), or none
 * when that setting is wrong: an emergency rotation must not wait for it (`serve` refuses to start
 * and says what to fix).
 */
function retentionIfValid(env: Environment): AuditRetention | undefined {
  try {
    return auditRetention(env.config.audit);
  } catch {
    return undefined;
  }
}

function userName(): string {
  try {
    return os.userInfo().username;
  } catch {
    return 'unknown';
  }
}
