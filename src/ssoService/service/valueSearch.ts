/**
 * Find by value (`config.grep`): the non-masked values of every configuration, decrypted here and
 * only here, matched against a text or a regular expression, one bounded page per request.
 *
 * Why pages with a signed cursor and no state kept between them: a client that stops asking
 * (cancel, crash, closed window) leaves nothing running and nothing to clean up, so cancelling
 * stops the work at once; and a page is bounded by time, rows and matches, so one request never
 * holds the daemon for long. The cursor is signed with a key of this process (HMAC over the
 * pattern, mode, application and position), so a page is only ever served for a search that was
 * audited when it started; a cursor from another process or another pattern is refused.
 *
 * The text searched for is often a password: it is never stored, logged or repeated in an error
 * message, not even in part. The audit row says what kind of search it was and how many
 * configurations it covers (its application column, the scope).
 *
 * Regular expression cost: a pattern is at most GREP_MAX_PATTERN_LENGTH characters; V8 falls back
 * to its linear-time engine when a match backtracks too much (a V8 flag set before the first
 * search), which that engine can only do for patterns without flags, backreferences and
 * lookarounds: so regular expressions are case-sensitive and those two features are refused.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import * as v8 from 'node:v8';
import { SsoError } from '../../protocol/errors';
import type { FieldInfo, GrepMatch, GrepPage, GrepParams } from '../../protocol/messages';
import type { CredentialRow, NewAuditEntry, SsoStore } from '../ssodb/store';
import { decryptValues } from './applicationState';
import type { SecretCache } from './secretCache';

/** What one page may cost; `batch` is the number of rows read from the store at a time. */
interface GrepBudget {
  timeMs: number;
  rows: number;
  batch: number;
}

const DEFAULT_GREP_BUDGET: GrepBudget = { timeMs: 200, rows: 5000, batch: 500 };
/** A page holding a match ends this soon, so that matches are shown as they are found. */
const MATCH_FLUSH_MS = 50;
const DEFAULT_MATCHES_PER_PAGE = 100;
/** Characters of the value shown either side of a match, and of the match itself at most. */
const EXCERPT_CONTEXT = 30;
const EXCERPT_MATCH_MAX = 80;

type ValueMatcher = (value: string) => { index: number; length: number } | undefined;

/** The largest count of a counted repetition ({n}, {n,}, {n,m}) V8's linear-time engine accepts (its replication limit). */
const GREP_MAX_REPEAT_COUNT = 16;

/**
 * The regular-expression features V8's linear-time engine cannot run: a pattern using one could
 * backtrack for ever, so it is refused. Undefined when the pattern has none. Found by trying: the
 * engine also gives up on counted repetitions above GREP_MAX_REPEAT_COUNT and on nested ones.
 */
export function unsupportedRegexFeature(pattern: string): string | undefined {
  let inClass = false;
  // Per open group: whether it holds a counted repetition; and the same for the group just closed.
  const groupCounts: boolean[] = [false];
  let closedGroupCounted = false;
  let previousWasGroupEnd = false;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    const afterGroup = previousWasGroupEnd;
    previousWasGroupEnd = false;
    if (c === '\\') {
      const next = pattern[i + 1] ?? '';
      if (!inClass && /[1-9]/.test(next)) return 'a backreference (\\1 … \\9)';
      if (!inClass && next === 'k' && pattern[i + 2] === '<') return 'a named backreference (\\k<…>)';
      i++;
    } else if (inClass) {
      if (c === ']') inClass = false;
    } else if (c === '[') {
      inClass = true;
    } else if (c === '(') {
      const kind = pattern.slice(i + 1, i + 4);
      if (/^\?(=|!|<=|<!)/.test(kind)) return 'a lookahead or lookbehind ((?=, (?!, (?<=, (?<!)';
      groupCounts.push(false);
    } else if (c === ')') {
      closedGroupCounted = groupCounts.length > 1 ? (groupCounts.pop() as boolean) : false;
      if (closedGroupCounted) groupCounts[groupCounts.length - 1] = true;
      previousWasGroupEnd = true;
    } else if (c === '{') {
      const count = /^\{(\d+)(?:,(\d*))?\}/.exec(pattern.slice(i));
      if (!count) continue;
      if (Math.max(Number(count[1]), Number(count[2] || 0)) > GREP_MAX_REPEAT_COUNT) return `a counted repetition above ${GREP_MAX_REPEAT_COUNT} (use + or * instead)`;
      if (afterGroup && closedGroupCounted) return 'a counted repetition of a group holding another one';
      groupCounts[groupCounts.length - 1] = true;
      i += count[0].length - 1;
    }
  }
  return undefined;
}

let backtrackFallbackEnabled = false;

