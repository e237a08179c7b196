/**
 * An SSO environment on disk: one folder holding its configuration, the SSODB file (embedded
 * store), the private CA and certificates of the MSS channel, the access token of the local
 * service, and the MSS's secret vault. `ssoctl init` creates it; every role loads it.
 *
 *   <dir>/environment.json   configuration (no secrets)
 *   <dir>/access-token       token local clients present (0600)
 *   <dir>/pki/               ca.crt ca.key mss.crt mss.key service.crt service.key (keys 0600)
 *   <dir>/mss/               the master secret vault (key file + vault, 0600)
 *   <dir>/ssodb.sqlite       the embedded SSODB
 *   <dir>/run/ssod.sock      the service socket (folder 0700)
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { SsoError } from '../ssoClient/errors';
import { generateMasterSecret } from './crypto/masterSecret';
import { createCa, issueClientCertificate, issueServerCertificate } from './crypto/pki';
import { SecretVault } from './crypto/secretVault';
import type { TlsMaterial } from './mss/mssServer';
import type { AuditSettings } from './service/auditRetention';
import { openStore } from './ssodb/openStore';

export const DEFAULT_SYNC_INTERVAL_MS = 60_000;
export const DEFAULT_MSS_PORT = 5780;
const CERT_VALID_DAYS = 825;

export type StoreConfig = { kind: 'sqlite'; file: string } | { kind: 'mssql'; url: string };

export interface EnvironmentConfig {
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
}

export class EnvironmentPaths {
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
  get vault() { return join(this.dir, 'mss'); }
  get defaultSocket() { return join(this.dir, 'run', 'ssod.sock'); }
}

export interface Environment {
  config: EnvironmentConfig;
  paths: EnvironmentPaths;
}

export interface InitOptions {
  dir: string;
  name?: string;
  mssHost?: string;
  mssPort?: number;
  socketPath?: string;
  syncIntervalMs?: number;
  store?: StoreConfig;
}

export async function initEnvironment(options: InitOptions): Promise<Environment> {
  const paths = new EnvironmentPaths(resolve(options.dir));
  if (existsSync(paths.config)) {
    throw new SsoError('ENTSSO_E_INVALID_REQUEST', `An SSO environment already exists in ${paths.dir}. Use it, or choose another folder.`);
  }
  mkdirSync(paths.dir, { recursive: true, mode: 0o700 });
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
  const store = await openStore(storeConfigFor({ config, paths }));
  try {
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
  if (s.kind === 'mssql') return s;
  return { kind: 'sqlite', file: isAbsolute(s.file) ? s.file : join(env.paths.dir, s.file) };
}

export function mssTls(env: Environment): TlsMaterial {
  return { ca: readFileSync(env.paths.caCert, 'utf8'), cert: readFileSync(env.paths.mssCert, 'utf8'), key: readFileSync(env.paths.mssKey, 'utf8') };
}

export function serviceTls(env: Environment): TlsMaterial {
  return { ca: readFileSync(env.paths.caCert, 'utf8'), cert: readFileSync(env.paths.serviceCert, 'utf8'), key: readFileSync(env.paths.serviceKey, 'utf8') };
}

function writeCertificates(paths: EnvironmentPaths, config: EnvironmentConfig): void {
  const ca = createCa(`ENTSSO Explorer CA ${config.name} ${config.id.slice(0, 8)}`, CERT_VALID_DAYS);
  const hosts = Array.from(new Set([config.mss.host, '127.0.0.1', 'localhost']));
  const mss = issueServerCertificate(ca, { commonName: `mss.${config.id.slice(0, 8)}`, hosts, validDays: CERT_VALID_DAYS });
  const service = issueClientCertificate(ca, { commonName: `sso-service.${config.id.slice(0, 8)}`, validDays: CERT_VALID_DAYS });
  writeFileSync(paths.caCert, ca.cert);
  writePrivate(paths.caKey, ca.key);
  writeFileSync(paths.mssCert, mss.cert);
  writePrivate(paths.mssKey, mss.key);
  writeFileSync(paths.serviceCert, service.cert);
  writePrivate(paths.serviceKey, service.key);
}

function writePrivate(file: string, content: string): void {
  writeFileSync(file, content, { mode: 0o600 });
  chmodSync(file, 0o600);
}
