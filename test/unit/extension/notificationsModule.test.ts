// Review 5, finding 1: every notification goes through src/views/notifications.ts, which keeps
// links from outside text dead (src/model/notificationText.ts). A window.show…Message (called,
// passed on or destructured) or a progress notification anywhere else in src/ would show text
// unneutralised, so this test lists them.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { test } from 'node:test';

const srcRoot = join(__dirname, '..', '..', '..', 'src');
const THE_MODULE = 'views/notifications.ts';
const ALLOWED = new Set([THE_MODULE]);
const DIRECT_NOTIFICATION = /\bshow(?:Information|Warning|Error)Message\b|\bProgressLocation\.Notification\b/g;

function typeScriptFilesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return typeScriptFilesUnder(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

/** Comments become blanks of the same lines, so that the line numbers reported stay right. */
function withoutComments(source: string): string {
  return source.replace(/\/\*[\s\S]*?\*\//g, (c) => c.replace(/[^\n]/g, ' ')).replace(/\/\/.*$/gm, '');
}

function directNotifications(file: string, source: string): string[] {
  const code = withoutComments(source);
  return [...code.matchAll(DIRECT_NOTIFICATION)].map((m) => `${file}:${code.slice(0, m.index).split('\n').length}`);
}

test('the finder sees calls over several lines, passed-on functions and destructuring, not comments', () => {
  const source = [
    'void vscode.window',
    '  .showWarningMessage(text);',
    'const show = warning ? vscode.window.showWarningMessage : vscode.window.showInformationMessage;',
    'const { showErrorMessage } = vscode.window;',
    '// vscode.window.showErrorMessage(text) in a comment',
    '/* vscode.window.showErrorMessage(text) */',
    'notifyError(text);',
    'vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title }, task);',
    'vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title }, task);',
  ].join('\n');
  assert.deepEqual(directNotifications('f.ts', source), ['f.ts:2', 'f.ts:3', 'f.ts:3', 'f.ts:4', 'f.ts:8']);
});

test('no notification is shown except through src/views/notifications.ts', () => {
  const files = typeScriptFilesUnder(srcRoot).map((path) => ({ path, name: relative(srcRoot, path).split(sep).join('/') }));
  assert.ok(files.some((f) => f.name === THE_MODULE), `${THE_MODULE} is missing`);
  const direct = files.filter((f) => !ALLOWED.has(f.name)).flatMap((f) => directNotifications(`src/${f.name}`, readFileSync(f.path, 'utf8')));
  assert.deepEqual(direct, [], `notifications shown without neutralising links: use notifyInformation / notifyWarning / notifyError / askWarningModal / askErrorModal / withNotificationProgress from src/${THE_MODULE}`);
});
