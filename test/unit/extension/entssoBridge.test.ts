// Unit tests of how an environment of kind `entsso` is recognised, configured and started.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { INTEROP_ASSEMBLY, bridgeProcess, installedEntssoFolder } from '../../../src/connection/entssoBridge';
import { parseEnvironments, sameConnection } from '../../../src/connection/environmentSettings';

describe('ENTSSO environments', () => {
  test('ENTSSO counts as installed only when its Interop assembly is in %CommonProgramW6432%\\Enterprise Single Sign-On', () => {
    const common = join('C:', 'Program Files', 'Common Files');
    const folder = join(common, 'Enterprise Single Sign-On');
    assert.equal(installedEntssoFolder({ CommonProgramW6432: common }, (p) => p === join(folder, INTEROP_ASSEMBLY)), folder);
    assert.equal(installedEntssoFolder({ CommonProgramW6432: common }, () => false), undefined);
    assert.equal(installedEntssoFolder({}, () => true), undefined);
  });

  test('an entsso environment needs no socket or token; a bridge setting is checked', () => {
    const r = parseEnvironments([
      { name: 'This machine', kind: 'entsso' },
      { name: 'standin', kind: 'entsso', description: 'ENTSSO stand-in', bridge: { command: 'mono', args: ['/x/entsso-bridge.exe'], env: { CommonProgramW6432: '/s' } } },
      { name: 'bad1', kind: 'entsso', bridge: { args: [] } },
      { name: 'bad2', kind: 'entsso', bridge: { command: 'mono', args: 'x' } },
      { name: 'bad3', kind: 'entsso', bridge: { command: 'mono', env: { A: 1 } } },
      { name: 'bad4', kind: 'ssod', socketPath: '/s' },
    ]);
    assert.deepEqual(r.environments, [
      { name: 'This machine', socketPath: '', kind: 'entsso' },
      { name: 'standin', socketPath: '', kind: 'entsso', description: 'ENTSSO stand-in', bridge: { command: 'mono', args: ['/x/entsso-bridge.exe'], env: { CommonProgramW6432: '/s' } } },
    ]);
    assert.equal(r.problems.length, 4);
    assert.ok(r.problems.every((p) => p.includes('ignored')));
  });

  test('a changed bridge setting is a different connection', () => {
    const [a, b] = parseEnvironments([
      { name: 'e', kind: 'entsso', bridge: { command: 'mono', args: ['a.exe'] } },
      { name: 'x', kind: 'entsso', bridge: { command: 'mono', args: ['b.exe'] } },
    ]).environments;
    assert.ok(sameConnection(a, { ...a! }));
    assert.ok(!sameConnection(a, { ...b!, name: 'e' }));
  });

  test('the bridge shipped in the extension runs directly on Windows and on Mono elsewhere; a bridge setting wins', () => {
    const env = { name: 'This machine', socketPath: '', kind: 'entsso' as const };
    assert.deepEqual(bridgeProcess(env, '/ext', 'win32'), { command: join('/ext', 'dist', 'entsso-bridge.exe'), args: [] });
    assert.deepEqual(bridgeProcess(env, '/ext', 'linux'), { command: 'mono', args: [join('/ext', 'dist', 'entsso-bridge.exe')] });
    assert.deepEqual(bridgeProcess({ ...env, bridge: { command: 'c', args: ['a'], env: { K: 'v' } } }, '/ext', 'linux'), { command: 'c', args: ['a'], env: { K: 'v' } });
  });
});
