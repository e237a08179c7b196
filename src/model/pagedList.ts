import * as l10n from '@vscode/l10n';
/**
 * Lists read page by page up to a bound the user interface can show: whether there was more
 * is part of the answer, so that a caller says so (or asks to narrow) instead of silently
 * showing the first part as if it were all.
 */

export interface ListPage<T> {
  items: T[];
  nextCursor?: string;
}

export interface BoundedList<T> {
  items: T[];
  /** More items exist than were read: the list is the first `items.length` of them. */
  truncated: boolean;
}

/** Reads pages until there are no more or `max` items are read. */
export async function readPagesUpTo<T>(readPage: (cursor: string | undefined) => Promise<ListPage<T>>, max: number): Promise<BoundedList<T>> {
  const items: T[] = [];
  let cursor: string | undefined;
  do {
    const page = await readPage(cursor);
    items.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor && items.length < max);
  return { items: items.slice(0, max), truncated: cursor !== undefined || items.length > max };
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
