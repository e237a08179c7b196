/**
 * What the status bar item, the read-only reason of `sso:` documents and refused saves say,
 * derived from the connection to the SSO service and the ServiceState it pushes.
 * No `vscode` import: unit-tested with node:test. Texts never contain a value.
 */
import * as l10n from '@vscode/l10n';
import type { ServiceState } from '../protocol/messages';
import { escapeMarkdown, inCodeSpan } from './markdown';

type ConnectionPhase = 'connecting' | 'connected' | 'disconnected';

export interface StatusInput {
  environment: string;
  socketPath: string;
  phase: ConnectionPhase;
  /** Why the connection is down (a message from SsoError, never a value). */
  connectionError?: string;
  /** ISO time since which the service has been unreachable. */
  disconnectedSince?: string;
  /** Last state the service pushed (undefined before the first hello). */
  state?: ServiceState;
  /** Markdown about the master secret backup (backupStatus.ts), shown while connected. */
  backupNotice?: string;
  now: Date;
}

type StatusSeverity = 'normal' | 'warning' | 'error';

interface StatusPresentation {
  /** Status bar text with a codicon, e.g. "$(shield) SSO dev". */
  text: string;
  severity: StatusSeverity;
  /** Markdown for the tooltip. */
  tooltip: string;
  /** For screen readers. */
  accessibilityLabel: string;
}

