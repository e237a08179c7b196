/**
 * Copy to Environment writes the values the user confirmed (review finding 2): copyWrites reads
 * the source again, revealed when a masked field is copied, and refuses with ENTSSO_E_CONFLICT
 * when the source's row changed since the preview, so that no write mixes the preview's values
 * with newer ones. The source is a fake EnvironmentSide (the code around it is what is tested).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { copyWrites, newComparisonKey, previewCopy, previewDiff, type CopyPreview, type EnvironmentSide } from '../../../src/model/crossEnvironment';
import { SET_MANY_MAX_WRITES, type ApplicationDetail, type ConfigDocument, type MethodName } from '../../../src/protocol/messages';

const doc = (timestamp: string, url: string, password: string): ConfigDocument => ({
  application: 'App', identifier: 'C', timestamp, modifiedAt: 0, fields: { Url: url, Password: password }, masked: ['Password'], maskedSet: ['Password'], revealed: password !== '',
});

/** A source whose config.get answers `reads` in turn, recording whether each read revealed. */
function source(...reads: ConfigDocument[]): EnvironmentSide & { revealed: boolean[] } {
  const revealed: boolean[] = [];
  return {
    name: 'Dev',
    revealed,
    serves: () => true,
    request: (async (method: MethodName, params: { reveal?: boolean }) => {
      assert.equal(method, 'config.get');
      revealed.push(params.reveal === true);
      return reads.shift();
    }) as EnvironmentSide['request'],
  };
}

const preview = (seen: ConfigDocument): CopyPreview => ({
  application: 'App', source: 'Dev', target: 'Prod', targetFieldsVersion: 'v',
  items: [{
    identifier: 'C', action: 'update', targetTimestamp: 't-1', source: seen,
    fields: [{ label: 'Url', masked: false, state: 'differs', leftSet: true, rightSet: true }, { label: 'Password', masked: true, state: 'differs', leftSet: true, rightSet: true }],
    diff: { fields: [] },
  }],
});

describe('copyWrites', () => {
  it('refuses with ENTSSO_E_CONFLICT when the source changed since the preview (masked field copied)', async () => {
    const side = source(doc('ts-2', 'https://new', 'NewSecret'));
    await assert.rejects(copyWrites(side, preview(doc('ts-1', 'https://old', '')), () => 'copy'), (e: Error & { code?: string }) => e.code === 'ENTSSO_E_CONFLICT' && !/NewSecret/.test(e.message));
    assert.deepEqual(side.revealed, [true]);
  });

  it('refuses too when no masked field is copied (plain read)', async () => {
    const side = source(doc('ts-2', 'https://new', ''));
    await assert.rejects(copyWrites(side, preview(doc('ts-1', 'https://old', '')), () => 'keep'), { code: 'ENTSSO_E_CONFLICT' });
    assert.deepEqual(side.revealed, [false]);
  });

  it('writes the values of one read when the source is as previewed', async () => {
    const side = source(doc('ts-1', 'https://old', 'Secret'));
    const writes = await copyWrites(side, preview(doc('ts-1', 'https://old', '')), () => 'copy');
    assert.deepEqual(writes.map((w) => ({ ...w, fields: { ...w.fields } })), [{ identifier: 'C', expectedTimestamp: 't-1', fields: { Url: 'https://old', Password: 'Secret' } }]);
  });
});

