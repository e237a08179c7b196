/**
 * Review 5, finding 5: a .sso file was decrypted (node-forge 3DES, about 0.8 s for the 3 MB a file
 * may be) in one go on the service's event loop, before the wrong-password check: every other
 * request of every client (BizTalk lookups included) waited that long. Now a wrong password is
 * refused after the first block, and the rest is decrypted in slices with the event loop free
 * between them. Real processes: an SSO environment; one client plans .sso imports, another asks
 * `status` meanwhile, with the times printed (informative: no test is timed); what is asserted is
 * counted, not timed: how many turns of the event loop the decryption leaves to others.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { MAX_TRANSFER_FILE_BYTES } from '../../src/protocol/messages';
import type { SsoClient } from '../../src/ssoClient/client';
import { SsoError } from '../../src/protocol/errors';
import { decodeSsoFileInSlices, encodeSsoFile } from '../../src/ssoService/crypto/ssoFile';
import { TestEnvironment } from '../integration/harness';

const PASSWORD = 'the .sso password 2026';
const PLANS = 4;

/** Bytes that look random but are the same at every run (the first block must fail the check for the wrong password). */
function pseudoRandom(length: number): Buffer {
  const out = Buffer.alloc(length);
  for (let at = 0, n = 0; at < length; at += 32, n++) createHash('sha256').update(`block ${n}`).digest().copy(out, at);
  return out;
}

/** A valid .sso file of about `bytes` bytes (Base64), one large value. */
function largeSsoFile(bytes: number): string {
  const value = 'v'.repeat(Math.floor((bytes * 3) / 4) - 200);
  return Buffer.from(encodeSsoFile(Object.assign(Object.create(null), { Url: 'u', Big: value }), PASSWORD), 'ascii').toString('base64');
}

/** How many turns of the event loop other work got while `work` ran (0: it held the loop throughout). */
async function turnsLeftToOthers(work: () => Promise<unknown>): Promise<number> {
  let turns = 0;
  let done = false;
  const count = (): void => {
    if (done) return;
    turns++;
    setImmediate(count);
  };
  setImmediate(count);
  await work().catch(() => undefined);
  done = true;
  return turns;
}

async function slowestStatusWhile(bystander: SsoClient, work: Promise<unknown>): Promise<number> {
  let done = false;
  void work.finally(() => (done = true));
  let worst = 0;
  let asked = 0;
  while (!done || asked < 5) {
    const started = performance.now();
    await bystander.request('status', {});
    worst = Math.max(worst, performance.now() - started);
    asked++;
    await new Promise((r) => setTimeout(r, 20));
  }
  return worst;
}

describe('a large .sso file and the other clients', () => {
  let t: TestEnvironment;
  let planner: SsoClient;
  let bystander: SsoClient;
  before(async () => {
    t = await TestEnvironment.started();
    planner = await t.client({ requestTimeoutMs: 120_000 });
    bystander = await t.client();
  });
  after(async () => t?.dispose());

  test('a wrong password on a 3 MB file is refused without decrypting it', async () => {
    // A .sso file is Base64 text of the ciphertext: 2,200,000 bytes of it make a 2.9 MB file.
    const ssoText = pseudoRandom(2_200_000).toString('base64');
    assert.ok(ssoText.length <= MAX_TRANSFER_FILE_BYTES);
    const file = Buffer.from(ssoText, 'ascii').toString('base64');
    const started = performance.now();
    const err = await planner.request('apps.planImport', { file, format: 'sso', name: 'X', password: 'a wrong guess', mode: 'add' }).then(() => undefined, (e: unknown) => e);
    const ms = performance.now() - started;
    process.stderr.write(`[sso slices] wrong password on a ${(ssoText.length / 1e6).toFixed(1)} MB .sso file refused in ${ms.toFixed(0)} ms\n`);
    assert.ok(err instanceof SsoError && err.code === 'ENTSSO_E_BAD_PASSWORD', String(err));
    // Decrypting the whole file takes one turn per 16 KiB slice (about 130 here); the first block, none.
    const turns = await turnsLeftToOthers(() => decodeSsoFileInSlices(ssoText, 'a wrong guess'));
    assert.ok(turns <= 1, `the wrong password was refused after ${turns} turns of the event loop: the file was decrypted first`);
  });

  test(`other requests are served while ${PLANS} plans of a valid 3 MB .sso file run`, async () => {
    const file = largeSsoFile(2_900_000);
    const plans = Promise.all(Array.from({ length: PLANS }, () => planner.request('apps.planImport', { file, format: 'sso', name: 'Big.App', password: PASSWORD, mode: 'add' }).catch((e: unknown) => e)));
    const started = performance.now();
    const worst = await slowestStatusWhile(bystander, plans);
    const results = await plans;
    process.stderr.write(`[sso slices] slowest status answer while ${PLANS} plans of a ${((file.length * 3) / 4 / 1e6).toFixed(1)} MB .sso file ran: ${worst.toFixed(0)} ms (plans took ${(performance.now() - started).toFixed(0)} ms)\n`);
    // The value is longer than a field may be: refused, but only once the whole file was decrypted and read.
    for (const r of results) assert.ok(r instanceof SsoError && r.code === 'ENTSSO_E_BAD_FILE' && /longer than/.test(r.message), String(r));
    // The same decryption in this process: it must leave the event loop to others between its slices.
    const ssoText = Buffer.from(file, 'base64').toString('ascii');
    const turns = await turnsLeftToOthers(() => decodeSsoFileInSlices(ssoText, PASSWORD));
    assert.ok(turns >= 100, `decrypting a ${(ssoText.length / 1e6).toFixed(1)} MB .sso file left only ${turns} turns of the event loop to other requests`);
  });
});
