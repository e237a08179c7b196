// Review 5, finding 9: the file name the export's save dialog proposes is built from the
// application's name, and vscode.Uri.joinPath(folder, name) follows "/" and "..": an application
// named "../../.config/autostart/x" proposed a .sso file outside the export folder (the dialog
// opened there). The proposed name stays one plain file name in the folder, for both formats.
import assert from 'node:assert/strict';
import { posix, win32 } from 'node:path';
import { describe, test } from 'node:test';
import { exportFileName } from '../../../src/model/secretPrompts';

const now = new Date('2026-12-07T10:00:00Z');
const HOSTILE = ['../../.config/autostart/x', 'Contoso\\Orders', 'a/b', '..', '.bashrc', 'a..b', 'C:evil', 'x\u202Eos.exe', 'line\nbreak', 'tab\there'];

describe('proposed export file names', () => {
  for (const name of HOSTILE) {
    for (const format of ['sso', 'entsso'] as const) {
      test(`${format}: ${JSON.stringify(name)}`, () => {
        const proposed = exportFileName([name], format, 'dev', now);
        assert.doesNotMatch(proposed, /[\\/]|\.\.|^\.|[\p{Cc}\p{Cf}:]/u, `proposes ${JSON.stringify(proposed)}`);
        assert.equal(posix.dirname(posix.join('/exports', proposed)), '/exports');
        assert.equal(win32.dirname(win32.join('C:\\exports', proposed)), 'C:\\exports');
      });
    }
  }

  test('a plain application name is the .sso file name, as the snap-in expects', () => {
    assert.equal(exportFileName(['Contoso.Orders-2_v1 (EU)'], 'sso', 'dev', now), 'Contoso.Orders-2_v1 (EU).sso');
    assert.equal(exportFileName(['../x'], 'sso', 'dev', now), '__x.sso');
  });
});
