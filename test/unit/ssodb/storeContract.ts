/**
 * The SsoStore contract: one suite that every SSODB adapter must pass (the embedded SQLite file
 * always; SQL Server when a server is available). It states the semantics the SSO service relies
 * on: case-insensitive unique names, keyset paging, optimistic concurrency that never loses an
 * update, row versions that a rotation does not move, and durability across a reopen.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SsoError, type SsoErrorCode } from '../../../src/protocol/errors';
import { AppFlags } from '../../../src/protocol/messages';
import type { HistoryNote, NewApplication, SsoStore } from '../../../src/ssoService/ssodb/store';

/** One empty database; every open() returns a new store (connection) on that same database. */
export interface StoreFixture {
  open(): Promise<SsoStore>;
  dispose(): Promise<void>;
}

export type MakeStore = () => Promise<StoreFixture>;

export function runStoreContract(name: string, makeStore: MakeStore): void {
  describe(`SsoStore contract: ${name}`, () => {
    /** Runs `body` against a fresh, empty store and cleans up whatever happens. */
    const withStore = (title: string, body: (store: SsoStore, fixture: StoreFixture) => Promise<void>): void => {
      it(title, async () => {
        const fixture = await makeStore();
        const store = await fixture.open();
        try {
          await body(store, fixture);
        } finally {
          await store.close();
          await fixture.dispose();
        }
      });
    };

    // ------------------------------------------------------------ lifecycle and global info

    withStore('init is idempotent and ping answers', async (store) => {
      await store.init();
      await store.init();
      await store.ping();
    });

    withStore('the MSS lease: one holder at a time, renewal, takeover only after expiry plus grace, release', async (store) => {
      const free = await store.getLease();
      assert.equal(free.holder, null);
      const a = await store.acquireLease('mss-a:1', 300, 100);
      assert.equal(a.holder, 'mss-a:1');
      assert.equal(a.epoch, free.epoch + 1);
      assert.ok(a.takenAt !== null);
      const b = await store.acquireLease('mss-b:2', 300, 100);
      assert.equal(b.holder, 'mss-a:1', 'a live lease is not taken');
      const renewed = await store.acquireLease('mss-a:1', 300, 100);
      assert.equal(renewed.epoch, a.epoch, 'a renewal keeps the epoch');
      assert.ok(renewed.expiresAt >= a.expiresAt);
      await new Promise((r) => setTimeout(r, 200));
      assert.equal((await store.acquireLease('mss-b:2', 300, 100)).holder, 'mss-a:1', 'not during the grace period after expiry… nor before it');
      await new Promise((r) => setTimeout(r, 350));
      const taken = await store.acquireLease('mss-b:2', 300, 100);
      assert.equal(taken.holder, 'mss-b:2', 'taken over after expiry plus grace');
      assert.equal(taken.epoch, a.epoch + 1);
      await store.releaseLease('mss-a:1');
      assert.equal((await store.getLease()).holder, 'mss-b:2', 'only the holder can release');
      await store.releaseLease('mss-b:2');
      assert.equal((await store.getLease()).holder, null);
      assert.equal((await store.acquireLease('mss-a:1', 300, 100)).holder, 'mss-a:1', 'a released lease is free at once');
    });

    withStore('a publication fenced by the lease changes global info only while its node holds the lease, unexpired', async (store) => {
      const refused = async (node: string, why: string) => {
        const err = await expectSsoError(store.updateGlobalInfo({ secretServer: node, currentMsid: `{${node}}` }, { leaseHolder: node }), 'ENTSSO_E_MSS_UNREACHABLE');
        assert.equal(err.details.reason, 'lease-not-held', why);
      };
      const before = await store.getGlobalInfo();
      await refused('mss-a:1', 'no lease held by anyone');
      await store.acquireLease('mss-a:1', 300, 0);
      await refused('mss-b:2', 'the lease is held by another node');
      const published = await store.updateGlobalInfo({ secretServer: 'mss-a:1', currentMsid: '{A}' }, { leaseHolder: 'mss-a:1' });
      assert.equal(published.secretServer, 'mss-a:1', 'the holder publishes');
      await new Promise((r) => setTimeout(r, 350));
      await refused('mss-a:1', 'the holder\'s lease expired (not yet taken over)');
      await store.acquireLease('mss-b:2', 300, 0);
      await store.updateGlobalInfo({ secretServer: 'mss-b:2', currentMsid: '{B}' }, { leaseHolder: 'mss-b:2' });
      await refused('mss-a:1', 'the former holder, after a takeover');
      const after = await store.getGlobalInfo();
      assert.equal(after.secretServer, 'mss-b:2', 'a refused publication changes nothing');
      assert.equal(after.currentMsid, '{B}');
      assert.notEqual(after.timestamp, before.timestamp);
      await store.updateGlobalInfo({ lastBackupAt: '2024-01-01T00:00:00.000Z' });
      assert.equal((await store.getGlobalInfo()).lastBackupAt, '2024-01-01T00:00:00.000Z', 'an unfenced write (a backup time) needs no lease');
    });

    withStore('values are written only under the current or previous secret SSODB names, checked in the write\'s transaction', async (store) => {
      await store.createApplication(app('Fenced'));
      const first = await store.putCredentials('Fenced', 'Cfg', null, '{RETIRED}', Buffer.from('v0'));
      assert.equal(first.msid, '{RETIRED}', 'nothing published yet: no MSS has run on this store, every secret id is written');
      await store.updateGlobalInfo({ currentMsid: '{NEW}', previousMsid: '{OLD}' });
      const refused = async (write: Promise<unknown>, what: string) => {
        const err = await expectSsoError(write, 'ENTSSO_E_NO_SECRET');
        assert.deepEqual([err.details.reason, err.details.msid, err.details.currentMsid], ['secret-not-current', '{RETIRED}', '{NEW}'], what);
      };
      await refused(store.putCredentials('Fenced', 'Cfg', first.timestamp, '{RETIRED}', Buffer.from('v1')), 'an update');
      await refused(store.putCredentials('Fenced', 'Other', null, '{RETIRED}', Buffer.from('v1')), 'a create');
      const put = (identifier: string, msid: string, importedMsid = msid) => ({
        op: 'put' as const, identifier, expectedTimestamp: null, msid, ciphertext: Buffer.from('x'),
        importedHistory: [{ version: 1, modifiedAt: 1, savedAt: 2, savedBy: 'x (imported)', change: 'set' as const, changedFields: [], msid: importedMsid, ciphertext: Buffer.from('old') }],
      });
      const change = (...rows: ReturnType<typeof put>[]) => [{ application: 'Fenced', expected: { fields: app('Fenced').fields }, rows }];
      await refused(store.applyApplicationChanges(change(put('A', '{NEW}'), put('B', '{RETIRED}'))), 'a row of an application change');
      await refused(store.applyApplicationChanges(change(put('A', '{NEW}', '{RETIRED}'))), 'a kept version an import brings');
      if (store.saveConfiguration) await refused(store.saveConfiguration('Fenced', 'Cfg', first.timestamp, (found) => ({ identifier: 'Cfg', msid: '{RETIRED}', ciphertext: Buffer.from(String(found?.name)) })), 'a save');
      const row = await store.getCredentials('Fenced', 'Cfg');
      assert.deepEqual([row?.timestamp, row?.ciphertext.toString()], [first.timestamp, 'v0'], 'a refused write changes nothing');
      assert.equal((await store.listIdentifiers('Fenced', { limit: 10 })).length, 1, 'a refused change creates nothing');
      const current = await store.putCredentials('Fenced', 'Cfg', first.timestamp, '{NEW}', Buffer.from('v1'));
      await store.putCredentials('Fenced', 'Cfg', current.timestamp, '{OLD}', Buffer.from('v2'));
      await store.applyApplicationChanges(change(put('A', '{NEW}', '{OLD}')));
      assert.equal((await store.listIdentifiers('Fenced', { limit: 10 })).length, 2, 'the current and the previous secret are written');
    });

    withStore('while a restore\'s intent is set, values are written only under the secrets it names; a publication clears it', async (store) => {
      await store.createApplication(app('Switching'));
      await store.acquireLease('mss-a:1', 60_000, 0);
      await store.updateGlobalInfo({ secretServer: 'mss-a:1', currentMsid: '{C}', previousMsid: '{P}' }, { leaseHolder: 'mss-a:1' });
      const intent = await store.updateGlobalInfo({ switchingMsids: '{X} {C}' }, { leaseHolder: 'mss-a:1' });
      assert.deepEqual([intent.switchingMsids, intent.currentMsid], ['{X} {C}', '{C}'], 'the intent leaves the published secrets as they are');
      const err = await expectSsoError(store.putCredentials('Switching', 'Cfg', null, '{P}', Buffer.from('v0')), 'ENTSSO_E_NO_SECRET');
      assert.deepEqual([err.details.reason, err.details.msid, err.details.restoreInProgress], ['secret-not-current', '{P}', true], 'a secret SSODB names that the restore drops');
      assert.match(err.message, /restore is in progress.*Make the change again in a moment/);
      if (store.saveConfiguration) {
        await expectSsoError(store.saveConfiguration('Switching', 'Cfg', null, () => ({ identifier: 'Cfg', msid: '{P}', ciphertext: Buffer.from('v0') })), 'ENTSSO_E_NO_SECRET');
      }
      assert.equal(await store.getCredentials('Switching', 'Cfg'), undefined, 'nothing written');
      const kept = await store.putCredentials('Switching', 'Cfg', null, '{C}', Buffer.from('v1'));
      assert.equal(kept.msid, '{C}', 'a secret SSODB names and the restore keeps');
      await expectSsoError(store.putCredentials('Switching', 'Cfg', kept.timestamp, '{X}', Buffer.from('v2')), 'ENTSSO_E_NO_SECRET');
      await expectSsoError(store.updateGlobalInfo({ switchingMsids: null }, { leaseHolder: 'mss-b:2' }), 'ENTSSO_E_MSS_UNREACHABLE');
      assert.equal((await store.getGlobalInfo()).switchingMsids, '{X} {C}', 'only the lease holder clears it');
      await store.updateGlobalInfo({ lastBackupAt: '2024-01-01T00:00:00.000Z' });
      assert.equal((await store.getGlobalInfo()).switchingMsids, '{X} {C}', 'a patch of other fields keeps it');
      const published = await store.updateGlobalInfo({ currentMsid: '{X}', previousMsid: '{C}', switchingMsids: null }, { leaseHolder: 'mss-a:1' });
      assert.equal(published.switchingMsids, null);
      assert.equal((await store.putCredentials('Switching', 'Cfg', kept.timestamp, '{X}', Buffer.from('v2'))).msid, '{X}');
    });

    withStore('readConfiguration returns the stored names, fields and row together', async (store) => {
      await store.createApplication(app('Read.Together', { fields: [{ label: 'Address', masked: false }, { label: 'Password', masked: true }] }));
      await store.putCredentials('Read.Together', 'Port1', null, 'm1', Buffer.from('blob'));
      const found = await store.readConfiguration('read.together', 'Port1');
      assert.equal(found?.name, 'Read.Together', 'the stored spelling');
      assert.deepEqual(found?.fields.map((f) => f.label), ['Address', 'Password']);
      assert.deepEqual(found?.row?.ciphertext, Buffer.from('blob'));
      assert.equal((await store.readConfiguration('Read.Together', 'Missing'))?.row, undefined);
      assert.equal(await store.readConfiguration('No.Such.App', 'Port1'), undefined);
    });

    withStore('MSS nodes are recorded and listed', async (store) => {
      await store.recordMssNode({ name: 'mss-b:2', role: 'standby', lastSeenAt: 1000, lastTakeoverAt: null });
      await store.recordMssNode({ name: 'mss-a:1', role: 'active', lastSeenAt: 1000, lastTakeoverAt: 900 });
      await store.recordMssNode({ name: 'mss-a:1', role: 'standby', lastSeenAt: 2000, lastTakeoverAt: null });
      const nodes = await store.listMssNodes();
      assert.deepEqual(nodes, [
        { name: 'mss-a:1', role: 'standby', lastSeenAt: 2000, lastTakeoverAt: 900 },
        { name: 'mss-b:2', role: 'standby', lastSeenAt: 1000, lastTakeoverAt: null },
      ]);
    });

    withStore('global info starts with defaults and takes patches', async (store) => {
      const initial = await store.getGlobalInfo();
      assert.equal(initial.secretServer, '');
      assert.equal(initial.adminGroup, 'SSO Administrators');
      assert.equal(initial.currentMsid, null);
      assert.equal(initial.previousMsid, null);
      assert.equal(initial.lastBackupAt, null);

      const first = await store.updateGlobalInfo({ secretServer: 'mss.contoso.local:7443', currentMsid: 'msid-1' });
      assert.equal(first.secretServer, 'mss.contoso.local:7443');
      assert.equal(first.currentMsid, 'msid-1');
      assert.equal(first.adminGroup, 'SSO Administrators', 'fields not in the patch are kept');
      assert.notEqual(first.timestamp, initial.timestamp);

      const second = await store.updateGlobalInfo({ previousMsid: 'msid-1', currentMsid: 'msid-2', lastBackupAt: undefined });
      assert.equal(second.previousMsid, 'msid-1');
      assert.equal(second.currentMsid, 'msid-2');
      assert.equal(second.secretServer, 'mss.contoso.local:7443');
      assert.ok(BigInt(second.timestamp) > BigInt(first.timestamp));

      const cleared = await store.updateGlobalInfo({ previousMsid: null });
      assert.equal(cleared.previousMsid, null, 'null clears a field');
      assert.deepEqual(await store.getGlobalInfo(), cleared);
    });

    // ------------------------------------------------------------ applications

    withStore('creates and reads an application with its fields', async (store) => {
      await store.createApplication(app('Contoso.Settings', { fields: [field('dummy'), field('Password', true), field('Endpoint')] }));
      const read = await store.getApplication('contoso.SETTINGS');
      assert.ok(read);
      assert.equal(read.name, 'Contoso.Settings', 'the stored spelling comes back');
      assert.equal(read.description, 'Description of Contoso.Settings');
      assert.equal(read.contact, 'BizTalkAdmin@contoso.com');
      assert.equal(read.userGroup, 'BizTalk Application Users');
      assert.equal(read.adminGroup, 'SSO Administrators');
      assert.equal(read.flags, AppFlags.configStore | AppFlags.enabled);
      assert.equal(read.kind, 'configStore');
      assert.equal(read.numFields, 3);
      assert.equal(read.identifierCount, 0);
      assert.deepEqual(read.fields, [
        { ordinal: 0, label: 'dummy', masked: false },
        { ordinal: 1, label: 'Password', masked: true },
        { ordinal: 2, label: 'Endpoint', masked: false },
      ]);
      assert.equal(await store.getApplication('Missing'), undefined);
    });

    withStore('application names are unique regardless of case', async (store) => {
      await store.createApplication(app('Orders'));
      await expectSsoError(store.createApplication(app('ORDERS', { description: 'other' })), 'ENTSSO_E_APPLICATION_EXISTS');
      const apps = await store.listApplications({ limit: 10 });
      assert.deepEqual(apps.map((a) => a.name), ['Orders']);
      assert.equal(apps[0]!.description, 'Description of Orders', 'the refused create changed nothing');
    });

    withStore('lists applications in case-insensitive order, keyset-paged', async (store) => {
      const names = Array.from({ length: 23 }, (_, i) => `${['app', 'App', 'APP'][i % 3]}${String(i).padStart(2, '0')}`);
      for (const name of shuffled(names)) await store.createApplication(app(name));
      const pages: string[][] = [];
      let after: string | undefined;
      for (;;) {
        const page = await store.listApplications({ limit: 5, after });
        if (page.length === 0) break;
        pages.push(page.map((a) => a.name));
        after = page[page.length - 1]!.name;
      }
      assert.deepEqual(pages.map((p) => p.length), [5, 5, 5, 5, 3]);
      assert.deepEqual(pages.flat(), [...names].sort(byLowerCase));
      const sorted = [...names].sort(byLowerCase);
      assert.equal(names[4], 'App04');
      const fromOtherCase = await store.listApplications({ limit: 2, after: 'aPP04' });
      assert.deepEqual(
        fromOtherCase.map((a) => a.name),
        sorted.slice(sorted.indexOf('App04') + 1, sorted.indexOf('App04') + 3),
        '`after` compares case-insensitively',
      );
    });

    withStore('filters application names by substring, metacharacters taken literally', async (store) => {
      const names = ['a%b', 'a_b', 'axb', "o'brien", 'back\\slash', 'brack[et]s', 'Ünïcødé 名前 😀', 'Plain'];
      for (const name of names) await store.createApplication(app(name));
      const filter = async (text: string): Promise<string[]> =>
        (await store.listApplications({ filter: text, limit: 100 })).map((a) => a.name).sort();
      assert.deepEqual(await filter('%'), ['a%b']);
      assert.deepEqual(await filter('_'), ['a_b']);
      assert.deepEqual(await filter('A%B'), ['a%b'], 'case-insensitive');
      assert.deepEqual(await filter("'"), ["o'brien"]);
      assert.deepEqual(await filter("O'BRI"), ["o'brien"]);
      assert.deepEqual(await filter('\\'), ['back\\slash']);
      assert.deepEqual(await filter('[et]'), ['brack[et]s']);
      assert.deepEqual(await filter('[e'), ['brack[et]s']);
      assert.deepEqual(await filter('名前 😀'), ['Ünïcødé 名前 😀']);
      assert.deepEqual(await filter('Ünïcø'), ['Ünïcødé 名前 😀']);
      assert.deepEqual(await filter('plain'), ['Plain']);
      assert.deepEqual(await filter('nothing'), []);
      assert.equal((await filter('')).length, names.length);
      assert.ok(await store.getApplication("o'brien"), 'quotes in names are data');
    });

    withStore('filter and paging combine', async (store) => {
      for (let i = 0; i < 12; i++) await store.createApplication(app(`${i % 2 ? 'Send' : 'Receive'}${String(i).padStart(2, '0')}`));
      const first = await store.listApplications({ filter: 'send', limit: 4 });
      const second = await store.listApplications({ filter: 'send', limit: 4, after: first[first.length - 1]!.name });
      assert.deepEqual(first.map((a) => a.name), ['Send01', 'Send03', 'Send05', 'Send07']);
      assert.deepEqual(second.map((a) => a.name), ['Send09', 'Send11']);
    });

    withStore('sets flags; unknown applications are reported', async (store) => {
      await store.createApplication(app('Flags'));
      await store.setApplicationFlags('FLAGS', AppFlags.configStore);
      assert.equal((await store.getApplication('Flags'))!.flags, AppFlags.configStore);
      await expectSsoError(store.setApplicationFlags('Nope', 0), 'ENTSSO_E_APPLICATION_NOT_FOUND');
      await expectSsoError(store.deleteApplication('Nope'), 'ENTSSO_E_APPLICATION_NOT_FOUND');
    });

    withStore('deleting an application removes its fields, identifiers and values', async (store) => {
      await store.createApplication(app('Doomed', { fields: [field('dummy'), field('Secret', true)] }));
      await store.putCredentials('Doomed', 'ConfigProperties', null, 'm1', Buffer.from('blob-1'));
      await store.putCredentials('Doomed', '{6E5F0A7B-0000-4000-8000-000000000001}', null, 'm1', Buffer.from('blob-2'));
      await store.createApplication(app('Survivor'));
      await store.putCredentials('Survivor', 'ConfigProperties', null, 'm1', Buffer.from('blob-3'));

      await store.deleteApplication('doomed');
      assert.equal(await store.getApplication('Doomed'), undefined);
      assert.equal(await store.getCredentials('Doomed', 'ConfigProperties'), undefined);
      assert.equal(await store.countRowsNotUnder('m2'), 1, 'only the survivor row is left');

      await store.createApplication(app('Doomed', { fields: [field('Only')] }));
      const recreated = await store.getApplication('Doomed');
      assert.equal(recreated!.identifierCount, 0);
      assert.deepEqual(recreated!.fields, [{ ordinal: 0, label: 'Only', masked: false }]);
      assert.deepEqual(await store.listIdentifiers('Doomed', { limit: 10 }), []);
      assert.ok(await store.getCredentials('Survivor', 'ConfigProperties'));
    });

    // ------------------------------------------------------------ identifiers and search

    withStore('lists identifiers keyset-paged, filtered, with counts', async (store) => {
      await store.createApplication(app('Ports'));
      await store.createApplication(app('Other'));
      const ids = Array.from({ length: 13 }, (_, i) => `${i % 2 ? 'Loc' : 'loc'}${String(i).padStart(3, '0')}`);
      for (const id of shuffled(ids)) await store.putCredentials('Ports', id, null, 'm1', Buffer.from(id));
      await store.putCredentials('Other', 'loc000', null, 'm1', Buffer.from('x'));

      const seen: string[] = [];
      let after: string | undefined;
      for (;;) {
        const page = await store.listIdentifiers('PORTS', { limit: 4, after });
        if (page.length === 0) break;
        for (const row of page) {
          assert.equal(row.application, 'Ports');
          assert.match(row.timestamp, /^\d+$/);
          assert.ok(row.modifiedAt > 0);
          assert.equal('ciphertext' in row, false, 'listing never carries values');
        }
        seen.push(...page.map((row) => row.identifier));
        after = page[page.length - 1]!.identifier;
      }
      assert.deepEqual(seen, [...ids].sort(byLowerCase));
      assert.deepEqual((await store.listIdentifiers('Ports', { limit: 10, filter: 'C01' })).map((r) => r.identifier), [
        'loc010',
        'Loc011',
        'loc012',
      ]);
      assert.equal((await store.getApplication('Ports'))!.identifierCount, 13);
      const listed = await store.listApplications({ limit: 10 });
      assert.deepEqual(listed.map((a) => [a.name, a.identifierCount]), [['Other', 1], ['Ports', 13]]);
      await expectSsoError(store.listIdentifiers('Nope', { limit: 10 }), 'ENTSSO_E_APPLICATION_NOT_FOUND');
    });

    withStore('identifier filters take metacharacters literally', async (store) => {
      await store.createApplication(app('Meta'));
      for (const id of ['50%', '5_0', '500', "it's", 'x[y]']) await store.putCredentials('Meta', id, null, 'm1', Buffer.from('v'));
      const filter = async (text: string): Promise<string[]> =>
        (await store.listIdentifiers('Meta', { filter: text, limit: 10 })).map((r) => r.identifier).sort();
      assert.deepEqual(await filter('%'), ['50%']);
      assert.deepEqual(await filter('_'), ['5_0']);
      assert.deepEqual(await filter("'"), ["it's"]);
      assert.deepEqual(await filter('[y'), ['x[y]']);
    });

    withStore('search by substring of three characters or more: literal metacharacters and quotes, case-insensitive, deleted rows gone', async (store) => {
      await store.createApplication(app('Finder'));
      for (const id of ['100%_done', 'say "hi" now', 'SP_Contoso_Orders_FTP_1', 'sp_contoso_invoices']) {
        await store.putCredentials('Finder', id, null, 'm1', Buffer.from('x'));
      }
      const ids = async (q: string) => (await store.search(q, 50)).map((h) => h.identifier).filter(Boolean);
      assert.deepEqual(await ids('%_d'), ['100%_done']);
      assert.deepEqual(await ids('"hi"'), ['say "hi" now']);
      assert.deepEqual(await ids('CONTOSO_'), ['sp_contoso_invoices', 'SP_Contoso_Orders_FTP_1'], 'in case-insensitive order');
      assert.deepEqual(await ids('orders_ftp'), ['SP_Contoso_Orders_FTP_1']);
      assert.deepEqual(await ids('zzz'), []);
      const row = await store.getCredentials('Finder', 'sp_contoso_invoices');
      await store.deleteCredentials('Finder', 'sp_contoso_invoices', row!.timestamp);
      await store.deleteApplication('Finder');
      assert.deepEqual(await ids('contoso'), [], 'nothing found once deleted');
    });

    withStore('search finds applications first, then identifiers, up to the limit', async (store) => {
      await store.createApplication(app('Beta.Settings'));
      await store.createApplication(app('Alpha', { kind: 'adapter', flags: AppFlags.adapter | AppFlags.configStore }));
      await store.putCredentials('Alpha', 'beta-endpoint', null, 'm1', Buffer.from('v'));
      await store.putCredentials('Alpha', 'gamma', null, 'm1', Buffer.from('v'));
      assert.deepEqual(await store.search('BETA', 10), [
        { application: 'Beta.Settings', kind: 'configStore' },
        { application: 'Alpha', kind: 'adapter', identifier: 'beta-endpoint' },
      ]);
      assert.deepEqual(await store.search('beta', 1), [{ application: 'Beta.Settings', kind: 'configStore' }]);
      assert.deepEqual(await store.search('GAM', 10), [{ application: 'Alpha', kind: 'adapter', identifier: 'gamma' }]);
      assert.deepEqual(await store.search('%', 10), []);
    });

    // ------------------------------------------------------------ credentials

    withStore('writes and reads credentials with optimistic concurrency', async (store) => {
      await store.createApplication(app('Creds'));
      const created = await store.putCredentials('creds', 'ConfigProperties', null, 'msid-1', Buffer.from('cipher-1'));
      assert.equal(created.application, 'Creds');
      assert.equal(created.identifier, 'ConfigProperties');
      assert.equal(created.msid, 'msid-1');
      assert.match(created.timestamp, /^\d+$/);

      const read = await store.getCredentials('CREDS', 'configproperties');
      assert.ok(read);
      assert.deepEqual(read.ciphertext, Buffer.from('cipher-1'));
      assert.equal(read.identifier, 'ConfigProperties', 'identifiers are case-insensitive, stored spelling kept');
      assert.equal(read.timestamp, created.timestamp);
      assert.equal(read.modifiedAt, created.modifiedAt);
      assert.equal(read.msid, 'msid-1');

      await expectSsoError(store.putCredentials('Creds', 'CONFIGPROPERTIES', null, 'msid-1', Buffer.from('cipher-x')), 'ENTSSO_E_CONFLICT');
      assert.deepEqual(await store.getCredentials('Creds', 'ConfigProperties'), read, 'a refused create changes nothing');

      const updated = await store.putCredentials('Creds', 'ConfigProperties', created.timestamp, 'msid-2', Buffer.from('cipher-2'));
      assert.notEqual(updated.timestamp, created.timestamp);
      assert.ok(updated.modifiedAt > created.modifiedAt);
      assert.equal(updated.msid, 'msid-2');

      await expectSsoError(store.putCredentials('Creds', 'ConfigProperties', created.timestamp, 'msid-2', Buffer.from('stale')), 'ENTSSO_E_CONFLICT');
      await expectSsoError(store.putCredentials('Creds', 'ConfigProperties', 'not-a-version', 'msid-2', Buffer.from('stale')), 'ENTSSO_E_CONFLICT');
      const afterRefusal = await store.getCredentials('Creds', 'ConfigProperties');
      assert.deepEqual(afterRefusal!.ciphertext, Buffer.from('cipher-2'), 'a stale write changes nothing');
      assert.equal(afterRefusal!.timestamp, updated.timestamp);
      assert.equal(afterRefusal!.modifiedAt, updated.modifiedAt);

      await expectSsoError(store.putCredentials('Creds', 'Missing', updated.timestamp, 'msid-2', Buffer.from('x')), 'ENTSSO_E_CONFLICT');
      assert.equal(await store.getCredentials('Creds', 'Missing'), undefined, 'an update of a missing row creates nothing');
      await expectSsoError(store.putCredentials('Nope', 'ConfigProperties', null, 'msid-1', Buffer.from('x')), 'ENTSSO_E_APPLICATION_NOT_FOUND');
      await expectSsoError(store.putCredentials('Nope', 'ConfigProperties', '1', 'msid-1', Buffer.from('x')), 'ENTSSO_E_APPLICATION_NOT_FOUND');
      assert.equal(await store.getCredentials('Nope', 'ConfigProperties'), undefined);
    });

    withStore('refuses a credentials write with a malformed master secret id or history note before writing', async (store) => {
      await store.createApplication(app('Checked'));
      const note: HistoryNote = { savedBy: 'tester', change: 'set', changedFields: [], keep: 5, maxAgeMs: 1000 };
      const write = (msid: string, history?: HistoryNote) => store.putCredentials('Checked', 'Cfg', null, msid, Buffer.from('x'), history);
      await expectSsoError(write(''), 'ENTSSO_E_INVALID_REQUEST');
      await expectSsoError(write('m'.repeat(1000)), 'ENTSSO_E_INVALID_REQUEST');
      await expectSsoError(write('msid-1', { ...note, keep: 0 }), 'ENTSSO_E_INVALID_REQUEST');
      await expectSsoError(write('msid-1', { ...note, change: 'rename' as 'set' }), 'ENTSSO_E_INVALID_REQUEST');
      assert.equal(await store.getCredentials('Checked', 'Cfg'), undefined, 'a refused write creates nothing');
    });

    withStore('stores binary ciphertext exactly, including empty and large blobs', async (store) => {
      await store.createApplication(app('Blobs'));
      const blobs = { empty: Buffer.alloc(0), zeros: Buffer.alloc(32), all: Buffer.from(Array.from({ length: 256 }, (_, i) => i)), large: Buffer.alloc(300_000, 7) };
      for (const [id, blob] of Object.entries(blobs)) await store.putCredentials('Blobs', id, null, 'm1', blob);
      for (const [id, blob] of Object.entries(blobs)) assert.deepEqual((await store.getCredentials('Blobs', id))!.ciphertext, blob);
    });

    withStore('timestamps change on every write and are unique across rows; modifiedAt strictly increases', async (store) => {
      await store.createApplication(app('Versions'));
      const seen = new Set<string>();
      const rows = ['a', 'b', 'c'];
      const last = new Map<string, { timestamp: string; modifiedAt: number }>();
      for (const id of rows) {
        const created = await store.putCredentials('Versions', id, null, 'm1', Buffer.from(id));
        seen.add(created.timestamp);
        last.set(id, created);
      }
      for (let round = 0; round < 5; round++) {
        for (const id of rows) {
          const previous = last.get(id)!;
          const next = await store.putCredentials('Versions', id, previous.timestamp, 'm1', Buffer.from(`${id}${round}`));
          assert.ok(BigInt(next.timestamp) > BigInt(previous.timestamp), 'row versions increase');
          assert.ok(next.modifiedAt > previous.modifiedAt, 'modifiedAt strictly increases, even within one millisecond');
          assert.ok(!seen.has(next.timestamp), 'no two writes share a timestamp');
          seen.add(next.timestamp);
          last.set(id, next);
        }
      }
      assert.equal(seen.size, rows.length * 6);
    });

    withStore('deletes credentials only with the current timestamp', async (store) => {
      await store.createApplication(app('Del'));
      const first = await store.putCredentials('Del', 'Row', null, 'm1', Buffer.from('1'));
      const second = await store.putCredentials('Del', 'Row', first.timestamp, 'm1', Buffer.from('2'));
      await expectSsoError(store.deleteCredentials('Del', 'Row', first.timestamp), 'ENTSSO_E_CONFLICT');
      assert.deepEqual((await store.getCredentials('Del', 'Row'))!.ciphertext, Buffer.from('2'), 'a stale delete changes nothing');
      await store.deleteCredentials('del', 'ROW', second.timestamp);
      assert.equal(await store.getCredentials('Del', 'Row'), undefined);
      assert.equal((await store.getApplication('Del'))!.identifierCount, 0);
      await expectSsoError(store.deleteCredentials('Del', 'Row', second.timestamp), 'ENTSSO_E_MAPPING_NOT_FOUND');
      await expectSsoError(store.deleteCredentials('Nope', 'Row', second.timestamp), 'ENTSSO_E_APPLICATION_NOT_FOUND');
      const again = await store.putCredentials('Del', 'Row', null, 'm1', Buffer.from('3'));
      assert.ok(BigInt(again.timestamp) > BigInt(second.timestamp), 'a re-created row never reuses a timestamp');
    });

    withStore('two writers with the same timestamp: exactly one wins, no lost update', async (store, fixture) => {
      const other = await fixture.open();
      try {
        await store.createApplication(app('Race'));
        const base = await store.putCredentials('Race', 'Row', null, 'm1', Buffer.from('base'));
        const results = await Promise.allSettled([
          store.putCredentials('Race', 'Row', base.timestamp, 'm1', Buffer.from('mine')),
          other.putCredentials('Race', 'Row', base.timestamp, 'm1', Buffer.from('theirs')),
        ]);
        const won = results.filter((r) => r.status === 'fulfilled');
        const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
        assert.equal(won.length, 1);
        assert.equal(lost.length, 1);
        assert.equal((lost[0]!.reason as SsoError).code, 'ENTSSO_E_CONFLICT');
        const stored = await store.getCredentials('Race', 'Row');
        assert.ok(['mine', 'theirs'].includes(stored!.ciphertext.toString()));
        assert.equal(stored!.timestamp, (won[0] as PromiseFulfilledResult<{ timestamp: string }>).value.timestamp);

        const creates = await Promise.allSettled([
          store.putCredentials('Race', 'New', null, 'm1', Buffer.from('a')),
          other.putCredentials('Race', 'NEW', null, 'm1', Buffer.from('b')),
        ]);
        assert.deepEqual(creates.map((r) => r.status).sort(), ['fulfilled', 'rejected']);
      } finally {
        await other.close();
      }
    });

    withStore('error messages carry no value or ciphertext', async (store) => {
      await store.createApplication(app('Quiet'));
      const secret = Buffer.from('S3cr3t-Ciphertext-Bytes');
      await store.putCredentials('Quiet', 'Row', null, 'm1', secret);
      const error = await store.putCredentials('Quiet', 'Row', null, 'm1', secret).catch((e: unknown) => e);
      assert.ok(error instanceof SsoError);
      const text = `${error.message} ${JSON.stringify(error.details)}`;
      for (const form of [secret.toString(), secret.toString('base64'), secret.toString('hex')]) assert.ok(!text.includes(form));
    });

    withStore('refuses malformed input before touching the database', async (store) => {
      await expectSsoError(store.createApplication(app('x'.repeat(257))), 'ENTSSO_E_INVALID_REQUEST');
      await expectSsoError(store.createApplication(app('')), 'ENTSSO_E_INVALID_REQUEST');
      await expectSsoError(store.createApplication(app('Trailing ')), 'ENTSSO_E_INVALID_REQUEST');
      await expectSsoError(store.listApplications({ limit: 0 }), 'ENTSSO_E_INVALID_REQUEST');
      await expectSsoError(store.listApplications({ limit: 1.5 }), 'ENTSSO_E_INVALID_REQUEST');
      await expectSsoError(store.getCredentials('App', 'i'.repeat(257)), 'ENTSSO_E_INVALID_REQUEST');
      await expectSsoError(store.createApplication(app('Kind', { kind: 'bogus' as never })), 'ENTSSO_E_INVALID_REQUEST');
      assert.deepEqual(await store.listApplications({ limit: 10 }), []);
      const longest = 'L'.repeat(256);
      await store.createApplication(app(longest));
      assert.equal((await store.getApplication(longest))!.name, longest);
    });

    withStore('holds every name it creates to the name rule (src/protocol/names.ts), whoever calls it', async (store) => {
      for (const bad of ['Cafe\u0301', 'P\u0430ypal', 'Pay\u200bpal', 'Pay\u0085pal', 'Pay\ud800', '..', '__proto__']) {
        await expectSsoError(store.createApplication(app(bad)), 'ENTSSO_E_INVALID_REQUEST');
        await expectSsoError(store.createApplication(app('Good', { fields: [field(bad)] })), 'ENTSSO_E_INVALID_REQUEST');
      }
      await store.createApplication(app('Good'));
      for (const bad of ['Row\u200b', '.', '__proto__']) await expectSsoError(store.putCredentials('Good', bad, null, 'm1', Buffer.from('c')), 'ENTSSO_E_INVALID_REQUEST');
      const read = (await store.getApplication('Good'))!;
      await expectSsoError(
        store.applyApplicationChanges([{ application: 'Good', expected: { fields: read.fields.map(({ label, masked }) => ({ label, masked })), rowCount: 0, maxTimestamp: null }, fields: [field('dummy'), field('New\u202e')], rows: [] }]),
        'ENTSSO_E_INVALID_REQUEST',
      );
      assert.deepEqual((await store.listApplications({ limit: 10 })).map((a) => a.name), ['Good']);
    });

    // ------------------------------------------------------------ application changes (one transaction)

    /** The premises a change is computed from, read the way the service reads them. */
    const premisesOf = async (store: SsoStore, name: string) => {
      const read = (await store.getApplication(name))!;
      const rows = await store.listCredentials(name, { limit: 10_000 });
      const max = rows.reduce<bigint | null>((m, r) => (m === null || BigInt(r.timestamp) > m ? BigInt(r.timestamp) : m), null);
      return { fields: read.fields.map(({ label, masked }) => ({ label, masked })), rowCount: rows.length, maxTimestamp: max === null ? null : String(max) };
    };

    withStore('lists full rows of an application, keyset-paged, with their ciphertext', async (store) => {
      await store.createApplication(app('Full'));
      await store.createApplication(app('Empty'));
      const ids = ['b', 'A', 'c', 'D', 'e'];
      for (const id of ids) await store.putCredentials('Full', id, null, 'm1', Buffer.from(`v-${id}`));
      const first = await store.listCredentials('FULL', { limit: 3 });
      const second = await store.listCredentials('Full', { limit: 3, after: first[first.length - 1]!.identifier });
      assert.deepEqual([...first, ...second].map((r) => r.identifier), ['A', 'b', 'c', 'D', 'e']);
      assert.deepEqual(second.map((r) => r.ciphertext.toString()), ['v-D', 'v-e']);
      assert.ok(first.every((r) => r.application === 'Full' && r.msid === 'm1' && /^\d+$/.test(r.timestamp)));
      assert.deepEqual(await store.listCredentials('Empty', { limit: 3 }), []);
      await expectSsoError(store.listCredentials('Nope', { limit: 3 }), 'ENTSSO_E_APPLICATION_NOT_FOUND');
    });

    withStore('applies application changes in one transaction: create, field list replacement, row writes and deletes', async (store) => {
      await store.createApplication(app('Settings', { fields: [field('dummy'), field('Pwd', true), field('Old')] }));
      const kept = await store.putCredentials('Settings', 'Kept', null, 'm1', Buffer.from('kept'));
      const changed = await store.putCredentials('Settings', 'Changed', null, 'm1', Buffer.from('before'));
      const doomed = await store.putCredentials('Settings', 'Doomed', null, 'm1', Buffer.from('doomed'));
      await store.applyApplicationChanges([
        {
          application: 'SETTINGS',
          expected: await premisesOf(store, 'Settings'),
          fields: [field('dummy'), field('Pwd', true), field('New'), field('Secret', true)],
          rows: [
            { op: 'put', identifier: 'changed', expectedTimestamp: changed.timestamp, msid: 'm2', ciphertext: Buffer.from('after') },
            { op: 'put', identifier: 'Added', expectedTimestamp: null, msid: 'm2', ciphertext: Buffer.from('added') },
            { op: 'delete', identifier: 'DOOMED', expectedTimestamp: doomed.timestamp },
          ],
        },
        { application: 'Fresh', create: app('Fresh', { fields: [field('dummy'), field('Key')] }), rows: [{ op: 'put', identifier: 'ConfigProperties', expectedTimestamp: null, msid: 'm2', ciphertext: Buffer.from('fresh') }] },
      ]);
      const settings = (await store.getApplication('Settings'))!;
      assert.deepEqual(settings.fields, [
        { ordinal: 0, label: 'dummy', masked: false },
        { ordinal: 1, label: 'Pwd', masked: true },
        { ordinal: 2, label: 'New', masked: false },
        { ordinal: 3, label: 'Secret', masked: true },
      ]);
      assert.equal(settings.numFields, 4);
      assert.equal(settings.identifierCount, 3);
      assert.deepEqual(await store.getCredentials('Settings', 'Kept'), { ...kept, ciphertext: Buffer.from('kept') }, 'a row not in the change is untouched');
      const after = (await store.getCredentials('Settings', 'Changed'))!;
      assert.deepEqual(after.ciphertext, Buffer.from('after'));
      assert.equal(after.identifier, 'Changed', 'the stored spelling is kept');
      assert.equal(after.msid, 'm2');
      assert.ok(BigInt(after.timestamp) > BigInt(doomed.timestamp));
      assert.deepEqual((await store.getCredentials('Settings', 'Added'))!.ciphertext, Buffer.from('added'));
      assert.equal(await store.getCredentials('Settings', 'Doomed'), undefined);
      const fresh = (await store.getApplication('Fresh'))!;
      assert.deepEqual(fresh.fields.map((f) => f.label), ['dummy', 'Key']);
      assert.equal(fresh.description, 'Description of Fresh');
      assert.deepEqual((await store.getCredentials('Fresh', 'ConfigProperties'))!.ciphertext, Buffer.from('fresh'));
      await store.applyApplicationChanges([]);
    });

    withStore('application changes are all or nothing: any premise that fails leaves every application as it was', async (store) => {
      await store.createApplication(app('First', { fields: [field('dummy'), field('A')] }));
      await store.createApplication(app('Second', { fields: [field('dummy')] }));
      const row = await store.putCredentials('First', 'Row', null, 'm1', Buffer.from('one'));
      const second = await store.putCredentials('Second', 'Row', null, 'm1', Buffer.from('two'));
      const firstPremises = await premisesOf(store, 'First');
      const secondPremises = await premisesOf(store, 'Second');
      const good = {
        application: 'First',
        expected: firstPremises,
        fields: [field('dummy'), field('A'), field('B')],
        rows: [{ op: 'put' as const, identifier: 'Row', expectedTimestamp: row.timestamp, msid: 'm1', ciphertext: Buffer.from('changed') }, { op: 'put' as const, identifier: 'New', expectedTimestamp: null, msid: 'm1', ciphertext: Buffer.from('new') }],
      };
      const snapshot = async () => ({
        first: await store.getApplication('First'),
        second: await store.getApplication('Second'),
        rows: [...(await store.listCredentials('First', { limit: 10 })), ...(await store.listCredentials('Second', { limit: 10 }))],
        apps: (await store.listApplications({ limit: 10 })).map((a) => a.name),
      });
      const before = await snapshot();
      const failing: [string, Parameters<SsoStore['applyApplicationChanges']>[0][number]][] = [
        ['fields-changed', { application: 'Second', expected: { ...secondPremises, fields: [field('other')] }, rows: [] }],
        ['rows-changed', { application: 'Second', expected: { ...secondPremises, rowCount: 0 }, rows: [] }],
        ['rows-changed', { application: 'Second', expected: { ...secondPremises, maxTimestamp: String(BigInt(second.timestamp) - 1n) }, rows: [] }],
        ['application-gone', { application: 'Third', expected: secondPremises, rows: [] }],
        ['application-exists', { application: 'second', create: app('second'), rows: [] }],
        ['row-exists', { application: 'Second', expected: secondPremises, rows: [{ op: 'put', identifier: 'ROW', expectedTimestamp: null, msid: 'm1', ciphertext: Buffer.from('x') }] }],
        ['row-changed', { application: 'Second', expected: secondPremises, rows: [{ op: 'put', identifier: 'Row', expectedTimestamp: row.timestamp, msid: 'm1', ciphertext: Buffer.from('x') }] }],
        ['row-gone', { application: 'Second', expected: secondPremises, rows: [{ op: 'delete', identifier: 'Missing', expectedTimestamp: second.timestamp }] }],
        ['row-changed', { application: 'Second', expected: secondPremises, rows: [{ op: 'delete', identifier: 'Row', expectedTimestamp: 'garbage' }] }],
      ];
      for (const [reason, change] of failing) {
        const error = await expectSsoError(store.applyApplicationChanges([good, change]), 'ENTSSO_E_CONFLICT');
        assert.equal(error.details.reason, reason, `${reason}: ${error.message}`);
        assert.deepEqual(await snapshot(), before, `${reason}: nothing changed, not even the first application`);
      }
      await expectSsoError(store.applyApplicationChanges([good, { application: 'Second', rows: [] }]), 'ENTSSO_E_INVALID_REQUEST');
      await expectSsoError(store.applyApplicationChanges([good, { ...good, application: 'FIRST' }]), 'ENTSSO_E_INVALID_REQUEST');
      await expectSsoError(store.applyApplicationChanges([{ ...good, fields: [field('a'), field('A')] }]), 'ENTSSO_E_INVALID_REQUEST');
      await expectSsoError(store.applyApplicationChanges([{ ...good, fields: [] }]), 'ENTSSO_E_INVALID_REQUEST');
      assert.deepEqual(await snapshot(), before);
      await store.applyApplicationChanges([good]);
      assert.deepEqual((await store.getApplication('First'))!.fields.map((f) => f.label), ['dummy', 'A', 'B']);
    });

    withStore('the rows premise sees every insert, update and delete, but not a rotation re-encrypting rows', async (store) => {
      await store.createApplication(app('Watched'));
      const a = await store.putCredentials('Watched', 'a', null, 'm1', Buffer.from('a'));
      await store.putCredentials('Watched', 'b', null, 'm1', Buffer.from('b'));
      const noop = async (expected: Awaited<ReturnType<typeof premisesOf>>) => store.applyApplicationChanges([{ application: 'Watched', expected, rows: [] }]);

      let premises = await premisesOf(store, 'Watched');
      const batch = await store.listRowsNotUnder('m2', 10);
      await store.reencryptRows(batch.map((r) => ({ application: r.application, identifier: r.identifier, expectedTimestamp: r.timestamp, msid: 'm2', ciphertext: r.ciphertext })));
      await noop(premises); // a rotation changes no value: the premise still holds

      const updated = await store.putCredentials('Watched', 'a', a.timestamp, 'm2', Buffer.from('a2'));
      await expectSsoError(noop(premises), 'ENTSSO_E_CONFLICT');
      premises = await premisesOf(store, 'Watched');
      await store.putCredentials('Watched', 'c', null, 'm2', Buffer.from('c'));
      await expectSsoError(noop(premises), 'ENTSSO_E_CONFLICT');
      premises = await premisesOf(store, 'Watched');
      await store.deleteCredentials('Watched', 'a', updated.timestamp);
      await expectSsoError(noop(premises), 'ENTSSO_E_CONFLICT');
      await noop(await premisesOf(store, 'Watched'));
    });

    // ------------------------------------------------------------ rotation

    withStore('rotation lists and counts rows not under the current msid, in a stable order', async (store) => {
      await store.createApplication(app('RotA'));
      await store.createApplication(app('RotB'));
      for (let i = 0; i < 5; i++) await store.putCredentials('RotA', `id${i}`, null, 'old-1', Buffer.from(`a${i}`));
      for (let i = 0; i < 3; i++) await store.putCredentials('RotB', `id${i}`, null, 'zz-old', Buffer.from(`b${i}`));
      for (let i = 0; i < 2; i++) await store.putCredentials('RotB', `cur${i}`, null, 'current', Buffer.from(`c${i}`));

      assert.equal(await store.countRowsNotUnder('current'), 8);
      assert.deepEqual(await store.countRowsBySecret('current'), [{ msid: 'old-1', rows: 5 }, { msid: 'zz-old', rows: 3 }]);
      assert.deepEqual(await store.countRowsBySecret('zz-old'), [{ msid: 'current', rows: 2 }, { msid: 'old-1', rows: 5 }]);
      const all = await store.listRowsNotUnder('current', 100);
      assert.equal(all.length, 8);
      assert.ok(all.every((row) => row.msid !== 'current'));
      assert.deepEqual(await store.listRowsNotUnder('current', 100), all, 'same order every time');
      assert.deepEqual(await store.listRowsNotUnder('current', 3), all.slice(0, 3), 'a limit takes a prefix');
      const sample = all.find((row) => row.application === 'RotA' && row.identifier === 'id2')!;
      assert.deepEqual(sample.ciphertext, Buffer.from('a2'));
      assert.equal(await store.countRowsNotUnder('nobody-uses-this'), 10);
    });

    withStore('re-encryption keeps timestamps and skips rows written or deleted since', async (store) => {
      await store.createApplication(app('Rot'));
      for (let i = 0; i < 4; i++) await store.putCredentials('Rot', `id${i}`, null, 'old', Buffer.from(`v${i}`));
      const batch = await store.listRowsNotUnder('new', 10);
      assert.equal(batch.length, 4);
      const [kept, written, deleted, alsoKept] = batch as [typeof batch[0], typeof batch[0], typeof batch[0], typeof batch[0]];

      // Meanwhile a client saves one row (under the new secret) and deletes another.
      const clientWrite = await store.putCredentials('Rot', written.identifier, written.timestamp, 'new', Buffer.from('client'));
      await store.deleteCredentials('Rot', deleted.identifier, deleted.timestamp);

      const reencrypted = batch.map((row) => ({
        application: row.application,
        identifier: row.identifier,
        expectedTimestamp: row.timestamp,
        msid: 'new',
        ciphertext: Buffer.from(`re:${row.ciphertext.toString()}`),
      }));
      // A malformed timestamp can never match: that entry is skipped, not an error.
      reencrypted.push({ ...reencrypted[3]!, expectedTimestamp: 'garbage', ciphertext: Buffer.from('never') });
      const replaced = await store.reencryptRows(reencrypted);
      assert.equal(replaced, 2);

      for (const original of [kept, alsoKept]) {
        const now = (await store.getCredentials('Rot', original.identifier))!;
        assert.equal(now.msid, 'new');
        assert.deepEqual(now.ciphertext, Buffer.from(`re:${original.ciphertext.toString()}`));
        assert.equal(now.timestamp, original.timestamp, 're-encryption keeps the timestamp');
        assert.equal(now.modifiedAt, original.modifiedAt, 're-encryption keeps modifiedAt');
      }
      const clientRow = (await store.getCredentials('Rot', written.identifier))!;
      assert.deepEqual(clientRow.ciphertext, Buffer.from('client'), "the client's newer write is not overwritten");
      assert.equal(clientRow.timestamp, clientWrite.timestamp);
      assert.equal(await store.getCredentials('Rot', deleted.identifier), undefined, 'a deleted row is not resurrected');
      assert.equal(await store.countRowsNotUnder('new'), 0);
      assert.equal(await store.reencryptRows([]), 0);

      // An editor holding the pre-rotation timestamp can still save.
      const saved = await store.putCredentials('Rot', kept.identifier, kept.timestamp, 'new', Buffer.from('edited'));
      assert.ok(BigInt(saved.timestamp) > BigInt(kept.timestamp));
    });

    withStore('a rotation loop in batches terminates with every row re-encrypted', async (store) => {
      await store.createApplication(app('Loop'));
      for (let i = 0; i < 11; i++) await store.putCredentials('Loop', `id${String(i).padStart(2, '0')}`, null, i % 2 ? 'a' : 'c', Buffer.from(`${i}`));
      let rounds = 0;
      for (;;) {
        const batch = await store.listRowsNotUnder('b', 3);
        if (batch.length === 0) break;
        const replaced = await store.reencryptRows(
          batch.map((row) => ({ application: row.application, identifier: row.identifier, expectedTimestamp: row.timestamp, msid: 'b', ciphertext: row.ciphertext })),
        );
        assert.equal(replaced, batch.length);
        rounds++;
        assert.ok(rounds < 10);
      }
      assert.equal(rounds, 4);
      assert.equal(await store.countRowsNotUnder('b'), 0);
    });

    // ------------------------------------------------------------ audit

    withStore('audit entries come back newest first, paged by id', async (store) => {
      await store.appendAudit({ user: 'CONTOSO\\alice', action: 'apps.create', outcome: 'ok', application: 'A' });
      await store.appendAudit({ user: 'CONTOSO\\bob', action: 'config.set', outcome: 'refused', application: 'A', identifier: 'ConfigProperties', fields: ['Password', 'Url'], detail: 'conflict' });
      for (let i = 0; i < 3; i++) await store.appendAudit({ user: 'svc', action: `op${i}`, outcome: 'failed' });

      const first = await store.listAudit({ limit: 2 });
      assert.deepEqual(first.map((e) => e.action), ['op2', 'op1']);
      assert.ok(first[0]!.id > first[1]!.id);
      const second = await store.listAudit({ limit: 2, before: first[1]!.id });
      assert.deepEqual(second.map((e) => e.action), ['op0', 'config.set']);
      const third = await store.listAudit({ limit: 2, before: second[1]!.id });
      assert.deepEqual(third.map((e) => e.action), ['apps.create']);

      const full = second[1]!;
      assert.equal(full.user, 'CONTOSO\\bob');
      assert.equal(full.outcome, 'refused');
      assert.equal(full.application, 'A');
      assert.equal(full.identifier, 'ConfigProperties');
      assert.deepEqual(full.fields, ['Password', 'Url']);
      assert.equal(full.detail, 'conflict');
      assert.ok(!Number.isNaN(Date.parse(full.at)));
      const bare = third[0]!;
      assert.equal(bare.identifier, undefined);
      assert.equal(bare.fields, undefined);
      assert.equal(bare.detail, undefined);
    });

    withStore('several audit entries are appended together, in order', async (store) => {
      await store.appendAudit({ user: 'u', action: 'before', outcome: 'ok' });
      await store.appendAudit([
        { user: 'u', action: 'app.export', outcome: 'ok', application: 'A' },
        { user: 'u', action: 'app.export', outcome: 'ok', application: 'B' },
      ]);
      assert.deepEqual((await store.listAudit({ limit: 10 })).map((e) => `${e.action}:${e.application ?? ''}`), ['app.export:B', 'app.export:A', 'before:']);
    });

    withStore('the audit keeps its retention: a write prunes the oldest rows past maxRows, a prune past maxAge, each a bounded number', async (store) => {
      const retention = { maxRows: 10, maxAgeMs: 86_400_000 };
      for (let i = 0; i < 30; i++) await store.appendAudit({ user: 'u', action: `a${i}`, outcome: 'ok' }, retention);
      const kept = await store.listAudit({ limit: 100 });
      assert.deepEqual(kept.map((e) => e.action), Array.from({ length: 10 }, (_, i) => `a${29 - i}`), 'the newest 10, newest first');
      assert.equal(await store.pruneAudit(retention, 100), 0, 'nothing beyond the retention');
      await new Promise((r) => setTimeout(r, 5));
      assert.equal(await store.pruneAudit({ maxRows: 1000, maxAgeMs: 1 }, 4), 4, 'by age, at most `limit` rows, the oldest');
      assert.deepEqual((await store.listAudit({ limit: 100 })).map((e) => e.action).at(-1), 'a24');
      const page = await store.listAudit({ limit: 2, before: kept[1]!.id });
      assert.deepEqual(page.map((e) => e.action), ['a27', 'a26'], 'paging by id still works');
    });

    withStore('a save with its audit row writes both in one transaction; a refused save writes neither', async (store) => {
      await store.createApplication(app('Audited'));
      const entry = { user: 'u', action: 'config.set', outcome: 'ok' as const, application: 'Audited', identifier: 'Cfg', fields: ['F'] };
      const v1 = await store.putCredentials('Audited', 'Cfg', null, 'm1', Buffer.from('one'), undefined, { entry });
      await store.putCredentials('Audited', 'Cfg', v1.timestamp, 'm1', Buffer.from('two'), undefined, { entry: { ...entry, detail: 'second' } });
      await expectSsoError(store.putCredentials('Audited', 'Cfg', v1.timestamp, 'm1', Buffer.from('stale'), undefined, { entry: { ...entry, detail: 'stale' } }), 'ENTSSO_E_CONFLICT');
      await expectSsoError(store.putCredentials('Audited', 'Cfg', null, 'm1', Buffer.from('again'), undefined, { entry: { ...entry, detail: 'exists' } }), 'ENTSSO_E_CONFLICT');
      const rows = await store.listAudit({ limit: 10 });
      assert.deepEqual(rows.map((r) => `${r.action}:${r.identifier}:${r.detail ?? ''}`), ['config.set:Cfg:second', 'config.set:Cfg:'], 'one row per save made, none for a refused one');
      assert.equal((await store.getCredentials('Audited', 'Cfg'))?.ciphertext.toString(), 'two');
    });

    withStore('every other change writes its audit rows in its own transaction; a refused change writes none', async (store) => {
      const audit = (action: string, application: string) => ({ entries: [{ user: 'u', action, outcome: 'ok' as const, application }, { user: 'u', action: `${action}.second`, outcome: 'ok' as const, application }] });
      await store.createApplication(app('Changed'), audit('app.create', 'Changed'));
      await expectSsoError(store.createApplication(app('changed'), audit('app.create', 'refused')), 'ENTSSO_E_APPLICATION_EXISTS');
      await store.setApplicationFlags('Changed', AppFlags.enabled, audit('app.enable', 'Changed'));
      await expectSsoError(store.setApplicationFlags('Gone', AppFlags.enabled, audit('app.enable', 'refused')), 'ENTSSO_E_APPLICATION_NOT_FOUND');
      const row = await store.putCredentials('Changed', 'Cfg', null, 'm1', Buffer.from('one'));
      await expectSsoError(store.deleteCredentials('Changed', 'Cfg', '999999', undefined, audit('config.delete', 'refused')), 'ENTSSO_E_CONFLICT');
      await store.deleteCredentials('Changed', 'Cfg', row.timestamp, undefined, audit('config.delete', 'Changed'));
      const fields = [field('dummy')];
      await store.applyApplicationChanges([{ application: 'Changed', expected: { fields }, rows: [{ op: 'put', identifier: 'New', expectedTimestamp: null, msid: 'm1', ciphertext: Buffer.from('x') }] }], audit('app.import', 'Changed'));
      await expectSsoError(
        store.applyApplicationChanges([{ application: 'Changed', expected: { fields }, rows: [{ op: 'put', identifier: 'New', expectedTimestamp: null, msid: 'm1', ciphertext: Buffer.from('y') }] }], audit('app.import', 'refused')),
        'ENTSSO_E_CONFLICT',
      );
      await store.applyApplicationChanges([], audit('app.import.unchanged', 'Changed'));
      await expectSsoError(store.deleteApplication('Gone', audit('app.delete', 'refused')), 'ENTSSO_E_APPLICATION_NOT_FOUND');
      await store.deleteApplication('Changed', audit('app.delete', 'Changed'));
      const rows = (await store.listAudit({ limit: 50 })).reverse();
      assert.deepEqual(rows.map((r) => `${r.action}:${r.application}`), [
        'app.create:Changed', 'app.create.second:Changed',
        'app.enable:Changed', 'app.enable.second:Changed',
        'config.delete:Changed', 'config.delete.second:Changed',
        'app.import:Changed', 'app.import.second:Changed',
        'app.import.unchanged:Changed', 'app.import.unchanged.second:Changed',
        'app.delete:Changed', 'app.delete.second:Changed',
      ], 'both rows of every change made, none of a refused one');
    });

    // ------------------------------------------------------------ configuration history (issue 15)

    const note = (overrides: Partial<HistoryNote> = {}): HistoryNote => ({ savedBy: 'bob via test', change: 'set', changedFields: ['Pwd'], keep: 20, maxAgeMs: 86_400_000, ...overrides });

    withStore('history: an update with a note keeps the replaced blob as it was, with who, when and which fields', async (store) => {
      await store.createApplication(app('Hist', { fields: [field('dummy'), field('Pwd', true)] }));
      const v1 = await store.putCredentials('Hist', 'Cfg', null, 'm1', Buffer.from('first'), note());
      assert.deepEqual(await store.listHistory('Hist', 'Cfg', { limit: 10 }), [], 'creating keeps nothing');
      const v2 = await store.putCredentials('hist', 'cfg', v1.timestamp, 'm2', Buffer.from('second'), note());
      await store.putCredentials('Hist', 'Cfg', v2.timestamp, 'm2', Buffer.from('third'));
      const listed = await store.listHistory('HIST', 'CFG', { limit: 10 });
      assert.equal(listed.length, 1, 'a write without a note keeps nothing');
      assert.deepEqual({ ...listed[0], savedAt: 0 }, {
        application: 'Hist', identifier: 'Cfg', version: 1, modifiedAt: v1.modifiedAt, savedAt: 0, savedBy: 'bob via test', change: 'set', changedFields: ['Pwd'],
      });
      assert.ok(Math.abs(listed[0]!.savedAt - Date.now()) < 60_000);
      const kept = (await store.getHistoryVersion('hist', 'cfg', 1))!;
      assert.deepEqual(kept.ciphertext, Buffer.from('first'));
      assert.equal(kept.msid, 'm1', 'under the secret it was written with');
      assert.equal(await store.getHistoryVersion('Hist', 'Cfg', 2), undefined);
    });

    withStore('history: a conflicting write keeps nothing; a delete keeps the deleted version; versions go past `keep`', async (store) => {
      await store.createApplication(app('Hist'));
      let row = await store.putCredentials('Hist', 'Cfg', null, 'm1', Buffer.from('v0'));
      await expectSsoError(store.putCredentials('Hist', 'Cfg', '999999', 'm1', Buffer.from('x'), note()), 'ENTSSO_E_CONFLICT');
      assert.deepEqual(await store.listHistory('Hist', 'Cfg', { limit: 10 }), []);
      for (let i = 1; i <= 6; i++) row = await store.putCredentials('Hist', 'Cfg', row.timestamp, 'm1', Buffer.from(`v${i}`), note({ keep: 4 }));
      const versions = (await store.listHistory('Hist', 'Cfg', { limit: 10 })).map((h) => h.version);
      assert.deepEqual(versions, [6, 5, 4, 3], 'newest first, at most `keep`');
      assert.deepEqual((await store.getHistoryVersion('Hist', 'Cfg', 6))!.ciphertext, Buffer.from('v5'));
      assert.deepEqual((await store.listHistory('Hist', 'Cfg', { limit: 2, before: 5 })).map((h) => h.version), [4, 3], 'paged by version');
      await store.deleteCredentials('Hist', 'Cfg', row.timestamp, note({ keep: 4, change: 'delete', changedFields: [] }));
      const afterDelete = await store.listHistory('Hist', 'Cfg', { limit: 10 });
      assert.deepEqual(afterDelete.map((h) => [h.version, h.change]), [[7, 'delete'], [6, 'set'], [5, 'set'], [4, 'set']]);
      assert.deepEqual((await store.getHistoryVersion('Hist', 'Cfg', 7))!.ciphertext, Buffer.from('v6'));
      const again = await store.putCredentials('Hist', 'Cfg', null, 'm1', Buffer.from('new'), note());
      await store.putCredentials('Hist', 'Cfg', again.timestamp, 'm1', Buffer.from('newer'), note({ keep: 4 }));
      assert.equal((await store.listHistory('Hist', 'Cfg', { limit: 1 }))[0]!.version, 8, 'numbering continues after a delete and re-create');
    });

    withStore('history: numbers never restart once every kept version went past the age limit, also for an import', async (store) => {
      await store.createApplication(app('Hist'));
      let a = await store.putCredentials('Hist', 'A', null, 'm1', Buffer.from('a0'));
      a = await store.putCredentials('Hist', 'A', a.timestamp, 'm1', Buffer.from('a1'), note());
      a = await store.putCredentials('Hist', 'A', a.timestamp, 'm1', Buffer.from('a2'), note());
      const c = await store.putCredentials('Hist', 'C', null, 'm1', Buffer.from('c0'));
      const c1 = await store.putCredentials('Hist', 'C', c.timestamp, 'm1', Buffer.from('c1'), note());
      await store.deleteCredentials('Hist', 'C', c1.timestamp);
      await new Promise((r) => setTimeout(r, 30));
      // A save of another configuration expires every version of A and C.
      const b = await store.putCredentials('Hist', 'B', null, 'm1', Buffer.from('b0'));
      await store.putCredentials('Hist', 'B', b.timestamp, 'm1', Buffer.from('b1'), note({ maxAgeMs: 10 }));
      assert.deepEqual(await store.listHistory('Hist', 'A', { limit: 10 }), [], 'every version of A went');
      await store.putCredentials('Hist', 'A', a.timestamp, 'm1', Buffer.from('a3'), note());
      assert.deepEqual((await store.listHistory('Hist', 'A', { limit: 10 })).map((v) => v.version), [3], 'after 1 and 2, never 1 again');
      assert.equal(await store.getHistoryVersion('Hist', 'A', 1), undefined, 'version 1 names nothing rather than other content');
      const imported = { version: 1, modifiedAt: Date.now() - 2000, savedAt: Date.now() - 1000, savedBy: 'x (imported)', change: 'set' as const, changedFields: [], msid: 'm1', ciphertext: Buffer.from('old') };
      await store.applyApplicationChanges([{ application: 'Hist', expected: { fields: [field('dummy')] }, rows: [{ op: 'put', identifier: 'C', expectedTimestamp: null, msid: 'm1', ciphertext: Buffer.from('c2'), importedHistory: [imported] }] }]);
      assert.deepEqual((await store.listHistory('Hist', 'C', { limit: 10 })).map((v) => v.version), [2], 'an imported version goes after the numbers C used');
      await store.deleteApplication('Hist');
      await store.createApplication(app('Hist'));
      const again = await store.putCredentials('Hist', 'A', null, 'm1', Buffer.from('new'));
      await store.putCredentials('Hist', 'A', again.timestamp, 'm1', Buffer.from('newer'), note());
      assert.deepEqual((await store.listHistory('Hist', 'A', { limit: 10 })).map((v) => v.version), [1], 'a new application starts again (its history went with the old one)');
    });

    withStore('history: versions older than the age limit go at the next save, in every configuration', async (store) => {
      await store.createApplication(app('Hist'));
      const a = await store.putCredentials('Hist', 'A', null, 'm1', Buffer.from('a0'));
      await store.putCredentials('Hist', 'A', a.timestamp, 'm1', Buffer.from('a1'), note());
      const b = await store.putCredentials('Hist', 'B', null, 'm1', Buffer.from('b0'));
      await new Promise((r) => setTimeout(r, 30));
      await store.putCredentials('Hist', 'B', b.timestamp, 'm1', Buffer.from('b1'), note({ maxAgeMs: 10 }));
      assert.deepEqual(await store.listHistory('Hist', 'A', { limit: 10 }), [], "A's old version went with B's save");
      assert.equal((await store.listHistory('Hist', 'B', { limit: 10 })).length, 1);
    });

    withStore('history: deleting the application deletes its history; rotation counts, lists and re-encrypts kept versions', async (store) => {
      await store.createApplication(app('Hist'));
      await store.createApplication(app('Other'));
      let row = await store.putCredentials('Hist', 'Cfg', null, 'old', Buffer.from('v0'));
      row = await store.putCredentials('Hist', 'Cfg', row.timestamp, 'old', Buffer.from('v1'), note());
      await store.putCredentials('Hist', 'Cfg', row.timestamp, 'cur', Buffer.from('v2'), note());
      const other = await store.putCredentials('Other', 'Cfg', null, 'cur', Buffer.from('o0'));
      await store.putCredentials('Other', 'Cfg', other.timestamp, 'cur', Buffer.from('o1'), note());
      assert.equal(await store.countRowsNotUnder('cur'), 2, 'the two kept versions under "old"; the live rows are current');
      const old = await store.listHistoryNotUnder('cur', 100);
      assert.deepEqual(old.map((h) => [h.application, h.version, h.msid]), [['Hist', 1, 'old'], ['Hist', 2, 'old']]);
      const batch = old.map((h) => ({ application: h.application, identifier: h.identifier, version: h.version, expectedMsid: h.msid, msid: 'cur', ciphertext: Buffer.from(`re${h.version}`) }));
      assert.equal(await store.reencryptHistoryRows([...batch, { ...batch[0]!, expectedMsid: 'gone', ciphertext: Buffer.from('stale') }]), 2, 'a version no longer under the expected msid is skipped');
      assert.equal(await store.countRowsNotUnder('cur'), 0);
      assert.deepEqual((await store.getHistoryVersion('Hist', 'Cfg', 1))!.ciphertext, Buffer.from('re1'));
      await store.deleteApplication('Hist');
      await store.createApplication(app('Hist'));
      assert.deepEqual(await store.listHistory('Hist', 'Cfg', { limit: 10 }), [], 'a new application of the same name starts without history');
      assert.equal((await store.listHistory('Other', 'Cfg', { limit: 10 })).length, 1, 'other applications keep theirs');
    });

    withStore('history: a batch of changes keeps each replaced version it notes, in its transaction; a refused batch keeps none', async (store) => {
      await store.createApplication(app('Batch'));
      const a = await store.putCredentials('Batch', 'A', null, 'm1', Buffer.from('a0'));
      const b = await store.putCredentials('Batch', 'B', null, 'm1', Buffer.from('b0'));
      const premises = async () => {
        const rows = await store.listCredentials('Batch', { limit: 10 });
        const read = (await store.getApplication('Batch'))!;
        return { fields: read.fields.map(({ label, masked }) => ({ label, masked })), rowCount: rows.length, maxTimestamp: rows.map((r) => BigInt(r.timestamp)).reduce((x, y) => (x > y ? x : y)).toString() };
      };
      const stale = { op: 'put' as const, identifier: 'B', expectedTimestamp: '999999', msid: 'm1', ciphertext: Buffer.from('b-lost'), history: note() };
      await expectSsoError(store.applyApplicationChanges([{ application: 'Batch', expected: await premises(), rows: [{ op: 'put', identifier: 'A', expectedTimestamp: a.timestamp, msid: 'm1', ciphertext: Buffer.from('a-lost'), history: note() }, stale] }]), 'ENTSSO_E_CONFLICT');
      assert.deepEqual(await store.listHistory('Batch', 'A', { limit: 10 }), [], 'the refused batch kept nothing');
      await store.applyApplicationChanges([
        {
          application: 'Batch',
          expected: await premises(),
          rows: [
            { op: 'put', identifier: 'a', expectedTimestamp: a.timestamp, msid: 'm2', ciphertext: Buffer.from('a1'), history: note({ changedFields: ['Url'] }) },
            { op: 'put', identifier: 'B', expectedTimestamp: b.timestamp, msid: 'm2', ciphertext: Buffer.from('b1') },
            { op: 'put', identifier: 'C', expectedTimestamp: null, msid: 'm2', ciphertext: Buffer.from('c0'), history: note() },
          ],
        },
      ]);
      const kept = await store.listHistory('Batch', 'A', { limit: 10 });
      assert.deepEqual(kept.map((h) => [h.version, h.changedFields]), [[1, ['Url']]]);
      assert.deepEqual((await store.getHistoryVersion('Batch', 'A', 1))!.ciphertext, Buffer.from('a0'));
      assert.deepEqual(await store.listHistory('Batch', 'B', { limit: 10 }), [], 'a row without a note keeps nothing');
      assert.deepEqual(await store.listHistory('Batch', 'C', { limit: 10 }), [], 'a created row has nothing to keep');
    });

    // ------------------------------------------------------------ durability

    withStore('everything written survives closing and reopening', async (store, fixture) => {
      await store.createApplication(app('Durable', { fields: [field('dummy'), field('Pwd', true)] }));
      const row = await store.putCredentials('Durable', 'ConfigProperties', null, 'm9', Buffer.from('persisted'));
      const info = await store.updateGlobalInfo({ secretServer: 'mss:1', currentMsid: 'm9' });
      await store.appendAudit({ user: 'u', action: 'a', outcome: 'ok' });
      await store.close();

      const reopened = await fixture.open();
      try {
        assert.equal((await reopened.getApplication('Durable'))!.fields.length, 2);
        const read = (await reopened.getCredentials('Durable', 'ConfigProperties'))!;
        assert.deepEqual(read.ciphertext, Buffer.from('persisted'));
        assert.equal(read.timestamp, row.timestamp);
        assert.deepEqual(await reopened.getGlobalInfo(), info);
        assert.equal((await reopened.listAudit({ limit: 10 })).length, 1);
        const next = await reopened.putCredentials('Durable', 'ConfigProperties', row.timestamp, 'm9', Buffer.from('again'));
        assert.ok(BigInt(next.timestamp) > BigInt(info.timestamp), 'the version counter continues after a reopen');
      } finally {
        await reopened.close();
      }
    });
  });
}

