/**
 * The BizTalk Deployment Framework layout of a config-store application: one field, `AppConfig`,
 * holding `<appSettings><add key=".." value=".."/>…</appSettings>` XML. Parsed into key/values
 * for the editor, and written back by editing the original text in place: only the `value`
 * attributes that changed are rewritten, removed keys lose their element, new keys are appended
 * in the style of the existing ones. Comments, unknown attributes, quoting and layout survive.
 * XML that is not that shape is refused with a reason (never with its content: it may hold a
 * password).
 * No `vscode` import: unit-tested with node:test. The XML text rules are src/protocol/xmlText.ts.
 */
import * as l10n from '@vscode/l10n';
import { type XmlAttributeProblem, type XmlAttributeSpan, decodeXmlAttribute, escapeXmlAttribute, isXmlSpace, isXmlText, scanXmlAttributes, xmlNameAt } from '../protocol/xmlText';

export interface AppSettingsEntry {
  key: string;
  /** The value as .NET reads it (entities decoded, literal whitespace normalised to spaces). */
  value: string;
}

/** An attribute and the offsets of its value between its quotes. */
type AttributeSpan = XmlAttributeSpan;

interface AddElement extends AppSettingsEntry {
  /** Offsets of the whole element (`<add … />` or `<add …></add>`). */
  start: number;
  end: number;
  /** Where a new attribute goes: right after the last attribute. */
  attributesEnd: number;
  valueAttribute?: AttributeSpan;
  keyAttribute: AttributeSpan;
}

/** The parsed document: what the editor shows and what is needed to write it back. */
interface AppSettingsXml {
  entries: AppSettingsEntry[];
  /** Internal: positions in the original text. */
  readonly elements: readonly AddElement[];
  /** Offset of `</appSettings>`, or of `/>` when the root is self-closing. */
  readonly closeStart: number;
  readonly selfClosing: boolean;
  /** End of the root start tag (after `>`), where the first child would go. */
  readonly contentStart: number;
  readonly rootStart: number;
}

type AppSettingsParseResult = { ok: true; doc: AppSettingsXml } | { ok: false; reason: string };

/** The root element of the layout. */
export const APP_SETTINGS_ROOT = 'appSettings';


class Refusal extends Error {}

/** Why a start tag's attributes are refused, in this reader's words (attribute names are not secret here). */
const ATTRIBUTE_PROBLEMS: Record<XmlAttributeProblem, (element: string, name: string) => string> = {
  'not-separated': (element) => l10n.t('the <{0}> tag is malformed', element),
  'no-name': () => l10n.t('an element or attribute name was expected'),
  'no-equals': (_element, name) => l10n.t('"=" was expected to end the {0} attribute', name),
  'not-quoted': (element, name) => l10n.t('the {0} attribute of <{1}> has no quoted value', name, element),
  'not-closed': (element, name) => l10n.t('the {0} attribute of <{1}> is not closed', name, element),
  'less-than': (element, name) => l10n.t('the {0} attribute of <{1}> contains "<", which XML does not allow there', name, element),
  repeated: (element, name) => `<${element}> has the ${name} attribute twice`,
};

/** Parses `xml` as an `<appSettings>` document; explains why not when it is not one. */
export function parseAppSettingsXml(xml: string): AppSettingsParseResult {
  try {
    return { ok: true, doc: new AppSettingsParser(xml).document() };
  } catch (err) {
    if (err instanceof Refusal) return { ok: false, reason: err.message };
    throw err;
  }
}

class AppSettingsParser {
  private pos = 0;

  constructor(private readonly text: string) {}

  document(): AppSettingsXml {
    if (this.text.startsWith('\uFEFF')) this.pos = 1;
    this.skipMisc(true);
    if (!this.text.startsWith('<', this.pos)) this.refuse(this.pos >= this.text.length ? l10n.t('it is empty') : l10n.t('it does not start with an XML element'));
    const rootStart = this.pos;
    this.pos++;
    const name = this.name();
    if (name !== APP_SETTINGS_ROOT) this.refuse(l10n.t('its root element is <{0}>, not <{1}>', name, APP_SETTINGS_ROOT));
    this.attributes(name);
    if (this.text.startsWith('/>', this.pos)) {
      const closeStart = this.pos;
      this.pos += 2;
      this.skipMisc(false);
      this.expectEnd();
      return { entries: [], elements: [], closeStart, selfClosing: true, contentStart: closeStart, rootStart };
    }
    this.expect('>', `<${APP_SETTINGS_ROOT}>`);
    const contentStart = this.pos;
    const elements = this.children();
    const closeStart = this.pos;
    this.pos += `</${APP_SETTINGS_ROOT}`.length;
    this.skipSpaces();
    this.expect('>', `</${APP_SETTINGS_ROOT}>`);
    this.skipMisc(false);
    this.expectEnd();
    return { entries: elements.map((e) => ({ key: e.key, value: e.value })), elements, closeStart, selfClosing: false, contentStart, rootStart };
  }

