/**
 * The service's socket endpoint as it starts: a failed listen leaves the process-wide umask as it
 * was, another service on the socket is refused with its own code, and the version said in
 * `hello` is the package's (read from package.json when bundled, never a literal of its own).
 */
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import * as esbuild from 'esbuild';
import { SsoError } from '../../../src/protocol/errors';
import type { AccessToken } from '../../../src/ssoService/rpc/accessToken';
import { RpcServer } from '../../../src/ssoService/rpc/rpcServer';
import type { SsoOperations } from '../../../src/ssoService/service/operations';

const ROOT = join(__dirname, '..', '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'rpc-listen-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function serverAt(socketPath: string): RpcServer {
  return new RpcServer({
    socketPath,
    // listen() never reaches the token or the operations in these tests.
    accessToken: {} as AccessToken,
    operations: {} as SsoOperations,
    currentState: () => ({ state: 'ready' }) as never,
    log: () => undefined,
  });
}

test('a listen that fails restores the umask it narrowed', { skip: process.platform === 'win32' ? 'POSIX umask and links' : false }, async () => {
  // A dangling link: not seen as a stale socket (existsSync follows it), but bind() fails with EADDRINUSE.
  const socketPath = join(dir, 'dangling.sock');
  symlinkSync(join(dir, 'nowhere'), socketPath);
  const before = process.umask(0o022);
  try {
    await assert.rejects(serverAt(socketPath).listen(), (e: unknown) => (e as NodeJS.ErrnoException).code === 'EADDRINUSE');
    assert.equal(process.umask(), 0o022, 'the umask stays as the process had it');
  } finally {
    process.umask(before);
  }
});

test('another service listening on the socket is refused with ENTSSO_E_ALREADY_RUNNING', { skip: process.platform === 'win32' ? 'Unix socket path' : false }, async () => {
  const socketPath = join(dir, 'taken.sock');
  const other = net.createServer((s) => s.destroy());
  await new Promise<void>((resolve) => other.listen(socketPath, resolve));
  try {
    await assert.rejects(serverAt(socketPath).listen(), (e: unknown) => e instanceof SsoError && e.code === 'ENTSSO_E_ALREADY_RUNNING' && /Another SSO service is already listening at .*Stop it first\./.test(e.message));
  } finally {
    await new Promise<void>((resolve) => other.close(() => resolve()));
  }
});

test('a socket folder that others may write (created first by someone else under /tmp) is refused, and no socket is made there (review 10, F13)', { skip: process.platform === 'win32' ? 'named pipes have no folder' : false }, async () => {
  const folder = join(dir, 'entsso-open');
  mkdirSync(folder);
  chmodSync(folder, 0o777);
  const socketPath = join(folder, 'ssod.sock');
  const server = serverAt(socketPath);
  const refusal = await server.listen().then(
    () => server.close(), // without the check it listens: closed, so that the failure below is all there is
    (e: unknown) => e,
  );
  assert.ok(refusal instanceof SsoError && refusal.code === 'ENTSSO_E_ACCESS_DENIED' && /can be written by other users \(mode 0777\)/.test(refusal.message), String(refusal));
  assert.equal(existsSync(socketPath), false);
  // A missing folder is created private, as before.
  const fresh = serverAt(join(dir, 'entsso-new', 'ssod.sock'));
  await fresh.listen();
  await fresh.close();
});

test('the bundled server says the version of the package.json it was built with', async () => {
  // The same bundling as esbuild.mjs, with package.json replaced: a literal version would not follow.
  const built = await esbuild.build({
    entryPoints: [join(ROOT, 'src', 'ssoService', 'rpc', 'rpcServer.ts')],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    write: false,
    logLevel: 'silent',
    plugins: [
      {
        name: 'other-package-version',
        setup(build) {
          build.onLoad({ filter: /[\\/]package\.json$/ }, (args) => (args.path === join(ROOT, 'package.json') ? { loader: 'json', contents: JSON.stringify({ name: 'entsso-explorer', version: '9.8.7-test' }) } : undefined));
        },
      },
    ],
  });
  const module = { exports: {} as { SERVER_VERSION?: string } };
  new Function('module', 'exports', 'require', built.outputFiles[0]!.text)(module, module.exports, createRequire(join(ROOT, 'src', 'ssoService', 'rpc', 'rpcServer.ts')));
  assert.equal(module.exports.SERVER_VERSION, '9.8.7-test');
});
