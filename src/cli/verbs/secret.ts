/**
 * ssoctl secret info|backup|inspect|verify|restore|generate: the master secret lifecycle, over
 * the same service operations as the extension's palette commands. They run on the master
 * secret server; files are written here, by the caller, only after the MSS produced them.
 */
import { type ParsedArgs, UsageError, flag, opt, positional } from '../args';
import { connect, print } from '../context';
import { readInputFileBase64 } from '../inputFile';
import { checkOutputFile, writeOutputFile } from '../privateFile';
import { readPassword } from '../password';
import { recordWrittenBackup, requestBackup, supersededBackupMessage } from '../../model/backupRecord';

export const secretOptions = { file: { value: true }, reminder: { value: true }, 'password-stdin': {}, 'allow-foreign': {}, force: {} };

export async function secret(args: ParsedArgs): Promise<void> {
  const verb = positional(args, 1, 'secret verb (info, backup, inspect, verify, restore, generate)');
  const client = await connect(args);
  try {
    switch (verb) {
      case 'info': {
        const i = await client.request('secret.info', {});
        print(args, i, () =>
          [
            `master secret server: ${i.mssName}`,
            `current secret:       ${i.currentMsid ?? '(none)'} created ${i.secretCreatedAt ?? '?'}`,
            `previous secret:      ${i.previousMsid ?? '(none)'}`,
            `last backup:          ${i.lastBackupAt ?? 'never'}`,
            `last verified backup: ${i.lastVerifiedBackupAt ?? 'never'}`,
            ...(i.reencrypt ? [`re-encrypting:        ${i.reencrypt.done} of ${i.reencrypt.total}`] : []),
          ].join('\n'),
        );
        return;
      }
      case 'backup': {
        const file = outputFile(args);
        const password = await readPassword(args, 'Backup password', true);
        const reminder = opt(args, 'reminder') ?? '';
        const { result: r, confirm } = await requestBackup((confirmWrite) => client.request('secret.backup', { password, reminder, ...(confirmWrite ? { confirmWrite } : {}) }));
        await writeOutputFile(file, Buffer.from(r.file, 'base64'));
        // Recorded as a backup only now that the file is on disk (not when the MSS made the bytes).
        const record = await recordWrittenBackup(confirm, () => client.request('secret.backupWritten', { msids: r.msids }));
        if (record.outcome === 'failed') process.stderr.write(`warning: the backup is written, but its time was not recorded (${record.reason}); "secret info" may say no backup.\n`);
        if (record.outcome === 'superseded') {
          // Exit 1, as "secret verify" answers for a file without the live secret (a failure exits 10 then).
          process.stderr.write(`warning: ${supersededBackupMessage(file)}\n`);
          process.exitCode = 1;
          if (!args.options.has('json')) return;
        }
        // A script reads `superseded` (as it reads a list's nextCursor), not only the exit code.
        print(args, { file, msids: r.msids, ...(record.outcome === 'superseded' ? { superseded: true } : {}) }, () => `Master secret backed up to ${file} (secrets ${r.msids.join(', ')}). The reminder is stored readable in the file. Keep the file and its password apart; then run "ssoctl secret verify".`);
        return;
      }
      case 'inspect': {
        const info = await client.request('secret.inspect', { file: inputFile(args) });
        print(args, info, () => `${info.format} v${info.version}, created ${info.created}, secrets ${info.msids.join(', ')}${info.foreignEnvironment ? ', FROM ANOTHER ENVIRONMENT' : ''}\npassword reminder: ${info.reminder || '(none)'}`);
        return;
      }
      case 'verify': {
        const file = inputFile(args);
        await showReminder(client, file, args);
        const r = await client.request('secret.verify', { file, password: await readPassword(args, 'Backup password', false) });
        print(args, r, () => (r.matchesLiveSecret ? `The backup opens with this password and holds the live master secret. Verified at ${r.verifiedAt}.` : `The backup opens, but does not hold the live master secret (it holds ${r.msids.join(', ')}). Make a new backup.`));
        if (!r.matchesLiveSecret) process.exitCode = 1;
        return;
      }
      case 'restore': {
        const file = inputFile(args);
        await showReminder(client, file, args);
        const r = await client.request('secret.restore', { file, password: await readPassword(args, 'Backup password', false), allowForeignEnvironment: flag(args, 'allow-foreign') });
        print(args, r, () => `Master secret ${r.msid} restored. SSO services pick it up within one sync interval.`);
        return;
      }
      case 'generate': {
        const file = outputFile(args);
        const password = await readPassword(args, 'Password for the backup of the new secret', true);
        const prepared = await client.request('secret.prepareGenerate', { password, reminder: opt(args, 'reminder') ?? '' });
        // ENTSSO's order: the backup of the new secret is on disk (synced) before anything switches.
        await writeOutputFile(file, Buffer.from(prepared.file, 'base64'), 'The new master secret was not put in use: the current one stays.');
        const r = await client.request('secret.commitGenerate', { newMsid: prepared.newMsid });
        print(args, { file, ...r }, () => `New master secret ${r.msid} is in use; its backup is ${file}. ${r.rowsToReencrypt} configuration(s) are being re-encrypted; writes are refused until that finishes ("ssoctl secret info" shows progress).`);
        return;
      }
      default:
        throw new UsageError(`Unknown secret verb "${verb}". Use info, backup, inspect, verify, restore or generate.`);
    }
  } finally {
    client.close();
  }
}

function outputFile(args: ParsedArgs): string {
  const file = opt(args, 'file');
  if (!file) throw new UsageError('Say where to write the backup: --file <path>.');
  checkOutputFile(file, flag(args, 'force'));
  return file;
}

function inputFile(args: ParsedArgs): string {
  const file = opt(args, 'file');
  if (!file) throw new UsageError('Say which backup file: --file <path>.');
  return readInputFileBase64(file, 'a master secret backup');
}

/** ENTSSO shows the password reminder before asking for the password. */
async function showReminder(client: Awaited<ReturnType<typeof connect>>, file: string, args: ParsedArgs): Promise<void> {
  const info = await client.request('secret.inspect', { file });
  if (!flag(args, 'json')) process.stderr.write(`Password reminder: ${info.reminder || '(none)'}\n`);
  if (info.foreignEnvironment && !flag(args, 'allow-foreign') && positional(args, 1, '') === 'restore') {
    throw new UsageError(`This backup comes from another SSO environment (${info.environment}). Restoring it replaces this environment's master secret: add --allow-foreign to confirm.`);
  }
}
