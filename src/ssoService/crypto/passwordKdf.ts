/**
 * Password-based key derivation for master secret backups and application exports:
 * scrypt from Node's built-in crypto (no native module, runs on Electron's Node too).
 *
 * The cost parameters travel in each file's header, so they can be raised later without
 * breaking old files. Defaults follow OWASP's Password Storage Cheat Sheet for scrypt:
 * N = 2^17, r = 8, p = 1 (128 MiB of memory per derivation).
 */
import { hkdfSync, randomBytes, scrypt } from 'node:crypto';
import { SsoError } from '../../protocol/errors';

export interface ScryptCost {
  N: number;
  r: number;
  p: number;
}

/** As recorded in a file header. */
export interface ScryptParams extends ScryptCost {
  name: 'scrypt';
  /** Base64 of 16 random bytes. */
  salt: string;
}

export const DEFAULT_SCRYPT_COST: Readonly<ScryptCost> = Object.freeze({ N: 2 ** 17, r: 8, p: 1 });
const DERIVED_KEY_BYTES = 32;
const SALT_BYTES = 16;

/**
 * Bounds for parameters read from a file (which anyone can edit): low enough that a
 * doctored header cannot make us allocate gigabytes or spin for minutes, high enough to
 * leave room for raising the defaults. The lower N bound also applies when writing.
 */
export const SCRYPT_LIMITS = Object.freeze({ minN: 2 ** 14, maxN: 2 ** 20, maxR: 32, maxP: 16, maxMemoryBytes: 1024 ** 3 });

export function newScryptParams(cost: ScryptCost = DEFAULT_SCRYPT_COST): ScryptParams {
  const params: ScryptParams = { name: 'scrypt', N: cost.N, r: cost.r, p: cost.p, salt: randomBytes(SALT_BYTES).toString('base64') };
  const problem = scryptParamsProblem(params);
  if (problem) {
    throw new SsoError('ENTSSO_E_INVALID_REQUEST', `The key derivation settings are not allowed: ${problem}.`);
  }
  return params;
}

/** A human reason why `params` cannot be used, or undefined when they are acceptable. */
export function scryptParamsProblem(params: unknown): string | undefined {
  const p = params as Partial<ScryptParams> | null;
  if (!p || typeof p !== 'object' || p.name !== 'scrypt') return 'only scrypt is supported';
  if (!isPowerOfTwo(p.N) || p.N < SCRYPT_LIMITS.minN || p.N > SCRYPT_LIMITS.maxN) {
    return `N must be a power of two between 2^14 and 2^20`;
  }
  if (!Number.isSafeInteger(p.r) || p.r! < 1 || p.r! > SCRYPT_LIMITS.maxR) return 'r must be between 1 and 32';
  if (!Number.isSafeInteger(p.p) || p.p! < 1 || p.p! > SCRYPT_LIMITS.maxP) return 'p must be between 1 and 16';
  if (scryptMemoryBytes(p as ScryptCost) > SCRYPT_LIMITS.maxMemoryBytes) return 'N, r and p together need more than 1 GiB of memory';
  if (typeof p.salt !== 'string' || Buffer.from(p.salt, 'base64').length < SALT_BYTES) return 'the salt is missing or too short';
  return undefined;
}

/**
 * Derives a 32-byte key. Passwords are NFC-normalised first so that the same password
 * typed on macOS (which may produce decomposed accents) and on Windows gives the same key.
 */
export async function derivePasswordKey(password: string, params: ScryptParams): Promise<Buffer> {
  const problem = scryptParamsProblem(params);
  if (problem) throw new SsoError('ENTSSO_E_BAD_FILE', `The file's key derivation settings are not supported: ${problem}.`);
  const release = await KDF_MEMORY.acquire(scryptMemoryBytes(params));
  try {
    return await runScrypt(password, params);
  } finally {
    release();
  }
}

