// Runner module for extension-host tests: VS Code (desktop through @vscode/test-electron, or
// code-server through the `payload` URL parameter) requires the bundle of this file as
// `extensionTestsPath` and awaits its exported `run()` inside the extension host, where the real
// `vscode` API is available. Built by test/extensionHost/build.ts into out/extensionHost/index.js.
//
// Results are written as JSON to $ENTSSO_EXT_TEST_RESULT (set in code-server's environment by
// test/ui/extensionHost.test.ts), or, when that variable is missing, to
// <first workspace folder>/.entsso-ext-test-result.json. `run()` rejects when a test failed, which
// makes desktop VS Code exit with code 1.
import { writeFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import Mocha from 'mocha';
import * as vscode from 'vscode';
import testModules from 'entsso-extension-host-tests';

export interface ExtensionHostTestResult {
  tests: number;
  passed: number;
  failed: number;
  pending: number;
  /** Errors thrown while loading a test file (counted in `failed`). */
  loadErrors: Array<{ file: string; error: string }>;
  results: Array<{ fullTitle: string; file?: string; state: 'passed' | 'failed' | 'pending'; durationMs?: number; error?: string }>;
  vscodeVersion: string;
  appName: string;
  startedAt: string;
  finishedAt: string;
}

function resultFile(): string | undefined {
  if (process.env.ENTSSO_EXT_TEST_RESULT) return process.env.ENTSSO_EXT_TEST_RESULT;
  const folder = vscode.workspace.workspaceFolders?.[0];
  return folder?.uri.scheme === 'file' ? join(folder.uri.fsPath, '.entsso-ext-test-result.json') : undefined;
}

function writeResult(result: ExtensionHostTestResult): void {
  const file = resultFile();
  if (!file) return;
  // Write then rename, so that a reader polling for the file never sees half of it.
  writeFileSync(`${file}.tmp`, JSON.stringify(result, null, 2));
  renameSync(`${file}.tmp`, file);
}

export async function run(): Promise<void> {
  const startedAt = new Date().toISOString();
  const mocha = new Mocha({
    ui: 'tdd',
    color: false,
    reporter: 'spec',
    timeout: Number(process.env.ENTSSO_EXT_TEST_TIMEOUT_MS ?? 30_000),
    grep: process.env.ENTSSO_EXT_TEST_GREP || undefined,
  });
  // Define suite()/test()/setup()… on the global object, then load the (lazily bundled) test files.
  mocha.suite.emit('pre-require', globalThis, 'extension-host', mocha);
  const loadErrors: ExtensionHostTestResult['loadErrors'] = [];
  for (const m of testModules) {
    try {
      m.load();
    } catch (err) {
      loadErrors.push({ file: m.file, error: err instanceof Error ? (err.stack ?? err.message) : String(err) });
    }
  }

  const results: ExtensionHostTestResult['results'] = [];
  const failures = await new Promise<number>((resolveRun) => {
    const runner = mocha.run((n) => resolveRun(n));
    runner.on('pass', (t) => results.push({ fullTitle: t.fullTitle(), file: t.file, state: 'passed', durationMs: t.duration }));
    runner.on('fail', (t, err) =>
      results.push({ fullTitle: t.fullTitle(), file: t.file, state: 'failed', durationMs: t.duration, error: err instanceof Error ? (err.stack ?? err.message) : String(err) }),
    );
    runner.on('pending', (t) => results.push({ fullTitle: t.fullTitle(), file: t.file, state: 'pending' }));
  });

  const result: ExtensionHostTestResult = {
    tests: results.length,
    passed: results.filter((r) => r.state === 'passed').length,
    failed: results.filter((r) => r.state === 'failed').length + loadErrors.length,
    pending: results.filter((r) => r.state === 'pending').length,
    loadErrors,
    results,
    vscodeVersion: vscode.version,
    appName: vscode.env.appName,
    startedAt,
    finishedAt: new Date().toISOString(),
  };
  writeResult(result);
  if (failures > 0 || loadErrors.length > 0) {
    throw new Error(`${result.failed} extension-host test(s) failed${loadErrors.length ? ` (${loadErrors.length} file(s) did not load)` : ''}`);
  }
}
