/**
 * The limit of benchmark 2 (decrypt through the local service): a bare server on the same kind
 * of socket (a Unix domain socket) that answers every line with the very bytes the SSO service
 * answered for the same request, after doing the same in-process AES-256-GCM work (decryptBag
 * of a stored 20-field blob). No JSON parsing, no validation, no SSODB read: what is left is the
 * round trip and the crypto, the floor under any local SSO service.
 *
 * A line `durable` is answered with `ok` after writing a page to a file and fsyncing it: what a
 * save does before it answers, without the save. The first read after it is the limit of the
 * first read after a save (the processes slept on the same kind of wait).
 *
 * Bundled and started by bench/decrypt.bench.ts as a separate process, as the service is; it
 * receives its inputs over the IPC channel and says "listening" back.
 */
import { closeSync, fsyncSync, openSync, rmSync, writeSync } from 'node:fs';
import * as net from 'node:net';
import { decryptBag } from '../../../src/ssoService/crypto/dataCipher';
import { makeMasterSecret } from '../../../src/ssoService/crypto/masterSecret';

interface Setup {
  socketPath: string;
  msid: string;
  key: string;
  createdAt: string;
  application: string;
  identifier: string;
  blob: string;
  response: string;
  durableFile: string;
}

const DURABLE_LINE = Buffer.from('durable');
const PAGE = Buffer.alloc(4096, 1);

process.once('message', (m: Setup) => {
  const secret = makeMasterSecret(m.msid, Buffer.from(m.key, 'base64'), m.createdAt);
  const blob = Buffer.from(m.blob, 'base64');
  const response = Buffer.from(m.response.endsWith('\n') ? m.response : `${m.response}\n`, 'utf8');
  rmSync(m.socketPath, { force: true });
  const durable = openSync(m.durableFile, 'w');
  const server = net.createServer((socket) => {
    socket.on('data', (data) => {
      let start = 0;
      for (let i = data.indexOf(0x0a); i !== -1; start = i + 1, i = data.indexOf(0x0a, start)) {
        if (data.subarray(start, i).equals(DURABLE_LINE)) {
          writeSync(durable, PAGE, 0, PAGE.length, 0);
          fsyncSync(durable);
          socket.write('ok\n');
          continue;
        }
        const plaintext = decryptBag(secret, m.application, m.identifier, blob);
        plaintext.fill(0);
        socket.write(response);
      }
    });
    socket.on('error', () => undefined);
  });
  server.listen(m.socketPath, () => process.send?.('listening'));
  process.on('disconnect', () => {
    closeSync(durable);
    process.exit(0);
  });
});