describe('previewCopy', () => {
  const detail: ApplicationDetail = {
    name: 'App', description: '', contact: '', userGroup: '', adminGroup: '', flags: 3, kind: 'configStore', enabled: true, numFields: 2, identifierCount: 1,
    fields: [{ label: 'Url', masked: false, ordinal: 0 }, { label: 'Password', masked: true, ordinal: 1 }], fieldsVersion: 'v',
  };
  /** A side without config.fingerprints (fingerprinted from config.get) whose reads answer `reads` in turn. */
  const side = (name: string, ...reads: ConfigDocument[]): EnvironmentSide => ({
    name,
    serves: (method) => method === 'config.setMany',
    request: (async (method: MethodName) => (method === 'apps.get' ? detail : reads.shift())) as EnvironmentSide['request'],
  });

  it('refuses with ENTSSO_E_CONFLICT when the source changed between its fingerprints and its document', async () => {
    const source = side('Dev', doc('ts-1', 'https://old', ''), doc('ts-2', 'https://new', ''));
    const target = side('Prod', { ...doc('t-1', 'https://prod', ''), identifier: 'C' });
    await assert.rejects(previewCopy(source, target, 'App', ['C'], newComparisonKey()), { code: 'ENTSSO_E_CONFLICT' });
  });

  it('refuses too when the target changed between its fingerprints and its document', async () => {
    const source = side('Dev', doc('ts-1', 'https://old', ''), doc('ts-1', 'https://old', ''));
    const target = side('Prod', doc('t-1', 'https://prod', ''), doc('t-2', 'https://prod2', ''));
    await assert.rejects(previewCopy(source, target, 'App', ['C'], newComparisonKey()), { code: 'ENTSSO_E_CONFLICT' });
  });

  it('the diff it shows is of the documents it read, without another request', async () => {
    const source = side('Dev', doc('ts-1', 'https://old', ''), doc('ts-1', 'https://old', ''));
    const target = side('Prod', doc('t-1', 'https://prod', ''), doc('t-1', 'https://prod', ''));
    const preview = await previewCopy(source, target, 'App', ['C'], newComparisonKey());
    const gone = async () => assert.fail('no request after the preview');
    source.request = gone as EnvironmentSide['request'];
    target.request = gone as EnvironmentSide['request'];
    const texts = previewDiff(preview, preview.items[0]!);
    assert.match(texts.left, /^Url = https:\/\/old$/m);
    assert.match(texts.right, /^Url = https:\/\/prod$/m);
  });

  /** A side that answers from `documents` by identifier and counts the reads that revealed. */
  function counting(name: string, documents: Map<string, ConfigDocument>, servesSetMany: boolean) {
    const requests: string[] = [];
    let reveals = 0;
    const sideOf: EnvironmentSide = {
      name,
      serves: (method) => method === 'config.setMany' && servesSetMany,
      request: (async (method: MethodName, params: { identifier?: string; reveal?: boolean }) => {
        requests.push(method);
        if (params.reveal) reveals++;
        if (method === 'apps.get') return detail;
        return documents.get(params.identifier ?? '');
      }) as EnvironmentSide['request'],
    };
    return { side: sideOf, requests, reveals: () => reveals };
  }
  const many = (count: number, url: string) => new Map(Array.from({ length: count }, (_, i) => [`C${i}`, { ...doc('ts-1', `${url}/${i}`, ''), identifier: `C${i}` }] as const));

  it('refuses a target that cannot write a batch (the ENTSSO bridge) before reading or revealing anything (review 10, F7)', async () => {
    const source = counting('Dev', many(1, 'https://dev'), true);
    const target = counting('BTS', many(1, 'https://prod'), false);
    await assert.rejects(previewCopy(source.side, target.side, 'App', ['C0'], newComparisonKey()), /BTS cannot write several configurations in one transaction through this connection, so nothing was copied/);
    assert.deepEqual([source.requests, target.requests], [[], []]);
  });

  it('refuses more changes than one transaction writes before any document is read, so no copy can reveal them (review 10, F7)', async () => {
    const ids = Array.from({ length: SET_MANY_MAX_WRITES + 1 }, (_, i) => `C${i}`);
    const source = counting('Dev', many(ids.length, 'https://dev'), true);
    const target = counting('Prod', many(ids.length, 'https://prod'), true);
    await assert.rejects(previewCopy(source.side, target.side, 'App', ids, newComparisonKey()), new RegExp(`at most ${SET_MANY_MAX_WRITES} configurations in one transaction; this one has ${ids.length}\\. Nothing was copied or revealed`));
    assert.equal(source.reveals(), 0);
    assert.equal(source.requests.length, 1 + ids.length, 'apps.get and the fingerprint reads (config.get without reveal), nothing more');
  });
});

