// Unit tests of paging, grouping, flags and tooltips of the Applications tree.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { AppFlags, type ApplicationInfo } from '../../../src/protocol/messages';
import {
  PagedList,
  applicationDescription,
  applicationKey,
  applicationTooltip,
  flagNames,
  formatFlags,
  groupApplications,
  identifierCountText,
  loadMoreLabel,
} from '../../../src/model/applicationList';

function app(name: string, kind: ApplicationInfo['kind'], extra: Partial<ApplicationInfo> = {}): ApplicationInfo {
  return {
    name,
    kind,
    description: '',
    contact: 'BizTalkAdmin@contoso.com',
    userGroup: 'SSO Affiliate Administrators',
    adminGroup: 'SSO Administrators',
    flags: AppFlags.enabled | (kind === 'adapter' ? AppFlags.adapter : kind === 'configStore' ? AppFlags.configStore : 0),
    enabled: true,
    numFields: 3,
    identifierCount: 1,
    ...extra,
  };
}

describe('PagedList', () => {
  test('pages accumulate, nextCursor says whether there is more', () => {
    const l = new PagedList<ApplicationInfo>((a) => applicationKey(a.name));
    assert.equal(l.hasMore, false);
    l.addPage({ items: [app('A', 'adapter'), app('b', 'configStore')], nextCursor: 'b' });
    assert.equal(l.hasMore, true);
    l.addPage({ items: [app('C', 'affiliate')] });
    assert.equal(l.hasMore, false);
    assert.deepEqual(l.items.map((a) => a.name), ['A', 'b', 'C']);
  });

  test('an item added out of order (search hit) is kept sorted and not duplicated by a later page', () => {
    const l = new PagedList<ApplicationInfo>((a) => applicationKey(a.name));
    l.addPage({ items: [app('A', 'adapter'), app('B', 'adapter')], nextCursor: 'b' });
    l.upsert(app('Z', 'adapter'));
    l.upsert(app('c', 'adapter'));
    l.addPage({ items: [app('C', 'adapter', { description: 'new' }), app('D', 'adapter')], nextCursor: 'd' });
    assert.deepEqual(l.items.map((a) => a.name), ['A', 'B', 'C', 'D', 'Z']);
    assert.equal(l.get('c')?.description, 'new');
  });

  test('whatever the order items arrive in, the list is the sorted one (binary search, fast path at the end)', () => {
    const names = ['b', 'B', 'a', 'A', 'port-10', 'Port-2', 'port-1', 'ä', 'Z', 'z', '_x', '0', 'aa', 'AA', 'aB'];
    const expected = [...names].sort((x, y) => {
      const [lx, ly] = [x.toLowerCase(), y.toLowerCase()];
      return lx < ly ? -1 : lx > ly ? 1 : x < y ? -1 : x > y ? 1 : 0;
    });
    for (let seed = 1; seed <= 50; seed++) {
      const shuffled = [...names];
      let r = seed;
      for (let i = shuffled.length - 1; i > 0; i--) {
        r = (r * 1103515245 + 12345) % 2 ** 31;
        const j = r % (i + 1);
        [shuffled[i], shuffled[j]] = [shuffled[j] as string, shuffled[i] as string];
      }
      const l = new PagedList<string>((x) => x);
      for (const name of shuffled) l.upsert(name);
      for (const name of shuffled) l.upsert(name); // again: replaced, not duplicated
      assert.deepEqual(l.items, expected, `order ${shuffled.join(',')}`);
    }
  });

  test('an item deleted elsewhere is forgotten (Refresh on an adapter); the order and the next page stay', () => {
    const l = new PagedList<string>((x) => x);
    l.addPage({ items: ['a', 'b', 'c'], nextCursor: 'c' });
    l.delete('b');
    l.delete('nothing');
    assert.deepEqual(l.items, ['a', 'c']);
    assert.equal(l.get('b'), undefined);
    l.addPage({ items: ['d'] });
    assert.deepEqual(l.items, ['a', 'c', 'd']);
  });

  test('each page keeps its range (the explorer shows each as a folder); an item added out of order or deleted shifts the ranges after it', () => {
    const l = new PagedList<string>((x) => x);
    const ranges = () => Array.from({ length: l.pageCount }, (_, p) => l.slice(l.pageRange(p).start, l.pageRange(p).end).join(''));
    l.addPage({ items: ['a', 'b', 'c'], nextCursor: 'c' });
    l.upsert('x'); // a Find hit beyond the pages loaded: shown after the last page, until its page comes
    assert.deepEqual([l.pageCount, ranges(), l.pageOf('x')], [1, ['abcx'], 0]);
    l.addPage({ items: ['d', 'e', 'f'], nextCursor: 'f' });
    assert.deepEqual([ranges(), l.pageOf('x'), l.pageOf('e'), l.pageOf('zz')], [['abc', 'defx'], 1, 1, undefined]);
    l.addPage({ items: ['g', 'x', 'y'] });
    assert.deepEqual(ranges(), ['abc', 'def', 'gxy']);
    l.upsert('bb'); // created elsewhere, inside the first page's range
    l.delete('e');
    assert.deepEqual([ranges(), l.pageOf('bb'), l.pageOf('f'), l.pageOf('g')], [['abbbc', 'df', 'gxy'], 0, 1, 2]);
    l.addPage({ items: [] });
    assert.equal(l.pageCount, 3, 'an empty page is no page');
    l.reset();
    assert.equal(l.pageCount, 0);
  });

  test('errors are kept until the next page; reset forgets everything', () => {
    const l = new PagedList<string>((s) => s);
    l.fail('down');
    assert.equal(l.error, 'down');
    l.addPage({ items: ['x'] });
    assert.equal(l.error, undefined);
    l.reset();
    assert.equal(l.size, 0);
    assert.equal(l.loaded, false);
  });
});

