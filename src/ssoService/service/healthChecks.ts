/**
 * The health report (`health`): one check each for the service, the master secret server, the
 * SSO database, the master secret's age and its backup, each with a verdict and, when not ok,
 * the next step to take. Read by the Health view and `ssoctl health`.
 */
import type { HealthCheck, HealthReport, MssNodesReport, ServiceState } from '../../protocol/messages';
import type { GlobalInfo, SecretRowCount, SsoStore } from '../ssodb/store';

const DAY_MS = 24 * 60 * 60 * 1000;
/** Older than this, the health report asks for a rotation (about monthly is recommended). */
const SECRET_MAX_AGE_DAYS = 30;

/** What the report reads: the secret cache's state (SecretCache.snapshot), SSODB, and the MSS nodes as `mss.nodes` reports them. */
export interface HealthSources {
  state: ServiceState;
  store: Pick<SsoStore, 'ping' | 'getGlobalInfo' | 'countRowsBySecret'>;
  mssNodes: () => Promise<MssNodesReport>;
}

export async function healthReport({ state, store, mssNodes: readMssNodes }: HealthSources): Promise<HealthReport> {
  const checks: HealthCheck[] = [
    { id: 'service', title: 'SSO service', verdict: 'ok', detail: 'The SSO service answers on its local socket.', nextStep: '' },
    mssCheck(state),
  ];
  try {
    await store.ping();
    const info = await store.getGlobalInfo();
    checks.push(ssodbCheck(info));
    const coverage = await secretCoverageCheck(store, info, state);
    if (coverage) checks.push(coverage);
    checks.push(secretAgeCheck(info.secretCreatedAt), backupCheck(info.secretCreatedAt, info.lastBackupAt, info.lastVerifiedBackupAt));
  } catch (err) {
    checks.push({
      id: 'ssodb',
      title: 'SSO database',
      verdict: 'error',
      detail: err instanceof Error ? err.message : 'The SSO database does not answer.',
      nextStep: 'Check that the SSO database is available to the SSO service.',
    });
  }
  const mssNodes = await readMssNodes().catch(() => undefined);
  return { at: new Date().toISOString(), state, checks, mssNodes };
}

/**
 * SSODB answers; and whether a master secret restore's intent is set in it (publishedSecrets.ts):
 * until its publication, saves under any other secret are refused, and an intent left by a node that
 * stopped half-way stays until an active node publishes, so the report says so and what to do.
 */
function ssodbCheck(info: GlobalInfo): HealthCheck {
  const title = 'SSO database';
  if (!info.switchingMsids) return { id: 'ssodb', title, verdict: 'ok', detail: 'The SSO database answers.', nextStep: '' };
  return {
    id: 'ssodb',
    title,
    verdict: 'warning',
    detail: `The SSO database answers. A master secret restore is in progress: until the master secret server publishes it, values are saved only under ${info.switchingMsids.split(' ').join(' or ')}, and other saves are refused.`,
    nextStep:
      'Check again in a moment. If this stays, the node that restored stopped before publishing: make sure the active master secret server runs and reaches the SSO database (it clears this when it publishes), or restore the same backup again on the active node.',
  };
}

function mssCheck(state: ServiceState): HealthCheck {
  const title = 'Master secret server';
  switch (state.state) {
    case 'ready':
    case 'reencrypting':
      return { id: 'mss', title, verdict: 'ok', detail: `${state.mssName} is reachable; last synchronised ${state.lastSyncAt}.`, nextStep: '' };
    case 'cached':
      return {
        id: 'mss',
        title,
        verdict: 'warning',
        detail: `${state.mssName} unreachable since ${state.unreachableSince}; decryption works from the cached secret, encryption does not.`,
        nextStep: `Start the master secret server ${state.mssName} or restore the network to it.`,
      };
    default:
      return { id: 'mss', title, verdict: 'error', detail: state.message, nextStep: `Start the master secret server ${state.mssName}.` };
  }
}

/**
 * Configurations (and kept versions) the MSS cannot decrypt: under a secret that is neither the
 * current nor the previous one, which is all a vault holds. Re-encryption leaves them where they
 * are and a rotation is refused until they are recovered, so the report names those secrets and
 * the backup that brings them back. Counted per secret in one statement, so that a re-encryption
 * batch committing meanwhile cannot make rows look lost. None when SSODB names no secret yet.
 */
