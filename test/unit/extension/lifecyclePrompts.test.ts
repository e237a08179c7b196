// Unit tests of the pure decisions behind the lifecycle commands: backup status and its tooltip
// line, application drafts (names, field lists, masked fields, confirmation texts), password
// refusals and reminders, default file names.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SsoError } from '../../../src/protocol/errors';
import type { ApplicationInfo, SecretInfo } from '../../../src/protocol/messages';
import { backupStatusOf, backupTooltipLine } from '../../../src/model/backupStatus';
import {
  deletionDetail,
  fieldDefinitions,
  fieldListProblem,
  fieldRemovalDetail,
  looksSecret,
  maskableFields,
  nameProblem,
  splitFieldList,
} from '../../../src/model/applicationDraft';
import { applicationOfSsoFile, backupFileName, confirmationProblem, exportFileName, formatOfFile, isWeakPasswordRefusal, isWrongPasswordRefusal, reminderProblem } from '../../../src/model/secretPrompts';
import { presentStatus } from '../../../src/model/serviceStatus';

const now = new Date('2025-11-27T14:10:00');

function info(s: Partial<SecretInfo>): SecretInfo {
  return { currentMsid: '{M2}', previousMsid: '{M1}', secretCreatedAt: '2025-11-27T10:00:00.000Z', lastBackupAt: null, lastVerifiedBackupAt: null, mssName: 'mss:1', ...s };
}