/** Formats an ISO time for people: "14:03:12" today, "2025-11-26 14:03" otherwise. */
export function formatTime(iso: string | undefined, now: Date): string {
  if (!iso) return l10n.t('unknown');
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return l10n.t('unknown');
  const pad = (n: number) => String(n).padStart(2, '0');
  const time = `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
  const sameDay = d.getFullYear() === now.getFullYear() && d.getMonth() === now.getMonth() && d.getDate() === now.getDate();
  return sameDay ? time : `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${time.slice(0, 5)}`;
}

interface Situation {
  text: string;
  severity: StatusSeverity;
  headline: string;
  works: string;
  doesNotWork: string;
  todo: string;
}

/**
 * The MSS's name as the status shows it. Through the ENTSSO bridge an account that is not an SSO
 * Administrator cannot read it (the bridge sends ''), which would show as an empty code span.
 */
function mssNameShown(name: string): string {
  return name ? inCodeSpan(name) : l10n.t('name not readable by this account');
}

function situation(input: StatusInput): Situation {
  const env = input.environment;
  const mss = input.state ? mssNameShown(input.state.mssName) : l10n.t('the master secret server');
  const since = (iso: string | undefined) => formatTime(iso, input.now);
  if (isUnreachable(input)) {
    return {
      text: l10n.t('$(debug-disconnect) SSO {0}: service unreachable', env),
      severity: 'error',
      headline: input.connectionError
        ? l10n.t('The SSO service at `{0}` is unreachable since {1}. {2}', inCodeSpan(input.socketPath), since(input.disconnectedSince), escapeMarkdown(input.connectionError))
        : l10n.t('The SSO service at `{0}` is unreachable since {1}.', inCodeSpan(input.socketPath), since(input.disconnectedSince)),
      works: l10n.t('Nothing that needs the SSO service: documents already open can still be read in the editor.'),
      doesNotWork: l10n.t('Browsing, opening, revealing and saving configurations.'),
      todo: l10n.t('Start the SSO service (`ssoctl serve --service`), or check the socket path in the `entsso.environments` setting. The explorer reconnects by itself.'),
    };
  }
  if (input.phase !== 'connected' || !input.state) {
    return {
      text: l10n.t('$(loading~spin) SSO {0}: connecting…', env),
      severity: 'normal',
      headline: l10n.t('Connecting to the SSO service at `{0}`…', inCodeSpan(input.socketPath)),
      works: l10n.t('Nothing yet.'),
      doesNotWork: l10n.t('Reading and saving configurations wait for the connection.'),
      todo: l10n.t('Wait a moment. If this does not end, check that the SSO service is running.'),
    };
  }
  const s = input.state;
  switch (s.state) {
    case 'ready':
      return {
        text: l10n.t('$(shield) SSO {0}', env),
        severity: 'normal',
        headline: l10n.t('The master secret server `{0}` is reachable.', mss),
        works: l10n.t('Reading and saving configurations.'),
        doesNotWork: l10n.t('Nothing is blocked.'),
        todo: l10n.t('Nothing.'),
      };
    case 'cached':
      return {
        text: l10n.t('$(warning) SSO {0}: cached secret only', env),
        severity: 'warning',
        headline: l10n.t('The master secret server `{0}` is unreachable since {1}. The SSO service works from the secret it cached at {2}.', mss, since(s.unreachableSince), since(s.lastSyncAt)),
        works: l10n.t('Decryption: BizTalk runtime lookups, browsing and reading configurations.'),
        doesNotWork: l10n.t('Encryption: saving configurations, creating or changing applications, deployments.'),
        todo: l10n.t('Start the master secret server `{0}` or restore the network to it. Editing comes back by itself within {1} s of it being reachable.', mss, Math.round(s.syncIntervalMs / 1000)),
      };
    case 'no-secret':
      return {
        text: l10n.t('$(error) SSO {0}: no master secret', env),
        severity: 'error',
        headline: s.unreachableSince
          ? l10n.t('The SSO service holds no master secret: it has not reached the master secret server `{0}` since {1}.', mss, since(s.unreachableSince))
          : l10n.t('The SSO service holds no master secret: it has not reached the master secret server `{0}`.', mss),
        works: l10n.t('Browsing application and configuration names.'),
        doesNotWork: l10n.t('Decryption and encryption: reading and saving configuration values.'),
        todo: l10n.t('Start the master secret server `{0}` or restore the network to it.', mss),
      };
    case 'reencrypting': {
      const p = s.reencrypt;
      return {
        text: p ? l10n.t('$(sync~spin) SSO {0}: re-encrypting {1}/{2}', env, p.done, p.total) : l10n.t('$(sync~spin) SSO {0}: re-encrypting', env),
        severity: 'warning',
        headline: p
          ? l10n.t('A new master secret was generated; the SSO database is being re-encrypted ({0} of {1} configurations done).', p.done, p.total)
          : l10n.t('A new master secret was generated; the SSO database is being re-encrypted.'),
        works: l10n.t('Reading configurations.'),
        doesNotWork: l10n.t('Saving configurations and changing applications, until re-encryption finishes.'),
        todo: l10n.t('Wait for re-encryption to finish; editing comes back by itself.'),
      };
    }
    case 'ssodb-unreachable':
      return {
        text: l10n.t('$(database) SSO {0}: SSO database unreachable', env),
        severity: 'error',
        headline: l10n.t('The SSO service cannot reach the SSO database.'),
        works: l10n.t('Nothing that needs the SSO database.'),
        doesNotWork: l10n.t('Browsing, reading and saving configurations.'),
        todo: l10n.t('Check that the SSO database is available to the SSO service.'),
      };
  }
}

export function presentStatus(input: StatusInput): StatusPresentation {
  const s = situation(input);
  const st = input.state;
  const lines = [
    l10n.t('**Enterprise SSO: {0}**', escapeMarkdown(input.environment)),
    '',
    s.headline,
    '',
  ];
  if (st) {
    lines.push(l10n.t('- Master secret server: `{0}`', mssNameShown(st.mssName)));
    lines.push(l10n.t('- Last successful sync: {0}', formatTime(st.lastSyncAt, input.now)));
    if (st.unreachableSince && st.state !== 'ready') lines.push(l10n.t('- Unreachable since: {0}', formatTime(st.unreachableSince, input.now)));
    if (st.msid) lines.push(l10n.t('- Master secret id: `{0}`', inCodeSpan(st.msid)));
  }
  lines.push(l10n.t('- SSO service: `{0}`', inCodeSpan(input.socketPath)), '');
  lines.push(l10n.t('**Still works:** {0}', s.works), '', l10n.t('**Does not work:** {0}', s.doesNotWork), '', l10n.t('**What to do:** {0}', s.todo));
  if (st && input.phase === 'connected' && saysMoreThanSituation(st) && st.message) lines.push('', `_${escapeMarkdown(st.message)}_`);
  if (st && input.phase === 'connected' && input.backupNotice) lines.push('', input.backupNotice);
  lines.push('', checkHealthLink('$(pulse) '));
  const label = s.text.replace(/\$\([^)]*\)\s*/g, '');
  return { text: s.text, severity: s.severity, tooltip: lines.join('\n'), accessibilityLabel: l10n.t('{0}. {1} Click to check health.', label, stripMarkdown(s.headline)) };
}

/**
 * The service's own sentence adds a cause only for re-encryption and the database (its error). For
 * a cached or missing secret it repeats the situation's times, in UTC: said once, in local time.
 */
function saysMoreThanSituation(st: ServiceState): boolean {
  return st.state === 'reencrypting' || st.state === 'ssodb-unreachable';
}

/** A word or two for the state, e.g. next to the environment in the tree. */
export function stateWord(input: StatusInput): string {
  if (isUnreachable(input)) return l10n.t('service unreachable');
  if (input.phase !== 'connected' || !input.state) return l10n.t('connecting…');
  switch (input.state.state) {
    case 'ready':
      return l10n.t('ready');
    case 'cached':
      return l10n.t('cached secret only');
    case 'no-secret':
      return l10n.t('no master secret');
    case 'reencrypting':
      return input.state.reencrypt ? l10n.t('re-encrypting {0}/{1}', input.state.reencrypt.done, input.state.reencrypt.total) : l10n.t('re-encrypting');
    case 'ssodb-unreachable':
      return l10n.t('SSO database unreachable');
  }
}

/** Known to be down (not merely not connected yet). */
function isUnreachable(input: StatusInput): boolean {
  return input.phase !== 'connected' && input.disconnectedSince !== undefined;
}

/** Why `sso:` documents cannot be edited right now; undefined when they can. */
export interface EditBlock {
  /** Markdown for the editor's read-only message. */
  markdown: string;
  /** The same for notifications and save errors (no markup). */
  plain: string;
  /** Stable while the situation is the same (used to avoid needless re-registration). */
  key: string;
}

export function editBlock(input: StatusInput): EditBlock | undefined {
  const env = input.environment;
  const st = input.state;
  const since = (iso: string | undefined) => formatTime(iso, input.now);
  let markdown: string;
  let key: string;
  if (isUnreachable(input)) {
    key = `unreachable:${input.disconnectedSince ?? ''}`;
    markdown = l10n.t(
      '**Read-only: the SSO service of environment "{0}" is unreachable since {1}.** Nothing can be read from or saved to SSO until it is back. Start the SSO service (`ssoctl serve --service`) or check the `entsso.environments` setting; editing comes back by itself when it reconnects.',
      escapeMarkdown(env),
      since(input.disconnectedSince),
    );
  } else if (input.phase !== 'connected' || !st) {
    return undefined; // connecting: not known to be blocked
  } else {
    const mss = `\`${mssNameShown(st.mssName)}\``;
    switch (st.state) {
      case 'ready':
        return undefined;
      case 'cached':
        key = `cached:${st.unreachableSince ?? ''}`;
        markdown = l10n.t(
          '**Read-only: the master secret server {0} is unreachable since {1}.** Decryption still works from the secret the SSO service cached at {2}, so configurations can be read, but nothing can be encrypted, so nothing can be saved or changed. Start the master secret server or restore the network to it; editing comes back by itself when it is reachable.',
          mss,
          since(st.unreachableSince),
          since(st.lastSyncAt),
        );
        break;
      case 'no-secret':
        key = `no-secret:${st.unreachableSince ?? ''}`;
        markdown = st.unreachableSince
          ? l10n.t(
              '**Read-only: the SSO service has no master secret; it has not reached the master secret server {0} since {1}.** Neither decryption nor encryption works, so configurations can be neither read nor saved. Start the master secret server or restore the network to it; editing comes back by itself.',
              mss,
              since(st.unreachableSince),
            )
          : l10n.t(
              '**Read-only: the SSO service has no master secret; it has not reached the master secret server {0}.** Neither decryption nor encryption works, so configurations can be neither read nor saved. Start the master secret server or restore the network to it; editing comes back by itself.',
              mss,
            );
        break;
      case 'reencrypting':
        key = 'reencrypting';
        markdown = l10n.t('**Read-only: a new master secret was generated and the SSO database is being re-encrypted.** Reading works; saving is refused until re-encryption finishes (progress in the status bar). Editing comes back by itself.');
        break;
      case 'ssodb-unreachable':
        key = 'ssodb-unreachable';
        markdown =
          l10n.t('**Read-only: the SSO service cannot reach the SSO database.** Nothing can be read or saved until it is back; check that the database is available to the SSO service. Editing comes back by itself.');
        break;
    }
  }
  // The link is for the editor's message only: notifications and save errors (plain) cannot run it.
  return { markdown: `${markdown} ${checkHealthLink()}`, plain: stripMarkdown(markdown), key };
}