async function runScrypt(password: string, params: ScryptParams): Promise<Buffer> {
  const passwordBytes = Buffer.from(password.normalize('NFC'), 'utf8');
  const salt = Buffer.from(params.salt, 'base64');
  // Node refuses scrypt when 128*N*r exceeds maxmem (default 32 MiB); N = 2^17 needs 128 MiB.
  const maxmem = scryptMemoryBytes(params) + 32 * 1024 * 1024;
  try {
    return await new Promise<Buffer>((resolve, reject) => {
      scrypt(passwordBytes, salt, DERIVED_KEY_BYTES, { N: params.N, r: params.r, p: params.p, maxmem }, (error, key) =>
        error ? reject(error) : resolve(key),
      );
    });
  } catch (error) {
    // Node's scrypt errors are about parameters or memory, never the password; keep only the kind.
    const kind = (error as NodeJS.ErrnoException).code ?? 'unknown error';
    throw new SsoError('ENTSSO_E_INTERNAL', `The password key could not be derived (${kind}).`);
  } finally {
    passwordBytes.fill(0);
  }
}

// ---------------------------------------------------------------- memory bound per process

/**
 * Every derivation of a process goes through one memory budget. Each file header may ask for
 * up to 1 GiB (SCRYPT_LIMITS), as designed; without a shared bound, a handful of crafted
 * files opened at once (imports, verifies, restores from several clients) would add up to
 * gigabytes. Derivations run while their memory fits the budget, the others wait in a short
 * queue in arrival order (a large one is never overtaken for ever); past the queue the caller
 * is told to retry, instead of the process holding an unbounded list of waiting requests.
 */
export class KdfMemoryGate {
  private inUseBytes = 0;
  private readonly waiting: { bytes: number; grant: (release: () => void) => void }[] = [];

  constructor(
    readonly budgetBytes: number,
    readonly maxWaiting: number,
  ) {}

  /** Resolves with the function that gives the memory back, once `bytes` fit the budget. */
  acquire(bytes: number): Promise<() => void> {
    const needed = Math.min(bytes, this.budgetBytes);
    if (this.waiting.length === 0 && this.inUseBytes + needed <= this.budgetBytes) return Promise.resolve(this.take(needed));
    if (this.waiting.length >= this.maxWaiting) {
      return Promise.reject(
        new SsoError('ENTSSO_E_BUSY', 'Too many password-protected files are being opened at once by the SSO service. Try again in a few seconds.', {
          reason: 'kdf-queue-full',
        }),
      );
    }
    return new Promise((grant) => this.waiting.push({ bytes: needed, grant }));
  }

  get stats(): { inUseBytes: number; waiting: number } {
    return { inUseBytes: this.inUseBytes, waiting: this.waiting.length };
  }

  private take(bytes: number): () => void {
    this.inUseBytes += bytes;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.inUseBytes -= bytes;
      this.grantWaiting();
    };
  }

  private grantWaiting(): void {
    while (this.waiting.length > 0 && this.inUseBytes + this.waiting[0]!.bytes <= this.budgetBytes) {
      const next = this.waiting.shift()!;
      next.grant(this.take(next.bytes));
    }
  }
}

/**
 * The process's gate: 1 GiB, the most one file may ask for, so eight derivations at the default
 * cost (128 MiB) run side by side, and one at the maximum runs alone; 16 more may wait.
 */
const KDF_MEMORY = new KdfMemoryGate(SCRYPT_LIMITS.maxMemoryBytes, 16);

/** Independent sub-keys from one derived key (HKDF-SHA256), one per purpose. */
export function subKey(derivedKey: Buffer, purpose: string): Buffer {
  return Buffer.from(hkdfSync('sha256', derivedKey, Buffer.alloc(0), `entsso ${purpose}`, 32));
}

function scryptMemoryBytes(cost: ScryptCost): number {
  return 128 * cost.N * cost.r * cost.p;
}

function isPowerOfTwo(n: unknown): n is number {
  return Number.isSafeInteger(n) && (n as number) > 1 && ((n as number) & ((n as number) - 1)) === 0;
}

// ---------------------------------------------------------------- password strength
// The rule lives in src/protocol so that the extension checks a new password as it is typed,
// with the very rule the service and the master secret server apply.
export { checkPasswordStrength, MIN_PASSWORD_LENGTH, PASSPHRASE_LENGTH } from '../../protocol/passwordStrength';
