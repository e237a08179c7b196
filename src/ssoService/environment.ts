/**
 * An SSO environment on disk: one folder holding its configuration, the SSODB file (embedded
 * store), the private CA and certificates of the MSS channel, the access token of the local
 * service, and the MSS's secret vault. `ssoctl init` creates it; every role loads it.
 *
 *   <dir>/environment.json   configuration (no secrets)
 *   <dir>/access-token       token local clients present (0600)
 *   <dir>/ssodb-credential   SQL Server only: the password or token of its login (0600)
 *   <dir>/pki/               ca.crt ca.key mss.crt mss.key service.crt service.key node.crt node.key (keys 0600)
 *   <dir>/mss/               the master secret vault (key file + vault, 0600)
 *   <dir>/ssodb.sqlite       the embedded SSODB
 *   <dir>/run/ssod.sock      the service socket (folder 0700)
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, rmdirSync, statSync, writeFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { SsoError } from '../protocol/errors';
import { generateMasterSecret } from './crypto/masterSecret';
import { createCa, issueClientCertificate, issueServerCertificate, roleOfCertificate, type CertificateAuthority } from './crypto/pki';
import { SecretVault } from './crypto/secretVault';
import { preparePrivateFolder } from './environmentPermissions';
import type { TlsMaterial } from './mss/tlsMaterial';
import type { AuditSettings } from './service/auditRetention';
import { openStore } from './ssodb/openStore';
import type { SqlServerConnection } from './ssodb/sqlServerConnection';
import type { SsoStore } from './ssodb/store';
import { readSsodbCredential, SSODB_CREDENTIAL_FILE, writeSsodbCredential } from './ssodbCredential';

const DEFAULT_SYNC_INTERVAL_MS = 60_000;
const DEFAULT_MSS_PORT = 5780;
const CERT_VALID_DAYS = 825;

export type StoreConfig = { kind: 'sqlite'; file: string } | { kind: 'mssql'; url: string } | SqlServerStoreConfig;

/** An SSODB on SQL Server as `ssoctl init --ssodb` writes it: no secret (see ssodbCredential.ts). */
export interface SqlServerStoreConfig {
  kind: 'mssql';
  connection: SqlServerConnection;
  /** Name of the owner-only file in the environment folder holding the password or token. */
  credentialFile: typeof SSODB_CREDENTIAL_FILE;
}

interface EnvironmentConfig {
  version: 1;
  id: string;
  name: string;
  createdAt: string;
  store: StoreConfig;
  /** Where this machine's MSS role listens; its name (host:port) is published in SSODB. */
  mss: { host: string; port: number };
  socketPath: string;
  syncIntervalMs: number;
  /** How much audit the SSO service keeps (defaults: 100,000 rows, 365 days); see service/auditRetention.ts. */
  audit?: AuditSettings;
  /** Configuration history retention; absent: 20 versions per configuration, 365 days. */
  history?: { keep?: number; maxAgeDays?: number };
}

class EnvironmentPaths {
  constructor(readonly dir: string) {}
  get config() { return join(this.dir, 'environment.json'); }
  get token() { return join(this.dir, 'access-token'); }
  get pki() { return join(this.dir, 'pki'); }
  get caCert() { return join(this.pki, 'ca.crt'); }
  get caKey() { return join(this.pki, 'ca.key'); }
  get mssCert() { return join(this.pki, 'mss.crt'); }
  get mssKey() { return join(this.pki, 'mss.key'); }
  get serviceCert() { return join(this.pki, 'service.crt'); }
  get serviceKey() { return join(this.pki, 'service.key'); }
  /** The client certificate MSS nodes present to each other (role mss-node). */
  get nodeCert() { return join(this.pki, 'node.crt'); }
  get nodeKey() { return join(this.pki, 'node.key'); }
  get vault() { return join(this.dir, 'mss'); }
  get defaultSocket() { return join(this.dir, 'run', 'ssod.sock'); }
}

export interface Environment {
  config: EnvironmentConfig;
  paths: EnvironmentPaths;
}

interface InitOptions {
  dir: string;
  name?: string;
  mssHost?: string;
  mssPort?: number;
  socketPath?: string;
  syncIntervalMs?: number;
  store?: StoreConfig;
  /** The SQL Server password, client secret or access token, for an owner-only file. */
  storeSecret?: string;
}

