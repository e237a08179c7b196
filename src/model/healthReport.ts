/**
 * The rows of the Health view, from the service's `health` report, or, when the service
 * cannot be asked, from what the extension knows about the connection.
 * No `vscode` import: unit-tested with node:test.
 */
import * as l10n from '@vscode/l10n';
import type { HealthCheck, HealthReport } from '../protocol/messages';
import { formatTime } from './serviceStatus';

export type Verdict = HealthCheck['verdict'] | 'unknown';

export interface HealthRow {
  id: string;
  title: string;
  verdict: Verdict;
  /** Short text next to the title. */
  detail: string;
  /** What to do; empty when nothing. */
  nextStep: string;
  /** The command that does the next step, when one does: the next-step row runs it on click. */
  action?: HealthAction;
}

interface HealthAction {
  command: string;
  title: string;
}

interface HealthContext {
  /** The environment's MSS can be started from VS Code ("SSO: Start Local Master Secret Server"). */
  localEnvironment?: boolean;
}

export interface HealthSummary {
  /** First row: when it was checked and the overall verdict. */
  headline: string;
  verdict: Verdict;
  rows: HealthRow[];
}

const ORDER: HealthCheck['id'][] = ['service', 'mss', 'ssodb', 'secretCoverage', 'secretAge', 'backup'];

export function summarizeReport(environment: string, report: HealthReport, now: Date, context: HealthContext = {}): HealthSummary {
  const rows: HealthRow[] = [...report.checks]
    .sort((a, b) => ORDER.indexOf(a.id) - ORDER.indexOf(b.id))
    .map((c) => withAction({ id: c.id, title: c.title, verdict: c.verdict, detail: localTimes(c.detail, now), nextStep: c.nextStep }, context));
  const mssAt = rows.findIndex((r) => r.id === 'mss');
  rows.splice(mssAt + 1, 0, ...mssNodeRows(report, now));
  const verdict = worst(rows.map((r) => r.verdict));
  return { headline: headline(environment, verdict, formatTime(report.at, now)), verdict, rows };
}

const ISO_INSTANT = /\b\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})/g;

/** The service writes instants in UTC (ISO 8601); people read them in their own time zone. */
export function localTimes(text: string, now: Date): string {
  return text.replace(ISO_INSTANT, (iso) => formatTime(iso, now));
}

/** Commands named in a next step ("Run \"SSO: Back Up Master Secret…\""), by their palette titles. */
const COMMANDS_BY_TITLE: Record<string, string> = {
  'SSO: Back Up Master Secret…': 'entsso.backupSecret',
  'SSO: Verify Master Secret Backup…': 'entsso.verifySecretBackup',
  'SSO: Generate New Master Secret…': 'entsso.generateSecret',
  'SSO: Restore Master Secret…': 'entsso.restoreSecret',
};

/** The command that does a row's next step, if one does. */
export function nextStepAction(row: HealthRow, context: HealthContext): HealthAction | undefined {
  if (!row.nextStep) return undefined;
  for (const [title, command] of Object.entries(COMMANDS_BY_TITLE)) {
    if (row.nextStep.includes(title)) return { command, title: title.replace(/^SSO: /, '') };
  }
  if (row.id === 'mss' && row.verdict !== 'ok' && context.localEnvironment) return { command: 'entsso.startLocalMss', title: l10n.t('Start Local Master Secret Server') };
  if (row.id === 'service' && row.verdict === 'error') return { command: 'entsso.retryConnection', title: l10n.t('Retry Connection') };
  return undefined;
}

function withAction(row: HealthRow, context: HealthContext): HealthRow {
  const action = nextStepAction(row, context);
  return action ? { ...row, action } : row;
}

/** A node not seen for this long is probably down (nodes record themselves every few seconds). */
const NODE_SILENT_MS = 30_000;

/** With several master secret server nodes (high availability), one row per node. */
export function mssNodeRows(report: HealthReport, now: Date): HealthRow[] {
  const nodes = report.mssNodes?.nodes ?? [];
  if (nodes.length < 2) return [];
  return nodes.map((n) => {
    const silentMs = now.getTime() - Date.parse(n.lastSeenAt);
    const silent = !n.holdsLease && silentMs > NODE_SILENT_MS;
    const takeover = n.lastTakeoverAt ? l10n.t(', last took over {0}', formatTime(n.lastTakeoverAt, now)) : '';
    const lease = n.holdsLease && report.mssNodes?.lease.ageMs !== null && report.mssNodes?.lease.ageMs !== undefined ? l10n.t(', lease held {0} s', Math.round(report.mssNodes.lease.ageMs / 1000)) : '';
    return {
      id: `mss-node:${n.name}`,
      title: l10n.t('MSS node {0}', n.name),
      verdict: silent ? 'warning' : 'ok',
      detail: silent ? l10n.t('not seen since {0}{1}', formatTime(n.lastSeenAt, now), takeover) : n.holdsLease ? l10n.t('active{0}{1}', lease, takeover) : l10n.t('standby{0}', takeover),
      nextStep: silent ? l10n.t('Start the master secret server node {0} again, so that a standby is ready to take over.', n.name) : '',
    };
  });
}

/** The service did not answer: only the first check can be judged. */
export function summarizeUnreachable(environment: string, socketPath: string, reason: string, now: Date, kind?: 'entsso'): HealthSummary {
  const unknown = (id: HealthCheck['id'], title: string): HealthRow => ({
    id,
    title,
    verdict: 'unknown',
    detail: l10n.t('only the SSO service can check this.'),
    nextStep: '',
  });
  const rows: HealthRow[] = [
    withAction(
      {
        id: 'service',
        title: l10n.t('SSO service'),
        verdict: 'error',
        detail: reason,
        nextStep:
          kind === 'entsso'
            ? l10n.t('Check that the Enterprise SSO service (ENTSSOSvc) runs on this machine and that your Windows account is in the SSO Administrators group; "SSO: Show Log" has the bridge\'s own messages.')
            : l10n.t('Start the SSO service of "{0}" (ssoctl serve --service), or check its socket path {1} in the entsso.environments setting.', environment, socketPath),
      },
      {},
    ),
    unknown('mss', l10n.t('Master secret server')),
    unknown('ssodb', l10n.t('SSO database')),
    unknown('secretAge', l10n.t('Master secret age')),
    unknown('backup', l10n.t('Master secret backup')),
  ];
  return { headline: headline(environment, 'error', formatTime(now.toISOString(), now)), verdict: 'error', rows };
}

function worst(verdicts: Verdict[]): Verdict {
  if (verdicts.includes('error')) return 'error';
  if (verdicts.includes('warning')) return 'warning';
  if (verdicts.includes('unknown')) return 'unknown';
  return 'ok';
}

/** One whole sentence per verdict, so that a translation can place each part. */
function headline(environment: string, verdict: Verdict, at: string): string {
  if (verdict === 'ok') return l10n.t('{0}: healthy (checked {1})', environment, at);
  if (verdict === 'warning') return l10n.t('{0}: needs attention (checked {1})', environment, at);
  if (verdict === 'error') return l10n.t('{0}: has problems (checked {1})', environment, at);
  return l10n.t('{0}: unknown (checked {1})', environment, at);
}

export function verdictLabel(verdict: Verdict): string {
  return verdict === 'ok' ? l10n.t('OK') : verdict === 'warning' ? l10n.t('Warning') : verdict === 'error' ? l10n.t('Error') : l10n.t('Not checked');
}
