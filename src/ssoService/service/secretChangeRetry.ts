/**
 * A write SSODB refused because its secret is no longer one SSODB names (a restore or rotation was
 * published after this service took the secret; see ssodb/publishedSecrets.ts): nothing was
 * written, so the secrets are synchronised again from the MSS and the write is made once more,
 * under the secret it hands out.
 */
import { SsoError } from '../../protocol/errors';
import { isSecretNotCurrent } from '../ssodb/schema/storeErrors';

/**
 * Told to a write so that it audits one outcome per change: a refusal by the secret fence that a
 * retry follows is not audited (the retry's outcome is), a final one is.
 */
export interface WriteAttempt {
  readonly retryFollowsSecretRefusal: boolean;
}

/** A write made once only (no retry follows): every refusal of it is final. */
export const FINAL_ATTEMPT: WriteAttempt = { retryFollowsSecretRefusal: false };

/** Whether a write's refusal is to be audited by the attempt that met it. */
export function auditsRefusal(attempt: WriteAttempt, err: unknown): boolean {
  return !(attempt.retryFollowsSecretRefusal && isSecretNotCurrent(err));
}

/** `resync` absent: no retry (the refusal is answered, and audited, as it is). */
export async function onceMoreAfterSecretChange<T>(write: (attempt: WriteAttempt) => Promise<T>, resync: (() => Promise<void>) | undefined, secrets: SecretsHeld): Promise<T> {
  try {
    return await write(resync ? { retryFollowsSecretRefusal: true } : FINAL_ATTEMPT);
  } catch (err) {
    if (!resync || !isSecretNotCurrent(err)) throw err;
  }
  // The retry runs even if the re-synchronisation failed: the first refusal was not audited, and
  // the retry's refusal (the same secret, or the service's own refusal) is, once.
  await resync().catch(() => undefined);
  try {
    return await write(FINAL_ATTEMPT);
  } catch (err) {
    throw isSecretNotCurrent(err) ? secretStillNotCurrent(err as SsoError, secrets) : err;
  }
}

/** What the service got from the master secret server, for the final refusal to say which side is behind. */
interface SecretsHeld {
  readonly mssName: string;
  holds(msid: string): boolean;
}

/**
 * The retry was refused too. A restore under way on the MSS (not published yet: it still hands
 * out the secret the restore drops); or the MSS hands out a secret SSODB does not name yet (its
 * publication is pending: this service holds what SSODB names, as the previous secret), or SSODB
 * names a secret the MSS did not hand to this service (a restore or rotation published by a node
 * this service does not reach, or a secret no node holds).
 */
function secretStillNotCurrent(err: SsoError, secrets: SecretsHeld): SsoError {
  const { msid, currentMsid } = err.details;
  const mss = `the master secret server ${secrets.mssName}`;
  if (err.details.restoreInProgress === true) {
    // The MSS still hands out the secret the restore drops: its restore is not published yet.
    return new SsoError(
      'ENTSSO_E_NO_SECRET',
      `A master secret restore is in progress on ${mss}: SSODB accepts no value under master secret ${String(msid)}, which the restored backup does not hold, until the restore is published. Nothing was written. Make the change again in a moment (this SSO service re-synchronises by itself); if it is still refused, Check Health whether ${mss} reaches SSODB.`,
      err.details,
    );
  }
  const why =
    typeof currentMsid === 'string' && secrets.holds(currentMsid)
      ? `${mss} hands out master secret ${String(msid)}, which it has not yet published in SSODB (SSODB still names ${currentMsid}). Nothing was written. ` +
        `Check Health: ${mss} must reach SSODB to publish its secret (it retries by itself); make the change again once it has.`
      : `SSODB names master secret ${String(currentMsid)}, which ${mss} did not hand to this SSO service (it handed out ${String(msid)}). Nothing was written. ` +
        'Check Health: this SSO service must reach the master secret server that SSODB names as active, and that node must hold this secret (if no node does, restore it from its backup); then make the change again.';
  return new SsoError('ENTSSO_E_NO_SECRET', `The master secret changed during this change: ${why}`, err.details);
}
