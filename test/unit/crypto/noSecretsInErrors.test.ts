/**
 * Drives every failure path of the crypto modules with known secrets (master keys, the
 * vault key, passwords, decrypted values, a CA private key) and checks that no error
 * message, details object or stack carries any of them, in any usual encoding, even partially.
 */
import assert from 'node:assert/strict';
import { createCipheriv, createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { decryptBag, encryptBag, reencryptBag } from '../../../src/ssoService/crypto/dataCipher';
import { generateMasterSecret, makeMasterSecret, parseMasterSecret } from '../../../src/ssoService/crypto/masterSecret';
import { checkPasswordStrength, derivePasswordKey } from '../../../src/ssoService/crypto/passwordKdf';
import { createCa, issueClientCertificate, issueServerCertificate } from '../../../src/ssoService/crypto/pki';
import { openProtectedFile, readProtectedHeader, writeProtectedFile } from '../../../src/ssoService/crypto/protectedFile';
import { SecretVault, VAULT_FILE, VAULT_KEY_FILE } from '../../../src/ssoService/crypto/secretVault';
import { decodeSsoFile, encodeSsoFile } from '../../../src/ssoService/crypto/ssoFile';

const FAST = { N: 2 ** 14, r: 8, p: 1 };
const PASSWORD = 'Zq7#vX9!mK2$pL4w';
const WRONG_PASSWORD = 'Wj3%tY8&nB5*cR1e';
const WEAK_PASSWORDS = ['Qx7!', 'zqxjvkwpfmhb', 'P@ssw0rd2024!'];
const SECRET_VALUE = 'VALUE-Hq4%Ld8^Xe';
const secretA = generateMasterSecret();
const secretB = generateMasterSecret();
const roots: string[] = [];

after(async () => {
  await Promise.all(roots.map((dir) => fs.rm(dir, { recursive: true, force: true })));
});

interface Captured {
  label: string;
  text: string;
}

async function capture(label: string, work: () => unknown): Promise<Captured> {
  try {
    await work();
  } catch (error) {
    const e = error as Error & { details?: unknown };
    return { label, text: [e.message, String(e), e.stack ?? '', JSON.stringify(e.details ?? {})].join('\n') };
  }
  throw new Error(`${label}: expected a failure`);
}

/** Every window of `size` characters of `text` (the whole text when shorter). */
function windows(text: string, size: number): string[] {
  if (text.length <= size) return [text];
  return Array.from({ length: text.length - size + 1 }, (_, i) => text.slice(i, i + size));
}

function forms(bytes: Buffer): string[] {
  return [
    bytes.toString('hex'),
    bytes.toString('hex').toUpperCase(),
    bytes.toString('base64'),
    bytes.toString('base64url'),
    bytes.toString('utf8'),
    bytes.toString('latin1'),
  ];
}

function needles(secrets: Buffer[], texts: string[]): string[] {
  const binary = secrets.flatMap(forms).flatMap((form) => windows(form, 8));
  const textual = texts.flatMap((text) => [...forms(Buffer.from(text, 'utf8')).slice(0, 4).flatMap((f) => windows(f, 8)), ...windows(text, 5)]);
  return [...new Set([...binary, ...textual])].filter((n) => n.length >= 4 && !/^[\s\0]+$/.test(n));
}

describe('no secret in any error message', () => {
  it('holds for every failure path of the crypto modules', async () => {
    const captured: Captured[] = [];
    const add = async (label: string, work: () => unknown) => captured.push(await capture(label, work));

    // dataCipher / masterSecret
    const plaintext = Buffer.from(JSON.stringify({ Password: SECRET_VALUE }));
    const blob = encryptBag(secretA, 'App', 'id', plaintext);
    await add('bag: other secret', () => decryptBag(secretB, 'App', 'id', blob));
    await add('bag: moved application', () => decryptBag(secretA, 'Other', 'id', blob));
    await add('bag: moved identifier', () => decryptBag(secretA, 'App', 'id2', blob));
    const flipped = Buffer.from(blob);
    flipped[40] ^= 1;
    await add('bag: tampered', () => decryptBag(secretA, 'App', 'id', flipped));
    await add('bag: truncated', () => decryptBag(secretA, 'App', 'id', blob.subarray(0, 10)));
    await add('bag: version', () => decryptBag(secretA, 'App', 'id', Buffer.concat([Buffer.of(9), blob.subarray(1)])));
    await add('bag: reencrypt from wrong secret', () => reencryptBag(secretB, secretA, 'App', 'id', blob));
    await add('bag: no application', () => encryptBag(secretA, '', 'id', plaintext));
    await add('secret: bad msid', () => makeMasterSecret('not-an-msid', secretA.key, secretA.createdAt));
    await add('secret: short key', () => makeMasterSecret(secretA.msid, secretA.key.subarray(0, 31), secretA.createdAt));
    await add('secret: malformed serialised', () => parseMasterSecret({ msid: 'bad', key: secretA.key.toString('base64'), createdAt: 'x' }, 'a test'));

    // secretVault
    const base = await fs.mkdtemp(join(tmpdir(), 'entsso-nosecret-'));
    roots.push(base);
    const dir = join(base, 'mss');
    const vault = await SecretVault.create(dir, secretA);
    await vault.rotate(secretB);
    const vaultKey = await fs.readFile(join(dir, VAULT_KEY_FILE));
    const vaultFile = await fs.readFile(join(dir, VAULT_FILE));
    await add('vault: exists', () => SecretVault.create(dir, secretA));
    await add('vault: same secret', () => vault.rotate(secretB));
    await fs.writeFile(join(dir, VAULT_FILE), Buffer.concat([vaultFile.subarray(0, 50), Buffer.of(vaultFile[50] ^ 4), vaultFile.subarray(51)]));
    await add('vault: tampered', () => SecretVault.open(dir));
    await fs.writeFile(join(dir, VAULT_FILE), vaultFile.subarray(0, 20));
    await add('vault: truncated', () => SecretVault.open(dir));
    await fs.writeFile(join(dir, VAULT_FILE), vaultFile);
    await fs.writeFile(join(dir, VAULT_KEY_FILE), Buffer.alloc(32, 7), { mode: 0o600 });
    await add('vault: wrong key file', () => SecretVault.open(dir));
    await fs.writeFile(join(dir, VAULT_KEY_FILE), vaultKey.subarray(0, 31));
    await add('vault: short key file', () => SecretVault.open(dir));
    await fs.writeFile(join(dir, VAULT_KEY_FILE), vaultKey);
    if (process.platform !== 'win32') {
      await fs.chmod(join(dir, VAULT_KEY_FILE), 0o644);
      await add('vault: permissions', () => SecretVault.open(dir));
      await fs.chmod(join(dir, VAULT_KEY_FILE), 0o600);
    }
    await vault.destroy();
    await add('vault: destroyed', () => vault.current());
    await add('vault: none', () => SecretVault.open(dir));

    // protectedFile and passwordKdf
    const options = { password: PASSWORD, reminder: 'the blue one', environment: 'env', msids: [secretA.msid], kdfCost: FAST };
    const payload = { secrets: [{ key: secretA.key.toString('base64') }], note: SECRET_VALUE };
    const file = await writeProtectedFile('entsso-backup', payload, options);
    await add('file: wrong password', () => openProtectedFile(file, WRONG_PASSWORD, 'entsso-backup'));
    const body = Buffer.from(file);
    body[file.indexOf(0x0a) + 5] = body[file.indexOf(0x0a) + 5] === 0x41 ? 0x42 : 0x41;
    await add('file: tampered body', () => openProtectedFile(body, PASSWORD, 'entsso-backup'));
    await add('file: truncated', () => openProtectedFile(file.subarray(0, file.length - 6), PASSWORD, 'entsso-backup'));
    await add('file: wrong kind', () => openProtectedFile(file, PASSWORD, 'entsso-export'));
    await add('file: version', () => readProtectedHeader(Buffer.from(file.toString('latin1').replace('"version":1', '"version":7'), 'latin1')));
    await add('file: not ours', () => readProtectedHeader(Buffer.from(SECRET_VALUE)));
    await add('file: reminder holds password', () => writeProtectedFile('entsso-backup', payload, { ...options, reminder: `pw ${PASSWORD}` }));
    for (const weak of WEAK_PASSWORDS) {
      await add(`file: weak ${weak}`, () => writeProtectedFile('entsso-backup', payload, { ...options, password: weak }));
      captured.push({ label: `strength ${weak}`, text: checkPasswordStrength(weak) ?? '' });
    }
    await add('kdf: bad params', () => derivePasswordKey(PASSWORD, { name: 'scrypt', N: 3, r: 8, p: 1, salt: 'AAAAAAAAAAAAAAAAAAAAAA==' }));

    // ssoFile
    const sso = encodeSsoFile({ Password: SECRET_VALUE }, PASSWORD);
    await add('sso: wrong password', () => decodeSsoFile(sso, WRONG_PASSWORD));
    await add('sso: not base64', () => decodeSsoFile(`${SECRET_VALUE}!`, PASSWORD));
    const md5 = createHash('md5').update(PASSWORD, 'utf8').digest();
    const encrypt = (xml: string) => {
      const c = createCipheriv('des-ede-ecb', md5, null);
      return Buffer.concat([c.update(xml, 'utf8'), c.final()]).toString('base64');
    };
    await add('sso: bad xml', () => decodeSsoFile(encrypt(`<SSOApplicationExport><applicationData><add key="k" value="${SECRET_VALUE}" x="1"/>`), PASSWORD));
    await add('sso: raw ampersand', () => decodeSsoFile(encrypt(`<SSOApplicationExport><applicationData><add key="k" value="& ${SECRET_VALUE}"/></applicationData></SSOApplicationExport>`), PASSWORD));
    await add('sso: control char', () => encodeSsoFile({ k: `${SECRET_VALUE}\u0001` }, PASSWORD));

    // pki
    const ca = createCa('No Secrets CA', 2);
    const leaf = issueClientCertificate(ca, { commonName: 'leaf', validDays: 1 });
    await add('pki: key of another cert', () => issueClientCertificate({ cert: ca.cert, key: leaf.key }, { commonName: 'x', validDays: 1 }));
    await add('pki: garbage key', () => issueClientCertificate({ cert: ca.cert, key: ca.key.slice(0, 200) }, { commonName: 'x', validDays: 1 }));
    await add('pki: bad host', () => issueServerCertificate(ca, { commonName: 'x', hosts: ['no such host!'], validDays: 1 }));

    const pemBody = (pem: string) => Buffer.from(pem.replace(/-----[^-]+-----|\s/g, ''), 'base64');
    const binarySecrets = [secretA.key, secretB.key, vaultKey, md5, pemBody(ca.key), pemBody(leaf.key)];
    const textSecrets = [PASSWORD, WRONG_PASSWORD, SECRET_VALUE, ...WEAK_PASSWORDS, ca.key.replace(/-----[^-]+-----|\s/g, '')];
    const all = needles(binarySecrets, textSecrets);
    assert.ok(captured.length >= 40, `only ${captured.length} failure paths exercised`);
    // The scanner itself must catch fragments, or this test proves nothing.
    const leaks = [`x${PASSWORD.slice(4, 10)}x`, secretA.key.toString('hex').slice(10, 20), secretB.key.toString('base64').slice(3, 12), SECRET_VALUE.slice(6, 12)];
    for (const leak of leaks) assert.ok(all.some((needle) => leak.includes(needle)), `scanner misses ${leak}`);
    for (const { label, text } of captured) {
      assert.ok(text.length > 0, `${label}: empty message`);
      for (const needle of all) assert.ok(!text.includes(needle), `${label}: message contains secret material ${JSON.stringify(needle)}:\n${text}`);
    }
  });
});
