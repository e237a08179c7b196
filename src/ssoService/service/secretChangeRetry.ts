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
export async function onceMoreAfterSecretChange<T>(write: (attempt: WriteAttempt) => Promise<T>, resync: (() => Promise<void>) | undefined, mssName: () => string): Promise<T> {
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
    throw isSecretNotCurrent(err) ? secretStillNotCurrent(err as SsoError, mssName()) : err;
  }
}

function secretStillNotCurrent(err: SsoError, mssName: string): SsoError {
  const { currentMsid } = err.details;
  return new SsoError(
    'ENTSSO_E_NO_SECRET',
    `The master secret changed during this change: SSODB now accepts master secret ${String(currentMsid)} (or the one before it), and the master secret server ${mssName} did not hand it to this SSO service. Nothing was written. Check Health (the master secret server must be reachable and its new secret published in SSODB), then make the change again.`,
    err.details,
  );
}
