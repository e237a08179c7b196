import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it, mock } from 'node:test';
import { SsoError } from '../../../src/protocol/errors';
import { generateMasterSecret, sameMasterSecret } from '../../../src/ssoService/crypto/masterSecret';
import { isNoVaultError, SecretVault, VAULT_FILE, VAULT_KEY_FILE, vaultFailureReason } from '../../../src/ssoService/crypto/secretVault';

const POSIX = process.platform !== 'win32';
const roots: string[] = [];

async function tempDir(): Promise<string> {
  const dir = await fs.mkdtemp(join(tmpdir(), 'entsso-vault-'));
  roots.push(dir);
  return join(dir, 'mss');
}

after(async () => {
  await Promise.all(roots.map((dir) => fs.rm(dir, { recursive: true, force: true })));
});

async function rejectsSso(promise: Promise<unknown>, code: string, reason?: string): Promise<SsoError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof SsoError, `expected SsoError, got ${String(error)}`);
    assert.equal(error.code, code, error.message);
    if (reason) assert.equal(vaultFailureReason(error), reason, error.message);
    return error;
  }
  assert.fail('expected an error');
}

describe('SecretVault', () => {
  it('creates a vault (folder 0700, files 0600) and opens it again', async () => {
    const dir = await tempDir();
    const initial = generateMasterSecret();
    const vault = await SecretVault.create(dir, initial);
    assert.ok(sameMasterSecret(vault.current(), initial));
    assert.equal(vault.previous(), undefined);
    if (POSIX) {
      assert.equal((await fs.stat(dir)).mode & 0o777, 0o700);
      assert.equal((await fs.stat(join(dir, VAULT_KEY_FILE))).mode & 0o777, 0o600);
      assert.equal((await fs.stat(join(dir, VAULT_FILE))).mode & 0o777, 0o600);
    }
    assert.equal((await fs.readFile(join(dir, VAULT_KEY_FILE))).length, 32);
    const reopened = await SecretVault.open(dir);
    assert.ok(sameMasterSecret(reopened.current(), initial));
    assert.equal(reopened.current().createdAt, initial.createdAt);
    assert.ok(await SecretVault.exists(dir));
  });

  it('does not hold the secret in clear on disk', async () => {
    const dir = await tempDir();
    const initial = generateMasterSecret();
    await SecretVault.create(dir, initial);
    const file = await fs.readFile(join(dir, VAULT_FILE));
    for (const needle of [initial.key, Buffer.from(initial.key.toString('base64')), Buffer.from(initial.key.toString('hex'))]) {
      assert.equal(file.indexOf(needle), -1);
    }
  });

  it('refuses to create over an existing vault', async () => {
    const dir = await tempDir();
    await SecretVault.create(dir, generateMasterSecret());
    await rejectsSso(SecretVault.create(dir, generateMasterSecret()), 'ENTSSO_E_INVALID_REQUEST', 'vault-exists');
  });

  it('rotates current → previous, durably, and restores with replace', async () => {
    const dir = await tempDir();
    const first = generateMasterSecret();
    const second = generateMasterSecret();
    const third = generateMasterSecret();
    const vault = await SecretVault.create(dir, first);
    await vault.rotate(second);
    assert.ok(sameMasterSecret(vault.current(), second));
    assert.ok(sameMasterSecret(vault.previous()!, first));
    await vault.rotate(third);
    let reopened = await SecretVault.open(dir);
    assert.ok(sameMasterSecret(reopened.current(), third));
    assert.ok(sameMasterSecret(reopened.previous()!, second));
    await assert.rejects(vault.rotate(third), (e: SsoError) => e.code === 'ENTSSO_E_INVALID_REQUEST');
    await vault.replace({ current: first });
    reopened = await SecretVault.open(dir);
    assert.ok(sameMasterSecret(reopened.current(), first));
    assert.equal(reopened.previous(), undefined);
  });

  it('hands out copies: wiping one does not damage the vault', async () => {
    const dir = await tempDir();
    const initial = generateMasterSecret();
    const vault = await SecretVault.create(dir, initial);
    vault.current().key.fill(0);
    assert.ok(sameMasterSecret(vault.current(), initial));
  });

  it('serialises concurrent rotations', async () => {
    const dir = await tempDir();
    const vault = await SecretVault.create(dir, generateMasterSecret());
    const a = generateMasterSecret();
    const b = generateMasterSecret();
    await Promise.all([vault.rotate(a), vault.rotate(b)]);
    const reopened = await SecretVault.open(dir);
    assert.ok(sameMasterSecret(reopened.current(), b));
    assert.ok(sameMasterSecret(reopened.previous()!, a));
  });

  it('tells "no vault here" from a damaged one', async () => {
    const empty = await tempDir();
    const noVault = await rejectsSso(SecretVault.open(empty), 'ENTSSO_E_NO_SECRET', 'no-vault');
    assert.ok(isNoVaultError(noVault));
    assert.equal(await SecretVault.exists(empty), false);

    const dir = await tempDir();
    await SecretVault.create(dir, generateMasterSecret());
    await fs.rm(join(dir, VAULT_FILE));
    const missing = await rejectsSso(SecretVault.open(dir), 'ENTSSO_E_BAD_FILE', 'missing-vault-file');
    assert.ok(!isNoVaultError(missing));

    const dir2 = await tempDir();
    await SecretVault.create(dir2, generateMasterSecret());
    await fs.rm(join(dir2, VAULT_KEY_FILE));
    await rejectsSso(SecretVault.open(dir2), 'ENTSSO_E_BAD_FILE', 'missing-key-file');
  });

  it('detects a flip of any single bit of the vault file', async () => {
    const dir = await tempDir();
    await SecretVault.create(dir, generateMasterSecret());
    const path = join(dir, VAULT_FILE);
    const original = await fs.readFile(path);
    for (let bit = 0; bit < original.length * 8; bit++) {
      const tampered = Buffer.from(original);
      tampered[bit >> 3] ^= 1 << (bit & 7);
      await fs.writeFile(path, tampered);
      const error = await SecretVault.open(dir).then(
        () => assert.fail(`bit ${bit} flipped without error`),
        (e: unknown) => e,
      );
      assert.ok(error instanceof SsoError && ['ENTSSO_E_BAD_FILE', 'ENTSSO_E_UNSUPPORTED_VERSION'].includes(error.code), `bit ${bit}`);
    }
    await fs.writeFile(path, original);
    await SecretVault.open(dir);
  });

  it('refuses a vault opened with another key file, and a truncated vault', async () => {
    const dir = await tempDir();
    const other = await tempDir();
    await SecretVault.create(dir, generateMasterSecret());
    await SecretVault.create(other, generateMasterSecret());
    await fs.copyFile(join(other, VAULT_KEY_FILE), join(dir, VAULT_KEY_FILE));
    await rejectsSso(SecretVault.open(dir), 'ENTSSO_E_BAD_FILE', 'corrupt');
    const file = await fs.readFile(join(other, VAULT_FILE));
    await fs.writeFile(join(other, VAULT_FILE), file.subarray(0, file.length - 7));
    await rejectsSso(SecretVault.open(other), 'ENTSSO_E_BAD_FILE', 'corrupt');
    await fs.writeFile(join(other, VAULT_FILE), Buffer.alloc(0));
    await rejectsSso(SecretVault.open(other), 'ENTSSO_E_BAD_FILE', 'corrupt');
  });

  it('refuses a key file that group or others can access (POSIX)', { skip: !POSIX }, async () => {
    const dir = await tempDir();
    await SecretVault.create(dir, generateMasterSecret());
    const keyFile = join(dir, VAULT_KEY_FILE);
    for (const mode of [0o644, 0o640, 0o604, 0o660]) {
      await fs.chmod(keyFile, mode);
      const error = await rejectsSso(SecretVault.open(dir), 'ENTSSO_E_ACCESS_DENIED', 'insecure-permissions');
      assert.match(error.message, /chmod 600/);
      assert.ok(error.message.includes(mode.toString(8)));
    }
    await fs.chmod(keyFile, 0o400);
    await SecretVault.open(dir);
  });

  it('refuses a vault folder that group or others can write (POSIX)', { skip: !POSIX }, async () => {
    const dir = await tempDir();
    await SecretVault.create(dir, generateMasterSecret());
    for (const mode of [0o777, 0o770, 0o702]) {
      await fs.chmod(dir, mode);
      const error = await rejectsSso(SecretVault.open(dir), 'ENTSSO_E_ACCESS_DENIED', 'insecure-permissions');
      assert.match(error.message, /chmod 700/);
    }
    await fs.chmod(dir, 0o755); // readable is fine: the files inside are 0600
    await SecretVault.open(dir);
  });

  it('ignores a leftover temporary file from a crash mid-write', async () => {
    const dir = await tempDir();
    const initial = generateMasterSecret();
    const vault = await SecretVault.create(dir, initial);
    // What a crash between "write temp" and "rename" leaves: a half-written temp file.
    await fs.writeFile(join(dir, `${VAULT_FILE}.tmp-999-abcdef`), Buffer.from('ENTSSO-VAULT\u0001half'), { mode: 0o600 });
    const reopened = await SecretVault.open(dir);
    assert.ok(sameMasterSecret(reopened.current(), initial));
    await vault.rotate(generateMasterSecret()); // and later writes still work
    await SecretVault.open(dir);
  });

  it('leaves no temporary files behind after writes', async () => {
    const dir = await tempDir();
    const vault = await SecretVault.create(dir, generateMasterSecret());
    await vault.rotate(generateMasterSecret());
    await vault.rotate(generateMasterSecret());
    assert.deepEqual((await fs.readdir(dir)).sort(), [VAULT_KEY_FILE, VAULT_FILE].sort());
  });

  it('keeps the old vault, in memory and on disk, when a write fails mid-way', async () => {
    const dir = await tempDir();
    const initial = generateMasterSecret();
    const vault = await SecretVault.create(dir, initial);
    const before = await fs.readFile(join(dir, VAULT_FILE));
    // Simulate a failure after the temp file is written, before it replaces the vault.
    const rename = mock.method(fs, 'rename', async () => {
      throw Object.assign(new Error('no space left on device'), { code: 'ENOSPC' });
    });
    try {
      await rejectsSso(vault.rotate(generateMasterSecret()), 'ENTSSO_E_INTERNAL');
    } finally {
      rename.mock.restore();
    }
    assert.ok(sameMasterSecret(vault.current(), initial), 'memory unchanged after a failed write');
    assert.equal(vault.previous(), undefined);
    assert.deepEqual(await fs.readFile(join(dir, VAULT_FILE)), before);
    assert.deepEqual((await fs.readdir(dir)).sort(), [VAULT_KEY_FILE, VAULT_FILE].sort(), 'temp file cleaned up');
    assert.ok(sameMasterSecret((await SecretVault.open(dir)).current(), initial));
  });

  it('destroy removes both files and the vault stops serving secrets', async () => {
    const dir = await tempDir();
    const vault = await SecretVault.create(dir, generateMasterSecret());
    await vault.destroy();
    assert.deepEqual(await fs.readdir(dir), []);
    assert.throws(() => vault.current(), (e: SsoError) => e.code === 'ENTSSO_E_NO_SECRET');
    await rejectsSso(SecretVault.open(dir), 'ENTSSO_E_NO_SECRET', 'no-vault');
  });
});
