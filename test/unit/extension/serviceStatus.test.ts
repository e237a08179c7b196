// Unit tests of the status bar text/tooltip and the read-only reason, from a ServiceState.
import assert from 'node:assert/strict';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import type { ServiceState } from '../../../src/protocol/messages';
import { openSocketTransport } from '../../../src/ssoClient/transport';
import { editBlock, formatTime, otherEnvironmentBlock, presentStatus, schemeBlock, type StatusInput } from '../../../src/model/serviceStatus';

const now = new Date('2025-11-27T14:10:00');
const t = (hms: string) => new Date(`2025-11-27T${hms}`).toISOString();

function state(s: Partial<ServiceState>): ServiceState {
  return {
    state: 'ready',
    mssName: 'mss01:5780',
    msid: '{MSID}',
    lastSyncAt: t('14:09:00'),
    canEncrypt: true,
    canDecrypt: true,
    message: 'service message',
    syncIntervalMs: 60_000,
    ...s,
  };
}

function input(s: Partial<StatusInput>): StatusInput {
  return { environment: 'dev', socketPath: '/run/ssod.sock', phase: 'connected', state: state({}), now, ...s };
}

describe('presentStatus', () => {
  test('ready: shield, normal colour, nothing blocked', () => {
    const p = presentStatus(input({}));
    assert.equal(p.text, '$(shield) SSO dev');
    assert.equal(p.severity, 'normal');
    assert.match(p.tooltip, /`mss01:5780` is reachable/);
    assert.match(p.tooltip, /Last successful sync: 14:09:00/);
    assert.match(p.tooltip, /\*\*What to do:\*\* Nothing\./);
    assert.match(p.tooltip, /command:entsso\.checkHealth/);
    assert.equal(editBlock(input({})), undefined);
  });

  test('an MSS name the account cannot read (ENTSSO bridge, not an SSO Administrator) is said, never an empty code span', () => {
    const cached = input({ state: state({ state: 'cached', mssName: '', canEncrypt: false, unreachableSince: t('14:00:00') }) });
    const texts = [presentStatus(input({ state: state({ mssName: '' }) })).tooltip, presentStatus(cached).tooltip, editBlock(cached)?.markdown ?? ''];
    for (const text of texts) {
      assert.doesNotMatch(text, /``/);
      assert.match(text, /`name not readable by this account`/);
    }
  });

  test('cached: warning, says since when, what works, what does not and what to do', () => {
    const i = input({ state: state({ state: 'cached', canEncrypt: false, unreachableSince: t('14:05:30'), lastSyncAt: t('14:05:00') }) });
    const p = presentStatus(i);
    assert.equal(p.text, '$(warning) SSO dev: cached secret only');
    assert.equal(p.severity, 'warning');
    assert.match(p.tooltip, /unreachable since 14:05:30/);
    assert.match(p.tooltip, /Unreachable since: 14:05:30/);
    assert.match(p.tooltip, /\*\*Still works:\*\* Decryption/);
    assert.match(p.tooltip, /\*\*Does not work:\*\* Encryption: saving/);
    assert.match(p.tooltip, /Start the master secret server `mss01:5780`/);
    // The service's sentence repeats the times in UTC: the tooltip says them once, in local time (review 12, F6).
    assert.doesNotMatch(p.tooltip, /service message/);
    assert.match(presentStatus(input({ state: state({ state: 'ssodb-unreachable', canEncrypt: false }) })).tooltip, /_service message_/, 'a database error is a cause the situation does not name');
    const b = editBlock(i);
    assert.ok(b);
    assert.match(b.plain, /^Read-only: the master secret server "mss01:5780" is unreachable since 14:05:30\. Decryption still works/);
    assert.match(b.plain, /nothing can be saved or changed/);
    assert.match(b.plain, /editing comes back by itself/);
    assert.ok(!b.plain.includes('**') && !b.plain.includes('`'));
    assert.equal(b.key, `cached:${t('14:05:30')}`);
  });

  test("the editor's read-only message ends with a Check Health link; the plain text for notifications has none", () => {
    const states = ['cached', 'no-secret', 'reencrypting', 'ssodb-unreachable'] as const;
    const blocks = [...states.map((s) => editBlock(input({ state: state({ state: s }) }))), editBlock(input({ phase: 'disconnected', disconnectedSince: t('14:08:00') }))];
    for (const b of blocks) {
      assert.ok(b);
      assert.ok(b.markdown.endsWith(' [Check Health](command:entsso.checkHealth)'), b.markdown);
      assert.ok(!b.plain.includes('Check Health') && !b.plain.includes('command:'), b.plain);
    }
  });

  test('no-secret and ssodb-unreachable are errors', () => {
    const ns = presentStatus(input({ state: state({ state: 'no-secret', canDecrypt: false, canEncrypt: false, unreachableSince: t('14:00:00') }) }));
    assert.equal(ns.severity, 'error');
    assert.equal(ns.text, '$(error) SSO dev: no master secret');
    const db = presentStatus(input({ state: state({ state: 'ssodb-unreachable' }) }));
    assert.equal(db.severity, 'error');
    assert.ok(editBlock(input({ state: state({ state: 'ssodb-unreachable' }) })));
  });

  test('re-encrypting shows progress n/total; the block key does not change with progress', () => {
    const a = input({ state: state({ state: 'reencrypting', reencrypt: { fromMsid: 'a', toMsid: 'b', done: 3, total: 40 } }) });
    const b = input({ state: state({ state: 'reencrypting', reencrypt: { fromMsid: 'a', toMsid: 'b', done: 4, total: 40 } }) });
    assert.equal(presentStatus(a).text, '$(sync~spin) SSO dev: re-encrypting 3/40');
    assert.equal(presentStatus(a).severity, 'warning');
    assert.equal(editBlock(a)?.key, editBlock(b)?.key);
  });

  test('service unreachable: error, with the reason; connecting is not blocked', () => {
    const i = input({ phase: 'disconnected', state: undefined, connectionError: 'No SSO service is listening at /run/ssod.sock.', disconnectedSince: t('14:08:00') });
    const p = presentStatus(i);
    assert.equal(p.text, '$(debug-disconnect) SSO dev: service unreachable');
    assert.equal(p.severity, 'error');
    assert.match(p.tooltip, /unreachable since 14:08:00\. No SSO service is listening/);
    assert.match(editBlock(i)!.plain, /SSO service of environment "dev" is unreachable since 14:08:00/);
    const c = input({ phase: 'connecting', state: undefined });
    assert.equal(presentStatus(c).severity, 'normal');
    assert.equal(editBlock(c), undefined);
  });

  test('service unreachable: the tooltip names one command to start it, whether in the reason or in what to do', async () => {
    const socketPath = join(tmpdir(), `entsso-absent-${process.pid}.sock`);
    const reason = await openSocketTransport(socketPath, { onData: () => undefined, onClose: () => undefined }).then(
      () => assert.fail('nothing listens there'),
      (err: Error) => err.message,
    );
    const tip = presentStatus(input({ phase: 'disconnected', state: undefined, socketPath, connectionError: reason, disconnectedSince: t('14:08:00') })).tooltip;
    const commands = new Set([...tip.replace(/\\(.)/g, '$1').matchAll(/ssoctl serve[\w -]*/g)].map((m) => m[0].trim()));
    assert.deepEqual([...commands], ['ssoctl serve --service']);
  });

  test('names are escaped in Markdown', () => {
    const p = presentStatus(input({ environment: 'dev [x](command:evil)' }));
    assert.ok(!p.tooltip.includes('[x](command:evil)'));
  });
});

