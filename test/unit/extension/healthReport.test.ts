// Unit tests of the Health view rows.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { HealthReport } from '../../../src/ssoClient/protocol';
import { summarizeReport, summarizeUnreachable, verdictLabel } from '../../../src/model/healthReport';

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
  });
});
