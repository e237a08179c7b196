/**
 * Lists read page by page up to a bound: ssoctl's --limit/--cursor and the palette's application
 * pick. Whether there was more is part of the answer (its next cursor), so that a caller says so,
 * goes on from there or asks to narrow, instead of showing the first part as if it were all.
 */
import * as l10n from '@vscode/l10n';
import type { Page } from '../protocol/messages';

/**
 * Follows the cursor from `cursor` (none: the start) until `max` items are read or there are no
 * more, each request for at most `pageLimit` and never for more than `max` still needs. `nextCursor`
 * is in the answer when `max` stopped it: where a script goes on from, and the sign that it is cut.
 */
export async function readPages<T>(readPage: (cursor: string | undefined, limit: number) => Promise<Page<T>>, max: number, from: { cursor?: string; pageLimit?: number } = {}): Promise<Page<T>> {
  const items: T[] = [];
  let cursor = from.cursor;
  do {
    // 1,000: the service's page limit (LIMITS.pageSize; not imported, which would bundle every limit into the extension).
    const page = await readPage(cursor, Math.min(from.pageLimit ?? 1000, max - items.length));
    items.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor && items.length < max);
  return cursor ? { items, nextCursor: cursor } : { items };
}

/** What a list holds: each has its own sentences, since a translator cannot inflect an inserted noun. */
export type ListedKind = 'applications' | 'configurations';

/** What a pick says when there are more items than it shows: how many, and what to type. */
export function narrowingPrompt(kind: ListedKind, max: number, filter: string | undefined): string {
  const shown = max.toLocaleString('en-US');
  if (kind === 'applications') {
    return filter
      ? l10n.t('More than {0} applications contain "{1}": a list shows at most {0}. Type part of the name to narrow it down further.', shown, filter)
      : l10n.t('More than {0} applications: a list shows at most {0}. Type part of the name to narrow it down.', shown);
  }
  return filter
    ? l10n.t('More than {0} configurations contain "{1}": a list shows at most {0}. Type part of the name to narrow it down further.', shown, filter)
    : l10n.t('More than {0} configurations: a list shows at most {0}. Type part of the name to narrow it down.', shown);
}

/** What a folder view says when it lists the first `max` of more entries: how many, and where the rest are. */
export function directoryCutMessage(folder: string, kind: ListedKind, max: number): string {
  const shown = max.toLocaleString('en-US');
  return kind === 'applications'
    ? l10n.t('{0} shows the first {1} applications only; there are more. Open the others with "SSO: Find Application or Port Configuration…" or from the Enterprise SSO explorer.', folder, shown)
    : l10n.t('{0} shows the first {1} configurations only; there are more. Open the others with "SSO: Find Application or Port Configuration…" or from the Enterprise SSO explorer.', folder, shown);
}
