/**
 * The text rules of XML 1.0 attribute values, shared by the two small XML readers and writers
 * (the `.sso` export in src/ssoService/crypto/ssoFile.ts, the `<appSettings>` layout in
 * src/model/appSettingsXml.ts): which characters XML can carry, how a value is escaped, and how
 * an attribute value is read (references decoded, literal whitespace normalised). Both readers
 * never expand DTDs and never quote the text in an error: the problem and the offset only.
 * No imports: src/protocol is the bottom layer, which both src/model and src/ssoService may use.
 */

/** A character XML 1.0 can carry at all (even as a reference). */
function isXmlChar(code: number): boolean {
  return (
    code === 0x9 || code === 0xa || code === 0xd ||
    (code >= 0x20 && code <= 0xd7ff) || (code >= 0xe000 && code <= 0xfffd) || (code >= 0x10000 && code <= 0x10ffff)
  );
}

/** False when `text` holds a character XML 1.0 cannot carry (a C0 control, U+FFFE/U+FFFF) or a lone surrogate. */
export function isXmlText(text: string): boolean {
  for (const ch of text) {
    if (!isXmlChar(ch.codePointAt(0) as number)) return false;
  }
  return true;
}

const ATTRIBUTE_ESCAPES: Record<string, string> = {
  '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;', '\t': '&#9;', '\n': '&#10;', '\r': '&#13;',
};

/**
 * Escapes a value for an attribute quoted with `quote`. Tab, CR and LF become character
 * references: a reader would otherwise turn them into spaces.
 */
export function escapeXmlAttribute(value: string, quote: '"' | "'" = '"'): string {
  return value.replace(quote === '"' ? /[&<>"\t\n\r]/g : /[&<>'\t\n\r]/g, (c) => ATTRIBUTE_ESCAPES[c] as string);
}

const NAMED_REFERENCES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/** The character of `&name;` or `&#n;` / `&#xh;` (without & and ;), or undefined when XML has no such reference. */
function decodeXmlReference(name: string): string | undefined {
  if (Object.prototype.hasOwnProperty.call(NAMED_REFERENCES, name)) return NAMED_REFERENCES[name];
  const numeric = /^#(?:([0-9]{1,7})|x([0-9A-Fa-f]{1,6}))$/.exec(name);
  if (!numeric) return undefined;
  const code = numeric[1] !== undefined ? parseInt(numeric[1], 10) : parseInt(numeric[2] as string, 16);
  return isXmlChar(code) ? String.fromCodePoint(code) : undefined;
}

/** `&` not followed by a name and `;` (write it as `&amp;`), or a reference XML does not define. */
type XmlReferenceProblem = 'bare-ampersand' | 'unknown-reference';

/**
 * An attribute value as an XML reader sees it: references decoded, and literal tab, LF, CR and
 * CR LF read as one space each (attribute-value normalisation). `refuse` is told the problem, the
 * offset in `raw` and the reference's name (for a reader whose values are never secret); it throws.
 */
export function decodeXmlAttribute(raw: string, refuse: (problem: XmlReferenceProblem, offset: number, name: string) => never): string {
  return raw.replace(/&([^;&\s<]*)(;?)|\r\n|[\t\n\r]/g, (match: string, name: string | undefined, semicolon: string | undefined, offset: number) => {
    if (name === undefined) return ' ';
    if (!semicolon) return refuse('bare-ampersand', offset, name);
    return decodeXmlReference(name) ?? refuse('unknown-reference', offset, name);
  });
}

/** XML's whitespace: space, tab, CR and LF (not every Unicode space). */
export function isXmlSpace(ch: string | undefined): boolean {
  return ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r';
}

const XML_NAME = /[A-Za-z_:][-A-Za-z0-9_:.]*/y;

/** The XML name at `at`, or undefined when none starts there. */
export function xmlNameAt(text: string, at: number): string | undefined {
  XML_NAME.lastIndex = at;
  return XML_NAME.exec(text)?.[0];
}

/** An attribute as written: its name and where its value is, between its quotes. */
export interface XmlAttributeSpan {
  name: string;
  valueStart: number;
  valueEnd: number;
  quote: '"' | "'";
}

export type XmlAttributeProblem = 'not-separated' | 'no-name' | 'no-equals' | 'not-quoted' | 'not-closed' | 'less-than' | 'repeated';

/**
 * The attributes of a start tag, from just after the element name up to (not including) `>` or
 * `/>`: the one tokenizer both readers use for tags. `refuse` is told the problem, where, and the
 * attribute's name when there is one; it throws. Values are left raw (see decodeXmlAttribute).
 */
export function scanXmlAttributes(
  text: string,
  from: number,
  refuse: (problem: XmlAttributeProblem, at: number, name: string) => never,
): { attributes: XmlAttributeSpan[]; end: number } {
  const attributes: XmlAttributeSpan[] = [];
  let pos = from;
  const skipSpaces = () => {
    const start = pos;
    while (isXmlSpace(text[pos])) pos++;
    return pos > start;
  };
  for (;;) {
    const spaced = skipSpaces();
    if (text.startsWith('/>', pos) || text.startsWith('>', pos)) return { attributes, end: pos };
    if (!spaced) return refuse('not-separated', pos, '');
    const name = xmlNameAt(text, pos) ?? refuse('no-name', pos, '');
    pos += name.length;
    skipSpaces();
    if (text[pos] !== '=') return refuse('no-equals', pos, name);
    pos++;
    skipSpaces();
    const quote = text[pos];
    if (quote !== '"' && quote !== "'") return refuse('not-quoted', pos, name);
    const valueStart = pos + 1;
    const valueEnd = text.indexOf(quote, valueStart);
    if (valueEnd < 0) return refuse('not-closed', pos, name);
    if (text.slice(valueStart, valueEnd).includes('<')) return refuse('less-than', pos, name);
    if (attributes.some((a) => a.name === name)) return refuse('repeated', pos, name);
    attributes.push({ name, valueStart, valueEnd, quote });
    pos = valueEnd + 1;
  }
}
