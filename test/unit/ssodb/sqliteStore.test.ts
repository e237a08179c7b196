/**
 * The embedded SSODB: the store contract on a real file, plus what only a shared file has —
 * processes contending for node-sqlite3-wasm's lock directory, locks left by killed processes,
 * and the rollback journal of a writer killed mid-transaction.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import nodeSqlite3Wasm from 'node-sqlite3-wasm';
import { SsoError } from '../../../src/protocol/errors';
import { processStartTime } from '../../../src/protocol/processIdentity';
import { openStore } from '../../../src/ssoService/ssodb/openStore';
import { sideFileFor } from '../../../src/ssoService/ssodb/sideFiles';
import { createSqliteStore } from '../../../src/ssoService/ssodb/sqliteStore';
import type { SqliteStoreOptions } from '../../../src/ssoService/ssodb/sqliteStoreOptions';
import { OWN_LOCK_TARGET } from '../../../src/ssoService/ssodb/symlinkLock';
import type { SsoStore } from '../../../src/ssoService/ssodb/store';
import { app, expectSsoError, runStoreContract } from './storeContract';

const repoRoot = path.resolve(__dirname, '../../..');
const storeModule = path.join(repoRoot, 'src/ssoService/ssodb/sqliteStore.ts');

let scratch: string;
let counter = 0;
before(() => {
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'ssodb-sqlite-'));
});
after(() => {
  fs.rmSync(scratch, { recursive: true, force: true });
});

function newFile(): string {
  counter += 1;
  return path.join(scratch, `ssodb-${counter}.db`);
}

async function openAt(file: string, options: Partial<SqliteStoreOptions> = {}): Promise<SsoStore> {
  const store = createSqliteStore({ file, ...options });
  await store.init();
  return store;
}

runStoreContract('SQLite file (node-sqlite3-wasm)', async () => {
  const file = newFile();
  return {
    open: () => openAt(file),
    dispose: async () => {
      for (const suffix of ['', '-journal']) fs.rmSync(file + suffix, { force: true });
    },
  };
});

describe('SQLite store on a shared file', () => {
  it('a save\'s audit row is staged in the data file, in the save\'s commit, and read from the audit file, moved with the retention applied', async () => {
    const file = newFile();
    const auditFile = sideFileFor(file, 'audit');
    const store = await openStore({ kind: 'sqlite', file, busyTimeoutMs: 300 });
    try {
      await store.createApplication(app('Staged'));
      const auditBefore = fs.readFileSync(auditFile);
      // Held by a live owner (this process, outside any store operation): nobody can write the audit file.
      fs.symlinkSync(OWN_LOCK_TARGET, `${auditFile}.lock`);
      const retention = { maxRows: 5, maxAgeMs: 86_400_000 };
      let timestamp: string | null = null;
      for (let i = 0; i < 8; i++) {
        const entry = { user: 'u', action: 'config.set', outcome: 'ok' as const, application: 'Staged', identifier: 'Cfg', detail: `save ${i}` };
        timestamp = (await store.putCredentials('Staged', 'Cfg', timestamp, 'm1', Buffer.from(`v${i}`), undefined, { entry, retention })).timestamp;
      }
      assert.deepEqual(fs.readFileSync(auditFile), auditBefore, 'the saves did not write the audit file (one commit each, in the data file)');
      await expectSsoError(store.listAudit({ limit: 1 }), 'ENTSSO_E_SSODB_UNREACHABLE');
      fs.unlinkSync(`${auditFile}.lock`);
      const rows = await store.listAudit({ limit: 100 });
      assert.deepEqual(rows.map((r) => r.detail), ['save 7', 'save 6', 'save 5', 'save 4', 'save 3'], 'all moved, in order, the newest 5 kept');
      assert.notDeepEqual(fs.readFileSync(auditFile), auditBefore, 'now in the audit file');
    } finally {
      await store.close();
    }
  });

  it('openStore opens, initialises and works', async () => {
    const store = await openStore({ kind: 'sqlite', file: newFile() });
    try {
      await store.createApplication(app('Opened'));
      assert.equal((await store.listApplications({ limit: 5 })).length, 1);
    } finally {
      await store.close();
    }
  });

  it('a file that is not a database is reported as unreachable', async () => {
    const file = newFile();
    fs.writeFileSync(file, 'this is not an SQLite database, just some text that is long enough'.repeat(100));
    await expectSsoError(openStore({ kind: 'sqlite', file }), 'ENTSSO_E_SSODB_UNREACHABLE');
  });

  it('leaves no lock and an empty journal behind: every write is committed when it resolves', async () => {
    const file = newFile();
    const store = await openAt(file);
    await store.createApplication(app('Journal'));
    await store.putCredentials('Journal', 'Row', null, 'm1', Buffer.alloc(50_000, 1));
    assert.equal(fs.existsSync(`${file}.lock`), false, 'the lock is released after each operation');
    await store.close();
    assert.equal(fs.existsSync(`${file}.lock`), false);
    const journal = `${file}-journal`;
    assert.ok(!fs.existsSync(journal) || fs.statSync(journal).size === 0, 'a leftover journal is empty, so never hot');
  });

  it('waits for a lock held by another connection, then succeeds (busy retry)', async () => {
    const file = newFile();
    const store = await openAt(file);
    const holder = new nodeSqlite3Wasm.Database(file);
    try {
      await store.createApplication(app('Busy'));
      holder.exec('BEGIN IMMEDIATE');
      assert.ok(fs.existsSync(`${file}.lock`));
      setTimeout(() => holder.exec('COMMIT'), 300);
      const started = Date.now();
      await store.putCredentials('Busy', 'Row', null, 'm1', Buffer.from('x'));
      assert.ok(Date.now() - started >= 250, 'the write waited for the lock');
      assert.ok(await store.getCredentials('Busy', 'Row'));
    } finally {
      holder.close();
      await store.close();
    }
  });

  it('gives up after the busy timeout with ENTSSO_E_SSODB_UNREACHABLE, leaving a live lock alone', async () => {
    const file = newFile();
    const store = await openAt(file, { busyTimeoutMs: 300 });
    const holder = new nodeSqlite3Wasm.Database(file);
    try {
      holder.exec('BEGIN IMMEDIATE');
      const started = Date.now();
      const error = await expectSsoError(store.createApplication(app('Blocked')), 'ENTSSO_E_SSODB_UNREACHABLE');
      assert.equal(error.details.reason, 'busy');
      assert.ok(Date.now() - started >= 300);
      assert.ok(fs.existsSync(`${file}.lock`), 'a fresh lock is never broken');
      holder.exec('COMMIT');
      await store.createApplication(app('Blocked'));
    } finally {
      holder.close();
      await store.close();
    }
  });

  it('breaks a stale lock directory left by a killed process', async () => {
    const file = newFile();
    const store = await openAt(file);
    try {
      makeStaleDirectory(`${file}.lock`, 60_000);
      const started = Date.now();
      await store.createApplication(app('AfterCrash'));
      assert.ok(Date.now() - started < 2_000, 'recovered at once, not after the busy timeout');
      assert.equal(fs.existsSync(`${file}.lock`), false);
    } finally {
      await store.close();
    }
  });

  it('also clears a stale breaker directory (a process that died while breaking)', async () => {
    const file = newFile();
    const store = await openAt(file);
    try {
      makeStaleDirectory(`${file}.lock`, 60_000);
      makeStaleDirectory(`${file}.lock-breaker`, 60_000);
      await store.createApplication(app('AfterTwoCrashes'));
      assert.equal(fs.existsSync(`${file}.lock`), false);
      assert.equal(fs.existsSync(`${file}.lock-breaker`), false);
    } finally {
      await store.close();
    }
  });

  it('start-up waits for a just-left lock to turn stale instead of failing', async () => {
    const file = newFile();
    await (await openAt(file)).close();
    fs.mkdirSync(`${file}.lock`);
    const started = Date.now();
    const store = await openAt(file, { busyTimeoutMs: 200, staleLockMs: 400 });
    try {
      assert.ok(Date.now() - started >= 350);
      await store.ping();
    } finally {
      await store.close();
    }
  });

  it('rolls back the transaction of a writer killed in the middle of it', async () => {
    const file = newFile();
    const before = await openAt(file);
    await before.createApplication(app('Crash'));
    const committed = await before.putCredentials('Crash', 'Row', null, 'm1', Buffer.from('committed'));
    await before.appendAudit({ user: 'u', action: 'committed', outcome: 'ok' });
    await before.close();

    // A raw connection starts a big transaction (small cache, so changed pages reach the file
    // before COMMIT), then the process is SIGKILLed: a stale lock and a hot journal are left.
    const child = spawnSync(process.execPath, ['-e', KILLED_WRITER, file], { cwd: repoRoot, encoding: 'utf8' });
    assert.equal(child.signal, 'SIGKILL', child.stderr);
    assert.ok(fs.existsSync(`${file}.lock`), 'the killed writer left its lock');
    assert.ok(fs.statSync(`${file}-journal`).size > 0, 'the killed writer left a hot journal');
    const sizeWithUncommittedPages = fs.statSync(file).size;

    // The next process to start waits for the lock to turn stale, breaks it, and rolls back.
    const store = await openAt(file, { staleLockMs: 300 });
    try {
      const row = await store.getCredentials('Crash', 'Row');
      assert.deepEqual(row!.ciphertext, Buffer.from('committed'), 'the uncommitted UPDATE was rolled back');
      assert.equal(row!.timestamp, committed.timestamp);
      assert.deepEqual((await store.listAudit({ limit: 10 })).map((e) => e.action), ['committed'], 'the uncommitted INSERTs were rolled back');
      assert.ok(fs.statSync(file).size < sizeWithUncommittedPages, 'the file was cut back to its committed size');
      const journal = `${file}-journal`;
      assert.ok(!fs.existsSync(journal) || fs.statSync(journal).size === 0, 'the hot journal was played back');
      await store.putCredentials('Crash', 'Row', committed.timestamp, 'm1', Buffer.from('after recovery'));
    } finally {
      await store.close();
    }
    const check = new nodeSqlite3Wasm.Database(file);
    try {
      assert.deepEqual(check.all('PRAGMA integrity_check'), [{ integrity_check: 'ok' }]);
    } finally {
      check.close();
    }
  });

  it('a lock whose owner process died is broken at once, long before it turns stale by age', async () => {
    const file = newFile();
    const store = await openAt(file, { staleLockMs: 60_000, busyTimeoutMs: 5_000 });
    try {
      await store.createApplication(app('Owner'));
      // A process takes the lock as a transaction does (directory, then owner record), then dies.
      const child = spawnSync(process.execPath, ['-e', TAKE_LOCK_AND_DIE, file], { encoding: 'utf8' });
      assert.equal(child.signal, 'SIGKILL', child.stderr);
      assert.ok(fs.existsSync(`${file}.lock`), 'the dead process left its lock');
      const started = Date.now();
      await store.putCredentials('Owner', 'after-death', null, 'm1', Buffer.from('x'));
      assert.ok(Date.now() - started < 2_000, `broken in ${Date.now() - started} ms, not after the 60 s age rule`);
    } finally {
      await store.close();
    }
  });

  it('a lock whose recorded owner is alive but paused is never broken by age; once that owner dies it is broken at once', async () => {
    const file = newFile();
    const store = await openAt(file, { staleLockMs: 200, busyTimeoutMs: 800 });
    try {
      await store.createApplication(app('Paused'));
      const holder = spawn(process.execPath, ['-e', TAKE_LOCK_AND_WAIT, file], { stdio: ['ignore', 'pipe', 'inherit'] });
      await new Promise<void>((resolve) => holder.stdout!.once('data', () => resolve()));
      holder.kill('SIGSTOP');
      try {
        await new Promise((r) => setTimeout(r, 300)); // older than staleLockMs
        await expectSsoError(store.putCredentials('Paused', 'x', null, 'm1', Buffer.from('x')), 'ENTSSO_E_SSODB_UNREACHABLE');
        assert.ok(fs.existsSync(`${file}.lock`), 'the paused holder keeps its lock');
      } finally {
        holder.kill('SIGKILL');
        await new Promise((r) => holder.once('exit', r));
      }
      const started = Date.now();
      await store.putCredentials('Paused', 'after-death', null, 'm1', Buffer.from('x'));
      assert.ok(Date.now() - started < 1000, 'broken at once when the owner is dead');
    } finally {
      await store.close();
    }
  });

  it('a lock recorded by a process whose pid now belongs to another process is broken at once', async () => {
    const file = newFile();
    const store = await openAt(file, { staleLockMs: 60_000, busyTimeoutMs: 3_000 });
    // The recorded owner died and its pid was reused: a live, unrelated process has it now.
    const reuser = spawn('sleep', ['60'], { stdio: 'ignore' });
    try {
      await store.createApplication(app('Reused'));
      await new Promise((r) => setTimeout(r, 50));
      const startTime = processStartTime(reuser.pid!);
      assert.ok(startTime, 'the start time of a live process is readable');
      fs.mkdirSync(`${file}.lock`);
      const id = fs.statSync(`${file}.lock`, { bigint: true });
      fs.writeFileSync(`${file}.lock-owner`, `${reuser.pid} ${Number(startTime) - 1} ${id.ino} ${id.ctimeNs}`.padEnd(80));
      const started = Date.now();
      await store.putCredentials('Reused', 'after-reuse', null, 'm1', Buffer.from('x'));
      assert.ok(Date.now() - started < 2_000, `broken in ${Date.now() - started} ms, not after the 60 s age rule`);
      assert.equal(reuser.exitCode, null, 'the process that reused the pid was left alone');
    } finally {
      reuser.kill('SIGKILL');
      await store.close();
    }
  });

  it('no owner record file is written where the lock is a link (it names its owner), and a link planted in its place is never followed', { skip: process.platform === 'win32' ? 'POSIX links (on Windows the lock is a directory with an owner record)' : false }, async () => {
    const file = newFile();
    const previous = process.umask(0);
    let store: SsoStore | undefined;
    try {
      store = await openAt(file);
      await store.createApplication(app('Private'));
    } finally {
      process.umask(previous);
      await store?.close();
    }
    assert.equal(fs.existsSync(`${file}.lock-owner`), false);

    const other = newFile();
    const target = path.join(scratch, 'precious.txt');
    fs.writeFileSync(target, 'precious');
    fs.symlinkSync(target, `${other}.lock-owner`);
    const linked = await openAt(other, { staleLockMs: 200 });
    try {
      await linked.createApplication(app('Linked'));
      await linked.putCredentials('Linked', 'x', null, 'm1', Buffer.from('x'));
    } finally {
      await linked.close();
    }
    assert.equal(fs.readFileSync(target, 'utf8'), 'precious', 'the link target was not written');
    assert.ok(fs.lstatSync(`${other}.lock-owner`).isSymbolicLink());
  });

  it('an owner record of an earlier lock never breaks a live lock held by someone else', async () => {
    const file = newFile();
    const store = await openAt(file, { staleLockMs: 60_000, busyTimeoutMs: 600 });
    try {
      const child = spawnSync(process.execPath, ['-e', TAKE_LOCK_AND_DIE, file], { encoding: 'utf8' });
      assert.equal(child.signal, 'SIGKILL');
      // The dead holder's lock is gone and a live process (this one, by hand) holds a new one.
      fs.rmdirSync(`${file}.lock`);
      await new Promise((r) => setTimeout(r, 20));
      fs.mkdirSync(`${file}.lock`);
      await expectSsoError(store.putCredentials('Nobody', 'x', null, 'm1', Buffer.from('x')), 'ENTSSO_E_SSODB_UNREACHABLE');
      assert.ok(fs.existsSync(`${file}.lock`), 'the live lock was left alone');
      fs.rmdirSync(`${file}.lock`);
    } finally {
      await store.close();
    }
  });

  it('a transaction takes the lock as a symbolic link naming this process, and leaves nothing behind', { skip: process.platform === 'win32' ? 'on Windows the lock stays a directory' : false }, async () => {
    const file = newFile();
    const store = await openAt(file);
    const mutableFs = fs as unknown as { symlinkSync: typeof fs.symlinkSync };
    const original = mutableFs.symlinkSync;
    const made: string[] = [];
    mutableFs.symlinkSync = ((target: string, link: string) => {
      if (link === `${file}.lock`) made.push(target);
      return original.call(fs, target, link);
    }) as typeof fs.symlinkSync;
    try {
      await store.ping();
      await store.createApplication(app('Linked'));
    } finally {
      mutableFs.symlinkSync = original;
      await store.close();
    }
    assert.deepEqual(made, [OWN_LOCK_TARGET, OWN_LOCK_TARGET], 'one link per transaction, naming pid and start time');
    assert.match(OWN_LOCK_TARGET, new RegExp(`^${process.pid} \\S+$`));
    assert.throws(() => fs.lstatSync(`${file}.lock`), /ENOENT/, 'released after each transaction');
  });

  it('a link lock whose owner process died is broken at once, long before it turns stale by age', { skip: process.platform === 'win32' ? 'POSIX links' : false }, async () => {
    const file = newFile();
    const store = await openAt(file, { staleLockMs: 60_000, busyTimeoutMs: 5_000 });
    try {
      await store.createApplication(app('LinkOwner'));
      const child = spawnSync(process.execPath, ['-e', TAKE_LINK_LOCK_AND_DIE, file], { encoding: 'utf8' });
      assert.equal(child.signal, 'SIGKILL', child.stderr);
      assert.ok(fs.lstatSync(`${file}.lock`).isSymbolicLink(), 'the dead process left its lock');
      const started = Date.now();
      await store.putCredentials('LinkOwner', 'after-death', null, 'm1', Buffer.from('x'));
      assert.ok(Date.now() - started < 2_000, `broken in ${Date.now() - started} ms, not after the 60 s age rule`);
    } finally {
      await store.close();
    }
  });

  it('a link lock whose owner is alive (paused) is never broken by age', { skip: process.platform === 'win32' ? 'POSIX links' : false }, async () => {
    const file = newFile();
    const store = await openAt(file, { staleLockMs: 100, busyTimeoutMs: 600 });
    const holder = spawn('sleep', ['60'], { stdio: 'ignore' });
    try {
      await store.createApplication(app('LinkPaused'));
      await new Promise((r) => setTimeout(r, 50));
      fs.symlinkSync(`${holder.pid} ${processStartTime(holder.pid!) ?? '-'}`, `${file}.lock`);
      await new Promise((r) => setTimeout(r, 200)); // older than staleLockMs
      await expectSsoError(store.putCredentials('LinkPaused', 'x', null, 'm1', Buffer.from('x')), 'ENTSSO_E_SSODB_UNREACHABLE');
      assert.ok(fs.lstatSync(`${file}.lock`).isSymbolicLink(), 'the live holder keeps its lock');
    } finally {
      holder.kill('SIGKILL');
      fs.rmSync(`${file}.lock`, { force: true });
      await store.close();
    }
  });

  it('two stores on one file writing at the same time both succeed', async () => {
    const file = newFile();
    const first = await openAt(file);
    const second = await openAt(file);
    try {
      await first.createApplication(app('Shared'));
      const writes = Array.from({ length: 40 }, (_, i) =>
        (i % 2 ? first : second).putCredentials('Shared', `id${String(i).padStart(2, '0')}`, null, 'm1', Buffer.from(`${i}`)),
      );
      await Promise.all(writes);
      assert.equal((await second.getApplication('Shared'))!.identifierCount, 40);
    } finally {
      await first.close();
      await second.close();
    }
  });

  it('two processes writing in a loop at the same time both finish with every row present', async () => {
    const file = newFile();
    const store = await openAt(file);
    const rows = 300;
    try {
      await store.createApplication(app('TwoProcesses'));
      const child = spawn(process.execPath, ['--import', 'tsx', '-e', CHILD_WRITER, storeModule, file, String(rows)], {
        cwd: repoRoot,
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
      const output = collect(child);
      await waitForLine(output, 'ready');
      child.stdin!.end('go\n'); // both loops start together
      for (let i = 0; i < rows; i++) await store.putCredentials('TwoProcesses', `parent-${i}`, null, 'm1', Buffer.from(`p${i}`));
      assert.equal(await exited, 0, output.text());
      assert.match(output.text(), new RegExp(`done ${rows}`));
      assert.equal((await store.getApplication('TwoProcesses'))!.identifierCount, rows * 2);
      const listed = await store.listIdentifiers('TwoProcesses', { limit: 1000 });
      assert.equal(new Set(listed.map((r) => r.timestamp)).size, rows * 2, 'row versions stay unique across processes');
    } finally {
      await store.close();
    }
  });
});

describe('SQLite store: reads kept until the file changes', () => {
  it('a repeated read is served without taking the lock; a commit by another connection is seen by the next read', async () => {
    const file = newFile();
    const store = await openAt(file, { busyTimeoutMs: 300 });
    const holder = new nodeSqlite3Wasm.Database(file);
    try {
      await store.createApplication(app('Kept'));
      await store.putCredentials('Kept', 'Row', null, 'm1', Buffer.from('v1'));
      assert.equal(Buffer.from((await store.readConfiguration('Kept', 'Row'))!.row!.ciphertext).toString(), 'v1');

      holder.exec('BEGIN IMMEDIATE');
      const started = Date.now();
      const kept = await store.readConfiguration('Kept', 'Row');
      assert.ok(Date.now() - started < 250, 'served while another connection holds the lock');
      assert.equal(Buffer.from(kept!.row!.ciphertext).toString(), 'v1');
      holder.run("UPDATE SSOX_ExternalCredentials SET ec_credentials = ?", [new Uint8Array(Buffer.from('v2'))]);
      assert.equal(Buffer.from((await store.readConfiguration('Kept', 'Row'))!.row!.ciphertext).toString(), 'v1', 'not committed yet');
      holder.exec('COMMIT');

      holder.exec('BEGIN IMMEDIATE');
      await expectSsoError(store.readConfiguration('Kept', 'Row'), 'ENTSSO_E_SSODB_UNREACHABLE'); // changed: must read, so must wait
      holder.exec('COMMIT');
      assert.equal(Buffer.from((await store.readConfiguration('Kept', 'Row'))!.row!.ciphertext).toString(), 'v2');
    } finally {
      holder.close();
      await store.close();
    }
  });

  it("the store's own writes are seen by its next read of the tree and of a document", async () => {
    const file = newFile();
    const store = await openAt(file);
    try {
      await store.createApplication(app('Own'));
      assert.equal((await store.getApplication('Own'))!.identifierCount, 0);
      assert.deepEqual(await store.listIdentifiers('Own', { limit: 10 }), []);
      await store.putCredentials('Own', 'Row', null, 'm1', Buffer.from('a'));
      assert.equal((await store.getApplication('Own'))!.identifierCount, 1);
      assert.deepEqual((await store.listIdentifiers('Own', { limit: 10 })).map((r) => r.identifier), ['Row']);
      const first = (await store.readConfiguration('Own', 'Row'))!.row!;
      await store.putCredentials('Own', 'Row', first.timestamp, 'm1', Buffer.from('b'));
      assert.equal(Buffer.from((await store.readConfiguration('Own', 'Row'))!.row!.ciphertext).toString(), 'b');
      await store.deleteApplication('Own');
      assert.equal(await store.getApplication('Own'), undefined);
    } finally {
      await store.close();
    }
  });

  it("the store's own save keeps what it did not change (served while another connection holds the lock); the saved row is served as written", async () => {
    const file = newFile();
    const store = await openAt(file, { busyTimeoutMs: 300 });
    const holder = new nodeSqlite3Wasm.Database(file);
    try {
      await store.createApplication(app('Own'));
      const r1 = await store.putCredentials('Own', 'R1', null, 'm1', Buffer.from('v1'));
      await store.putCredentials('Own', 'R2', null, 'm1', Buffer.from('w1'));
      const other = await store.readConfiguration('Own', 'R2');
      await store.readConfiguration('Own', 'R1');
      const otherSpelling = await store.readConfiguration('OWN', 'r1');
      const application = await store.getApplication('Own');
      await store.listIdentifiers('Own', { limit: 10 });

      const saved = await store.putCredentials('Own', 'R1', r1.timestamp, 'm2', Buffer.from('v2'), undefined, { entry: { user: 'u', action: 'config.set', outcome: 'ok' } });
      holder.exec('BEGIN IMMEDIATE'); // from here, any read that needs a transaction fails after 300 ms
      try {
        assert.equal(await store.readConfiguration('Own', 'R2'), other, 'another row: the very result kept before the save');
        assert.equal(await store.getApplication('Own'), application, 'the application: kept');
        for (const [appName, id] of [['Own', 'R1'], ['OWN', 'r1']] as const) {
          const row = (await store.readConfiguration(appName, id))!.row!;
          assert.equal(Buffer.from(row.ciphertext).toString(), 'v2', `${appName}/${id}: the saved row as written`);
          assert.deepEqual({ ...row, ciphertext: undefined }, { ...saved, ciphertext: undefined });
        }
        assert.notEqual(otherSpelling, await store.readConfiguration('OWN', 'r1'));
        await expectSsoError(store.listIdentifiers('Own', { limit: 10 }), 'ENTSSO_E_SSODB_UNREACHABLE'); // lists row versions: read again
      } finally {
        holder.exec('COMMIT');
      }
      assert.deepEqual((await store.listIdentifiers('Own', { limit: 10 })).map((r) => r.timestamp), [saved.timestamp, (await store.readConfiguration('Own', 'R2'))!.row!.timestamp]);
    } finally {
      holder.close();
      await store.close();
    }
  });

  it("a change by another connection before the store's own save is seen after it (what was kept is not trusted blindly)", async () => {
    const file = newFile();
    const store = await openAt(file);
    const other = await openAt(file);
    try {
      await store.createApplication(app('Two'));
      await store.putCredentials('Two', 'Theirs', null, 'm1', Buffer.from('v1'));
      const mine = await store.putCredentials('Two', 'Mine', null, 'm1', Buffer.from('w1'));
      const kept = (await store.readConfiguration('Two', 'Theirs'))!.row!;
      await store.readConfiguration('Two', 'Mine');
      await other.putCredentials('Two', 'Theirs', kept.timestamp, 'm1', Buffer.from('v2'));
      await store.putCredentials('Two', 'Mine', mine.timestamp, 'm1', Buffer.from('w2'));
      assert.equal(Buffer.from((await store.readConfiguration('Two', 'Theirs'))!.row!.ciphertext).toString(), 'v2');
      assert.equal(Buffer.from((await store.readConfiguration('Two', 'Mine'))!.row!.ciphertext).toString(), 'w2');
    } finally {
      await other.close();
      await store.close();
    }
  });

  it('a new row, or a save refused as a conflict in a batch with others, never leaves a stale result kept', async () => {
    const file = newFile();
    const store = await openAt(file);
    try {
      await store.createApplication(app('Batch'));
      const a = await store.putCredentials('Batch', 'A', null, 'm1', Buffer.from('a1'));
      await store.readConfiguration('Batch', 'New');
      await store.getApplication('Batch');
      await store.putCredentials('Batch', 'New', null, 'm1', Buffer.from('n1'));
      assert.equal(Buffer.from((await store.readConfiguration('Batch', 'New'))!.row!.ciphertext).toString(), 'n1');
      assert.equal((await store.getApplication('Batch'))!.identifierCount, 2);
      // Same turn of the event loop: one transaction, one save refused in its savepoint.
      const outcomes = await Promise.allSettled([
        store.putCredentials('Batch', 'A', a.timestamp, 'm1', Buffer.from('a2')),
        store.putCredentials('Batch', 'A', a.timestamp, 'm1', Buffer.from('a3')),
      ]);
      assert.deepEqual(outcomes.map((o) => o.status), ['fulfilled', 'rejected']);
      assert.equal(Buffer.from((await store.readConfiguration('Batch', 'A'))!.row!.ciphertext).toString(), 'a2');
    } finally {
      await store.close();
    }
  });

  it('a save that reads what it changes does so in its own write transaction: nobody writes in between; a refusal writes nothing; a fault keeps its text to itself', async () => {
    const file = newFile();
    const store = await openAt(file, { busyTimeoutMs: 300 });
    const holder = new nodeSqlite3Wasm.Database(file);
    try {
      await store.createApplication(app('Fold'));
      const first = await store.putCredentials('Fold', 'Row', null, 'm1', Buffer.from('v1'));
      const lockedDuringCompose: boolean[] = [];
      const saved = await store.saveConfiguration!('FOLD', 'row', first.timestamp, (found) => {
        assert.equal(found?.name, 'Fold');
        assert.equal(found?.row?.timestamp, first.timestamp, 'the stored row, read in this transaction');
        try {
          holder.exec('BEGIN IMMEDIATE');
          holder.exec('ROLLBACK');
          lockedDuringCompose.push(false);
        } catch {
          lockedDuringCompose.push(true);
        }
        return { identifier: found!.row!.identifier, msid: 'm1', ciphertext: Buffer.from('v2'), audit: { entry: { user: 'u', action: 'config.set', outcome: 'ok' } } };
      });
      assert.deepEqual(lockedDuringCompose, [true], 'another connection could not write between the read and the write');
      assert.equal(saved.identifier, 'Row');
      assert.equal(Buffer.from((await store.readConfiguration('Fold', 'Row'))!.row!.ciphertext).toString(), 'v2');

      const refused = new SsoError('ENTSSO_E_CONFLICT', 'stale');
      await assert.rejects(store.saveConfiguration!('Fold', 'Row', saved.timestamp, () => { throw refused; }), (e) => e === refused);
      const fault = await expectSsoError(store.saveConfiguration!('Fold', 'Row', saved.timestamp, () => { throw new Error('value s3cret'); }), 'ENTSSO_E_INTERNAL');
      assert.ok(!fault.message.includes('s3cret') && !JSON.stringify(fault.details ?? {}).includes('s3cret'));
      await expectSsoError(store.saveConfiguration!('Missing', 'Row', null, () => ({ identifier: 'Row', msid: 'm1', ciphertext: Buffer.from('x') })), 'ENTSSO_E_APPLICATION_NOT_FOUND');
      assert.equal((await store.readConfiguration('Fold', 'Row'))!.row!.timestamp, saved.timestamp, 'nothing written by the refusals');
    } finally {
      holder.close();
      await store.close();
    }
  });

  it('a kept result cannot be altered by the caller who got it', async () => {
    const file = newFile();
    const store = await openAt(file);
    try {
      await store.createApplication(app('Frozen'));
      const first = (await store.getApplication('Frozen'))!;
      assert.throws(() => {
        (first.fields as { label: string }[])[0]!.label = 'changed';
      }, TypeError);
      assert.equal((await store.getApplication('Frozen'))!.fields[0]!.label, 'dummy');
    } finally {
      await store.close();
    }
  });
});

describe('SQLite store: configuration counts kept per application', () => {
  it('a file written before the counts existed gets them at start, once; the triggers then keep them for any writer', async () => {
    const file = newFile();
    const first = await openAt(file);
    await first.createApplication(app('Counted'));
    await first.createApplication(app('Empty'));
    for (const id of ['a', 'b', 'c']) await first.putCredentials('Counted', id, null, 'm1', Buffer.from(id));
    await first.close();
    const raw = new nodeSqlite3Wasm.Database(file);
    try {
      // As an older version left the file: no count table, no triggers, and one more mapping.
      raw.exec('DROP TRIGGER TR_SSOX_IdentifierCount_insert; DROP TRIGGER TR_SSOX_IdentifierCount_delete');
      raw.exec('DROP TRIGGER TR_SSOX_IdentifierCount_update_old; DROP TRIGGER TR_SSOX_IdentifierCount_update_new; DROP TABLE SSOX_IdentifierCount');
      raw.run(MAPPING_INSERT, ['Counted', 'd']);
    } finally {
      raw.close();
    }
    const reopened = await openAt(file);
    try {
      assert.deepEqual((await reopened.listApplications({ limit: 10 })).map((a) => [a.name, a.identifierCount]), [['Counted', 4], ['Empty', 0]]);
    } finally {
      await reopened.close();
    }
    const other = new nodeSqlite3Wasm.Database(file); // a writer that is not this store: the triggers still count
    try {
      other.run(MAPPING_INSERT, ['Empty', 'e']);
    } finally {
      other.close();
    }
    const again = await openAt(file);
    try {
      assert.equal((await again.getApplication('Empty'))!.identifierCount, 1);
      assert.equal((await again.getApplication('Counted'))!.identifierCount, 4, 'not filled a second time');
    } finally {
      await again.close();
    }
  });

  it('counts follow every write: adds, deletes, application changes, deleting and re-creating the application', async () => {
    const file = newFile();
    const store = await openAt(file);
    try {
      await store.createApplication(app('Moving'));
      const row = await store.putCredentials('Moving', 'one', null, 'm1', Buffer.from('1'));
      await store.putCredentials('MOVING', 'two', null, 'm1', Buffer.from('2'));
      assert.equal((await store.getApplication('Moving'))!.identifierCount, 2);
      await store.deleteCredentials('Moving', 'one', row.timestamp);
      assert.equal((await store.getApplication('Moving'))!.identifierCount, 1);
      const before = (await store.listIdentifiers('Moving', { limit: 10 }))[0]!;
      await store.applyApplicationChanges([
        {
          application: 'Moving',
          expected: { fields: [{ label: 'dummy', masked: false }], rowCount: 1, maxTimestamp: before.timestamp },
          rows: [
            { op: 'delete', identifier: 'two', expectedTimestamp: before.timestamp },
            { op: 'put', identifier: 'three', expectedTimestamp: null, msid: 'm1', ciphertext: Buffer.from('3') },
            { op: 'put', identifier: 'four', expectedTimestamp: null, msid: 'm1', ciphertext: Buffer.from('4') },
          ],
        },
      ]);
      assert.equal((await store.getApplication('Moving'))!.identifierCount, 2);
      await store.deleteApplication('Moving');
      await store.createApplication(app('moving'));
      assert.equal((await store.getApplication('Moving'))!.identifierCount, 0, 'a re-created application starts from nothing');
      await store.putCredentials('moving', 'again', null, 'm1', Buffer.from('a'));
      assert.equal((await store.listApplications({ limit: 10 }))[0]!.identifierCount, 1);
    } finally {
      await store.close();
    }
  });
});

// ---------------------------------------------------------------- helpers

function makeStaleDirectory(directory: string, ageMs: number): void {
  fs.mkdirSync(directory);
  const then = new Date(Date.now() - ageMs);
  fs.utimesSync(directory, then, then);
}

const MAPPING_INSERT =
  "INSERT INTO SSOX_IndividualMapping (im_app_name, im_windows_domain_name, im_windows_user_name, im_external_user_name, im_flags) VALUES (?, '$ConfigStore$', ?, ?2, 0)";

/** Child process (plain Node): dirties many pages in one transaction, then kills itself. */
const KILLED_WRITER = `
const { Database } = require('node-sqlite3-wasm');
const db = new Database(process.argv[1]);
db.exec('PRAGMA journal_mode = TRUNCATE; PRAGMA synchronous = FULL; PRAGMA cache_size = 5');
db.exec('BEGIN IMMEDIATE');
db.run("UPDATE SSOX_ExternalCredentials SET ec_credentials = ?", [new Uint8Array(100).fill(9)]);
for (let i = 0; i < 500; i++) {
  db.run("INSERT INTO SSOX_AuditTable (au_at, au_user, au_action, au_outcome, au_detail) VALUES ('t', 'u', 'uncommitted', 'ok', ?)", ['x'.repeat(3000)]);
}
process.kill(process.pid, 'SIGKILL');
`;

