/**
 * How the master secret server keeps its secrets at rest, in one folder (mode 0700):
 *
 *   master.key     32 random bytes (mode 0600): the key that encrypts the vault
 *   secrets.vault  magic | version | IV | GCM tag | AES-256-GCM(JSON {current, previous})
 *
 * Splitting key and vault means a copy of the vault alone (a backup of the folder's data,
 * a log attachment) reveals nothing. Every open checks (on POSIX) that no one but the owner
 * can read the key file or write the folder.
 *
 * Every write of the vault is atomic: a temporary file in the same folder (mode 0600) is
 * written and fsynced, renamed over the vault, and the folder is fsynced, so a crash leaves
 * either the old vault or the new one, never half of one. A leftover temporary file from
 * a crash is ignored by `open`.
 */
import { createCipheriv, createDecipheriv, randomBytes, randomFillSync } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { SsoError } from '../../protocol/errors';
import {
  MASTER_KEY_BYTES,
  parseMasterSecret,
  serializeMasterSecret,
  wipeMasterSecret,
  makeMasterSecret,
  type MasterSecret,
} from './masterSecret';
import { syncFolder, writeNewPrivateFile, writePrivateFile } from '../../platform/privateFiles';

export const VAULT_KEY_FILE = 'master.key';
export const VAULT_FILE = 'secrets.vault';
const MAGIC = Buffer.from('ENTSSO-VAULT', 'ascii');
const VAULT_VERSION = 1;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const HEADER_BYTES = MAGIC.length + 1 + IV_BYTES + TAG_BYTES;
const IS_POSIX = process.platform !== 'win32';

/** `SsoError.details.reason` of vault errors, for callers that must tell them apart. */
type VaultFailureReason =
  | 'no-vault'
  | 'vault-exists'
  | 'missing-key-file'
  | 'missing-vault-file'
  | 'insecure-permissions'
  | 'corrupt'
  | 'unsupported-version'
  | 'destroyed';

export function vaultFailureReason(error: unknown): VaultFailureReason | undefined {
  return error instanceof SsoError ? (error.details.reason as VaultFailureReason | undefined) : undefined;
}

/** True when `error` says there is simply no vault in the folder (a first start, not damage). */
export function isNoVaultError(error: unknown): boolean {
  return vaultFailureReason(error) === 'no-vault';
}

interface VaultContents {
  current: MasterSecret;
  previous?: MasterSecret;
}

export class SecretVault {
  private contents: VaultContents | undefined;
  /** Serialises writes so that two rotations never interleave. */
  private writing: Promise<unknown> = Promise.resolve();

  private constructor(
    readonly dir: string,
    private readonly key: Buffer,
    contents: VaultContents,
  ) {
    this.contents = contents;
  }

  /** Creates a new vault in `dir` (created 0700 when missing) holding `initial`; refuses to overwrite one. */
  static async create(dir: string, initial: MasterSecret): Promise<SecretVault> {
    await withFsErrors(`create the master secret vault folder ${dir}`, () => fs.mkdir(dir, { recursive: true, mode: 0o700 }));
    await checkFolderPermissions(dir); // fail now rather than at the next start
    const presence = await vaultPresence(dir);
    if (presence.key || presence.vault) {
      throw vaultError('ENTSSO_E_INVALID_REQUEST', 'vault-exists', `A master secret vault already exists in ${dir}; it was left untouched.`);
    }
    const key = randomFillSync(Buffer.alloc(MASTER_KEY_BYTES));
    const vault = new SecretVault(dir, key, { current: copySecret(initial) });
    try {
      await withFsErrors(`create the master secret key file in ${dir}`, () => writeNewPrivateFile(join(dir, VAULT_KEY_FILE), key));
      await vault.persist(vault.contents!);
    } catch (error) {
      // Half a vault (a key file alone) would make the next start fail as "damaged".
      await fs.rm(join(dir, VAULT_KEY_FILE), { force: true }).catch(() => undefined);
      key.fill(0);
      throw error;
    }
    return vault;
  }

  static async open(dir: string): Promise<SecretVault> {
    const presence = await vaultPresence(dir);
    if (!presence.key && !presence.vault) {
      throw vaultError('ENTSSO_E_NO_SECRET', 'no-vault', `There is no master secret vault in ${dir}. Create the environment first (ssoctl init) or restore a backup.`);
    }
    if (!presence.key) {
      throw vaultError('ENTSSO_E_BAD_FILE', 'missing-key-file', `The master secret vault in ${dir} has lost its key file (${VAULT_KEY_FILE}); restore the master secret from a backup.`);
    }
    if (!presence.vault) {
      throw vaultError('ENTSSO_E_BAD_FILE', 'missing-vault-file', `The master secret vault in ${dir} has a key file but no vault file (${VAULT_FILE}); restore the master secret from a backup.`);
    }
    await checkFolderPermissions(dir);
    const key = await readKeyFile(join(dir, VAULT_KEY_FILE));
    try {
      const file = await withFsErrors(`read the master secret vault in ${dir}`, () => fs.readFile(join(dir, VAULT_FILE)));
      const contents = decodeVault(key, file, dir);
      return new SecretVault(dir, key, contents);
    } catch (error) {
      key.fill(0);
      throw error;
    }
  }

