/**
 * The limit of benchmark 2 (decrypt through the local service): a bare server on the same kind
 * of socket (a Unix domain socket) that answers every line with the very bytes the SSO service
 * answered for the same request, after doing the same in-process AES-256-GCM work (decryptBag
 * of a stored 20-field blob). No JSON parsing, no validation, no SSODB read: what is left is the
 * round trip and the crypto, the floor under any local SSO service.
 *
 * Bundled and started by bench/decrypt.bench.ts as a separate process, as the service is; it
 * receives its inputs over the IPC channel and says "listening" back.
 */
import { rmSync } from 'node:fs';
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
}

process.once('message', (m: Setup) => {
  const secret = makeMasterSecret(m.msid, Buffer.from(m.key, 'base64'), m.createdAt);
  const blob = Buffer.from(m.blob, 'base64');
  const response = Buffer.from(m.response.endsWith('\n') ? m.response : `${m.response}\n`, 'utf8');
  rmSync(m.socketPath, { force: true });
  const server = net.createServer((socket) => {
    socket.on('data', (data) => {
      for (let i = data.indexOf(0x0a); i !== -1; i = data.indexOf(0x0a, i + 1)) {
        const plaintext = decryptBag(secret, m.application, m.identifier, blob);
        plaintext.fill(0);
        socket.write(response);
      }
    });
    socket.on('error', () => undefined);
  });
  server.listen(m.socketPath, () => process.send?.('listening'));
  process.on('disconnect', () => process.exit(0));
});
