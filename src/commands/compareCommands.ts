/**
 * Compare with Environment… and Copy to Environment… (issue 15). The document's environment is
 * always the left side and the source of a copy; the other environment is reached through a
 * connection of its own, opened for the one comparison and closed after it.
 *
 * What the user sees never holds a masked value: the diff shows placeholders worked out from
 * keyed hashes (src/model/environmentComparison.ts), and a copy that carries a masked value
 * reveals it on the source (audited there), writes it to the target and drops it. The diff's
 * documents live in memory on the `sso-compare:` scheme and go when they are closed.
 */
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import type { ConnectionManager } from '../connection/connectionManager';
import { SsoError } from '../protocol/errors';
import type { MethodName } from '../protocol/messages';
import type { SsoClient } from '../ssoClient/client';
import { compareApplication, compareFields, comparisonReportHtml, maskedChooser, maskedFieldsToDecide, sideDocument, type MaskedFieldRef } from '../model/environmentComparison';
import { copyWrites, fingerprintsOf, newComparisonKey, previewCopy, previewDiff, readSideOfApplication, writeCopy, type CopyPreview, type EnvironmentSide } from '../model/crossEnvironment';
import { parseSsoPath } from '../model/ssoUri';
import type { ExplorerNode } from '../views/applicationsTree';
import { notifyError, notifyInformation } from '../views/notifications';
import { UserFacingError, registerCommand } from './commandRunner';
import type { ExplorerCommandsContext } from './explorerCommands';
import { confirmModal, pickMany, pickOne, requireEnvironment, withBusyIndicator } from './prompts';

const COMPARE_SCHEME = 'sso-compare';

interface Target {
  environment: string;
  application: string;
  /** Absent: the whole application. */
  identifier?: string;
}

export function registerCompareCommands(ctx: ExplorerCommandsContext): vscode.Disposable[] {
  const documents = new ComparisonDocuments();
  return [
    documents,
    registerCommand(ctx, 'entsso.compareWithEnvironment', (target?: unknown) => compareWithEnvironment(ctx, documents, targetOf(ctx.connection, target))),
    registerCommand(ctx, 'entsso.copyToEnvironment', (target?: unknown) => copyToEnvironment(ctx, documents, targetOf(ctx.connection, target))),
  ];
}

/** Read-only texts of the diff editor, in memory only, dropped when their document closes. */
class ComparisonDocuments implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly texts = new Map<string, string>();
  private sequence = 0;
  private readonly disposables = [
    vscode.workspace.registerTextDocumentContentProvider(COMPARE_SCHEME, this),
    vscode.workspace.onDidCloseTextDocument((d) => {
      if (d.uri.scheme === COMPARE_SCHEME) this.texts.delete(d.uri.toString());
    }),
  ];

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.texts.get(uri.toString()) ?? `# ${vscode.l10n.t('This comparison is closed: run "SSO: Compare with Environment…" again.')}\n`;
  }

  /** A new read-only document (a new address each time, so a reopened comparison is fresh). */
  add(environment: string, application: string, identifier: string, text: string): vscode.Uri {
    const uri = vscode.Uri.from({ scheme: COMPARE_SCHEME, path: `/${++this.sequence}/${environment}/${application}/${identifier}.txt` });
    this.texts.set(uri.toString(), text);
    return uri;
  }

  dispose(): void {
    this.texts.clear();
    for (const d of this.disposables) d.dispose();
  }
}

/** The other environment, picked among the configured ones; then a connection of its own to it. */
async function openOtherSide(connection: ConnectionManager, current: string, title: string): Promise<{ side: EnvironmentSide; close(): void }> {
  const others = connection.environments.filter((e) => e.name.toLowerCase() !== current.toLowerCase());
  if (others.length === 0) {
    throw new UserFacingError(vscode.l10n.t('Only "{0}" is configured. Add the other environment to the "entsso.environments" setting (its socket path and token file), then compare.', current));
  }
  const name = await pickOne(
    others.map((e) => ({ label: e.name, description: e.kind === 'entsso' ? vscode.l10n.t('Enterprise SSO through entsso-bridge.exe') : (e.description ?? e.socketPath), value: e.name })),
    { title, placeHolder: vscode.l10n.t('The environment to compare "{0}" with', current) },
  );
  const client = await withBusyIndicator(vscode.l10n.t('Connecting to "{0}"…', name), () => connection.openOther(name));
  return { side: clientSide(name, client), close: () => client.close() };
}

