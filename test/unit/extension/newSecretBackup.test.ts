/**
 * Review 10, findings F5, F17, F16 and F4: what the palette does with the backup of a new master
 * secret when its file cannot be written (src/model/newSecretBackup.ts, with the dialogs faked),
 * the texts through the ENTSSO bridge (no secret id, no creation time), and that the palette
 * writes its files through the shared durable writer.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { saveNewSecretBackup, type AfterFailedWrite } from '../../../src/model/newSecretBackup';
import { reminderPromptText, restoredSecretText } from '../../../src/model/secretPrompts';

/** Dialogs answered from scripts; every write to a path in `failing` throws. */
function fakeSteps(options: { failing: string[]; modal: AfterFailedWrite[]; dialog: (string | undefined)[] }) {
  const calls: string[] = [];
  return {
    calls,
    steps: {
      write: async (target: string) => {
        calls.push(`write ${target}`);
        if (options.failing.includes(target)) throw new Error('EACCES');
      },
      askAfterFailure: async (target: string) => {
        calls.push(`modal ${target}`);
        if (options.modal.length === 0) throw new Error('asked once too often');
        return options.modal.shift();
      },
      pickTarget: async () => {
        calls.push('save dialog');
        return options.dialog.shift();
      },
    },
  };
}

describe('the backup of a new master secret when its file cannot be written (F5, F17)', () => {
  test('already switched (the bridge): Escape in "Save Elsewhere…" goes back to the modal; the next place is written', async () => {
    const f = fakeSteps({ failing: ['/ro/new.backup'], modal: ['elsewhere', 'elsewhere'], dialog: [undefined, '/home/new.backup'] });
    assert.equal(await saveNewSecretBackup('/ro/new.backup', true, f.steps), '/home/new.backup');
    assert.deepEqual(f.calls, ['write /ro/new.backup', 'modal /ro/new.backup', 'save dialog', 'modal /ro/new.backup', 'save dialog', 'write /home/new.backup']);
  });

  test('already switched: closing the modal (Escape) asks again; only the explicit "Drop" gives the backup up', async () => {
    const f = fakeSteps({ failing: ['/ro/new.backup'], modal: [undefined, undefined, 'drop'], dialog: [] });
    assert.equal(await saveNewSecretBackup('/ro/new.backup', true, f.steps), undefined);
    assert.equal(f.calls.filter((c) => c.startsWith('modal')).length, 3);
  });

  test('not switched yet (own service): closing the modal gives up, and nothing else is asked', async () => {
    const f = fakeSteps({ failing: ['/ro/new.backup'], modal: [undefined], dialog: [] });
    assert.equal(await saveNewSecretBackup('/ro/new.backup', false, f.steps), undefined);
    assert.deepEqual(f.calls, ['write /ro/new.backup', 'modal /ro/new.backup']);
  });

  test('not switched yet: a closed save dialog goes back to the modal too; a second failure is asked about again', async () => {
    const f = fakeSteps({ failing: ['/ro/new.backup', '/ro2/new.backup'], modal: ['elsewhere', 'elsewhere', 'elsewhere'], dialog: [undefined, '/ro2/new.backup', '/ok/new.backup'] });
    assert.equal(await saveNewSecretBackup('/ro/new.backup', false, f.steps), '/ok/new.backup');
    assert.deepEqual(
      f.calls.filter((c) => c.startsWith('write') || c.startsWith('modal')),
      ['write /ro/new.backup', 'modal /ro/new.backup', 'modal /ro/new.backup', 'write /ro2/new.backup', 'modal /ro2/new.backup', 'write /ok/new.backup'],
    );
  });
});

describe('bridge texts without an id or a creation time (F16)', () => {
  test('Restore names no empty id and no sync interval it does not know', () => {
    const text = restoredSecretText('BTS', '', 300);
    assert.equal(text, 'The master secret of "BTS" was restored. SSO servers pick it up at their next refresh.');
    assert.doesNotMatch(text, / {2}/);
    assert.equal(restoredSecretText('Local', '{M2}', 5000), 'Master secret {M2} restored in "Local". SSO services pick it up within one sync interval (5 s).');
  });

  test('the reminder prompt says no "Made unknown." when the backend does not say when the file was made', () => {
    const now = new Date('2026-12-07T21:00:00');
    assert.equal(reminderPromptText({ reminder: 'usual', created: '', foreignEnvironment: false }, now), 'Password reminder: "usual". Enter its password.');
    assert.doesNotMatch(reminderPromptText({ reminder: '', created: '', foreignEnvironment: true }, now), /unknown/);
    assert.match(reminderPromptText({ reminder: 'usual', created: '2026-12-07T20:00:00', foreignEnvironment: false }, now), /^Password reminder: "usual"\. Made 20:00:00\. Enter its password\.$/);
  });
});

test('the palette writes backups and exports through the shared durable writer, never in place (F4)', () => {
  const source = readFileSync(join(__dirname, '..', '..', '..', 'src', 'commands', 'files.ts'), 'utf8');
  assert.match(source, /import \{ writePrivateFile as writePrivateFileOnDisk \} from '\.\.\/platform\/privateFiles';/);
  assert.match(source, /writePrivateFileOnDisk\(uri\.fsPath, bytes\)/);
  assert.doesNotMatch(source, /from 'node:fs(\/promises)?'/, 'no file is opened for writing here (open(…, "w") truncated the old file first)');
});
