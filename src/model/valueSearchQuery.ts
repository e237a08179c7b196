/**
 * What the user types into "SSO: Find Configurations by Value…": plain text (found ignoring case),
 * or a regular expression written between slashes, as in many editors' find boxes: /sql0\d/.
 * No `vscode` import: unit-tested with node:test.
 */
import * as l10n from '@vscode/l10n';
import { GREP_MAX_PATTERN_LENGTH, type GrepMatch } from '../protocol/messages';

export interface ValueQuery {
  pattern: string;
  regex: boolean;
}

/** The query, or a sentence saying what to change. */
export function parseValueQuery(input: string): ValueQuery | string {
  const regex = input.length > 2 && input.startsWith('/') && input.endsWith('/');
  const pattern = regex ? input.slice(1, -1) : input;
  if (pattern.trim() === '') return l10n.t('Type the text to find, or a regular expression between slashes: /sql0\\d/.');
  if (pattern.length > GREP_MAX_PATTERN_LENGTH) return l10n.t('Shorten the pattern to {0} characters or fewer.', GREP_MAX_PATTERN_LENGTH);
  return { pattern, regex };
}

/** How the match is shown in the list: the excerpt with the match between «» marks. */
export function markedExcerpt(match: Pick<GrepMatch, 'excerpt' | 'matchStart' | 'matchLength'>): string {
  const { excerpt, matchStart: s, matchLength: n } = match;
  return `${excerpt.slice(0, s)}«${excerpt.slice(s, s + n)}»${excerpt.slice(s + n)}`;
}
