// The one list of what the installed extension is made of: the files and folders of the repository
// that `npm start` (scripts/start.mjs) and the UI tests' harness (test/ui/harness/codeServer.ts,
// and through it the bench's snapshot) copy into an extensions folder, and that the .vsix holds.
// .vscodeignore cannot import it: test/ui/packaging.test.ts checks the .vsix's files against it.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/** Top-level files and folders of the extension (missing ones are skipped). */
export const EXTENSION_FILES = ['package.json', 'package.nls.json', 'l10n', 'dist', 'media', 'README.md', 'CHANGELOG.md', 'LICENSE', 'LICENSE.md'];

/** A translation of the manifest's texts, `package.nls.<locale>.json`, next to package.nls.json. */
export const MANIFEST_TRANSLATION = /^package\.nls\.[A-Za-z0-9-]+\.json$/;

/**
 * What VS Code loads from l10n/: the translations, `bundle.l10n.<language>.json`. The English
 * l10n/bundle.l10n.json is what translators start from, and is left out: VS Code never reads it
 * (in English it shows the sources' own texts; otherwise it reads only bundle.l10n.<language>.json,
 * ExtHostLocalizationService in src/vs/workbench/api/common/extHostLocalizationService.ts), and
 * the .vsix is close to its 1 MiB limit.
 */
export const RUNTIME_TRANSLATION = /^bundle\.l10n\.[A-Za-z0-9-]+\.json$/;

/**
 * The entries of EXTENSION_FILES that exist under `root` (l10n/ as its translations, one path
 * each), and the manifest's translations there.
 */
export function extensionEntries(root) {
  const translations = readdirSync(root).filter((name) => MANIFEST_TRANSLATION.test(name));
  const present = EXTENSION_FILES.filter((name) => existsSync(join(root, name)));
  return [...present.flatMap((name) => (name === 'l10n' ? runtimeTranslations(root) : [name])), ...translations];
}

function runtimeTranslations(root) {
  return readdirSync(join(root, 'l10n'))
    .filter((name) => RUNTIME_TRANSLATION.test(name))
    .map((name) => `l10n/${name}`);
}
