/**
 * Bad input, fuzzed (seeded fast-check): backup and export files, `.sso` files, configuration
 * documents from the editor, application and field names. Every case ends in a typed, clear
 * error (or a correct result); nothing crashes, hangs, or leaks the input into a message.
 *
 * Short seeded runs in `npm test`; SSO_FUZZ_RUNS=10000 for the long run.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import { SsoError } from '../../src/protocol/errors';
import { MASK_PLACEHOLDER, validateConfigText, type DocumentSchema } from '../../src/model/configDocument';
import { openProtectedFile, readProtectedHeader, writeProtectedFile } from '../../src/ssoService/crypto/protectedFile';
import { decodeSsoFile, encodeSsoFile } from '../../src/ssoService/crypto/ssoFile';
import { checkNewName } from '../../src/ssoService/rpc/validate';
import { openStore } from '../../src/ssoService/ssodb/openStore';
import type { SsoStore } from '../../src/ssoService/ssodb/store';

const RUNS = Number(process.env.SSO_FUZZ_RUNS ?? 200);
const SEED = Number(process.env.SSO_FUZZ_SEED ?? 20261127);
/** Opening a protected file runs scrypt; the fuzz uses the lowest cost the format accepts. */
const FAST_KDF = { N: 2 ** 14, r: 8, p: 1 };
const PASSWORD = 'fuzzing password 4711 long';

/** A mutation of a byte string: truncation, a flipped bit, an overwritten range, an insertion. */
const mutation = fc.oneof(
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ kind: fc.constant('overwrite' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 16 }) }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 16 }) }),
);

type Mutation = { kind: 'truncate' | 'flip' | 'overwrite' | 'insert'; at: number; bit?: number; bytes?: Uint8Array };

function mutate(input: Buffer, m: Mutation): Buffer {
  const at = input.length === 0 ? 0 : m.at % input.length;
  switch (m.kind) {
    case 'truncate':
      return input.subarray(0, at);
    case 'flip': {
      const out = Buffer.from(input);
      out[at] = (out[at] ?? 0) ^ (1 << (m.bit ?? 0));
      return out;
    }
    case 'overwrite': {
      const out = Buffer.from(input);
      Buffer.from(m.bytes ?? []).copy(out, at);
      return out;
    }
    default:
      return Buffer.concat([input.subarray(0, at), Buffer.from(m.bytes ?? []), input.subarray(at)]);
  }
}

function isTypedError(err: unknown, codes: string[]): boolean {
  return err instanceof SsoError && codes.includes(err.code) && err.message.length > 0;
}

