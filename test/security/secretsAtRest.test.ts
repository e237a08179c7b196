/**
 * Secrets stay secret: after a workload that writes, reveals, exports, backs up and rotates,
 * no file the SSO system wrote (SSODB with its kept versions of configurations, its audit file, the vault folder, certificates, logs,
 * temporary files) holds the master secrets or a test value in plaintext; the service's logs
 * never carry a value; no answer of the local service carries key material.
 */
import assert from 'node:assert/strict';
import { lstatSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { SecretVault } from '../../src/ssoService/crypto/secretVault';
import type { MasterSecret } from '../../src/ssoService/crypto/masterSecret';
import { TestEnvironment } from '../integration/harness';

const VALUES = ['Plain-Marker-7f3a91c2', 'Masked-Password-e81b44d0', 'Token-In-Json-55ac19be'];
const PASSWORD = 'an export and backup password 99';

/** Every encoding a careless writer might use for a value. */
function encodings(value: Buffer): Buffer[] {
  const text = value.toString('utf8');
  return [value, Buffer.from(value.toString('base64')), Buffer.from(value.toString('hex')), Buffer.from(text, 'utf16le')].filter((b) => b.length >= 8);
}

function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    // lstat: a store's lock is a symbolic link naming its owner (nothing to read), and it comes
    // and goes while the daemons run (the service moves staged audit rows in the background).
    let s: ReturnType<typeof lstatSync>;
    try {
      s = lstatSync(p);
    } catch {
      continue;
    }
    if (s.isDirectory()) out.push(...filesUnder(p));
    else if (s.isFile()) out.push(p);
  }
  return out;
}

describe('secrets stay secret', () => {
  let t: TestEnvironment;
  const secrets: MasterSecret[] = [];
  const tmpBefore = new Set(readdirSync(tmpdir()));

  before(async () => {
    t = await TestEnvironment.started({ syncIntervalSeconds: 1 });
    const c = await t.client();
    secrets.push((await SecretVault.open(t.env.paths.vault)).current());
    await c.request('apps.create', { name: 'Secrets.App', kind: 'configStore', fields: [{ label: 'Plain', masked: false }, { label: 'Password', masked: true }, { label: 'Json', masked: false }] });
    await c.request('config.set', { application: 'Secrets.App', identifier: 'ConfigProperties', fields: { Plain: VALUES[0]!, Password: VALUES[1]!, Json: JSON.stringify({ token: VALUES[2] }) }, expectedTimestamp: null });
    await c.request('config.get', { application: 'Secrets.App', identifier: 'ConfigProperties', reveal: true });
    // History: a save keeps the version it replaced (values above), which is then revealed.
    const live = await c.request('config.get', { application: 'Secrets.App', identifier: 'ConfigProperties' });
    await c.request('config.set', { application: 'Secrets.App', identifier: 'ConfigProperties', fields: { Plain: 'replaced' }, expectedTimestamp: live.timestamp });
    await c.request('history.get', { application: 'Secrets.App', identifier: 'ConfigProperties', version: 1, reveal: true });
    // Exports and backups are written by the caller (encrypted); the system must not leave copies.
    await c.request('apps.export', { names: ['Secrets.App'], format: 'entsso', password: PASSWORD });
    await c.request('apps.export', { names: ['Secrets.App'], format: 'sso', password: PASSWORD });
    await c.request('secret.backup', { password: PASSWORD, reminder: 'test' });
    const prepared = await c.request('secret.prepareGenerate', { password: PASSWORD, reminder: 'rotation' });
    await c.request('secret.commitGenerate', { newMsid: prepared.newMsid });
    for (let i = 0; i < 100 && (await c.request('status', {})).state !== 'ready'; i++) await new Promise((r) => setTimeout(r, 100));
    secrets.push((await SecretVault.open(t.env.paths.vault)).current());
    // Failures on the way write their own log lines: a wrong password, an unknown field.
    await c.request('secret.verify', { file: Buffer.from('not a backup').toString('base64'), password: PASSWORD }).catch(() => undefined);
    await c.request('config.set', { application: 'Secrets.App', identifier: 'ConfigProperties', fields: { Nope: VALUES[0]! }, expectedTimestamp: null }).catch(() => undefined);
  });
  after(async () => t.dispose());

  function needles(): Array<{ what: string; bytes: Buffer }> {
    const list: Array<{ what: string; bytes: Buffer }> = [];
    for (const s of secrets) for (const b of encodings(s.key)) list.push({ what: `master secret ${s.msid}`, bytes: b });
    for (const v of [...VALUES, PASSWORD]) for (const b of encodings(Buffer.from(v, 'utf8'))) list.push({ what: `value "${v.slice(0, 6)}…"`, bytes: b });
    return list;
  }

  test('no file of the environment holds a master secret or a value in plaintext', () => {
    const files = filesUnder(t.dir);
    assert.ok(files.some((f) => f.endsWith('ssodb.sqlite')) && files.some((f) => f.includes('audit')), 'SSODB and its audit file are scanned');
    for (const file of files) {
      const content = readFileSync(file);
      for (const n of needles()) assert.equal(content.indexOf(n.bytes), -1, `${file} contains ${n.what}`);
    }
  });

  test('the logs of the MSS and the service never carry a value or a secret', () => {
    const logs = Buffer.from([...(t.mss?.log ?? []), ...(t.service?.log ?? [])].join('\n'));
    assert.ok(logs.length > 0);
    for (const n of needles()) assert.equal(logs.indexOf(n.bytes), -1, `a log line contains ${n.what}`);
  });

  test('no temporary file left behind holds a secret', () => {
    const created = readdirSync(tmpdir()).filter((name) => !tmpBefore.has(name) && !t.dir.includes(name));
    for (const name of created) {
      const p = join(tmpdir(), name);
      let files: string[];
      try {
        files = statSync(p).isDirectory() ? filesUnder(p) : [p];
      } catch {
        continue; // gone meanwhile (another test's)
      }
      for (const file of files) {
        let content: Buffer;
        try {
          content = readFileSync(file);
        } catch {
          continue;
        }
        for (const n of needles()) assert.equal(content.indexOf(n.bytes), -1, `${file} contains ${n.what}`);
      }
    }
  });

  test('no answer of the local service carries key material', async () => {
    const c = await t.client();
    const answers = JSON.stringify([
      await c.request('status', {}),
      await c.request('health', {}),
      await c.request('secret.info', {}),
      await c.request('mss.nodes', {}),
      await c.request('apps.get', { name: 'Secrets.App' }),
      await c.request('audit.list', { limit: 100 }),
    ]);
    for (const s of secrets) for (const b of encodings(s.key)) assert.ok(!answers.includes(b.toString('latin1')), `key material of ${s.msid} in an answer`);
    for (const v of VALUES) assert.ok(!answers.includes(v), 'a value in a metadata answer or the audit');
  });
});
