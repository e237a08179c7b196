// Unit tests of sso: document paths.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { formatSsoPath, parseSsoPath } from '../../../src/model/ssoUri';

describe('sso: paths', () => {
  test('format and parse a document path', () => {
    const path = formatSsoPath('dev', 'Contoso.Settings', 'ConfigProperties');
    assert.equal(path, '/dev/Contoso.Settings/ConfigProperties.json');
    assert.deepEqual(parseSsoPath(path), { environment: 'dev', application: 'Contoso.Settings', identifier: 'ConfigProperties' });
  });

  test('names with / and % survive the round trip', () => {
    const path = formatSsoPath('d/ev', 'A%2FB/C', '{GUID}/x%');
    assert.equal(path.split('/').length, 4);
    assert.deepEqual(parseSsoPath(path), { environment: 'd/ev', application: 'A%2FB/C', identifier: '{GUID}/x%' });
  });

  test('folders and invalid paths', () => {
    assert.deepEqual(parseSsoPath('/dev'), { environment: 'dev' });
    assert.deepEqual(parseSsoPath('/dev/App'), { environment: 'dev', application: 'App' });
    assert.deepEqual(parseSsoPath('/dev/App/'), { environment: 'dev', application: 'App' });
    for (const bad of ['', '/', 'dev/App/x.json', '/dev/App/x.txt', '/dev/App/.json', '/a/b/c/d.json', '//App/x.json']) {
      assert.equal(parseSsoPath(bad), undefined, bad);
    }
  });
});
