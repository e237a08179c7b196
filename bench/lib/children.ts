/** Helper processes of the benchmarks, bundled like the product's own (esbuild, CommonJS) and run on plain Node. */
import { fork, type ChildProcess } from 'node:child_process';
import { join, resolve } from 'node:path';
import * as esbuild from 'esbuild';

const CHILDREN = resolve(__dirname, 'children');

/** Bundles bench/lib/children/<name>.ts into `outDir` and returns the .js path. */
export async function bundleChild(name: string, outDir: string): Promise<string> {
  const outfile = join(outDir, `${name}.js`);
  await esbuild.build({
    entryPoints: [join(CHILDREN, `${name}.ts`)],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    logLevel: 'warning',
  });
  return outfile;
}

/** Forks a bundled helper with an IPC channel, sends it `setup`, and resolves once it answers `ready`. */
export async function startChild(script: string, setup: unknown, ready: string, timeoutMs = 15_000): Promise<ChildProcess> {
  const child = fork(script, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv: [] });
  await new Promise<void>((resolveReady, reject) => {
    const timer = setTimeout(() => reject(new Error(`${script} did not say "${ready}" within ${timeoutMs} ms`)), timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${script} exited (${code}) before it was ready`));
    });
    child.on('message', (m) => {
      if (m === ready) {
        clearTimeout(timer);
        child.removeAllListeners('exit');
        resolveReady();
      }
    });
    child.send(setup as object);
  });
  return child;
}

export async function stopChild(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  child.kill('SIGKILL');
  await exited;
}
