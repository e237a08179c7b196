/**
 * Passwords for ssoctl: from the first line of stdin (--password-stdin, for automation) or
 * typed at a hidden prompt. Never from the command line, where `ps` and shell history see it.
 */
import { readFileSync } from 'node:fs';
import * as readline from 'node:readline';
import { type ParsedArgs, UsageError, flag } from './args';

export async function readPassword(args: ParsedArgs, prompt: string, confirm: boolean): Promise<string> {
  if (flag(args, 'password-stdin')) {
    const line = readFileSync(0, 'utf8').split(/\r?\n/)[0] ?? '';
    if (!line) throw new UsageError('--password-stdin was given, but stdin holds no password on its first line.');
    return line;
  }
  if (!process.stdin.isTTY) throw new UsageError('No terminal to ask the password at: pass it on the first line of stdin with --password-stdin.');
  const password = await hiddenPrompt(`${prompt}: `);
  if (confirm && (await hiddenPrompt('Confirm the password: ')) !== password) throw new UsageError('The two passwords differ. Nothing was changed.');
  return password;
}

function hiddenPrompt(question: string): Promise<string> {
  return new Promise((resolve) => {
    const rl = readline.createInterface({ input: process.stdin, output: process.stderr, terminal: true });
    const output = rl as unknown as { _writeToOutput: (s: string) => void };
    process.stderr.write(question);
    output._writeToOutput = () => undefined;
    rl.question('', (answer) => {
      rl.close();
      process.stderr.write('\n');
      resolve(answer);
    });
  });
}
