// `npm start`: the whole product on this machine in one command.
// Installs what is missing, builds, creates (first time) a local SSO environment seeded with
// realistic BizTalk data and a first master secret backup, starts the master secret server
// and the SSO service, and opens VS Code (code-server) with the extension connected to it.
// Ctrl+C stops every process it started and keeps the data; the next run reuses it.
//
//   npm start                 start (or resume) the local environment
//   npm start -- --reset      delete the local environment and create a new one
//   npm start -- --port 8080  code-server port (default 8765, or the next free one)
//   npm start -- --no-open    do not try to open a browser
//   npm start -- --entsso-standin   the Windows experience instead: the extension on "Enterprise SSO"
//                             through entsso-bridge.exe on Mono, over the STAND-IN of Microsoft's
//                             ENTSSO (test/entssoStandin) seeded with BizTalk port names; no SSO
//                             service of this project runs. With --reset, re-seeds the stand-in.
//   npm start -- --standin-mss off|on   turn the stand-in's master secret server off or on (while
//                             the above runs, in another terminal) and exit
//   npm start -- --ssodb SERVER/DATABASE [--ssodb-user U --ssodb-auth A … --password-stdin]
//                             a new environment's SSODB on SQL Server instead of the embedded file
//                             (the options of `ssoctl init --ssodb`; the password is asked for)
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as net from 'node:net';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { build, ensureDependencies, root } from './bootstrap.mjs';
import { buildBridge } from './buildBridge.mjs';
import { ensureCodeServer } from './ensureCodeServer.mjs';
import { extensionEntries } from './extensionFiles.mjs';
import { localPaths, startMssDetached, stopPid } from './localEnvironment.mjs';

const args = process.argv.slice(2);
const reset = args.includes('--reset');
const noOpen = args.includes('--no-open');
const portArg = args.includes('--port') ? Number(args[args.indexOf('--port') + 1]) : undefined;
const standin = args.includes('--entsso-standin');
const standinMss = args.includes('--standin-mss') ? args[args.indexOf('--standin-mss') + 1] : undefined;
const ssodbArgs = sqlServerArgs(args);

/** The `ssoctl init --ssodb …` options given to npm start, passed on as they are. */
function sqlServerArgs(argv) {
  const withValue = new Set(['--ssodb', '--ssodb-auth', '--ssodb-user', '--ssodb-domain', '--ssodb-client-id', '--ssodb-tenant-id']);
  const flags = new Set(['--ssodb-trust-server-certificate', '--ssodb-no-encrypt', '--password-stdin']);
  const out = [];
  for (let i = 0; i < argv.length; i++) {
    const [name] = argv[i].split('=', 1);
    if (withValue.has(name)) out.push(...(argv[i].includes('=') ? [argv[i]] : [argv[i], argv[++i] ?? '']));
    else if (flags.has(name)) out.push(argv[i]);
  }
  return out;
}

const paths = localPaths();
/** The ENTSSO stand-in's files: its interop assembly (bound through CommonProgramW6432), state, MgmtDb stand-in. */
const standinPaths = {
  dir: join(paths.data, 'entsso-standin'),
  interopRoot: join(paths.data, 'entsso-standin', 'common-files'),
  state: join(paths.data, 'entsso-standin', 'state.json'),
  mgmtDb: join(paths.data, 'entsso-standin', 'state.json.mgmtdb.json'),
};
const STANDIN_ENVIRONMENT = 'ENTSSO stand-in';
const children = [];

function say(msg) {
  process.stdout.write(`${msg}\n`);
}

// How long `npm start` takes to the URL (issue 16: ≤ 15 s where everything is installed), by step,
// so that a slow start says where its time went.
const startedAt = performance.now();
const steps = [];
let stepStartedAt = startedAt;
function stepDone(name) {
  const at = performance.now();
  steps.push(`${name} ${((at - stepStartedAt) / 1000).toFixed(1)} s`);
  stepStartedAt = at;
}
function sayTiming() {
  say(`  started in ${((performance.now() - startedAt) / 1000).toFixed(1)} s (${steps.join(', ')})`);
}