/**
 * A command link the editor's read-only message can run: views/ssoFileSystemRegistration.ts trusts
 * the message for this one command (HEALTH_COMMAND), and no other.
 */
export const HEALTH_COMMAND = 'entsso.checkHealth';
/** The link is built here, around the translated words: a translation never places a command link. */
function checkHealthLink(icon = ''): string {
  return `[${icon}${escapeMarkdown(l10n.t('Check Health'))}](command:${HEALTH_COMMAND})`;
}

/**
 * Why a document of `documentEnvironment` cannot be edited while the explorer is connected to
 * `activeEnvironment` (or to none): its own environment is named, never the state of another.
 */
export function otherEnvironmentBlock(documentEnvironment: string, activeEnvironment: string | undefined): EditBlock {
  const doc = escapeMarkdown(documentEnvironment);
  const markdown = activeEnvironment
    ? l10n.t('**Read-only: this configuration belongs to environment "{0}", and the explorer is connected to "{1}".** Run **SSO: Switch Environment…** and choose "{0}" to edit and save it.', doc, escapeMarkdown(activeEnvironment))
    : l10n.t('**Read-only: this configuration belongs to environment "{0}", and the explorer is connected to no environment.** Run **SSO: Switch Environment…** and choose "{0}" to edit and save it.', doc);
  return { markdown, plain: stripMarkdown(markdown), key: `other:${documentEnvironment}` };
}

/**
 * The one read-only message VS Code takes for the whole `sso:` scheme. With documents of other
 * environments open, each environment's reason stands under its own name, so that no document
 * is blamed on an environment it does not belong to.
 */
export function schemeBlock(activeEnvironment: string, activeBlock: EditBlock | undefined, otherEnvironments: readonly string[]): EditBlock | undefined {
  if (!activeBlock) return undefined;
  if (otherEnvironments.length === 0) return activeBlock;
  const sections = [
    l10n.t('Documents of "{0}": {1}', escapeMarkdown(activeEnvironment), activeBlock.markdown),
    ...otherEnvironments.map((e) => l10n.t('Documents of "{0}": {1}', escapeMarkdown(e), otherEnvironmentBlock(e, activeEnvironment).markdown)),
  ];
  const markdown = sections.join('\n\n');
  return { markdown, plain: stripMarkdown(markdown), key: `${activeBlock.key}|${otherEnvironments.join('|')}` };
}

function stripMarkdown(md: string): string {
  return md.replace(/\*\*/g, '').replace(/`/g, '"').replace(/\\([\\`*_{}[\]()#+\-.!|<>])/g, '$1');
}
