/**
 * Run by takeoverPublicationFails.test.ts in its own process: at a takeover, SSODB refuses the
 * publication and the release of the lease (it refuses writes for a moment). The real MssServer,
 * Leadership and SecretAuthority on the real SQLite file of an `ssoctl init` environment; the two
 * store calls are made to fail by a wrapper (the fault), nothing else is replaced. The daemon's own
 * last-resort handler is installed, as in ssod: an unhandled rejection is logged, not fatal, so
 * the state the node is left in shows. Prints one JSON line of facts.
 */
import { SsoError } from '../../../src/protocol/errors';
import { keepServingAfterUnexpectedErrors } from '../../../src/ssoService/daemon';
import { loadEnvironment, mssTls, nodeTls } from '../../../src/ssoService/environment';
import { MssServer } from '../../../src/ssoService/mss/mssServer';
import { openStore } from '../../../src/ssoService/ssodb/openStore';
import type { SsoStore } from '../../../src/ssoService/ssodb/store';
import { TestEnvironment, waitUntil } from '../harness';

const DEAD_NODE = '127.0.0.1:1';
/** In the injected error's text only: a log line quoting it would repeat a store's message. */
const FAULT_TEXT = 'fault injected by the test';

void (async () => {
  const t = TestEnvironment.create({ syncIntervalSeconds: 1 });
  const env = loadEnvironment(t.dir);
  const real = await openStore({ kind: 'sqlite', file: t.ssodbFile });
  await real.updateGlobalInfo({ secretServer: DEAD_NODE }); // the active node that died
  const fault = { on: true, refused: 0 };
  const store = new Proxy(real, {
    get(target, key, receiver) {
      const value = Reflect.get(target, key, receiver) as unknown;
      if (typeof value !== 'function') return value;
      if ((key === 'updateGlobalInfo' || key === 'releaseLease') && fault.on) {
        return async () => {
          fault.refused++;
          throw new SsoError('ENTSSO_E_SSODB_UNREACHABLE', `The SSO database file stayed locked by another process for 5000 ms (${FAULT_TEXT}).`);
        };
      }
      return (value as (...a: unknown[]) => unknown).bind(target);
    },
  }) as SsoStore;
  const logs: string[] = [];
  keepServingAfterUnexpectedErrors((m) => logs.push(m));
  const node = new MssServer({
    vaultDir: env.paths.vault,
    environmentId: env.config.id,
    store,
    tls: mssTls(env),
    clientTls: nodeTls(env),
    host: '127.0.0.1',
    port: 0,
    lease: { ttlMs: 1000, renewMs: 200, graceMs: 200 },
    log: (m) => logs.push(m),
  });
  try {
    await node.start();
    // Two takeovers, each refused its publication and its release.
    await waitUntil(() => fault.refused >= 4, 10_000, () => logs.join('\n'));
    const roleWhileRefused = node.leadership.currentRole;
    const failedTakeoverLines = logs.filter((l) => /could not publish itself|could not give the lease up/.test(l)).length;
    await new Promise((r) => setTimeout(r, 300));
    fault.on = false; // SSODB accepts writes again
    let published = true;
    await waitUntil(async () => (await real.getGlobalInfo()).secretServer === node.name, 10_000, () => 'not published').catch(() => {
      published = false;
    });
    console.log(
      JSON.stringify({
        published,
        roleWhileRefused,
        failedTakeoverLines,
        takeovers: logs.filter((l) => /now active/.test(l)).length,
        publishFailureLine: logs.find((l) => /could not publish itself/.test(l)) ?? null,
        leakedStoreText: logs.some((l) => l.includes(FAULT_TEXT)),
        log: logs,
      }),
    );
  } finally {
    await node.close();
    await real.close();
    await t.dispose();
  }
})();
