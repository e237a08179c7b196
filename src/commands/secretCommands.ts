/**
 * The master secret lifecycle from the palette, over the same service operations and in the
 * same order as `ssoctl secret …` (src/cli/verbs/secret.ts):
 * - Back Up: file, password twice, reminder (stored readable) → `secret.backup` → file (0600).
 * - Verify: file → `secret.inspect` (its reminder is shown BEFORE the password is asked) →
 *   `secret.verify`: does the file hold the live secret?
 * - Restore: file → reminder → a file from another environment only after a modal confirmation
 *   (`allowForeignEnvironment`) → password → `secret.restore`.
 * - Generate: modal confirmation → file → password twice + reminder → `secret.prepareGenerate`
 *   → the backup of the new secret is written → `secret.commitGenerate` → progress of the
 *   re-encryption, driven by the state the service pushes, until it is ready again.
 *   On Enterprise SSO (the bridge) generating is one step, `secret.generate`, as ENTSSO does it.
 * Verifying is offered only where the backend can (ENTSSO cannot without restoring).
 * A password the service finds too weak, or that does not open a file, is asked again with the
 * service's reason. Passwords never reach a log, an error or a file in clear.
 */
import * as vscode from 'vscode';
import type { ConnectionManager } from '../connection/connectionManager';
import type { ServiceState } from '../protocol/messages';
import { formatTime, stateWord } from '../model/serviceStatus';
import { backupFileName, restoredSecretText } from '../model/secretPrompts';
import { UserCancelled, UserFacingError, registerCommand, type CommandContext } from './commandRunner';
import { saveNewSecretBackup } from '../model/newSecretBackup';
import { recordWrittenBackup, requestBackup, supersededBackupMessage } from '../model/backupRecord';
import { baseName, displayPath, FileNotWritten, pickOpenFile, pickSaveFile, readFileBase64, writePrivateFile } from './files';
import { confirmModal, reminderPrompt, requireEnvironment, withFilePassword, withNewPassword, withBusyIndicator } from './prompts';
import { showWrittenFile } from './writtenFileNotice';
import { askErrorModal, notifyInformation, notifyWarning, withNotificationProgress } from '../views/notifications';

interface SecretCommandsContext extends CommandContext {
  readonly connection: ConnectionManager;
  /** Something about the secret or its backups changed: refresh what shows it. */
  afterSecretChange(): void;
}

/** Built when asked, not at load: the names are in the display language. */
function backupFilters(): Record<string, string[]> {
  return { [vscode.l10n.t('Master secret backups')]: ['backup'], [vscode.l10n.t('All files')]: ['*'] };
}
/** A backup holds two secrets and a header: far below this. */
const MAX_BACKUP_BYTES = 1024 * 1024;

export function registerSecretCommands(ctx: SecretCommandsContext): vscode.Disposable[] {
  return [
    registerCommand(ctx, 'entsso.backupSecret', () => backupSecret(ctx)),
    registerCommand(ctx, 'entsso.verifySecretBackup', (file?: unknown) => verifyBackup(ctx, file instanceof vscode.Uri ? file : undefined)),
    registerCommand(ctx, 'entsso.restoreSecret', () => restoreSecret(ctx)),
    registerCommand(ctx, 'entsso.generateSecret', () => generateSecret(ctx)),
  ];
}

// ---------------------------------------------------------------- back up

