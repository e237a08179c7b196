/**
 * The shared environment of benchmarks 2–4, 6 and 8: 100,000 port configurations across 1,000
 * applications (quick mode: 5,000 across 100), among them
 *  - WIDE_APP: 1,000 port configurations of 20 fields (a WCF-Custom send port's properties),
 *  - HUGE_APP: 10,000 port configurations (quick: 2,000) of 3 fields, for the 10,000-item tree.
 * MSS and SSO service run as separate processes; sync interval 60 s (the default).
 */
import type { SsoClient } from '../../src/ssoClient/client';
import { openStore } from '../../src/ssoService/ssodb/openStore';
import type { SsoStore } from '../../src/ssoService/ssodb/store';
import { SsoEnv, connectWhenListening, seedDirect, startSso, type SeededDataset } from './ssoEnv';
import { processMemoryMiB } from './stats';

export const WIDE_APP = 'BizTalk.WCF-Custom Send Ports';
export const HUGE_APP = 'BizTalk.SFTP Receive Locations';

export interface MainEnvironment {
  t: SsoEnv;
  ds: SeededDataset;
  client: SsoClient;
  wideIds: string[];
  hugeCount: number;
  /** More connected clients (the first `n` of a shared pool). */
  clients(n: number): Promise<SsoClient[]>;
  /** The same SSODB opened in this process (for limits measured in-process). */
  store(): Promise<SsoStore>;
  servicePid(): number;
  /** The service's resident memory right after it started, before any benchmark load (MiB). */
  serviceIdleRssMiB: number | undefined;
  dispose(): Promise<void>;
}

export async function createMainEnvironment(quick: boolean, log: (m: string) => void): Promise<MainEnvironment> {
  const t = SsoEnv.create({ syncIntervalSeconds: 60 });
  try {
    const hugeCount = quick ? 2_000 : 10_000;
    const ds = await seedDirect(t, {
      apps: quick ? 100 : 1_000,
      identifiers: quick ? 5_000 : 100_000,
      specials: [
        { name: HUGE_APP, kind: 'adapter', identifiers: hugeCount, wide: false },
        { name: WIDE_APP, kind: 'adapter', identifiers: quick ? 500 : 1_000, wide: true },
      ],
    });
    log(`  main environment: ${ds.rows} rows in ${ds.spec.apps} applications seeded in ${(ds.seedMs / 1000).toFixed(1)} s`);
    const { client } = await startSso(t);
    const servicePid = t.service?.child.pid;
    const serviceIdleRssMiB = servicePid !== undefined ? processMemoryMiB(servicePid)?.rss : undefined;
    const pool: SsoClient[] = [client];
    let store: SsoStore | undefined;
    return {
      t,
      ds,
      client,
      wideIds: ds.specialIdentifiers.get(WIDE_APP) as string[],
      hugeCount,
      async clients(n) {
        while (pool.length < n) pool.push(await connectWhenListening(t));
        return pool.slice(0, n);
      },
      async store() {
        store ??= await openStore({ kind: 'sqlite', file: t.ssodbFile });
        return store;
      },
      serviceIdleRssMiB,
      servicePid() {
        const pid = t.service?.child.pid;
        if (pid === undefined) throw new Error('the SSO service is not running');
        return pid;
      },
      async dispose() {
        await store?.close();
        await t.dispose();
      },
    };
  } catch (err) {
    await t.dispose();
    throw err;
  }
}
