import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import tls from 'node:tls';
import { after, before, describe, it } from 'node:test';
import { SsoError } from '../../../src/protocol/errors';
import {
  certificateRole,
  createCa,
  issueClientCertificate,
  roleOfCertificate,
  issueServerCertificate,
  type CertificateAuthority,
  type IssuedCertificate,
} from '../../../src/ssoService/crypto/pki';

const DAY = 24 * 60 * 60 * 1000;

interface Outcome {
  /** The client read the server's greeting: the handshake was accepted by both sides. */
  greeted: boolean;
  clientError?: string;
}

describe('private CA and certificates', () => {
  let ca: CertificateAuthority;
  let server: IssuedCertificate;
  let client: IssuedCertificate;
  before(() => {
    ca = createCa('ENTSSO Test CA', 30);
    server = issueServerCertificate(ca, { commonName: 'mss.test', hosts: ['localhost', '127.0.0.1', '::1'], validDays: 30 });
    client = issueClientCertificate(ca, { commonName: 'sso-service.test', validDays: 30 });
  });

  // What makes generation slow is the key size (no timed assertion: the machine's load decides time).
  it('generates 2048-bit RSA keys, not larger ones that take seconds to make', () => {
    for (const cert of [ca.cert, server.cert, client.cert]) {
      const key = new X509Certificate(cert).publicKey;
      assert.equal(key.asymmetricKeyType, 'rsa');
      assert.equal(key.asymmetricKeyDetails?.modulusLength, 2048);
    }
  });

  it('marks only the CA as a CA, with the right key usages', () => {
    const caCert = new X509Certificate(ca.cert);
    const serverCert = new X509Certificate(server.cert);
    const clientCert = new X509Certificate(client.cert);
    assert.equal(caCert.ca, true);
    assert.equal(serverCert.ca, false);
    assert.equal(clientCert.ca, false);
    assert.ok(serverCert.checkIssued(caCert) && serverCert.verify(caCert.publicKey));
    assert.ok(clientCert.checkIssued(caCert) && clientCert.verify(caCert.publicKey));
    assert.deepEqual(serverCert.keyUsage, ['1.3.6.1.5.5.7.3.1']); // serverAuth
    assert.deepEqual(clientCert.keyUsage, ['1.3.6.1.5.5.7.3.2']); // clientAuth
    assert.equal(serverCert.subjectAltName, 'DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1');
    assert.equal(serverCert.checkHost('localhost'), 'localhost');
    assert.equal(serverCert.checkIP('127.0.0.1'), '127.0.0.1');
    assert.match(serverCert.subject, /CN=mss.test/);
    assert.match(serverCert.issuer, /CN=ENTSSO Test CA/);
  });

  it('uses random, positive serials and starts validity slightly in the past', () => {
    const serials = new Set([ca.cert, server.cert, client.cert].map((pem) => new X509Certificate(pem).serialNumber));
    assert.equal(serials.size, 3);
    for (const serial of serials) assert.ok(serial.length >= 30 && parseInt(serial[0], 16) < 8, serial);
    const notBefore = Date.parse(new X509Certificate(client.cert).validFrom);
    assert.ok(notBefore < Date.now() - 60_000 && notBefore > Date.now() - 10 * 60_000);
  });

  it('never lets a leaf outlive its CA', () => {
    const leaf = issueClientCertificate(ca, { commonName: 'long', validDays: 365 });
    assert.ok(leaf.notAfter.getTime() <= Date.parse(new X509Certificate(ca.cert).validTo) + 1000);
  });

  it('refuses bad input with typed errors', () => {
    const invalid = (e: unknown) => e instanceof SsoError && e.code === 'ENTSSO_E_INVALID_REQUEST';
    assert.throws(() => issueServerCertificate(ca, { commonName: 'x', hosts: [], validDays: 1 }), invalid);
    assert.throws(() => issueServerCertificate(ca, { commonName: 'x', hosts: ['bad host!'], validDays: 1 }), invalid);
    assert.throws(() => issueClientCertificate(ca, { commonName: '', validDays: 1 }), invalid);
    assert.throws(() => issueClientCertificate(ca, { commonName: 'x', validDays: 0 }), invalid);
    assert.throws(() => issueClientCertificate(ca, { commonName: 'x', notBefore: new Date(), notAfter: new Date(Date.now() - DAY) }), invalid);
    const notCa = (e: unknown) => e instanceof SsoError && e.code === 'ENTSSO_E_BAD_FILE';
    assert.throws(() => issueClientCertificate({ cert: server.cert, key: server.key }, { commonName: 'x', validDays: 1 }), notCa);
    assert.throws(() => issueClientCertificate({ cert: ca.cert, key: client.key }, { commonName: 'x', validDays: 1 }), notCa);
    assert.throws(() => issueClientCertificate({ cert: 'nope', key: 'nope' }, { commonName: 'x', validDays: 1 }), notCa);
  });

  describe('mutual TLS with node:tls', () => {
    let tlsServer: tls.Server;
    let port = 0;
    const serverErrors: string[] = [];

    before(async () => {
      tlsServer = tls.createServer({ ca: ca.cert, cert: server.cert, key: server.key, requestCert: true, rejectUnauthorized: true });
      tlsServer.on('secureConnection', (socket) => socket.end('hello\n'));
      // Node destroys a client that fails verification after the handshake; the reason is on the socket.
      tlsServer.on('tlsClientError', (error: NodeJS.ErrnoException, socket: tls.TLSSocket) =>
        serverErrors.push(String(socket.authorizationError ?? error.code ?? error.message)),
      );
      await new Promise<void>((resolve) => tlsServer.listen(0, '127.0.0.1', resolve));
      port = (tlsServer.address() as AddressInfo).port;
    });

    after(async () => {
      await new Promise<void>((resolve) => tlsServer.close(() => resolve()));
    });

    function connect(options: tls.ConnectionOptions): Promise<Outcome> {
      return new Promise((resolve) => {
        let data = '';
        const socket = tls.connect({ host: '127.0.0.1', port, ca: ca.cert, ...options });
        socket.setEncoding('utf8');
        socket.on('data', (chunk) => (data += chunk));
        socket.on('error', (error: NodeJS.ErrnoException) => resolve({ greeted: false, clientError: error.code ?? error.message }));
        socket.on('close', () => resolve({ greeted: data === 'hello\n' }));
        socket.setTimeout(5000, () => socket.destroy(new Error('timeout')));
      });
    }

    it('accepts a client with a certificate from the CA (and the client verifies the server by IP SAN)', async () => {
      assert.deepEqual(await connect({ cert: client.cert, key: client.key }), { greeted: true });
      assert.deepEqual(await connect({ host: 'localhost', cert: client.cert, key: client.key }), { greeted: true });
    });

    it('refuses a client without a certificate', async () => {
      const before = serverErrors.length;
      const outcome = await connect({});
      assert.equal(outcome.greeted, false);
      assert.match(serverErrors.slice(before).join(), /PEER_DID_NOT_RETURN_A_CERTIFICATE/);
    });

    it('refuses a client whose certificate comes from another CA', async () => {
      const otherCa = createCa('Some Other CA', 30);
      const stranger = issueClientCertificate(otherCa, { commonName: 'sso-service.test', validDays: 30 });
      const before = serverErrors.length;
      const outcome = await connect({ cert: stranger.cert, key: stranger.key });
      assert.equal(outcome.greeted, false);
      assert.match(serverErrors.slice(before).join(), /UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT/);
    });

    it('refuses an expired client certificate', async () => {
      const expired = issueClientCertificate(ca, {
        commonName: 'sso-service.test',
        notBefore: new Date(Date.now() - 10 * DAY),
        notAfter: new Date(Date.now() - DAY),
      });
      assert.ok(expired.notAfter.getTime() < Date.now());
      const before = serverErrors.length;
      const outcome = await connect({ cert: expired.cert, key: expired.key });
      assert.equal(outcome.greeted, false);
      assert.match(serverErrors.slice(before).join(), /CERT_HAS_EXPIRED/);
    });

    it('the client refuses a server whose certificate lacks the host it dialled', async () => {
      const outcome = await connect({ host: '127.0.0.1', servername: 'mss.elsewhere', checkServerIdentity: (host, cert) => tls.checkServerIdentity('mss.elsewhere', cert), cert: client.cert, key: client.key });
      assert.equal(outcome.greeted, false);
      assert.match(outcome.clientError ?? '', /ERR_TLS_CERT_ALTNAME_INVALID/);
    });

    it('a client certificate cannot serve as a server certificate (extKeyUsage)', async () => {
      const impostor = tls.createServer({ ca: ca.cert, cert: client.cert, key: client.key });
      impostor.on('tlsClientError', () => undefined);
      await new Promise<void>((resolve) => impostor.listen(0, '127.0.0.1', resolve));
      const impostorPort = (impostor.address() as AddressInfo).port;
      try {
        const outcome = await new Promise<Outcome>((resolve) => {
          const socket = tls.connect({ host: '127.0.0.1', port: impostorPort, ca: ca.cert, checkServerIdentity: () => undefined });
          socket.on('secureConnect', () => resolve({ greeted: true }));
          socket.on('error', (error: NodeJS.ErrnoException) => resolve({ greeted: false, clientError: error.code ?? error.message }));
        });
        assert.equal(outcome.greeted, false);
        assert.match(outcome.clientError ?? '', /INVALID_PURPOSE|unsuitable/i);
      } finally {
        await new Promise<void>((resolve) => impostor.close(() => resolve()));
      }
    });
  });

  it('a client certificate carries its role as the one OU of its subject; none, two or another OU is no role', () => {
    const node = issueClientCertificate(ca, { commonName: 'mss-node.test', role: 'mss-node', validDays: 1 });
    assert.equal(roleOfCertificate(node.cert), 'mss-node');
    assert.equal(new X509Certificate(node.cert).subject.split('\n').filter((l) => l.startsWith('OU=')).length, 1);
    assert.equal(roleOfCertificate(client.cert), undefined, 'issued without a role');
    assert.equal(certificateRole({ OU: 'ENTSSO SSO service' }), 'sso-service');
    assert.equal(certificateRole({ OU: ['ENTSSO SSO service', 'ENTSSO MSS node'] }), undefined);
    assert.equal(certificateRole({ OU: 'Something else' }), undefined);
    assert.equal(certificateRole(undefined), undefined);
  });
});
