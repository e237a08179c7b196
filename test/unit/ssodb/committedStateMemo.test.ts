/** The memo on its own: served while the header is unchanged, bounded in size, never a hit for a file it cannot read. */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { CommittedStateMemo, sizeOf, UNTOUCHED } from '../../../src/ssoService/ssodb/committedStateMemo';

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'memo-'));
after(() => fs.rmSync(scratch, { recursive: true, force: true }));

function fileWithCounter(counter: number): string {
  const file = path.join(fs.mkdtempSync(path.join(scratch, 'f-')), 'ssodb.db');
  const header = Buffer.alloc(100);
  header.writeUInt32BE(counter, 24);
  fs.writeFileSync(file, header);
  return file;
}

function writeUInt32At(file: string, offset: number, value: number): void {
  const bytes = Buffer.alloc(4);
  bytes.writeUInt32BE(value, 0);
  const fd = fs.openSync(file, 'r+');
  fs.writeSync(fd, bytes, 0, 4, offset);
  fs.closeSync(fd);
}

function openMemo(file: string, capacity?: number): CommittedStateMemo {
  const memo = new CommittedStateMemo(file, capacity);
  memo.open();
  return memo;
}

describe('CommittedStateMemo', () => {
  it('serves a result only while the header is what it was when the result was kept', () => {
    const file = fileWithCounter(7);
    const memo = openMemo(file);
    memo.keep('a', ['x']);
    assert.deepEqual(memo.lookup('a'), ['x']);
    writeUInt32At(file, 24, 8); // a commit
    assert.equal(memo.lookup('a'), undefined);
    writeUInt32At(file, 24, 7); // a dead writer's journal rolled back: the state read is current again
    assert.deepEqual(memo.lookup('a'), ['x']);
    writeUInt32At(file, 28, 99); // the page count, which SQLite checks with the counter
    assert.equal(memo.lookup('a'), undefined);
    memo.keep('b', ['y']); // kept at the new header: what was kept before is dropped
    writeUInt32At(file, 28, 0);
    assert.equal(memo.lookup('b'), undefined);
    assert.equal(memo.lookup('a'), undefined);
    memo.close();
  });

  it("keeps results across this process's own commit only when the counter moved by exactly that commit, revised as the writes say", () => {
    const file = fileWithCounter(7);
    const memo = openMemo(file);
    memo.keep('a', ['x']);
    memo.keep('b', ['y']);
    let start = memo.startOfOwnWrite();
    writeUInt32At(file, 24, 8); // our commit alone
    memo.afterOwnCommit(start, [(key, value) => (key === 'a' ? ['x2'] : value)]);
    assert.deepEqual(memo.lookup('a'), ['x2'], 'revised as written');
    assert.deepEqual(memo.lookup('b'), ['y']);

    start = memo.startOfOwnWrite();
    writeUInt32At(file, 24, 10); // our commit and someone else's right after it
    memo.afterOwnCommit(start, [UNTOUCHED]);
    assert.equal(memo.lookup('b'), undefined);

    memo.keep('c', ['z']);
    writeUInt32At(file, 24, 11); // someone else's commit before ours began
    assert.equal(memo.startOfOwnWrite(), undefined);
    writeUInt32At(file, 24, 12);
    memo.afterOwnCommit(undefined, [UNTOUCHED]);
    writeUInt32At(file, 24, 10);
    assert.equal(memo.lookup('c'), undefined, 'dropped, even were the header to read as it was');

    memo.keep('d', ['w']);
    start = memo.startOfOwnWrite();
    writeUInt32At(file, 24, 11);
    memo.afterOwnCommit(start, undefined); // a write that could not say what it changed
    assert.equal(memo.lookup('d'), undefined);

    memo.keep('e', ['v']);
    start = memo.startOfOwnWrite();
    memo.afterOwnCommit(start, []); // nothing written: the header alone decides, as for any lookup
    assert.deepEqual(memo.lookup('e'), ['v']);
    memo.close();
  });

  it('keeps at most its capacity, dropping the least recently used first, and never keeps an oversized or empty result', () => {
    const file = fileWithCounter(1);
    const memo = openMemo(file, sizeOf([1, 2]) * 2);
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
    memo.keep('nothing', undefined); // a read that found nothing takes no room
    assert.deepEqual(memo.lookup('third'), [7, 8]);
    assert.deepEqual(memo.lookup('first'), [1, 2]);
    memo.close();
  });

  it('estimates a configuration by its field list and twice its ciphertext (the service may keep a document from it)', () => {
    assert.equal(sizeOf({ fields: [{}, {}], row: { ciphertext: new Uint8Array(1000) } }), 200 + 200 + 2000);
  });

  it('never serves anything for a file that does not exist, is too short to have a header, or was not opened', () => {
    const file = fileWithCounter(3);
    const short = openMemo(file);
    fs.truncateSync(file, 10);
    short.keep('a', ['x']);
    assert.equal(short.lookup('a'), undefined);
    short.close();
    const missing = openMemo(path.join(scratch, 'no-such-dir', 'ssodb.db'));
    missing.keep('a', ['x']);
    assert.equal(missing.lookup('a'), undefined);
    const notOpened = new CommittedStateMemo(fileWithCounter(4));
    notOpened.keep('a', ['x']);
    assert.equal(notOpened.lookup('a'), undefined);
  });
});
