/**
 * "SSO: Find Configurations by Value…": the service scans the non-masked values of every
 * configuration page by page; matches stream into a QuickPick (picking one opens its
 * configuration) while a cancellable notification shows how far the scan is. Closing the list
 * or cancelling the notification stops asking for pages, which stops the service's work.
 */
import * as vscode from 'vscode';
import type { ConnectionManager } from '../connection/connectionManager';
import { parseValueQuery, markedExcerpt, type ValueQuery } from '../model/valueSearchQuery';
import { SsoError } from '../protocol/errors';
import type { GrepMatch } from '../protocol/messages';
import { grepPages } from '../ssoClient/valueSearchPages';
import { openUriOf } from '../views/ssoFileSystem';
import { withNotificationProgress } from '../views/notifications';
import { UserCancelled, UserFacingError, registerCommand, type CommandContext } from './commandRunner';

interface FindByValueContext extends CommandContext {
  readonly connection: ConnectionManager;
}

/** Matches kept in the list at most: past that the scan stops and the title says to narrow the pattern. */
const MAX_LISTED_MATCHES = 2000;
const MATCHES_PER_PAGE = 200;

type MatchItem = vscode.QuickPickItem & { match?: GrepMatch };

export function registerFindByValueCommand(ctx: FindByValueContext): vscode.Disposable[] {
  return [registerCommand(ctx, 'entsso.findByValue', () => findByValue(ctx))];
}

async function findByValue(ctx: FindByValueContext): Promise<void> {
  const env = ctx.connection.environment?.name;
  if (env === undefined) throw new UserFacingError(vscode.l10n.t('Connect to an SSO environment first.'), [{ title: vscode.l10n.t('Connect…'), command: 'entsso.connect' }]);
  const query = await askQuery(env);
  const picked = await showMatches(ctx, env, query);
  if (!picked) throw new UserCancelled();
  await vscode.commands.executeCommand('entsso.openConfiguration', openUriOf(env, picked.application, picked.identifier));
}

async function askQuery(env: string): Promise<ValueQuery> {
  const input = await vscode.window.showInputBox({
    title: vscode.l10n.t(`Find Configurations by Value in "{0}"`, env),
    prompt: vscode.l10n.t('Text to find in every configuration\'s values (ignoring case), or a regular expression between slashes (case-sensitive). Masked fields are never searched; the search is audited without the text searched for.'),
    placeHolder: vscode.l10n.t('sql01.contoso.example   or   /sql0\\d\\./'),
    ignoreFocusOut: true,
    validateInput: (value) => {
      const parsed = parseValueQuery(value);
      return typeof parsed === 'string' ? parsed : undefined;
    },
  });
  if (input === undefined) throw new UserCancelled();
  const parsed = parseValueQuery(input);
  if (typeof parsed === 'string') throw new UserFacingError(parsed);
  return parsed;
}

/** Runs the scan into a QuickPick; resolves with the match picked, undefined when the list is closed. */
function showMatches(ctx: FindByValueContext, env: string, query: ValueQuery): Promise<GrepMatch | undefined> {
  const shownPattern = query.regex ? `/${query.pattern}/` : `"${query.pattern}"`;
  const qp = vscode.window.createQuickPick<MatchItem>();
  qp.title = vscode.l10n.t(`Finding {0} in "{1}"…`, shownPattern, env);
  qp.placeholder = vscode.l10n.t('Filter the matches; pick one to open its configuration');
  qp.matchOnDescription = true;
  qp.matchOnDetail = true;
  qp.ignoreFocusOut = true;
  qp.busy = true;
  const cancel = new AbortController();
  const items: MatchItem[] = [];
  const scan = withNotificationProgress(
    { title: vscode.l10n.t(`Finding {0} in "{1}"`, shownPattern, env), cancellable: true },
    async (progress, token) => {
      token.onCancellationRequested(() => cancel.abort());
      let percent = 0;
      let scanned = 0;
      for await (const page of grepPages(ctx.connection, { ...query, limit: MATCHES_PER_PAGE }, cancel.signal)) {
        items.push(...page.matches.map(toItem));
        scanned = page.scanned;
        const now = page.total > 0 ? Math.min(100, (page.scanned * 100) / page.total) : 100;
        progress.report({ increment: now - percent, message: items.length === 1 ? vscode.l10n.t('{0} of {1} configurations, 1 match', page.scanned, page.total) : vscode.l10n.t('{0} of {1} configurations, {2} matches', page.scanned, page.total, items.length) });
        percent = now;
        qp.items = items;
        if (items.length >= MAX_LISTED_MATCHES) {
          cancel.abort();
          qp.title = vscode.l10n.t(`The first {0} matches of {1} in "{2}" (the search stopped there: narrow the pattern to see the others)`, items.length, shownPattern, env);
          return;
        }
      }
      qp.title = cancel.signal.aborted ? cancelledTitle(items.length, shownPattern, scanned) : finishedTitle(items.length, shownPattern, env, scanned);
      if (items.length === 0 && !cancel.signal.aborted) {
        qp.items = [
          {
            label: vscode.l10n.t('Nothing in "{0}" matches {1}.', env, shownPattern),
            detail: vscode.l10n.t('Masked fields are never searched. Try a shorter text, or a regular expression between slashes.'),
            alwaysShow: true,
          },
        ];
      }
    },
  );
  scan.then(
    () => (qp.busy = false),
    (err: unknown) => {
      qp.busy = false;
      qp.title = vscode.l10n.t(`The search for {0} stopped`, shownPattern);
      qp.items = [...items, { label: `$(error) ${vscode.l10n.t('The search stopped')}`, detail: err instanceof SsoError ? err.message : vscode.l10n.t('See "SSO: Show Log".'), alwaysShow: true }];
      ctx.log.warn(`Find by value failed: ${err instanceof SsoError ? `${err.message} [${err.code}]` : 'unexpected error'}`);
    },
  );
  return new Promise<GrepMatch | undefined>((resolve) => {
    qp.onDidAccept(() => {
      const match = qp.selectedItems[0]?.match;
      if (!match) return;
      resolve(match);
      qp.hide();
    });
    qp.onDidHide(() => {
      cancel.abort();
      resolve(undefined);
      qp.dispose();
    });
    qp.show();
  });
}

function toItem(match: GrepMatch): MatchItem {
  return {
    label: `$(symbol-field) ${match.field}`,
    description: `${match.application} › ${match.identifier}`,
    detail: markedExcerpt(match),
    match,
    alwaysShow: false,
  };
}

/** Whole sentences per count, so that a translator sees each as it is shown. */
function cancelledTitle(matches: number, pattern: string, scanned: number): string {
  return matches === 1
    ? vscode.l10n.t('1 match of {0} in the {1} configurations searched before you cancelled', pattern, scanned)
    : vscode.l10n.t('{0} matches of {1} in the {2} configurations searched before you cancelled', matches, pattern, scanned);
}

function finishedTitle(matches: number, pattern: string, env: string, scanned: number): string {
  return matches === 1
    ? vscode.l10n.t('1 match of {0} in "{1}" ({2} configurations; masked fields not searched)', pattern, env, scanned)
    : vscode.l10n.t('{0} matches of {1} in "{2}" ({3} configurations; masked fields not searched)', matches, pattern, env, scanned);
}
