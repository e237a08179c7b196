/**
 * Finding 9 of issue 14: the environment folder holds the access token, the certificate keys and
 * the MSS vault. `ssoctl init` into an existing folder must leave it private (0700) or refuse it,
 * and `ssoctl serve` must refuse, like ssh with key files, a folder or file that another user
 * could change (or read, for secrets), or that belongs to another user. Real ssoctl processes.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { SSOCTL, ssoctl } from '../integration/harness';

const NOBODY = 65534;
const asRoot = process.getuid?.() === 0 ? false : 'needs root, to give a folder to another user (chown)';
const posixOnly = process.platform === 'win32' ? 'POSIX modes' : false;

function init(dir: string) {
  return ssoctl(['init', '--dir', dir, '--mss-port', '0', '--name', 'Perm']);
}

/** `serve` must stop at once with a refusal; a serve that starts would be killed by the timeout (status null). */
function serveRefusal(dir: string): { status: number | null; stderr: string } {
  const r = spawnSync(process.execPath, [SSOCTL, 'serve', '--dir', dir], { encoding: 'utf8', timeout: 15_000 });
  return { status: r.status, stderr: r.stderr };
}

describe('environment folder permissions', { skip: posixOnly }, () => {
  let base: string;
  before(() => {
    base = mkdtempSync(join(tmpdir(), 'sso-perm-'));
  });
  after(() => rmSync(base, { recursive: true, force: true }));

  it('init into an existing 0777 or 0755 folder of ours makes it 0700', () => {
    for (const mode of [0o777, 0o755]) {
      const dir = join(base, `open-${mode.toString(8)}`);
      mkdirSync(dir);
      chmodSync(dir, mode);
      const r = init(dir);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(statSync(dir).mode & 0o777, 0o700);
    }
  });

  it('init refuses a folder of another user, and a link', { skip: asRoot }, () => {
    const theirs = join(base, 'theirs');
    mkdirSync(theirs, { mode: 0o700 });
    chownSync(theirs, NOBODY, NOBODY);
    const r = init(theirs);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /belongs to another user \(uid 65534\).*Use a folder of your own/);
    const target = join(base, 'target');
    mkdirSync(target, { mode: 0o700 });
    symlinkSync(target, join(base, 'link'));
    const linked = init(join(base, 'link'));
    assert.equal(linked.code, 1);
    assert.match(linked.stderr, /is a symbolic link/);
  });

  describe('serve refuses an environment others could change', () => {
    let dir: string;
    before(() => {
      dir = join(base, 'env');
      const r = init(dir);
      assert.equal(r.code, 0, r.stderr);
    });

    const cases: { name: string; path: () => string; mode: number; expect: RegExp }[] = [
      { name: 'the folder writable by others (0777)', path: () => dir, mode: 0o777, expect: /can be written by other users \(mode 0777\).*chmod 700/ },
      { name: 'the folder writable by its group (0770)', path: () => dir, mode: 0o770, expect: /can be written by other users \(mode 0770\)/ },
      { name: 'the access token readable by others (0644)', path: () => join(dir, 'access-token'), mode: 0o644, expect: /access-token can be accessed by other users \(mode 0644\).*chmod 600/ },
      { name: "the service's key readable by its group (0640)", path: () => join(dir, 'pki', 'service.key'), mode: 0o640, expect: /service\.key can be accessed by other users/ },
      { name: 'environment.json writable by others (0666)', path: () => join(dir, 'environment.json'), mode: 0o666, expect: /environment\.json can be written by other users/ },
      { name: 'the pki folder writable by others (0777)', path: () => join(dir, 'pki'), mode: 0o777, expect: /pki can be written by other users/ },
      { name: 'the SQLite SSODB writable by others (0666)', path: () => join(dir, 'ssodb.sqlite'), mode: 0o666, expect: /ssodb\.sqlite can be written by other users \(mode 0666\)/ },
    ];
    for (const c of cases) {
      it(c.name, () => {
        const original = statSync(c.path()).mode & 0o777;
        chmodSync(c.path(), c.mode);
        try {
          const r = serveRefusal(dir);
          assert.equal(r.status, 1, `serve did not refuse: ${r.stderr.slice(0, 400)}`);
          assert.match(r.stderr, c.expect);
          assert.match(r.stderr, /ENTSSO_E_ACCESS_DENIED/);
        } finally {
          chmodSync(c.path(), original);
        }
      });
    }

    it('the folder owned by another user', { skip: asRoot }, () => {
      chownSync(dir, NOBODY, NOBODY);
      try {
        const r = serveRefusal(dir);
        assert.equal(r.status, 1, r.stderr.slice(0, 400));
        assert.match(r.stderr, /belongs to another user/);
      } finally {
        chownSync(dir, 0, 0);
      }
    });
  });
});
