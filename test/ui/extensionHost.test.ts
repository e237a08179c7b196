// Drives the extension-host mocha suite (test/extensionHost/suite) inside code-server:
// the workbench is opened with a `payload` that names the extension under development and the
// bundled runner module, the server's Node extension host loads both and calls run(), and the
// runner writes its results to the file named by ENTSSO_EXT_TEST_RESULT (passed to code-server's
// environment, which its extension host inherits). Each mocha test becomes a subtest here.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { buildExtensionHostSuite } from '../extensionHost/build';
import type { ExtensionHostTestResult } from '../extensionHost/suite/index';
import { artifactsDir, repoRoot, startCodeServer, type CodeServerInstance } from './harness/codeServer';
import { Workbench, waitFor } from './harness/workbench';

const RESULT_TIMEOUT_MS = Number(process.env.ENTSSO_EXT_TEST_RESULT_TIMEOUT_MS ?? 150_000);
// VS Code forwards the extension host's console (mocha's spec reporter included) to the page's console.
const CONSOLE_LOG = join(artifactsDir, 'logs', 'extension-host-console.log');

function pageConsole(wb: Workbench | undefined): string[] {
  return (wb?.consoleMessages ?? []).map((m) => `${m.type}: ${m.text.replace(/%c INFO color: #33f |%[sd]/g, '')}`);
}

describe('Extension host (mocha suite run by code-server)', { timeout: RESULT_TIMEOUT_MS + 120_000 }, () => {
  let server: CodeServerInstance | undefined;
  let wb: Workbench | undefined;
  let dir = '';
  let runner = '';
  let resultFile = '';

  before(async () => {
    runner = await buildExtensionHostSuite();
    if (!existsSync(join(repoRoot, 'dist', 'extension.js'))) throw new Error('dist/extension.js is missing: run "node esbuild.mjs" first');
    dir = mkdtempSync(join(tmpdir(), 'entsso-ext-host-'));
    resultFile = join(dir, 'result.json');
    server = await startCodeServer({
      name: 'extension-host',
      // The extension comes from extensionDevelopmentPath (the repository), not from the extensions dir.
      installExtension: 'none',
      env: { ENTSSO_EXT_TEST_RESULT: resultFile },
    });
    wb = await Workbench.launch();
  }, { timeout: 120_000 });

  after(async () => {
    if (wb) {
      mkdirSync(join(artifactsDir, 'logs'), { recursive: true });
      writeFileSync(CONSOLE_LOG, pageConsole(wb).join('\n') + '\n');
      await wb.screenshot('extension-host-final').catch(() => undefined);
      await wb.close();
    }
    await server?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  }, { timeout: 60_000 });

  it('runs every extension-host test and all pass', async (t) => {
    const s = server!;
    const url = s.workbenchUrl({
      payload: [
        ['extensionDevelopmentPath', s.remoteUri(repoRoot)],
        ['extensionTestsPath', s.remoteUri(runner)],
        ['skipWelcome', 'true'],
      ],
    });
    await wb!.open(url);

    let result: ExtensionHostTestResult;
    try {
      result = await waitFor(
        () => (existsSync(resultFile) ? (JSON.parse(readFileSync(resultFile, 'utf8')) as ExtensionHostTestResult) : undefined),
        RESULT_TIMEOUT_MS,
        `extension-host results in ${resultFile}`,
        250,
      );
    } catch (err) {
      const title = await wb!.page.title().catch(() => '?');
      const devHost = title.includes('[Extension Development Host]')
        ? `The window is an Extension Development Host ("${title}"): the payload was honoured, so run() did not finish or could not write ${resultFile}.`
        : `The window title is "${title}", not "[Extension Development Host] …": code-server did not honour the payload.`;
      const log = s.output().split('\n').filter((l) => /error|exthost|extension host|test/i.test(l)).slice(-40).join('\n');
      throw new Error(
        `${(err as Error).message}\n${devHost}\ncode-server log: ${s.logFile}\n${log}\nPage console (extension host output included), last lines:\n` +
          pageConsole(wb).slice(-30).join('\n'),
        { cause: err },
      );
    }

    assert.match(await wb!.page.title(), /^\[Extension Development Host\]/, 'the window is an Extension Development Host');
    t.diagnostic(`ran in ${result.appName} ${result.vscodeVersion}: ${result.passed} passed, ${result.failed} failed, ${result.pending} pending`);
    for (const e of result.loadErrors) {
      await t.test(`load ${e.file}`, () => assert.fail(e.error));
    }
    for (const r of result.results) {
      await t.test(r.fullTitle, { skip: r.state === 'pending' }, () => {
        if (r.state === 'failed') {
          const err = new Error(r.error ?? 'failed');
          err.stack = r.error ?? 'failed';
          throw err;
        }
      });
    }
    assert.ok(result.tests > 0, 'the extension-host suite ran no test');
    assert.equal(result.failed, 0, `${result.failed} extension-host test(s) failed`);
  });
});
