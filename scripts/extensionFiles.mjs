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

/** The entries of EXTENSION_FILES that exist under `root`, and the manifest's translations there. */
export function extensionEntries(root) {
  const translations = readdirSync(root).filter((name) => MANIFEST_TRANSLATION.test(name));
  return [...EXTENSION_FILES.filter((name) => existsSync(join(root, name))), ...translations];
}