  /** Whether `dir` holds a vault (or part of one). */
  static async exists(dir: string): Promise<boolean> {
    const presence = await vaultPresence(dir);
    return presence.key || presence.vault;
  }

  /** A copy the caller owns (the vault wipes its own copies when they are replaced). */
  current(): MasterSecret {
    return copySecret(this.live().current);
  }

  previous(): MasterSecret | undefined {
    const previous = this.live().previous;
    return previous ? copySecret(previous) : undefined;
  }

  /** Makes `newSecret` current and the current one previous; the older previous is dropped. */
  async rotate(newSecret: MasterSecret): Promise<void> {
    await this.update((contents) => {
      if (newSecret.msid === contents.current.msid) {
        throw new SsoError('ENTSSO_E_INVALID_REQUEST', `Master secret ${newSecret.msid} is already the current secret.`);
      }
      return { current: copySecret(newSecret), previous: contents.current };
    });
  }

  /** Replaces both secrets, e.g. when restoring a backup. */
  async replace(secrets: { current: MasterSecret; previous?: MasterSecret }): Promise<void> {
    if (secrets.previous && secrets.previous.msid === secrets.current.msid) {
      throw new SsoError('ENTSSO_E_INVALID_REQUEST', 'The current and previous master secrets must differ.');
    }
    await this.update(() => ({
      current: copySecret(secrets.current),
      previous: secrets.previous ? copySecret(secrets.previous) : undefined,
    }));
  }

  /** Deletes the vault and its key file and wipes the secrets held in memory. */
  async destroy(): Promise<void> {
    await this.serialised(async () => {
      const contents = this.live();
      await withFsErrors(`delete the master secret vault in ${this.dir}`, async () => {
        await fs.rm(join(this.dir, VAULT_FILE), { force: true });
        await fs.rm(join(this.dir, VAULT_KEY_FILE), { force: true });
        await syncFolder(this.dir);
      });
      wipeMasterSecret(contents.current);
      wipeMasterSecret(contents.previous);
      this.key.fill(0);
      this.contents = undefined;
    });
  }

  private async update(next: (contents: VaultContents) => VaultContents): Promise<void> {
    await this.serialised(async () => {
      const old = this.live();
      const updated = next(old);
      const dropped = (from: VaultContents, kept: VaultContents) =>
        [from.current, from.previous].filter((s) => s && s !== kept.current && s !== kept.previous);
      try {
        await this.persist(updated);
      } catch (error) {
        dropped(updated, old).forEach(wipeMasterSecret);
        throw error;
      }
      // Memory changes only once the new vault is on disk. Callers only ever got copies,
      // so the secrets this vault no longer holds can be wiped.
      this.contents = updated;
      dropped(old, updated).forEach(wipeMasterSecret);
    });
  }

  private serialised<T>(work: () => Promise<T>): Promise<T> {
    const run = this.writing.then(work, work);
    this.writing = run.catch(() => undefined);
    return run;
  }

  private async persist(contents: VaultContents): Promise<void> {
    const file = encodeVault(this.key, contents);
    await withFsErrors(`write the master secret vault in ${this.dir}`, () => writePrivateFile(join(this.dir, VAULT_FILE), file));
  }

  private live(): VaultContents {
    if (!this.contents) {
      throw vaultError('ENTSSO_E_NO_SECRET', 'destroyed', `The master secret vault in ${this.dir} has been destroyed.`);
    }
    return this.contents;
  }
}

// ---------------------------------------------------------------- format

function encodeVault(key: Buffer, contents: VaultContents): Buffer {
  const header = Buffer.concat([MAGIC, Buffer.of(VAULT_VERSION)]);
  const iv = randomBytes(IV_BYTES);
  const plaintext = Buffer.from(
    JSON.stringify({
      current: serializeMasterSecret(contents.current),
      previous: contents.previous ? serializeMasterSecret(contents.previous) : null,
    }),
    'utf8',
  );
  try {
    const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(header);
    const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    return Buffer.concat([header, iv, cipher.getAuthTag(), body]);
  } finally {
    plaintext.fill(0);
  }
}

