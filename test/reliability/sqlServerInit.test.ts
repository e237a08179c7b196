/**
 * `ssoctl init --ssodb …` and `ssoctl serve` on SQL Server, run as the built dist/ssoctl.js
 * against the loopback TDS STAND-IN (tdsFake.ts; no SQL Server can run here). The stand-in runs
 * no SQL: it proves what ssoctl sends (the schema batches, the login and its password) and what
 * it writes to disk, not that SQL Server accepts it.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { MSSQL_SQL } from '../../src/ssoService/ssodb/mssqlSql';
import { ROOT, type RunResult, SSOCTL } from '../integration/harness';
import { TdsFake, type TdsReply, type TdsRequest } from './tdsFake';

const PASSWORD = 'Sql-Login-Pa55word!';
/** The batches of sql/schema.sql: after its header comment (up to the first blank line), split at GO. */
const SCHEMA_BATCHES = readFileSync(join(ROOT, 'sql', 'schema.sql'), 'utf8')
  .replace(/^[\s\S]*?\n\n/, '')
  .split(/^GO$/m)
  .map((batch) => batch.trim())
  .filter((batch) => batch.length > 0);

/** A fresh SSODB as the schema leaves it: one global information row, no master secret yet. */
function freshDatabase(currentMsid: string | null = null): (request: TdsRequest) => TdsReply | undefined {
  const info = { secretServer: 'unknown', adminGroup: 'SSO Administrators', currentMsid, previousMsid: null, secretCreatedAt: null, lastBackupAt: null, lastVerifiedBackupAt: null, timestamp: 1n };
  return (request) => {
    if (request.sql === MSSQL_SQL.getGlobalInfo) return { resultSets: [[info]] };
    if (request.sql === MSSQL_SQL.updateGlobalInfo) return { resultSets: [[{ ...info, currentMsid: 'msid', timestamp: 2n }]] };
    return undefined;
  };
}

/** Every file under `dir`, recursively. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? filesUnder(join(dir, e.name)) : [join(dir, e.name)]));
}

/**
 * Runs dist/ssoctl.js (or `script`) without blocking: the stand-in answers from this process.
 * `until`: stop it (SIGTERM) once that holds, for a daemon that would run on.
 */
