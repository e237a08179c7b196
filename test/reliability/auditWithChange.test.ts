/**
 * A save's audit row is written in the save's own transaction (issue 16): one durable commit
 * instead of two, and a change is never without its audit row. So are the rows of every other
 * change: a configuration deleted, an application created, enabled or disabled, its fields
 * changed, deleted, an import, a copy (config.setMany); a restore of a kept version is a save. Shown with the audit file held
 * by another process's lock (a live owner, so never broken): the save still goes through at
 * once, its row is not lost but appears once the audit file is free, also when the service is
 * killed before it could move the row; reveals stay refused while nothing can be audited.
 * Real MSS and service processes, real SQLite files.
 */
import assert from 'node:assert/strict';
import { symlinkSync, unlinkSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import type { SsoClient } from '../../src/ssoClient/client';
import { SsoError } from '../../src/protocol/errors';
import type { AuditEntry } from '../../src/protocol/messages';
import { sideFileFor } from '../../src/ssoService/ssodb/sideFiles';
import { OWN_LOCK_TARGET, SYMLINK_LOCKS } from '../../src/ssoService/ssodb/symlinkLock';
import { TestEnvironment } from '../integration/harness';

const PASSWORD = 'correct horse battery staple 42';
const skip = SYMLINK_LOCKS ? false : 'the lock is a directory on Windows; this test holds it as a symbolic link';

async function configSets(c: SsoClient): Promise<AuditEntry[]> {
  const page = await c.request('audit.list', { limit: 500, filter: { operation: 'config.set' } });
  return page.items;
}

describe('audit row of a save: in the save\'s transaction', { skip }, () => {
  let t: TestEnvironment;
  let c: SsoClient;
  let auditLock: string;
  let held = false;

  /** Takes the audit file's lock as this (live) test process: the service can neither write nor break it. */
  const holdAuditFile = (): void => {
    symlinkSync(OWN_LOCK_TARGET, auditLock);
    held = true;
  };
  const freeAuditFile = (): void => {
    if (held) unlinkSync(auditLock);
    held = false;
  };

  before(async () => {
    t = await TestEnvironment.started();
    auditLock = `${sideFileFor(t.ssodbFile, 'audit')}.lock`;
    c = await t.client();
    await c.request('apps.create', { name: 'Atomic', kind: 'configStore', fields: [{ label: 'A', masked: false }, { label: 'Secret', masked: true }] });
  });
  after(async () => {
    freeAuditFile();
    await t.dispose();
  });

  test('with the audit file locked a save goes through and its row appears once the file is free; a reveal is refused meanwhile', async () => {
    holdAuditFile();
    const saved = await c.request('config.set', { application: 'Atomic', identifier: 'while-locked', fields: { A: 'one', Secret: 's' }, expectedTimestamp: null });
    assert.ok(saved.timestamp, 'the save was made');
    // Fail-closed is unchanged: nothing that must be audited happens without its row.
    await assert.rejects(c.request('config.get', { application: 'Atomic', identifier: 'while-locked', reveal: true }), (err: unknown) => {
      assert.ok(err instanceof SsoError);
      assert.equal(err.code, 'ENTSSO_E_AUDIT_FAILED');
      return true;
    });
    freeAuditFile();
    const rows = (await configSets(c)).filter((r) => r.identifier === 'while-locked');
    assert.equal(rows.length, 1, `exactly one audit row for the save: ${JSON.stringify(rows)}`);
    assert.equal(rows[0]!.outcome, 'ok');
    assert.deepEqual(rows[0]!.fields, ['A', 'Secret']);
    assert.ok(!t.service!.log.some((l) => /config\.set/.test(l) && /could not be written/.test(l)), `no config.set row reported lost:\n${t.service!.log.join('\n')}`);
  });

  test('a refused save writes no change row: only its refusal', async () => {
    const before = (await configSets(c)).length;
    await assert.rejects(c.request('config.set', { application: 'Atomic', identifier: 'while-locked', fields: { A: 'stale' }, expectedTimestamp: '1' }));
    const all = await configSets(c);
    // Newest first: the rows this save added.
    assert.deepEqual(
      all.slice(0, all.length - before).map((r) => r.outcome),
      ['refused'],
    );
  });

  test('every other change goes through with the audit file locked; its rows survive a kill and appear at the next start', async () => {
    await c.request('apps.create', { name: 'Moved', kind: 'configStore', fields: [{ label: 'A', masked: false }] });
    await c.request('config.set', { application: 'Moved', identifier: 'kept', fields: { A: 'moved' }, expectedTimestamp: null });
    const exported = await c.request('apps.export', { names: ['Moved'], format: 'entsso', password: PASSWORD });
    const since = (await c.request('audit.list', { limit: 1 })).items[0]!.id;

    const logFrom = t.service!.log.length;
    holdAuditFile();
    await c.request('apps.create', { name: 'Every', kind: 'configStore', fields: [{ label: 'A', masked: false }] });
    const one = await c.request('config.set', { application: 'Every', identifier: 'one', fields: { A: '1' }, expectedTimestamp: null });
    await c.request('apps.setEnabled', { name: 'Every', enabled: false });
    await c.request('apps.addField', { name: 'Every', fields: [{ label: 'B', masked: false }] });
    const removed = await c.request('apps.removeField', { name: 'Every', fields: ['B'] });
    await c.request('config.setMany', { application: 'Every', expectedFieldsVersion: removed.fieldsVersion!, writes: [{ identifier: 'two', expectedTimestamp: null, fields: { A: '2' } }, { identifier: 'three', expectedTimestamp: null, fields: { A: '3' } }] });
    await c.request('config.delete', { application: 'Every', identifier: 'one', expectedTimestamp: one.timestamp });
    await c.request('apps.delete', { name: 'Moved' });
    const source = { file: exported.file, format: 'entsso' as const, password: PASSWORD, mode: 'add' as const };
    await c.request('apps.import', { ...source, expected: (await c.request('apps.planImport', source)).expected });
    await c.request('apps.delete', { name: 'Every' });
    const lost = t.service!.log.slice(logFrom).filter((l) => /could not be written/.test(l));
    // Killed with every row still staged in the data file, the audit file still locked.
    await t.service!.kill('SIGKILL');
    freeAuditFile();
    await t.startService();
    c = await t.client();

    const rows = (await c.request('audit.list', { limit: 100 })).items.filter((r) => r.id > since).reverse();
    assert.deepEqual(rows.map((r) => `${r.action} ${r.application}${r.identifier ? `/${r.identifier}` : ''} ${r.outcome}`), [
      'app.create Every ok',
      'config.set Every/one ok',
      'app.disable Every ok',
      'app.addField Every ok',
      'app.removeField Every ok',
      'config.set Every/two ok',
      'config.set Every/three ok',
      'config.delete Every/one ok',
      'app.delete Moved ok',
      'app.import Moved ok',
      'app.delete Every ok',
    ]);
    assert.deepEqual(lost, [], 'no audit row reported lost');
  });

  test('a row staged by a service killed before it could move it is moved by the next start', async () => {
    holdAuditFile();
    await c.request('config.set', { application: 'Atomic', identifier: 'before-kill', fields: { A: 'two' }, expectedTimestamp: null });
    await t.service!.kill('SIGKILL');
    freeAuditFile();
    await t.startService();
    c = await t.client();
    const rows = (await configSets(c)).filter((r) => r.identifier === 'before-kill');
    assert.equal(rows.length, 1, `the killed service's save kept its audit row: ${JSON.stringify(rows)}`);
  });
});
