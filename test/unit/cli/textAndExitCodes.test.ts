/**
 * ssoctl's reading of text from Windows tools (review 10, F1/F12) and its exit codes for scripts
 * (F9/F18): a byte order mark is never part of the text, and a failure never shares its exit code
 * with an answer or hides that a change may have been made.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { UsageError } from '../../../src/cli/args';
import { requestTimeoutMs } from '../../../src/cli/context';
import { answersWithOne, failureOf } from '../../../src/cli/failure';
import { decodeText } from '../../../src/cli/textInput';
import { SsoError } from '../../../src/protocol/errors';

describe('text from stdin and files', () => {
  const text = 'Str0ng-Passw0rd!ä\r\n';
  test('UTF-8 with a byte order mark, UTF-16 LE and BE: the same text, without the mark', () => {
    const be = Buffer.from(`\ufeff${text}`, 'utf16le').swap16();
    for (const bytes of [Buffer.from(`\ufeff${text}`), Buffer.from(`\ufeff${text}`, 'utf16le'), be, Buffer.from(text)]) assert.equal(decodeText(bytes, 'x'), text);
  });
  test('bytes that are not such text are refused with what to do, not read as something else', () => {
    assert.throws(() => decodeText(Buffer.from([0x70, 0xe4, 0x73, 0x73]), 'The password on stdin'), (e: Error) => e instanceof UsageError && /The password on stdin is not UTF-8 text.*Save it as UTF-8/.test(e.message));
  });
});

describe('exit codes', () => {
  test('where 1 is an answer (grep, compare, secret verify and backup, health), a failure is 10', () => {
    const notFound = new SsoError('ENTSSO_E_APPLICATION_NOT_FOUND', 'There is no SSO application named "X".');
    assert.equal(failureOf(notFound, answersWithOne(['config', 'grep', 'x'])).code, 10);
    for (const words of [['compare'], ['health'], ['secret', 'verify'], ['secret', 'backup']]) assert.equal(answersWithOne(words), true, words.join(' '));
    assert.equal(answersWithOne(['config', 'list', 'App']), false);
    assert.equal(failureOf(notFound, false).code, 1);
    assert.equal(failureOf(new Error('ENOENT'), true).code, 10);
    assert.equal(failureOf(new SsoError('ENTSSO_E_CONFLICT', 'changed'), true).code, 3, 'a dedicated code stays');
    assert.equal(failureOf(new UsageError('Missing pattern.'), true).code, 2);
  });

  test('a timeout that may have made the change: its own code, and advice for a script', () => {
    const timeout = new SsoError('ENTSSO_E_TIMEOUT', 'The SSO service did not answer "apps.removeField" within 120 s. The change may still be applied: refresh to see.', { mayBeApplied: true });
    const failure = failureOf(timeout, false);
    assert.equal(failure.code, 11);
    assert.doesNotMatch(failure.text, /refresh/);
    assert.match(failure.text, /within 120 s\. The change may still have been made: check \("ssoctl audit".*--timeout S\. \[ENTSSO_E_TIMEOUT\]$/);
    assert.equal(failureOf(new SsoError('ENTSSO_E_TIMEOUT', 'The SSO service did not answer "apps.list" within 120 s.'), false).code, 1, 'a read that timed out changed nothing');
  });

  test('--timeout S gives a slow change more time than the default 120 s; 0 and more than a day are refused', () => {
    const args = (timeout?: string) => ({ positionals: [], options: new Map(timeout === undefined ? [] : [['timeout', [timeout]]]) });
    assert.equal(requestTimeoutMs(args()), 120_000);
    assert.equal(requestTimeoutMs(args('600')), 600_000);
    for (const bad of ['0', '100000', 'soon']) assert.throws(() => requestTimeoutMs(args(bad)), UsageError, bad);
  });
});