export async function initEnvironment(options: InitOptions): Promise<Environment> {
  const paths = new EnvironmentPaths(resolve(options.dir));
  if (existsSync(paths.config)) {
    throw new SsoError('ENTSSO_E_ENVIRONMENT_EXISTS', `An SSO environment already exists in ${paths.dir}. Use it, or choose another folder.`);
  }
  preparePrivateFolder(paths.dir);
  mkdirSync(paths.pki, { recursive: true, mode: 0o700 });
  const config: EnvironmentConfig = {
    version: 1,
    id: randomUUID(),
    name: options.name ?? 'Local',
    createdAt: new Date().toISOString(),
    store: options.store ?? { kind: 'sqlite', file: 'ssodb.sqlite' },
    mss: { host: options.mssHost ?? '127.0.0.1', port: options.mssPort ?? DEFAULT_MSS_PORT },
    socketPath: options.socketPath ?? paths.defaultSocket,
    syncIntervalMs: options.syncIntervalMs ?? DEFAULT_SYNC_INTERVAL_MS,
  };
  writeCertificates(paths, config);
  writePrivate(paths.token, randomBytes(32).toString('base64url'));
  if (options.storeSecret !== undefined) writeSsodbCredential(paths.dir, options.storeSecret);
  const store = await openStore(storeConfigFor({ config, paths }));
  privateStoreFile({ config, paths });
  try {
    if (config.store.kind === 'mssql') await refuseSsodbOfAnotherEnvironment(store);
    const vault = await SecretVault.create(paths.vault, generateMasterSecret());
    const secret = vault.current();
    await store.updateGlobalInfo({
      secretServer: `${config.mss.host}:${config.mss.port}`,
      currentMsid: secret.msid,
      previousMsid: null,
      secretCreatedAt: secret.createdAt,
    });
  } finally {
    await store.close();
  }
  writeFileSync(paths.config, JSON.stringify(config, null, 2) + '\n', { mode: 0o600 });
  return { config, paths };
}

/** The embedded SSODB holds only ciphertext, but nobody else may write it (serve checks): 0600 whatever the umask. */
function privateStoreFile(env: Environment): void {
  const store = storeConfigFor(env);
  if (store.kind === 'sqlite' && existsSync(store.file)) chmodSync(store.file, 0o600);
}

export function loadEnvironment(dir: string): Environment {
  const paths = new EnvironmentPaths(resolve(dir));
  if (!existsSync(paths.config)) {
    throw new SsoError('ENTSSO_E_INVALID_REQUEST', `No SSO environment in ${paths.dir}. Create one with "ssoctl init --dir ${dir}".`);
  }
  const config = JSON.parse(readFileSync(paths.config, 'utf8')) as EnvironmentConfig;
  if (config.version !== 1) throw new SsoError('ENTSSO_E_UNSUPPORTED_VERSION', `${paths.config} has version ${config.version}; this ssoctl understands version 1.`);
  return { config, paths };
}

export function readToken(env: Environment): string {
  return readFileSync(env.paths.token, 'utf8').trim();
}

export function storeConfigFor(env: Environment): Parameters<typeof openStore>[0] {
  const s = env.config.store;
  if (s.kind === 'mssql') return 'connection' in s ? sqlServerStoreConfig(env.paths.dir, s) : s;
  return { kind: 'sqlite', file: isAbsolute(s.file) ? s.file : join(env.paths.dir, s.file) };
}

export function mssTls(env: Environment): TlsMaterial {
  return { ca: readFileSync(env.paths.caCert, 'utf8'), cert: readFileSync(env.paths.mssCert, 'utf8'), key: readFileSync(env.paths.mssKey, 'utf8') };
}

export function nodeTls(env: Environment): TlsMaterial {
  return { ca: readFileSync(env.paths.caCert, 'utf8'), cert: readFileSync(env.paths.nodeCert, 'utf8'), key: readFileSync(env.paths.nodeKey, 'utf8') };
}

export function serviceTls(env: Environment): TlsMaterial {
  return { ca: readFileSync(env.paths.caCert, 'utf8'), cert: readFileSync(env.paths.serviceCert, 'utf8'), key: readFileSync(env.paths.serviceKey, 'utf8') };
}

function sqlServerStoreConfig(dir: string, store: SqlServerStoreConfig): Parameters<typeof openStore>[0] {
  return { kind: 'mssql', connection: store.connection, secret: () => readSsodbCredential(dir) };
}

/**
 * A shared SQL Server holds one environment's SSODB: initialising a new environment over it would
 * point its rows at a master secret they were not encrypted with.
 */
