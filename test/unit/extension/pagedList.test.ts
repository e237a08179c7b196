/**
 * Lists read page by page up to what a pick or a folder view shows: whether there was more is
 * part of the answer (the application pick then asks for part of the name; an `sso:` folder
 * says it is cut), and what is said names the bound and what to do.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { directoryCutMessage, narrowingPrompt, readPagesUpTo, type ListPage } from '../../../src/model/pagedList';

/** A service holding `total` items, served `pageSize` at a time; counts the pages asked for. */
function pagedService(total: number, pageSize: number) {
  const served = { pages: 0 };
  const readPage = async (cursor: string | undefined): Promise<ListPage<number>> => {
    served.pages++;
    const from = cursor ? Number(cursor) : 0;
    const items = Array.from({ length: Math.min(pageSize, total - from) }, (_, i) => from + i);
    const next = from + items.length;
    return next < total ? { items, nextCursor: String(next) } : { items };
  };
  return { served, readPage };
}

test('6,000 applications, 5,000 shown: the list says it is cut and stops reading at the bound', async () => {
  const service = pagedService(6000, 1000);
  const listed = await readPagesUpTo(service.readPage, 5000);
  assert.equal(listed.items.length, 5000);
  assert.equal(listed.truncated, true);
  assert.equal(service.served.pages, 5);
});

test('exactly as many as the bound, or fewer: complete, not cut', async () => {
  for (const total of [0, 1, 999, 1000, 4999, 5000]) {
    const listed = await readPagesUpTo(pagedService(total, 1000).readPage, 5000);
    assert.deepEqual({ length: listed.items.length, truncated: listed.truncated }, { length: total, truncated: false }, `${total} items`);
  }
});

test('pages larger than the rest of the bound are cut to it, and the list says so', async () => {
  const listed = await readPagesUpTo(pagedService(2500, 1000).readPage, 1500);
  assert.equal(listed.items.length, 1500);
  assert.equal(listed.truncated, true);
});

test('what the pick and the folder view say: the bound and what to do', () => {
  assert.equal(narrowingPrompt('applications', 5000, undefined), 'More than 5,000 applications: a list shows at most 5,000. Type part of the name to narrow it down.');
  assert.equal(narrowingPrompt('applications', 5000, 'Contoso'), 'More than 5,000 applications contain "Contoso": a list shows at most 5,000. Type part of the name to narrow it down further.');
  assert.match(directoryCutMessage('sso://Prod/Contoso.Sftp', 'configurations', 1000), /^sso:\/\/Prod\/Contoso\.Sftp shows the first 1,000 configurations only; there are more\. Open the others with "SSO: Find Application or Port Configuration…"/);
  // A whole sentence per kind of list (a translator cannot inflect an inserted noun).
  assert.equal(narrowingPrompt('configurations', 5000, 'Ftp'), 'More than 5,000 configurations contain "Ftp": a list shows at most 5,000. Type part of the name to narrow it down further.');
  assert.match(directoryCutMessage('sso://Prod', 'applications', 1000), /^sso:\/\/Prod shows the first 1,000 applications only; there are more\./);
});
