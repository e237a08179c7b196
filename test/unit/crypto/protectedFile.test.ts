import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SsoError } from '../../../src/protocol/errors';
import { generateMasterSecret, serializeMasterSecret } from '../../../src/ssoService/crypto/masterSecret';
import {
  openProtectedFile,
  readableHeaderText,
  readProtectedHeader,
  writeProtectedFile,
  type ProtectedFileOptions,
} from '../../../src/ssoService/crypto/protectedFile';

/** Tests use the lowest allowed cost (N = 2^14) except where the default itself is under test. */
const FAST = { N: 2 ** 14, r: 8, p: 1 };
const PASSWORD = 'kP9#vX2!mQ7$-backup';
const secret = generateMasterSecret();
const backupOptions: ProtectedFileOptions = {
  password: PASSWORD,
  reminder: 'the usual one, with the team suffix',
  environment: 'env-1234',
  msids: [secret.msid],
  kdfCost: FAST,
};
const backupPayload = { secrets: [serializeMasterSecret(secret)] };

async function rejectsSso(promise: Promise<unknown>, code: string, reason?: string): Promise<SsoError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof SsoError, `expected SsoError, got ${String(error)}`);
    assert.equal(error.code, code, error.message);
    if (reason) assert.equal(error.details.reason, reason, error.message);
    return error;
  }
  assert.fail('expected an error');
}

function throwsSso(fn: () => unknown, code: string, reason?: string): SsoError {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof SsoError, `expected SsoError, got ${String(error)}`);
    assert.equal(error.code, code, error.message);
    if (reason) assert.equal(error.details.reason, reason, error.message);
    return error;
  }
  assert.fail('expected an error');
}

/** Replaces one header field's JSON text and returns the edited file. */
function editHeader(file: Buffer, edit: (header: string) => string): Buffer {
  const newline = file.indexOf(0x0a);
  return Buffer.concat([Buffer.from(edit(file.subarray(0, newline).toString('utf8'))), file.subarray(newline)]);
}

