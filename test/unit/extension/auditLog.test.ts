/** The Audit Log view's model: the one-line filter, and how an entry is named and where it leads. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { auditEntryDescription, auditEntryLabel, auditEntryTarget, parseAuditFilter, retentionText } from '../../../src/model/auditLog';
import type { AuditEntry } from '../../../src/protocol/messages';

const NOW = new Date('2026-12-06T22:00:00.000Z');
const entry = (e: Partial<AuditEntry>): AuditEntry => ({ id: 1, at: '2026-12-06T21:00:00.000Z', user: 'alice via code', action: 'config.set', outcome: 'ok', ...e });

describe('audit filter line', () => {
  it('free words are the text; op/who/outcome/since/until are criteria', () => {
    assert.deepEqual(parseAuditFilter('  ConfigProperties  sql01 op:config who:Alice outcome:REFUSED ', NOW), {
      filter: { operation: 'config', user: 'Alice', outcome: 'refused', text: 'ConfigProperties sql01' },
    });
    assert.deepEqual(parseAuditFilter('', NOW), { filter: {} });
  });

  it('since/until take an age (m, h, d), a local date or a time', () => {
    assert.equal(parseAuditFilter('since:24h', NOW).filter?.from, '2026-12-05T22:00:00.000Z');
    assert.equal(parseAuditFilter('since:30m', NOW).filter?.from, '2026-12-06T21:30:00.000Z');
    assert.equal(parseAuditFilter('until:2026-12-01T10:00Z', NOW).filter?.until, '2026-12-01T10:00:00.000Z');
    assert.equal(parseAuditFilter('since:2026-12-01', NOW).filter?.from, new Date(2026, 11, 1).toISOString(), 'a date is local midnight');
  });

  it('says what is wrong and what to write instead', () => {
    assert.match(parseAuditFilter('op:config.*', NOW).error ?? '', /op:config\.set/);
    assert.match(parseAuditFilter('since:yesterday', NOW).error ?? '', /30m, 24h, 7d/);
    assert.match(parseAuditFilter('outcome:maybe', NOW).error ?? '', /ok, refused, failed/);
    assert.match(parseAuditFilter('who:', NOW).error ?? '', /after "who:"/);
    assert.match(parseAuditFilter('since:1d until:2d', NOW).error ?? '', /before/);
    assert.deepEqual(parseAuditFilter('http://host', NOW), { filter: { text: 'http://host' } }, 'an unknown key is text');
  });
});

describe('audit entries', () => {
  it('lead to their configuration, or to the version a history entry names', () => {
    assert.deepEqual(auditEntryTarget(entry({ application: 'A', identifier: 'P' })), { application: 'A', identifier: 'P' });
    assert.deepEqual(auditEntryTarget(entry({ action: 'history.reveal', application: 'A', identifier: 'P', detail: 'version 3' })), { application: 'A', identifier: 'P', version: 3 });
    assert.deepEqual(auditEntryTarget(entry({ action: 'config.set', application: 'A', identifier: 'P', detail: 'version 3' })), { application: 'A', identifier: 'P' }, 'only history entries name versions');
    assert.equal(auditEntryTarget(entry({ action: 'app.create', application: 'A' })), undefined);
  });

  it('say what, on which, how it ended, who and when', () => {
    assert.equal(auditEntryLabel(entry({ application: 'A', identifier: 'P' })), 'config.set · A › P');
    assert.equal(auditEntryLabel(entry({ action: 'secret.backup' })), 'secret.backup');
    assert.equal(auditEntryDescription(entry({ outcome: 'refused' }), () => '21:00:00'), 'refused · alice via code · 21:00:00');
    assert.equal(auditEntryDescription(entry({}), () => '21:00:00'), 'alice via code · 21:00:00');
    assert.equal(retentionText({ maxRows: 100_000, maxAgeDays: 365 }), 'kept: 100,000 entries, 365 days');
  });
});
