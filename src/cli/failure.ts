/**
 * What ssoctl prints and exits with when a command fails. Scripts branch on the exit code, so a
 * failure never shares a code with an answer: where 1 is an answer (grep found nothing, compare
 * found differences, verify: not the live secret, backup: written, but the secret changed meanwhile,
 * health: a check says error) a failure is 10.
 */
import { SsoError, type SsoErrorCode } from '../protocol/errors';
import { UsageError } from './args';
import { markedPasswordHint } from './password';

const EXIT_CODES: Partial<Record<SsoErrorCode, number>> = {
  ENTSSO_E_CONFLICT: 3,
  ENTSSO_E_NO_SECRET: 4,
  ENTSSO_E_REENCRYPT_IN_PROGRESS: 4,
  ENTSSO_E_NOT_CONNECTED: 5,
  ENTSSO_E_ALREADY_RUNNING: 6,
  ENTSSO_E_ENVIRONMENT_EXISTS: 7,
  ENTSSO_E_WRONG_ENVIRONMENT: 8,
};

/** A change that timed out may have been made: retrying blindly could make it twice. */
const OUTCOME_UNKNOWN = 11;

/** The commands whose exit code 1 is an answer, not a failure (their positional words: verb, sub-verb, …). */
export function answersWithOne(words: string[]): boolean {
  const [verb, sub] = words;
  return verb === 'compare' || verb === 'health' || (verb === 'config' && sub === 'grep') || (verb === 'secret' && (sub === 'verify' || sub === 'backup'));
}

export function failureOf(thrown: unknown, oneIsAnAnswer: boolean): { text: string; code: number } {
  const err = markedPasswordHint(thrown);
  const failed = oneIsAnAnswer ? 10 : 1;
  if (err instanceof UsageError) return { text: err.message, code: 2 };
  if (!(err instanceof SsoError)) return { text: err instanceof Error ? err.message : String(err), code: failed };
  if (err.code === 'ENTSSO_E_TIMEOUT' && err.details.mayBeApplied === true) {
    // The client's text ends with advice for the palette ("refresh to see"); a script needs another.
    const text = err.message.replace(/ The change may still be applied: refresh to see\.$/, '');
    return { text: `${text} The change may still have been made: check ("ssoctl audit", "app show", "config get") before repeating it; give more time with --timeout S. [${err.code}]`, code: OUTCOME_UNKNOWN };
  }
  return { text: `${err.message} [${err.code}]`, code: EXIT_CODES[err.code] ?? failed };
}