describe(`input fuzzing (${RUNS} cases per target, seed ${SEED})`, () => {
  test('mutated backup files: a typed error or the original content, never anything else', async () => {
    const secretish = 'payload-secret-0123456789';
    const original = await writeProtectedFile('entsso-backup', { secrets: [{ note: secretish }] }, { password: PASSWORD, reminder: 'hint', environment: 'env-1', msids: ['{0A1B2C3D-0000-4000-8000-000000000001}'], kdfCost: FAST_KDF });
    let opened = 0;
    await fc.assert(
      fc.asyncProperty(mutation, fc.boolean(), async (m, wrongPassword) => {
        const input = mutate(original, m);
        try {
          const r = await openProtectedFile<{ secrets: Array<{ note: string }> }>(input, wrongPassword ? PASSWORD + 'x' : PASSWORD, 'entsso-backup');
          assert.equal(r.payload.secrets[0]?.note, secretish, 'a file that opens holds exactly what was written');
          opened++;
        } catch (err) {
          assert.ok(isTypedError(err, ['ENTSSO_E_BAD_FILE', 'ENTSSO_E_BAD_PASSWORD', 'ENTSSO_E_UNSUPPORTED_VERSION']), `untyped error: ${String(err)}`);
          assert.ok(!(err as Error).message.includes(secretish) && !(err as Error).message.includes(PASSWORD));
        }
      }),
      { numRuns: RUNS, seed: SEED },
    );
    assert.ok(opened < RUNS, 'most mutations are refused');
  });

  test('headers of another version or kind are refused with their reason', async () => {
    const original = await writeProtectedFile('entsso-export', { applications: [] }, { password: PASSWORD, reminder: '', environment: 'env-1', kdfCost: FAST_KDF });
    const text = original.toString('utf8');
    const newline = text.indexOf('\n');
    const header = JSON.parse(text.slice(0, newline));
    const future = Buffer.from(JSON.stringify({ ...header, version: 99 }) + text.slice(newline));
    await assert.rejects(openProtectedFile(future, PASSWORD, 'entsso-export'), (e: unknown) => e instanceof SsoError && /99/.test(e.message));
    await assert.rejects(openProtectedFile(original, PASSWORD, 'entsso-backup'), (e: unknown) => isTypedError(e, ['ENTSSO_E_BAD_FILE']));
    assert.throws(() => readProtectedHeader(Buffer.from('{"format":"entsso-backup"')), (e: unknown) => isTypedError(e, ['ENTSSO_E_BAD_FILE']));
  });

  test('mutated and random .sso files: a typed error or a well-formed key/value set', () => {
    const original = Buffer.from(encodeSsoFile({ ServerName: 'sftp.example', Password: 'sso-secret-value-42', 'A<&>"\'': 'x' }, PASSWORD), 'utf8');
    fc.assert(
      fc.property(fc.oneof(mutation.map((m) => mutate(original, m).toString('latin1')), fc.string({ maxLength: 300 }), fc.base64String({ maxLength: 400 })), fc.boolean(), (text, wrong) => {
        try {
          const entries = decodeSsoFile(text, wrong ? 'other password' : PASSWORD);
          for (const [k, v] of Object.entries(entries)) assert.ok(typeof k === 'string' && typeof v === 'string');
        } catch (err) {
          assert.ok(isTypedError(err, ['ENTSSO_E_BAD_FILE', 'ENTSSO_E_BAD_PASSWORD']), `untyped error: ${String(err)}`);
          assert.ok(!(err as Error).message.includes('sso-secret-value-42'));
        }
      }),
      { numRuns: RUNS * 5, seed: SEED },
    );
  });

  test('configuration documents from the editor: valid ones give their values, anything else problems that never quote a value', () => {
    const schema: DocumentSchema = { application: 'App', identifier: 'Id', fields: ['Address', 'Password', '0'], masked: ['Password'] };
    const secretValue = 'doc-secret-value-987';
    const documents = fc.oneof(
      fc.string({ maxLength: 200 }),
      fc.json(),
      fc.dictionary(fc.constantFrom('Address', 'Password', '0', 'Unknown', '__proto__', 'constructor'), fc.oneof(fc.string(), fc.integer(), fc.constant(null), fc.constant(secretValue))).map((o) => JSON.stringify(o, null, 2)),
      fc.record({ Address: fc.string(), Password: fc.constantFrom(MASK_PLACEHOLDER, secretValue, ''), 0: fc.string() }).map((o) => JSON.stringify(o)),
    );
    fc.assert(
      fc.property(documents, (text) => {
        const r = validateConfigText(text, schema);
        if (r.ok) {
          assert.deepEqual(Object.keys(r.values).sort(), [...schema.fields].sort());
          for (const v of Object.values(r.values)) assert.equal(typeof v, 'string');
        } else {
          assert.ok(r.problems.length > 0);
          for (const p of r.problems) {
            assert.ok(p.start >= 0 && p.end >= p.start && p.end <= text.length + 1, 'problem positions are inside the text');
            assert.ok(!p.message.includes(secretValue), 'a problem message quotes a value');
          }
        }
      }),
      { numRuns: RUNS * 5, seed: SEED },
    );
  });

  describe('application and field names against the embedded SSODB', () => {
    let dir: string;
    let store: SsoStore;
    before(async () => {
      dir = mkdtempSync(join(tmpdir(), 'sso-fuzz-names-'));
      store = await openStore({ kind: 'sqlite', file: join(dir, 'ssodb.sqlite') });
    });
    after(async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    });

    test('any name is either refused as invalid or stored and found again exactly', async () => {
      const names = fc.oneof(
        fc.string({ maxLength: 40 }),
        fc.string({ unit: 'grapheme', maxLength: 20 }),
        fc.constantFrom("O'Brien", 'x; DROP TABLE SSOX_ApplicationInfo; --', '100%_done', 'back\\slash', '', ' ', 'x'.repeat(257), 'tab\there', '𝔘𝔫𝔦𝔠𝔬𝔡𝔢', '$ConfigStore$'),
      );
      let n = 0;
      await fc.assert(
        fc.asyncProperty(names, names, async (rawAppName, rawFieldName) => {
          let valid = true;
          let appName = rawAppName;
          let fieldName = rawFieldName;
          try {
            // The rule for new names, as the service applies it (normalised to NFC first).
            appName = checkNewName(rawAppName, 'Application name');
            fieldName = checkNewName(rawFieldName, 'Field label');
          } catch (err) {
            valid = false;
            assert.ok(isTypedError(err, ['ENTSSO_E_INVALID_REQUEST']));
          }
          if (!valid) return;
          const name = `${appName}#${n++}`;
          try {
            await store.createApplication({ name, description: '', contact: '', userGroup: 'u', adminGroup: 'a', flags: 2, kind: 'configStore', fields: [{ label: fieldName, masked: false }] });
          } catch (err) {
            // The store's own limits (e.g. a name too long once suffixed) are typed refusals too.
            assert.ok(isTypedError(err, ['ENTSSO_E_INVALID_REQUEST']), `untyped store error: ${String(err)}`);
            return;
          }
          const found = await store.getApplication(name);
          assert.equal(found?.name, name);
          assert.equal(found?.fields[0]?.label, fieldName);
          assert.ok((await store.listApplications({ filter: appName, limit: 1000 })).some((a) => a.name === name), 'found by substring filter, metacharacters literal');
        }),
        { numRuns: RUNS, seed: SEED },
      );
    });
  });
});
