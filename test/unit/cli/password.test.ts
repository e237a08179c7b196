/**
 * ssoctl's hidden password prompt in a real pseudo-terminal (util-linux `script`): nothing typed
 * is echoed, Backspace erases, Enter ends, Ctrl+C interrupts the command (never a success), and
 * the terminal's raw mode is left as it was found. What was read is compared by hash only.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';

const ROOT = join(__dirname, '..', '..', '..');
const hasScript = process.platform === 'linux' && spawnSync('script', ['--version']).status === 0;
const dir = mkdtempSync(join(tmpdir(), 'ssoctl-pty-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const sha256 = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');

/** A program that asks as ssoctl does, and prints the hash of what it read and whether the terminal is raw afterwards. */
function promptProgram(confirm: boolean): string {
  const file = join(dir, `prompt-${confirm}.cjs`);
  writeFileSync(
    file,
    `const { createHash } = require('node:crypto');
     const { readPassword } = require(${JSON.stringify(join(ROOT, 'src', 'cli', 'password.ts'))});
     readPassword({ positionals: [], options: new Map() }, 'Backup password', ${confirm}).then(
       (p) => process.stdout.write('\\nGOT ' + createHash('sha256').update(p, 'utf8').digest('hex') + ' raw=' + process.stdin.isRaw + '\\n'),
       (e) => { process.stdout.write('\\nREFUSED ' + e.message + '\\n'); process.exitCode = 2; },
     );`,
  );
  return file;
}

interface Session {
  child: ChildProcess;
  output: () => string;
  waitFor: (text: string) => Promise<void>;
  exited: Promise<number | null>;
}

function inTerminal(program: string): Session {
  // -e: script exits with the program's status (128 + signal when it was killed by one).
  const child = spawn('script', ['-qec', `"${process.execPath}" --import tsx "${program}"`, '/dev/null'], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString('utf8')));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString('utf8')));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const waitFor = async (text: string) => {
    const deadline = Date.now() + 30_000;
    while (!out.includes(text)) {
      if (Date.now() > deadline) throw new Error(`"${text}" not seen; output: ${JSON.stringify(out)}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  return { child, output: () => out, waitFor, exited };
}

describe('hidden password prompt in a pseudo-terminal', { skip: hasScript ? false : 'needs util-linux "script" (Linux) for a pseudo-terminal' }, () => {
  test('typed characters are not echoed, Backspace erases, Enter ends, raw mode is restored', async () => {
    const s = inTerminal(promptProgram(true));
    await s.waitFor('Backup password: ');
    s.child.stdin?.write('Sesame-Wrong\u007f\u007f\u007f\u007f\u007fOpen\u001b[D!\r');
    await s.waitFor('Confirm the password: ');
    s.child.stdin?.write('Sesame-Open!\r');
    assert.equal(await s.exited, 0, s.output());
    assert.match(s.output(), new RegExp(`GOT ${sha256('Sesame-Open!')} raw=false`), 'Backspace erased "Wrong", the cursor key was ignored');
    assert.doesNotMatch(s.output(), /Sesame|Wrong|Open/, 'nothing typed was echoed');
  });

  test('Ctrl+C interrupts the command: no password, not a success', async () => {
    const s = inTerminal(promptProgram(false));
    await s.waitFor('Backup password: ');
    s.child.stdin?.write('secr\u0003');
    const code = await s.exited;
    assert.notEqual(code, 0, `Ctrl+C must not end as a success: ${s.output()}`);
    assert.equal(code, 130, 'ended by SIGINT, as Ctrl+C does anywhere else');
    assert.doesNotMatch(s.output(), /GOT|secr/);
  });

  test('Ctrl+D on an empty line gives up with a sentence saying nothing was changed', async () => {
    const s = inTerminal(promptProgram(false));
    await s.waitFor('Backup password: ');
    s.child.stdin?.write('\u0004');
    assert.equal(await s.exited, 2, s.output());
    assert.match(s.output(), /REFUSED No password was typed \(Ctrl\+D\)\. Nothing was changed\./);
  });
});
