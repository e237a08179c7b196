import * as l10n from '@vscode/l10n';
/**
 * A strict JSON (RFC 8259) parser that keeps the position of every property, so that problems
 * in an `sso:` document can be shown where they are. It exists instead of JSON.parse because
 * JSON.parse reports errors with a snippet of the text, which may be a password: messages made
 * here name what was expected and where, never what was found.
 *
 * Not `jsonc-parser` (issue 17 asked; 3.3.1 is in node_modules through @vscode/vsce), for three
 * measured reasons. Its parseTree recurses without a depth limit: 10,000 nested `[` overflow the
 * stack on Node 20, a RangeError instead of a problem shown in the editor (this parser stops at
 * MAX_DEPTH with a syntax error, see configDocument.test.ts). Its package "main" is a UMD build
 * whose internal requires esbuild does not follow: with esbuild.mjs as it is, the bundle fails
 * with "Cannot find module './impl/format'". Its ES build, bundled and minified, is 11,258 bytes
 * (3,706 gzipped) against 4,914 (1,789) for this file: +1.9 KB in a .vsix at 991 KiB of 1 MiB.
 * It would still need the messages written here: it reports only error codes and offsets.
 * No `vscode` import: unit-tested with node:test.
 */

interface JsonProperty {
  key: string;
  /** Offsets of the key token (including quotes). */
  keyStart: number;
  keyEnd: number;
  value: JsonNode;
}

export type JsonNode =
  | { kind: 'string'; value: string; start: number; end: number }
  | { kind: 'number' | 'boolean' | 'null'; start: number; end: number }
  | { kind: 'object'; properties: JsonProperty[]; start: number; end: number }
  | { kind: 'array'; items: JsonNode[]; start: number; end: number };

interface JsonSyntaxError {
  message: string;
  start: number;
  end: number;
}

type JsonParseResult = { ok: true; root: JsonNode } | { ok: false; error: JsonSyntaxError };

class SyntaxProblem extends Error {
  constructor(
    message: string,
    readonly start: number,
    readonly end: number,
  ) {
    super(message);
  }
}

const MAX_DEPTH = 64;

export function parseJson(text: string): JsonParseResult {
  const p = new Parser(text);
  try {
    p.skipWhitespace();
    if (p.pos >= text.length) throw new SyntaxProblem(l10n.t('The document is empty: expected a JSON object such as { "Field": "value" }.'), 0, 0);
    const root = p.value(0);
    p.skipWhitespace();
    if (p.pos < text.length) throw new SyntaxProblem(l10n.t('Unexpected text after the end of the JSON object.'), p.pos, text.length);
    return { ok: true, root };
  } catch (err) {
    if (err instanceof SyntaxProblem) return { ok: false, error: { message: err.message, start: err.start, end: Math.max(err.end, err.start) } };
    throw err;
  }
}

class Parser {
  pos = 0;
  constructor(private readonly text: string) {}

