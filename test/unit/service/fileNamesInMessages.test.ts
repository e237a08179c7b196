/**
 * Review 5, finding 6: names read from an export file are checked with the looser rule for
 * EXISTING names (C0 controls and DEL only), then echoed in refusal messages, which ssoctl prints
 * on a terminal and the extension shows in a notification. C1 controls (U+009B is CSI), bidi
 * overrides, zero-width characters and U+2028 got through raw; now they are escaped (\u{…}).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SsoError } from '../../../src/protocol/errors';
import { hasUnsafeCharacters } from '../../../src/protocol/untrustedText';
import { planApplicationImport } from '../../../src/ssoService/service/importPlan';
import { parseExportPayload } from '../../../src/ssoService/service/transferFiles';

const NAMES = ['Orders\u202Etxt.exe', 'Orders\u009b2J', 'Orders\u2028forged: Import done', 'Or\u200Bders'];

function messageOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    return err instanceof SsoError ? err.message : String(err);
  }
  return '';
}

describe('names from a file in refusal messages', () => {
  for (const name of NAMES) {
    it(`${JSON.stringify(name)} reaches no payload refusal raw`, () => {
      const message = messageOf(() =>
        parseExportPayload({ format: 'entsso-export', version: 1, exportedAt: '', applications: [
          { name, kind: 'configStore', description: '', contact: '', userGroup: '', adminGroup: '', flags: 0, fields: [{ label: 'A', masked: false }, { label: 'a', masked: false }], configurations: [] },
        ] }),
      );
      assert.ok(message.length > 0, 'refused');
      assert.ok(!hasUnsafeCharacters(message), `raw unsafe character in: ${JSON.stringify(message)}`);
      assert.match(message, /\\u\{[0-9a-f]+\}/, 'the character is shown escaped');
    });

    it(`${JSON.stringify(name)} reaches no planning refusal raw`, () => {
      const message = messageOf(() =>
        planApplicationImport(
          { name, kind: 'configStore', fields: [{ label: 'A', masked: false }, { label: name, masked: true }], configurations: [], identifierScope: 'all' },
          { name, kind: 'configStore', fields: [{ label: 'A', masked: false }, { label: name, masked: false }], rows: [] },
          'update',
        ),
      );
      assert.match(message, /other field definitions/);
      assert.ok(!hasUnsafeCharacters(message), `raw unsafe character in: ${JSON.stringify(message)}`);
    });
  }
});
