// Unit tests of the sso: document text: serialisation, placeholder handling, validation.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ConfigDocument } from '../../../src/protocol/messages';
import { MASK_PLACEHOLDER, fieldAt, maskedFieldHover, schemaOf, serializeConfig, summarizeProblems, toSetRequest, validateConfigText } from '../../../src/model/configDocument';
import { parseJson, positionAt } from '../../../src/model/jsonSyntax';
import { LIMITS } from '../../../src/protocol/limits';

const SECRET = 'hunter2-Sup3r-Secret';

function doc(overrides: Partial<ConfigDocument> = {}): ConfigDocument {
  return {
    application: 'Contoso.Sftp',
    identifier: 'SendToPartner',
    timestamp: 't1',
    modifiedAt: 1,
    fields: { Address: 'sftp://host/in', UserName: 'svc', Password: '' },
    masked: ['Password'],
    revealed: false,
    ...overrides,
  };
}

describe('serializeConfig', () => {
  test('pretty JSON in field order, masked fields as the placeholder, trailing newline', () => {
    const text = serializeConfig(doc());
    assert.equal(text, `{\n  "Address": "sftp://host/in",\n  "UserName": "svc",\n  "Password": "${MASK_PLACEHOLDER}"\n}\n`);
    assert.deepEqual(JSON.parse(text), { Address: 'sftp://host/in', UserName: 'svc', Password: MASK_PLACEHOLDER });
  });

  test('revealed documents show the masked value', () => {
    const text = serializeConfig(doc({ revealed: true, fields: { Address: 'a', UserName: 'b', Password: SECRET } }));
    assert.equal(JSON.parse(text).Password, SECRET);
  });

  test('keeps the application field order even for integer-like labels', () => {
    const d = doc({ fields: { '10': 'x', Name: 'y', '2': 'z' }, masked: [] });
    const schema = schemaOf(d, ['Name', '10', '2']);
    const text = serializeConfig(d, schema);
    assert.deepEqual(text.split('\n').slice(1, 4).map((l) => l.trim().split(':')[0]), ['"Name"', '"10"', '"2"']);
  });

  test('escapes quotes, backslashes and control characters', () => {
    const d = doc({ fields: { Address: 'a"b\\c\nd', UserName: '', Password: '' } });
    const text = serializeConfig(d);
    assert.equal(JSON.parse(text).Address, 'a"b\\c\nd');
  });

  test('an application without fields is an empty object', () => {
    assert.equal(serializeConfig(doc({ fields: {}, masked: [] })), '{}\n');
  });
});

