// Unit tests of the pure parts of find by value: the regex features refused, the matchers, excerpts, the query typed in VS Code.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SsoError } from '../../../src/protocol/errors';
import { markedExcerpt, parseValueQuery } from '../../../src/model/valueSearchQuery';
import { compileMatcher, excerptOf, unsupportedRegexFeature } from '../../../src/ssoService/service/valueSearch';

describe('find by value', () => {
  test('backreferences and lookarounds are refused; escaped or in a class they are plain characters', () => {
    for (const p of ['(a)\\1', '(?<n>a)\\k<n>', 'a(?=b)', 'a(?!b)', '(?<=a)b', '(?<!a)b']) assert.ok(unsupportedRegexFeature(p), p);
    for (const p of ['\\\\1', '[\\1]', '(?:ab)+', '(?<name>ab)', '\\(?=', '[(?=]', 'sql0\\d']) assert.equal(unsupportedRegexFeature(p), undefined, p);
  });

  test('counted repetitions the linear-time engine gives up on are refused: above 16, or nested', () => {
    for (const p of ['^(a|a){1,30}b$', 'a{17}', 'a{2,20}', 'a{17,}', '((a{1,5}){1,5})', '(a{2}|b){3}', '\\\\(a{2}){2}']) assert.ok(unsupportedRegexFeature(p), p);
    for (const p of ['\\d{1,3}\\.\\d{1,3}', '(a{1,16})*', '(ab){2}(cd){3}', 'a{x}', '\\{99}', '[{99}]', 'x{1,16}']) assert.equal(unsupportedRegexFeature(p), undefined, p);
  });

  test('every pattern allowed here ends quickly on input that makes backtracking explode', () => {
    const input = 'a'.repeat(60);
    for (const p of ['^(a|a)*b$', '^(a|a){1,16}b$', '^(a{1,16})*b$', '^(a|a)*a{1,16}a{1,16}(a|a)*b$', '^(?<x>a|a)*b$', '^(a*)*b$']) {
      assert.equal(unsupportedRegexFeature(p), undefined, p);
      const started = Date.now();
      assert.equal(compileMatcher(p, true)(input), undefined);
      assert.ok(Date.now() - started < 1000, `${p}: ${Date.now() - started} ms`);
    }
  });

  test('text ignores case; a regular expression does not; a bad one is an invalid request', () => {
    assert.deepEqual(compileMatcher('SQL01', false)('server=sql01;'), { index: 7, length: 5 });
    assert.equal(compileMatcher('a.c', false)('abc'), undefined, 'text has no special characters');
    assert.deepEqual(compileMatcher('sql0\\d', true)('x sql02'), { index: 2, length: 5 });
    assert.equal(compileMatcher('sql0\\d', true)('SQL02'), undefined);
    assert.throws(() => compileMatcher('(', true), (e: SsoError) => e.code === 'ENTSSO_E_INVALID_REQUEST');
    assert.throws(() => compileMatcher('(a)\\1', true), (e: SsoError) => e.code === 'ENTSSO_E_INVALID_REQUEST' && /backreference/.test(e.message));
  });

  test('a pattern that backtracks exponentially ends quickly (linear-time fallback)', () => {
    const started = Date.now();
    assert.equal(compileMatcher('^(a|a)*b$', true)('a'.repeat(40)), undefined);
    assert.ok(Date.now() - started < 2000, `${Date.now() - started} ms`);
  });

  test('the excerpt is cut around the match, line breaks shown as spaces, offsets kept', () => {
    const value = `${'x'.repeat(50)}\nneedle\t${'y'.repeat(50)}`;
    const e = excerptOf(value, 51, 6);
    assert.equal(e.excerpt.slice(e.matchStart, e.matchStart + e.matchLength), 'needle');
    assert.ok(e.excerpt.startsWith('…') && e.excerpt.endsWith('…') && !/[\n\t]/.test(e.excerpt));
    assert.equal(markedExcerpt({ excerpt: 'a sql01 b', matchStart: 2, matchLength: 5 }), 'a «sql01» b');
  });

  test('the query typed in VS Code: text, or a regular expression between slashes', () => {
    assert.deepEqual(parseValueQuery('sql01'), { pattern: 'sql01', regex: false });
    assert.deepEqual(parseValueQuery('/sql0\\d/'), { pattern: 'sql0\\d', regex: true });
    assert.deepEqual(parseValueQuery('/'), { pattern: '/', regex: false });
    assert.equal(typeof parseValueQuery('  '), 'string');
    assert.deepEqual(parseValueQuery('//'), { pattern: '//', regex: false }, 'two slashes are text (URLs)');
    assert.match(parseValueQuery('x'.repeat(201)) as string, /200 characters/);
  });
});
