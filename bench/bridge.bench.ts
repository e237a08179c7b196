/**
 * 11. The ENTSSO bridge (issue 16): the calls a user makes most — read one configuration
 * (`config.get`, ENTSSO's GetConfigInfo), one page of identifiers, one page of applications — with
 * 1 client, through the product's path: the extension's client (SsoClient over the process
 * transport, started as src/connection/entssoBridge.ts says) → entsso-bridge.exe on Mono → the
 * ENTSSO STAND-IN interop assembly (test/entssoStandin, not Microsoft's ENTSSO). The limit: the
 * same calls made in-process in C# on the same stand-in under the same mono
 * (lib/children/entssoInProcess.cs, compiled with mcs into the run's scratch folder), timed with
 * Stopwatch. Both processes are started and warmed up before any timing: mono's start is excluded.
 * Rounds are interleaved (A B, B A, …). Without mono or mcs the rows say "not measured" and why.
 */
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { bridgeProcess } from '../src/connection/entssoBridge';
import { SsoClient } from '../src/ssoClient/client';
import { bridgeEnv, seedStandinState, type SeedApplication } from '../test/entssoStandin/standin';
import type { BenchContext, Benchmark } from './lib/context';
import { median, now, sideBySide } from './lib/stats';

const ROOT = resolve(__dirname, '..');
const GROUP = '11-bridge';
const STAND_IN = 'ENTSSO stand-in on Mono, not Microsoft ENTSSO';
/** The Applications view's default page (`entsso.pageSize`). */
const PAGE_SIZE = 100;
const MEASURED_APP = 'Bench.Settings.000';
const MEASURED_ID = 'Config.0000';

type CallName = 'config' | 'identifiers' | 'apps';

interface Sizes {
  applications: number;
  identifiers: number;
  rounds: number;
  perRound: Record<CallName, number>;
}

const SIZES: Record<'quick' | 'full', Sizes> = {
  quick: { applications: 10, identifiers: 20, rounds: 2, perRound: { config: 25, identifiers: 2, apps: 2 } },
  full: { applications: 50, identifiers: PAGE_SIZE, rounds: 6, perRound: { config: 30, identifiers: 2, apps: 2 } },
};

const CALLS: Array<{ call: CallName; title: string }> = [
  { call: 'config', title: 'read one configuration (config.get / GetConfigInfo)' },
  { call: 'identifiers', title: `one page of identifiers (identifiers.list, ${PAGE_SIZE} a page)` },
  { call: 'apps', title: `one page of applications (apps.list, ${PAGE_SIZE} a page)` },
];

function monoMissing(): string | undefined {
  const works = (cmd: string) => spawnSync(cmd, ['--version'], { encoding: 'utf8' }).status === 0;
  if (!works('mono')) return 'mono is not installed (Debian: apt-get install mono-runtime)';
  if (!works('mcs')) return 'mcs is not installed (Debian: apt-get install mono-mcs)';
  return undefined;
}

/** Config-store applications shaped like BizTalk settings; the measured one holds `identifiers` configurations. Test data, not anyone's secrets. */
function benchApplications(sizes: Sizes): SeedApplication[] {
  const fields = [{ label: 'ServiceUrl' }, { label: 'UserName' }, { label: 'Password', masked: true }, { label: 'RetryCount' }, { label: 'ApiKey', masked: true }];
  const config = (app: number, id: number) => ({
    ServiceUrl: `https://app${app}.contoso.example/api/${id}`,
    UserName: `svc-app${app}-${id}`,
    Password: `bench-password-${app}-${id}`,
    RetryCount: String(id % 7),
    ApiKey: `bench-key-${app}-${id}`,
  });
  return Array.from({ length: sizes.applications }, (_, a) => {
    const count = a === 0 ? sizes.identifiers : 2;
    const configs = Object.fromEntries(Array.from({ length: count }, (_, i) => [`Config.${String(i).padStart(4, '0')}`, config(a, i)]));
    return { name: `Bench.Settings.${String(a).padStart(3, '0')}`, kind: 'configStore', description: `Bench settings ${a}`, fields, configs };
  });
}

interface Built {
  extensionDir: string;
  interopRoot: string;
  driverExe: string;
}

