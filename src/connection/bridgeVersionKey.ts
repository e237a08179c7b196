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

const KEY_BYTES = 32;

function storageKey(environment: string): string {
  return `entsso.bridgeVersionKey.${environment.toLowerCase()}`;
}

function isKey(value: string | undefined): value is string {
  return value !== undefined && /^[A-Za-z0-9+/]{43}=$/.test(value);
}

/** The environment's row-version key (base64 of 32 random bytes), created and kept on first use. */
export async function bridgeVersionKey(secrets: KeyStore, environment: string): Promise<string> {
  const kept = await secrets.get(storageKey(environment));
  if (isKey(kept)) return kept;
  await secrets.store(storageKey(environment), randomBytes(KEY_BYTES).toString('base64'));
  // Read back: when two windows create one at the same moment, both use the one that was kept.
  const stored = await secrets.get(storageKey(environment));
  if (!isKey(stored)) throw new Error('the row-version key was not kept by SecretStorage');
  return stored;
}
