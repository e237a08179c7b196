/**
 * Export and import of applications from the palette, over `apps.export`, `apps.inspectExport`,
 * `apps.planImport` and `apps.import` (the same operations as `ssoctl app export|import`):
 * - Export: applications (multi-select), format (the project's encrypted `.entsso`, or
 *   Microsoft's `.sso` after a warning that it is weakly protected), file, password twice.
 * - Import: file (its reminder shown before the password), mode (add missing / update / mirror),
 *   password → a plan, shown in VS Code's diff editor (SSO now ↔ after the import, masked values
 *   as placeholders) with Apply / Discard in its title bar (not a modal, which would cover the
 *   diff) → applied by the service in one transaction, or refused as a whole when SSO changed
 *   since the plan.
 */
import * as vscode from 'vscode';
import type { ConnectionManager } from '../connection/connectionManager';
import { SsoError } from '../protocol/errors';
import { MAX_TRANSFER_FILE_BYTES, type ImportMode, type ImportPlan, type ImportResult, type ImportSource, type TransferFormat } from '../protocol/messages';
import { nameProblem } from '../model/applicationDraft';
import { MODE_LABELS, planHeadline, planSides } from '../model/importPreview';
import { applicationOfSsoFile, exportFileName, formatOfFile } from '../model/secretPrompts';
import { IMPORT_PREVIEW_SCHEME, type ImportPreviewProvider, type PendingImport } from '../views/importPreview';
import type { ApplicationsTreeProvider } from '../views/applicationsTree';
import { cleanSsoDocuments, type SsoFileSystemProvider } from '../views/ssoFileSystem';
import { notifyInformation } from '../views/notifications';
import { resolveApplications } from './applicationPicker';
import { UserFacingError, registerCommand, registerWriteCommand, type CommandContext } from './commandRunner';
import { baseName, displayPath, pickOpenFile, pickSaveFile, readFileBase64, writePrivateFile } from './files';
import { askText, confirmModal, pickOne, reminderPrompt, requireEnvironment, runSteps, withFilePassword, withNewPassword, withBusyIndicator, type PickItem } from './prompts';
import { normaliseName } from '../protocol/names';
import { showWrittenFile } from './writtenFileNotice';

interface TransferCommandsContext extends CommandContext {
  readonly connection: ConnectionManager;
  readonly tree: ApplicationsTreeProvider;
  readonly fileSystem: SsoFileSystemProvider;
  readonly preview: ImportPreviewProvider;
}

/** Built when asked, not at load: the names are in the display language. */
function importFilters(): Record<string, string[]> {
  return { [vscode.l10n.t('SSO exports (.entsso, .sso)')]: ['entsso', 'sso'], [vscode.l10n.t('All files')]: ['*'] };
}

export function registerTransferCommands(ctx: TransferCommandsContext): vscode.Disposable[] {
  return [
    registerCommand(ctx, 'entsso.exportApplications', (node?: unknown, selection?: unknown) => exportApplications(ctx, node, selection)),
    registerWriteCommand(ctx, 'entsso.importApplications', () => importApplications(ctx)),
    registerWriteCommand(ctx, 'entsso.applyImport', (arg?: unknown) => applyPendingImport(ctx, arg)),
    registerCommand(ctx, 'entsso.discardImport', (arg?: unknown) => discardPendingImport(ctx, arg)),
  ];
}

// ---------------------------------------------------------------- export

