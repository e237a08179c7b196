/**
 * Names ssoctl is asked to create (an application, a field, a configuration): normalised to NFC
 * and checked with the one name rule (src/protocol/names.ts) before anything is sent, so that a
 * refused name is a usage error (exit code 2) that says what to change.
 */
import { describeNameProblem, newNameProblem, normaliseName } from '../protocol/names';
import { UsageError } from './args';

export function newName(raw: string, what: string): string {
  const name = normaliseName(raw);
  const problem = newNameProblem(name);
  if (problem) throw new UsageError(describeNameProblem(problem, what));
  return name;
}
