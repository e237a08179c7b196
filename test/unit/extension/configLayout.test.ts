// Unit tests of the one-field layouts shown as key/values: BTDF AppConfig XML and settings JSON,
// detection, the editor text, validation with positions, and the value saved back.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ConfigDocument } from '../../../src/protocol/messages';
import { LIMITS } from '../../../src/protocol/limits';
import { detectLayout, indentationOf, layoutTitle, serializeLayout, validateLayoutText, type LayoutView } from '../../../src/model/configLayout';

function doc(fields: Record<string, string>, overrides: Partial<ConfigDocument> = {}): ConfigDocument {
  return { application: 'Contoso.Invoicing', identifier: 'ConfigProperties', timestamp: 't', modifiedAt: 1, fields, masked: [], revealed: false, ...overrides };
}

const XML = '<appSettings>\n  <!-- keep me -->\n  <add key="Url" value="https://a" />\n  <add key="Pwd" value="s&amp;1" extra="x" />\n</appSettings>';
const JSON_SETTINGS = JSON.stringify({ environment: 'DEV', storageKey: 'k3y', featureFlags: { newPricing: true }, retries: 3 }, null, 4);

function view(d: ConfigDocument): LayoutView {
  const v = detectLayout(d).view;
  if (!v) throw new Error('expected a layout');
  return v;
}

function saved(text: string, v: LayoutView): string {
  const r = validateLayoutText(text, v);
  if (!r.ok) throw new Error(r.problems.map((p) => p.message).join('; '));
  return r.value;
}

