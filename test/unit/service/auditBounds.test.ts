/**
 * The pieces that keep the audit and the log bounded and readable: the refusal throttle (per
 * peer, per window, one summary), the daemon log line (untrusted text escaped, length bounded),
 * and the retention settings. The stores' prune is in the store contract (storeContract.ts).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SsoError } from '../../../src/protocol/errors';
import { escapeUnsafeCharacters, hasUnsafeCharacters } from '../../../src/protocol/untrustedText';
import { RefusalThrottle } from '../../../src/ssoService/rpc/refusalThrottle';
import { LOG_MESSAGE_MAX_LENGTH, serviceLogLine } from '../../../src/ssoService/serviceLog';
import { auditRetention, DEFAULT_AUDIT_MAX_AGE_DAYS, DEFAULT_AUDIT_MAX_ROWS } from '../../../src/ssoService/service/auditRetention';

test('the refusal throttle records the first N of a window per peer and summarises the rest once', async () => {
  const summaries: [string, number][] = [];
  const throttle = new RefusalThrottle({ perWindow: 3, windowMs: 100, summarise: (peer, n) => void summaries.push([peer, n]) });
  const admitted = Array.from({ length: 10 }, () => throttle.admit('a'));
  assert.deepEqual(admitted, [true, true, true, false, false, false, false, false, false, false]);
  assert.equal(throttle.admit('b'), true, 'another peer has its own allowance');
  await new Promise((r) => setTimeout(r, 200));
  assert.deepEqual(summaries, [['a', 7]], 'one summary for the window, none for a peer that stayed within it');
  assert.equal(throttle.admit('a'), true, 'a new window starts afresh');
  throttle.admit('a');
  throttle.admit('a');
  throttle.admit('a');
  await throttle.close();
  assert.deepEqual(summaries, [['a', 7], ['a', 1]], 'close summarises what is still counted');
});

test('the refusal throttle tracks a bounded number of peers', async () => {
  const summaries: [string, number][] = [];
  const throttle = new RefusalThrottle({ perWindow: 1, windowMs: 60_000, maxPeers: 2, summarise: (peer, n) => void summaries.push([peer, n]) });
  for (let i = 0; i < 1000; i++) throttle.admit(`peer${i}`);
  await throttle.close();
  assert.deepEqual(summaries, [['(other peers)', 997]]);
});

test('unsafe characters: C0, DEL, C1, bidi, zero-width, BOM, line separators and lone surrogates; not letters or emoji', () => {
  for (const c of ['\u0000', '\n', '\u001b', '\u007f', '\u0085', '\u009b', '\u200b', '\u200e', '\u202e', '\u2066', '\u2028', '\ufeff', '\ud800']) {
    assert.ok(hasUnsafeCharacters(`a${c}b`), JSON.stringify(c));
  }
  for (const s of ['BizTalk Explorer', 'Zürich', '日本語', 'ssoctl 1.2 (x64)', '😀']) assert.ok(!hasUnsafeCharacters(s), s);
  assert.equal(escapeUnsafeCharacters('a\nb\u001b[2J\u202e'), 'a\\u{a}b\\u{1b}[2J\\u{202e}');
});

test('a daemon log line is one line: untrusted text escaped, its length bounded', () => {
  const line = serviceLogLine('refused "x\n2026-01-01T00:00:00.000Z ssod[1] forged\u001b[2J"', new Date(0), 42);
  assert.equal(line, '1970-01-01T00:00:00.000Z ssod[42] refused "x\\u{a}2026-01-01T00:00:00.000Z ssod[1] forged\\u{1b}[2J"\n');
  assert.equal(line.split('\n').length, 2, 'exactly one line');
  const long = serviceLogLine('x'.repeat(100_000), new Date(0), 1);
  assert.ok(long.length < LOG_MESSAGE_MAX_LENGTH + 100, `bounded: ${long.length}`);
  assert.match(long, /… \(98000 more characters\)\n$/);
});

test('audit retention: defaults, environment.json settings, serve flags over them, and refusals of nonsense', () => {
  assert.deepEqual(auditRetention(undefined), { maxRows: DEFAULT_AUDIT_MAX_ROWS, maxAgeMs: DEFAULT_AUDIT_MAX_AGE_DAYS * 86_400_000 });
  assert.deepEqual(auditRetention({ maxRows: 500, maxAgeDays: 7 }), { maxRows: 500, maxAgeMs: 7 * 86_400_000 });
  assert.deepEqual(auditRetention({ maxRows: 500, maxAgeDays: 7 }, { maxRows: 50 }), { maxRows: 50, maxAgeMs: 7 * 86_400_000 });
  for (const bad of [{ maxRows: 0 }, { maxRows: 9 }, { maxRows: 10.5 }, { maxRows: '100' as unknown as number }, { maxAgeDays: 0 }, { maxAgeDays: -1 }, { maxAgeDays: Number.NaN }]) {
    assert.throws(() => auditRetention(bad), (e: unknown) => e instanceof SsoError && e.code === 'ENTSSO_E_INVALID_REQUEST' && /environment\.json/.test(e.message), JSON.stringify(bad));
  }
});