describe('grouping', () => {
  test('fixed group order, empty groups left out', () => {
    const groups = groupApplications([app('z-config', 'configStore'), app('a-adapter', 'adapter'), app('b-adapter', 'adapter')]);
    assert.deepEqual(groups.map((g) => [g.label, g.applications.map((a) => a.name)]), [
      ['BizTalk adapters (port configuration)', ['a-adapter', 'b-adapter']],
      ['Config store applications', ['z-config']],
    ]);
  });
});

describe('flags, descriptions and tooltips', () => {
  test('flag names and hex', () => {
    assert.deepEqual(flagNames(AppFlags.enabled | AppFlags.configStore | 0x1), ['enabled', 'config store', 'other 0x1']);
    assert.equal(formatFlags(AppFlags.enabled | AppFlags.adapter), '0x00400002 (enabled, adapter)');
  });

  test('disabled applications say so in the description and tooltip', () => {
    const a = app('WCF-SQL', 'adapter', { enabled: false, flags: AppFlags.adapter, description: 'SQL adapter' });
    assert.equal(applicationDescription(a), 'disabled · SQL adapter');
    const tip = applicationTooltip(a);
    assert.match(tip, /\(disabled\)/);
    assert.match(tip, /Contact: BizTalkAdmin@contoso\\\.com/);
    assert.match(tip, /Flags: `0x00400000 \(adapter\)`/);
    assert.match(tip, /Fields: 3/);
    assert.match(tip, /Port configurations: 1/);
  });

  test('counts and load-more labels', () => {
    assert.equal(identifierCountText(app('x', 'configStore', { identifierCount: 2 })), '2 config-store entries');
    assert.equal(identifierCountText(app('x', 'adapter', { identifierCount: 1 })), '1 port configuration');
    assert.equal(loadMoreLabel(10, 25, 'adapter'), 'Load more… (10 of 25 port configurations shown)');
    assert.equal(loadMoreLabel(100, undefined, undefined), 'Load more… (100 applications shown)');
  });
});

test('GUID-named BizTalk adapter applications are labelled by their description, sorted by label', async () => {
  const { applicationLabel, applicationDescription, sortForDisplay } = await import('../../../src/model/applicationList');
  const base = { contact: '', userGroup: '', adminGroup: '', flags: 0x400002, kind: 'adapter' as const, enabled: true, numFields: 3, identifierCount: 2 };
  const ftp = { ...base, name: '{0F727AE6-13B8-DCC4-E97E-48D9EBA28904}', description: 'FTP adapter: send ports configuration' };
  const file = { ...base, name: '{FFFFFFFF-13B8-DCC4-E97E-48D9EBA28904}', description: 'FILE adapter: receive locations configuration' };
  const plain = { ...base, name: 'Contoso.Settings', description: 'Settings' };
  const noDescription = { ...base, name: '{11111111-13B8-DCC4-E97E-48D9EBA28904}', description: '' };
  assert.equal(applicationLabel(ftp), 'FTP adapter: send ports');
  assert.equal(applicationDescription(ftp), ftp.name, 'the GUID stays visible as the description');
  assert.equal(applicationLabel(plain), 'Contoso.Settings');
  assert.equal(applicationDescription(plain), 'Settings');
  assert.equal(applicationLabel(noDescription), noDescription.name, 'without a description the GUID is all there is');
  assert.deepEqual(sortForDisplay([ftp, plain, file]).map(applicationLabel), ['Contoso.Settings', 'FILE adapter: receive locations', 'FTP adapter: send ports']);
});

test('one naming function for configurations: friendly application › display name or identifier', async () => {
  const { applicationLabel, configurationName, identifierLabel } = await import('../../../src/model/applicationList');
  const sftp = { name: '{0F727AE6-13B8-DCC4-E97E-48D9EBA28904}', description: 'SFTP adapter: send ports configuration' };
  const port = '{5A0F0001-1001-4001-8007-C0FFEE000001}';
  assert.equal(configurationName(sftp, { identifier: port }), `SFTP adapter: send ports › ${port}`);
  assert.equal(configurationName(sftp, { identifier: port, displayName: 'SP_Contoso_Orders_SFTP_1' }), 'SFTP adapter: send ports › SP_Contoso_Orders_SFTP_1');
  assert.equal(identifierLabel({ identifier: port, displayName: '  ' }), port, 'a blank display name is no name');
  assert.equal(applicationLabel({ ...sftp, displayName: 'SFTP send ports (BizTalk)' }), 'SFTP send ports (BizTalk)', 'a display name wins over the description');
  assert.equal(configurationName({ name: 'Contoso.OrderService', description: 'Order service settings' }, { identifier: 'ConfigProperties' }), 'Contoso.OrderService › ConfigProperties');
});