describe('detectLayout', () => {
  test('AppConfig XML and settings JSON are recognised; anything else is field by field', () => {
    assert.equal(view(doc({ AppConfig: XML })).kind, 'appSettingsXml');
    assert.equal(view(doc({ settings: JSON_SETTINGS })).kind, 'jsonSettings');
    assert.deepEqual(detectLayout(doc({ AppConfig: XML, Other: '' })), {});
    assert.deepEqual(detectLayout(doc({ Endpoint: 'x' })), {});
    assert.deepEqual(detectLayout(doc({ appconfig: XML })), {}, 'the BTDF field name is exact');
  });

  test('a masked field is shown as a layout only when revealed', () => {
    assert.deepEqual(detectLayout(doc({ AppConfig: '' }, { masked: ['AppConfig'] })), {});
    assert.equal(detectLayout(doc({ AppConfig: XML }, { masked: ['AppConfig'], revealed: true })).view?.kind, 'appSettingsXml');
  });

  test('an empty field is an empty layout', () => {
    assert.equal(serializeLayout(view(doc({ AppConfig: '' }))), '{}\n');
    assert.equal(serializeLayout(view(doc({ settings: '  ' }))), '{}\n');
  });

  test('a value that is not the layout falls back to the fields, with a notice that names no value', () => {
    const xml = detectLayout(doc({ AppConfig: '<settings password="hunter2"/>' }));
    assert.equal(xml.view, undefined);
    assert.match(xml.notice ?? '', /"AppConfig" is shown as its stored text, not as key\/values: it is not an <appSettings> document \(its root element is <settings>/);
    assert.ok(!xml.notice?.includes('hunter2'));
    const json = detectLayout(doc({ settings: '["hunter2"]' }));
    assert.match(json.notice ?? '', /not a JSON object \(it is an array\)/);
    assert.match(detectLayout(doc({ settings: '{"a": hunter2}' })).notice ?? '', /invalid JSON at offset 6/);
    assert.match(detectLayout(doc({ settings: '{"id": 12345678901234567890}' })).notice ?? '', /cannot keep exactly/);
  });
});

describe('AppConfig XML as key/values', () => {
  const v = view(doc({ AppConfig: XML }));

  test('the editor text is a JSON object of key → value in XML order', () => {
    assert.equal(serializeLayout(v), '{\n  "Url": "https://a",\n  "Pwd": "s&1"\n}\n');
    assert.match(layoutTitle(v), /BizTalk Deployment Framework <appSettings> XML/);
  });

  test('saving unchanged text gives back the stored XML byte for byte', () => {
    assert.equal(saved(serializeLayout(v), v), XML);
  });

  test('edits, additions and removals are saved as XML, escaped, keeping comments and unknown attributes', () => {
    const out = saved('{ "Pwd": "a<b & \\"c\\"", "New": "x\\ny" }', v);
    assert.equal(out, '<appSettings>\n  <!-- keep me -->\n  <add key="Pwd" value="a&lt;b &amp; &quot;c&quot;" extra="x" />\n  <add key="New" value="x&#10;y" />\n</appSettings>');
  });

  test('an empty stored value becomes a new <appSettings> document', () => {
    assert.equal(saved('{"a": "1"}', view(doc({ AppConfig: '' }))), '<appSettings>\n  <add key="a" value="1" />\n</appSettings>');
  });

  test('problems are reported where they are, without values: non-strings, duplicates (case-insensitive), empty keys, control characters, invalid JSON', () => {
    const check = (text: string, message: RegExp) => {
      const r = validateLayoutText(text, v);
      assert.equal(r.ok, false, text);
      if (!r.ok) {
        assert.ok(r.problems.some((p) => message.test(p.message)), `${text}: ${r.problems.map((p) => p.message).join(' | ')}`);
        for (const p of r.problems) assert.ok(!p.message.includes('s3cr3t'));
      }
    };
    check('{"Url": 5}', /The value of "Url" must be a string/);
    check('{"Url": "s3cr3t", "url": "s3cr3t"}', /The key "url" appears more than once \(as "Url"/);
    check('{"": "s3cr3t"}', /A key must not be empty/);
    check('{"Url": "s3cr3t\\u0007"}', /The value of "Url" contains a control character/);
    check('{"Url": "s3cr3t",}', /Invalid JSON/);
    check('["s3cr3t"]', /must be a JSON object of key to string value/);
    const r = validateLayoutText('{\n  "Url": 5\n}', v);
    assert.ok(!r.ok && r.problems[0]!.start === '{\n  "Url": '.length);
  });
});

describe('settings JSON as key/values', () => {
  const v = view(doc({ settings: JSON_SETTINGS }));

  test('the editor shows the object two-space indented; a save keeps the stored indentation and every value type', () => {
    assert.equal(serializeLayout(v), `${JSON.stringify(JSON.parse(JSON_SETTINGS), null, 2)}\n`);
    const edited = serializeLayout(v).replace('"DEV"', '"TEST"');
    const out = saved(edited, v);
    assert.equal(out, JSON_SETTINGS.replace('"DEV"', '"TEST"'));
    assert.deepEqual(JSON.parse(out).featureFlags, { newPricing: true });
    assert.equal(JSON.parse(out).retries, 3);
  });

  test('compact and tab-indented documents stay so; a trailing newline is kept', () => {
    assert.equal(saved('{"a": 1}', view(doc({ settings: '{"a":0}' }))), '{"a":1}');
    assert.equal(saved('{"a": 1}', view(doc({ settings: '{\n\t"a": 0\n}\n' }))), '{\n\t"a": 1\n}\n');
  });

  test('duplicate keys, non-objects and unsafe integers are refused', () => {
    assert.equal(validateLayoutText('{"a": 1, "a": 2}', v).ok, false);
    assert.equal(validateLayoutText('[1]', v).ok, false);
    const big = validateLayoutText('{"a": 12345678901234567890}', v);
    assert.ok(!big.ok && /too large to be kept exactly/.test(big.problems[0]!.message));
    assert.equal(validateLayoutText('{"A": 1, "a": 2}', v).ok, true, 'JSON keys are case-sensitive');
  });

  test('a layout whose stored value would be over LIMITS.valueLength is refused, at the start of the document', () => {
    const long = validateLayoutText(`{"a": "${'x'.repeat(LIMITS.valueLength)}"}`, v);
    assert.ok(!long.ok);
    assert.deepEqual(long.problems.map((p) => [p.start, p.end]), [[0, 1]]);
    assert.match(long.problems[0]!.message, /The value of "settings" has \d+ characters; SSO stores at most 262144/);
  });

  test('indentationOf', () => {
    assert.equal(indentationOf('{"a":1}'), 0);
    assert.equal(indentationOf('{\n    "a": 1\n}'), '    ');
    assert.equal(indentationOf(''), 2);
  });
});
