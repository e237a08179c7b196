// `npm run package` produces a .vsix under 1 MB that installs into code-server with
// --install-extension and activates there (as a user would install it in desktop VS Code).
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { codeServerBin, extensionId, repoRoot, startCodeServer, type CodeServerInstance } from './harness/codeServer';
import { Workbench } from './harness/workbench';
import { MSSQL_SQL } from '../../src/ssoService/ssodb/mssqlSql';
import { TdsFake } from '../reliability/tdsFake';
import { EXTENSION_FILES, MANIFEST_TRANSLATION, RUNTIME_TRANSLATION, extensionEntries } from '../../scripts/extensionFiles.mjs';

const VSIX = join(repoRoot, '.artifacts', 'entsso-explorer.vsix');

/**
 * The top-level entry of EXTENSION_FILES (or the manifest translation) a file of the .vsix comes
 * from; undefined for a file the list does not name. vsce writes the readme as readme.md and the
 * licence as LICENSE.txt, and adds its own manifest files outside extension/.
 */
function listedEntryOf(vsixEntry: string): string | undefined {
  if (!vsixEntry.startsWith('extension/')) return '(vsce)';
  const path = vsixEntry.slice('extension/'.length);
  const [top, file] = path.split('/') as [string, string | undefined];
  if (top === 'l10n') return file !== undefined && RUNTIME_TRANSLATION.test(file) ? path : undefined;
  const renamed = ({ 'readme.md': 'README.md', 'LICENSE.txt': 'LICENSE', 'changelog.md': 'CHANGELOG.md' } as Record<string, string>)[top] ?? top;
  return EXTENSION_FILES.includes(renamed) || MANIFEST_TRANSLATION.test(renamed) ? renamed : undefined;
}

/** File names in a zip's central directory (a .vsix is a zip). */
function zipEntries(file: string): string[] {
  const zip = readFileSync(file);
  const centralHeader = Buffer.from([0x50, 0x4b, 0x01, 0x02]);
  const names: string[] = [];
  for (let at = zip.indexOf(centralHeader); at !== -1; at = zip.indexOf(centralHeader, at + 46)) {
    const nameLength = zip.readUInt16LE(at + 28);
    names.push(zip.toString('utf8', at + 46, at + 46 + nameLength));
  }
  return names;
}