async function exportApplications(ctx: TransferCommandsContext, node: unknown, selection: unknown): Promise<void> {
  const env = requireEnvironment(ctx.connection).name;
  const title = vscode.l10n.t('Export Applications from "{0}"', env);
  const apps = await resolveApplications(ctx.connection, node, selection, { title: vscode.l10n.t(`{0}: applications`, title), placeHolder: vscode.l10n.t('Tick the applications to export (with every value, masked ones included)') });
  const names = apps.map((a) => a.name);
  const choice = await pickOne(formatItems(names.length, ctx.connection.serves('history.list')), { title: vscode.l10n.t(`{0}: format`, title), placeHolder: vscode.l10n.t('Which file format?') });
  const format: TransferFormat = choice === 'sso' ? 'sso' : 'entsso';
  const withHistory = choice === 'entsso+history';
  if (format === 'sso') {
    if (names.length !== 1) throw new UserFacingError(vscode.l10n.t('A .sso file holds one application. Export one application per .sso file, or choose the encrypted .entsso format for several.'));
    await confirmModal(
      vscode.l10n.t('A .sso file is weakly protected.'),
      vscode.l10n.t(
        'Microsoft\'s format encrypts with Triple-DES under the MD5 of the password, without salt or integrity check: whoever gets the file can try passwords very fast, and masked values are in it. Use it only to move settings to the SSO Application Configuration snap-in, and delete it afterwards. It holds only the "ConfigProperties" key/values.',
      ),
      vscode.l10n.t('Export Anyway'),
    );
  }
  const target = await pickSaveFile({ kind: 'export', title, defaultName: exportFileName(names, format, env, new Date()), filters: format === 'sso' ? { [vscode.l10n.t('.sso files')]: ['sso'] } : { [vscode.l10n.t('Encrypted SSO exports')]: ['entsso'] } });
  const result = await withNewPassword(title, format === 'sso' ? vscode.l10n.t('.sso file') : vscode.l10n.t('export'), { withReminder: format === 'entsso', checkStrength: format === 'entsso' }, (p) =>
    withBusyIndicator(names.length === 1 ? vscode.l10n.t('Exporting 1 application from "{0}"…', env) : vscode.l10n.t('Exporting {0} applications from "{1}"…', names.length, env), () =>
      ctx.connection.request('apps.export', { names, format, password: p.password, ...(format === 'entsso' ? { reminder: p.reminder } : {}), ...(withHistory ? { withHistory } : {}) }),
    ),
  );
  await writePrivateFile(target, Buffer.from(result.file, 'base64'));
  ctx.log.info(`Exported ${result.applications.length} application(s) from "${env}" to ${displayPath(target)} (${format}).`);
  const warnings = [...result.warnings.filter((w) => format !== 'sso' || !/weakly protected/i.test(w))];
  if (format === 'sso' && applicationOfSsoFile(target.path) !== result.applications[0]) {
    warnings.push(
      vscode.l10n.t('The snap-in takes the application name from the file name ("{0}"); when importing, name the application "{1}".', applicationOfSsoFile(target.path), result.applications[0] ?? ''),
    );
  }
  const exported = result.applications.map((a) => `"${a}"`).join(', ');
  const done = withHistory ? vscode.l10n.t('Exported {0} with their history to {1}.', exported, displayPath(target)) : vscode.l10n.t('Exported {0} to {1}.', exported, displayPath(target));
  const advice = format === 'entsso' ? vscode.l10n.t('Keep the file and its password apart; the reminder is stored readable in it.') : vscode.l10n.t('Delete the .sso file once it has been imported.');
  void showWrittenFile([done, advice, ...warnings].join(' '), target, { warning: warnings.length > 0 });
}

/** An export's format, and for the entsso format whether the kept versions go too. */
type ExportChoice = TransferFormat | 'entsso+history';

function formatItems(count: number, historyKept: boolean): PickItem<ExportChoice>[] {
  return [
    {
      label: vscode.l10n.t('Encrypted export (.entsso)'),
      description: vscode.l10n.t('recommended'),
      detail: vscode.l10n.t('Definitions, flags, fields and every value of any number of applications; AES-256-GCM under a key derived from your password (scrypt).'),
      value: 'entsso',
    },
    ...(historyKept
      ? [
          {
            label: vscode.l10n.t('Encrypted export with history (.entsso)'),
            detail: vscode.l10n.t('The same, plus every kept version of each configuration (masked values included); an import restores them with the configurations it creates.'),
            value: 'entsso+history' as const,
          },
        ]
      : []),
    {
      label: vscode.l10n.t('Microsoft .sso file'),
      description: count === 1 ? vscode.l10n.t('weakly protected') : vscode.l10n.t('one application only'),
      detail: vscode.l10n.t('For the SSO Application Configuration snap-in: the "ConfigProperties" key/values of one application, Triple-DES under the MD5 of the password. Migration only.'),
      value: 'sso',
    },
  ];
}

