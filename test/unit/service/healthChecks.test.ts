/**
 * The health report's verdicts, from a real SecretCache's state and a stand-in of the two SSODB
 * reads the report makes (ping, global info): the SSODB side of it runs against real stores in
 * test/integration/secretLifecycle.test.ts.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { HealthCheck, MssNodesReport } from '../../../src/protocol/messages';
import { generateMasterSecret } from '../../../src/ssoService/crypto/masterSecret';
import { healthReport, type HealthSources } from '../../../src/ssoService/service/healthChecks';
import { SecretCache } from '../../../src/ssoService/service/secretCache';
import { openStore } from '../../../src/ssoService/ssodb/openStore';
import type { GlobalInfo } from '../../../src/ssoService/ssodb/store';
import { app } from '../ssodb/storeContract';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const DAY_MS = 24 * 60 * 60 * 1000;
const daysAgo = (days: number) => new Date(Date.now() - days * DAY_MS - 60_000).toISOString();
const NODES: MssNodesReport = { nodes: [], lease: { holder: null, expiresAt: new Date(0).toISOString(), ageMs: null, epoch: 0 } };

function readyState(): HealthSources['state'] {
  const cache = new SecretCache(30_000);
  cache.mssName = 'mss01:5780';
  cache.onSynced({ current: generateMasterSecret() });
  return cache.snapshot();
}

function globalInfo(times: Pick<GlobalInfo, 'secretCreatedAt' | 'lastBackupAt' | 'lastVerifiedBackupAt'>): GlobalInfo {
  return { secretServer: 'mss01:5780', adminGroup: 'SSO Administrators', currentMsid: '{A}', previousMsid: null, switchingMsids: null, timestamp: '1', ...times };
}

function sources(info: GlobalInfo | Error, nodes: MssNodesReport | Error = NODES): HealthSources {
  return {
    state: readyState(),
    store: {
      ping: async () => {
        if (info instanceof Error) throw info;
      },
      getGlobalInfo: async () => info as GlobalInfo,
      countRowsBySecret: async () => [],
    },
    mssNodes: async () => {
      if (nodes instanceof Error) throw nodes;
      return nodes;
    },
  };
}

const byId = (checks: HealthCheck[]) => new Map(checks.map((check) => [check.id, check]));

test('a secret older than 30 days asks for a rotation; a backup verified after it was made is ok', async () => {
  const report = await healthReport(sources(globalInfo({ secretCreatedAt: daysAgo(31), lastBackupAt: daysAgo(2), lastVerifiedBackupAt: daysAgo(1) })));
  const checks = byId(report.checks);
  assert.deepEqual([...checks.keys()], ['service', 'mss', 'ssodb', 'secretCoverage', 'secretAge', 'backup']);
  assert.equal(checks.get('secretCoverage')?.verdict, 'ok');
  assert.equal(checks.get('mss')?.verdict, 'ok');
  assert.equal(checks.get('ssodb')?.verdict, 'ok');
  assert.equal(checks.get('secretAge')?.verdict, 'warning');
  assert.match(checks.get('secretAge')!.detail, /31 days old/);
  assert.match(checks.get('secretAge')!.nextStep, /Generate New Master Secret/);
  assert.equal(checks.get('backup')?.verdict, 'ok');
  assert.deepEqual(report.mssNodes, NODES);
});

test('a secret of 30 days is ok; a backup taken but never verified is a warning, one older than the secret an error', async () => {
  const unverified = byId((await healthReport(sources(globalInfo({ secretCreatedAt: daysAgo(30), lastBackupAt: daysAgo(1), lastVerifiedBackupAt: null })))).checks);
  assert.equal(unverified.get('secretAge')?.verdict, 'ok');
  assert.equal(unverified.get('backup')?.verdict, 'warning');
  assert.match(unverified.get('backup')!.nextStep, /Verify Master Secret Backup/);
  const stale = byId((await healthReport(sources(globalInfo({ secretCreatedAt: daysAgo(1), lastBackupAt: daysAgo(5), lastVerifiedBackupAt: daysAgo(5) })))).checks);
  assert.equal(stale.get('backup')?.verdict, 'error');
  assert.match(stale.get('backup')!.nextStep, /Back Up Master Secret/);
  const untracked = byId((await healthReport(sources(globalInfo({ secretCreatedAt: null, lastBackupAt: null, lastVerifiedBackupAt: null })))).checks);
  assert.equal(untracked.get('secretAge')?.verdict, 'warning');
  assert.equal(untracked.get('backup')?.verdict, 'error');
});

test('an SSODB that does not answer is an error with its message and a next step; the secret checks are left out, the report still comes', async () => {
  const report = await healthReport(sources(new Error('The SSO database file is locked.'), new Error('no lease row')));
  const checks = byId(report.checks);
  assert.deepEqual([...checks.keys()], ['service', 'mss', 'ssodb']);
  assert.equal(checks.get('ssodb')?.verdict, 'error');
  assert.equal(checks.get('ssodb')?.detail, 'The SSO database file is locked.');
  assert.match(checks.get('ssodb')!.nextStep, /available to the SSO service/);
  assert.equal(report.mssNodes, undefined);
});

test('configurations under a secret the MSS no longer holds (a real SSODB file): an error naming it and the backup to restore; under the previous one: a warning unless re-encrypting', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'health-coverage-'));
  const store = await openStore({ kind: 'sqlite', file: join(dir, 'SSODB.sqlite') });
  try {
    const [current, previous, lost] = ['{00000000-0000-0000-0000-00000000000C}', '{00000000-0000-0000-0000-00000000000B}', '{00000000-0000-0000-0000-00000000000A}'];
    await store.updateGlobalInfo({ currentMsid: current, previousMsid: previous });
    await store.createApplication(app('Coverage'));
    await store.putCredentials('Coverage', 'now', null, current, Buffer.from('c'));
    const report = async (state = readyState()) => byId((await healthReport({ state, store, mssNodes: async () => NODES })).checks).get('secretCoverage');
    assert.equal((await report())?.verdict, 'ok');

    await store.putCredentials('Coverage', 'before', null, previous, Buffer.from('p'));
    const left = await report();
    assert.equal(left?.verdict, 'warning');
    assert.match(left!.detail, /^1 configuration\(s\) or kept version\(s\) are still under the previous master secret/);
    const reencrypting = { ...readyState(), state: 'reencrypting' as const };
    assert.equal((await report(reencrypting))?.verdict, 'ok', 'while re-encrypting, rows under the previous secret are expected');

    // Written while SSODB named that secret (SSODB refuses values under a secret it does not name), then a restore dropped it.
    await store.updateGlobalInfo({ currentMsid: lost, previousMsid: null });
    await store.putCredentials('Coverage', 'older', null, lost, Buffer.from('l'));
    await store.putCredentials('Coverage', 'older2', null, lost, Buffer.from('l'));
    await store.updateGlobalInfo({ currentMsid: current, previousMsid: previous });
    const unreadable = await report(reencrypting);
    assert.equal(unreadable?.verdict, 'error');
    assert.match(unreadable!.detail, new RegExp(`^2 configuration\\(s\\) or kept version\\(s\\) are encrypted under master secret \\${lost.slice(0, -1)}\\}`));
    assert.match(unreadable!.nextStep, /Restore Master Secret…/);
    assert.ok(unreadable!.nextStep.includes(lost) && unreadable!.nextStep.includes(current));
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a count of configurations per secret that fails is a warning of its own: the SSO database check and the secret checks stay', async () => {
  const failing = sources(globalInfo({ secretCreatedAt: daysAgo(1), lastBackupAt: daysAgo(1), lastVerifiedBackupAt: daysAgo(1) }));
  failing.store.countRowsBySecret = async () => {
    throw new Error('The SSO database is busy.');
  };
  const checks = byId((await healthReport(failing)).checks);
  assert.deepEqual([...checks.keys()], ['service', 'mss', 'ssodb', 'secretCoverage', 'secretAge', 'backup']);
  assert.equal(checks.get('ssodb')?.verdict, 'ok');
  assert.equal(checks.get('secretCoverage')?.verdict, 'warning');
  assert.match(checks.get('secretCoverage')!.detail, /The SSO database is busy/);
});

test('a restore intent left in SSODB (review 9, finding 7): the SSO database check is a warning that names the secrets still written and what to do', async () => {
  const info = { ...globalInfo({ secretCreatedAt: daysAgo(1), lastBackupAt: daysAgo(0), lastVerifiedBackupAt: daysAgo(0) }), switchingMsids: '{R} {P}' };
  const ssodb = (await healthReport(sources(info))).checks.find((c: HealthCheck) => c.id === 'ssodb');
  assert.equal(ssodb?.verdict, 'warning');
  assert.match(ssodb?.detail ?? '', /A master secret restore is in progress: .* only under \{R\} or \{P\}, and other saves are refused\./);
  assert.match(ssodb?.nextStep ?? '', /active master secret server runs and reaches the SSO database/);
  const clear = (await healthReport(sources({ ...info, switchingMsids: null }))).checks.find((c: HealthCheck) => c.id === 'ssodb');
  assert.equal(clear?.verdict, 'ok');
});
