/**
 * The environment's private CA and the certificates of the mutual-TLS channel between
 * SSO services and the master secret server (created at `ssoctl init`).
 *
 * RSA key pairs come from Node's crypto (OpenSSL, or BoringSSL on Electron): about 0.15 s
 * per 2048-bit key on these machines, against about 1.7 s for node-forge's pure-JavaScript
 * generator (forge.pki.rsa.generateKeyPair delegates to Node when it detects it, but not
 * when forge is told to use pure JavaScript; calling Node directly does not depend on that).
 * node-forge builds and signs the X.509 certificates, which Node's crypto cannot do. All output is PEM, usable as is by
 * `tls.createServer({ ca, cert, key, requestCert: true, rejectUnauthorized: true })` and
 * `tls.connect({ ca, cert, key })`.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import type Forge from 'node-forge';
import forge, { privateKeyFromPem } from './forgeSubset';
import { SsoError } from '../../protocol/errors';

/** PEM strings, named as Node's tls options name them. `key` is secret. */
interface CertificateAndKey {
  cert: string;
  key: string;
}

export type CertificateAuthority = CertificateAndKey;

export interface IssuedCertificate extends CertificateAndKey {
  /** Hex, as printed by OpenSSL. */
  serialNumber: string;
  notBefore: Date;
  notAfter: Date;
}

interface ValidityOptions {
  /** Days from now; ignored when notAfter is given. */
  validDays?: number;
  /** Defaults to five minutes ago, so that peers whose clocks lag a little accept it. */
  notBefore?: Date;
  /** Explicit end; may be in the past (tests of expiry refusal). */
  notAfter?: Date;
}

interface ServerCertificateOptions extends ValidityOptions {
  commonName: string;
  /** DNS names and IP addresses (IPv4/IPv6) the server is reached by: become subjectAltNames. */
  hosts: string[];
}

interface ClientCertificateOptions extends ValidityOptions {
  commonName: string;
  /** What the holder may ask the master secret server; a certificate without a role may ask nothing. */
  role?: CertificateRole;
}

/**
 * Who holds a client certificate of the environment, written by the CA into its subject as the
 * organizational unit (OU): only the CA can issue one, so the MSS can trust it. SSO services
 * fetch the secret and relay the audited secret operations; MSS nodes sync from each other and
 * move the active role (promote, demote).
 */
export type CertificateRole = 'sso-service' | 'mss-node';
const ROLE_UNITS: Record<CertificateRole, string> = { 'sso-service': 'ENTSSO SSO service', 'mss-node': 'ENTSSO MSS node' };

/** The role of a peer certificate, from its subject as Node's TLS gives it (`getPeerCertificate().subject`). */
export function certificateRole(subject: { OU?: string | string[] } | undefined): CertificateRole | undefined {
  const units = subject?.OU === undefined ? [] : Array.isArray(subject.OU) ? subject.OU : [subject.OU];
  // Exactly one unit: a certificate naming two roles is not one we issued.
  if (units.length !== 1) return undefined;
  return (Object.keys(ROLE_UNITS) as CertificateRole[]).find((role) => ROLE_UNITS[role] === units[0]);
}

/** The role written in a PEM certificate (undefined for certificates issued before roles existed). */
export function roleOfCertificate(pem: string): CertificateRole | undefined {
  try {
    const unit = forge.pki.certificateFromPem(pem).subject.getField('OU') as { value?: string } | null;
    return unit?.value === undefined ? undefined : certificateRole({ OU: unit.value });
  } catch {
    return undefined;
  }
}

const RSA_BITS = 2048;
const CLOCK_SKEW_MS = 5 * 60 * 1000;
const DAY_MS = 24 * 60 * 60 * 1000;
const MAX_VALID_DAYS = 3650;

export function createCa(commonName: string, validDays: number, validity: Omit<ValidityOptions, 'validDays'> = {}): CertificateAuthority {
  const keys = newKeyPair();
  const period = validityPeriod({ ...validity, validDays });
  const cert = newCertificate(keys.publicKey, commonName, period);
  cert.setIssuer(cert.subject.attributes);
  cert.setExtensions([
    { name: 'basicConstraints', cA: true, pathLenConstraint: 0, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  cert.sign(keys.privateKey, forge.md.sha256.create());
  return { cert: forge.pki.certificateToPem(cert), key: keys.privateKeyPem };
}

export function issueServerCertificate(ca: CertificateAuthority, options: ServerCertificateOptions): IssuedCertificate {
  const hosts = validateHosts(options.hosts);
  return issue(ca, options, [
    { name: 'extKeyUsage', serverAuth: true },
    { name: 'subjectAltName', altNames: hosts.map((host) => (isIP(host) ? { type: 7, ip: host } : { type: 2, value: host })) },
  ]);
}

export function issueClientCertificate(ca: CertificateAuthority, options: ClientCertificateOptions): IssuedCertificate {
  return issue(ca, options, [{ name: 'extKeyUsage', clientAuth: true }]);
}

// ---------------------------------------------------------------- internals

interface KeyPair {
  publicKey: Forge.pki.rsa.PublicKey;
  privateKey: Forge.pki.rsa.PrivateKey;
  privateKeyPem: string;
}

interface Period {
  notBefore: Date;
  notAfter: Date;
}

function issue(ca: CertificateAuthority, options: ClientCertificateOptions, purpose: object[]): IssuedCertificate {
  const authority = loadCa(ca);
  const keys = newKeyPair();
  const period = validityPeriod(options);
  // A leaf cannot outlive its CA (clients would refuse it then anyway): clamp, don't fail.
  if (period.notAfter > authority.cert.validity.notAfter) period.notAfter = new Date(authority.cert.validity.notAfter);
  const cert = newCertificate(keys.publicKey, options.commonName, period, options.role ? ROLE_UNITS[options.role] : undefined);
  cert.setIssuer(authority.cert.subject.attributes);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false, critical: true },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    ...purpose,
    { name: 'subjectKeyIdentifier' },
    { name: 'authorityKeyIdentifier', keyIdentifier: authority.cert.generateSubjectKeyIdentifier().getBytes() },
  ]);
  cert.sign(authority.privateKey, forge.md.sha256.create());
  return {
    cert: forge.pki.certificateToPem(cert),
    key: keys.privateKeyPem,
    serialNumber: cert.serialNumber,
    notBefore: period.notBefore,
    notAfter: period.notAfter,
  };
}

