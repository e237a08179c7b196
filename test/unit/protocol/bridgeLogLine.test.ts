// A bridge's stderr reaches the extension's log: a line there can neither forge another line nor
// rewrite a terminal, and a long one is cut.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { boundedLogLine } from '../../../src/ssoClient/transport';

test('a bridge log line has its controls escaped and its length bounded', () => {
  const forged = boundedLogLine('start entsso-bridge\u2028fake line\u001b[2J\u202eevil\r');
  const unsafe = [...forged].filter((c) => { const n = c.codePointAt(0)!; return n < 0x20 || (n >= 0x7f && n <= 0x9f) || n === 0x2028 || n === 0x2029 || n === 0x202e; });
  assert.deepEqual(unsafe, [], JSON.stringify(forged));
  assert.match(forged, /^start entsso-bridge/);
  const long = boundedLogLine('x'.repeat(10_000));
  assert.ok(long.length < 2_100 && long.endsWith('… (cut)'));
});