function clientSide(name: string, client: SsoClient): EnvironmentSide {
  return {
    name,
    request: (method, params) => client.request(method, params),
    serves: (method: MethodName) => client.capabilities === undefined || client.capabilities.includes(method),
  };
}

function activeSide(connection: ConnectionManager, name: string): EnvironmentSide {
  return { name, request: (method, params) => connection.request(method, params, name), serves: (method) => connection.serves(method) };
}

// ---------------------------------------------------------------- compare

async function compareWithEnvironment(ctx: ExplorerCommandsContext, documents: ComparisonDocuments, target: Target): Promise<void> {
  const other = await openOtherSide(ctx.connection, target.environment, vscode.l10n.t('Compare "{0}" with Environment…', target.identifier ?? target.application));
  const left = activeSide(ctx.connection, target.environment);
  try {
    if (target.identifier !== undefined) await openConfigurationDiff(documents, left, other.side, target.application, target.identifier);
    else await openApplicationReport(ctx, documents, left, other, target.application);
  } finally {
    if (target.identifier !== undefined) other.close();
  }
}

/** The diff editor of one configuration: left the document's environment, right the other. */
async function openConfigurationDiff(documents: ComparisonDocuments, left: EnvironmentSide, right: EnvironmentSide, application: string, identifier: string): Promise<void> {
  const key = newComparisonKey();
  let texts: { left: string; right: string };
  try {
    texts = await withBusyIndicator(vscode.l10n.t('Comparing "{0}"…', identifier), async () => {
      const [l] = await fingerprintsOf(left, application, [identifier], key);
      const [r] = await fingerprintsOf(right, application, [identifier], key);
      const fields = l!.found && r!.found ? compareFields(l!, r!) : [];
      const read = async (side: EnvironmentSide, found: boolean) => (found ? side.request('config.get', { application, identifier }) : undefined);
      return {
        left: sideDocument('left', left.name, right.name, application, identifier, await read(left, l!.found), fields),
        right: sideDocument('right', right.name, left.name, application, identifier, await read(right, r!.found), fields),
      };
    });
  } catch (err) {
    if (err instanceof SsoError && err.code === 'ENTSSO_E_APPLICATION_NOT_FOUND') {
      throw new UserFacingError(vscode.l10n.t('"{0}" does not exist in one of the two environments. Compare the application instead: it says which side lacks it.', application));
    }
    throw err;
  } finally {
    key.fill(0);
  }
  await showDiff(documents, left.name, right.name, application, identifier, texts);
}

async function showDiff(documents: ComparisonDocuments, left: string, right: string, application: string, identifier: string, texts: { left: string; right: string }): Promise<void> {
  await vscode.commands.executeCommand(
    'vscode.diff',
    documents.add(left, application, identifier, texts.left),
    documents.add(right, application, identifier, texts.right),
    `${identifier}: ${left} ↔ ${right}`,
    { preview: false },
  );
}

/** The report of an application; its links open each configuration's diff (the other connection stays open while it is shown). */
async function openApplicationReport(
  ctx: ExplorerCommandsContext,
  documents: ComparisonDocuments,
  left: EnvironmentSide,
  other: { side: EnvironmentSide; close(): void },
  application: string,
): Promise<void> {
  const right = other.side;
  const key = newComparisonKey();
  let html: string;
  try {
    html = await withBusyIndicator(vscode.l10n.t('Comparing "{0}" in {1} and {2}…', application, left.name, right.name), async () => {
      const l = await readSideOfApplication(left, application, key);
      const r = await readSideOfApplication(right, application, key);
      const comparison = compareApplication(l?.detail.name ?? r?.detail.name ?? application, l, r);
      ctx.log.info(`Compared "${application}" in ${left.name} and ${right.name}: ${comparison.differing.length} differ, ${comparison.onlyLeft.length} + ${comparison.onlyRight.length} on one side only.`);
      return comparisonReportHtml(comparison, left.name, right.name);
    });
  } catch (err) {
    other.close();
    throw err;
  } finally {
    key.fill(0);
  }
  const panel = vscode.window.createWebviewPanel('entsso.comparison', `${application}: ${left.name} ↔ ${right.name}`, vscode.ViewColumn.Active, { enableScripts: true, localResourceRoots: [] });
  panel.webview.html = reportPage(panel.webview, html);
  panel.onDidDispose(() => other.close());
  panel.webview.onDidReceiveMessage((message: unknown) => {
    const identifier = (message as { open?: unknown } | null)?.open;
    if (typeof identifier !== 'string') return;
    void openConfigurationDiff(documents, left, right, application, identifier).catch((err: unknown) => {
      void notifyError(err instanceof Error && (err instanceof SsoError || err instanceof UserFacingError) ? err.message : vscode.l10n.t('"{0}" could not be compared. Run "SSO: Compare with Environment…" on it.', identifier));
    });
  });
}

