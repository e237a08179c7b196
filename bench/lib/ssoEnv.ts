/**
 * SSO environments for the benchmarks: created with the real `ssoctl init`, seeded directly in
 * SSODB (in-process, batched transactions: seeding 100k rows through the service one request at
 * a time would take minutes), then served by the real MSS and SSO service processes
 * (lib/processes.ts, as test/integration/harness.ts does) and measured through the client library.
 *
 * Seeding goes through the store's own batched path (applyApplicationChanges) and encrypts with
 * the product's own encryptBag under the environment's master secret read from its vault, so the
 * rows are exactly what the service itself would have written.
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import type { SsoClient } from '../../src/ssoClient/client';
import { AppFlags, type ApplicationKind, type FieldDefinition } from '../../src/protocol/messages';
import { encryptBag } from '../../src/ssoService/crypto/dataCipher';
import type { MasterSecret } from '../../src/ssoService/crypto/masterSecret';
import { SecretVault } from '../../src/ssoService/crypto/secretVault';
import { openStore } from '../../src/ssoService/ssodb/openStore';
import type { ApplicationChange } from '../../src/ssoService/ssodb/store';
import { SsoEnv } from './processes';
import { now } from './stats';

export { SsoEnv };

// ---------------------------------------------------------------- realistic values

/** A BizTalk port configuration with 20 properties (WCF-Custom send port), two of them masked. */
export const PORT_FIELDS_20: FieldDefinition[] = [
  'Address', 'BindingType', 'BindingConfiguration', 'EndpointBehaviorConfiguration', 'Identity', 'UserName',
  'Password', 'ProxyAddress', 'ProxyUserName', 'ProxyPassword', 'OpenTimeout', 'CloseTimeout', 'SendTimeout',
  'MaxReceivedMessageSize', 'SecurityMode', 'MessageClientCredentialType', 'TransportClientCredentialType',
  'UseSSO', 'AffiliateApplicationName', 'StaticAction',
].map((label) => ({ label, masked: label.endsWith('Password') }));

export function portValues20(i: number): Record<string, string> {
  return {
    Address: `https://partner${i % 97}.fabrikam.example/services/orders/v2/OrderService.svc`,
    BindingType: 'wsHttpBinding',
    BindingConfiguration: `<binding name="wsHttpBinding" maxReceivedMessageSize="4194304"><security mode="TransportWithMessageCredential"><message clientCredentialType="UserName" /></security></binding>`,
    EndpointBehaviorConfiguration: '<behavior name="EndpointBehavior" />',
    Identity: '',
    UserName: `svc-orders-${i}`,
    Password: `Pw-${i}-kQ7!x2Lz`,
    ProxyAddress: 'http://proxy.contoso.example:8080',
    ProxyUserName: 'CONTOSO\\svc-proxy',
    ProxyPassword: `Proxy-${i}-9Tq`,
    OpenTimeout: '00:01:00',
    CloseTimeout: '00:01:00',
    SendTimeout: '00:05:00',
    MaxReceivedMessageSize: '4194304',
    SecurityMode: 'TransportWithMessageCredential',
    MessageClientCredentialType: 'UserName',
    TransportClientCredentialType: 'None',
    UseSSO: 'false',
    AffiliateApplicationName: '',
    StaticAction: `http://fabrikam.example/orders/Submit${i % 5}`,
  };
}

/** A small adapter configuration (SFTP / FILE ports). */
export const PORT_FIELDS_3: FieldDefinition[] = [
  { label: 'Uri', masked: false },
  { label: 'UserName', masked: false },
  { label: 'Password', masked: true },
];

export function portValues3(i: number): Record<string, string> {
  return { Uri: `sftp://partner${i % 211}.example/inbound/${i}`, UserName: `svc-sftp-${i % 1000}`, Password: `sftp-${i}-Zq8!` };
}

/** Deterministic, GUID-looking identifier (BizTalk names port configurations by GUID). */
export function guid(seed: string): string {
  const h = createHash('md5').update(seed).digest('hex').toUpperCase();
  return `{${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}}`;
}

// ---------------------------------------------------------------- datasets

export interface SpecialApp {
  name: string;
  kind: ApplicationKind;
  identifiers: number;
  wide: boolean;
}

export interface DatasetSpec {
  /** Total number of applications, specials included. */
  apps: number;
  /** Total number of identifiers (port configurations), specials included. */
  identifiers: number;
  /** Applications with a fixed number of identifiers; `wide`: 20 fields, else 3. */
  specials: SpecialApp[];
}

export interface SeededDataset {
  spec: DatasetSpec;
  secret: MasterSecret;
  /** name → identifiers (only kept for the special applications). */
  specialIdentifiers: Map<string, string[]>;
  /** A search text that matches exactly one identifier, near the end of the key order. */
  rareSearch: string;
  rareSearchHit: { application: string; identifier: string };
  generatedApps: string[];
  seedMs: number;
  rows: number;
}

function flagsFor(kind: ApplicationKind): number {
  let flags = AppFlags.allowLocal | AppFlags.enabled;
  if (kind === 'configStore') flags |= AppFlags.configStore;
  if (kind === 'adapter') flags |= AppFlags.adapter;
  return flags;
}

