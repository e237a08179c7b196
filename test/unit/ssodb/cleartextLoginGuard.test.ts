/**
 * The guard on its own, on a real socket pair: TDS PRELOGIN packets and TLS records pass, a
 * cleartext LOGIN7 never reaches the peer. (The whole path through tedious and a server that
 * refuses encryption is in test/reliability/mssqlFaults.test.ts.)
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { describe, it } from 'node:test';
import { CleartextLoginRefused, cleartextLoginRefusal, guardSocket } from '../../../src/ssoService/ssodb/cleartextLoginGuard';

async function socketPair(): Promise<{ client: net.Socket; received: () => Buffer; close: () => void }> {
  const chunks: Buffer[] = [];
  const server = net.createServer((peer) => peer.on('data', (d) => chunks.push(d)));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  const client = net.connect(port, '127.0.0.1');
  await new Promise((resolve) => client.once('connect', resolve));
  return { client, received: () => Buffer.concat(chunks), close: () => server.close() };
}

describe('cleartextLoginGuard', () => {
  it('lets PRELOGIN packets and TLS records through, and destroys the socket on a cleartext LOGIN7', async () => {
    const { client, received, close } = await socketPair();
    try {
      guardSocket(client);
      const errors: unknown[] = [];
      client.on('error', (e) => errors.push(e));
      assert.equal(client.write(Buffer.from([0x12, 0x01, 0x00, 0x08, 0, 0, 0, 0])), true); // PRELOGIN
      client.write(Buffer.from([0x17, 0x03, 0x03, 0x00, 0x01, 0xaa])); // TLS application data
      await new Promise((resolve) => setTimeout(resolve, 50));
      assert.equal(client.write(Buffer.from([0x10, 0x01, 0x00, 0x10, 0, 0, 1, 0, 0x70, 0x61, 0x73, 0x73])), false); // LOGIN7
      await new Promise((resolve) => setTimeout(resolve, 50));
      assert.ok(client.destroyed);
      assert.ok(errors[0] instanceof CleartextLoginRefused);
      assert.equal(received().length, 8 + 6, 'only the PRELOGIN packet and the TLS record reached the peer');
      assert.equal(received().indexOf(0x70), -1);
    } finally {
      client.destroy();
      close();
    }
  });

  it("is recognised in the driver's error chain and explained without any connection detail", () => {
    const driverError = { name: 'ConnectionError', message: 'Failed to connect', originalError: { cause: new CleartextLoginRefused() } };
    const error = cleartextLoginRefusal(driverError)!;
    assert.equal(error.code, 'ENTSSO_E_SSODB_UNREACHABLE');
    assert.equal(error.details.reason, 'encryption-refused');
    assert.equal(cleartextLoginRefusal(new Error('Failed to connect')), undefined);
  });
});