async function backupSecret(ctx: SecretCommandsContext): Promise<void> {
  const env = requireEnvironment(ctx.connection).name;
  const title = vscode.l10n.t('Back Up Master Secret of "{0}"', env);
  const target = await pickSaveFile({ kind: 'backup', title, defaultName: backupFileName(env, new Date()), filters: backupFilters() });
  // ENTSSO (the bridge) records no backup time: nothing to confirm there.
  const confirms = ctx.connection.serves('secret.backupWritten');
  const { result, confirm } = await withNewPassword(title, vscode.l10n.t('backup'), {}, (p) =>
    withBusyIndicator(vscode.l10n.t(`Backing up the master secret of "{0}"…`, env), () =>
      requestBackup((confirmWrite) => ctx.connection.request('secret.backup', { password: p.password, reminder: p.reminder, ...(confirmWrite ? { confirmWrite } : {}) }), confirms),
    ),
  );
  await writePrivateFile(target, Buffer.from(result.file, 'base64'));
  // Recorded as a backup only now that the file is on disk; failing that, the file is still good.
  const record = await recordWrittenBackup(confirm, () => ctx.connection.request('secret.backupWritten', { msids: result.msids }));
  if (record.outcome === 'failed') {
    ctx.log.warn(`The backup time of "${env}" was not recorded: ${record.reason}`);
    void notifyWarning(vscode.l10n.t('The backup is written, but its time was not recorded ({0}): Check Health may say "no backup".', record.reason));
  }
  if (record.outcome === 'superseded') {
    // Instead of "backed up" and the offer to verify (which would say: not the live secret).
    const text = supersededBackupMessage(displayPath(target));
    ctx.log.warn(text);
    ctx.afterSecretChange();
    void notifyWarning(text);
    return;
  }
  // ENTSSO does not say which secrets a backup holds: the bridge answers no ids.
  ctx.log.info(`Master secret of "${env}" backed up to ${displayPath(target)}${result.msids.length > 0 ? ` (secrets ${result.msids.join(', ')})` : ''}.`);
  ctx.afterSecretChange();
  offerVerification(
    ctx,
    {
      verifiable: vscode.l10n.t('Master secret of "{0}" backed up to {1}. Keep the file and its password in separate safe places, and verify the backup to prove that both work.', env, displayPath(target)),
      unverifiable: vscode.l10n.t(
        'Master secret of "{0}" backed up to {1}. Keep the file and its password in separate safe places. Enterprise SSO cannot check a backup without restoring it: keep the password with the file\'s reminder in mind.',
        env,
        displayPath(target),
      ),
    },
    target,
  );
}

/** The message to show, whole in each case: the advice depends on whether the backend can verify a backup. */
interface BackupMessages {
  verifiable: string;
  unverifiable: string;
}

function offerVerification(ctx: SecretCommandsContext, messages: BackupMessages, file: vscode.Uri): void {
  if (!ctx.connection.serves('secret.verify')) {
    void showWrittenFile(messages.unverifiable, file);
    return;
  }
  const verifyButton = vscode.l10n.t('Verify Backup…');
  void showWrittenFile(messages.verifiable, file, { buttons: [verifyButton] }).then((picked) => {
    if (picked === verifyButton) void vscode.commands.executeCommand('entsso.verifySecretBackup', file);
  });
}

// ---------------------------------------------------------------- verify

async function verifyBackup(ctx: SecretCommandsContext, file: vscode.Uri | undefined): Promise<void> {
  const env = requireEnvironment(ctx.connection).name;
  const uri = file ?? (await pickOpenFile({ kind: 'backup', title: vscode.l10n.t('Verify Master Secret Backup'), filters: backupFilters(), openLabel: vscode.l10n.t('Verify') }));
  const bytes = await readFileBase64(uri, MAX_BACKUP_BYTES);
  const info = await ctx.connection.request('secret.inspect', { file: bytes });
  const title = vscode.l10n.t('Verify Master Secret Backup: {0}', baseName(uri));
  const result = await withFilePassword(title, reminderPrompt(info), (password) =>
    withBusyIndicator(vscode.l10n.t(`Verifying {0}…`, baseName(uri)), () => ctx.connection.request('secret.verify', { file: bytes, password })),
  );
  ctx.afterSecretChange();
  if (result.matchesLiveSecret) {
    ctx.log.info(`Backup ${displayPath(uri)} verified: it holds the live master secret of "${env}".`);
    void notifyInformation(
      vscode.l10n.t(`{0} opens with this password and holds the live master secret of "{1}" (verified {2}).`, baseName(uri), env, formatTime(result.verifiedAt, new Date())),
    );
    return;
  }
  ctx.log.warn(`Backup ${displayPath(uri)} opens, but does not hold the live master secret of "${env}".`);
  void notifyWarning(
    vscode.l10n.t(`{0} opens with this password, but does not hold the live master secret of "{1}" (it holds {2}). It cannot restore this environment: make a new backup.`, baseName(uri), env, result.msids.join(', ')),
    vscode.l10n.t('Back Up Master Secret…'),
  ).then((picked) => {
    if (picked) void vscode.commands.executeCommand('entsso.backupSecret');
  });
}