function run(args: string[], options: { input?: string; script?: string; cwd?: string; until?: () => boolean } = {}): Promise<RunResult> {
  const child = spawn(process.execPath, [options.script ?? SSOCTL, ...args], { cwd: options.cwd ?? ROOT, env: { ...process.env, NODE_PATH: '' }, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdin.end(options.input ?? '');
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  const poll = setInterval(() => {
    if (options.until?.()) child.kill('SIGTERM');
  }, 100);
  return new Promise((resolve) =>
    child.once('close', (code) => {
      clearTimeout(timer);
      clearInterval(poll);
      resolve({ code: code ?? -1, stdout, stderr });
    }),
  );
}

function initArgs(dir: string, fake: TdsFake, ...extra: string[]): string[] {
  return ['init', '--dir', dir, '--mss-port', '0', '--ssodb', `127.0.0.1,${fake.port}/SSODB`, '--ssodb-user', 'sa', '--ssodb-no-encrypt', '--password-stdin', ...extra];
}

describe('ssoctl init --ssodb and serve on SQL Server (built dist/ssoctl.js against the loopback TDS stand-in)', () => {
  let work: string;
  let fake: TdsFake;

  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'entsso-sqlserver-'));
    fake = await TdsFake.start();
  });

  after(async () => {
    await fake.close();
    rmSync(work, { recursive: true, force: true });
  });

  test('init signs in with the password from stdin, sends every batch of sql/schema.sql, and keeps the password only in the 0600 credential file', async () => {
    const dir = join(work, 'env');
    fake.reply = freshDatabase();
    const from = fake.requests.length;
    const r = await run(initArgs(dir, fake), { input: `${PASSWORD}\n` });
    assert.equal(r.code, 0, r.stderr);

    assert.deepEqual(fake.credentials.at(-1), { user: 'sa', password: PASSWORD }, 'signed in with the password from stdin');
    // tedious opens every connection with its own batch of SET options: not ours.
    const batches = fake.requests.slice(from).filter((request) => request.kind === 'batch' && !request.sql.startsWith('set ansi_nulls on')).map((request) => request.sql);
    assert.deepEqual(batches, SCHEMA_BATCHES, 'the batches of sql/schema.sql, in order');
    assert.equal(fake.requests.slice(from).filter((request) => request.sql === MSSQL_SQL.updateGlobalInfo).length, 1, 'the first master secret recorded');

    const config = JSON.parse(readFileSync(join(dir, 'environment.json'), 'utf8')) as { store: unknown };
    assert.deepEqual(config.store, {
      kind: 'mssql',
      connection: { server: '127.0.0.1', port: fake.port, database: 'SSODB', authentication: 'sql-login', user: 'sa', encrypt: false, trustServerCertificate: false },
      credentialFile: 'ssodb-credential',
    });
    const credential = join(dir, 'ssodb-credential');
    assert.equal(statSync(credential).mode & 0o777, 0o600);
    assert.equal(readFileSync(credential, 'utf8'), `${PASSWORD}\n`);
    for (const file of filesUnder(dir).filter((f) => f !== credential)) {
      assert.ok(!readFileSync(file).includes(PASSWORD), `${file} holds the password`);
    }
    assert.ok(!`${r.stdout}${r.stderr}`.includes(PASSWORD), 'the password is never printed');
    assert.match(r.stdout, /SSO database: +SQL Server 127\.0\.0\.1,\d+\/SSODB \(sql-login\)/);
  });

  test('a password on the command line is refused before anything is created, and not echoed', async () => {
    const dir = join(work, 'cmdline');
    const r = await run(['init', '--dir', dir, '--ssodb', `Server=127.0.0.1,${fake.port};Database=SSODB;User Id=sa;Password=${PASSWORD}`]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /Leave the password, client secret or token out of --ssodb/);
    assert.ok(!r.stderr.includes(PASSWORD));
    assert.equal(existsSync(dir), false, 'nothing was created');
  });

  test('init refuses a database that already belongs to an environment, and changes nothing in it', async () => {
    const dir = join(work, 'in-use');
    fake.reply = freshDatabase('msid-of-another-environment');
    const from = fake.requests.length;
    const r = await run(initArgs(dir, fake), { input: `${PASSWORD}\n` });
    assert.equal(r.code, 7, 'ENTSSO_E_ENVIRONMENT_EXISTS has its own exit code');
    assert.match(r.stderr, /already belongs to an SSO environment.*Nothing was changed in it\. .*\[ENTSSO_E_ENVIRONMENT_EXISTS\]/);
    assert.equal(fake.requests.slice(from).filter((request) => request.sql === MSSQL_SQL.updateGlobalInfo).length, 0);
    assert.equal(existsSync(join(dir, 'environment.json')), false);
    assert.equal(existsSync(join(dir, 'ssodb-credential')), false, 'no password left behind');
  });

  test('init against a server that is not there: ENTSSO_E_SSODB_UNREACHABLE with what to check, and no password in the output', async () => {
    const gone = await TdsFake.start();
    await gone.close();
    const dir = join(work, 'unreachable');
    const r = await run(initArgs(dir, gone), { input: `${PASSWORD}\n` });
    assert.equal(r.code, 1);
    assert.match(r.stderr, new RegExp(`Check that SQL Server 127\\.0\\.0\\.1,${gone.port}/SSODB runs and this machine reaches it .*that the database exists.*\\[ENTSSO_E_SSODB_UNREACHABLE\\]`));
    assert.ok(!r.stderr.includes(PASSWORD));
    assert.equal(existsSync(join(dir, 'ssodb-credential')), false, 'no password left behind');
  });

  test('a login SQL Server refuses: the error says so (the server\'s own text, which names the login, is not repeated)', async () => {
    const refusing = await TdsFake.start();
    refusing.loginError = { number: 18456, message: "Login failed for user 'sa'." };
    try {
      const r = await run(initArgs(join(work, 'refused-login'), refusing), { input: `${PASSWORD}\n` });
      assert.equal(r.code, 1);
      assert.match(r.stderr, /^ssoctl: SQL Server refused the sign-in: a wrong user name or secret.* Check that SQL Server .*\[ENTSSO_E_SSODB_UNREACHABLE\]$/m);
      assert.doesNotMatch(r.stderr, /Login failed for user/);
    } finally {
      await refusing.close();
    }
  });

  test('a login that may not create the tables: the error says to have sql/schema.sql run by someone who may', async () => {
    fake.reply = (request) => (request.sql.includes('CREATE SEQUENCE') ? { error: { number: 262, message: "CREATE SEQUENCE permission denied in database 'SSODB'.", severity: 14 } } : undefined);
    const r = await run(initArgs(join(work, 'no-create'), fake), { input: `${PASSWORD}\n` });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /may not create or change the SSO database's tables \(a new version may add a column\)\. Have a database administrator run sql\/schema\.sql [^\n]*then try again\. \[ENTSSO_E_SSODB_UNREACHABLE\]/);
  });

  test('a login that may not add a column this version needs (ALTER TABLE refused, 4902): the same advice, not a generic failure', async () => {
    const before = fake.reply;
    fake.reply = (request) =>
      request.sql.includes('ALTER TABLE') && request.sql.includes('gi_SwitchingMsids')
        ? { error: { number: 4902, message: "Cannot find the object \"dbo.SSOX_GlobalInfo\" because it does not exist or you do not have permissions.", severity: 16 } }
        : undefined;
    const r = await run(initArgs(join(work, 'no-alter'), fake), { input: `${PASSWORD}\n` }).finally(() => (fake.reply = before));
    assert.equal(r.code, 1);
    assert.match(r.stderr, /may not create or change the SSO database's tables \(a new version may add a column\)\. Have a database administrator run sql\/schema\.sql [^\n]*\[ENTSSO_E_SSODB_UNREACHABLE\]/);
  });

  describe('the bundled dist/ssoctl.js, copied where no node_modules can be found', () => {
    let bundle: string;
    let dir: string;

    before(async () => {
      bundle = join(work, 'bundle');
      mkdirSync(bundle);
      for (const file of ['ssoctl.js', 'mssql.js', 'node-sqlite3-wasm.wasm.br']) copyFileSync(join(ROOT, 'dist', file), join(bundle, file));
      dir = join(work, 'served');
      fake.reply = freshDatabase();
      const r = await run(initArgs(dir, fake), { input: `${PASSWORD}\n` });
      assert.equal(r.code, 0, r.stderr);
    });

    /** `serve` from the copied bundle, stopped once it signed in (or when it exits by itself). */
    function serve(): Promise<RunResult> {
      const logins = fake.credentials.length;
      return run(['serve', '--dir', dir], { script: join(bundle, 'ssoctl.js'), cwd: bundle, until: () => fake.credentials.length > logins });
    }

    test('serve loads the bundled driver and signs in with the password of the credential file', async () => {
      const logins = fake.credentials.length;
      const r = await serve();
      assert.doesNotMatch(r.stderr, /Cannot find module|MODULE_NOT_FOUND/);
      assert.deepEqual(fake.credentials.slice(logins)[0], { user: 'sa', password: PASSWORD }, 'signed in with the password of the credential file');
      assert.ok(!r.stderr.includes(PASSWORD));
    });

    test('serve against a stopped server: ENTSSO_E_SSODB_UNREACHABLE and what to check, not "module not found"', async () => {
      const port = fake.port;
      await fake.close();
      try {
        const r = await serve();
        assert.equal(r.code, 1, r.stderr);
        assert.doesNotMatch(r.stderr, /Cannot find module|MODULE_NOT_FOUND/);
        assert.match(r.stderr, new RegExp(`cannot be reached.* Check that SQL Server 127\\.0\\.0\\.1,${port}/SSODB runs.*ssoctl ssodb credential --dir .*\\[ENTSSO_E_SSODB_UNREACHABLE\\]`));
      } finally {
        fake = await TdsFake.start(port);
      }
    });

    test('ssoctl ssodb credential replaces the password (0600, from stdin); serve signs in with the new one', async () => {
      const r = await run(['ssodb', 'credential', '--dir', dir, '--password-stdin'], { input: 'New-Pa55word\n' });
      assert.equal(r.code, 0, r.stderr);
      const credential = join(dir, 'ssodb-credential');
      assert.equal(statSync(credential).mode & 0o777, 0o600);
      fake.reply = freshDatabase();
      const logins = fake.credentials.length;
      await serve();
      assert.deepEqual(fake.credentials.slice(logins)[0], { user: 'sa', password: 'New-Pa55word' });
    });

    test('a credential file others can read is refused with what to do, and no login is attempted', async () => {
      const credential = join(dir, 'ssodb-credential');
      chmodSync(credential, 0o644);
      try {
        const logins = fake.credentials.length;
        const r = await serve();
        assert.equal(r.code, 1);
        assert.match(r.stderr, /can be read by others \(mode 644\), so it is not used\. .*chmod 600/);
        assert.equal(fake.credentials.length, logins);
      } finally {
        chmodSync(credential, 0o600);
      }
    });
  });

  test('npm start -- --ssodb … creates its environment on SQL Server, the password from stdin going only to the credential file', { timeout: 180_000 }, async () => {
    const data = join(work, 'npm-start');
    fake.reply = freshDatabase();
    const logins = fake.credentials.length;
    const args = ['scripts/start.mjs', '--no-open', '--ssodb', `127.0.0.1,${fake.port}/SSODB`, '--ssodb-user', 'sa', '--ssodb-no-encrypt', '--password-stdin'];
    const start = spawn(process.execPath, args, { cwd: ROOT, env: { ...process.env, ENTSSO_DATA_DIR: data }, stdio: ['pipe', 'pipe', 'pipe'], detached: true });
    let output = '';
    start.stdout.on('data', (d: Buffer) => (output += d.toString()));
    start.stderr.on('data', (d: Buffer) => (output += d.toString()));
    start.stdin.end(`${PASSWORD}\n`);
    const exited = new Promise<void>((resolve) => start.once('close', () => resolve()));
    try {
      // Past init, npm start goes on to start the roles (which the stand-in cannot serve): stop it there.
      for (const deadline = Date.now() + 150_000; !existsSync(join(data, 'env', 'environment.json')); ) {
        assert.ok(Date.now() < deadline && start.exitCode === null, `npm start did not create the environment:\n${output}`);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    } finally {
      process.kill(-start.pid!, 'SIGTERM'); // its own shutdown stops the detached MSS too
      await exited;
    }
    const config = JSON.parse(readFileSync(join(data, 'env', 'environment.json'), 'utf8')) as { store: { kind: string; connection: { server: string; user: string } } };
    assert.deepEqual([config.store.kind, config.store.connection.server, config.store.connection.user], ['mssql', '127.0.0.1', 'sa']);
    assert.equal(statSync(join(data, 'env', 'ssodb-credential')).mode & 0o777, 0o600);
    assert.deepEqual(fake.credentials[logins], { user: 'sa', password: PASSWORD });
    assert.ok(!output.includes(PASSWORD), 'npm start never prints the password');
    for (const file of filesUnder(join(data, 'env')).filter((f) => !f.endsWith('ssodb-credential'))) assert.ok(!readFileSync(file).includes(PASSWORD), file);
  });
});
