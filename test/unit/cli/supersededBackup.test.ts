/**
 * `ssoctl secret backup` when the master secret changed between the backup and its record
 * (secret.backupWritten answers `recorded: false`): the file is written, but it holds the secret
 * that was current when it was taken. ssoctl says so on stderr, in words a person can act on, and
 * exits 1 (as `secret verify` does for a file without the live secret), never 0. The built
 * dist/ssoctl.js (`npm test` builds it) against a minimal line server on a Unix socket that
 * answers the three requests as a service would.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { PROTOCOL_VERSION, type ServiceState } from '../../../src/protocol/messages';

const SSOCTL = join(__dirname, '..', '..', '..', 'dist', 'ssoctl.js');
const READY: ServiceState = { state: 'ready', mssName: 'MSS01', canEncrypt: true, canDecrypt: true, message: 'Ready.', syncIntervalMs: 5000 };

let scratch: string;
let socketPath: string;
let server: net.Server;
let recorded: boolean;
const asked: string[] = [];

/** What the stand-in line server answers each method with (a service would do the same). */
function answer(method: string): unknown {
  if (method === 'hello') return { protocolVersion: PROTOCOL_VERSION, serverVersion: 'test', state: READY };
  if (method === 'secret.backup') return { file: Buffer.from('not a real backup').toString('base64'), msids: ['old-msid'] };
  if (method === 'secret.backupWritten') return { recorded };
  return undefined;
}

before(async () => {
  scratch = mkdtempSync(join(tmpdir(), 'superseded-backup-'));
  socketPath = join(scratch, 'sso.sock');
  writeFileSync(join(scratch, 'token'), 'test-token\n');
  server = net.createServer((socket) => {
    let buffered = '';
    socket.on('data', (data) => {
      buffered += data.toString('utf8');
      for (let end = buffered.indexOf('\n'); end >= 0; end = buffered.indexOf('\n')) {
        const request = JSON.parse(buffered.slice(0, end)) as { id: number; method: string };
        buffered = buffered.slice(end + 1);
        asked.push(request.method);
        const result = answer(request.method);
        socket.write(JSON.stringify(result === undefined ? { jsonrpc: '2.0', id: request.id, error: { code: -32601, message: `Unknown method "${request.method}".`, data: { code: 'ENTSSO_E_INVALID_REQUEST' } } } : { jsonrpc: '2.0', id: request.id, result }) + '\n');
      }
    });
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
});

after(async () => {
  await new Promise((resolve) => server.close(resolve));
  rmSync(scratch, { recursive: true, force: true });
});

/** Runs ssoctl without blocking this process (its event loop serves the socket). */
function ssoctl(args: string[], input: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [SSOCTL, ...args, '--socket', socketPath, '--token-file', join(scratch, 'token')], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input);
  });
}

test('the secret changed between backup and record: the file is kept, stderr says it is no backup of the current secret, exit 1', async () => {
  recorded = false;
  asked.length = 0;
  const file = join(scratch, 'superseded.bak');
  const r = await ssoctl(['secret', 'backup', '--file', file, '--password-stdin'], 'Correct-Horse-Battery-9\n');
  assert.deepEqual(asked, ['hello', 'secret.backup', 'secret.backupWritten']);
  assert.equal(r.code, 1, r.stderr);
  assert.ok(existsSync(file), 'the written file stays (it holds the secret that was current then)');
  assert.match(r.stderr, /^warning: The master secret changed during the backup: .*superseded\.bak holds the secret that was current when it was taken, not the current one\. Back up again\.$/m);
  assert.doesNotMatch(r.stdout, /backed up to/, 'no "backed up" on stdout');
});

test('recorded: the backup is reported as before, exit 0, no warning', async () => {
  recorded = true;
  const file = join(scratch, 'recorded.bak');
  const r = await ssoctl(['secret', 'backup', '--file', file, '--password-stdin'], 'Correct-Horse-Battery-9\n');
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, '');
  assert.match(r.stdout, /^Master secret backed up to .*recorded\.bak \(secrets old-msid\)/);
});

test('--json with a superseded backup: the document says superseded, and exit 1 says it is not of the current secret', async () => {
  recorded = false;
  const file = join(scratch, 'superseded.json.bak');
  const r = await ssoctl(['secret', 'backup', '--file', file, '--password-stdin', '--json'], 'Correct-Horse-Battery-9\n');
  assert.equal(r.code, 1, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout), { file, msids: ['old-msid'], superseded: true });
  assert.match(r.stderr, /Back up again\./);
});

test('--json with a recorded backup: no superseded in the document, exit 0', async () => {
  recorded = true;
  const file = join(scratch, 'recorded.json.bak');
  const r = await ssoctl(['secret', 'backup', '--file', file, '--password-stdin', '--json'], 'Correct-Horse-Battery-9\n');
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout), { file, msids: ['old-msid'] });
});