// ---------------------------------------------------------------- restore

async function restoreSecret(ctx: SecretCommandsContext): Promise<void> {
  const env = requireEnvironment(ctx.connection).name;
  const uri = await pickOpenFile({ kind: 'backup', title: vscode.l10n.t(`Restore Master Secret of "{0}"`, env), filters: backupFilters(), openLabel: vscode.l10n.t('Restore') });
  const bytes = await readFileBase64(uri, MAX_BACKUP_BYTES);
  const info = await ctx.connection.request('secret.inspect', { file: bytes });
  if (info.foreignEnvironment) {
    await confirmModal(
      vscode.l10n.t('{0} comes from another SSO environment. Restore it into "{1}" anyway?', baseName(uri), env),
      vscode.l10n.t(
        'It was made {0} in environment {1}, not in "{2}". Restoring it replaces the master secret of "{2}" with that environment\'s ({3}). Configurations stored under a secret the file does not hold would become unreadable: the master secret server refuses the restore in that case.',
        formatTime(info.created, new Date()),
        info.environment,
        env,
        info.msids.join(', '),
      ),
      vscode.l10n.t('Restore Anyway'),
    );
    ctx.log.warn(`Restoring a master secret backup from another environment into "${env}" (confirmed by the user).`);
  }
  const result = await withFilePassword(vscode.l10n.t('Restore Master Secret from {0}', baseName(uri)), reminderPrompt(info), (password) =>
    withBusyIndicator(vscode.l10n.t(`Restoring the master secret of "{0}"…`, env), () =>
      ctx.connection.request('secret.restore', { file: bytes, password, ...(info.foreignEnvironment ? { allowForeignEnvironment: true } : {}) }),
    ),
  );
  // ENTSSO's RestoreSecret does not say the secret's id: the bridge answers ''.
  ctx.log.info(`${result.msid ? `Master secret ${result.msid}` : 'The master secret'} of "${env}" restored from ${displayPath(uri)}.`);
  ctx.afterSecretChange();
  void notifyInformation(restoredSecretText(env, result.msid, ctx.connection.state?.syncIntervalMs));
}

// ---------------------------------------------------------------- generate

async function generateSecret(ctx: SecretCommandsContext): Promise<void> {
  const env = requireEnvironment(ctx.connection).name;
  if (!ctx.connection.serves('secret.prepareGenerate') && ctx.connection.serves('secret.generate')) return generateSecretInOneStep(ctx, env);
  await confirmModal(
    vscode.l10n.t('Generate a new master secret for "{0}"?', env),
    vscode.l10n.t(
      'The master secret server makes a new secret and first gives you a backup of it: you choose the file and its password. Then it switches to the new secret and re-encrypts every stored configuration; until that finishes, saving configurations and changing applications is refused (reading and BizTalk runtime lookups keep working). The current secret stays available as the previous one.',
    ),
    vscode.l10n.t('Generate…'),
  );
  // ENTSSO's order: the backup of the new secret is on disk (synced, renamed into place) before anything switches.
  const { target, result: prepared } = await generateWithBackup(env, false, (password, reminder) => ctx.connection.request('secret.prepareGenerate', { password, reminder }));
  ctx.log.info(`Backup of the new master secret ${prepared.newMsid} of "${env}" written to ${displayPath(target)}.`);
  const committed = await ctx.connection.request('secret.commitGenerate', { newMsid: prepared.newMsid });
  ctx.log.info(`New master secret ${committed.msid} of "${env}" in use; ${committed.rowsToReencrypt} configuration(s) to re-encrypt.`);
  ctx.afterSecretChange();
  const outcome = await followReencryption(ctx.connection, env, committed.msid, committed.rowsToReencrypt);
  ctx.afterSecretChange();
  if (outcome === 'hidden') {
    void notifyInformation(vscode.l10n.t(`Re-encryption of "{0}" goes on in the background; the status bar shows its progress. The backup of the new secret is {1}.`, env, displayPath(target)));
    return;
  }
  const args = [committed.msid, env, committed.rowsToReencrypt, displayPath(target)];
  offerVerification(
    ctx,
    {
      verifiable: vscode.l10n.t(
        'New master secret {0} is in use in "{1}" and every configuration is re-encrypted under it ({2}). Its backup is {3}: keep it and its password in separate safe places, and verify the backup to prove that both work.',
        ...args,
      ),
      unverifiable: vscode.l10n.t(
        'New master secret {0} is in use in "{1}" and every configuration is re-encrypted under it ({2}). Its backup is {3}: keep it and its password in separate safe places. Enterprise SSO cannot check a backup without restoring it: keep the password with the file\'s reminder in mind.',
        ...args,
      ),
    },
    target,
  );
}

