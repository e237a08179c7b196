/**
 * The ENTSSO STAND-IN itself (test/entssoStandin), called directly through its interop types by a
 * small probe program, the way code written against Microsoft's assembly calls it: every behaviour
 * ENTSSO-BRIDGE.md documents, so that the bridge tests run against the semantics of the real thing.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Flags, SEED, SEED_VALUES, buildBridgeAndStandin, readStandinState, seedStandinState, setStandinFault } from '../entssoStandin/standin';

const INTEROP = 'Microsoft.EnterpriseSingleSignOn.Interop.dll';
type Outcome = { ok: true; result: unknown } | { ok: false; type: string; hresult: string };

describe('ENTSSO stand-in: documented behaviours, called directly', { timeout: 120_000 }, () => {
  let dir: string;
  let probe: string;
  let stateFile: string;

  before(async () => {
    const { interopRoot } = await buildBridgeAndStandin();
    dir = mkdtempSync(join(tmpdir(), 'entsso-standin-probe-'));
    // The probe (not the bridge) may have the stand-in beside it.
    copyFileSync(join(interopRoot, 'Enterprise Single Sign-On', INTEROP), join(dir, INTEROP));
    probe = join(dir, 'probe.exe');
    execFileSync('mcs', ['-nologo', `-out:${probe}`, `-r:${join(dir, INTEROP)}`, '-r:System.Core.dll', join(__dirname, 'standinProbe', 'StandinProbe.cs')]);
    stateFile = seedStandinState(join(dir, 'state.json'), { mgmtDbFile: false }).stateFile;
  });
  after(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  function call(...args: string[]): Outcome {
    const r = spawnSync('mono', [probe, ...args], { env: { ...process.env, ENTSSO_STANDIN_STATE: stateFile }, encoding: 'utf8', timeout: 30_000 });
    assert.equal(r.status, 0, r.stderr);
    return JSON.parse(r.stdout.trim()) as Outcome;
  }

  function fails(outcome: Outcome, hresult: string, type = 'COMException'): void {
    assert.deepEqual(outcome.ok ? outcome : { type: outcome.type, hresult: outcome.hresult }, { type, hresult });
  }

  const masked = String(Flags.masked);
  const configStore = String(Flags.configStore);

  test('creating an application enabled fails 0xC0002A62; created disabled, GetFieldInfo answers E_FAIL until enabled', () => {
    fails(call('create', 'Probe.App', String(Flags.configStore | Flags.enabled), 'Url:0'), '0xC0002A62');
    assert.equal(call('create', 'Probe.App', configStore, 'Url:0', 'Secret:' + masked).ok, true);
    fails(call('fieldinfo', 'Probe.App'), '0x80004005');
    assert.equal(call('enable', 'Probe.App').ok, true);
    assert.deepEqual(call('fieldinfo', 'Probe.App'), { ok: true, result: ['Url', 'Secret'] });
  });

  test('a masked first field is refused; enabling with fewer fields than declared fails 0xC0002A11', () => {
    fails(call('create', 'Probe.Masked', configStore, 'Secret:' + masked), '0x80070057');
    const state = readStandinState(stateFile);
    assert.ok(state.applications.some((a) => a.name === 'Probe.Masked' && a.fields.length === 0));
    fails(call('enable', 'Probe.Masked'), '0xC0002A11');
  });

  test('SetConfigInfo drops unknown names silently; admin mode omits masked fields, runtime mode returns them', () => {
    assert.equal(call('set', 'Probe.App', 'Id1', 'Url=https://a', 'Secret=s3cret-value', 'Bogus=dropped').ok, true);
    assert.deepEqual(call('get', 'Probe.App', 'Id1', '0'), { ok: true, result: { Url: 'https://a' } });
    assert.deepEqual(call('get', 'Probe.App', 'Id1', '5'), { ok: true, result: { Url: 'https://a', Secret: 's3cret-value' } });
    assert.ok(!readFileSync(stateFile, 'utf8').includes('s3cret-value'), 'values are encrypted in the state file');
  });

  test('VT_NULL keeps the stored value, and fails 0xC0002A08 where there is none', () => {
    assert.equal(call('set', 'Probe.App', 'Id1', 'Url=https://b', 'Secret=@null').ok, true);
    assert.deepEqual(call('get', 'Probe.App', 'Id1', '5'), { ok: true, result: { Url: 'https://b', Secret: 's3cret-value' } });
    fails(call('set', 'Probe.App', 'Id2', 'Url=https://c', 'Secret=@null'), '0xC0002A08');
  });

  test('errors: no such application 0xC0002A04, no such identifier 0xC0002A05, disabled 0xC0002A03', () => {
    fails(call('get', 'No.Such', 'x', '0'), '0xC0002A04');
    fails(call('get', 'Probe.App', 'Nope', '0'), '0xC0002A05');
    fails(call('get', SEED.archiveSettings, 'ConfigProperties', '0'), '0xC0002A03');
  });

  test('raceCount: the next SetConfigInfo calls fail 0xC0002A40, then writes work again', () => {
    setStandinFault(stateFile, { raceCount: 2 });
    fails(call('set', 'Probe.App', 'Id1', 'Url=r', 'Secret=@null'), '0xC0002A40');
    fails(call('set', 'Probe.App', 'Id1', 'Url=r', 'Secret=@null'), '0xC0002A40');
    assert.equal(call('set', 'Probe.App', 'Id1', 'Url=r', 'Secret=@null').ok, true);
    assert.equal(readStandinState(stateFile).racesRaised, 2);
  });

  test('access denied arrives as UnauthorizedAccessException with HResult 0x80070005', () => {
    setStandinFault(stateFile, { accessDenied: true });
    fails(call('get', 'Probe.App', 'Id1', '0'), '0x80070005', 'UnauthorizedAccessException');
    fails(call('globalinfo'), '0x80070005', 'UnauthorizedAccessException');
    setStandinFault(stateFile, { accessDenied: false });
  });

  test('MSS unreachable: GetServerStatus flags / a remote MSS does not answer; runtime reads work, writes fail 0xC0002A1F', () => {
    assert.deepEqual(call('status'), { ok: true, result: 3 });
    setStandinFault(stateFile, { mssReachable: false });
    assert.deepEqual(call('status', 'BTS01'), { ok: true, result: 1 }, 'the local MSS answers without SECRET_SERVER_RUNNING');
    setStandinFault(stateFile, { secretServer: 'SSOMSS01' });
    fails(call('status', 'SSOMSS01'), '0x800706BA');
    assert.deepEqual(call('get', 'Probe.App', 'Id1', '5'), { ok: true, result: { Url: 'r', Secret: 's3cret-value' } });
    fails(call('set', 'Probe.App', 'Id1', 'Url=x', 'Secret=@null'), '0xC0002A1F');
    setStandinFault(stateFile, { secretCached: false });
    fails(call('get', 'Probe.App', 'Id1', '5'), '0xC0002A1F');
    fails(call('set', 'Probe.App', 'Id1', 'Url=x', 'Secret=@null'), '0xC0002A5B');
    setStandinFault(stateFile, { mssReachable: true, secretCached: true, secretServer: 'BTS01', localRunning: false });
    fails(call('status'), '0x800706BA');
    setStandinFault(stateFile, { localRunning: true });
  });

  test('applications filtered by type through the mapper\'s property bag (both spellings of the mask); unfiltered: affiliate ones only, as "ssomanage -listapps" without "all"', () => {
    const unfiltered = call('apps');
    assert.ok(unfiltered.ok && (unfiltered.result as string[]).includes(SEED.mainframe));
    for (const configStore of [SEED.ordersSettings, SEED.sftpSendHandler]) assert.ok(!(unfiltered.result as string[]).includes(configStore), configStore);
    for (const maskName of ['AppFilterFlagMask', 'AppFilterFlagsMask']) {
      const configStoreOnly = call('apps', '4', '1', maskName);
      assert.ok(configStoreOnly.ok);
      assert.ok(!(configStoreOnly.result as string[]).includes(SEED.mainframe), maskName);
      assert.ok((configStoreOnly.result as string[]).includes(SEED.ordersSettings), maskName);
      const every = call('apps', String(4 | 268435455), '1', maskName);
      assert.ok(every.ok);
      for (const name of [SEED.mainframe, SEED.ordersSettings, SEED.sftpSendHandler]) assert.ok((every.result as string[]).includes(name), `${maskName}: ${name}`);
    }
  });

  test('master secret: password < 7 → 0xC0002A54, reminder > 512 → 0xC0002A58, wrong password 0xC0002A1B, not the MSS 0xC0002A0E; the file is encrypted', () => {
    const file = join(dir, 'secret.bak');
    fails(call('backup', file, 'short', ''), '0xC0002A54');
    fails(call('backup', file, 'long-enough', 'r'.repeat(513)), '0xC0002A58');
    assert.equal(call('backup', file, 'long-enough', 'the reminder').ok, true);
    const text = readFileSync(file, 'utf8');
    assert.ok(!text.includes(readStandinState(stateFile).secretKey), 'no secret in clear');
    assert.deepEqual(call('reminder', file), { ok: true, result: 'the reminder' });
    fails(call('restore', file, 'wrong-password'), '0xC0002A1B');
    assert.equal(call('restore', file, 'long-enough').ok, true);
    assert.deepEqual(call('get', SEED.ordersSettings, 'ConfigProperties', '5'), { ok: true, result: { ServiceUrl: SEED_VALUES.serviceUrl, RetryCount: '3', ApiKey: SEED_VALUES.apiKey } });
    setStandinFault(stateFile, { secretServer: 'SSOMSS01' });
    for (const args of [['backup', file, 'long-enough', ''], ['restore', file, 'long-enough'], ['reminder', file]]) fails(call(...args), '0xC0002A0E');
    setStandinFault(stateFile, { secretServer: 'BTS01' });
  });
});
