/**
 * The key entsso-bridge.exe hashes its row versions with (ENTSSO keeps none: a version is a keyed
 * hash of the stored values). A key of its own per bridge process made every restart (a crash, a
 * reload, "Retry") turn every open document into a false "changed by someone else" conflict, so
 * the extension keeps one per environment in SecretStorage (the OS keychain, shared by this
 * user's VS Code windows) and gives it to each bridge in `hello`. Never logged; the bridge does
 * not echo it. A secret because a version could otherwise be used to test guesses of a masked
 * value offline. No `vscode` import: unit-tested with node:test.
 */
import { randomBytes } from 'node:crypto';

/** What of vscode.SecretStorage this needs. */
interface KeyStore {
  get(key: string): PromiseLike<string | undefined>;
  store(key: string, value: string): PromiseLike<void>;
}

interface KeyRemover {
  delete(key: string): PromiseLike<void>;
}

const KEY_BYTES = 32;

function storageKey(environment: string): string {
  return `entsso.bridgeVersionKey.${environment.toLowerCase()}`;
}

function isKey(value: string | undefined): value is string {
  return value !== undefined && /^[A-Za-z0-9+/]{43}=$/.test(value);
}

/**
 * How long a window that just created the key waits before it reads it back a second time. SecretStorage
 * has no compare-and-set: when two windows create a key at the same moment, window A can store and read
 * back its own before window B's store lands (B then reads back B's); read again a little later, both see
 * the one SecretStorage kept. A store slower than this still leaves A with its own key until A's next
 * bridge start, which then turns A's open documents into one false "changed by someone else" conflict
 * each: rare (two windows' first use of an environment at once), and never a lost value.
 */
const SETTLE_MS = 500;

/** The environment's row-version key (base64 of 32 random bytes), created and kept on first use. */
export async function bridgeVersionKey(secrets: KeyStore, environment: string, settleMs = SETTLE_MS): Promise<string> {
  const kept = await secrets.get(storageKey(environment));
  if (isKey(kept)) return kept;
  await secrets.store(storageKey(environment), randomBytes(KEY_BYTES).toString('base64'));
  await new Promise((resolve) => setTimeout(resolve, settleMs));
  const stored = await secrets.get(storageKey(environment));
  if (!isKey(stored)) throw new Error('the row-version key was not kept by SecretStorage');
  return stored;
}

/** Removes an environment's row-version key (with its token, when the environment is removed): nothing of it stays in the keychain. */
export async function forgetBridgeVersionKey(secrets: KeyRemover, environment: string): Promise<void> {
  await secrets.delete(storageKey(environment));
}
