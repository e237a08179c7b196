/**
 * The size of a configuration (src/protocol/configurationSize.ts) and the service's check of it:
 * the measure is exactly the UTF-8 length of the fields as `config.get` returns them, for any
 * names and values; a write may not push a configuration past the limit, but one stored before
 * the limit existed may still shrink.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { SsoError } from '../../../src/protocol/errors';
import { configurationBytes, fieldsAsRead, MAX_CONFIGURATION_BYTES } from '../../../src/protocol/configurationSize';
import { checkConfigurationSize } from '../../../src/ssoService/service/applicationState';

describe('configuration size', () => {
  test('is the UTF-8 length of the JSON object of every field, whatever the names and values hold', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.tuple(fc.string({ unit: 'binary', maxLength: 20 }), fc.string({ unit: 'binary', maxLength: 60 })), { selector: ([label]) => label, maxLength: 12 }), (entries) => {
        const document = Object.fromEntries(entries);
        assert.equal(configurationBytes(entries), Buffer.byteLength(JSON.stringify(document), 'utf8'));
      }),
      { numRuns: 5000 },
    );
  });

  test('counts every field of the application, empty ones as ""', () => {
    const labels = ['Url', 'Password', 'Empty'];
    const values = new Map([['Url', 'u'], ['Password', 'p']]);
    assert.equal(configurationBytes(fieldsAsRead(labels, values)), Buffer.byteLength('{"Url":"u","Password":"p","Empty":""}'));
  });

  const big = (extra: number) => ({ labels: ['Value'], values: new Map([['Value', 'x'.repeat(MAX_CONFIGURATION_BYTES - '{"Value":""}'.length + extra)]]) });

  test('a write up to the limit passes; one byte more is refused with a typed error that names the configuration, not a value', () => {
    assert.doesNotThrow(() => checkConfigurationSize('App', 'Id', big(0)));
    assert.throws(
      () => checkConfigurationSize('App', 'Id', big(1)),
      (err: unknown) => err instanceof SsoError && err.code === 'ENTSSO_E_CONFIGURATION_TOO_LARGE' && /"Id" of "App".*1048577 bytes/.test(err.message) && !err.message.includes('xxx'),
    );
  });

  test('a configuration already past the limit (stored before it existed) may shrink, not grow', () => {
    assert.doesNotThrow(() => checkConfigurationSize('App', 'Id', big(5), big(10)), 'smaller than before');
    assert.doesNotThrow(() => checkConfigurationSize('App', 'Id', big(10), big(10)), 'unchanged');
    assert.throws(() => checkConfigurationSize('App', 'Id', big(11), big(10)), /1048587 bytes/);
  });
});
