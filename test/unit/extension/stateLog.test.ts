// Unit tests of how many of the pushed service states reach the Output channel.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ServiceState } from '../../../src/protocol/messages';
import { STATE_LOG_LINES_PER_WINDOW, STATE_LOG_WINDOW_MS, stateChangeLog } from '../../../src/connection/stateLog';

const state = (name: ServiceState['state'], reencrypt?: ServiceState['reencrypt']): ServiceState => ({
  state: name,
  mssName: 'MSS01',
  canEncrypt: name === 'ready',
  canDecrypt: true,
  message: '',
  syncIntervalMs: 5000,
  reencrypt,
});

test('only a change of state is logged, not every push (re-encryption progress included)', () => {
  const lines: string[] = [];
  const log = stateChangeLog((l) => lines.push(l), () => 0);
  log('PROD', state('ready'));
  log('PROD', state('ready'));
  log('PROD', state('reencrypting', { fromMsid: 'a', toMsid: 'b', done: 1, total: 100 }));
  for (let done = 2; done <= 100; done++) log('PROD', state('reencrypting', { fromMsid: 'a', toMsid: 'b', done, total: 100 }));
  log('PROD', state('ready'));
  assert.deepEqual(lines, ['State of "PROD": ready', 'State of "PROD": reencrypting (1/100)', 'State of "PROD": ready']);
});

test('a server that flips its state without pause is bounded per window, and what was left out is counted', () => {
  const lines: string[] = [];
  let now = 0;
  const log = stateChangeLog((l) => lines.push(l), () => now);
  for (let i = 0; i < 1000; i++) log('PROD', state(i % 2 === 0 ? 'ready' : 'cached'));
  assert.equal(lines.length, STATE_LOG_LINES_PER_WINDOW);
  now = STATE_LOG_WINDOW_MS;
  log('PROD', state('no-secret'));
  assert.equal(lines.length, STATE_LOG_LINES_PER_WINDOW + 2);
  assert.match(lines[STATE_LOG_LINES_PER_WINDOW], new RegExp(`^\\(${1000 - STATE_LOG_LINES_PER_WINDOW} more state changes not logged`));
  assert.equal(lines.at(-1), 'State of "PROD": no-secret');
});