  skipWhitespace(): void {
    const t = this.text;
    while (this.pos < t.length) {
      const c = t.charCodeAt(this.pos);
      if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d || c === 0xfeff) this.pos++;
      else if (c === 0x2f && (t[this.pos + 1] === '/' || t[this.pos + 1] === '*')) {
        throw new SyntaxProblem(l10n.t('Comments are not allowed in an SSO configuration document (plain JSON only).'), this.pos, this.pos + 2);
      } else break;
    }
  }

  value(depth: number): JsonNode {
    if (depth > MAX_DEPTH) throw new SyntaxProblem(l10n.t('The JSON is nested too deeply.'), this.pos, this.pos + 1);
    this.skipWhitespace();
    const t = this.text;
    const start = this.pos;
    const c = t[this.pos];
    if (c === undefined) throw new SyntaxProblem(l10n.t('Unexpected end of the document: a value is missing.'), start, start);
    if (c === '{') return this.object(depth);
    if (c === '[') return this.array(depth);
    if (c === '"') {
      const value = this.string();
      return { kind: 'string', value, start, end: this.pos };
    }
    if (c === '-' || (c >= '0' && c <= '9')) {
      this.number();
      return { kind: 'number', start, end: this.pos };
    }
    for (const [word, kind] of [['true', 'boolean'], ['false', 'boolean'], ['null', 'null']] as const) {
      if (t.startsWith(word, this.pos)) {
        this.pos += word.length;
        return { kind, start, end: this.pos };
      }
    }
    if (c === "'") throw new SyntaxProblem(l10n.t('Strings must be in double quotes (").'), start, start + 1);
    throw new SyntaxProblem(l10n.t('Expected a value: a string in double quotes, a number, true, false, null, an object or an array.'), start, this.tokenEnd(start));
  }

  private tokenEnd(start: number): number {
    let end = start + 1;
    while (end < this.text.length && /[\w$.+-]/.test(this.text[end] as string)) end++;
    return end;
  }

  private object(depth: number): JsonNode {
    const start = this.pos;
    this.pos++; // {
    const properties: JsonProperty[] = [];
    this.skipWhitespace();
    if (this.text[this.pos] === '}') {
      this.pos++;
      return { kind: 'object', properties, start, end: this.pos };
    }
    for (;;) {
      this.skipWhitespace();
      const keyStart = this.pos;
      const c = this.text[this.pos];
      if (c === '}') throw new SyntaxProblem(l10n.t('Trailing comma: remove the comma before "}".'), keyStart - 1, keyStart);
      if (c !== '"') {
        if (c === undefined) throw new SyntaxProblem(l10n.t('Unexpected end of the document: the object is not closed with "}".'), keyStart, keyStart);
        throw new SyntaxProblem(l10n.t('Expected a field name in double quotes.'), keyStart, this.tokenEnd(keyStart));
      }
      const key = this.string();
      const keyEnd = this.pos;
      this.skipWhitespace();
      if (this.text[this.pos] !== ':') throw new SyntaxProblem(l10n.t('Expected ":" after the field name.'), keyStart, keyEnd);
      this.pos++;
      const value = this.value(depth + 1);
      properties.push({ key, keyStart, keyEnd, value });
      this.skipWhitespace();
      const next = this.text[this.pos];
      if (next === ',') {
        this.pos++;
        continue;
      }
      if (next === '}') {
        this.pos++;
        return { kind: 'object', properties, start, end: this.pos };
      }
      if (next === undefined) throw new SyntaxProblem(l10n.t('Unexpected end of the document: the object is not closed with "}".'), this.pos, this.pos);
      throw new SyntaxProblem(l10n.t('Expected "," or "}" after the value: a comma is missing between two fields, or the object is not closed.'), this.pos, this.tokenEnd(this.pos));
    }
  }

  private array(depth: number): JsonNode {
    const start = this.pos;
    this.pos++; // [
    const items: JsonNode[] = [];
    this.skipWhitespace();
    if (this.text[this.pos] === ']') {
      this.pos++;
      return { kind: 'array', items, start, end: this.pos };
    }
    for (;;) {
      this.skipWhitespace();
      if (this.text[this.pos] === ']') throw new SyntaxProblem(l10n.t('Trailing comma: remove the comma before "]".'), this.pos - 1, this.pos);
      items.push(this.value(depth + 1));
      this.skipWhitespace();
      const next = this.text[this.pos];
      if (next === ',') {
        this.pos++;
        continue;
      }
      if (next === ']') {
        this.pos++;
        return { kind: 'array', items, start, end: this.pos };
      }
      if (next === undefined) throw new SyntaxProblem(l10n.t('Unexpected end of the document: the array is not closed with "]".'), this.pos, this.pos);
      throw new SyntaxProblem(l10n.t('Expected "," or "]" in the array.'), this.pos, this.tokenEnd(this.pos));
    }
  }

  private string(): string {
    const t = this.text;
    const start = this.pos;
    this.pos++; // opening quote
    let out = '';
    let chunkStart = this.pos;
    for (;;) {
      if (this.pos >= t.length) throw new SyntaxProblem(l10n.t('Unterminated string: add the closing double quote (").'), start, t.length);
      const c = t.charCodeAt(this.pos);
      if (c === 0x22) {
        out += t.slice(chunkStart, this.pos);
        this.pos++;
        return out;
      }
      if (c === 0x0a || c === 0x0d) throw new SyntaxProblem(l10n.t('Unterminated string: add the closing double quote (") before the end of the line.'), start, this.pos);
      if (c < 0x20) throw new SyntaxProblem(l10n.t('Control characters must be escaped in strings (for example \\t for a tab).'), this.pos, this.pos + 1);
      if (c === 0x5c) {
        out += t.slice(chunkStart, this.pos);
        const esc = t[this.pos + 1];
        const simple: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };
        if (esc !== undefined && esc in simple) {
          out += simple[esc];
          this.pos += 2;
        } else if (esc === 'u' && /^[0-9a-fA-F]{4}$/.test(t.slice(this.pos + 2, this.pos + 6))) {
          out += String.fromCharCode(parseInt(t.slice(this.pos + 2, this.pos + 6), 16));
          this.pos += 6;
        } else {
          throw new SyntaxProblem(l10n.t('Invalid escape sequence in a string: use \\", \\\\, \\/, \\b, \\f, \\n, \\r, \\t or \\uXXXX.'), this.pos, this.pos + 2);
        }
        chunkStart = this.pos;
        continue;
      }
      this.pos++;
    }
  }

  private number(): void {
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(this.text.slice(this.pos, this.pos + 400));
    if (!m) throw new SyntaxProblem(l10n.t('Invalid number.'), this.pos, this.tokenEnd(this.pos));
    this.pos += m[0].length;
  }
}

/** 0-based line and character of an offset (for diagnostics and messages). */
export function positionAt(text: string, offset: number): { line: number; character: number } {
  let line = 0;
  let lineStart = 0;
  const end = Math.min(offset, text.length);
  for (let i = 0; i < end; i++) {
    if (text.charCodeAt(i) === 0x0a) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, character: end - lineStart };
}
