// Unit tests of the Health view rows.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { HealthReport } from '../../../src/protocol/messages';
import { localTimes, nextStepAction, summarizeReport, summarizeUnreachable, verdictLabel, type HealthRow } from '../../../src/model/healthReport';

describe('health summary', () => {
  const now = new Date('2025-11-27T10:00:00');
  test('rows in a fixed order, worst verdict first in the headline', () => {
    const report = {
      at: new Date('2025-11-27T09:59:58').toISOString(),
      state: {} as HealthReport['state'],
      checks: [
        { id: 'backup', title: 'Master secret backup', verdict: 'error', detail: 'No backup.', nextStep: 'Back it up.' },
        { id: 'service', title: 'SSO service', verdict: 'ok', detail: 'Answers.', nextStep: '' },
        { id: 'mss', title: 'Master secret server', verdict: 'warning', detail: 'Unreachable.', nextStep: 'Start it.' },
      ],
    } as HealthReport;
    const s = summarizeReport('dev', report, now);
    assert.deepEqual(s.rows.map((r) => r.id), ['service', 'mss', 'backup']);
    assert.equal(s.verdict, 'error');
    assert.equal(s.headline, 'dev: has problems (checked 09:59:58)');
  });

  test('service unreachable: the first check fails with the reason, the others are not checked', () => {
    const s = summarizeUnreachable('dev', '/s.sock', 'No SSO service is listening at /s.sock.', now);
    assert.equal(s.rows[0]!.verdict, 'error');
    assert.match(s.rows[0]!.nextStep, /ssoctl serve/);
    assert.ok(s.rows.slice(1).every((r) => r.verdict === 'unknown'));
    assert.equal(verdictLabel('unknown'), 'Not checked');
    // The view shows "<verdict>: <detail>": the detail does not say "Not checked" again (review 12, F6).
    for (const r of s.rows.slice(1)) assert.doesNotMatch(r.detail, /not checked/i);
  });

  test('Enterprise SSO unreachable: the next step names the ENTSSO service and the group, not ssoctl', () => {
    const s = summarizeUnreachable('This machine', '', 'The ENTSSO bridge process ended.', now, 'entsso');
    assert.match(s.rows[0]!.nextStep, /Enterprise SSO service \(ENTSSOSvc\).*SSO Administrators/);
    assert.doesNotMatch(s.rows[0]!.nextStep, /ssoctl/);
  });
});

test('with several MSS nodes, the health view lists each: active with its lease, standby, or silent', async () => {
  const { mssNodeRows } = await import('../../../src/model/healthReport');
  const now = new Date('2026-11-27T12:00:00Z');
  const base = { at: now.toISOString(), state: {} as never, checks: [] };
  const nodes = {
    lease: { holder: 'mss1:5780', expiresAt: '2026-11-27T12:00:04Z', ageMs: 42_000, epoch: 3 },
    nodes: [
      { name: 'mss1:5780', role: 'active' as const, lastSeenAt: '2026-11-27T11:59:58Z', lastTakeoverAt: '2026-11-27T11:59:18Z', holdsLease: true },
      { name: 'mss2:5781', role: 'standby' as const, lastSeenAt: '2026-11-27T11:59:59Z', lastTakeoverAt: null, holdsLease: false },
      { name: 'mss3:5782', role: 'standby' as const, lastSeenAt: '2026-11-27T11:58:00Z', lastTakeoverAt: null, holdsLease: false },
    ],
  };
  const rows = mssNodeRows({ ...base, mssNodes: nodes }, now);
  assert.deepEqual(rows.map((r) => [r.title, r.verdict]), [
    ['MSS node mss1:5780', 'ok'],
    ['MSS node mss2:5781', 'ok'],
    ['MSS node mss3:5782', 'warning'],
  ]);
  assert.match(rows[0]!.detail, /^active, lease held 42 s, last took over/);
  assert.equal(rows[1]!.detail, 'standby');
  assert.match(rows[2]!.detail, /^not seen since/);
  assert.match(rows[2]!.nextStep, /Start the master secret server node mss3:5782/);
  assert.deepEqual(mssNodeRows({ ...base, mssNodes: { ...nodes, nodes: nodes.nodes.slice(0, 1) } }, now), [], 'one node: nothing more than the MSS check');
});

describe('health details and next steps', () => {
  const now = new Date('2025-11-27T10:00:00');
  test('UTC instants in details are shown in local time, other text untouched', () => {
    const at = new Date('2025-11-27T09:15:30');
    const said = localTimes(`last synchronised ${at.toISOString()}; backup 2025-11-27`, now);
    assert.equal(said, 'last synchronised 09:15:30; backup 2025-11-27');
  });

  test('a next step naming a command runs it; MSS start only for a local environment', () => {
    const row = (id: string, verdict: HealthRow['verdict'], nextStep: string): HealthRow => ({ id, title: id, verdict, detail: '', nextStep });
    assert.deepEqual(nextStepAction(row('backup', 'error', 'Run "SSO: Back Up Master Secret…" and keep it safe.'), {}), { command: 'entsso.backupSecret', title: 'Back Up Master Secret…' });
    assert.deepEqual(nextStepAction(row('secretCoverage', 'error', 'Run "SSO: Restore Master Secret…" with a backup that holds both.'), {}), { command: 'entsso.restoreSecret', title: 'Restore Master Secret…' });
    assert.equal(nextStepAction(row('backup', 'ok', ''), {}), undefined);
    assert.equal(nextStepAction(row('mss', 'error', 'Start the master secret server x.'), {}), undefined);
    assert.equal(nextStepAction(row('mss', 'error', 'Start the master secret server x.'), { localEnvironment: true })?.command, 'entsso.startLocalMss');
  });
});