  /** The children of <appSettings>: only <add> elements, comments and whitespace. */
  private children(): AddElement[] {
    const elements: AddElement[] = [];
    const seen = new Map<string, string>();
    for (;;) {
      this.skipSpaces();
      if (this.pos >= this.text.length) this.refuse(l10n.t('<{0}> is not closed', APP_SETTINGS_ROOT));
      if (this.text.startsWith('<!--', this.pos)) {
        this.comment();
        continue;
      }
      if (this.text.startsWith('</', this.pos)) {
        const name = this.peekName(this.pos + 2);
        if (name !== APP_SETTINGS_ROOT) this.refuse(l10n.t('it closes </{0}> where </{1}> was expected', name, APP_SETTINGS_ROOT));
        return elements;
      }
      if (this.text.startsWith('<![CDATA[', this.pos)) this.refuse(l10n.t('<{0}> holds a CDATA section; only <add key=".." value=".."/> elements are supported', APP_SETTINGS_ROOT));
      if (this.text.startsWith('<?', this.pos)) this.refuse(l10n.t('<{0}> holds a processing instruction; only <add> elements are supported', APP_SETTINGS_ROOT));
      if (!this.text.startsWith('<', this.pos)) this.refuse(l10n.t('<{0}> holds text outside of <add> elements ({1})', APP_SETTINGS_ROOT, this.where()));
      const element = this.addElement();
      const lower = element.key.toLowerCase();
      const earlier = seen.get(lower);
      if (earlier !== undefined) {
        this.refuse(
          earlier === element.key
            ? l10n.t('the key "{0}" appears twice; keep one', element.key)
            : l10n.t('the key "{0}" appears twice (as "{1}": .NET compares keys case-insensitively); keep one', element.key, earlier),
        );
      }
      seen.set(lower, element.key);
      elements.push(element);
    }
  }

  private addElement(): AddElement {
    const start = this.pos;
    this.pos++;
    const name = this.name();
    if (name !== 'add') {
      this.refuse(l10n.t('<{0}> holds a <{1}> element ({2}); the key/value view supports only <add key=".." value=".."/>', APP_SETTINGS_ROOT, name, this.where(start)));
    }
    const attributes = this.attributes(name);
    const attributesEnd = this.attributesEndOffset(start);
    if (this.text.startsWith('/>', this.pos)) {
      this.pos += 2;
    } else {
      this.expect('>', '<add>');
      this.skipSpaces();
      if (!this.text.startsWith('</add', this.pos)) this.refuse(l10n.t('an <add> element has content ({0}); it must be empty', this.where(start)));
      this.pos += '</add'.length;
      this.skipSpaces();
      this.expect('>', '</add>');
    }
    const keyAttribute = attributes.find((a) => a.name === 'key');
    if (!keyAttribute) this.refuse(l10n.t('an <add> element has no key attribute ({0})', this.where(start)));
    const valueAttribute = attributes.find((a) => a.name === 'value');
    const key = this.decodeAttribute(keyAttribute);
    if (key === '') this.refuse(l10n.t('an <add> element has an empty key ({0})', this.where(start)));
    const value = valueAttribute ? this.decodeAttribute(valueAttribute) : '';
    return { key, value, start, end: this.pos, attributesEnd, keyAttribute, valueAttribute };
  }

  /** Just after the last attribute value (or the element name), before any whitespace and `/>`. */
  private attributesEndOffset(elementStart: number): number {
    let i = this.pos;
    while (i > elementStart && isXmlSpace(this.text[i - 1])) i--;
    return i;
  }

  private attributes(element: string): AttributeSpan[] {
    const scanned = scanXmlAttributes(this.text, this.pos, (problem, at, name) => this.refuse(`${ATTRIBUTE_PROBLEMS[problem](element, name)} (${this.where(at)})`));
    this.pos = scanned.end;
    return scanned.attributes;
  }

