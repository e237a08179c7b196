/**
 * scripts/buildBridge.mjs keeps the shipped build and the TEST build (ENTSSO_TEST_HOOKS) apart in
 * one output folder: a build of the other flavour is never taken as up to date (a stamp beside the
 * exe says which it is), and a shipped build is never left holding a test hook's variable name,
 * whatever its stamp says. Real builds with Mono's mcs, against the ENTSSO STAND-IN assembly.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ROOT, STANDIN_ROOT } from '../entssoStandin/standin';

const HOOK_VARIABLES = ['ENTSSO_BRIDGE_CRASH_AT', 'ENTSSO_BRIDGE_MGMTDB_FILE'];

/** .NET keeps a string literal as UTF-16LE in the assembly. */
const hookVariablesIn = (exe: string) => HOOK_VARIABLES.filter((name) => readFileSync(exe).includes(Buffer.from(name, 'utf16le')));

describe('buildBridge.mjs: the shipped and the test build in one folder', { timeout: 300_000 }, () => {
  let dir: string;
  let exe: string;

  /** Runs the script into `dir`; whether it compiled (it says so), or skipped an up-to-date exe. */
  function build(...flags: string[]): { compiled: boolean } {
    const r = spawnSync(process.execPath, [join(ROOT, 'scripts', 'buildBridge.mjs'), '--standin-root', STANDIN_ROOT, '--out', dir, ...flags], { cwd: ROOT, encoding: 'utf8', timeout: 240_000 });
    assert.equal(r.status, 0, r.stderr);
    return { compiled: /compiling .*entsso-bridge\.exe/.test(r.stderr) };
  }

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'entsso-bridge-flavour-'));
    exe = join(dir, 'entsso-bridge.exe');
  });
  after(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  test('the test build, then the shipped build into the same folder: the exe left there has no test hooks', () => {
    build('--test-hooks');
    assert.deepEqual(hookVariablesIn(exe), HOOK_VARIABLES, 'the test build reads both variables');
    const shipped = build();
    assert.deepEqual(hookVariablesIn(exe), [], 'the exe left by the shipped build reads no test variable');
    assert.equal(shipped.compiled, true, 'the shipped build was compiled, not taken as up to date');
  });

  test('the same flavour again is up to date (no compile); the other flavour back is compiled', () => {
    assert.equal(build().compiled, false, 'the shipped build again: up to date');
    assert.equal(build('--test-hooks').compiled, true);
    assert.deepEqual(hookVariablesIn(exe), HOOK_VARIABLES);
  });

  test('a test build whose stamp says shipped (or one without a stamp) is not taken for the shipped build', () => {
    for (const stamp of ['shipped\n', undefined]) {
      build('--test-hooks');
      if (stamp === undefined) rmSync(`${exe}.flavour`);
      else writeFileSync(`${exe}.flavour`, stamp);
      assert.equal(build().compiled, true, `stamp ${JSON.stringify(stamp)}: compiled`);
      assert.deepEqual(hookVariablesIn(exe), [], `stamp ${JSON.stringify(stamp)}: no test hooks`);
    }
  });
});
