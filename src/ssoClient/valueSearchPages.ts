/**
 * Streams a `config.grep` search page by page. Cancelling (the signal) stops asking for pages:
 * the service keeps nothing running between pages, so that is what stops its work.
 */
import type { SsoClient } from './client';
import type { GrepPage, GrepParams } from '../protocol/messages';

export async function* grepPages(client: Pick<SsoClient, 'request'>, params: Omit<GrepParams, 'cursor'>, signal?: AbortSignal): AsyncGenerator<GrepPage> {
  let cursor: string | undefined;
  do {
    if (signal?.aborted) return;
    const page = await client.request('config.grep', { ...params, cursor });
    // A page that arrives after the cancel is not shown: the caller asked to stop.
    if (signal?.aborted) return;
    yield page;
    cursor = page.nextCursor;
  } while (cursor !== undefined);
}
