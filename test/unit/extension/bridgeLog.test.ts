/**
 * Review 5 finding 12: the bridge's stderr lines reach the Output channel bounded in number (each
 * line is already cut and escaped by the client). A unit test of the bound with a clock of its own,
 * and a check that every place the extension passes the bridge's stderr to a log goes through it.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { BRIDGE_LOG_LINES_PER_WINDOW, BRIDGE_LOG_WINDOW_MS, boundedBridgeLog } from '../../../src/connection/bridgeLog';

const repoRoot = join(__dirname, '..', '..', '..');

describe('the bridge log, bounded', () => {
  test('a flood within one window: the first lines pass, the rest are counted and the count is written before the next line', () => {
    let now = 1_000;
    const written: string[] = [];
    const log = boundedBridgeLog((l) => written.push(l), { linesPerWindow: 100, windowMs: 10_000, now: () => now });
    for (let i = 0; i < 100_000; i++) log(`line ${i}`);
    assert.equal(written.length, 100);
    assert.equal(written[99], 'line 99');
    now += 9_999;
    log('still the same window');
    assert.equal(written.length, 100);
    now += 1;
    log('next window');
    assert.deepEqual(written.slice(100), ['(99901 more log lines of the bridge were left out: more than 100 in 10 s)', 'next window']);
  });

  test('a bridge that logs a little loses nothing, and no count line is written', () => {
    let now = 0;
    const written: string[] = [];
    const log = boundedBridgeLog((l) => written.push(l), { linesPerWindow: 3, windowMs: 1_000, now: () => now });
    for (let i = 0; i < 30; i++) {
      log(`event ${i}`);
      now += 500;
    }
    assert.equal(written.length, 30);
    assert.ok(written.every((l) => l.startsWith('event ')));
  });

  test('the default bound: 100 lines per 10 s', () => {
    assert.deepEqual([BRIDGE_LOG_LINES_PER_WINDOW, BRIDGE_LOG_WINDOW_MS], [100, 10_000]);
    const written: string[] = [];
    const log = boundedBridgeLog((l) => written.push(l));
    for (let i = 0; i < 10_000; i++) log('x');
    assert.equal(written.length, BRIDGE_LOG_LINES_PER_WINDOW);
  });

  test('every bridge stderr line the extension logs goes through the bound', () => {
    const src = join(repoRoot, 'src');
    let sites = 0;
    // src/ssoClient/ declares the option; every other use passes the bridge's lines to a log.
    const files = (readdirSync(src, { recursive: true }) as string[]).filter((f) => f.endsWith('.ts') && !f.startsWith(`ssoClient`));
    for (const file of files) {
      for (const match of readFileSync(join(src, file), 'utf8').matchAll(/onProcessLog:\s*([^\n]*)/g)) {
        sites++;
        assert.match(match[1]!, /^boundedBridgeLog\(/, `${file}: ${match[0]}`);
      }
    }
    assert.ok(sites >= 2, `the bridge's log is passed on in ${sites} place(s) of src/connection/: expected two in src/connection/connectionManager.ts (the active connection and openOther)`);
  });
});