describe('validateConfigText', () => {
  const schema = schemaOf(doc());

  test('round trip: the serialised document is valid and yields the values', () => {
    const r = validateConfigText(serializeConfig(doc()), schema);
    assert.ok(r.ok);
    assert.deepEqual({ ...r.values }, { Address: 'sftp://host/in', UserName: 'svc', Password: MASK_PLACEHOLDER });
  });

  test('a value over LIMITS.valueLength is a problem at its position, naming the field and not the value; one at the limit is not', () => {
    const atLimit = 'x'.repeat(LIMITS.valueLength);
    assert.ok(validateConfigText(serializeConfig(doc({ fields: { Address: atLimit, UserName: 'svc', Password: '' } })), schema).ok);
    const text = serializeConfig(doc({ fields: { Address: 'a', UserName: `${atLimit}y`, Password: '' } }));
    const r = validateConfigText(text, schema);
    assert.ok(!r.ok);
    assert.equal(r.problems.length, 1);
    const p = r.problems[0]!;
    assert.match(p.message, /"UserName" has 262145 characters; SSO stores at most 262144\. Shorten it\./);
    assert.equal(p.start, text.indexOf(`"${atLimit}`));
    assert.equal(p.end, p.start + atLimit.length + 3);
  });

  test('a document over MAX_CONFIGURATION_BYTES (values each under their limit) is a problem at its start', () => {
    const quarter = 'é'.repeat(LIMITS.valueLength); // 2 bytes each in UTF-8 (0.5 MiB): 3 of them are 1.5 MiB
    const text = serializeConfig(doc({ fields: { Address: quarter, UserName: 'x'.repeat(LIMITS.valueLength), Password: '' }, masked: [], revealed: true }));
    assert.ok(validateConfigText(text, schemaOf(doc({ masked: [] }))).ok, '0.75 MiB of values is allowed');
    const wide = doc({ fields: { Address: quarter, UserName: quarter, Password: quarter }, masked: [], revealed: true });
    const r = validateConfigText(serializeConfig(wide), schemaOf(wide));
    assert.ok(!r.ok);
    assert.deepEqual(r.problems.map((p) => [p.start, p.end]), [[0, 1]]);
    assert.match(r.problems[0]!.message, /holds 1572\d{3} bytes; SSO stores at most 1048576\. Shorten it\./);
  });

  test('a field named "__proto__" (stored before the name rule) keeps its value, on reading and on saving', () => {
    const legacy: ConfigDocument = { ...doc(), fields: JSON.parse('{"__proto__": "kept", "Address": "a"}') as Record<string, string>, masked: [] };
    const r = validateConfigText(serializeConfig(legacy), schemaOf(legacy));
    assert.ok(r.ok, JSON.stringify(r));
    assert.equal(Object.prototype.hasOwnProperty.call(r.values, '__proto__'), true);
    assert.equal(r.values['__proto__'], 'kept');
    const request = toSetRequest(r.values, schemaOf(legacy));
    assert.equal(JSON.stringify(request.fields), '{"__proto__":"kept","Address":"a"}', 'sent to the service with the value');
  });

  test('invalid JSON is reported with a position and without echoing the text', () => {
    const text = `{\n  "Address": "x",\n  "Password": "${SECRET}"\n  "UserName": "svc"\n}`;
    const r = validateConfigText(text, schema);
    assert.ok(!r.ok);
    assert.equal(r.problems.length, 1);
    const p = r.problems[0]!;
    assert.match(p.message, /^Invalid JSON: Expected "," or "}"/);
    assert.equal(positionAt(text, p.start).line, 3);
    assert.ok(!p.message.includes(SECRET));
    assert.ok(!summarizeProblems(text, r.problems).includes(SECRET));
    assert.match(summarizeProblems(text, r.problems), /^line 4: /);
  });

  test('unterminated strings, comments, trailing commas and single quotes are explained', () => {
    const cases: [string, RegExp][] = [
      [`{ "Address": "${SECRET}`, /Unterminated string/],
      ['{ // comment\n "Address": "x" }', /Comments are not allowed/],
      ['{ "Address": "x", }', /Trailing comma/],
      ["{ 'Address': 'x' }", /field name in double quotes/],
      ['', /empty/],
      ['{ "Address": "x" } extra', /after the end/],
    ];
    for (const [text, re] of cases) {
      const r = validateConfigText(text, schema);
      assert.ok(!r.ok, text);
      assert.match(r.problems[0]!.message, re, text);
      assert.ok(!r.problems[0]!.message.includes(SECRET));
    }
  });

  test('not an object', () => {
    for (const text of ['[]', '"x"', '42', 'null']) {
      const r = validateConfigText(text, schema);
      assert.ok(!r.ok);
      assert.match(r.problems[0]!.message, /must be a JSON object/);
    }
  });

  test('unknown field names are errors, with a case hint or the list of fields', () => {
    const r = validateConfigText('{ "Address": "a", "UserName": "u", "Password": "p", "Pasword": "x", "username": "y" }', schema);
    assert.ok(!r.ok);
    const messages = r.problems.map((p) => p.message);
    assert.ok(messages.some((m) => m.startsWith('"Pasword" is not a field of application "Contoso.Sftp"') && m.includes('"Address", "UserName", "Password"')));
    assert.ok(messages.some((m) => m.includes('"username"') && m.includes('Did you mean "UserName"')));
  });

  test('non-string values are errors that name the field, not the value', () => {
    const r = validateConfigText('{ "Address": 12345, "UserName": true, "Password": null }', schema);
    assert.ok(!r.ok);
    assert.deepEqual(
      r.problems.map((p) => p.message.split(' must')[0]),
      ['The value of "Address"', 'The value of "UserName"', 'The value of "Password"'],
    );
    assert.ok(r.problems.every((p) => !p.message.includes('12345')));
  });

  test('duplicate and missing fields', () => {
    const r = validateConfigText('{ "Address": "a", "Address": "b" }', schema);
    assert.ok(!r.ok);
    assert.ok(r.problems.some((p) => /appears more than once/.test(p.message)));
    assert.ok(r.problems.some((p) => /Missing fields "UserName", "Password"/.test(p.message)));
  });

  test('problem ranges point at the offending key or value', () => {
    const text = '{\n  "Address": "a",\n  "Nope": "b",\n  "UserName": "u",\n  "Password": "p"\n}';
    const r = validateConfigText(text, schema);
    assert.ok(!r.ok);
    const p = r.problems[0]!;
    assert.equal(text.slice(p.start, p.end), '"Nope"');
  });
});

