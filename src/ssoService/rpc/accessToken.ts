/**
 * The environment's access token as the service holds it: only a digest in memory, the token
 * itself in an owner-only file. Rotation replaces it at once with a new random token written
 * to that file (0600, atomically: a reader never sees half a token). The digests of a few
 * rotated-away tokens are kept, with the time, so that a client still presenting one is told
 * that the token was rotated, not merely that it is wrong.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { chmodSync, closeSync, fsyncSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';

/** Rotated-away tokens remembered (per process): enough to explain, small enough to stay bounded. */
const REMEMBERED_ROTATIONS = 8;

export class AccessToken {
  private digest: Buffer;
  private readonly rotatedAway = new Map<string, string>();

  constructor(readonly file: string) {
    this.digest = digestOf(readTokenFile(file));
  }

  matches(token: string): boolean {
    return timingSafeEqual(digestOf(token), this.digest);
  }

  /** When `token` was rotated away by this process (or seen replaced in the file), if it was. */
  rotatedAt(token: string): string | undefined {
    return this.rotatedAway.get(digestOf(token).toString('hex'));
  }

  /** A new random token, written to the file before it takes effect; returns the time of rotation. */
  rotate(): string {
    const token = newToken();
    writeTokenFile(this.file, token);
    return this.replaceDigest(digestOf(token));
  }

  /** Takes the file's token when someone else replaced it (another service, ssoctl with no service running). */
  adoptFileIfChanged(): boolean {
    let fileDigest: Buffer;
    try {
      fileDigest = digestOf(readTokenFile(this.file));
    } catch {
      return false; // a missing or unreadable file keeps the token in force rather than locking everyone out
    }
    if (timingSafeEqual(fileDigest, this.digest)) return false;
    this.replaceDigest(fileDigest);
    return true;
  }

  private replaceDigest(next: Buffer): string {
    const at = new Date().toISOString();
    this.rotatedAway.set(this.digest.toString('hex'), at);
    while (this.rotatedAway.size > REMEMBERED_ROTATIONS) this.rotatedAway.delete(this.rotatedAway.keys().next().value as string);
    this.digest = next;
    return at;
  }
}

/** Writes an owner-only token file atomically: a temporary file (0600 from creation), synced, renamed over. */
export function writeTokenFile(file: string, token: string): void {
  const temporary = `${file}.${randomBytes(6).toString('hex')}.tmp`;
  const fd = openSync(temporary, 'wx', 0o600);
  try {
    writeSync(fd, token);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    chmodSync(temporary, 0o600);
    renameSync(temporary, file);
  } catch (err) {
    try {
      unlinkSync(temporary);
    } catch {
      // already gone
    }
    throw err;
  }
}

export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

function readTokenFile(file: string): string {
  return readFileSync(file, 'utf8').trim();
}

function digestOf(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}