function ssoctl(cmdArgs, input) {
  const r = spawnSync(process.execPath, [paths.ssoctl, ...cmdArgs, '--dir', paths.env], { input: input ?? '', encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`ssoctl ${cmdArgs[0]} failed: ${r.stderr.trim()}`);
  return r.stdout;
}

function freePort(preferred) {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once('error', () => resolve(freePort(0)));
    s.listen(preferred, '127.0.0.1', () => {
      const port = s.address().port;
      s.close(() => resolve(port));
    });
  });
}

function waitForLine(child, pattern, what, timeoutMs = 60_000) {
  return new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => reject(new Error(`${what} did not start within ${timeoutMs / 1000} s:\n${seen}`)), timeoutMs);
    const onData = (d) => {
      seen += d.toString();
      if (pattern.test(seen)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${what} exited (${code}) while starting:\n${seen}`));
    });
  });
}

function startChild(name, command, commandArgs, logFile, env = process.env) {
  // Own process group: Ctrl+C reaches only us, and we stop each child with its whole group.
  const child = spawn(command, commandArgs, { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const out = (d) => writeFileSync(logFile, d, { flag: 'a' });
  child.stdout.on('data', out);
  child.stderr.on('data', out);
  children.push({ name, child });
  return child;
}

async function createEnvironment() {
  say('Creating a local SSO environment (SSODB, CA and certificates, access token, master secret)…');
  mkdirSync(paths.data, { recursive: true, mode: 0o700 });
  const init = ['init', '--name', 'Local', '--mss-port', '0', '--sync-interval', '10'];
  if (ssodbArgs.length === 0) {
    ssoctl(init);
    return true;
  }
  // SQL Server: ssoctl asks for the password itself, on this terminal (or reads --password-stdin).
  say(`  SSODB on SQL Server: ${ssodbArgs[ssodbArgs.indexOf('--ssodb') + 1]}`);
  const r = spawnSync(process.execPath, [paths.ssoctl, ...init, ...ssodbArgs, '--dir', paths.env], { stdio: ['inherit', 'pipe', 'inherit'], encoding: 'utf8' });
  if (r.status !== 0) throw new Error('ssoctl init failed (see above). Nothing was started.');
  return true;
}

async function firstBackup() {
  const password = randomBytes(18).toString('base64url');
  ssoctl(['secret', 'backup', '--file', paths.backup, '--reminder', 'printed by the first npm start', '--password-stdin'], `${password}\n`);
  say('');
  say('  A backup of the master secret was written to:');
  say(`    ${paths.backup}`);
  say('  Its password is shown only this once; keep it somewhere safe:');
  say(`    ${password}`);
  say('');
}

function installExtension() {
  const target = join(paths.extensions, `ssotools.entsso-explorer-${JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version}`);
  rmSync(paths.extensions, { recursive: true, force: true });
  mkdirSync(target, { recursive: true });
  for (const f of extensionEntries(root)) cpSync(join(root, f), join(target, f), { recursive: true });
}

/** Runs `code` (an ES module) with the stand-in helper (TypeScript, through tsx) as `standin`. */
function withStandinHelper(code) {
  const helper = join(root, 'test', 'entssoStandin', 'standin.ts');
  // A CommonJS TypeScript module: its exports arrive as the default export.
  const script = `const loaded = await import(${JSON.stringify(pathToFileURL(helper).href)});\nconst standin = loaded.seedStandinState ? loaded : loaded.default;\n${code}`;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '--eval', script], { cwd: root, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`the ENTSSO stand-in helper failed: ${r.stderr.trim()}`);
  return r.stdout;
}

function prepareStandin() {
  const { bridgeExe } = buildBridge({ standinRoot: standinPaths.interopRoot, testHooks: true });
  if (!existsSync(standinPaths.state)) {
    say('Seeding the ENTSSO stand-in with BizTalk-shaped data (adapter handlers, send ports, receive locations, config-store applications)…');
    mkdirSync(standinPaths.dir, { recursive: true, mode: 0o700 });
    withStandinHelper(`standin.seedStandinState(${JSON.stringify(standinPaths.state)}, { mgmtDbFile: ${JSON.stringify(standinPaths.mgmtDb)} });`);
  }
  return bridgeExe;
}

function setStandinMss(value) {
  if (value !== 'on' && value !== 'off') throw new Error('Use --standin-mss off or --standin-mss on.');
  if (!existsSync(standinPaths.state)) throw new Error(`There is no ENTSSO stand-in at ${standinPaths.state}: run "npm start -- --entsso-standin" first.`);
  withStandinHelper(`standin.setStandinFault(${JSON.stringify(standinPaths.state)}, { mssReachable: ${value === 'on'} });`);
  say(`The stand-in's master secret server is ${value === 'on' ? 'reachable again: editing comes back' : 'off: the status bar turns to "cached", edits are blocked'} within a poll interval.`);
}

/** The environment the extension gets: kind entsso, its bridge on Mono over the stand-in, said to be the stand-in. */
function standinEnvironment(bridgeExe) {
  const bridgeEnv = withStandinHelper(
    `process.stdout.write(JSON.stringify(standin.bridgeEnv({ stateFile: ${JSON.stringify(standinPaths.state)}, interopRoot: ${JSON.stringify(standinPaths.interopRoot)}, mgmtDbFile: ${JSON.stringify(standinPaths.mgmtDb)} })));`,
  );
  return {
    name: STANDIN_ENVIRONMENT,
    kind: 'entsso',
    description: "STAND-IN of Microsoft's ENTSSO (test/entssoStandin), not a real Enterprise SSO",
    bridge: { command: 'mono', args: [bridgeExe, '--poll-ms', '1000'], env: JSON.parse(bridgeEnv) },
  };
}

function writeSettings(environment) {
  const userDir = join(paths.userData, 'User');
  mkdirSync(userDir, { recursive: true });
  const settingsFile = join(userDir, 'settings.json');
  const existing = existsSync(settingsFile) ? JSON.parse(readFileSync(settingsFile, 'utf8')) : {};
  const settings = {
    'workbench.startupEditor': 'none',
    'telemetry.telemetryLevel': 'off',
    'update.mode': 'none',
    'extensions.autoCheckUpdates': false,
    'security.workspace.trust.enabled': false,
    // The workspace (.data/workspace) lies inside this clone: without this, VS Code's Git asks at
    // every start whether to open the clone's repository, which has nothing to do with SSO.
    'git.openRepositoryInParentFolders': 'never',
    ...existing,
    'entsso.environments': [environment],
    'entsso.activeEnvironment': environment.name,
  };
  writeFileSync(settingsFile, JSON.stringify(settings, null, 2));
}

function openBrowser(url) {
  if (noOpen || process.env.CI) return;
  const opener = process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'explorer' : 'xdg-open';
  if (process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) return;
  try {
    spawn(opener, [url], { stdio: 'ignore', detached: true }).unref();
  } catch {
    // no browser here: the printed URL is enough
  }
}

function signalGroup(child, signal) {
  try {
    process.kill(-child.pid, signal);
  } catch {
    // the group is gone already
  }
}

let stopping = false;
async function shutdown(code = 0) {
  if (stopping) return;
  stopping = true;
  say('\nStopping…');
  if (!standin) stopPid(paths.mssPid);
  for (const { child } of children.reverse()) signalGroup(child, 'SIGTERM');
  await new Promise((r) => setTimeout(r, 1500));
  for (const { child } of children) signalGroup(child, 'SIGKILL');
  say(`Stopped. The environment and its data are kept in ${paths.data} (npm start -- --reset starts over).`);
  process.exit(code);
}

function localEnvironmentSetting() {
  const env = JSON.parse(readFileSync(join(paths.env, 'environment.json'), 'utf8'));
  return { name: 'Local', socketPath: env.socketPath, tokenFile: join(paths.env, 'access-token'), localDir: paths.env };
}

async function startCodeServer(codeServer, environment) {
  installExtension();
  writeSettings(environment);
  const port = await freePort(portArg ?? 8765);
  const workspace = join(paths.data, 'workspace');
  mkdirSync(workspace, { recursive: true });
  const cs = startChild(
    'code-server',
    codeServer,
    ['--auth', 'none', '--bind-addr', `127.0.0.1:${port}`, '--user-data-dir', paths.userData, '--extensions-dir', paths.extensions, '--disable-telemetry', '--disable-update-check', '--disable-workspace-trust', workspace],
    join(paths.logs, 'code-server.log'),
  );
  await waitForLine(cs, /HTTP server listening/, 'code-server');
  return `http://127.0.0.1:${port}/`;
}

function watchChildren() {
  for (const { name, child } of children) {
    child.once('exit', (code, signal) => {
      if (stopping) return;
      say(`${name} exited (${signal ?? code}); see ${paths.logs}.`);
      void shutdown(1);
    });
  }
}

async function mainStandin() {
  ensureDependencies();
  build();
  const codeServer = ensureCodeServer();
  if (reset) rmSync(standinPaths.dir, { recursive: true, force: true });
  mkdirSync(paths.logs, { recursive: true });
  const bridgeExe = prepareStandin();
  const url = await startCodeServer(codeServer, standinEnvironment(bridgeExe));
  say('');
  say(`Enterprise SSO Explorer on the ENTSSO STAND-IN is running: ${url}`);
  say("  This is the Windows experience over a stand-in of Microsoft's ENTSSO (test/entssoStandin), not a real Enterprise SSO:");
  say(`  the extension starts entsso-bridge.exe on Mono; the stand-in's state is ${standinPaths.state}.`);
  say('  npm start -- --standin-mss off / on   turn the stand-in\'s master secret server off or on (watch the status bar)');
  say('  Ctrl+C stops everything; the data is kept (--reset re-seeds it).');
  openBrowser(url);
  watchChildren();
}

async function main() {
  if (standinMss !== undefined) return setStandinMss(standinMss);
  if (standin) return mainStandin();
  ensureDependencies();
  stepDone('dependencies');
  build();
  stepDone('build');
  const codeServer = ensureCodeServer();
  stepDone('code-server check');
  if (reset && existsSync(paths.data)) {
    say('Resetting the local environment (--reset).');
    rmSync(paths.data, { recursive: true, force: true });
  }
  mkdirSync(paths.logs, { recursive: true });
  const fresh = !existsSync(join(paths.env, 'environment.json'));
  if (fresh) await createEnvironment();
  else if (ssodbArgs.length > 0) say(`--ssodb is ignored: the environment in ${paths.env} exists already (npm start -- --reset --ssodb … creates a new one).`);

  await startMssDetached(paths);
  const service = startChild('SSO service', process.execPath, [paths.ssoctl, 'serve', '--dir', paths.env, '--service'], join(paths.logs, 'service.log'));
  await waitForLine(service, /ssod\[\d+\] ready$/m, 'The SSO service');
  stepDone(fresh ? 'new environment, MSS and service' : 'MSS and service');
  if (fresh) {
    say('Seeding realistic BizTalk data (10 adapters, config-store applications)…');
    say('  ' + ssoctl(['seed']).trim());
    await firstBackup();
    stepDone('seed and first backup');
  }

  const url = await startCodeServer(codeServer, localEnvironmentSetting());
  stepDone('code-server');
  say('');
  say(`Enterprise SSO Explorer is running: ${url}`);
  sayTiming();
  say(`  environment: ${paths.env}   logs: ${paths.logs}`);
  say('  npm run mss:stop / npm run mss:start   stop or start the master secret server (watch the status bar)');
  say('  Ctrl+C stops everything; the data is kept.');
  openBrowser(url);
  watchChildren();
}

process.once('SIGINT', () => void shutdown(0));
process.once('SIGTERM', () => void shutdown(0));
main().catch((err) => {
  process.stderr.write(`npm start failed: ${err.message}\n`);
  void shutdown(1);
});