/** entsso-bridge.exe and the stand-in (the project's own build script) and the in-process driver, all into the run's scratch folder: dist/ is not touched. */
function build(tmp: string): Built {
  const dir = join(tmp, 'bridge');
  const extensionDir = join(dir, 'extension');
  const interopRoot = join(dir, 'standin');
  mkdirSync(join(extensionDir, 'dist'), { recursive: true });
  const r = spawnSync(process.execPath, [join(ROOT, 'scripts', 'buildBridge.mjs'), '--standin-root', interopRoot, '--out', join(extensionDir, 'dist')], { cwd: ROOT, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`building the bridge failed: ${r.stderr.slice(0, 2000)}`);
  const driverExe = join(dir, 'entssoInProcess.exe');
  const interopDll = join(interopRoot, 'Enterprise Single Sign-On', 'Microsoft.EnterpriseSingleSignOn.Interop.dll');
  const c = spawnSync('mcs', ['-nologo', '-warnaserror+', '-optimize+', `-out:${driverExe}`, `-r:${interopDll}`, '-r:System.Core.dll', join(__dirname, 'lib', 'children', 'entssoInProcess.cs')], { encoding: 'utf8' });
  if (c.status !== 0) throw new Error(`compiling the in-process driver failed: ${(c.stdout + c.stderr).slice(0, 2000)}`);
  return { extensionDir, interopRoot, driverExe };
}

/** The limit's process: the C# driver, answering "<call> <count>" with that many Stopwatch timings. */
class InProcessDriver {
  private buffer = '';
  private waiting: ((line: string) => void) | undefined;

  private constructor(private readonly child: ChildProcessWithoutNullStreams) {
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (d: string) => this.onData(d));
  }

  static start(exe: string, env: Record<string, string>, monoPath: string): InProcessDriver {
    const child = spawn('mono', [exe, MEASURED_APP, MEASURED_ID, String(PAGE_SIZE)], { env: { ...process.env, ...env, MONO_PATH: monoPath }, stdio: ['pipe', 'pipe', 'pipe'] });
    const driver = new InProcessDriver(child);
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (d: string) => process.stderr.write(`  [in-process driver] ${d}`));
    return driver;
  }

  private onData(data: string): void {
    this.buffer += data;
    const nl = this.buffer.indexOf('\n');
    if (nl === -1) return;
    const line = this.buffer.slice(0, nl);
    this.buffer = this.buffer.slice(nl + 1);
    const w = this.waiting;
    this.waiting = undefined;
    w?.(line);
  }

  async time(call: CallName, count: number): Promise<number[]> {
    const line = await new Promise<string>((resolveLine, reject) => {
      const onExit = (code: number | null) => reject(new Error(`the in-process driver exited (${code})`));
      this.child.once('exit', onExit);
      this.waiting = (l) => {
        this.child.off('exit', onExit);
        resolveLine(l);
      };
      this.child.stdin.write(`${call} ${count}\n`);
    });
    const answer = JSON.parse(line) as { error?: string; ms?: number[] };
    if (!answer.ms) throw new Error(`the in-process driver refused "${call}": ${answer.error ?? line}`);
    return answer.ms;
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((r) => this.child.once('exit', r));
    this.child.stdin.end();
    const kill = setTimeout(() => this.child.kill('SIGKILL'), 2000);
    await exited;
    clearTimeout(kill);
  }
}

function productCall(client: SsoClient, call: CallName): () => Promise<unknown> {
  if (call === 'config') return () => client.request('config.get', { application: MEASURED_APP, identifier: MEASURED_ID });
  if (call === 'identifiers') return () => client.request('identifiers.list', { application: MEASURED_APP, limit: PAGE_SIZE });
  return () => client.request('apps.list', { limit: PAGE_SIZE });
}

async function timeProduct(op: () => Promise<unknown>, count: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < count; i++) {
    const t = now();
    await op();
    out.push(now() - t);
  }
  return out;
}

function notMeasured(ctx: BenchContext, why: string): void {
  for (const { title } of CALLS) {
    ctx.add({ group: GROUP, name: `${title}, p50, 1 client (${STAND_IN})`, value: null, unit: 'ms', notes: `not measured: ${why}` });
    ctx.add({ group: GROUP, name: `${title}, throughput, 1 client (${STAND_IN})`, value: null, unit: 'calls/s', notes: `not measured: ${why}` });
  }
  ctx.add({ group: GROUP, name: `process boundary + JSON: a call that makes no ENTSSO call (secret.info), p50 (${STAND_IN})`, value: null, unit: 'ms', notes: `not measured: ${why}` });
}