  private decodeAttribute(a: AttributeSpan): string {
    const raw = this.text.slice(a.valueStart, a.valueEnd);
    return decodeXmlAttribute(raw, (problem, offset, name) =>
      problem === 'bare-ampersand'
        ? this.refuse(l10n.t('an attribute holds an "&" that is not an entity ({0}); write it as &amp;', this.where(a.valueStart + offset)))
        : this.refuse(l10n.t('an attribute holds the unknown entity &{0}; ({1})', name.slice(0, 20), this.where(a.valueStart + offset))),
    );
  }

  /** Whitespace, comments, the XML declaration (prolog only). */
  private skipMisc(prolog: boolean): void {
    for (;;) {
      this.skipSpaces();
      if (this.text.startsWith('<!--', this.pos)) this.comment();
      else if (prolog && this.text.startsWith('<?xml', this.pos)) this.declaration();
      else if (this.text.startsWith('<!DOCTYPE', this.pos)) this.refuse(l10n.t('it has a DOCTYPE, which is not supported'));
      else return;
    }
  }

  private declaration(): void {
    const end = this.text.indexOf('?>', this.pos);
    if (end < 0) this.refuse(l10n.t('its XML declaration is not closed'));
    this.pos = end + 2;
  }

  private comment(): void {
    const end = this.text.indexOf('-->', this.pos + 4);
    if (end < 0) this.refuse(l10n.t('a comment is not closed ({0})', this.where()));
    this.pos = end + 3;
  }

  private name(): string {
    const name = xmlNameAt(this.text, this.pos) ?? this.refuse(l10n.t('an element or attribute name was expected ({0})', this.where()));
    this.pos += name.length;
    return name;
  }

  private peekName(at: number): string {
    return xmlNameAt(this.text, at) ?? '?';
  }

  private skipSpaces(): void {
    while (isXmlSpace(this.text[this.pos])) this.pos++;
  }

  private expect(token: string, what: string): void {
    if (!this.text.startsWith(token, this.pos)) this.refuse(l10n.t('"{0}" was expected to end {1} ({2})', token, what, this.where()));
    this.pos += token.length;
  }

  private expectEnd(): void {
    if (this.pos < this.text.length) this.refuse(l10n.t('there is more after </{0}> ({1})', APP_SETTINGS_ROOT, this.where()));
  }

  /** "line 3, column 5" of an offset: where, never what. */
  private where(offset = this.pos): string {
    const before = this.text.slice(0, offset);
    const line = before.split('\n').length;
    return `line ${line}, column ${offset - before.lastIndexOf('\n')}`;
  }

  private refuse(reason: string): never {
    throw new Refusal(reason);
  }
}

/** Why a value cannot be stored in XML 1.0, or undefined. */
export function xmlValueProblem(value: string): string | undefined {
  return isXmlText(value) ? undefined : l10n.t('contains a control character that XML cannot hold');
}

interface Edit {
  start: number;
  end: number;
  text: string;
}

/**
 * Writes `entries` back into `original` (which parsed as `doc`): changed values are rewritten in
 * place, keys that are gone lose their element (and its line), new keys are appended before
 * `</appSettings>` with the indentation of the last `<add>`. Keys match case-insensitively, as
 * .NET reads them; the order of existing keys is the XML's. `entries` must have unique keys and
 * values XML can hold (see xmlValueProblem).
 */
export function updateAppSettingsXml(original: string, doc: AppSettingsXml, entries: AppSettingsEntry[]): string {
  const wanted = new Map(entries.map((e) => [e.key.toLowerCase(), e]));
  const edits: Edit[] = [];
  for (const element of doc.elements) {
    const next = wanted.get(element.key.toLowerCase());
    if (!next) {
      edits.push(removalOf(original, element));
      continue;
    }
    wanted.delete(element.key.toLowerCase());
    if (next.key !== element.key) edits.push(replaceAttribute(element.keyAttribute, next.key));
    if (next.value === element.value) continue;
    edits.push(
      element.valueAttribute
        ? replaceAttribute(element.valueAttribute, next.value)
        : { start: element.attributesEnd, end: element.attributesEnd, text: ` value=${element.keyAttribute.quote}${escapeXmlAttribute(next.value, element.keyAttribute.quote)}${element.keyAttribute.quote}` },
    );
  }
  const added = entries.filter((e) => wanted.has(e.key.toLowerCase()));
  if (added.length > 0) edits.push(insertionOf(original, doc, added));
  return applyEdits(original, edits);
}

