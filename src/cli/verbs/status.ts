/** ssoctl status | health | audit: what state the environment is in and what happened. */
import { escapeUnsafeCharacters } from '../../protocol/untrustedText';
import type { ParsedArgs } from '../args';
import { opt, optInt } from '../args';
import type { AuditEntry, AuditFilter, AuditPage, ParamsOf, ServiceStateName } from '../../protocol/messages';
import { connect, print, table } from '../context';

/**
 * Exit codes of `ssoctl status` for the states in which no value can be read or saved, so that
 * `ssoctl status && deploy` stops there (README, ssoctl). Cached and re-encrypting exit 0: the
 * service works, and says what is refused meanwhile.
 */
const STATUS_EXIT_CODES: Partial<Record<ServiceStateName, number>> = { 'no-secret': 4, 'ssodb-unreachable': 9 };

export async function status(args: ParsedArgs): Promise<void> {
  const client = await connect(args);
  try {
    const s = await client.request('status', {});
    print(args, s, () => `${s.state}: ${s.message}`);
    const code = STATUS_EXIT_CODES[s.state];
    if (code !== undefined) process.exitCode = code;
  } finally {
    client.close();
  }
}

export async function health(args: ParsedArgs): Promise<void> {
  const client = await connect(args);
  try {
    const h = await client.request('health', {});
    print(args, h, () => table([['CHECK', 'VERDICT', 'DETAIL', 'NEXT STEP'], ...h.checks.map((c) => [c.title, c.verdict, c.detail, c.nextStep])]));
    if (h.checks.some((c) => c.verdict === 'error')) process.exitCode = 1;
  } finally {
    client.close();
  }
}

export const auditOptions = {
  limit: { value: true },
  text: { value: true },
  operation: { value: true },
  user: { value: true },
  outcome: { value: true },
  since: { value: true },
  until: { value: true },
};

/** The filter given on the command line (validated by the service). */
function auditFilterOf(args: ParsedArgs): AuditFilter | undefined {
  const filter: AuditFilter = {
    text: opt(args, 'text'),
    operation: opt(args, 'operation'),
    user: opt(args, 'user'),
    outcome: opt(args, 'outcome') as AuditFilter['outcome'],
    from: opt(args, 'since'),
    until: opt(args, 'until'),
  };
  const given = Object.entries(filter).filter(([, value]) => value !== undefined);
  return given.length > 0 ? (Object.fromEntries(given) as AuditFilter) : undefined;
}

export async function audit(args: ParsedArgs): Promise<void> {
  const client = await connect(args);
  try {
    const filter = auditFilterOf(args);
    const items = await auditEntries((params) => client.request('audit.list', params), optInt(args, 'limit') ?? 50, filter);
    print(args, items, () =>
      table([
        ['TIME', 'USER', 'ACTION', 'OUTCOME', 'APPLICATION', 'IDENTIFIER', 'FIELDS', 'DETAIL'],
        // Rows written before names were checked may hold anything: escaped for the terminal.
        ...items.map((e) => [e.at, e.user, e.action, e.outcome, e.application ?? '', e.identifier ?? '', (e.fields ?? []).join(','), e.detail ?? ''].map(escapeUnsafeCharacters)),
      ]),
    );
  } finally {
    client.close();
  }
}

/** Most audit.list requests one `ssoctl audit` makes (each looks at a bounded window of rows). */
const MAX_AUDIT_REQUESTS = 1000;

/**
 * Up to `limit` entries, newest first. A filtered page looks at a bounded window of rows and may
 * come back short (even empty) while older rows match: the cursor is followed until `limit`
 * entries are found or the audit is exhausted.
 */
export async function auditEntries(list: (params: ParamsOf<'audit.list'>) => Promise<AuditPage>, limit: number, filter: AuditFilter | undefined): Promise<AuditEntry[]> {
  const entries: AuditEntry[] = [];
  let cursor: string | undefined;
  for (let request = 0; request < MAX_AUDIT_REQUESTS; request++) {
    const page = await list({ limit: Math.min(1000, limit - entries.length), ...(filter ? { filter } : {}), ...(cursor ? { cursor } : {}) });
    entries.push(...page.items);
    cursor = page.nextCursor;
    if (!cursor || entries.length >= limit) break;
  }
  return entries;
}