async function run(ctx: BenchContext): Promise<void> {
  const missing = monoMissing();
  if (missing) {
    notMeasured(ctx, missing);
    return;
  }
  const sizes = ctx.quick ? SIZES.quick : SIZES.full;
  const built = build(ctx.tmp);
  const { stateFile, mgmtDbFile } = seedStandinState(join(ctx.tmp, 'bridge', 'standin-state.json'), { applications: benchApplications(sizes) });
  const env = bridgeEnv({ stateFile, interopRoot: built.interopRoot, mgmtDbFile });
  // The process the extension starts for an `entsso` environment (dist/entsso-bridge.exe on Mono here), over the stand-in.
  const spec = { ...bridgeProcess({ name: 'bench', socketPath: '', kind: 'entsso' }, built.extensionDir, 'linux'), env };
  const client = new SsoClient({ process: spec, token: '', clientName: 'bench', requestTimeoutMs: 120_000 });
  const driver = InProcessDriver.start(built.driverExe, env, join(built.interopRoot, 'Enterprise Single Sign-On'));
  try {
    await client.connect();
    ctx.log(`  ${sizes.applications} applications, ${sizes.identifiers} identifiers in the measured one; ${sizes.rounds} interleaved rounds`);
    for (const { call, title } of CALLS) {
      const perRound = sizes.perRound[call];
      // Warm-up (JIT, file cache) on both sides, not timed.
      await timeProduct(productCall(client, call), perRound);
      await driver.time(call, perRound);
      const samples = await sideBySide(
        sizes.rounds,
        () => timeProduct(productCall(client, call), perRound),
        () => driver.time(call, perRound),
      );
      addRows(ctx, title, samples, !ctx.quick);
    }
    await addBoundaryRow(ctx, client);
  } finally {
    client.close();
    await driver.stop();
  }
}

function addRows(ctx: BenchContext, title: string, samples: { product: number[]; limit: number[] }, targetApplies: boolean): void {
  const limitDescription = 'the same call in-process in C# on the same stand-in, same mono';
  const notes = `${STAND_IN}; through SsoClient → entsso-bridge.exe (process boundary, JSON lines) → stand-in; ${samples.product.length} calls each side, interleaved rounds; mono start excluded`;
  ctx.add({
    group: GROUP,
    name: `${title}, p50, 1 client (${STAND_IN})`,
    value: median(samples.product),
    unit: 'ms',
    limit: median(samples.limit),
    limitDescription,
    target: { on: 'ratio', op: '<=', threshold: 2, text: '≥ 50 % of in-process (time ≤ 2×)' },
    targetApplies,
    notes,
  });
  const rate = (ms: number[]) => (1000 * ms.length) / ms.reduce((a, b) => a + b, 0);
  ctx.add({
    group: GROUP,
    name: `${title}, throughput, 1 client (${STAND_IN})`,
    value: rate(samples.product),
    unit: 'calls/s',
    limit: rate(samples.limit),
    limitDescription,
    target: { on: 'ratio', op: '>=', threshold: 0.5, text: '≥ 50 % of in-process' },
    targetApplies,
    notes,
  });
}

/**
 * Where the time goes: what the bridge adds to every call — the process boundary both ways and
 * JSON on both sides — measured with a method that makes no ENTSSO call (`secret.info`).
 */
async function addBoundaryRow(ctx: BenchContext, client: SsoClient): Promise<void> {
  const op = () => client.request('secret.info', {});
  const count = ctx.quick ? 50 : 300;
  await timeProduct(op, 20);
  const samples = await timeProduct(op, count);
  ctx.add({
    group: GROUP,
    name: `process boundary + JSON: a call that makes no ENTSSO call (secret.info), p50 (${STAND_IN})`,
    value: median(samples),
    unit: 'ms',
    notes: `what the bridge adds to every call, stdin/stdout pipes and JSON both ways; ${count} calls`,
  });
}

export const bridgeBenchmark: Benchmark = {
  id: 'bridge',
  title: `11. The ENTSSO bridge (${STAND_IN}) against the same calls in-process`,
  run,
};