/** Takes the lock the way a store transaction does on POSIX (a link naming pid and start time) and dies. */
const TAKE_LINK_LOCK_AND_DIE = `
const fs = require('fs');
const start = fs.readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ')[19];
fs.symlinkSync(process.pid + ' ' + start, process.argv[1] + '.lock');
process.kill(process.pid, 'SIGKILL');
`;

/** Takes the lock the way a store transaction does where the lock is a directory (directory, then owner record) and dies. */
const TAKE_LOCK_AND_DIE = `
const fs = require('fs');
const lock = process.argv[1] + '.lock';
fs.mkdirSync(lock);
const id = fs.statSync(lock, { bigint: true });
fs.writeFileSync(lock + '-owner', process.pid + ' ' + id.ino + ' ' + id.ctimeNs);
process.kill(process.pid, 'SIGKILL');
`;

/** Takes the lock the way a store transaction does, says so, and waits (to be paused and killed). */
const TAKE_LOCK_AND_WAIT = `
const fs = require('fs');
const lock = process.argv[1] + '.lock';
fs.mkdirSync(lock);
const id = fs.statSync(lock, { bigint: true });
fs.writeFileSync(lock + '-owner', (process.pid + ' ' + id.ino + ' ' + id.ctimeNs).padEnd(80));
process.stdout.write('locked\\n');
setInterval(() => {}, 1000);
`;

