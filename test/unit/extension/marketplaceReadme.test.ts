/**
 * The README the .vsix carries (scripts/marketplaceReadme.mjs, run by `npm run package`): the
 * repository's README without the sections for its developers (architecture, benchmarks, how the
 * tests run), with everything a user reads kept, SQL Server's setup included.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

const repoRoot = join(__dirname, '..', '..', '..');

function headings(markdown: string): string[] {
  return markdown.split('\n').filter((line) => line.startsWith('## '));
}

test('the packaged README keeps the users\' sections, drops the developers\' and says where they are', () => {
  const dir = mkdtempSync(join(tmpdir(), 'entsso-readme-'));
  try {
    const out = join(dir, 'README.md');
    const r = spawnSync(process.execPath, [join(repoRoot, 'scripts', 'marketplaceReadme.mjs'), out], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const packaged = readFileSync(out, 'utf8');
    const full = readFileSync(join(repoRoot, 'README.md'), 'utf8');
    const shown = headings(packaged);
    for (const kept of ['## Quick start', '## On a BizTalk machine', '## What it does', '## Security', '## SQL Server']) assert.ok(shown.includes(kept), `${kept} in ${shown.join(', ')}`);
    for (const dropped of ['## Architecture', '## Performance', '## Reliability', '## Testing']) assert.ok(!shown.includes(dropped), `${dropped} left out`);
    assert.match(packaged, /## For developers\n\nThe architecture, the benchmarks, the reliability tests' fault matrix, the highly available master secret server's guarantees, the security measures with their tests and how the tests run are described in README\.md of the source repository/);
    // SQL Server's setup is a user's: it is all there, from its heading to the end of the README.
    assert.ok(packaged.includes(full.slice(full.indexOf('### SQL Server') + '### SQL Server'.length).trim()), 'the SQL Server section is whole');
    assert.ok(packaged.length < full.length, 'smaller than README.md');
    // The HA section stays (what it is, its parameters); its list of guarantees and their tests goes.
    assert.ok(shown.length > 0 && packaged.includes('### Highly available master secret server'), 'the HA section is kept');
    assert.ok(full.includes('\nGuarantees:\n') && !packaged.includes('\nGuarantees:\n'), 'its guarantees are left out');
    // Security keeps its summary for users; its measures, each with its test, are the developers'.
    const security = packaged.slice(packaged.indexOf('## Security'), packaged.indexOf('\n## ', packaged.indexOf('## Security') + 1));
    assert.match(security, /never in the editor/);
    // So are the list items on how a part is fuzzed, built for tests and benchmarked; the next item stays.
    for (const item of ['- **Hostile input**', '- **Test hooks are in test builds only**', '- **Measured**']) assert.ok(full.includes(`\n${item}`) && !packaged.includes(item), `${item} left out`);
    assert.ok(packaged.includes('\n- **What ran where**') && packaged.includes('\n- **Writes**'), 'the items after them are kept');
    assert.ok(full.includes('\nDetails, each with its test:\n') && !security.includes('Details, each with its test:') && !security.includes('test/security/'), 'the measures are left out');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