async function secretCoverageCheck(store: HealthSources['store'], info: GlobalInfo, state: ServiceState): Promise<HealthCheck | undefined> {
  const current = info.currentMsid;
  if (!current) return undefined;
  const title = 'Configurations under the master secret';
  let counts: SecretRowCount[];
  try {
    counts = await store.countRowsBySecret(current);
  } catch (err) {
    const reason = err instanceof Error ? err.message : 'the SSO database did not answer';
    return { id: 'secretCoverage', title, verdict: 'warning', detail: `Could not count the configurations under each master secret: ${reason}`, nextStep: 'Run Check Health again in a moment.' };
  }
  if (counts.length === 0) return { id: 'secretCoverage', title, verdict: 'ok', detail: 'Every configuration and kept version is encrypted under the current master secret.', nextStep: '' };
  const underPrevious = counts.find((c) => c.msid === info.previousMsid)?.rows ?? 0;
  const lost = counts.filter((c) => c.msid !== info.previousMsid);
  if (lost.length > 0) {
    const rows = lost.reduce((sum, c) => sum + c.rows, 0);
    const named = lost.slice(0, 3).map((c) => c.msid);
    const secrets = `master secret${lost.length === 1 ? '' : 's'} ${named.join(', ')}${lost.length > 3 ? ` and ${lost.length - 3} more` : ''}`;
    return {
      id: 'secretCoverage',
      title,
      verdict: 'error',
      detail: `${rows} configuration(s) or kept version(s) are encrypted under ${secrets}, which the master secret server no longer holds: they cannot be read, and no new master secret can be generated until they are recovered.`,
      nextStep: `Run "SSO: Restore Master Secret…" with a backup that holds both ${named[0]} and the current secret ${current} (the backup written when ${current} was generated holds both if ${named[0]} came just before it).`,
    };
  }
  if (state.state === 'reencrypting') {
    return { id: 'secretCoverage', title, verdict: 'ok', detail: `Re-encryption under the current master secret is under way: ${underPrevious} configuration(s) or kept version(s) left.`, nextStep: '' };
  }
  return {
    id: 'secretCoverage',
    title,
    verdict: 'warning',
    detail: `${underPrevious} configuration(s) or kept version(s) are still under the previous master secret ${info.previousMsid}, and no re-encryption is running: they can be read, but no new master secret can be generated until they are re-encrypted.`,
    nextStep: 'The master secret server resumes re-encryption by itself once the SSO database can be written; if this stays, read the master secret server\'s log for the reason.',
  };
}

function secretAgeCheck(createdAt: string | null): HealthCheck {
  const title = 'Master secret age';
  if (!createdAt) return { id: 'secretAge', title, verdict: 'warning', detail: 'The age of the master secret is not recorded.', nextStep: 'Generate a new master secret to start tracking its age.' };
  const days = Math.floor((Date.now() - Date.parse(createdAt)) / DAY_MS);
  if (days > SECRET_MAX_AGE_DAYS) {
    return { id: 'secretAge', title, verdict: 'warning', detail: `The master secret is ${days} days old.`, nextStep: 'Rotate it: run "SSO: Generate New Master Secret…" (about monthly is recommended).' };
  }
  return { id: 'secretAge', title, verdict: 'ok', detail: `The master secret is ${days} day${days === 1 ? '' : 's'} old.`, nextStep: '' };
}

function backupCheck(createdAt: string | null, lastBackupAt: string | null, lastVerifiedAt: string | null): HealthCheck {
  const title = 'Master secret backup';
  const after = (t: string | null) => t !== null && (!createdAt || Date.parse(t) >= Date.parse(createdAt));
  if (after(lastVerifiedAt)) return { id: 'backup', title, verdict: 'ok', detail: `Last verified backup: ${lastVerifiedAt}.`, nextStep: '' };
  if (after(lastBackupAt)) {
    return {
      id: 'backup',
      title,
      verdict: 'warning',
      detail: `The current master secret was backed up at ${lastBackupAt}, but that backup has never been verified.`,
      nextStep: 'Run "SSO: Verify Master Secret Backup…" to prove the file and its password work.',
    };
  }
  return {
    id: 'backup',
    title,
    verdict: 'error',
    detail: 'The current master secret has no backup. If the master secret server is lost, every stored configuration is lost with it.',
    nextStep: 'Run "SSO: Back Up Master Secret…" and keep the file and its password in separate safe places.',
  };
}
