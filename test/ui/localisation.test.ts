// A translation reaches the user, end to end, in real VS Code (code-server): the extension's
// l10n/bundle.l10n.json is pseudo-translated at test time (`@vscode/l10n-dev generate-pseudo`, into
// the installed copy only, never committed) and VS Code runs with `--locale qps-ploc`. Shown
// translated: a prompt built in src/commands (vscode.l10n.t) and a validation message built in
// src/connection (@vscode/l10n's l10n.t, configured by extension.ts from VS Code's bundle).
//
// Why a language pack STAND-IN: VS Code 1.100 (code-server 4.100.3) gives the extension host the
// display language only when a language pack for it is installed. The server resolves `--locale`
// through `languagepacks.json` (resolveNLSConfiguration, src/vs/base/node/nls.ts); without a pack
// it falls back to English, the browser's `_VSCODE_NLS_LANGUAGE` stays unset, the extension
// host's `appLanguage` is "en" and ExtHostLocalizationService.initializeLocalizedMessages loads no
// `bundle.l10n.<language>.json` at all (`--locale pseudo` is handled the same way). So the test
// installs a minimal language pack extension for qps-ploc with no translations of VS Code's own
// texts (they stay English): it only makes VS Code choose the language, as the Marketplace's
// language packs do; the extension's own bundle does the rest.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { installExtensionCopy, repoRoot, startCodeServer, type CodeServerInstance } from './harness/codeServer';
import { Workbench } from './harness/workbench';

const LOCALE = 'qps-ploc';
const CONNECT_TITLE = /\(1\/3\)$/;
const COMMANDS_PROMPT = 'A name for this SSO environment, for example dev, test or prod.';
const CONNECTION_VALIDATION = 'Give the environment a name, for example "dev", "test" or "prod".';

/**
 * Writes l10n/bundle.l10n.qps-ploc.json into the installed copy from the repository's English
 * bundle, which the installed extension does not hold (VS Code never reads it; see
 * scripts/extensionFiles.mjs): so the copy holds what a .vsix with one translation holds. Returns its messages.
 */
function pseudoTranslate(installedExtensionDir: string): Record<string, string> {
  const l10nDir = join(installedExtensionDir, 'l10n');
  mkdirSync(l10nDir, { recursive: true });
  copyFileSync(join(repoRoot, 'l10n', 'bundle.l10n.json'), join(l10nDir, 'bundle.l10n.json'));
  const cli = join(repoRoot, 'node_modules', '@vscode', 'l10n-dev', 'dist', 'cli.js');
  const r = spawnSync(process.execPath, [cli, 'generate-pseudo', '--language', LOCALE, 'bundle.l10n.json'], { cwd: l10nDir, encoding: 'utf8', timeout: 60_000 });
  rmSync(join(l10nDir, 'bundle.l10n.json'));
  assert.equal(r.status, 0, r.stderr + r.stdout);
  return JSON.parse(readFileSync(join(l10nDir, `bundle.l10n.${LOCALE}.json`), 'utf8')) as Record<string, string>;
}

const STANDIN_ID = 'entsso-tests.language-pack-standin-qps-ploc';

/** A language pack STAND-IN for qps-ploc: it selects the language and translates nothing of VS Code's. */
function installLanguagePackStandin(extensionsDir: string): string {
  const dir = join(extensionsDir, `${STANDIN_ID}-0.0.1`);
  mkdirSync(join(dir, 'translations'), { recursive: true });
  writeFileSync(join(dir, 'translations', 'main.i18n.json'), JSON.stringify({ version: '1.0.0', contents: {} }));
  writeFileSync(join(dir, 'package.json'), JSON.stringify({
    name: 'language-pack-standin-qps-ploc',
    publisher: 'entsso-tests',
    version: '0.0.1',
    engines: { vscode: '^1.100.0' },
    contributes: { localizations: [{ languageId: LOCALE, languageName: 'Pseudo (stand-in)', translations: [{ id: 'vscode', path: './translations/main.i18n.json' }] }] },
  }));
  return join(dir, 'translations', 'main.i18n.json');
}

/**
 * What VS Code's LanguagePacksCache writes into the user data folder when a language pack is
 * installed (`code --install-extension`): the server reads it for every page it serves. An
 * extension copied into the extensions folder, as the harness installs, does not trigger that write.
 */
function registerLanguagePack(userDataDir: string, translations: string): void {
  const entry = { hash: 'standin-0.0.1', extensions: [{ extensionIdentifier: { id: STANDIN_ID }, version: '0.0.1' }], translations: { vscode: translations }, label: 'Pseudo (stand-in)' };
  writeFileSync(join(userDataDir, 'languagepacks.json'), JSON.stringify({ [LOCALE]: entry }));
}

describe(`UI: the extension's texts in another language (${LOCALE}, pseudo-translated at test time)`, { timeout: 300_000 }, () => {
  let extensionsDir: string;
  let server: CodeServerInstance | undefined;
  let wb: Workbench | undefined;
  let pseudo: Record<string, string> = {};

  before(async () => {
    extensionsDir = mkdtempSync(join(tmpdir(), 'entsso-l10n-ext-'));
    pseudo = pseudoTranslate(installExtensionCopy(extensionsDir));
    const translations = installLanguagePackStandin(extensionsDir);
    server = await startCodeServer({ name: 'localisation', locale: LOCALE, installExtension: 'none', extraArgs: ['--extensions-dir', extensionsDir] });
    registerLanguagePack(server.userDataDir, translations); // before the first page is served
    wb = await Workbench.launch();
    await wb.open(server.workbenchUrl());
  }, { timeout: 150_000 });

  after(async () => {
    if (wb) {
      if (process.exitCode) await wb.screenshot('localisation-failed').catch(() => undefined);
      await wb.close();
    }
    await server?.stop();
    rmSync(extensionsDir, { recursive: true, force: true });
  }, { timeout: 60_000 });

  it('a prompt from src/commands and a validation message from src/connection are shown translated', async () => {
    const w = wb!;
    const prompt = pseudo[COMMANDS_PROMPT]!;
    const validation = pseudo[CONNECTION_VALIDATION]!;
    assert.ok(prompt && prompt !== COMMANDS_PROMPT && validation && validation !== CONNECTION_VALIDATION, 'the pseudo bundle translates both');
    await w.openView('Enterprise SSO', 60_000);
    // The manifest's command titles stay English: only the runtime bundle was pseudo-translated.
    await w.runCommand('SSO: Connect to SSO Service…');
    const asked = await w.waitForQuickInput(CONNECT_TITLE);
    assert.equal(asked.message, prompt, 'the prompt built in src/commands/connectionCommands.ts (vscode.l10n.t)');
    const box = w.page.locator('.quick-input-widget .quick-input-box input');
    await box.fill('x');
    await box.fill('');
    const refused = await w.waitFor(async () => {
      const q = await w.readQuickInput();
      return q && q.message !== prompt ? q : undefined;
    }, 20_000, 'the validation message of an empty name');
    assert.equal(refused.message, validation, 'the validation built in src/connection/environmentSettings.ts (@vscode/l10n)');
    await w.screenshot('localisation-01-pseudo');
    await w.closeQuickInput();
  });
});