/** A slow remote MSS retries its RPCs (about 21 s each): far more than the default 60 s. */
const GENERATE_TIMEOUT_MS = 10 * 60_000;

/** ENTSSO's GenerateSecret: the MSS makes the secret, writes its backup and switches in one call. */
async function generateSecretInOneStep(ctx: SecretCommandsContext, env: string): Promise<void> {
  await confirmModal(
    vscode.l10n.t('Generate a new master secret for "{0}"?', env),
    vscode.l10n.t(
      'The master secret server makes a new secret, gives you its backup (you choose the file and its password) and switches to it in one step, as Enterprise SSO does. SSO servers pick the new secret up at their next refresh; the current secret stays available as the previous one. This runs only on the master secret server.',
    ),
    vscode.l10n.t('Generate…'),
  );
  const { target, result } = await generateWithBackup(env, true, (password, reminder) =>
    // Its answer carries the only backup of a secret already in use: waited for, not dropped at the default timeout.
    ctx.connection.requestWith('secret.generate', { password, reminder }, { timeoutMs: GENERATE_TIMEOUT_MS, finishOnClose: true }),
  );
  // ENTSSO's GenerateSecret does not say the new secret's id: the bridge may answer ''.
  ctx.log.info(`${result.msid ? `New master secret ${result.msid}` : 'A new master secret'} of "${env}" generated; its backup is ${displayPath(target)}.`);
  ctx.afterSecretChange();
  void notifyInformation(
    result.msid
      ? vscode.l10n.t('New master secret {0} is in use in "{1}". Its backup is {2}: keep it and its password in separate safe places.', result.msid, env, displayPath(target))
      : vscode.l10n.t('A new master secret is in use in "{0}". Its backup is {1}: keep it and its password in separate safe places.', env, displayPath(target)),
  );
}

/**
 * Asks where the new secret's backup goes and for its password, lets the MSS make the secret
 * (`makeSecret` returns the backup file, base64) and writes the backup. `alreadySwitched`: the
 * secret is in use as soon as `makeSecret` returned (ENTSSO's one step), not only after a commit.
 */
async function generateWithBackup<T extends { file: string }>(
  env: string,
  alreadySwitched: boolean,
  makeSecret: (password: string, reminder: string) => Promise<T>,
): Promise<{ target: vscode.Uri; result: T }> {
  const title = vscode.l10n.t('Generate New Master Secret for "{0}"', env);
  const target = await pickSaveFile({ kind: 'backup', title: vscode.l10n.t(`Backup of the new master secret of "{0}"`, env), defaultName: backupFileName(env, new Date()), filters: backupFilters() });
  const result = await withNewPassword(title, vscode.l10n.t('backup of the new secret'), {}, (p) => withBusyIndicator(vscode.l10n.t(`Generating a new master secret for "{0}"…`, env), () => makeSecret(p.password, p.reminder)));
  return { target: await writeNewSecretBackup(env, target, Buffer.from(result.file, 'base64'), alreadySwitched), result };
}

/**
 * The backup of a new secret exists only in memory until it is written: a failed write asks for
 * another place, and closing a dialog never drops it silently (src/model/newSecretBackup.ts).
 */
