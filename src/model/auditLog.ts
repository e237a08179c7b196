/**
 * The Audit Log view's model: the filter people type in one line (free text plus `op:`, `who:`,
 * `outcome:`, `since:`, `until:`), turned into the service's AuditFilter, and how an entry is
 * named, described and where it leads (its configuration, or the kept version it names).
 * No `vscode` import: unit-tested with node:test.
 */
import * as l10n from '@vscode/l10n';
import type { AuditEntry, AuditFilter } from '../protocol/messages';
import { configurationName } from './applicationList';

/** What the filter box accepts (looked up when shown, after activation loaded the bundle). */
export function auditFilterHelp(): string {
  return l10n.t('Text to find, plus any of op:config.set (or op:config), who:alice, outcome:refused, since:24h (m, h, d or a date), until:2026-12-01');
}

const OUTCOMES: readonly AuditEntry['outcome'][] = ['ok', 'refused', 'failed'];
const KEYS: Record<string, 'operation' | 'user' | 'outcome' | 'from' | 'until'> = {
  op: 'operation',
  operation: 'operation',
  who: 'user',
  user: 'user',
  outcome: 'outcome',
  since: 'from',
  from: 'from',
  until: 'until',
};
const UNIT_MS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000 };
const OPERATION = /^[A-Za-z][A-Za-z0-9]*(\.[A-Za-z][A-Za-z0-9]*)*$/;

type ParsedAuditFilter = { filter: AuditFilter; error?: undefined } | { error: string; filter?: undefined };

/** "sql01 op:config who:bob since:7d" → { text: 'sql01', operation: 'config', user: 'bob', from: … }. */
export function parseAuditFilter(query: string, now: Date): ParsedAuditFilter {
  const filter: AuditFilter = {};
  const words: string[] = [];
  for (const word of query.trim().split(/\s+/).filter(Boolean)) {
    const match = /^([a-z]+):(.*)$/i.exec(word);
    const key = match ? KEYS[match[1]!.toLowerCase()] : undefined;
    if (!match || !key) {
      words.push(word);
      continue;
    }
    const problem = setCriterion(filter, key, match[2]!, now);
    if (problem) return { error: problem };
  }
  if (words.length > 0) filter.text = words.join(' ');
  if (filter.from && filter.until && filter.from >= filter.until) return { error: l10n.t('"since:" must be before "until:".') };
  return { filter };
}

function setCriterion(filter: AuditFilter, key: (typeof KEYS)[string], value: string, now: Date): string | undefined {
  if (!value) return l10n.t('Give a value after "{0}:".', key === 'user' ? 'who' : key === 'operation' ? 'op' : key === 'from' ? 'since' : key);
  switch (key) {
    case 'operation':
      if (!OPERATION.test(value)) return l10n.t('"op:{0}" is not an operation: write one such as op:config.set, or a family such as op:config.', value);
      filter.operation = value;
      return undefined;
    case 'user':
      filter.user = value;
      return undefined;
    case 'outcome':
      if (!OUTCOMES.includes(value.toLowerCase() as AuditEntry['outcome'])) return l10n.t('"outcome:" is one of {0}.', OUTCOMES.join(', '));
      filter.outcome = value.toLowerCase() as AuditEntry['outcome'];
      return undefined;
    case 'from':
    case 'until': {
      const time = parseTime(value, now);
      if (!time) return l10n.t('"{0}" is not a time: write 30m, 24h, 7d (ago), a date such as 2026-12-01 or a time such as 2026-12-01T14:30.', value);
      filter[key] = time.toISOString();
      return undefined;
    }
  }
}

/** 30m / 24h / 7d ago, a local date (midnight) or a local date and time; an explicit zone is kept. */
function parseTime(value: string, now: Date): Date | undefined {
  const ago = /^(\d{1,5})([mhd])$/i.exec(value);
  if (ago) return new Date(now.getTime() - Number(ago[1]) * UNIT_MS[ago[2]!.toLowerCase()]!);
  const date = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (date) return validDate(new Date(Number(date[1]), Number(date[2]) - 1, Number(date[3])));
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?$/.test(value)) return undefined;
  return validDate(new Date(value));
}

function validDate(date: Date): Date | undefined {
  return Number.isNaN(date.getTime()) ? undefined : date;
}

export function isFiltering(filter: AuditFilter | undefined): boolean {
  return filter !== undefined && Object.values(filter).some((value) => value !== undefined && value !== '');
}

/** Where an entry leads: its configuration, or the kept version a history entry names. */
interface AuditEntryTarget {
  application: string;
  identifier: string;
  version?: number;
}

export function auditEntryTarget(entry: AuditEntry): AuditEntryTarget | undefined {
  if (entry.application === undefined || entry.identifier === undefined) return undefined;
  const version = entry.action.startsWith('history.') ? /^version (\d{1,9})$/.exec(entry.detail ?? '')?.[1] : undefined;
  return version ? { application: entry.application, identifier: entry.identifier, version: Number(version) } : { application: entry.application, identifier: entry.identifier };
}

/** "config.set · Contoso.OrderService › ConfigProperties" (what, on which). */
export function auditEntryLabel(entry: AuditEntry): string {
  const on = entry.identifier !== undefined && entry.application !== undefined
    ? configurationName({ name: entry.application, description: '' }, { identifier: entry.identifier })
    : entry.application;
  return on ? `${entry.action} · ${on}` : entry.action;
}

/** "refused · bob via ssoctl · 22:41:03" (how it ended when not ok, who, when). */
export function auditEntryDescription(entry: AuditEntry, formatTime: (iso: string) => string): string {
  return [entry.outcome === 'ok' ? undefined : entry.outcome, entry.user, formatTime(entry.at)].filter(Boolean).join(' · ');
}

/** Every recorded detail of an entry, one per line (names only: the audit holds no value). */
export function auditEntryDetails(entry: AuditEntry, formatTime: (iso: string) => string): string[] {
  const target = auditEntryTarget(entry);
  return [
    `${entry.action}: ${entry.outcome}`,
    l10n.t('When: {0} ({1})', formatTime(entry.at), entry.at),
    l10n.t('Who: {0}', entry.user),
    ...(entry.application !== undefined ? [l10n.t('Application: {0}', entry.application)] : []),
    ...(entry.identifier !== undefined ? [l10n.t('Configuration: {0}', entry.identifier)] : []),
    ...(entry.fields?.length ? [l10n.t('Fields: {0}', entry.fields.join(', '))] : []),
    ...(entry.detail ? [l10n.t('Detail: {0}', entry.detail)] : []),
    ...(target ? [target.version !== undefined ? l10n.t('Click to open version {0}.', target.version) : l10n.t('Click to open the configuration.')] : []),
  ];
}

/** "kept: 100,000 entries, 365 days" (the service's retention, for the view's description). */
export function retentionText(retention: { maxRows: number; maxAgeDays: number } | undefined): string {
  if (!retention) return '';
  return l10n.t('kept: {0} entries, {1} days', retention.maxRows.toLocaleString('en-US'), retention.maxAgeDays.toLocaleString('en-US'));
}