describe('toSetRequest (placeholder handling)', () => {
  const schema = schemaOf(doc());
  /** The request with its fields as a plain object (they are a null-prototype record). */
  const plain = (r: ReturnType<typeof toSetRequest>) => ({ ...r, fields: { ...r.fields } });

  test('an unchanged placeholder is sent as "" so the service keeps the stored value', () => {
    const r = toSetRequest({ Address: 'a', UserName: 'u', Password: MASK_PLACEHOLDER }, schema);
    assert.deepEqual(plain(r), { fields: { Address: 'a', UserName: 'u', Password: '' }, clearMasked: [], changedMasked: [] });
  });

  test('a new masked value is sent; an emptied masked field is cleared explicitly', () => {
    assert.deepEqual(plain(toSetRequest({ Address: 'a', UserName: 'u', Password: SECRET }, schema)), {
      fields: { Address: 'a', UserName: 'u', Password: SECRET },
      clearMasked: [],
      changedMasked: ['Password'],
    });
    assert.deepEqual(plain(toSetRequest({ Address: 'a', UserName: 'u', Password: '' }, schema)), {
      fields: { Address: 'a', UserName: 'u', Password: '' },
      clearMasked: ['Password'],
      changedMasked: [],
    });
  });

  test('unmasked fields are sent as they are, even if they look like the placeholder', () => {
    const r = toSetRequest({ Address: MASK_PLACEHOLDER, UserName: '', Password: MASK_PLACEHOLDER }, schema);
    assert.equal(r.fields.Address, MASK_PLACEHOLDER);
    assert.equal(r.fields.UserName, '');
  });
});

describe('parseJson', () => {
  test('parses strict JSON with positions and escapes', () => {
    const text = '{"a": "x\\u0041\\n", "b": [1, -2.5e3, true, false, null, {"c": {}}]}';
    const r = parseJson(text);
    assert.ok(r.ok);
    assert.equal(r.root.kind, 'object');
    if (r.root.kind !== 'object') return;
    const [a, b] = r.root.properties;
    assert.equal(a!.key, 'a');
    assert.equal(text.slice(a!.keyStart, a!.keyEnd), '"a"');
    assert.deepEqual(a!.value.kind === 'string' && a!.value.value, 'xA\n');
    assert.equal(b!.value.kind, 'array');
  });

  test('agrees with JSON.parse on what is valid (sample)', () => {
    const samples = ['{}', '[]', '{"a":1}', '{"a":}', '{"a" 1}', '[1,]', '"\\x"', '01', '-', '1.', '{"a":"\u0001"}', '  {"a":[]}  ', 'tru', '{"a":"b"}}'];
    for (const s of samples) {
      let native = true;
      try {
        JSON.parse(s);
      } catch {
        native = false;
      }
      assert.equal(parseJson(s).ok, native, s);
    }
  });

  test('a document nested 100,000 deep is a syntax error at the depth limit, not a stack overflow', () => {
    for (const open of ['[', '{"a":']) {
      const r = parseJson(open.repeat(100_000));
      assert.equal(r.ok, false);
      if (r.ok) return;
      assert.equal(r.error.message, 'The JSON is nested too deeply.');
      assert.equal(r.error.start, 65 * open.length, 'reported where the 65th level opens');
    }
  });
});

describe('masked fields: set or not set', () => {
  const two = (maskedSet: string[] | undefined) =>
    doc({ fields: { Address: 'a', Password: '', KeyPassword: '' }, masked: ['Password', 'KeyPassword'], ...(maskedSet ? { maskedSet } : {}) });

  test('a masked field without a value shows as "", a set one as the placeholder', () => {
    const d = two(['Password']);
    assert.deepEqual(JSON.parse(serializeConfig(d, schemaOf(d))), { Address: 'a', Password: MASK_PLACEHOLDER, KeyPassword: '' });
  });

  test('a service that does not say (no maskedSet) shows every masked field as set, as before', () => {
    const d = two(undefined);
    assert.deepEqual(JSON.parse(serializeConfig(d, schemaOf(d))), { Address: 'a', Password: MASK_PLACEHOLDER, KeyPassword: MASK_PLACEHOLDER });
  });

  test('the hover says "holds a value" or "not set", never a value, and nothing for other fields', () => {
    const schema = schemaOf(two(['Password']));
    assert.match(maskedFieldHover(schema, 'Password') ?? '', /holds a value \(hidden\).*Set Masked Field/);
    assert.match(maskedFieldHover(schema, 'KeyPassword') ?? '', /\*\*not set\*\*.*undo history/);
    assert.equal(maskedFieldHover(schema, 'Address'), undefined);
  });

  test('fieldAt finds the field under the cursor, by name or value', () => {
    const text = serializeConfig(two(['Password']));
    const at = (needle: string) => fieldAt(text, text.indexOf(needle) + 1)?.label;
    assert.equal(at('"KeyPassword"'), 'KeyPassword');
    assert.equal(at('"a"'), 'Address');
    assert.equal(fieldAt('{ "broken": ', 5), undefined);
  });
});
