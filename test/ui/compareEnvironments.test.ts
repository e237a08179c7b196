// Compare with Environment… and Copy to Environment… (issue 15) in real VS Code (code-server
// 4.100.3) with TWO real, seeded SSO environments configured ("dev" active, "prod"): the diff
// editor of a configuration shows the other environment's values by field and its masked field
// as "differs" placeholders, never a value; the report of an application lists the difference
// and a configuration only in prod, and its link opens that configuration's diff; Copy to
// Environment previews, asks per masked field, names the target in a modal and writes prod
// (checked there with ssoctl --reveal).
// Screenshots go to .artifacts/screenshots/compare-*.png.
// Run alone: node esbuild.mjs && node --import tsx --test test/ui/compareEnvironments.test.ts
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startCodeServer, type CodeServerInstance } from './harness/codeServer';
import { extensionHostPid, HeapInspector } from './harness/heapInspector';
import { answerMultiPick, clickDialogButton, contextMenuAction, expectToast, pickQuickItem, readDiffEditor, waitForDialog } from './harness/dialogs';
import { readLogChannelFile, startSeededSso, ssoctlConfigGet, type SeededSso } from './harness/ssoExtras';
import { Workbench } from './harness/workbench';

const VIEW = 'Applications';
const APP = 'Contoso.OrderService';
const ID = 'ConfigProperties';
const DEV_KEY = 'api-key-Xy7$-secret';
const PROD_KEY = 'prod-api-key-Mm3%';
const PROD_ENDPOINT = 'https://orders.prod.contoso.example/api';
/** Bounds what the extension host keeps of the texts it parses (the check fails if more came). */
const KEPT_MESSAGES_MAX_CHARACTERS = 32 * 1024 * 1024;

