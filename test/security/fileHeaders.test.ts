/**
 * Finding 8 of issue 14: the readable header of a backup or export (its reminder, its
 * environment) is shown before the password prompt, so anyone who hands over a file chooses
 * what reaches the terminal. And a wrong path (a huge file) must be refused before it is read.
 * Real processes: ssoctl against a running environment, output captured (no pty needed: the
 * bytes that would reach a terminal are the bytes on stdout/stderr).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { SSOCTL, TestEnvironment, type RunResult } from '../integration/harness';

const ESC = '\x1b';
const HOSTILE = `${ESC}]0;owned${'\x07'}${ESC}[2J${ESC}[31mred\nforged line\u202Eevil\u200B`;
const PASSWORD = 'correct horse battery staple 42';

/** A well-formed header (cheap KDF) carrying `reminder` and `environment`; the body is noise. */
function craftedFile(format: 'entsso-backup' | 'entsso-export', reminder: string, environment = 'crafted'): Buffer {
  const header = {
    format,
    version: 1,
    created: new Date().toISOString(),
    environment,
    ...(format === 'entsso-backup' ? { msids: ['{6B1E2C51-3C1F-4E0B-9D2E-0F6B1A2C3D4E}'] } : {}),
    reminder,
    kdf: { name: 'scrypt', N: 2 ** 14, r: 8, p: 1, salt: randomBytes(16).toString('base64') },
    cipher: 'aes-256-gcm',
    iv: randomBytes(12).toString('base64'),
    passwordCheck: randomBytes(16).toString('base64'),
  };
  return Buffer.from(`${JSON.stringify(header)}\n${randomBytes(64).toString('base64')}\n`, 'utf8');
}

function assertNothingRaw(r: RunResult): void {
  for (const [name, text] of [['stdout', r.stdout], ['stderr', r.stderr]] as const) {
    assert.ok(!text.includes(ESC), `${name} holds a raw ESC: ${JSON.stringify(text.slice(0, 300))}`);
    assert.ok(!text.includes('\x07') && !text.includes('\u202E') && !text.includes('\u200B'), `${name} holds a raw control: ${JSON.stringify(text.slice(0, 300))}`);
    assert.ok(!/^forged line/m.test(text), `${name} holds a forged line`);
  }
}

describe('file headers on a terminal, and file sizes', () => {
  let t: TestEnvironment;
  let backup: string;
  let exported: string;
  before(async () => {
    t = await TestEnvironment.started();
    const hostileReminder = HOSTILE + 'A'.repeat(60_000); // the header may hold up to 64 KB
    backup = join(t.dir, '..', 'crafted.backup');
    writeFileSync(backup, craftedFile('entsso-backup', hostileReminder, `other${ESC}[2Jenv`));
    exported = join(t.dir, '..', 'crafted.entsso');
    writeFileSync(exported, craftedFile('entsso-export', hostileReminder, `other${ESC}[2Jenv`));
  });
  after(async () => t?.dispose());

  it('secret verify / restore show the reminder escaped and cut before asking the password', () => {
    for (const verb of ['verify', 'restore']) {
      const r = t.ssoctl(['secret', verb, '--file', backup, '--password-stdin', '--allow-foreign'], 'wrong password 1234567\n');
      assertNothingRaw(r);
      const line = r.stderr.split('\n').find((l) => l.startsWith('Password reminder:'));
      assert.ok(line, r.stderr);
      assert.ok(line.includes('\\u001b]0;owned\\u0007'), line.slice(0, 200));
      assert.ok(line.length < 1_500, `reminder line of ${line.length} characters`);
      assert.match(r.stderr, /ENTSSO_E_BAD_PASSWORD/);
    }
  });

  it('secret inspect and app import print no raw control character either', () => {
    const inspect = t.ssoctl(['secret', 'inspect', '--file', backup]);
    assert.equal(inspect.code, 0, inspect.stderr);
    assertNothingRaw(inspect);
    assert.match(inspect.stdout, /password reminder: \\u001b/);
    const json = JSON.parse(t.ssoctl(['secret', 'inspect', '--file', backup, '--json']).stdout) as { reminder: string; environment: string };
    assert.ok(json.reminder.length <= 1_300 && !json.reminder.includes(ESC) && !json.environment.includes(ESC), json.environment);
    const imported = t.ssoctl(['app', 'import', '--file', exported, '--password-stdin'], 'wrong password 1234567\n');
    assertNothingRaw(imported);
    assert.match(imported.stderr, /Password reminder: \\u001b/);
  });

  it('a reminder with control characters is refused when a backup is written', () => {
    const r = t.ssoctl(['secret', 'backup', '--file', join(t.dir, '..', 'new.backup'), '--reminder', `${ESC}[31mhint`, '--password-stdin'], PASSWORD + '\n');
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /plain text on one line/);
    assertNothingRaw(r);
  });

  it('a 1.5 GB (sparse) file is refused by its size, without being read', () => {
    const huge = join(t.dir, '..', 'huge.backup');
    assert.equal(spawnSync('truncate', ['-s', '1500M', huge]).status, 0);
    for (const args of [['secret', 'verify'], ['app', 'import']]) {
      const started = Date.now();
      const r = spawnSync('/usr/bin/time', ['-f', 'maxrss_kb=%M', process.execPath, SSOCTL, ...args, '--file', huge, '--password-stdin', '--dir', t.dir], { input: PASSWORD + '\n', encoding: 'utf8', timeout: 120_000 });
      const ms = Date.now() - started;
      const rssMb = Number(/maxrss_kb=(\d+)/.exec(r.stderr)?.[1]) / 1024;
      console.log(`# ssoctl ${args.join(' ')} on a 1.5 GB file: exit ${r.status} in ${ms} ms, max RSS ${rssMb.toFixed(0)} MB`);
      assert.equal(r.status, 2, r.stderr);
      assert.match(r.stderr, /1572864000 bytes, more than/);
      assert.ok(rssMb < 200, `max RSS ${rssMb} MB`);
      assert.ok(ms < 10_000, `${ms} ms`);
    }
  });
});
