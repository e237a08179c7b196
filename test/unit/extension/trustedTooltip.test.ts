// Review 5, finding 8: the status bar tooltip and the read-only message of sso: documents are
// TRUSTED Markdown (views/statusBar.ts and views/ssoFileSystemRegistration.ts let them run
// entsso.checkHealth, entsso.backupSecret and entsso.verifySecretBackup). What comes from outside
// must add no link: the master secret server's name and id (service state; through the bridge,
// from ENTSSO) sit in code spans, the connection error (a service or bridge message) in text.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { inCodeSpan } from '../../../src/model/markdown';
import { editBlock, presentStatus, type StatusInput } from '../../../src/model/serviceStatus';
import type { ServiceState } from '../../../src/protocol/messages';

const INJECTED = 'mss01` [Back up the secret now](command:entsso.backupSecret) `';
const now = new Date('2026-12-07T10:00:00Z');
const cached: ServiceState = { state: 'cached', mssName: INJECTED, msid: `{M}${INJECTED}`, lastSyncAt: now.toISOString(), unreachableSince: now.toISOString(), canEncrypt: false, canDecrypt: true, message: 'm', syncIntervalMs: 60_000 };

/** Command links Markdown would make live: code spans (inert) are taken out first; our own Check Health link is left out. */
function liveCommandLinks(markdown: string): string[] {
  return [...markdown.replace(/`[^`\n]*`/g, '').matchAll(/\]\(command:[^)]*\)/g)].map((m) => m[0]).filter((link) => !link.includes('entsso.checkHealth'));
}

describe('trusted Markdown from outside', () => {
  test('the MSS name and id add no link to the status bar tooltip or the read-only message', () => {
    for (const state of [cached, { ...cached, state: 'no-secret' } as ServiceState]) {
      const input: StatusInput = { environment: 'dev', socketPath: '/run/ssod.sock', phase: 'connected', state, now };
      const tooltip = presentStatus(input).tooltip;
      assert.deepEqual(liveCommandLinks(tooltip), [], tooltip);
      assert.ok(tooltip.includes("`mss01' [Back up the secret now](command:entsso.backupSecret) '`"), `the name is shown in its code span: ${tooltip}`);
      const block = editBlock(input);
      assert.ok(block);
      assert.deepEqual(liveCommandLinks(block.markdown), [], block.markdown);
    }
  });

  test('a connection error adds no link to the status bar tooltip', () => {
    const input: StatusInput = { environment: 'dev', socketPath: '/run/ssod.sock', phase: 'disconnected', disconnectedSince: now.toISOString(), connectionError: 'Refused: [Verify the backup](command:entsso.verifySecretBackup)', now };
    const tooltip = presentStatus(input).tooltip;
    assert.deepEqual(liveCommandLinks(tooltip), [], tooltip);
    assert.ok(presentStatus(input).accessibilityLabel.includes('Refused: [Verify the backup](command:entsso.verifySecretBackup)'), 'the screen reader reads the error as it was');
  });

  test('a socket path from the settings adds no link either', () => {
    const input: StatusInput = { environment: 'dev', socketPath: '/run/x` [a](command:entsso.backupSecret) `', phase: 'connecting', now };
    assert.deepEqual(liveCommandLinks(presentStatus(input).tooltip), []);
  });

  test('inCodeSpan: no backtick, no line break; plain names unchanged', () => {
    assert.equal(inCodeSpan('a`b\nc\r\nd\re'), "a'b c d e");
    assert.equal(inCodeSpan('mss01.contoso.local:5780'), 'mss01.contoso.local:5780');
  });
});
