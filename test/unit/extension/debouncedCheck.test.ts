/**
 * The "name exists already" check of the create prompts asks the service once typing pauses:
 * ten keystrokes in a burst are one request, for the last value, and an answer for a value typed
 * over is never shown.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { debouncedCheck } from '../../../src/model/debouncedCheck';

const DELAY_MS = 40;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('a burst of keystrokes sends one request, for the last value', async () => {
  const asked: string[] = [];
  const check = debouncedCheck(async (v) => {
    asked.push(v);
    return v === 'Contoso.Orders' ? 'exists' : undefined;
  }, DELAY_MS);
  const typed = 'Contoso.Orders';
  const answers = [];
  for (let i = 1; i <= 10; i++) answers.push(check(typed.slice(0, i + typed.length - 10)));
  const results = await Promise.all(answers);
  assert.deepEqual(asked, ['Contoso.Orders']);
  assert.deepEqual(results.slice(0, 9), Array(9).fill(undefined), 'typed-over values get no answer');
  assert.equal(results[9], 'exists');
});

test('pauses longer than the delay check each value; an answer that arrives after newer typing is dropped', async () => {
  const asked: string[] = [];
  let answerSlowly: ((problem: string | undefined) => void) | undefined;
  const check = debouncedCheck((v) => {
    asked.push(v);
    return v === 'slow' ? new Promise((r) => (answerSlowly = r)) : Promise.resolve(undefined);
  }, DELAY_MS);
  const first = check('slow');
  await sleep(DELAY_MS * 2); // the request for "slow" is under way
  const second = check('fast');
  answerSlowly?.('exists');
  assert.equal(await first, undefined, 'stale: "fast" was typed since');
  assert.equal(await second, undefined);
  assert.deepEqual(asked, ['slow', 'fast']);
});

test('a failing request shows no problem (the create itself reports what is wrong)', async () => {
  const check = debouncedCheck(() => Promise.reject(new Error('not connected')), DELAY_MS);
  assert.equal(await check('x'), undefined);
});
