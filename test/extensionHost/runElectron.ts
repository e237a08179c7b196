// Runs the extension-host mocha suite in desktop VS Code through @vscode/test-electron, which
// downloads VS Code into .vscode-test/ on first use. For a developer's laptop or public CI; on the
// project's own machines no download host is reachable, so use test/ui/extensionHost.test.ts there
// (same suite, run by code-server).
//   node --import tsx test/extensionHost/runElectron.ts
// Env: VSCODE_TEST_VERSION (default: the version code-server embeds, matching engines.vscode),
//      VSCODE_EXECUTABLE (use an installed VS Code instead of downloading one),
//      ENTSSO_EXT_TEST_GREP (only tests whose title matches).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runTests } from '@vscode/test-electron';
import { buildExtensionHostSuite, repoRoot } from './build';

async function main(): Promise<number> {
  const runner = await buildExtensionHostSuite();
  const workspace = mkdtempSync(join(tmpdir(), 'entsso-electron-ws-'));
  const userData = mkdtempSync(join(tmpdir(), 'entsso-electron-user-'));
  try {
    const code = await runTests({
      version: process.env.VSCODE_TEST_VERSION ?? '1.100.3',
      vscodeExecutablePath: process.env.VSCODE_EXECUTABLE || undefined,
      extensionDevelopmentPath: repoRoot,
      extensionTestsPath: runner,
      extensionTestsEnv: {
        ENTSSO_EXT_TEST_RESULT: join(workspace, '.entsso-ext-test-result.json'),
        ...(process.env.ENTSSO_EXT_TEST_GREP ? { ENTSSO_EXT_TEST_GREP: process.env.ENTSSO_EXT_TEST_GREP } : {}),
      },
      launchArgs: [workspace, '--disable-extensions', '--disable-workspace-trust', '--skip-welcome', '--skip-release-notes', `--user-data-dir=${userData}`],
    });
    return code;
  } finally {
    rmSync(workspace, { recursive: true, force: true });
    rmSync(userData, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    const message = err instanceof Error ? err.message : String(err);
    console.error(`Extension-host tests in desktop VS Code could not run: ${message}`);
    if (/ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ETIMEDOUT|getaddrinfo|download|fetch/i.test(message)) {
      console.error(
        'VS Code could not be downloaded (no download host is reachable from this machine). ' +
          'Set VSCODE_EXECUTABLE to an installed VS Code, or run the same suite through code-server: ' +
          'node --import tsx --test test/ui/extensionHost.test.ts',
      );
    }
    process.exit(1);
  },
);