function reportPage(webview: vscode.Webview, body: string): string {
  const nonce = randomBytes(16).toString('base64url');
  return `<!DOCTYPE html><html><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src ${webview.cspSource} 'unsafe-inline'; script-src 'nonce-${nonce}';">
<style>body{font-family:var(--vscode-font-family);color:var(--vscode-foreground)} a{color:var(--vscode-textLink-foreground)} .state{color:var(--vscode-descriptionForeground)}</style>
</head><body>${body}
<script nonce="${nonce}">const vscode = acquireVsCodeApi();
document.addEventListener('click', (e) => { const a = e.target.closest('a[data-identifier]'); if (!a) return; e.preventDefault(); vscode.postMessage({ open: a.dataset.identifier }); });</script>
</body></html>`;
}

// ---------------------------------------------------------------- copy

async function copyToEnvironment(ctx: ExplorerCommandsContext, documents: ComparisonDocuments, target: Target): Promise<void> {
  const source = activeSide(ctx.connection, target.environment);
  const identifiers = target.identifier !== undefined ? [target.identifier] : await pickConfigurations(ctx.connection, target);
  const other = await openOtherSide(
    ctx.connection,
    target.environment,
    identifiers.length === 1
      ? vscode.l10n.t('Copy "{0}" to Environment…', identifiers[0] as string)
      : vscode.l10n.t('Copy {0} configurations of "{1}" to Environment…', identifiers.length, target.application),
  );
  try {
    const key = newComparisonKey();
    let preview: CopyPreview;
    try {
      preview = await withBusyIndicator(vscode.l10n.t('Comparing with "{0}"…', other.side.name), () => previewCopy(source, other.side, target.application, identifiers, key));
    } finally {
      key.fill(0);
    }
    const changes = preview.items.filter((i) => i.action !== 'unchanged');
    if (changes.length === 0) {
      void notifyInformation(
        identifiers.length === 1
          ? vscode.l10n.t('Nothing to copy: "{0}" already holds the same values for "{1}".', other.side.name, identifiers[0] as string)
          : vscode.l10n.t('Nothing to copy: "{0}" already holds the same values for these configurations.', other.side.name),
      );
      return;
    }
    // The preview is the same diff as Compare, for each configuration that would change (the first few),
    // of the documents the preview read: what the copy writes (it is refused if the source changed since).
    for (const item of changes.slice(0, 3)) await showDiff(documents, preview.source, preview.target, preview.application, item.identifier, previewDiff(preview, item));
    const choices = await pickMaskedChoices(preview);
    await confirmModal(
      changes.length === 1
        ? vscode.l10n.t('Copy "{0}" of "{1}" from "{2}" to "{3}"?', changes[0]!.identifier, preview.application, preview.source, preview.target)
        : vscode.l10n.t('Copy {0} configurations of "{1}" from "{2}" to "{3}"?', changes.length, preview.application, preview.source, preview.target),
      copyDetail(preview, choices),
      vscode.l10n.t('Copy to {0}', preview.target),
    );
    const writes = await withBusyIndicator(vscode.l10n.t('Reading the configurations to copy from "{0}"…', preview.source), () => copyWrites(source, preview, maskedChooser(choices)));
    try {
      await withBusyIndicator(vscode.l10n.t('Copying to "{0}"…', preview.target), () => writeCopy(other.side, preview.application, preview.targetFieldsVersion, writes, preview.source));
    } finally {
      for (const w of writes) for (const k of Object.keys(w.fields)) w.fields[k] = '';
    }
    ctx.log.info(`Copied ${writes.length} configuration(s) of "${preview.application}" from ${preview.source} to ${preview.target} in one transaction.`);
    // The preview is out of date now: show the copied configuration as it compares after the copy.
    await closeComparisonTabs();
    if (changes.length === 1) await openConfigurationDiff(documents, source, other.side, preview.application, changes[0]!.identifier);
    void notifyInformation(vscode.l10n.t('Copied {0} configuration(s) of "{1}" to "{2}" in one transaction.', writes.length, preview.application, preview.target));
  } finally {
    other.close();
  }
}