describe('formatTime', () => {
  test('time today, date and time otherwise', () => {
    assert.equal(formatTime(t('09:05:03'), now), '09:05:03');
    assert.equal(formatTime(new Date('2025-11-20T08:01:00').toISOString(), now), '2025-11-20 08:01');
    assert.equal(formatTime(undefined, now), 'unknown');
  });
});

describe('read-only reasons of documents of other environments', () => {
  const cached = { markdown: '**Read-only: the master secret server `mss` is unreachable.**', plain: 'Read-only: the master secret server "mss" is unreachable.', key: 'cached:x' };

  test('a document of another environment is explained by its own environment', () => {
    const b = otherEnvironmentBlock('dev', 'Prod');
    assert.equal(b.plain, 'Read-only: this configuration belongs to environment "dev", and the explorer is connected to "Prod". Run SSO: Switch Environment… and choose "dev" to edit and save it.');
    assert.equal(b.key, 'other:dev');
    assert.match(otherEnvironmentBlock('dev', undefined).plain, /connected to no environment/);
  });

  test("the scheme's one message names each environment's reason under its name", () => {
    assert.equal(schemeBlock('Prod', undefined, ['dev']), undefined, 'the active environment is not blocked: documents of others are read-only by their own stat');
    assert.equal(schemeBlock('Prod', cached, []), cached, 'alone, the active reason is unchanged');
    const both = schemeBlock('Prod', cached, ['dev', 'test']);
    assert.ok(both);
    const paragraphs = both.markdown.split('\n\n');
    assert.equal(paragraphs.length, 3);
    assert.match(paragraphs[0]!, /^Documents of "Prod": \*\*Read-only: the master secret server/);
    assert.match(paragraphs[1]!, /^Documents of "dev": \*\*Read-only: this configuration belongs to environment "dev", and the explorer is connected to "Prod"/);
    assert.match(paragraphs[2]!, /^Documents of "test": /);
    assert.notEqual(both.key, cached.key, 'a change of the other environments re-registers');
  });
});
