/**
 * A write SSODB refused because its secret is no longer one SSODB names (a restore or rotation was
 * published after this service took the secret; see ssodb/publishedSecrets.ts): nothing was
 * written, so the secrets are synchronised again from the MSS and the write is made once more,
 * under the secret it hands out.
 */
import { SsoError } from '../../protocol/errors';
import { isSecretNotCurrent } from '../ssodb/schema/storeErrors';

/** `resync` absent: no retry (the refusal is answered as it is). */
export async function onceMoreAfterSecretChange<T>(write: () => Promise<T>, resync: (() => Promise<void>) | undefined, mssName: () => string): Promise<T> {
  try {
    return await write();
  } catch (err) {
    if (!resync || !isSecretNotCurrent(err)) throw err;
  }
  await resync();
  try {
    return await write();
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
