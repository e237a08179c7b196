/**
 * The guard on its own, on a real socket pair: TDS PRELOGIN packets pass, the first other write
 * decides once (a TLS record: nothing more is watched; anything else: the socket is destroyed
 * before the bytes leave). The whole path through tedious and a server that refuses encryption is
 * in test/reliability/mssqlFaults.test.ts.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { describe, it } from 'node:test';
import { CleartextLoginRefused, cleartextLoginRefusal, guardSocket } from '../../../src/ssoService/ssodb/cleartextLoginGuard';
import { mssqlPoolConfig } from '../../../src/ssoService/ssodb/mssqlDriver';

const PRELOGIN = Buffer.from([0x12, 0x01, 0x00, 0x08, 0, 0, 0, 0]);
const LOGIN7 = Buffer.from([0x10, 0x01, 0x00, 0x0c, 0, 0, 1, 0, 0x70, 0x61, 0x73, 0x73]);
const TLS_RECORD = Buffer.from([0x17, 0x03, 0x03, 0x00, 0x01, 0xaa]);

async function guardedPair(): Promise<{ client: net.Socket; errors: unknown[]; received: () => Promise<Buffer>; close: () => void }> {
  const chunks: Buffer[] = [];
  const server = net.createServer((peer) => peer.on('data', (d) => chunks.push(d)));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  const client = guardSocket(net.connect(port, '127.0.0.1'));
  await new Promise((resolve) => client.once('connect', resolve));
  const errors: unknown[] = [];
  client.on('error', (e) => errors.push(e));
  const received = async () => {
    await new Promise((resolve) => setTimeout(resolve, 100));
    return Buffer.concat(chunks);
  };
  return { client, errors, received, close: () => server.close() };
}

describe('cleartextLoginGuard', () => {
  it('destroys the socket when a cleartext LOGIN7 follows the PRELOGIN: the password never reaches the peer', async () => {
    const { client, errors, received, close } = await guardedPair();
    try {
      assert.equal(client.write(PRELOGIN), true);
      assert.equal(client.write(LOGIN7), false);
      const got = await received();
      assert.ok(client.destroyed);
      assert.ok(errors[0] instanceof CleartextLoginRefused);
      assert.deepEqual(got, PRELOGIN, 'only the PRELOGIN packet reached the peer');
    } finally {
      client.destroy();
      close();
    }
  });

  it('once TLS is up, every later write passes, whatever its first byte (pieces of TLS records)', async () => {
    const { client, errors, received, close } = await guardedPair();
    try {
      client.write(PRELOGIN);
      client.write(PRELOGIN); // the TLS handshake travels in PRELOGIN packets
      client.write(TLS_RECORD);
      const piece = Buffer.from([0x10, 0xff, 0x00, 0x42]); // a split record's next piece may start with 0x10
      assert.equal(client.write(piece), true);
      const got = await received();
      assert.equal(client.destroyed, false);
      assert.deepEqual(errors, []);
      assert.deepEqual(got, Buffer.concat([PRELOGIN, PRELOGIN, TLS_RECORD, piece]));
    } finally {
      client.destroy();
      close();
    }
  });

  it('refuses any other first write too (not PRELOGIN, not TLS)', async () => {
    const { client, errors, received, close } = await guardedPair();
    try {
      client.write(PRELOGIN);
      assert.equal(client.write(Buffer.from([0x01, 0x01, 0x00, 0x08, 0, 0, 1, 0])), false); // a SQL batch in clear
      assert.deepEqual(await received(), PRELOGIN);
      assert.ok(client.destroyed);
      assert.ok(errors[0] instanceof CleartextLoginRefused);
    } finally {
      client.destroy();
      close();
    }
  });

  it("is recognised in the driver's error chain and explained without any connection detail", () => {
    const driverError = { name: 'ConnectionError', message: 'Failed to connect to db.contoso.com:1433', originalError: { cause: new CleartextLoginRefused() } };
    const error = cleartextLoginRefusal(driverError)!;
    assert.equal(error.code, 'ENTSSO_E_SSODB_UNREACHABLE');
    assert.equal(error.details.reason, 'encryption-refused');
    assert.doesNotMatch(error.message, /contoso|1433/);
    assert.equal(cleartextLoginRefusal(new Error('Failed to connect')), undefined);
  });

  it('is installed wherever encryption is asked for, mssql:// URLs and connection strings alike, and only there', () => {
    const guarded = (url: string) => typeof (mssqlPoolConfig({ url }).options as { connector?: unknown }).connector === 'function';
    assert.equal(guarded('mssql://u:p@db:1433/SSODB'), true, 'encrypt defaults to true');
    assert.equal(guarded('mssql://u:p@db:1433/SSODB?encrypt=true'), true);
    assert.equal(guarded('mssql://u:p@db:1433/SSODB?encrypt=false'), false);
    assert.equal(guarded('Server=db;Database=SSODB;User Id=u;Password=p'), true, 'mssql asks for encryption by default');
    assert.equal(guarded('Server=db;Database=SSODB;User Id=u;Password=p;Encrypt=true;MultiSubnetFailover=true'), true);
    assert.equal(guarded('Server=db;Database=SSODB;User Id=u;Password=p;Encrypt=false'), false);
    assert.equal(mssqlPoolConfig({ url: 'Server=db;Database=SSODB;User Id=u;Password=p' }).options?.encrypt, true);
  });
});
