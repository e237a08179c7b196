/**
 * The status bar tooltip is a trusted MarkdownString that may run command links: a translation
 * bundle (contributed by anyone who translates) must not be able to add one or move one. Here
 * @vscode/l10n is configured with a bundle that appends a command link to every message.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as l10n from '@vscode/l10n';
import { backupStatusOf, backupTooltipLine } from '../../../src/model/backupStatus';
import type { SecretInfo } from '../../../src/protocol/messages';

const INJECTED = '[x](command:entsso.backupSecret)';
/** Every message, translated with a link appended (a Proxy: whatever the message's wording). */
const hostileBundle = new Proxy({} as Record<string, string>, { get: (_target, key) => (typeof key === 'string' ? `${key} ${INJECTED}` : undefined) });

const now = new Date('2025-11-27T12:30:00.000Z');
const info = (times: Partial<SecretInfo>): SecretInfo => ({
  currentMsid: 'msid-1',
  previousMsid: null,
  secretCreatedAt: '2025-11-27T10:00:00.000Z',
  lastBackupAt: null,
  lastVerifiedBackupAt: null,
  mssName: 'mss',
  ...times,
});

/** Command links Markdown would render: `](command:` not escaped. */
const liveLinks = (markdown: string): string[] => markdown.match(/(?<!\\)\]\(command:[^)]*\)/g) ?? [];

test('a translation cannot add a command link to the backup line of the status bar tooltip', () => {
  l10n.config({ contents: hostileBundle });
  const cases: { line: string; links: string[] }[] = [
    { line: backupTooltipLine(backupStatusOf(info({})), now), links: ['](command:entsso.backupSecret)'] },
    { line: backupTooltipLine(backupStatusOf(info({ lastBackupAt: '2025-11-27T11:00:00.000Z' })), now), links: ['](command:entsso.verifySecretBackup)'] },
    { line: backupTooltipLine(backupStatusOf(info({ lastVerifiedBackupAt: '2025-11-27T12:00:00.000Z' })), now), links: [] },
    { line: backupTooltipLine(backupStatusOf(info({ lastBackupAt: '2025-11-27T11:00:00.000Z' })), now, false), links: [] },
    { line: backupTooltipLine(backupStatusOf(info({})), now, false), links: ['](command:entsso.backupSecret)'] },
  ];
  for (const { line, links } of cases) {
    assert.ok(line.includes(INJECTED.replace(/[[\]().]/g, '\\$&')), `the translated link is escaped: ${line}`);
    assert.deepEqual(liveLinks(line), links, line);
    // Our own link comes last, once.
    if (links.length > 0) assert.ok(line.endsWith(links[0]!), line);
  }
});
