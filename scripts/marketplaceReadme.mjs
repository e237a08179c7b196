// The README the .vsix carries (`npm run package`): README.md without the sections written for
// the people who build and test this repository (architecture, benchmarks, the fault matrix the
// reliability tests prove, how the tests run).
// Someone reading the extension's page in VS Code or on the Marketplace needs what it does, how to
// start, how it behaves on a BizTalk server, its security; the rest is in
// README.md of the source repository, and the .vsix stays under its 1 MiB limit.
//   node scripts/marketplaceReadme.mjs [out]   (default .artifacts/marketplace/README.md)
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Level-2 headings of README.md whose sections the .vsix leaves out. */
export const DEVELOPER_SECTIONS = ['Architecture', 'Performance', 'Reliability', 'Testing'];
/** Level-3 sections inside those that are for users all the same: kept, as sections of their own. */
export const USER_SUBSECTIONS = ['SQL Server'];
/**
 * Lines that start a passage for developers inside a kept section, left out up to the next heading:
 * the highly available MSS's guarantees and the security measures, each with the test that proves
 * it (the Security section's summary before it is kept).
 */
export const DEVELOPER_PASSAGES = ['Guarantees:', 'Details, each with its test:'];
/** Top-level list items for developers (how a part is fuzzed, built for tests, benchmarked), left out with their indented lines. */
export const DEVELOPER_BULLETS = ['- **Hostile input**', '- **Test hooks are in test builds only**', '- **Measured**'];

const POINTER =
  '## For developers\n\nThe architecture, the benchmarks, the reliability tests\' fault matrix, the highly available master secret server\'s guarantees, the security measures with their tests and how the tests run are described in README.md of the source repository (`npm test`, `npm run bench`).\n';

/** `readme` without the DEVELOPER_SECTIONS (from their `## ` heading to the next one), with one pointer to them at the end. */
export function marketplaceReadme(readme) {
  const kept = [];
  let skipping = false;
  let passage = false;
  let bullet = false;
  let inFence = false;
  for (const line of readme.split('\n')) {
    // A `## ` inside a fenced block (a shell comment, say) is not a heading.
    if (line.startsWith('```')) inFence = !inFence;
    if (!inFence && line.startsWith('## ')) skipping = DEVELOPER_SECTIONS.includes(line.slice(3).trim());
    if (!inFence && line.startsWith('#')) passage = false;
    if (!inFence && DEVELOPER_PASSAGES.includes(line.trim())) passage = true;
    if (passage) continue;
    if (bullet && !/^\s+\S/.test(line)) bullet = false;
    if (!inFence && DEVELOPER_BULLETS.some((start) => line.startsWith(start))) bullet = true;
    if (bullet) continue;
    if (!inFence && skipping && line.startsWith('### ') && USER_SUBSECTIONS.includes(line.slice(4).trim())) {
      skipping = false;
      kept.push(`## ${line.slice(4).trim()}`);
      continue;
    }
    if (!skipping) kept.push(line);
  }
  return `${kept.join('\n').trimEnd()}\n\n${POINTER}`;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const out = resolve(process.argv[2] ?? join(root, '.artifacts', 'marketplace', 'README.md'));
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, marketplaceReadme(readFileSync(join(root, 'README.md'), 'utf8')));
}