function newKeyPair(): KeyPair {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: RSA_BITS });
  const privateKeyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  return {
    publicKey: forge.pki.publicKeyFromPem(publicKey.export({ type: 'spki', format: 'pem' }).toString()) as Forge.pki.rsa.PublicKey,
    privateKey: privateKeyFromPem(privateKeyPem),
    privateKeyPem,
  };
}

function newCertificate(publicKey: Forge.pki.rsa.PublicKey, commonName: string, period: Period, unit?: string): Forge.pki.Certificate {
  const cert = forge.pki.createCertificate();
  cert.publicKey = publicKey;
  cert.serialNumber = randomSerial();
  cert.validity.notBefore = period.notBefore;
  cert.validity.notAfter = period.notAfter;
  cert.setSubject([{ name: 'commonName', value: validateCommonName(commonName) }, ...(unit ? [{ shortName: 'OU', value: unit }] : [])]);
  return cert;
}

/** 127 random bits, positive and minimally DER-encoded (first byte 0x40–0x7F). */
function randomSerial(): string {
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0] & 0x3f) | 0x40;
  return bytes.toString('hex');
}

function validityPeriod(options: ValidityOptions): Period {
  const notBefore = options.notBefore ? new Date(options.notBefore) : new Date(Date.now() - CLOCK_SKEW_MS);
  let notAfter: Date;
  if (options.notAfter) {
    notAfter = new Date(options.notAfter);
  } else {
    const days = options.validDays;
    if (!Number.isInteger(days) || days! < 1 || days! > MAX_VALID_DAYS) {
      throw invalid(`A certificate's validity must be a whole number of days between 1 and ${MAX_VALID_DAYS}.`);
    }
    notAfter = new Date(Date.now() + days! * DAY_MS);
  }
  if (Number.isNaN(notBefore.getTime()) || Number.isNaN(notAfter.getTime()) || notAfter <= notBefore) {
    throw invalid("A certificate's validity period must end after it starts.");
  }
  return { notBefore, notAfter };
}

function loadCa(ca: CertificateAuthority): { cert: Forge.pki.Certificate; privateKey: Forge.pki.rsa.PrivateKey } {
  let cert: Forge.pki.Certificate;
  let privateKey: Forge.pki.rsa.PrivateKey;
  try {
    cert = forge.pki.certificateFromPem(ca.cert);
    privateKey = privateKeyFromPem(ca.key);
  } catch {
    throw new SsoError('ENTSSO_E_BAD_FILE', 'The CA certificate or its private key is not valid PEM.');
  }
  const constraints = cert.getExtension('basicConstraints') as { cA?: boolean } | null;
  if (!constraints?.cA) throw new SsoError('ENTSSO_E_BAD_FILE', 'The given CA certificate is not a certificate authority.');
  const publicKey = cert.publicKey as Forge.pki.rsa.PublicKey;
  if (!publicKey.n || publicKey.n.compareTo(privateKey.n) !== 0) {
    throw new SsoError('ENTSSO_E_BAD_FILE', 'The CA private key does not belong to the CA certificate.');
  }
  return { cert, privateKey };
}

function validateCommonName(commonName: string): string {
  if (typeof commonName !== 'string' || commonName.trim() === '' || commonName.length > 64) {
    throw invalid('A certificate common name must be 1 to 64 characters long.');
  }
  return commonName;
}

const DNS_LABEL = /^(?!-)[A-Za-z0-9_-]{1,63}(?<!-)$/;

function validateHosts(hosts: string[]): string[] {
  if (!Array.isArray(hosts) || hosts.length === 0) {
    throw invalid('A server certificate needs at least one host name or IP address.');
  }
  for (const host of hosts) {
    const dnsName = typeof host === 'string' && host.length <= 253 && host.split('.').every((label) => DNS_LABEL.test(label));
    if (!(typeof host === 'string' && (isIP(host) !== 0 || dnsName))) {
      throw invalid(`"${String(host)}" is neither a host name nor an IP address.`);
    }
  }
  return [...new Set(hosts)];
}

function invalid(message: string): SsoError {
  return new SsoError('ENTSSO_E_INVALID_REQUEST', message);
}
