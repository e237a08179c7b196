// Unit tests of the entsso.environments / entsso.activeEnvironment settings.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { checkEnvironmentName, parseEnvironments, resolveActive, secretKeyFor, upsertEnvironment, withoutEnvironment } from '../../../src/connection/environmentSettings';

describe('environment settings', () => {
  test('valid entries are kept, bad ones explained and skipped', () => {
    const r = parseEnvironments([
      { name: 'dev', socketPath: '/d/run/ssod.sock', tokenFile: '/d/access-token' },
      { name: 'test', socketPath: ' /t.sock ' },
      { name: 'DEV', socketPath: '/other' },
      { socketPath: '/x' },
      { name: 'prod' },
      'nonsense',
    ]);
    assert.deepEqual(r.environments, [
      { name: 'dev', socketPath: '/d/run/ssod.sock', tokenFile: '/d/access-token' },
      { name: 'test', socketPath: '/t.sock' },
    ]);
    assert.equal(r.problems.length, 4);
    assert.deepEqual(parseEnvironments(undefined), { environments: [], problems: [] });
    assert.equal(parseEnvironments({}).problems.length, 1);
  });

  test('the active environment: by name (case-insensitive), else the only one', () => {
    const envs = [{ name: 'dev', socketPath: 'a' }, { name: 'test', socketPath: 'b' }];
    assert.equal(resolveActive(envs, 'TEST')?.name, 'test');
    assert.equal(resolveActive(envs, 'prod'), undefined);
    assert.equal(resolveActive(envs, ''), undefined);
    assert.equal(resolveActive([envs[0]!], undefined)?.name, 'dev');
  });

  test('upsert replaces by name and keeps order', () => {
    const envs = [{ name: 'dev', socketPath: 'a', tokenFile: 'f' }, { name: 'test', socketPath: 'b' }];
    assert.deepEqual(upsertEnvironment(envs, { name: 'DEV', socketPath: 'c' }), [{ name: 'DEV', socketPath: 'c' }, { name: 'test', socketPath: 'b' }]);
    assert.equal(upsertEnvironment(envs, { name: 'prod', socketPath: 'p' }).length, 3);
  });

  test('names and secret keys', () => {
    assert.ok(checkEnvironmentName(''));
    assert.ok(checkEnvironmentName('a\u0001'));
    assert.equal(checkEnvironmentName('prod'), undefined);
    assert.equal(secretKeyFor('Prod'), 'entsso.token.prod');
  });

  test('removing an environment drops only its entry (any case), keeping the others as written', () => {
    const raw = [{ name: 'Dev', socketPath: '/a' }, 'junk', { name: 'prod', socketPath: '/b', extra: 1 }];
    assert.deepEqual(withoutEnvironment(raw, 'dev'), ['junk', { name: 'prod', socketPath: '/b', extra: 1 }]);
    assert.deepEqual(withoutEnvironment(raw, 'test'), raw);
  });
});