async function closeComparisonTabs(): Promise<void> {
  const tabs = vscode.window.tabGroups.all.flatMap((g) => g.tabs).filter((t) => t.input instanceof vscode.TabInputTextDiff && t.input.original.scheme === COMPARE_SCHEME);
  if (tabs.length > 0) await vscode.window.tabGroups.close(tabs);
}

/** The modal's detail: what is written where, sentence by sentence (each one whole for a translator). */
function copyDetail(preview: CopyPreview, choices: MaskedFieldRef[]): string {
  const sentences = [vscode.l10n.t('This writes to "{0}": {1}.', preview.target, describeChanges(preview))];
  if (choices.length > 0) {
    const fields = choices.map((c) => `${c.identifier} · ${c.label}`).join(', ');
    sentences.push(vscode.l10n.t('Masked fields copied from "{0}": {1} (revealed there, audited, never shown).', preview.source, fields));
  }
  sentences.push(
    vscode.l10n.t(
      'Masked fields not listed keep their values in "{0}". Written in one transaction; refused if "{0}" changed since this preview. The values replaced are kept in its history.',
      preview.target,
    ),
  );
  return sentences.join(' ');
}

function describeChanges(preview: CopyPreview): string {
  const created = preview.items.filter((i) => i.action === 'create').map((i) => `"${i.identifier}"`);
  const updated = preview.items.filter((i) => i.action === 'update').map((i) => `"${i.identifier}"`);
  return [created.length > 0 ? vscode.l10n.t('creates {0}', created.join(', ')) : '', updated.length > 0 ? vscode.l10n.t('updates {0}', updated.join(', ')) : ''].filter(Boolean).join('; ');
}

/** Per masked field that differs: ticked = copy the source's value; unticked = keep the target's. */
async function pickMaskedChoices(preview: CopyPreview): Promise<MaskedFieldRef[]> {
  const items = preview.items.flatMap((item) =>
    maskedFieldsToDecide(item.fields).map((label) => ({
      label: `${item.identifier} · ${label}`,
      description: item.action === 'create' ? vscode.l10n.t('new in {0}', preview.target) : vscode.l10n.t('differs in {0}', preview.target),
      value: { identifier: item.identifier, label },
    })),
  );
  if (items.length === 0) return [];
  return pickMany(items, {
    title: vscode.l10n.t('Masked fields: copy from "{0}"?', preview.source),
    placeHolder: vscode.l10n.t('Tick the masked fields to copy from "{0}" (revealed there, audited); unticked ones keep "{1}"\'s value', preview.source, preview.target),
    allowNone: true,
  });
}

/** Several configurations of an application: all preselected. */
async function pickConfigurations(connection: ConnectionManager, target: Target): Promise<string[]> {
  const page = await connection.request('identifiers.list', { application: target.application, limit: 1000 }, target.environment);
  if (page.items.length === 0) throw new UserFacingError(vscode.l10n.t('"{0}" has no configurations to copy. Create one with "New Configuration…" on it in the explorer.', target.application));
  return pickMany(
    page.items.map((i) => ({ label: i.identifier, picked: true, value: i.identifier })),
    {
      title: vscode.l10n.t('Copy configurations of "{0}" to Environment…', target.application),
      placeHolder: page.nextCursor ? vscode.l10n.t('The first 1,000 configurations; untick those not to copy') : vscode.l10n.t('Untick the configurations not to copy'),
    },
  );
}

// ---------------------------------------------------------------- what the command runs on

/** A configuration or application node, an sso: URI (context menu) or the active sso: editor. */
function targetOf(connection: ConnectionManager, target: unknown): Target {
  const node = target as ExplorerNode | undefined;
  if (node && typeof node === 'object' && 'type' in node) {
    if (node.type === 'identifier') return { environment: node.env, application: node.app.name, identifier: node.info.identifier };
    if (node.type === 'application') return { environment: node.env, application: node.app.name };
  }
  const uri = target instanceof vscode.Uri ? target : vscode.window.activeTextEditor?.document.uri;
  const path = uri?.scheme === 'sso' ? parseSsoPath(uri.path) : undefined;
  if (path?.application) return { environment: path.environment, application: path.application, ...(path.identifier !== undefined ? { identifier: path.identifier } : {}) };
  requireEnvironment(connection);
  throw new UserFacingError(vscode.l10n.t('Select an application or a configuration in the Enterprise SSO explorer (right-click, "Compare with Environment…"), or run this in a configuration\'s editor.'));
}
