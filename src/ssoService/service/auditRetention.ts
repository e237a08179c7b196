/**
 * How long the SSO service keeps its audit, from `environment.json` ("audit": {"maxRows",
 * "maxAgeDays"}) or `ssoctl serve --audit-max-rows N --audit-max-age-days D`, and the periodic
 * sweep that applies it to rows nobody writes next to (age) or that a lowered limit left over.
 * Every audit write also prunes a few rows in its own transaction (SsoStore.appendAudit).
 */
import { SsoError } from '../../protocol/errors';
import type { AuditRetention, SsoStore } from '../ssodb/store';

export const DEFAULT_AUDIT_MAX_ROWS = 100_000;
export const DEFAULT_AUDIT_MAX_AGE_DAYS = 365;
const MIN_AUDIT_ROWS = 10;
const MAX_AUDIT_ROWS = 1_000_000_000;
const MAX_AUDIT_AGE_DAYS = 36_500;
const DAY_MS = 24 * 60 * 60 * 1000;

/** Rows deleted per transaction by the sweep, and transactions per sweep (its work is bounded). */
const SWEEP_BATCH_ROWS = 1000;
const SWEEP_MAX_BATCHES = 1000;
const AUDIT_SWEEP_INTERVAL_MS = 10 * 60 * 1000;

export interface AuditSettings {
  maxRows?: number;
  maxAgeDays?: number;
}

/** The retention from the environment's settings, each overridden by a serve flag when given. */
export function auditRetention(settings: AuditSettings | undefined, overrides: AuditSettings = {}): AuditRetention {
  const maxRows = overrides.maxRows ?? settings?.maxRows ?? DEFAULT_AUDIT_MAX_ROWS;
  const maxAgeDays = overrides.maxAgeDays ?? settings?.maxAgeDays ?? DEFAULT_AUDIT_MAX_AGE_DAYS;
  if (typeof maxRows !== 'number' || !Number.isInteger(maxRows) || maxRows < MIN_AUDIT_ROWS || maxRows > MAX_AUDIT_ROWS) {
    throw invalidSetting(`The audit's maxRows (--audit-max-rows) must be a whole number from ${MIN_AUDIT_ROWS} to ${MAX_AUDIT_ROWS}; it is ${String(maxRows)}.`);
  }
  if (typeof maxAgeDays !== 'number' || !(maxAgeDays > 0) || maxAgeDays > MAX_AUDIT_AGE_DAYS) {
    throw invalidSetting(`The audit's maxAgeDays (--audit-max-age-days) must be a number of days above 0 and at most ${MAX_AUDIT_AGE_DAYS}; it is ${String(maxAgeDays)}.`);
  }
  return { maxRows, maxAgeMs: maxAgeDays * DAY_MS };
}

function invalidSetting(message: string): SsoError {
  return new SsoError('ENTSSO_E_INVALID_REQUEST', `${message} Fix "audit" in environment.json or the serve option.`);
}

/** Applies the retention at start and every AUDIT_SWEEP_INTERVAL_MS, in short transactions. */
export class AuditSweeper {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;

  constructor(
    private readonly store: SsoStore,
    private readonly retention: AuditRetention,
    private readonly log: (message: string) => void,
    private readonly intervalMs = AUDIT_SWEEP_INTERVAL_MS,
  ) {}

  start(): void {
    this.sweepSoon();
    this.timer = setInterval(() => this.sweepSoon(), this.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.running;
  }

  private sweepSoon(): void {
    this.running ??= this.sweep().finally(() => {
      this.running = undefined;
    });
  }

  private async sweep(): Promise<void> {
    let deleted = 0;
    try {
      for (let batch = 0; batch < SWEEP_MAX_BATCHES && !this.stopped; batch++) {
        const n = await this.store.pruneAudit(this.retention, SWEEP_BATCH_ROWS);
        deleted += n;
        if (n < SWEEP_BATCH_ROWS) break;
      }
    } catch (err) {
      this.log(`audit retention: the sweep stopped (${err instanceof SsoError ? err.code : 'unexpected error'}); it runs again in ${Math.round(this.intervalMs / 60_000)} min`);
    }
    if (deleted > 0) this.log(`audit retention: deleted ${deleted} row(s) beyond ${this.retention.maxRows} rows or ${Math.round(this.retention.maxAgeMs / DAY_MS * 100) / 100} days`);
  }
}