function decodeVault(key: Buffer, file: Buffer, dir: string): VaultContents {
  const corrupt = (what: string) =>
    vaultError('ENTSSO_E_BAD_FILE', 'corrupt', `The master secret vault in ${dir} is ${what}; restore the master secret from a backup.`);
  if (file.length < HEADER_BYTES || !file.subarray(0, MAGIC.length).equals(MAGIC)) throw corrupt('damaged or not a vault file');
  const version = file[MAGIC.length];
  if (version !== VAULT_VERSION) {
    throw vaultError('ENTSSO_E_UNSUPPORTED_VERSION', 'unsupported-version', `The master secret vault in ${dir} has format version ${version}, which this version cannot read. Upgrade the SSO service.`);
  }
  const ivStart = MAGIC.length + 1;
  const decipher = createDecipheriv('aes-256-gcm', key, file.subarray(ivStart, ivStart + IV_BYTES), { authTagLength: TAG_BYTES });
  decipher.setAAD(file.subarray(0, ivStart));
  decipher.setAuthTag(file.subarray(ivStart + IV_BYTES, HEADER_BYTES));
  const parts = [decipher.update(file.subarray(HEADER_BYTES))];
  try {
    parts.push(decipher.final());
  } catch {
    parts.forEach((p) => p.fill(0));
    throw corrupt('damaged, was altered, or does not belong to its key file');
  }
  const plaintext = Buffer.concat(parts);
  parts.forEach((p) => p.fill(0));
  try {
    return parseContents(plaintext, dir);
  } catch (error) {
    throw error instanceof SsoError && error.code !== 'ENTSSO_E_BAD_FILE' ? error : corrupt('unreadable');
  } finally {
    plaintext.fill(0);
  }
}

function parseContents(plaintext: Buffer, dir: string): VaultContents {
  const raw = JSON.parse(plaintext.toString('utf8')) as { current?: unknown; previous?: unknown };
  const what = `the vault in ${dir}`;
  const current = parseMasterSecret(raw.current, what);
  const previous = raw.previous === null || raw.previous === undefined ? undefined : parseMasterSecret(raw.previous, what);
  return { current, previous };
}

function copySecret(secret: MasterSecret): MasterSecret {
  return makeMasterSecret(secret.msid, secret.key, secret.createdAt);
}

// ---------------------------------------------------------------- files

async function vaultPresence(dir: string): Promise<{ key: boolean; vault: boolean }> {
  const [key, vault] = await Promise.all([isFile(join(dir, VAULT_KEY_FILE)), isFile(join(dir, VAULT_FILE))]);
  return { key, vault };
}

async function isFile(path: string): Promise<boolean> {
  try {
    await fs.lstat(path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}

/**
 * Whoever can write the folder can swap key file and vault for ones they made, and so choose
 * the master secret that every SSO service then encrypts with. Refuse that as firmly as a
 * readable key file.
 */
async function checkFolderPermissions(dir: string): Promise<void> {
  if (!IS_POSIX) return;
  const stat = await withFsErrors(`read the master secret vault folder ${dir}`, () => fs.stat(dir));
  refuseOthersAccess(
    stat.mode,
    0o022,
    (mode) =>
      `The master secret vault folder ${dir} can be written by other users (mode ${mode}). ` +
      `Only its owner may change it: run "chmod 700 ${dir}", then start again.`,
  );
}

/** Throws `refusal(mode)` when `mode` has any of the `forbidden` bits (access by others than the owner). */
function refuseOthersAccess(mode: number, forbidden: number, refusal: (octalMode: string) => string): void {
  if (!IS_POSIX || (mode & forbidden) === 0) return;
  const octalMode = (mode & 0o777).toString(8).padStart(4, '0');
  throw vaultError('ENTSSO_E_ACCESS_DENIED', 'insecure-permissions', refusal(octalMode));
}

async function readKeyFile(path: string): Promise<Buffer> {
  const stat = await withFsErrors(`read the master secret key file ${path}`, () => fs.lstat(path));
  if (!stat.isFile()) {
    throw vaultError('ENTSSO_E_BAD_FILE', 'corrupt', `The master secret key file ${path} is not a regular file.`);
  }
  refuseOthersAccess(
    stat.mode,
    0o077,
    (mode) =>
      `The master secret key file ${path} can be accessed by other users (mode ${mode}). ` +
      `Only its owner may read it: run "chmod 600 ${path}", then start again.`,
  );
  const key = await withFsErrors(`read the master secret key file ${path}`, () => fs.readFile(path));
  if (key.length !== MASTER_KEY_BYTES) {
    key.fill(0);
    throw vaultError('ENTSSO_E_BAD_FILE', 'corrupt', `The master secret key file ${path} is damaged (wrong size); restore the master secret from a backup.`);
  }
  return key;
}

/** Turns file system failures into typed errors that say what we were doing. */
async function withFsErrors<T>(action: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof SsoError) throw error;
    const code = (error as NodeJS.ErrnoException).code ?? 'unknown error';
    const denied = code === 'EACCES' || code === 'EPERM';
    throw new SsoError(denied ? 'ENTSSO_E_ACCESS_DENIED' : 'ENTSSO_E_INTERNAL', `Could not ${action} (${code}).`, { reason: 'io', errno: code });
  }
}

function vaultError(code: 'ENTSSO_E_NO_SECRET' | 'ENTSSO_E_BAD_FILE' | 'ENTSSO_E_ACCESS_DENIED' | 'ENTSSO_E_INVALID_REQUEST' | 'ENTSSO_E_UNSUPPORTED_VERSION', reason: VaultFailureReason, message: string): SsoError {
  return new SsoError(code, message, { reason });
}
