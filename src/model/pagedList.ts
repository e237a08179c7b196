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

/** What a pick says when there are more items than it shows: how many, and what to type. */
export function narrowingPrompt(noun: string, max: number, filter: string | undefined): string {
  const more = `More than ${max.toLocaleString('en-US')} ${noun}${filter ? ` contain "${filter}"` : ''}`;
  return `${more}: a list shows at most ${max.toLocaleString('en-US')}. Type part of the name to narrow it down${filter ? ' further' : ''}.`;
}

/** What a folder view says when it lists the first `max` of more entries: how many, and where the rest are. */
export function directoryCutMessage(folder: string, noun: string, max: number): string {
  return `${folder} shows the first ${max.toLocaleString('en-US')} ${noun} only; there are more. Open the others with "SSO: Find Application or Port Configuration…" or from the Enterprise SSO explorer.`;
}