describe('protected files (backups and exports)', () => {
  it('round-trips a backup at the default (OWASP) cost, with a readable one-line header', async () => {
    const { kdfCost: _ignored, ...defaults } = backupOptions;
    const file = await writeProtectedFile('entsso-backup', backupPayload, defaults);
    const text = file.toString('utf8');
    const [headerLine, body, rest] = text.split('\n');
    assert.equal(rest, '');
    assert.match(body, /^[A-Za-z0-9+/]+=*$/);
    const header = JSON.parse(headerLine);
    assert.equal(header.format, 'entsso-backup');
    assert.equal(header.version, 1);
    assert.equal(header.environment, 'env-1234');
    assert.deepEqual(header.msids, [secret.msid]);
    assert.equal(header.reminder, backupOptions.reminder);
    assert.deepEqual({ name: header.kdf.name, N: header.kdf.N, r: header.kdf.r, p: header.kdf.p }, { name: 'scrypt', N: 2 ** 17, r: 8, p: 1 });
    assert.equal(header.cipher, 'aes-256-gcm');
    assert.ok(!text.includes(secret.key.toString('base64')) && !text.includes(PASSWORD));
    const opened = await openProtectedFile(file, PASSWORD, 'entsso-backup');
    assert.deepEqual(opened.payload, backupPayload);
    assert.deepEqual(opened.header, header);
  });

  it('round-trips an export (no MSIDs) and shows the reminder without a password', async () => {
    const file = await writeProtectedFile('entsso-export', { application: 'MyApp', values: { a: 'b' } }, {
      password: PASSWORD,
      reminder: 'ask Jo',
      environment: 'env-1234',
      kdfCost: FAST,
    });
    const header = readProtectedHeader(file);
    assert.equal(header.reminder, 'ask Jo');
    assert.equal(header.msids, undefined);
    assert.deepEqual((await openProtectedFile(file, PASSWORD, 'entsso-export')).payload, { application: 'MyApp', values: { a: 'b' } });
  });

  it('tells a wrong password (BAD_PASSWORD) apart from a tampered body (BAD_FILE)', async () => {
    const file = await writeProtectedFile('entsso-backup', backupPayload, backupOptions);
    await rejectsSso(openProtectedFile(file, PASSWORD + 'x', 'entsso-backup'), 'ENTSSO_E_BAD_PASSWORD', 'wrong-password');
    await rejectsSso(openProtectedFile(file, '', 'entsso-backup'), 'ENTSSO_E_BAD_PASSWORD');
    const tampered = Buffer.from(file);
    const bodyStart = file.indexOf(0x0a) + 1;
    const at = bodyStart + 10;
    tampered[at] = tampered[at] === 0x41 ? 0x42 : 0x41; // still Base64, different ciphertext
    await rejectsSso(openProtectedFile(tampered, PASSWORD, 'entsso-backup'), 'ENTSSO_E_BAD_FILE', 'tampered');
  });

  it('detects any change to the header, e.g. the reminder, the environment or the MSIDs', async () => {
    const file = await writeProtectedFile('entsso-backup', backupPayload, backupOptions);
    const edits: Array<(h: string) => string> = [
      (h) => h.replace('the usual one', 'the Usual one'),
      (h) => h.replace('env-1234', 'env-1235'),
      (h) => h.replace(/"created":"[^"]+"/, '"created":"2001-01-01T00:00:00.000Z"'),
      (h) => h.replace(secret.msid, generateMasterSecret().msid),
      (h) => h.replace('{', '{"extra":1,'),
    ];
    for (const edit of edits) {
      await rejectsSso(openProtectedFile(editHeader(file, edit), PASSWORD, 'entsso-backup'), 'ENTSSO_E_BAD_FILE', 'tampered');
    }
  });

  it('gives a typed error for a single flipped bit anywhere (sampled positions)', async () => {
    const file = await writeProtectedFile('entsso-backup', backupPayload, backupOptions);
    const bits = file.length * 8;
    // Deterministic sample: every header byte boundary region and the body, ~60 flips.
    const positions = Array.from({ length: 60 }, (_, i) => Math.floor(((i * 7919) % 1000) / 1000 * bits));
    positions.push(bits - 1, bits - 8, 0, file.indexOf(0x0a) * 8);
    for (const bit of positions) {
      const tampered = Buffer.from(file);
      tampered[bit >> 3] ^= 1 << (bit & 7);
      try {
        await openProtectedFile(tampered, PASSWORD, 'entsso-backup');
        assert.fail(`bit ${bit} flipped without error`);
      } catch (error) {
        assert.ok(error instanceof SsoError, `bit ${bit}: ${String(error)}`);
        assert.ok(['ENTSSO_E_BAD_FILE', 'ENTSSO_E_BAD_PASSWORD'].includes(error.code), `bit ${bit}: ${error.code}`);
        if (bit >= (file.indexOf(0x0a) + 1) * 8) assert.equal(error.code, 'ENTSSO_E_BAD_FILE', `body bit ${bit}`);
      }
    }
  });

  it('reports a truncated file as truncated (BAD_FILE), before any key derivation', async () => {
    const file = await writeProtectedFile('entsso-backup', backupPayload, backupOptions);
    const newline = file.indexOf(0x0a);
    for (const length of [newline - 5, newline + 1, newline + 3, file.length - 10, file.length - 5, file.length - 2]) {
      const started = Date.now();
      await rejectsSso(openProtectedFile(file.subarray(0, length), PASSWORD, 'entsso-backup'), 'ENTSSO_E_BAD_FILE', 'truncated');
      if (length <= newline + 3) assert.ok(Date.now() - started < 40, 'cheap checks come first');
    }
    // Only the final newline lost: the content is intact, so the file still opens.
    assert.deepEqual((await openProtectedFile(file.subarray(0, file.length - 1), PASSWORD, 'entsso-backup')).payload, backupPayload);
  });

  it('tolerates CRLF line ends (a Windows copy)', async () => {
    const file = await writeProtectedFile('entsso-backup', backupPayload, backupOptions);
    const crlf = Buffer.from(file.toString('latin1').replace(/\n/g, '\r\n'), 'latin1');
    assert.deepEqual((await openProtectedFile(crlf, PASSWORD, 'entsso-backup')).payload, backupPayload);
  });

  it('names an unknown version and says to upgrade', async () => {
    const file = await writeProtectedFile('entsso-backup', backupPayload, backupOptions);
    const v2 = editHeader(file, (h) => h.replace('"version":1', '"version":2'));
    const error = throwsSso(() => readProtectedHeader(v2), 'ENTSSO_E_BAD_FILE', 'unsupported-version');
    assert.match(error.message, /version 2/);
    assert.match(error.message, /[Uu]pgrade/);
    await rejectsSso(openProtectedFile(v2, PASSWORD, 'entsso-backup'), 'ENTSSO_E_BAD_FILE', 'unsupported-version');
  });

  it('refuses other files and the wrong kind', async () => {
    for (const other of ['', 'hello\nworld\n', '{"format":"zip"}\nAAAA\n', '\u0000\u0001binary', '<?xml version="1.0"?>\n<a/>']) {
      throwsSso(() => readProtectedHeader(Buffer.from(other)), 'ENTSSO_E_BAD_FILE');
    }
    const file = await writeProtectedFile('entsso-backup', backupPayload, backupOptions);
    const error = await rejectsSso(openProtectedFile(file, PASSWORD, 'entsso-export'), 'ENTSSO_E_BAD_FILE', 'wrong-kind');
    assert.match(error.message, /master secret backup/);
  });

  it('refuses weak passwords, a reminder that holds the password, and backups without MSIDs', async () => {
    await rejectsSso(writeProtectedFile('entsso-backup', backupPayload, { ...backupOptions, password: 'short' }), 'ENTSSO_E_BAD_PASSWORD', 'weak-password');
    await rejectsSso(writeProtectedFile('entsso-backup', backupPayload, { ...backupOptions, password: '' }), 'ENTSSO_E_BAD_PASSWORD', 'weak-password');
    await rejectsSso(writeProtectedFile('entsso-backup', backupPayload, { ...backupOptions, password: 'P@ssw0rd2024!' }), 'ENTSSO_E_BAD_PASSWORD', 'weak-password');
    await rejectsSso(writeProtectedFile('entsso-backup', backupPayload, { ...backupOptions, reminder: `it is ${PASSWORD.toUpperCase()}` }), 'ENTSSO_E_INVALID_REQUEST');
    await rejectsSso(writeProtectedFile('entsso-backup', backupPayload, { ...backupOptions, msids: [] }), 'ENTSSO_E_INVALID_REQUEST');
    await rejectsSso(writeProtectedFile('entsso-export', {}, { ...backupOptions }), 'ENTSSO_E_INVALID_REQUEST');
    await rejectsSso(writeProtectedFile('entsso-backup', backupPayload, { ...backupOptions, kdfCost: { N: 2 ** 10, r: 8, p: 1 } }), 'ENTSSO_E_INVALID_REQUEST');
  });

  it('refuses a header whose cost parameters would exhaust memory, without deriving', async () => {
    const file = await writeProtectedFile('entsso-backup', backupPayload, backupOptions);
    const greedy = editHeader(file, (h) => h.replace('"N":16384', `"N":${2 ** 30}`));
    await rejectsSso(openProtectedFile(greedy, PASSWORD, 'entsso-backup'), 'ENTSSO_E_BAD_FILE', 'tampered');
  });
});

describe('readableHeaderText (header texts shown before the password)', () => {
  it('escapes C0/C1 controls, DEL, bidi and zero-width characters, line separators and lone surrogates', () => {
    assert.equal(readableHeaderText('a\x1b[2Jb\nc\x7f\x9bd', 200), 'a\\u001b[2Jb\\u000ac\\u007f\\u009bd');
    assert.equal(readableHeaderText('x\u202Ey\u200Bz\u2028\uD800', 200), 'x\\u202ey\\u200bz\\u2028\\ud800');
    assert.equal(readableHeaderText('Café – 東京 ✓', 200), 'Café – 東京 ✓', 'printable text is kept as is');
  });

  it('cuts to the given number of characters (not UTF-16 units), marked with an ellipsis', () => {
    assert.equal(readableHeaderText('😀'.repeat(5), 3), '😀😀😀…');
    assert.equal(readableHeaderText('abc', 3), 'abc');
    assert.ok(readableHeaderText('\x1b'.repeat(60_000), 200).length <= 200 * 6 + 1);
  });
});