describe('packaging: the .vsix', { timeout: 300_000 }, () => {
  let extensionsDir: string;
  let server: CodeServerInstance | undefined;
  let wb: Workbench | undefined;

  before(() => {
    extensionsDir = mkdtempSync(join(tmpdir(), 'entsso-vsix-'));
  });

  after(async () => {
    await wb?.close();
    await server?.stop();
    rmSync(extensionsDir, { recursive: true, force: true });
    // The package step minified dist/: rebuild the development bundle the other tests use.
    spawnSync(process.execPath, ['esbuild.mjs'], { cwd: repoRoot });
  });

  it('is built by `npm run package` and is under 1 MB', () => {
    const r = spawnSync('npm', ['run', 'package', '--', '--out', VSIX], { cwd: repoRoot, encoding: 'utf8', timeout: 180_000 });
    assert.equal(r.status, 0, r.stderr + r.stdout);
    const size = statSync(VSIX).size;
    assert.ok(size < 1024 * 1024, `the .vsix is ${size} bytes`);
    console.log(`# vsix size: ${(size / 1024).toFixed(0)} KiB`);
    const entries = zipEntries(VSIX);
    assert.ok(entries.includes('extension/dist/entsso-bridge.exe'), `the bridge is in the .vsix: ${entries.join(', ')}`);
    // SQLite's WebAssembly ships brotli-compressed (scripts/sqliteWasm.mjs): 408 KB instead of 529 KB deflated.
    assert.ok(entries.includes('extension/dist/node-sqlite3-wasm.wasm.br'), `SQLite's compressed WebAssembly is in the .vsix: ${entries.join(', ')}`);
    assert.deepEqual(entries.filter((e) => e.endsWith('.wasm')), [], 'a raw .wasm is in the .vsix');
    // Without it VS Code shows the manifest's %keys% instead of the command titles and settings texts.
    assert.ok(entries.includes('extension/package.nls.json'), `package.nls.json is in the .vsix: ${entries.join(', ')}`);
    // The one list of the extension's files (scripts/extensionFiles.mjs, which npm start and the UI
    // harness copy) and .vscodeignore agree: nothing in the .vsix that the list lacks, nothing listed missing.
    assert.deepEqual(entries.filter((e) => !e.endsWith('/') && listedEntryOf(e) === undefined), [], 'files in the .vsix that scripts/extensionFiles.mjs does not list');
    const packaged = new Set(entries.map(listedEntryOf));
    assert.deepEqual(extensionEntries(repoRoot).filter((name) => !packaged.has(name)), [], 'listed files missing from the .vsix: add them to .vscodeignore');
    // VS Code reads only l10n/bundle.l10n.<language>.json; the English bundle is for translators.
    assert.ok(!entries.includes('extension/l10n/bundle.l10n.json'), `the English l10n bundle stays out of the .vsix: ${entries.join(', ')}`);
    // The ENTSSO stand-in is for tests only; the bridge loads Microsoft's assembly from the ENTSSO install.
    assert.ok(!entries.some((e) => /EnterpriseSingleSignOn/i.test(e)), 'no interop assembly in the .vsix');
  });

  it('installs with --install-extension and activates in VS Code', async () => {
    const r = spawnSync(codeServerBin, ['--extensions-dir', extensionsDir, '--install-extension', VSIX], { encoding: 'utf8', timeout: 120_000 });
    assert.equal(r.status, 0, r.stderr + r.stdout);
    const installed = readdirSync(extensionsDir).filter((d) => d.toLowerCase().startsWith(extensionId().toLowerCase()));
    assert.equal(installed.length, 1, `installed: ${readdirSync(extensionsDir).join(', ')}`);
    assert.ok(existsSync(join(extensionsDir, installed[0], 'dist', 'entsso-bridge.exe')), 'the installed extension has the bridge');

    server = await startCodeServer({ name: 'vsix', installExtension: 'none', extraArgs: ['--extensions-dir', extensionsDir] });
    wb = await Workbench.launch();
    await wb.open(server.workbenchUrl());
    await wb.openView('Enterprise SSO', 60_000);
    await wb.waitForWelcome('Applications', 'No SSO service is connected.');
    await wb.runCommand('SSO: Show Log');
    await wb.waitFor(async () => /activated/i.test(await wb!.outputText()), 20_000);
    await wb.screenshot('packaging-installed-vsix');
  });

  it("the installed extension's ssoctl.js opens an SQLite SSODB with the WebAssembly of its .br", () => {
    const [installed] = readdirSync(extensionsDir).filter((d) => d.toLowerCase().startsWith(extensionId().toLowerCase()));
    const ssoctl = join(extensionsDir, installed!, 'dist', 'ssoctl.js');
    const r = spawnSync(process.execPath, [ssoctl, 'init', '--dir', join(extensionsDir, 'sqlite-env'), '--mss-port', '0'], { cwd: extensionsDir, encoding: 'utf8', timeout: 60_000 });
    assert.equal(r.status, 0, r.stderr);
    assert.ok(readdirSync(join(extensionsDir, 'sqlite-env')).some((f) => f.endsWith('.sqlite')), `no SQLite SSODB in ${readdirSync(join(extensionsDir, 'sqlite-env')).join(', ')}`);
  });

  // Against the loopback TDS STAND-IN: proves the driver is in the package (the installed copy has
  // no node_modules to load it from), not anything about SQL Server.
  it("the installed extension's bundled ssoctl.js carries the SQL Server driver: init --ssodb signs in to the TDS stand-in", async () => {
    const [installed] = readdirSync(extensionsDir).filter((d) => d.toLowerCase().startsWith(extensionId().toLowerCase()));
    const ssoctl = join(extensionsDir, installed!, 'dist', 'ssoctl.js');
    const fake = await TdsFake.start();
    const info = { secretServer: 'unknown', adminGroup: 'SSO Administrators', currentMsid: null, previousMsid: null, secretCreatedAt: null, lastBackupAt: null, lastVerifiedBackupAt: null, timestamp: 1n };
    fake.reply = (request) => (request.sql === MSSQL_SQL.getGlobalInfo || request.sql === MSSQL_SQL.updateGlobalInfo ? { resultSets: [[info]] } : undefined);
    try {
      const args = ['init', '--dir', join(extensionsDir, 'sql-env'), '--mss-port', '0', '--ssodb', `127.0.0.1,${fake.port}/SSODB`, '--ssodb-user', 'sa', '--ssodb-no-encrypt', '--password-stdin'];
      const child = spawn(process.execPath, [ssoctl, ...args], { cwd: extensionsDir, stdio: ['pipe', 'pipe', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.stdin.end('packaged-Pa55\n');
      const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
      assert.equal(code, 0, stderr);
      assert.deepEqual(fake.credentials[0], { user: 'sa', password: 'packaged-Pa55' });
    } finally {
      await fake.close();
    }
  });
});