// ---------------------------------------------------------------- helpers

export async function expectSsoError(promise: Promise<unknown>, code: SsoErrorCode): Promise<SsoError> {
  const error = await promise.then(
    () => assert.fail(`expected ${code}, but the call succeeded`),
    (e: unknown) => e,
  );
  assert.ok(error instanceof SsoError, `expected an SsoError ${code}, got ${String(error)}`);
  assert.equal(error.code, code, error.message);
  return error;
}

export function app(name: string, overrides: Partial<NewApplication> = {}): NewApplication {
  return {
    name,
    description: `Description of ${name}`,
    contact: 'BizTalkAdmin@contoso.com',
    userGroup: 'BizTalk Application Users',
    adminGroup: 'SSO Administrators',
    flags: AppFlags.configStore | AppFlags.enabled,
    kind: 'configStore',
    fields: [field('dummy')],
    ...overrides,
  };
}

function field(label: string, masked = false): { label: string; masked: boolean } {
  return { label, masked };
}

function byLowerCase(a: string, b: string): number {
  return a.toLowerCase() < b.toLowerCase() ? -1 : a.toLowerCase() > b.toLowerCase() ? 1 : 0;
}

/** A fixed permutation, so that insertion order never equals listing order. */
function shuffled<T>(items: T[]): T[] {
  return items.map((item, i) => ({ item, key: (i * 7919) % 101 })).sort((a, b) => a.key - b.key).map(({ item }) => item);
}