// ---------------------------------------------------------------- import

async function importApplications(ctx: TransferCommandsContext): Promise<void> {
  const env = requireEnvironment(ctx.connection).name;
  const uri = await pickOpenFile({ kind: 'export', title: vscode.l10n.t(`Import Applications into "{0}"`, env), filters: importFilters(), openLabel: vscode.l10n.t('Import') });
  const format = formatOfFile(uri.path);
  const file = await readFileBase64(uri, MAX_TRANSFER_FILE_BYTES);
  const title = vscode.l10n.t('Import {0} into "{1}"', baseName(uri), env);
  // As for backups, the reminder of an .entsso export is read (and shown) before the password is asked.
  const info = format === 'entsso' ? await ctx.connection.request('apps.inspectExport', { file }) : undefined;
  const prompt = info ? reminderPrompt(info) : vscode.l10n.t('Enter the password of the .sso file.');
  let name: string | undefined;
  let mode: ImportMode | undefined;
  let source: ImportSource | undefined;
  let planned: ImportPlan | undefined;
  // After the file: application (.sso), mode and password, each with Back to the one before (what was chosen kept).
  await runSteps([
    async () => {
      if (format === 'sso') name = await askSsoApplication(title, uri, name);
    },
    async () => {
      mode = await pickOne(modeItems(), { title: vscode.l10n.t(`{0}: mode`, title), placeHolder: vscode.l10n.t('What may the import change in what SSO holds already?'), back: format === 'sso', active: mode });
    },
    async () => {
      const chosenMode = mode as ImportMode;
      planned = await withFilePassword(vscode.l10n.t('{0}: password', title), prompt, (password) => {
        source = { file, format, password, mode: chosenMode, ...(name !== undefined ? { name } : {}) };
        const s = source;
        return withBusyIndicator(vscode.l10n.t(`Planning the import of {0}…`, baseName(uri)), () => ctx.connection.request('apps.planImport', s));
      }, { back: true });
    },
  ]);
  if (!planned || !mode) return;
  const plan = planned;
  const importMode: ImportMode = mode;
  if (!plan.hasChanges) {
    void notifyInformation(vscode.l10n.t(`Nothing to import: "{0}" already holds everything in {1} (mode "{2}").{3}`, env, baseName(uri), MODE_LABELS[importMode].label, warningText(plan)));
    return;
  }
  const applySource = source as ImportSource;
  const what = vscode.l10n.t('{0} into "{1}"', baseName(uri), env);
  const shown = await ctx.preview.show(planSides(plan), vscode.l10n.t('{0}: "{1}" now ↔ after the import ({2})', baseName(uri), env, MODE_LABELS[importMode].label), {
    title: what,
    apply: () => applyImport(ctx, applySource, plan, { env, uri, mode: importMode }),
  });
  ctx.log.info(`Import of ${displayPath(uri)} into "${env}" planned (mode ${importMode}); waiting for Apply or Discard in the comparison.`);
  // Not modal: the comparison stays readable, and Apply / Discard stay in its title bar.
  const applyButton = vscode.l10n.t('Apply');
  void notifyInformation(vscode.l10n.t(`{0} Review the comparison, then choose Apply or Discard in its title bar.{1}`, planHeadline(plan), warningText(plan)), applyButton, vscode.l10n.t('Discard'))
    .then((answer) => (answer ? vscode.commands.executeCommand(answer === applyButton ? 'entsso.applyImport' : 'entsso.discardImport', shown.id) : undefined));
}

async function applyImport(ctx: TransferCommandsContext, source: ImportSource, plan: ImportPlan, about: { env: string; uri: vscode.Uri; mode: ImportMode }): Promise<void> {
  const result = await withBusyIndicator(vscode.l10n.t(`Importing {0} into "{1}"…`, baseName(about.uri), about.env), () =>
    // To the environment the plan was made in, even if another one became active since.
    ctx.connection.request('apps.import', { ...source, expected: plan.expected }, about.env),
  );
  ctx.log.info(`Imported ${displayPath(about.uri)} into "${about.env}" (mode ${about.mode}): ${result.applications.map((a) => `${a.application} ${a.action}`).join(', ')}.`);
  afterImport(ctx);
  void notifyInformation(vscode.l10n.t(`{0} Host instances use the new values once their SSO cache expires (60 s to 5 min).`, describeResult(result)));
}