describe('UI: compare and copy across environments', { timeout: 600_000 }, () => {
  let dev: SeededSso | undefined;
  let prod: SeededSso | undefined;
  let server: CodeServerInstance | undefined;
  let wb: Workbench | undefined;
  let host: HeapInspector | undefined;
  const w = () => wb as Workbench;

  before(async () => {
    [dev, prod] = await Promise.all([startSeededSso({ syncIntervalSeconds: 5, environmentName: 'dev' }), startSeededSso({ syncIntervalSeconds: 5, environmentName: 'prod' })]);
    const current = await prod.client.request('config.get', { application: APP, identifier: ID });
    await prod.client.request('config.set', { application: APP, identifier: ID, fields: { Endpoint: PROD_ENDPOINT, ApiKey: PROD_KEY }, expectedTimestamp: current.timestamp });
    await prod.client.request('config.set', { application: APP, identifier: 'OnlyInProd', fields: { Endpoint: 'https://x.example', ApiKey: PROD_KEY }, expectedTimestamp: null });
    const settings = {
      ...dev.settings,
      'entsso.environments': [...(dev.settings['entsso.environments'] as unknown[]), ...(prod.settings['entsso.environments'] as unknown[])],
      'entsso.activeEnvironment': 'dev',
    };
    server = await startCodeServer({ name: 'compare', settings });
    wb = await Workbench.launch({ viewport: { width: 1500, height: 950 } });
    await wb.open(server.workbenchUrl());
    // Before any compare: the extension host keeps every message it parses, so that the heap
    // snapshot taken after the compares shows what reached the host, not only what it still holds.
    const codeServerPid = server.pid;
    const hostPid = await wb.waitFor(async () => extensionHostPid(codeServerPid), 60_000, 'the extension host process of code-server');
    host = await HeapInspector.open(hostPid);
    await host.keepJsonParseInputs(KEPT_MESSAGES_MAX_CHARACTERS);
  }, { timeout: 180_000 });

  after(async () => {
    host?.close();
    if (wb) {
      await wb.screenshot('compare-99-final').catch(() => undefined);
      await wb.close();
    }
    await server?.stop();
    await Promise.all([dev?.env.dispose(), prod?.env.dispose()]);
  }, { timeout: 60_000 });

  it('a configuration: the diff editor shows dev left and prod right by field, the masked field as placeholders', async () => {
    await w().openView('Enterprise SSO');
    await w().expandTreeItem(APP, { viewTitle: VIEW });
    await contextMenuAction(w(), ID, 'Compare with Environment…', VIEW);
    await pickQuickItem(w(), /^Compare "ConfigProperties" with Environment/, 'prod');
    const diff = await readDiffEditor(w());
    assert.match(diff.original, /^Endpoint = https:\/\/orders\.contoso\.example\/api$/m);
    assert.match(diff.modified, new RegExp(`^Endpoint = ${PROD_ENDPOINT.replace(/\./g, '\\.')}$`, 'm'));
    assert.match(diff.original, /^ApiKey = «masked: set, differs from prod»$/m);
    assert.match(diff.modified, /^ApiKey = «masked: set, differs from dev»$/m);
    assert.match(diff.original, /^ApiUser = biztalk$/m);
    for (const text of [diff.original, diff.modified]) assert.ok(!text.includes(DEV_KEY) && !text.includes(PROD_KEY), 'no masked value in the diff');
    assert.match((await w().activeEditorTab())?.title ?? '', /ConfigProperties: dev ↔ prod/);
    await w().screenshot('compare-01-configuration-diff');
  });

  it('an application: a report lists what differs and what exists on one side only; a link opens the diff', async () => {
    await w().runCommand('View: Close All Editors');
    await contextMenuAction(w(), APP, 'Compare with Environment…', VIEW);
    await pickQuickItem(w(), /^Compare "Contoso.OrderService" with Environment/, 'prod');
    const report = w().page.frameLocator('iframe.webview.ready').frameLocator('iframe#active-frame');
    const body = report.locator('body');
    await body.locator('h1').waitFor({ state: 'visible', timeout: 20_000 });
    const text = (await body.textContent()) ?? '';
    assert.match(text, /Contoso\.OrderService: dev ↔ prod/);
    assert.match(text, /0 configuration\(s\) equal, 1 differ, 0 only in dev, 1 only in prod/);
    assert.match(text, /ConfigProperties: Endpoint \(differs\), ApiKey \(masked, differs\)/);
    assert.match(text, /Only in prod\s*OnlyInProd/);
    assert.ok(!text.includes(DEV_KEY) && !text.includes(PROD_KEY));
    await w().screenshot('compare-02-application-report');
    await report.locator('a[data-identifier="ConfigProperties"]').click();
    const diff = await readDiffEditor(w());
    assert.match(diff.modified, /^ApiKey = «masked: set, differs from dev»$/m);
    await w().screenshot('compare-03-report-link-opens-diff');
  });

  it('after both compares (before any Copy, which reveals) neither masked value reached the extension host (its heap and every message it parsed), yet the compared prod Endpoint did', async () => {
    const inspector = host as HeapInspector;
    try {
      const messages = await inspector.jsonParseInputsKept();
      assert.equal(messages.dropped, 0, `every text JSON.parse was given is kept (${messages.dropped} did not fit in ${KEPT_MESSAGES_MAX_CHARACTERS} characters)`);
      assert.ok(await inspector.jsonParseInputsInclude(PROD_ENDPOINT), 'the messages of the compare were kept (prod\'s Endpoint came in one)');
      const forms = new Map([DEV_KEY, PROD_KEY].flatMap((secret) => leakForms(secret).map(([form, text]) => [text, `${secret === DEV_KEY ? 'DEV_KEY' : 'PROD_KEY'} ${form}`] as const)));
      const started = Date.now();
      const { found, bytes } = await inspector.findInHeapSnapshot([PROD_ENDPOINT, ...forms.keys()]);
      console.log(`extension host heap snapshot: ${(bytes / 1e6).toFixed(1)} MB searched in ${Date.now() - started} ms, with the ${messages.count} texts (${(messages.characters / 1e6).toFixed(2)} M characters) JSON.parse was given since the start`);
      // The control: a value the compare read from prod is found, so the search can see what the host holds.
      assert.ok(found.has(PROD_ENDPOINT), 'the compared non-masked prod Endpoint is in the heap snapshot (else the search proves nothing)');
      const leaked = [...found].filter((text) => forms.has(text)).map((text) => forms.get(text));
      assert.deepEqual(leaked, [], 'no masked value (raw or base64) reached the extension host');
    } finally {
      await inspector.stopKeepingJsonParseInputs().catch(() => undefined);
      inspector.close();
      host = undefined;
    }
  });

  it('Copy to Environment: preview, a choice per masked field, the target named in the modal, then prod holds dev\'s values', async () => {
    await w().runCommand('View: Close All Editors');
    await contextMenuAction(w(), ID, 'Copy to Environment…', VIEW);
    await pickQuickItem(w(), /^Copy "ConfigProperties" to Environment/, 'prod');
    await answerMultiPick(w(), /^Masked fields: copy from "dev"\?/, ['ConfigProperties · ApiKey']);
    const dialog = await waitForDialog(w(), /Copy "ConfigProperties" of "Contoso\.OrderService" from "dev" to "prod"\?/);
    assert.match(dialog.detail, /This writes to "prod": updates "ConfigProperties"/);
    assert.match(dialog.detail, /Masked fields copied from "dev": ConfigProperties · ApiKey/);
    assert.ok(dialog.buttons.includes('Copy to prod'), JSON.stringify(dialog.buttons));
    const preview = await readDiffEditor(w());
    assert.match(preview.modified, /^ApiKey = «masked: set, differs from dev»$/m, 'the preview diff is open behind the dialog');
    await w().screenshot('compare-04-copy-confirmation');
    await clickDialogButton(w(), 'Copy to prod');
    await expectToast(w(), /^Copied 1 configuration\(s\) of "Contoso\.OrderService" to "prod" in one transaction/);
    const revealed = (prod as SeededSso).env.ssoctl(['config', 'get', APP, ID, '--reveal', '--json']);
    assert.equal(revealed.code, 0, revealed.stderr);
    const fields = (JSON.parse(revealed.stdout) as { fields: Record<string, string> }).fields;
    assert.equal(fields.Endpoint, 'https://orders.contoso.example/api');
    assert.equal(fields.ApiKey, DEV_KEY, 'the chosen masked value was copied');
    assert.equal(ssoctlConfigGet((dev as SeededSso).env, APP, ID).fields.Endpoint, 'https://orders.contoso.example/api', 'the source is unchanged');
    const after = await readDiffEditor(w());
    assert.match(after.original, /^ApiKey = «masked: set, equal»$/m, 'the diff shown after the copy is the new state');
    assert.equal(after.original, after.modified);
    await w().screenshot('compare-05-copied');
    // Info lines are written to the extension's log file as they happen: the copy is there, by name only.
    await w().waitFor(async () => readLogChannelFile((server as CodeServerInstance).userDataDir, 'Enterprise SSO').includes('Copied 1 configuration(s)'), 15_000, 'the copy in the log');
    const log = readLogChannelFile((server as CodeServerInstance).userDataDir, 'Enterprise SSO');
    assert.match(log, /Compared "Contoso\.OrderService" in dev and prod: 1 differ, 0 \+ 1 on one side only\./);
    for (const secret of [DEV_KEY, PROD_KEY]) assert.ok(!log.includes(secret), 'no masked value in the extension log');
  });
});

/**
 * The ways a secret could sit in a string of the heap: as itself, and base64-encoded at each of the
 * three byte alignments inside a longer encoded text (only the characters that depend on the secret
 * alone). Not as UTF-16 bytes read as Latin-1: V8 cuts a snapshot string at its first NUL, so that
 * form cannot be seen in a snapshot (checked by hand with node:inspector).
 */
function leakForms(secret: string): Array<[form: string, text: string]> {
  const bytes = Buffer.from(secret, 'utf8');
  const base64 = [0, 1, 2].map((offset): [string, string] => {
    const encoded = Buffer.concat([Buffer.alloc(offset), bytes]).toString('base64');
    return [`base64@${offset}`, encoded.slice(Math.ceil((8 * offset) / 6), Math.floor((8 * (offset + bytes.length)) / 6))];
  });
  return [['raw', secret], ...base64];
}
