/** The errors both adapters raise, with the same codes and texts whichever database answers. */
import { SsoError } from '../../../protocol/errors';

/** A request the store refuses before any SQL runs. */
export function invalidRequest(message: string): SsoError {
  return new SsoError('ENTSSO_E_INVALID_REQUEST', message);
}

export function applicationNotFound(): SsoError {
  return new SsoError('ENTSSO_E_APPLICATION_NOT_FOUND', 'The SSO application does not exist (it may have been deleted).');
}

export function applicationExists(): SsoError {
  return new SsoError('ENTSSO_E_APPLICATION_EXISTS', 'An SSO application with this name already exists (names are case-insensitive).');
}

export function mappingNotFound(): SsoError {
  return new SsoError('ENTSSO_E_MAPPING_NOT_FOUND', 'The identifier does not exist in this SSO application (it may have been deleted).');
}

type ChangeConflictReason = 'application-exists' | 'application-gone' | 'fields-changed' | 'rows-changed' | 'row-exists' | 'row-changed' | 'row-gone';

/** A premise of applyApplicationChanges no longer holds: someone changed SSODB since it was read. */
export function changeConflict(application: string, reason: ChangeConflictReason, identifier?: string): SsoError {
  const what: Record<ChangeConflictReason, string> = {
    'application-exists': `The SSO application "${application}" was created by someone else meanwhile.`,
    'application-gone': `The SSO application "${application}" was deleted by someone else meanwhile.`,
    'fields-changed': `The fields of the SSO application "${application}" were changed by someone else meanwhile.`,
    'rows-changed': `The configurations of the SSO application "${application}" were changed by someone else meanwhile.`,
    'row-exists': `The configuration "${identifier}" of "${application}" was created by someone else meanwhile.`,
    'row-changed': `The configuration "${identifier}" of "${application}" was changed by someone else meanwhile.`,
    'row-gone': `The configuration "${identifier}" of "${application}" was deleted by someone else meanwhile.`,
  };
  return new SsoError('ENTSSO_E_CONFLICT', `${what[reason]} Nothing was changed: read it again and repeat the change.`, {
    reason,
    application,
    ...(identifier === undefined ? {} : { identifier }),
  });
}

export function credentialsConflict(reason: 'exists' | 'changed' | 'gone'): SsoError {
  const messages = {
    exists: 'The identifier already exists: it was created by someone else. Reload it and apply the change again.',
    changed: 'The configuration was changed by someone else since it was read. Reload it and apply the change again.',
    gone: 'The configuration was deleted by someone else since it was read.',
  };
  return new SsoError('ENTSSO_E_CONFLICT', messages[reason], { reason });
}

/** Why a fenced publication was refused (SsoStore.updateGlobalInfo): stable, for the MSS to tell it from a failure. */
const LEASE_NOT_HELD = 'lease-not-held';

export function leaseNotHeld(node: string): SsoError {
  return new SsoError(
    'ENTSSO_E_MSS_UNREACHABLE',
    `The master secret server node ${node} no longer holds the lease in SSODB, so SSODB was not changed: another node is or becomes the active one. Run the command again: it goes to the active node.`,
    { reason: LEASE_NOT_HELD },
  );
}

export function isLeaseNotHeld(err: unknown): boolean {
  return err instanceof SsoError && err.details.reason === LEASE_NOT_HELD;
}

/** Why a write was refused by the secret fence (publishedSecrets.ts): stable, for the service to refresh its secrets and retry. */
const SECRET_NOT_CURRENT = 'secret-not-current';

export function secretNotCurrent(msid: string, currentMsid: string): SsoError {
  return new SsoError(
    'ENTSSO_E_NO_SECRET',
    `The values were encrypted under master secret ${msid}, which SSODB no longer accepts (it names ${currentMsid}): the master secret changed during this change, and nothing was written. Get the current secret from the master secret server (the SSO service re-synchronises by itself) and make the change again; Check Health if it persists.`,
    { reason: SECRET_NOT_CURRENT, msid, currentMsid },
  );
}

/**
 * The secret fence's refusal while a master secret restore is under way (publishedSecrets.ts): the
 * secret is one the restore drops. Same reason as secretNotCurrent (the service re-synchronises
 * and tries once more); `restoreInProgress` tells the final refusal what to say.
 */
export function secretDroppedByRestore(msid: string, currentMsid: string): SsoError {
  return new SsoError(
    'ENTSSO_E_NO_SECRET',
    `A master secret restore is in progress: the values were encrypted under master secret ${msid}, which the restored backup does not hold, so SSODB does not accept them and nothing was written. Make the change again in a moment, once the restore is done (the SSO service re-synchronises by itself); Check Health if it persists.`,
    { reason: SECRET_NOT_CURRENT, msid, currentMsid, restoreInProgress: true },
  );
}

export function isSecretNotCurrent(err: unknown): boolean {
  return err instanceof SsoError && err.details.reason === SECRET_NOT_CURRENT;
}
