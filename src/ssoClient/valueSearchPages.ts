/**
 * Streams a `config.grep` search page by page. Cancelling (the signal) stops asking for pages:
 * the service keeps nothing running between pages, so that is what stops its work.
 */
import type { GrepPage, GrepParams } from '../protocol/messages';

/** An SsoClient, or the extension's ConnectionManager (whose third parameter differs). */
interface GrepRequester {
  request(method: 'config.grep', params: GrepParams): Promise<GrepPage>;
}

export async function* grepPages(client: GrepRequester, params: Omit<GrepParams, 'cursor'>, signal?: AbortSignal): AsyncGenerator<GrepPage> {
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
