/**
 * Lists read page by page up to a bound (one function for ssoctl's --limit/--cursor and the
 * palette's application pick): whether there was more is part of the answer (the next cursor: a
 * script goes on from it, the pick asks for part of the name, an `sso:` folder says it is cut), and
 * what is said names the bound and what to do.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { directoryCutMessage, narrowingPrompt, readPages } from '../../../src/model/pagedList';
import type { Page } from '../../../src/protocol/messages';

/** A service holding `total` items, served at most `pageSize` (and at most the limit asked) at a time; records each request. */
function pagedService(total: number, pageSize: number) {
  const asked: { cursor: string | undefined; limit: number }[] = [];
  const readPage = async (cursor: string | undefined, limit: number): Promise<Page<number>> => {
    asked.push({ cursor, limit });
    const from = cursor ? Number(cursor) : 0;
    const items = Array.from({ length: Math.max(0, Math.min(pageSize, limit, total - from)) }, (_, i) => from + i);
    const next = from + items.length;
    return next < total ? { items, nextCursor: String(next) } : { items };
  };
  return { asked, readPage };
}

test('6,000 applications, 5,000 shown: the answer says there is more and reading stops at the bound', async () => {
  const service = pagedService(6000, 1000);
  const listed = await readPages(service.readPage, 5000);
  assert.equal(listed.items.length, 5000);
  assert.equal(listed.nextCursor, '5000');
  assert.deepEqual(service.asked.map((a) => a.limit), [1000, 1000, 1000, 1000, 1000], 'each request for the service page limit');
});

test('exactly as many as the bound, or fewer: complete, no next cursor', async () => {
  for (const total of [0, 1, 999, 1000, 4999, 5000]) {
    const listed = await readPages(pagedService(total, 1000).readPage, 5000);
    assert.deepEqual({ length: listed.items.length, more: 'nextCursor' in listed }, { length: total, more: false }, `${total} items`);
  }
});

test('the last request asks only for what the bound still needs: nothing is read past it', async () => {
  const service = pagedService(2500, 1000);
  const listed = await readPages(service.readPage, 1500);
  assert.deepEqual(listed.items, Array.from({ length: 1500 }, (_, i) => i));
  assert.equal(listed.nextCursor, '1500');
  assert.deepEqual(service.asked, [{ cursor: undefined, limit: 1000 }, { cursor: '1000', limit: 500 }]);
});

test('from a cursor, with a smaller per-request limit: goes on where a script left off (ssoctl --cursor)', async () => {
  const service = pagedService(1000, 1000);
  const first = await readPages(service.readPage, 250, { pageLimit: 100 });
  assert.deepEqual(service.asked.map((a) => a.limit), [100, 100, 50]);
  const rest = await readPages(service.readPage, Number.MAX_SAFE_INTEGER, { cursor: first.nextCursor, pageLimit: 400 });
  assert.equal(rest.items[0], 250);
  assert.deepEqual([...first.items, ...rest.items], Array.from({ length: 1000 }, (_, i) => i));
  assert.equal(rest.nextCursor, undefined);
  assert.deepEqual(service.asked.slice(3), [{ cursor: '250', limit: 400 }, { cursor: '650', limit: 400 }]);
});

test('what the pick and the folder view say: the bound and what to do', () => {
  assert.equal(narrowingPrompt('applications', 5000, undefined), 'More than 5,000 applications: a list shows at most 5,000. Type part of the name to narrow it down.');
  assert.equal(narrowingPrompt('applications', 5000, 'Contoso'), 'More than 5,000 applications contain "Contoso": a list shows at most 5,000. Type part of the name to narrow it down further.');
  assert.match(directoryCutMessage('sso://Prod/Contoso.Sftp', 'configurations', 1000), /^sso:\/\/Prod\/Contoso\.Sftp shows the first 1,000 configurations only; there are more\. Open the others with "SSO: Find Application or Port Configuration…"/);
  // A whole sentence per kind of list (a translator cannot inflect an inserted noun).
  assert.equal(narrowingPrompt('configurations', 5000, 'Ftp'), 'More than 5,000 configurations contain "Ftp": a list shows at most 5,000. Type part of the name to narrow it down further.');
  assert.match(directoryCutMessage('sso://Prod', 'applications', 1000), /^sso:\/\/Prod shows the first 1,000 applications only; there are more\./);
});