test('port names from the ENTSSO bridge (displayName) label applications, identifiers and Find hits; the GUID stays visible beside them', async () => {
  const { applicationLabel, applicationDescription, identifierLabel, searchHitLabels } = await import('../../../src/model/applicationList');
  const handler = app('{0F727AE6-13B8-DCC4-E97E-48D9EBA28904}', 'adapter', { description: 'SFTP adapter: send handlers configuration', displayName: 'SFTP send handler (BizTalkServerApplication)' });
  assert.equal(applicationLabel(handler), 'SFTP send handler (BizTalkServerApplication)');
  assert.equal(applicationDescription(handler), handler.name);
  assert.equal(applicationLabel({ ...handler, displayName: '  ' }), 'SFTP adapter: send handlers', 'a blank display name is no name');
  const port = { identifier: '{5D3C0E2A-0000-4000-8000-000000000001}', displayName: 'Send port SP_Orders_SFTP (SFTP) — Orders.Integration' };
  assert.equal(identifierLabel(port), 'Send port SP_Orders_SFTP (SFTP) — Orders.Integration');
  assert.equal(identifierLabel({ identifier: 'ConfigProperties' }), 'ConfigProperties');
  assert.deepEqual(searchHitLabels({ application: handler.name, kind: 'adapter', identifier: port.identifier, applicationDisplayName: handler.displayName, identifierDisplayName: port.displayName }), {
    application: 'SFTP send handler (BizTalkServerApplication)',
    identifier: 'Send port SP_Orders_SFTP (SFTP) — Orders.Integration',
  });
  assert.deepEqual(searchHitLabels({ application: 'Contoso.Settings', kind: 'configStore' }), { application: 'Contoso.Settings' });
});

test('one node per BizTalk adapter: its GUID-named applications grouped under it, labelled by role, sorted like the Explorer', async () => {
  const { adapterRole, applicationLabelUnderAdapter, groupByAdapter } = await import('../../../src/model/applicationList');
  const guid = (n: number) => `{${String(n).padStart(8, '0')}-13B8-DCC4-E97E-48D9EBA28904}`;
  const sftpSend = app(guid(1), 'adapter', { description: 'SFTP adapter: send ports configuration' });
  const sftpReceive = app(guid(2), 'adapter', { description: 'SFTP adapter: receive locations configuration' });
  const sftpHandler = app(guid(3), 'adapter', { description: 'sftp adapter: send handler configuration' });
  const fileHandler = app(guid(4), 'adapter', { description: 'FILE receive handler' });
  const bridgeHandler = app(guid(5), 'adapter', { description: 'SFTP send handler', displayName: 'SFTP send handler (BizTalkServerApplication)' });
  const named = app('SFTP Send Ports', 'adapter', { description: 'SFTP adapter: send port transport properties' });
  const loose = app('Custom.Adapter.Settings', 'adapter', { description: 'Settings of our own adapter' });
  const settings = app('Contoso.Settings', 'configStore', { description: 'SFTP adapter: shared settings' });

  assert.deepEqual(adapterRole(sftpSend), { adapter: 'SFTP adapter', role: 'Send ports' });
  assert.deepEqual(adapterRole(fileHandler), { adapter: 'FILE adapter', role: 'Receive handler' });
  assert.deepEqual(adapterRole(bridgeHandler), { adapter: 'SFTP adapter', role: 'Send handler (BizTalkServerApplication)' });
  assert.equal(adapterRole(loose), undefined, 'no adapter named: listed on its own');
  assert.equal(adapterRole(settings), undefined, 'only adapter applications are grouped');

  assert.equal(applicationLabelUnderAdapter(sftpSend), 'Send ports');
  assert.equal(applicationLabelUnderAdapter(bridgeHandler), 'SFTP send handler (BizTalkServerApplication)', "the bridge's BizTalk name stays");
  assert.equal(applicationLabelUnderAdapter(named), 'SFTP Send Ports', 'an application with a name of its own keeps it');

  const rows = groupByAdapter([sftpSend, loose, fileHandler, sftpReceive, named, sftpHandler, bridgeHandler]).map((e) =>
    'adapter' in e ? { adapter: e.adapter, applications: e.applications.map(applicationLabelUnderAdapter) } : { application: e.application.name },
  );
  assert.deepEqual(rows, [
    { application: 'Custom.Adapter.Settings' },
    { adapter: 'FILE adapter', applications: ['Receive handler'] },
    { adapter: 'SFTP adapter', applications: ['Receive locations', 'Send handler', 'Send ports', 'SFTP send handler (BizTalkServerApplication)', 'SFTP Send Ports'] },
  ]);
});