/** Generated applications: mostly adapters' port configurations, some config-store applications and affiliates. */
function generatedKind(i: number): ApplicationKind {
  if (i % 50 === 0) return 'affiliate';
  if (i % 10 === 0) return 'configStore';
  return 'adapter';
}

export function generatedAppName(i: number): string {
  return `Ports.${String(i).padStart(5, '0')}`;
}

/**
 * Seeds the environment's SSODB in-process, before any role runs, through the store's own
 * transaction-batched path (SsoStore.applyApplicationChanges: applications created with their
 * rows, about 20,000 rows per durable transaction), rows encrypted with encryptBag under the
 * environment's master secret read from its vault.
 */
export async function seedDirect(t: SsoEnv, spec: DatasetSpec): Promise<SeededDataset> {
  const started = now();
  const vault = await SecretVault.open(t.env.paths.vault);
  const secret = vault.current();
  const store = await openStore({ kind: 'sqlite', file: t.ssodbFile });
  const specialIdentifiers = new Map<string, string[]>();
  const generatedApps: string[] = [];
  let rows = 0;
  try {
    const changes: ApplicationChange[] = [];
    let pending = 0;
    const flush = async () => {
      if (changes.length) await store.applyApplicationChanges(changes.splice(0));
      pending = 0;
    };
    const add = async (name: string, kind: ApplicationKind, fields: FieldDefinition[], values: Array<[string, Record<string, string>]>) => {
      changes.push({
        application: name,
        create: {
          name,
          kind,
          description: `${kind === 'adapter' ? 'Port configurations' : 'Settings'} of ${name}`,
          contact: 'BizTalkAdmin@contoso.example',
          userGroup: 'BizTalk Application Users',
          adminGroup: 'SSO Administrators',
          flags: flagsFor(kind),
          fields,
        },
        rows: values.map(([identifier, v]) => ({
          op: 'put' as const,
          identifier,
          expectedTimestamp: null,
          msid: secret.msid,
          ciphertext: encryptBag(secret, name, identifier, Buffer.from(JSON.stringify(v), 'utf8')),
        })),
      });
      rows += values.length;
      pending += values.length;
      if (pending >= 20_000 || changes.length >= 2_000) await flush();
    };

    let seq = 0;
    for (const s of spec.specials) {
      const ids = Array.from({ length: s.identifiers }, (_, i) => guid(`${s.name}/${i}`));
      specialIdentifiers.set(s.name, ids);
      await add(s.name, s.kind, s.wide ? PORT_FIELDS_20 : PORT_FIELDS_3, ids.map((id) => [id, s.wide ? portValues20(++seq) : portValues3(++seq)]));
    }
    const generatedCount = spec.apps - spec.specials.length;
    const rest = Math.max(0, spec.identifiers - spec.specials.reduce((n, s) => n + s.identifiers, 0));
    for (let a = 0; a < generatedCount; a++) {
      const name = generatedAppName(a + 1);
      generatedApps.push(name);
      // Row i of the rest goes to application i mod generatedCount.
      const values: Array<[string, Record<string, string>]> = [];
      for (let i = a; i < rest; i += generatedCount) values.push([guid(`gen/${i}`), portValues3(seq + i + 1)]);
      await add(name, generatedKind(a + 1), PORT_FIELDS_3, values);
    }
    await flush();

    let rare: { application: string; identifier: string };
    if (rest > 0 && generatedCount > 0) {
      rare = { application: generatedApps[(rest - 1) % generatedCount] as string, identifier: guid(`gen/${rest - 1}`) };
    } else {
      const last = spec.specials[spec.specials.length - 1] as SpecialApp;
      const ids = specialIdentifiers.get(last.name) as string[];
      rare = { application: last.name, identifier: ids[ids.length - 1] as string };
    }
    // 8 hex digits (and a dash) from the middle of one GUID: matches that identifier only (odds of
    // another match among 100k random GUIDs are about 1 in 2,000).
    const rareSearch = rare.identifier.slice(10, 19);
    return { spec, secret, specialIdentifiers, rareSearch, rareSearchHit: rare, generatedApps, seedMs: now() - started, rows };
  } finally {
    await store.close();
  }
}

// ---------------------------------------------------------------- running roles

export interface RunningSso {
  t: SsoEnv;
  client: SsoClient;
}

/** Starts the MSS and the SSO service as separate processes and connects one client. */
export async function startSso(t: SsoEnv): Promise<RunningSso> {
  await t.startMss();
  await t.startService();
  const client = await connectWhenListening(t);
  return { t, client };
}

/** The service logs "ready" a moment before its socket accepts: retry the first connection briefly. */
export async function connectWhenListening(t: SsoEnv, options: { reconnect?: boolean } = {}, timeoutMs = 15_000): Promise<SsoClient> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await t.client({ reconnect: options.reconnect ?? true });
    } catch (err) {
      t.clients.pop()?.close();
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

export function socketPathOf(t: SsoEnv): string {
  return t.env.config.socketPath;
}

export function auditFileOf(t: SsoEnv): string {
  return join(t.dir, 'ssodb-audit.sqlite');
}