async function refuseSsodbOfAnotherEnvironment(store: SsoStore): Promise<void> {
  const info = await store.getGlobalInfo();
  if (info.currentMsid === null) return;
  throw new SsoError(
    'ENTSSO_E_ENVIRONMENT_EXISTS',
    `The SSO database already belongs to an SSO environment (its master secret server is ${info.secretServer}). Nothing was changed in it. To run another node of that environment, copy its environment folder to this machine; to start a new environment, use an empty database.`,
    { reason: 'ssodb-in-use' },
  );
}

function writeCertificates(paths: EnvironmentPaths, config: EnvironmentConfig): void {
  const ca = createCa(`ENTSSO Explorer CA ${config.name} ${config.id.slice(0, 8)}`, CERT_VALID_DAYS);
  const hosts = Array.from(new Set([config.mss.host, '127.0.0.1', 'localhost']));
  const mss = issueServerCertificate(ca, { commonName: `mss.${config.id.slice(0, 8)}`, hosts, validDays: CERT_VALID_DAYS });
  writePublic(paths.caCert, ca.cert);
  writePrivate(paths.caKey, ca.key);
  writePublic(paths.mssCert, mss.cert);
  writePrivate(paths.mssKey, mss.key);
  writeRoleCertificates(paths, config, ca);
}

/** The service's and the nodes' client certificates, each with its role; the node's last (see ensureRoleCertificates). */
function writeRoleCertificates(paths: EnvironmentPaths, config: EnvironmentConfig, ca: CertificateAuthority): void {
  const service = issueClientCertificate(ca, { commonName: `sso-service.${config.id.slice(0, 8)}`, role: 'sso-service', validDays: CERT_VALID_DAYS });
  const node = issueClientCertificate(ca, { commonName: `mss-node.${config.id.slice(0, 8)}`, role: 'mss-node', validDays: CERT_VALID_DAYS });
  replaceFile(paths.serviceKey, service.key, 0o600);
  replaceFile(paths.serviceCert, service.cert, 0o644);
  replaceFile(paths.nodeKey, node.key, 0o600);
  replaceFile(paths.nodeCert, node.cert, 0o644);
}

/**
 * Environments made before MSS roles have one client certificate, without a role, which the MSS
 * now refuses: the first `serve` issues the role certificates with the environment's CA.
 * Several roles may start at once, so one of them issues (a lock folder) and the others wait;
 * node.crt is written last, so its presence means every certificate is in place.
 */
export async function ensureRoleCertificates(env: Environment): Promise<void> {
  const { paths } = env;
  if (existsSync(paths.nodeCert)) return;
  if (!existsSync(paths.caKey)) {
    if (roleOfCertificate(readFileSync(paths.serviceCert, 'utf8')) === 'sso-service') return; // a service-only copy of the folder
    throw new SsoError(
      'ENTSSO_E_ACCESS_DENIED',
      `The certificates in ${paths.pki} were issued before MSS roles existed and the CA key is not there to issue new ones. Start "ssoctl serve" once where the environment's ca.key is, then copy its pki folder here.`,
    );
  }
  const lock = join(paths.pki, 'roles.lock');
  await takeLockFolder(lock);
  try {
    if (existsSync(paths.nodeCert)) return;
    const ca = { cert: readFileSync(paths.caCert, 'utf8'), key: readFileSync(paths.caKey, 'utf8') };
    writeRoleCertificates(paths, env.config, ca);
  } finally {
    rmdirSync(lock);
  }
}

async function takeLockFolder(lock: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      mkdirSync(lock, { mode: 0o700 });
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    // Issuing takes well under a second: a lock older than 10 s was left by a killed process.
    const since = statSync(lock, { throwIfNoEntry: false })?.mtimeMs;
    if (since !== undefined && Date.now() - since > 10_000) rmSync(lock, { recursive: true, force: true });
    if (Date.now() > deadline) throw new SsoError('ENTSSO_E_INTERNAL', `Another process has been issuing certificates in ${lock} for 30 s. Remove that folder if no ssoctl runs, then start again.`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Written under a temporary name, then renamed: a reader sees the old file or the new one, whole. */
function replaceFile(file: string, content: string, mode: number): void {
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, content, { mode });
  chmodSync(temporary, mode);
  renameSync(temporary, file);
}

/** Readable by all, writable by the owner only, whatever the umask (serve refuses group-writable files). */
function writePublic(file: string, content: string): void {
  writeFileSync(file, content, { mode: 0o644 });
  chmodSync(file, 0o644);
}

function writePrivate(file: string, content: string): void {
  writeFileSync(file, content, { mode: 0o600 });
  chmodSync(file, 0o600);
}