/** V8 runs a pattern that backtracks too much again with its linear-time engine (process-wide, idempotent). */
function enableBacktrackFallback(): void {
  if (backtrackFallbackEnabled) return;
  v8.setFlagsFromString('--enable-experimental-regexp-engine-on-excessive-backtracks');
  backtrackFallbackEnabled = true;
}

/** Text: ignoring case, no special characters. Regex: case-sensitive, bounded cost (see the file comment). */
export function compileMatcher(pattern: string, regex: boolean): ValueMatcher {
  if (!regex) return textMatcher(pattern);
  const unsupported = unsupportedRegexFeature(pattern);
  if (unsupported) {
    throw new SsoError('ENTSSO_E_INVALID_REQUEST', `The regular expression uses ${unsupported}, which a search of every value cannot run at a bounded cost. Rewrite it without, or search for plain text.`);
  }
  enableBacktrackFallback();
  let compiled: RegExp;
  try {
    compiled = new RegExp(pattern);
  } catch (err) {
    throw new SsoError('ENTSSO_E_INVALID_REQUEST', `The regular expression is not valid (${syntaxErrorReason(err)}). Correct it, or search for plain text.`);
  }
  return (value) => {
    const m = compiled.exec(value);
    return m ? { index: m.index, length: m[0].length } : undefined;
  };
}

/**
 * Why V8 refused a pattern, without the pattern: its message quotes it ("Invalid regular
 * expression: /…/: Unterminated group"), and the reason is what follows the last ": ".
 */
function syntaxErrorReason(err: unknown): string {
  const message = err instanceof Error ? err.message : '';
  const reason = message.slice(message.lastIndexOf(': ') + 2);
  return message.includes(': ') && /^[A-Za-z {}()-]{1,60}$/.test(reason) ? reason : 'syntax error';
}

function textMatcher(pattern: string): ValueMatcher {
  const needle = pattern.toLowerCase();
  return (value) => {
    const lower = value.toLowerCase();
    const index = lower.indexOf(needle);
    if (index < 0) return undefined;
    // Lower-casing changes the length of a few characters (İ): then the offsets are approximate.
    return lower.length === value.length ? { index, length: pattern.length } : { index: 0, length: 0 };
  };
}

/** A short excerpt around a match; line breaks and tabs become spaces (one for one, so offsets hold). */
export function excerptOf(value: string, index: number, length: number): Pick<GrepMatch, 'excerpt' | 'matchStart' | 'matchLength'> {
  const shown = Math.min(length, EXCERPT_MATCH_MAX);
  const start = Math.max(0, index - EXCERPT_CONTEXT);
  const end = Math.min(value.length, index + shown + EXCERPT_CONTEXT);
  const excerpt = (start > 0 ? '…' : '') + value.slice(start, end).replace(/[\r\n\t\v\f]/g, ' ') + (end < value.length ? '…' : '');
  return { excerpt, matchStart: index - start + (start > 0 ? 1 : 0), matchLength: shown };
}

/** What the audit keeps of a search: its kind and how many configurations it covers, never its text. */
function grepAuditDetail(p: Pick<GrepParams, 'regex'>, configurations: number): string {
  return `${p.regex ? 'regular expression' : 'text'} search of ${configurations} configuration(s); the text searched for is not recorded`;
}

/** Where a search stands: the application being scanned (none: done) and the last identifier scanned in it. */
interface Position {
  application: string | undefined;
  after: string | undefined;
  scanned: number;
  total: number;
}

interface ValueSearchDeps {
  store: SsoStore;
  cache: SecretCache;
  audit: (ctx: { client: string }, entry: Omit<NewAuditEntry, 'user'>) => Promise<void>;
  budget?: GrepBudget;
}

export class ValueSearch {
  private readonly cursorKey = randomBytes(32);
  private readonly budget: GrepBudget;

  constructor(private readonly deps: ValueSearchDeps) {
    this.budget = deps.budget ?? DEFAULT_GREP_BUDGET;
  }

  /** One page of a search: the first (no cursor) is audited, without its text; the others continue it. */
  async page(p: GrepParams, ctx: { client: string }): Promise<GrepPage> {
    const matcher = compileMatcher(p.pattern, p.regex ?? false);
    let position: Position;
    if (p.cursor === undefined) {
      position = await this.start(p.application);
      await this.deps.audit(ctx, { action: 'config.grep', outcome: 'ok', application: p.application, detail: grepAuditDetail(p, position.total) });
    } else {
      position = this.readCursor(p, p.cursor);
    }
    const matches = await this.scan(position, matcher, p.limit ?? DEFAULT_MATCHES_PER_PAGE, p.application !== undefined);
    const page: GrepPage = { matches, scanned: position.scanned, total: Math.max(position.total, position.scanned) };
    if (position.application !== undefined) page.nextCursor = this.writeCursor(p, position);
    return page;
  }

