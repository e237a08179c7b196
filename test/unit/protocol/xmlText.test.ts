/**
 * One set of XML text rules for the two readers and writers (the `.sso` export and the
 * `<appSettings>` layout): an attribute value reads the same in both, both refuse the same
 * references, and what either writes, both read back unchanged.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseAppSettingsXml, newAppSettingsXml, xmlValueProblem } from '../../../src/model/appSettingsXml';
import { SsoError } from '../../../src/protocol/errors';
import { parseSsoXml } from '../../../src/ssoService/crypto/ssoFile';
import { decodeXmlAttribute, escapeXmlAttribute } from '../../../src/protocol/xmlText';

const wrapSso = (add: string) => `<SSOApplicationExport><applicationData>${add}</applicationData></SSOApplicationExport>`;

function readBoth(rawValue: string): { layout: string | undefined; sso: string | undefined } {
  const add = `<add key="k" value="${rawValue}"/>`;
  const layout = parseAppSettingsXml(`<appSettings>${add}</appSettings>`);
  let sso: string | undefined;
  try {
    sso = parseSsoXml(wrapSso(add)).k;
  } catch (err) {
    if (!(err instanceof SsoError)) throw err;
  }
  return { layout: layout.ok ? layout.doc.entries[0]?.value : undefined, sso };
}

test('an attribute value reads the same in both readers', () => {
  const read: [string, string][] = [
    ['plain', 'plain'],
    ['a &amp; b &lt;c&gt; &quot;d&quot; &apos;e&apos;', `a & b <c> "d" 'e'`],
    ['&#x1F600;&#10;&#9;&#13;&#38;', '\u{1F600}\n\t\r&'],
    ['tab\there\nnewline\r\ncrlf\rcr', 'tab here newline crlf cr'],
  ];
  for (const [raw, value] of read) assert.deepEqual(readBoth(raw), { layout: value, sso: value }, JSON.stringify(raw));
});

test('both readers refuse the same references: bare "&", unknown names, characters XML cannot carry', () => {
  for (const raw of ['R&D', '&nbsp;', '&#0;', '&#1;', '&#xD800;', '&#x110000;', '&#xFFFE;', '&;']) {
    assert.deepEqual(readBoth(raw), { layout: undefined, sso: undefined }, JSON.stringify(raw));
  }
});

test('what is escaped reads back unchanged, in both quotes', () => {
  const values = ['', 'p<w"d\'x&y', 'line1\nline2\ttab\rcr', '\u{1F600} ünïcödé'];
  for (const value of values) {
    for (const quote of ['"', "'"] as const) {
      const raw = escapeXmlAttribute(value, quote);
      assert.ok(!raw.includes(quote), `${JSON.stringify(value)} ${quote}`);
      assert.equal(decodeXmlAttribute(raw, () => assert.fail(`refused ${raw}`)), value);
    }
    const layout = parseAppSettingsXml(newAppSettingsXml([{ key: 'k', value }]));
    assert.equal(layout.ok && layout.doc.entries[0]?.value, value);
  }
});

test('a value a writer cannot put into XML is named as such by both writers\' rule', () => {
  for (const value of ['bell\u0007', 'lone \uD800 surrogate', '\uFFFF']) assert.ok(xmlValueProblem(value), JSON.stringify(value));
  assert.equal(xmlValueProblem('tab\tnewline\n\u{1F600}'), undefined);
});

test('both readers scan tags with one tokenizer: XML whitespace only, the same malformed tags refused', () => {
  const readTag = (add: string) => {
    const layout = parseAppSettingsXml(`<appSettings>${add}</appSettings>`);
    let sso = true;
    try {
      parseSsoXml(wrapSso(add));
    } catch (err) {
      if (!(err instanceof SsoError)) throw err;
      sso = false;
    }
    return { layout: layout.ok, sso };
  };
  assert.deepEqual(readTag('<add\tkey="k"\nvalue="v"  />'), { layout: true, sso: true });
  for (const add of [
    '<add key="k"\u00a0value="v"/>', // a no-break space is text, not XML whitespace
    '<add key="k" value="v"\u2003/>',
    '<add key="k"value="v"/>',
    '<add key="k" value=v/>',
    '<add key="k" value="v/>',
    '<add key="k" value="a<b"/>',
    '<add key="k" key="k2" value="v"/>',
    '<add key "k" value="v"/>',
    '<add key="k" 9value="v"/>',
  ]) {
    assert.deepEqual(readTag(add), { layout: false, sso: false }, JSON.stringify(add));
  }
});
