// Review 5, finding 1: the text of every notification keeps no live link, whatever it carries from
// outside, and every message of ours reads as before. The pattern below is VS Code 1.100's
// (src/vs/base/common/linkedText.ts, also in code-server's workbench.js): what it matches in a
// notification becomes a link, and a command link runs with every command allowed.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { notificationText } from '../../../src/model/notificationText';
import { SsoError } from '../../../src/protocol/errors';
import { parseExportPayload } from '../../../src/ssoService/service/transferFiles';

const VSCODE_NOTIFICATION_LINK = /\[([^\]]+)\]\(((?:https?:\/\/|command:|file:)[^)\s]+)(?: (["'])(.+?)(\3))?\)/gi;
const liveLinks = (text: string): string[] => [...text.matchAll(VSCODE_NOTIFICATION_LINK)].map((m) => m[0]);
const HOSTILE_NAME = '[Open the import log](command:workbench.action.terminal.sendSequence?%7B%22text%22%3A%22id%5Cn%22%7D)';

describe('notification text', () => {
  const hostile: Record<string, string> = {
    'a command link': '[Open the import log](command:workbench.action.output.toggleOutput)',
    'a command link with arguments and a title': `Application "${HOSTILE_NAME.replace(')', ' "Run it")')}" was not found.`,
    'web and file links': 'See [the docs](https://evil.example/x) or [the log](file:///etc/passwd).',
    'a scheme in capitals': '[x](COMMAND:workbench.action.reloadWindow)',
    'nested brackets': '[[inner](command:a)](command:b) and [outer [inner](command:c)](https://e.example)',
    'links side by side': '[a](command:x)[b](command:y)](command:z)',
    'a link across lines': 'name\n[a](command:x)\n',
  };
  for (const [what, text] of Object.entries(hostile)) {
    test(`${what}: VS Code finds a link before, none after`, () => {
      assert.ok(liveLinks(text).length > 0, `the case itself holds no link VS Code would render: ${text}`);
      assert.deepEqual(liveLinks(notificationText(text)), [], notificationText(text));
    });
  }

  test('the link text stays readable: only a space is added between "]" and "("', () => {
    assert.equal(notificationText('Application "[Open](command:x)" defines "a" twice.'), 'Application "[Open] (command:x)" defines "a" twice.');
    assert.equal(notificationText('[[a](command:x)](command:y)'), '[[a] (command:x)] (command:y)');
  });

  test('the refusal of a hostile export file carries a link, the notification of it none', () => {
    let message = '';
    try {
      parseExportPayload({
        format: 'entsso-export', version: 1, exportedAt: '', applications: [
          { name: HOSTILE_NAME, kind: 'configStore', description: '', contact: '', userGroup: '', adminGroup: '', flags: 0, fields: [{ label: 'A', masked: false }, { label: 'a', masked: false }], configurations: [] },
        ],
      });
    } catch (err) {
      if (err instanceof SsoError) message = err.message;
    }
    assert.equal(liveLinks(message).length, 1, `the service's refusal names the application: ${message}`);
    assert.deepEqual(liveLinks(notificationText(message)), []);
  });

  test('generated mixes of brackets, parentheses and link targets leave no link', () => {
    const pieces = ['[', ']', '(', ')', 'command:x', 'https://e.example', ' ', 'a', ']]', '((', '"t"', '\n'];
    let seed = 7;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31);
    for (let i = 0; i < 20_000; i++) {
      const text = Array.from({ length: 12 }, () => pieces[next() % pieces.length]).join('');
      assert.deepEqual(liveLinks(notificationText(text)), [], JSON.stringify(text));
    }
  });

  test('every message of ours (l10n bundle) is shown unchanged and holds no link', () => {
    const bundle = JSON.parse(readFileSync(join(__dirname, '..', '..', '..', 'l10n', 'bundle.l10n.json'), 'utf8')) as Record<string, string>;
    const messages = Object.keys(bundle);
    assert.ok(messages.length > 300, `only ${messages.length} messages in the bundle`);
    assert.deepEqual(messages.filter((m) => notificationText(m) !== m), []);
    assert.deepEqual(messages.filter((m) => liveLinks(m).length > 0), []);
    assert.equal(notificationText('Run "SSO: Show Log" [Find…] (60 s to 5 min): `a` (b) [c]'), 'Run "SSO: Show Log" [Find…] (60 s to 5 min): `a` (b) [c]');
  });
});