describe('backup status', () => {
  test('verified / unverified / none, judged against the age of the current secret', () => {
    assert.equal(backupStatusOf(info({})).verdict, 'none');
    assert.equal(backupStatusOf(info({ lastBackupAt: '2025-11-27T11:00:00.000Z' })).verdict, 'unverified');
    assert.equal(backupStatusOf(info({ lastBackupAt: '2025-11-27T11:00:00.000Z', lastVerifiedBackupAt: '2025-11-27T11:05:00.000Z' })).verdict, 'verified');
    // A backup or verification of the previous secret does not count.
    assert.equal(backupStatusOf(info({ lastBackupAt: '2025-11-26T11:00:00.000Z', lastVerifiedBackupAt: '2025-11-26T11:05:00.000Z' })).verdict, 'none');
    assert.equal(backupStatusOf(info({ secretCreatedAt: null, lastVerifiedBackupAt: '2025-01-01T00:00:00.000Z' })).verdict, 'verified');
    assert.equal(backupStatusOf(info({})).msid, '{M2}');
  });

  test('the tooltip warns with the next step unless the backup is verified', () => {
    assert.match(backupTooltipLine(backupStatusOf(info({})), now), /^\$\(warning\) \*\*The current master secret has no verified backup\\\.\*\*.*\(command:entsso\.backupSecret\)$/);
    assert.match(backupTooltipLine(backupStatusOf(info({ lastBackupAt: '2025-11-27T11:00:00.000Z' })), now), /nobody has proved .*\(command:entsso\.verifySecretBackup\)$/);
    assert.match(backupTooltipLine(backupStatusOf(info({ lastVerifiedBackupAt: '2025-11-27T12:00:00.000Z' })), now), /^- Last verified backup of the master secret: \d\d:\d\d:\d\d$/);
  });

  test('on Enterprise SSO (no secret.verify) the tooltip neither asks for nor links to a verification', () => {
    const backedUp = backupTooltipLine(backupStatusOf(info({ lastBackupAt: '2025-11-27T11:00:00.000Z' })), now, false);
    assert.match(backedUp, /^- Last backup of the master secret: \d\d:\d\d:\d\d \\\(Enterprise SSO cannot verify/);
    assert.doesNotMatch(backedUp, /verifySecretBackup|no verified backup/);
    const none = backupTooltipLine(backupStatusOf(info({})), now, false);
    assert.match(none, /has no backup\\\.\*\*.*\(command:entsso\.backupSecret\)$/);
    assert.doesNotMatch(none, /verif/);
  });

  test('presentStatus shows the backup notice only while connected', () => {
    const state = { state: 'ready' as const, mssName: 'mss:1', msid: '{M2}', canEncrypt: true, canDecrypt: true, message: '', syncIntervalMs: 60_000 };
    const base = { environment: 'dev', socketPath: '/s', now, backupNotice: 'BACKUP-LINE' };
    assert.match(presentStatus({ ...base, phase: 'connected', state }).tooltip, /BACKUP-LINE/);
    assert.doesNotMatch(presentStatus({ ...base, phase: 'disconnected', disconnectedSince: now.toISOString() }).tooltip, /BACKUP-LINE/);
  });
});

describe('application drafts', () => {
  test('names follow the service rules', () => {
    assert.equal(nameProblem('Contoso.Orders', 'application'), undefined);
    assert.match(nameProblem('', 'application') ?? '', /Enter the application name/);
    assert.match(nameProblem(' x', 'application') ?? '', /start or end with spaces/);
    assert.match(nameProblem('a\u0001', 'application') ?? '', /control characters/);
    assert.match(nameProblem('x'.repeat(257), 'application') ?? '', /longer than 256/);
  });

  test('names typed into prompts follow the one name rule of the service (src/protocol/names.ts)', () => {
    assert.equal(nameProblem('Cafe\u0301', 'application'), undefined, 'NFD is fine: it is sent normalised');
    assert.match(nameProblem('P\u0430ypal', 'application') ?? '', /Latin and Cyrillic/);
    assert.match(nameProblem('Pay\u200bpal', 'identifier') ?? '', /The name must not contain invisible.*U\+200B/);
    assert.match(nameProblem('..', 'identifier') ?? '', /"\." or "\.\."/);
    assert.match(nameProblem('__proto__', 'field') ?? '', /"__proto__"/);
    assert.match(fieldListProblem('Url, Pass\u202eword') ?? '', /U\+202E/);
    assert.deepEqual(splitFieldList('Cafe\u0301, Url'), ['Caf\u00e9', 'Url'], 'labels are sent in NFC');
  });

  test('field lists: split on commas, unique without case, not clashing with existing fields', () => {
    assert.deepEqual(splitFieldList(' Endpoint, ApiUser ,, ApiKey '), ['Endpoint', 'ApiUser', 'ApiKey']);
    assert.equal(fieldListProblem('Endpoint, ApiKey'), undefined);
    assert.match(fieldListProblem(' , ') ?? '', /at least one field name/);
    assert.match(fieldListProblem('Key, key') ?? '', /"key" is listed twice/);
    assert.match(fieldListProblem('Endpoint', ['endpoint']) ?? '', /already has a field "endpoint"/);
  });

  test('masked fields: never the first field of a new config-store application; secret-looking names preselected', () => {
    assert.deepEqual(maskableFields(['A', 'B'], 'configStore', true), ['B']);
    assert.deepEqual(maskableFields(['A', 'B'], 'configStore', false), ['A', 'B']);
    assert.deepEqual(maskableFields(['A', 'B'], 'adapter', true), ['A', 'B']);
    assert.deepEqual(fieldDefinitions(['A', 'Password'], ['Password']), [{ label: 'A', masked: false }, { label: 'Password', masked: true }]);
    for (const s of ['Password', 'ApiKey', 'SasToken', 'client_secret', 'Pwd']) assert.ok(looksSecret(s), s);
    for (const s of ['Endpoint', 'UserName', 'Timeout']) assert.ok(!looksSecret(s), s);
  });

  test('confirmations say what is lost', () => {
    const app: ApplicationInfo = { name: 'Contoso.Orders', description: '', contact: '', userGroup: '', adminGroup: '', flags: 0, kind: 'configStore', enabled: true, numFields: 3, identifierCount: 2 };
    assert.match(deletionDetail(app, 'dev'), /"Contoso\.Orders" in environment "dev" and its 3 field definitions are removed.*Its 2 config-store entries are deleted with it/s);
    assert.match(deletionDetail({ ...app, identifierCount: 0 }, 'dev'), /It holds no config-store entries\./);
    assert.match(deletionDetail(app, 'dev'), /Export Applications/);
    assert.match(fieldRemovalDetail(app, ['ApiKey']), /"ApiKey" is removed.*purged from all 2 config-store entries/);
  });
});

describe('password refusals, reminders and file names', () => {
  test('weak and wrong passwords are told apart', () => {
    assert.ok(isWeakPasswordRefusal(new SsoError('ENTSSO_E_BAD_PASSWORD', 'too short', { reason: 'weak-password' })));
    assert.ok(isWeakPasswordRefusal(new SsoError('ENTSSO_E_INVALID_REQUEST', 'The backup password is too weak: too short')));
    assert.ok(!isWeakPasswordRefusal(new SsoError('ENTSSO_E_INVALID_REQUEST', 'Unknown parameter')));
    assert.ok(isWrongPasswordRefusal(new SsoError('ENTSSO_E_BAD_PASSWORD', 'wrong', { reason: 'wrong-password' })));
    assert.ok(!isWrongPasswordRefusal(new SsoError('ENTSSO_E_BAD_PASSWORD', 'weak', { reason: 'weak-password' })));
    assert.ok(!isWrongPasswordRefusal(new SsoError('ENTSSO_E_BAD_FILE', 'damaged')));
  });

  test('a reminder must not contain the password', () => {
    assert.equal(reminderProblem('the vault entry', 'Correct horse 42!'), undefined);
    assert.match(reminderProblem('it is correct HORSE 42!', 'Correct horse 42!') ?? '', /contains the password/);
    assert.match(reminderProblem('hint\x1b[2J', 'Correct horse 42!') ?? '', /plain text on one line/);
    assert.match(reminderProblem('hint\u202Ereversed', 'Correct horse 42!') ?? '', /plain text on one line/);
    assert.match(reminderProblem('x'.repeat(201), 'p') ?? '', /under 200/);
  });

  test('default names and formats', () => {
    assert.equal(backupFileName('dev env', now), 'master-secret-dev_env-20251127-1410.backup');
    assert.equal(exportFileName(['Contoso.Orders'], 'sso', 'dev', now), 'Contoso.Orders.sso');
    assert.equal(exportFileName(['Contoso.Orders'], 'entsso', 'dev', now), 'Contoso.Orders-20251127-1410.entsso');
    assert.equal(exportFileName(['a', 'b'], 'entsso', 'dev', now), 'dev-2-applications-20251127-1410.entsso');
    assert.equal(formatOfFile('/x/App.SSO'), 'sso');
    assert.equal(formatOfFile('/x/a.entsso'), 'entsso');
    assert.equal(applicationOfSsoFile('/x/y/Contoso.Orders.sso'), 'Contoso.Orders');
  });
});

describe('password confirmation as it is typed', () => {
  test('quiet hint while the start matches, an error as soon as it cannot match, nothing when equal', () => {
    const password = 'Correct-Horse-42';
    assert.deepEqual(confirmationProblem('', password), { info: 'Type the same password again.' });
    assert.deepEqual(confirmationProblem('Correct-', password), { info: 'Keep typing: the passwords match so far.' });
    assert.equal(confirmationProblem('Correct-x', password), 'The two passwords differ: type the same password again.');
    assert.equal(confirmationProblem(`${password}!`, password), 'The two passwords differ: type the same password again.');
    assert.equal(confirmationProblem(password, password), undefined);
  });
});