  private async start(application: string | undefined): Promise<Position> {
    if (application !== undefined) {
      const app = await this.deps.store.getApplication(application);
      if (!app) throw new SsoError('ENTSSO_E_APPLICATION_NOT_FOUND', `There is no SSO application named "${application}". Search every application, or pick one that exists.`, { application });
      return { application: app.name, after: undefined, scanned: 0, total: app.identifierCount };
    }
    let total = 0;
    let after: string | undefined;
    let first: string | undefined;
    for (;;) {
      const rows = await this.deps.store.listApplications({ after, limit: 1000 });
      for (const row of rows) total += row.identifierCount;
      first ??= rows[0]?.name;
      if (rows.length < 1000) break;
      after = rows[rows.length - 1]!.name;
    }
    return { application: first, after: undefined, scanned: 0, total };
  }

  /** Scans from `position` (which it moves) until the scan ends or the page's budget is spent. */
  private async scan(position: Position, matcher: ValueMatcher, limit: number, oneApplication: boolean): Promise<GrepMatch[]> {
    const matches: GrepMatch[] = [];
    const started = performance.now();
    let rowsLeft = this.budget.rows;
    const spent = () => {
      const elapsed = performance.now() - started;
      return matches.length >= limit || rowsLeft <= 0 || elapsed >= this.budget.timeMs || (matches.length > 0 && elapsed >= MATCH_FLUSH_MS);
    };
    while (position.application !== undefined && !spent()) {
      const application = position.application;
      const batchSize = Math.min(this.budget.batch, rowsLeft);
      const batch = await this.readBatch(application, position.after, batchSize);
      let consumed = 0;
      for (const row of batch.rows) {
        this.matchRow(application, batch.fields, row, matcher, matches);
        position.after = row.identifier;
        position.scanned++;
        rowsLeft--;
        consumed++;
        if (spent()) break;
      }
      // A short batch read to its end is the end of the application.
      if (batch.rows.length < batchSize && consumed === batch.rows.length) {
        position.application = oneApplication ? undefined : await this.nextApplication(application);
        position.after = undefined;
      }
    }
    return matches;
  }

  /** The application's fields and the next rows; none when the application was deleted meanwhile. */
  private async readBatch(application: string, after: string | undefined, limit: number): Promise<{ fields: FieldInfo[]; rows: CredentialRow[] }> {
    const app = await this.deps.store.getApplication(application);
    if (!app) return { fields: [], rows: [] };
    try {
      return { fields: app.fields, rows: await this.deps.store.listCredentials(app.name, { after, limit }) };
    } catch (err) {
      if (err instanceof SsoError && err.code === 'ENTSSO_E_APPLICATION_NOT_FOUND') return { fields: [], rows: [] };
      throw err;
    }
  }

  private async nextApplication(after: string): Promise<string | undefined> {
    const rows = await this.deps.store.listApplications({ after, limit: 1 });
    return rows[0]?.name;
  }

  /** Masked fields are skipped before their value is looked at: never matched, never returned. */
  private matchRow(application: string, fields: FieldInfo[], row: CredentialRow, matcher: ValueMatcher, out: GrepMatch[]): void {
    const values = decryptValues(this.deps.cache.secretForDecryption(row.msid), application, row.identifier, row.ciphertext);
    for (const field of fields) {
      if (field.masked) continue;
      const value = values.get(field.label);
      if (!value) continue;
      const found = matcher(value);
      if (found) out.push({ application, identifier: row.identifier, field: field.label, ...excerptOf(value, found.index, found.length) });
    }
    values.clear();
  }

  private signature(p: GrepParams, payload: string): string {
    return createHmac('sha256', this.cursorKey)
      .update(JSON.stringify([p.pattern, p.regex ?? false, p.application ?? null, payload]))
      .digest('hex');
  }

  private writeCursor(p: GrepParams, position: Position): string {
    const payload = Buffer.from(JSON.stringify([position.application, position.after ?? null, position.scanned, position.total]), 'utf8').toString('base64url');
    return `${payload}.${this.signature(p, payload)}`;
  }

  private readCursor(p: GrepParams, cursor: string): Position {
    const [payload = '', signature = ''] = cursor.split('.');
    const expected = Buffer.from(this.signature(p, payload), 'hex');
    const given = Buffer.from(signature, 'hex');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      throw new SsoError('ENTSSO_E_INVALID_REQUEST', 'This search cursor belongs to another search or to an earlier run of the SSO service. Start the search again.');
    }
    const [application, after, scanned, total] = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as [string, string | null, number, number];
    return { application, after: after ?? undefined, scanned, total };
  }
}
