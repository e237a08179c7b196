/** The memo on its own: bounded size, and never a hit for a file it cannot read. */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { CommittedStateMemo, sizeOf } from '../../../src/ssoService/ssodb/committedStateMemo';

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'memo-'));
after(() => fs.rmSync(scratch, { recursive: true, force: true }));

function fileWithCounter(counter: number): string {
  const file = path.join(fs.mkdtempSync(path.join(scratch, 'f-')), 'ssodb.db');
  const header = Buffer.alloc(100);
  header.writeUInt32BE(counter, 24);
  fs.writeFileSync(file, header);
  return file;
}

function setCounter(file: string, counter: number): void {
  const bytes = Buffer.alloc(4);
  bytes.writeUInt32BE(counter, 0);
  const fd = fs.openSync(file, 'r+');
  fs.writeSync(fd, bytes, 0, 4, 24);
  fs.closeSync(fd);
}

describe('CommittedStateMemo', () => {
  it('serves a result until the change counter moves, then forgets everything', () => {
    const file = fileWithCounter(7);
    const memo = new CommittedStateMemo(file);
    memo.keep('a', ['x']);
    assert.deepEqual(memo.lookup('a'), ['x']);
    setCounter(file, 8);
    assert.equal(memo.lookup('a'), undefined);
    setCounter(file, 7);
    memo.keep('b', ['y']);
    assert.deepEqual(memo.lookup('b'), ['y']);
    memo.close();
  });

  it('keeps at most its capacity, dropping the least recently used first, and never keeps an oversized result', () => {
    const file = fileWithCounter(1);
    const memo = new CommittedStateMemo(file, sizeOf([1, 2]) * 2);
    memo.keep('first', [1, 2]);
    memo.keep('second', [3, 4]);
    assert.deepEqual(memo.lookup('first'), [1, 2]); // now the most recently used
    memo.keep('third', [5, 6]);
    assert.equal(memo.lookup('second'), undefined, 'the least recently used made room');
    assert.deepEqual(memo.lookup('first'), [1, 2]);
    assert.deepEqual(memo.lookup('third'), [5, 6]);
    memo.keep('third', [7, 8]); // replacing an entry does not count it twice
    assert.deepEqual(memo.lookup('first'), [1, 2]);
    memo.keep('huge', [1, 2, 3, 4, 5]);
    assert.equal(memo.lookup('huge'), undefined);
    assert.deepEqual(memo.lookup('third'), [7, 8]);
    memo.close();
  });

  it('estimates a configuration by its field list and ciphertext', () => {
    assert.equal(sizeOf({ fields: [{}, {}], row: { ciphertext: new Uint8Array(1000) } }), 200 + 200 + 1000);
  });

  it('never serves anything for a file that is gone or too short to have a header', () => {
    const file = fileWithCounter(3);
    const memo = new CommittedStateMemo(file);
    fs.truncateSync(file, 10);
    memo.keep('a', ['x']);
    assert.equal(memo.lookup('a'), undefined);
    memo.close();
    const missing = new CommittedStateMemo(path.join(os.tmpdir(), 'no-such-dir-memo', 'ssodb.db'));
    missing.keep('a', ['x']);
    assert.equal(missing.lookup('a'), undefined);
  });
});