/** A fresh document for an empty `AppConfig` field. */
export function newAppSettingsXml(entries: AppSettingsEntry[]): string {
  if (entries.length === 0) return `<${APP_SETTINGS_ROOT} />`;
  return `<${APP_SETTINGS_ROOT}>\n${entries.map((e) => `  ${addElementText(e, '"')}`).join('\n')}\n</${APP_SETTINGS_ROOT}>`;
}

function addElementText(e: AppSettingsEntry, quote: '"' | "'"): string {
  return `<add key=${quote}${escapeXmlAttribute(e.key, quote)}${quote} value=${quote}${escapeXmlAttribute(e.value, quote)}${quote} />`;
}

function replaceAttribute(a: AttributeSpan, value: string): Edit {
  return { start: a.valueStart, end: a.valueEnd, text: escapeXmlAttribute(value, a.quote) };
}

/** The element, and its whole line when nothing else is on it. */
function removalOf(text: string, element: AddElement): Edit {
  const lineStart = text.lastIndexOf('\n', element.start - 1) + 1;
  const lineEndAt = text.indexOf('\n', element.end);
  const lineEnd = lineEndAt < 0 ? text.length : lineEndAt;
  const alone = text.slice(lineStart, element.start).trim() === '' && text.slice(element.end, lineEnd).trim() === '';
  if (alone && lineEndAt >= 0) return { start: lineStart, end: lineEnd + 1, text: '' };
  return { start: element.start, end: element.end, text: '' };
}

function insertionOf(text: string, doc: AppSettingsXml, added: AppSettingsEntry[]): Edit {
  const last = doc.elements[doc.elements.length - 1];
  const quote = last?.keyAttribute.quote ?? '"';
  const rootIndent = indentationAt(text, doc.rootStart);
  const childIndent = last ? indentationAt(text, last.start) : `${rootIndent}  `;
  const lines = added.map((e) => childIndent + addElementText(e, quote));
  if (doc.selfClosing) {
    // `<appSettings/>` or `<appSettings a="b" />`: open it, add the children, close it.
    const tagEnd = text.indexOf('>', doc.closeStart) + 1;
    let openEnd = doc.closeStart;
    while (openEnd > doc.rootStart && /\s/.test(text[openEnd - 1] as string)) openEnd--;
    return { start: openEnd, end: tagEnd, text: `>\n${lines.join('\n')}\n${rootIndent}</${APP_SETTINGS_ROOT}>` };
  }
  if (last) {
    // After the last <add> and what shares its line (a trailing comment stays with its element),
    // unless a comment opened there runs onto the next lines.
    const lineEnd = text.indexOf('\n', last.end);
    const rest = lineEnd >= 0 && lineEnd < doc.closeStart ? text.slice(last.end, lineEnd) : undefined;
    const openComment = rest !== undefined && rest.lastIndexOf('<!--') > rest.lastIndexOf('-->');
    const insertAt = rest !== undefined && !openComment ? lineEnd : last.end;
    return { start: insertAt, end: insertAt, text: lines.map((l) => `\n${l}`).join('') };
  }
  // No <add> yet: put them on their own lines before the closing tag.
  let closeLineStart = doc.closeStart;
  while (closeLineStart > doc.contentStart && /[ \t]/.test(text[closeLineStart - 1] as string)) closeLineStart--;
  const closeOnOwnLine = text[closeLineStart - 1] === '\n';
  if (closeOnOwnLine) return { start: closeLineStart, end: closeLineStart, text: `${lines.join('\n')}\n` };
  return { start: doc.closeStart, end: doc.closeStart, text: `\n${lines.join('\n')}\n${rootIndent}` };
}

/** The spaces and tabs before `offset` on its line, when only those precede it. */
function indentationAt(text: string, offset: number): string {
  const lineStart = text.lastIndexOf('\n', offset - 1) + 1;
  const prefix = text.slice(lineStart, offset);
  return /^[ \t]*$/.test(prefix) ? prefix : '';
}

function applyEdits(text: string, edits: Edit[]): string {
  let out = text;
  for (const e of [...edits].sort((a, b) => b.start - a.start)) out = out.slice(0, e.start) + e.text + out.slice(e.end);
  return out;
}
