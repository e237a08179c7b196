import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FrameTooLargeError, LineDecoder, encodeLine } from '../../../src/protocol/jsonLines';

test('lines split across chunks and several lines in one chunk are decoded in order', () => {
  const lines: string[] = [];
  const d = new LineDecoder((l) => lines.push(l));
  const text = encodeLine({ a: 1 }) + encodeLine({ b: 'é✓' }) + encodeLine({ c: [1, 2] });
  const bytes = Buffer.from(text, 'utf8');
  // Split inside a multi-byte character to prove decoding happens on whole lines.
  for (let i = 0; i < bytes.length; i += 3) d.push(bytes.subarray(i, i + 3));
  assert.deepEqual(lines.map((l) => JSON.parse(l)), [{ a: 1 }, { b: 'é✓' }, { c: [1, 2] }]);
});

test('a frame over the limit is refused instead of buffered, and the decoder recovers', () => {
  const lines: string[] = [];
  const d = new LineDecoder((l) => lines.push(l), 16);
  assert.throws(() => d.push(Buffer.alloc(17, 0x61)), FrameTooLargeError);
  d.push(Buffer.from('{"ok":true}\n'));
  assert.deepEqual(lines, ['{"ok":true}']);
});

test('blank lines are ignored', () => {
  const lines: string[] = [];
  const d = new LineDecoder((l) => lines.push(l));
  d.push(Buffer.from('\n\n  \n{"x":1}\n'));
  assert.deepEqual(lines, ['{"x":1}']);
});

test('a whole line over the limit arriving in one chunk is refused too', () => {
  const lines: string[] = [];
  const d = new LineDecoder((l) => lines.push(l), 16);
  assert.throws(() => d.push(Buffer.from(`${'a'.repeat(17)}\n`)), FrameTooLargeError);
  d.push(Buffer.from(`${'b'.repeat(16)}\n`));
  assert.deepEqual(lines, ['b'.repeat(16)]);
});
