/** ssoctl init | serve: create an SSO environment, run its roles. */
import * as net from 'node:net';
import { keepServingAfterUnexpectedErrors, startRoles } from '../../ssoService/daemon';
import { type Environment, initEnvironment, loadEnvironment } from '../../ssoService/environment';
import { describeSqlServer, SQL_SERVER_AUTHENTICATIONS } from '../../ssoService/ssodb/sqlServerConnection';
import { removeSsodbCredential, ssodbCredentialPath } from '../../ssoService/ssodbCredential';
import { serviceLogLine } from '../../ssoService/serviceLog';
import { type ParsedArgs, flag, opt, optInt, optNumber } from '../args';
import { environmentDir, print } from '../context';
import { explainSsodbFailure, sqlServerInitFromArgs, SSODB_OPTIONS } from '../ssodbOptions';

export const initOptions = { name: { value: true }, 'mss-host': { value: true }, 'mss-port': { value: true }, 'sync-interval': { value: true }, socket: { value: true }, ...SSODB_OPTIONS };

export async function init(args: ParsedArgs): Promise<void> {
  const requestedPort = optInt(args, 'mss-port');
  const syncSeconds = optInt(args, 'sync-interval');
  const sqlServer = await sqlServerInitFromArgs(args);
  const dir = environmentDir(args);
  const env = await initEnvironment({
    dir,
    name: opt(args, 'name'),
    mssHost: opt(args, 'mss-host'),
    mssPort: requestedPort === 0 ? await freePort() : requestedPort,
    socketPath: opt(args, 'socket'),
    syncIntervalMs: syncSeconds !== undefined ? syncSeconds * 1000 : undefined,
    store: sqlServer?.store,
    storeSecret: sqlServer?.secret,
  }).catch((error: unknown) => {
    if (!sqlServer) throw error;
    removeSsodbCredential(dir); // no secret left behind by an environment that was not created
    throw explainSsodbFailure(error, { dir, store: sqlServer.store });
  });
  const c = env.config;
  print(args, { dir: env.paths.dir, id: c.id, name: c.name, mss: `${c.mss.host}:${c.mss.port}`, socketPath: c.socketPath, tokenFile: env.paths.token }, () =>
    [
      `Created SSO environment "${c.name}" in ${env.paths.dir}`,
      `  master secret server: ${c.mss.host}:${c.mss.port}`,
      `  service socket:       ${c.socketPath}`,
      `  access token file:    ${env.paths.token} (keep it private)`,
      ...ssodbLines(env),
      `Next: ssoctl serve --dir ${env.paths.dir}, then back up the master secret.`,
    ].join('\n'),
  );
}

export const serveOptions = {
  mss: {},
  service: {},
  'sync-interval-ms': { value: true },
  'reencrypt-batch': { value: true },
  'mss-port': { value: true },
  'vault-dir': { value: true },
  'lease-ttl-ms': { value: true },
  socket: { value: true },
  'audit-max-rows': { value: true },
  'audit-max-age-days': { value: true },
};

/** Runs until SIGINT/SIGTERM; logs go to stderr and never contain a value. */
export async function serve(args: ParsedArgs): Promise<void> {
  const both = !flag(args, 'mss') && !flag(args, 'service');
  const log = (m: string) => process.stderr.write(serviceLogLine(m));
  keepServingAfterUnexpectedErrors(log);
  const roles = await startRoles({
    dir: environmentDir(args),
    mss: both || flag(args, 'mss'),
    service: both || flag(args, 'service'),
    syncIntervalMs: optInt(args, 'sync-interval-ms'),
    reencryptBatchRows: optInt(args, 'reencrypt-batch'),
    mssPort: optInt(args, 'mss-port'),
    vaultDir: opt(args, 'vault-dir'),
    lease: leaseTiming(optInt(args, 'lease-ttl-ms')),
    socketPath: opt(args, 'socket'),
    audit: { maxRows: optInt(args, 'audit-max-rows'), maxAgeDays: optNumber(args, 'audit-max-age-days') },
    log,
  }).catch((error: unknown) => {
    throw explainServeFailure(error, environmentDir(args));
  });
  log('ready');
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  log('stopping');
  await roles.stop();
}

function ssodbLines(env: Environment): string[] {
  const store = env.config.store;
  if (store.kind !== 'mssql' || !('connection' in store)) return [];
  const lines = [`  SSO database:         SQL Server ${describeSqlServer(store.connection)} (${store.connection.authentication})`];
  if (SQL_SERVER_AUTHENTICATIONS[store.connection.authentication].secret) lines.push(`  its credential:       ${ssodbCredentialPath(env.paths.dir)} (0600, keep it private)`);
  return lines;
}

function explainServeFailure(error: unknown, dir: string): unknown {
  try {
    return explainSsodbFailure(error, loadEnvironment(dir));
  } catch {
    return error;
  }
}

/** Renewal five times per lease and a grace of one renewal: the ratios DEFAULT_LEASE uses. */
function leaseTiming(ttlMs: number | undefined) {
  if (ttlMs === undefined) return undefined;
  const renewMs = Math.max(100, Math.floor(ttlMs / 5));
  return { ttlMs, renewMs, graceMs: renewMs };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}
