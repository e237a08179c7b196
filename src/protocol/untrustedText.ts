/**
 * Text from outside (a client's name, a peer's error, a name from a file) that ends up in a log,
 * an audit row or on a terminal. Characters that forge a line (C0 and C1 controls, DEL, line and
 * paragraph separators), rewrite a terminal (ESC, CSI), make text read differently from what it
 * is (bidi controls, zero-width and other format characters) or cannot be encoded (lone
 * surrogates) are refused where the text comes in, and escaped where it goes out.
 */

const UNSAFE_CHARACTER = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/u;
const UNSAFE_CHARACTERS = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/gu;

export function hasUnsafeCharacters(text: string): boolean {
  return UNSAFE_CHARACTER.test(text);
}

/** Each unsafe character as `\u{1b}`: still readable, never acted on by a terminal or a log reader. */
export function escapeUnsafeCharacters(text: string): string {
  return text.replace(UNSAFE_CHARACTERS, (c) => `\\u{${(c.codePointAt(0) ?? 0).toString(16)}}`);
}
