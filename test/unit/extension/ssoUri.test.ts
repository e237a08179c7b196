// Unit tests of sso: document paths.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { formatSsoPath, formatSsoUri, isFieldsView, parseSsoPath, parseSsoUri, sameSsoDocument, withFieldsView } from '../../../src/model/ssoUri';

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

describe('sso: URIs shown by friendly names', () => {
  const GUID_APP = '{0F727AE6-13B8-DCC4-E97E-48D9EBA28904}';
  const PORT = '{5A0F00C9-10C9-40C9-8581-C0FFEE0000C9}';

  test('the path holds the names people know, the query the SSO names; parse gives the SSO names back', () => {
    const uri = formatSsoUri('dev', GUID_APP, PORT, { application: 'SFTP adapter: send ports', identifier: 'SP_Contoso_Orders_SFTP_1' });
    assert.equal(uri.path, '/dev/SFTP adapter: send ports/SP_Contoso_Orders_SFTP_1.json');
    assert.deepEqual(parseSsoUri(uri), { environment: 'dev', application: GUID_APP, identifier: PORT });
  });

  test('labels equal to the names (or unusable) add no query: the URI is the one older versions made', () => {
    assert.deepEqual(formatSsoUri('dev', 'Contoso.OrderService', 'ConfigProperties', { application: 'Contoso.OrderService', identifier: 'ConfigProperties' }), {
      path: '/dev/Contoso.OrderService/ConfigProperties.json',
      query: '',
    });
    assert.equal(formatSsoUri('dev', 'A', 'B', { application: ' ', identifier: '..' }).path, '/dev/A/B.json');
    // Older URIs (no query) keep opening.
    assert.deepEqual(parseSsoUri({ path: '/dev/Contoso.OrderService/ConfigProperties.json', query: '' }), { environment: 'dev', application: 'Contoso.OrderService', identifier: 'ConfigProperties' });
  });

  test('labels with / and % and names with & and = survive', () => {
    const uri = formatSsoUri('dev', 'a&b=c', 'x%y', { application: 'S/FTP 100%', identifier: 'P/1' });
    assert.equal(uri.path.split('/').length, 4);
    assert.deepEqual(parseSsoUri(uri), { environment: 'dev', application: 'a&b=c', identifier: 'x%y' });
  });

  test('the same configuration under either URI; the fields view keeps the SSO names', () => {
    const friendly = formatSsoUri('dev', GUID_APP, PORT, { application: 'SFTP adapter: send ports' });
    const plain = formatSsoUri('DEV', GUID_APP.toLowerCase(), PORT);
    assert.ok(sameSsoDocument(friendly, plain));
    assert.ok(!sameSsoDocument(friendly, formatSsoUri('dev', GUID_APP, 'other')));
    const fields = { path: friendly.path, query: withFieldsView(friendly.query) };
    assert.ok(isFieldsView(fields.query));
    assert.ok(!isFieldsView(friendly.query));
    assert.deepEqual(parseSsoUri(fields), parseSsoUri(friendly));
  });
});
