// Unit tests of the version an sso: document save is based on, and its stat size.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { STAT_BEFORE_WRITE_MS, expectedVersion, versionSize } from '../../../src/model/documentVersion';

describe('expectedVersion', () => {
  const base = { timestamp: 'v1', modifiedAt: 1000 };
  test('the version the document was read from, normally', () => {
    assert.deepEqual(expectedVersion(base, undefined, 5000), base);
    assert.deepEqual(expectedVersion(base, { timestamp: 'v1', modifiedAt: 1000, at: 4900 }, 5000), base);
  });

  test('the version VS Code stat()ed right before an explicit overwrite', () => {
    assert.deepEqual(expectedVersion(base, { timestamp: 'v2', modifiedAt: 2000, at: 4900 }, 5000), { timestamp: 'v2', modifiedAt: 2000 });
  });

  test('a newer version of the same stat size (k x the size period later) was never shown by VS Code: no overwrite of it', () => {
    const read = { timestamp: 'v1', modifiedAt: 1_764_000_000_000 };
    for (const k of [1, 2, 1000]) {
      const later = read.modifiedAt + k * 1_000_003;
      assert.equal(versionSize(later, 0), versionSize(read.modifiedAt, 0));
      assert.deepEqual(expectedVersion(read, { timestamp: 'v2', modifiedAt: later, at: 4900 }, 5000), read);
    }
    assert.deepEqual(expectedVersion(read, { timestamp: 'v2', modifiedAt: read.modifiedAt + 1_000_004, at: 4900 }, 5000), { timestamp: 'v2', modifiedAt: read.modifiedAt + 1_000_004 });
  });

  test('a stat whose listing had no version (the ENTSSO bridge: null) never stands for one: the save stays based on what was read', () => {
    assert.deepEqual(expectedVersion(base, { timestamp: null, modifiedAt: 2000, at: 4900 }, 5000), base);
  });

  test('an old stat does not count', () => {
    assert.deepEqual(expectedVersion(base, { timestamp: 'v2', modifiedAt: 2000, at: 0 }, STAT_BEFORE_WRITE_MS + 1), base);
  });
});

describe('versionSize', () => {
  test('differs between consecutive versions and generations, stays small', () => {
    const sizes = new Set<number>();
    for (let t = 1_764_000_000_000; t < 1_764_000_000_000 + 5000; t += 7) sizes.add(versionSize(t, 0));
    assert.equal(sizes.size, Math.ceil(5000 / 7));
    assert.notEqual(versionSize(1_764_000_000_000, 0), versionSize(1_764_000_000_000, 1));
    for (const s of sizes) assert.ok(s >= 1024 && s < 1024 + 1_000_003);
  });
});