async function writeNewSecretBackup(env: string, first: vscode.Uri, bytes: Buffer, alreadySwitched: boolean): Promise<vscode.Uri> {
  const elsewhere = vscode.l10n.t('Save Elsewhere…');
  const drop = vscode.l10n.t('Drop the Only Backup');
  const saved = await saveNewSecretBackup(first, alreadySwitched, {
    write: (target) => writePrivateFile(target, bytes),
    askAfterFailure: async (target, failure) => {
      const reason = failure instanceof FileNotWritten ? failure.reason : vscode.l10n.t('an unexpected error');
      const choice = alreadySwitched
        ? await askErrorModal(
            vscode.l10n.t('The new master secret of "{0}" is already in use, and its backup could not be written to {1}: {2}.', env, displayPath(target), reason),
            vscode.l10n.t('This backup exists only in memory now. Save it elsewhere: without it, the new secret cannot be restored. Closing this dialog asks again; only "Drop the Only Backup" gives it up.'),
            elsewhere,
            drop,
          )
        : await askErrorModal(
            vscode.l10n.t('The backup of the new master secret of "{0}" could not be written to {1}: {2}.', env, displayPath(target), reason),
            vscode.l10n.t('Nothing has changed yet: the new secret is put in use only once its backup is saved. Save it elsewhere, or cancel to keep the current secret.'),
            elsewhere,
          );
      return choice === elsewhere ? 'elsewhere' : choice === drop ? 'drop' : undefined;
    },
    pickTarget: () => pickSaveFile({ kind: 'backup', title: vscode.l10n.t(`Backup of the new master secret of "{0}"`, env), defaultName: backupFileName(env, new Date()), filters: backupFilters() }).catch(undefinedIfCancelled),
  });
  if (saved) return saved;
  if (alreadySwitched) {
    throw new UserFacingError(vscode.l10n.t('The new master secret of "{0}" is in use and has NO backup. Back it up now.', env), [
      { title: vscode.l10n.t('Back Up Master Secret…'), command: 'entsso.backupSecret' },
    ]);
  }
  throw new UserFacingError(vscode.l10n.t('Nothing was changed: the new master secret of "{0}" was not put in use. Run Generate again and choose a folder you may write to.', env));
}

function undefinedIfCancelled(err: unknown): undefined {
  if (err instanceof UserCancelled) return undefined;
  throw err;
}

type ReencryptionOutcome = 'done' | 'hidden';

/**
 * A progress notification fed by the state the service pushes (`reencrypting` with done/total),
 * until the service is `ready` under the new secret. Hiding it leaves re-encryption running.
 */
function followReencryption(connection: ConnectionManager, env: string, newMsid: string, rows: number): Thenable<ReencryptionOutcome> {
  return withNotificationProgress(
    { title: vscode.l10n.t(`Re-encrypting "{0}" under the new master secret`, env), cancellable: true },
    (progress, token) =>
      new Promise<ReencryptionOutcome>((resolve) => {
        let reported = 0;
        const update = () => {
          const state = connection.state;
          if (isDone(state, newMsid)) return finish('done');
          const p = state?.state === 'reencrypting' ? state.reencrypt : undefined;
          if (p && p.total > 0) {
            const percent = Math.min(100, (p.done / p.total) * 100);
            progress.report({ message: vscode.l10n.t('{0} of {1} configurations', p.done, p.total), increment: Math.max(0, percent - reported) });
            reported = Math.max(reported, percent);
          } else if (state && state.state !== 'ready' && state.state !== 'reencrypting') {
            progress.report({ message: vscode.l10n.t('paused: {0}; it resumes by itself', connection.statusInput() ? stateWord(connection.statusInput()!) : state.state) });
          } else if (!p) {
            progress.report({ message: rows > 0 ? vscode.l10n.t('{0} configurations to go', rows) : vscode.l10n.t('switching to the new secret') });
          }
        };
        const subscription = connection.onDidChange(update);
        const cancel = token.onCancellationRequested(() => finish('hidden'));
        function finish(outcome: ReencryptionOutcome) {
          subscription.dispose();
          cancel.dispose();
          resolve(outcome);
        }
        update();
      }),
  );
}

function isDone(state: ServiceState | undefined, newMsid: string): boolean {
  return state?.state === 'ready' && state.msid === newMsid;
}