/** The comparison a title-bar button, a toast button or the palette means: its URI, its id, or the only one open. */
function decisionFor(ctx: TransferCommandsContext, arg: unknown): { id: string; pending: PendingImport } {
  const found =
    arg instanceof vscode.Uri
      ? ctx.preview.pendingFor(arg)
      : typeof arg === 'string'
        ? ctx.preview.pendingFor(vscode.Uri.from({ scheme: IMPORT_PREVIEW_SCHEME, path: `/${arg}/` }))
        : (ctx.preview.pendingFor(vscode.window.activeTextEditor?.document.uri) ?? ctx.preview.onlyPending());
  if (!found) throw new UserFacingError(vscode.l10n.t('No import is waiting for a decision (it was applied, discarded or its comparison was closed). Run "SSO: Import Applications…" again.'));
  return found;
}

async function applyPendingImport(ctx: TransferCommandsContext, arg: unknown): Promise<void> {
  const { id, pending } = decisionFor(ctx, arg);
  // Applied at most once: a second click while the first runs finds nothing pending. When the
  // service refuses, the comparison stays open to be read; unless the plan is out of date (SSO
  // changed since), Apply is offered again, so that a retry (the MSS back) needs no new file and password.
  ctx.preview.take(id);
  try {
    await pending.apply();
  } catch (err) {
    if (!(err instanceof SsoError && err.code === 'ENTSSO_E_CONFLICT')) ctx.preview.putBack(id, pending);
    throw err;
  }
  await ctx.preview.close(id);
}

async function discardPendingImport(ctx: TransferCommandsContext, arg: unknown): Promise<void> {
  const { id, pending } = decisionFor(ctx, arg);
  ctx.preview.take(id);
  await ctx.preview.close(id);
  ctx.log.info(`Import of ${pending.title} discarded; nothing was changed.`);
  vscode.window.setStatusBarMessage(vscode.l10n.t('Import of {0} discarded: nothing was changed.', pending.title), 5000);
}

async function askSsoApplication(title: string, uri: vscode.Uri, before: string | undefined): Promise<string> {
  const name = await askText({
    title: vscode.l10n.t(`{0}: application`, title),
    prompt: vscode.l10n.t('The application this .sso file is for (the snap-in takes it from the file name). It is created when it does not exist.'),
    value: before ?? applicationOfSsoFile(uri.path),
    validate: (v) => nameProblem(v, 'application'),
  });
  return normaliseName(name);
}

function modeItems(): PickItem<ImportMode>[] {
  return (['add', 'update', 'mirror'] as const).map((mode) => ({ label: MODE_LABELS[mode].label, description: mode, detail: MODE_LABELS[mode].detail, value: mode }));
}

function warningText(plan: ImportPlan, separator = ' '): string {
  return plan.warnings.length > 0 ? `${separator}${plan.warnings.join(' ')}` : '';
}

function describeResult(result: ImportResult): string {
  const parts = result.applications.map((a) => {
    const outcome = applicationOutcome(a.application, a.action);
    if (a.identifiersCreated + a.identifiersUpdated + a.identifiersDeleted === 0) return outcome;
    return vscode.l10n.t('{0} ({1} configuration(s) created, {2} updated, {3} deleted)', outcome, a.identifiersCreated, a.identifiersUpdated, a.identifiersDeleted);
  });
  return vscode.l10n.t('Imported: {0}.', parts.join('; '));
}

function applicationOutcome(application: string, action: ImportResult['applications'][number]['action']): string {
  if (action === 'create') return vscode.l10n.t('"{0}" created', application);
  if (action === 'update') return vscode.l10n.t('"{0}" updated', application);
  return vscode.l10n.t('"{0}" unchanged', application);
}

/** The import changed applications and values: reload the explorer and the open documents that are not being edited. */
function afterImport(ctx: TransferCommandsContext): void {
  ctx.fileSystem.clearCaches();
  ctx.fileSystem.touchAll(cleanSsoDocuments());
  ctx.tree.refresh();
}