/** Child process (TypeScript store through tsx): writes rows in a loop while the parent does. */
const CHILD_WRITER = `
const [storeModule, file, count] = process.argv.slice(1);
const { createSqliteStore } = require(storeModule);
(async () => {
  const store = createSqliteStore({ file });
  await store.init();
  console.log('ready');
  await new Promise((resolve) => process.stdin.once('data', resolve));
  for (let i = 0; i < Number(count); i++) {
    await store.putCredentials('TwoProcesses', 'child-' + i, null, 'm1', Buffer.from('c' + i));
  }
  await store.close();
  console.log('done ' + count);
})().catch((error) => { console.error(error); process.exit(1); });
`;

interface Output {
  text(): string;
  onLine(listener: () => void): void;
}

function collect(child: ReturnType<typeof spawn>): Output {
  let text = '';
  const listeners: (() => void)[] = [];
  const append = (chunk: Buffer): void => {
    text += chunk.toString();
    listeners.forEach((listener) => listener());
  };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  return { text: () => text, onLine: (listener) => listeners.push(listener) };
}

function waitForLine(output: Output, line: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`child did not print "${line}": ${output.text()}`)), 20_000);
    const check = (): void => {
      if (output.text().split('\n').includes(line)) {
        clearTimeout(timer);
        resolve();
      }
    };
    output.onLine(check);
    check();
  });
}
