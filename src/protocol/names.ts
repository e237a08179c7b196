/**
 * The one rule for names of applications, identifiers and fields, shared by the service's
 * request validation, the store, the extension's prompts and ssoctl.
 *
 * A NEW name must be one that a person can tell apart from every other name by looking at it:
 * - it is in Unicode normal form C (callers normalise what was typed with `normaliseName`, so
 *   "é" typed as e + combining accent and as one character are the same name);
 * - no control characters (C0, DEL, C1), no invisible or bidirectional formatting characters
 *   (zero-width space and joiners, LRM/RLM, embeddings, overrides and isolates, BOM, soft hyphen,
 *   variation selectors, fillers), no spaces other than the ordinary space and none at either end,
 *   no private-use characters, no lone surrogates (they cannot be stored as UTF-8);
 * - not "." or ".." (they would be path segments in `sso:` URIs and in file names);
 * - not "__proto__" (a JavaScript object cannot hold it as a key: clients that put names into
 *   plain objects would silently lose its value);
 * - no word (a run of letters) mixing Latin, Cyrillic and Greek letters: "Pаypal" with a
 *   Cyrillic "а" is refused; "Заказы", "Orders-2" and "SendPort_Заказы" (BizTalk port names in
 *   two languages) are fine. Words written entirely in a lookalike script are not detected: that
 *   needs Unicode's confusables table, which no Node version ships.
 * - at most NAME_MAX_LENGTH UTF-16 code units (ENTSSO stores names as nvarchar(256)).
 *
 * Names stored before this rule existed stay readable, writable and deletable: referring to an
 * EXISTING name only needs `existingNameProblem`, the older, looser rule every stored name obeys.
 *
 * No imports: this file is the bottom of the dependency graph.
 */

/** Longest name, in UTF-16 code units, as ENTSSO's nvarchar(256) columns count. */
export const NAME_MAX_LENGTH = 256;

type NameProblemCode =
  | 'not-text'
  | 'empty'
  | 'too-long'
  | 'lone-surrogate'
  | 'control'
  | 'invisible'
  | 'edge-space'
  | 'dot-segment'
  | 'reserved'
  | 'mixed-script'
  | 'not-nfc';

export interface NameProblem {
  code: NameProblemCode;
  /** What is wrong and what to do, to follow "The <what> " in a sentence. Never more than the name's own characters. */
  text: string;
}

// eslint-disable-next-line no-control-regex
const LEGACY_CONTROL = /[\u0000-\u001f\u007f]/;
const CONTROL = /\p{Cc}/u;
const LONE_SURROGATE = /\p{Cs}/u;
/**
 * Characters that show as nothing, as a space that is not a space, or that reorder text:
 * Unicode's default-ignorable code points (zero-width space and joiners, bidi marks, embeddings,
 * overrides and isolates, BOM, soft hyphen, variation selectors, the combining grapheme joiner,
 * Hangul and Khmer fillers, tags), every other format character, line and paragraph separators,
 * spaces other than U+0020, private-use characters and the Braille blank.
 */
const INVISIBLE = /[\p{Default_Ignorable_Code_Point}\p{Cf}\p{Zl}\p{Zp}\p{Co}\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000\u2800]/u;
const LOOKALIKE_SCRIPTS = [
  { name: 'Latin', letter: /\p{Script=Latin}/u },
  { name: 'Cyrillic', letter: /\p{Script=Cyrillic}/u },
  { name: 'Greek', letter: /\p{Script=Greek}/u },
] as const;
/** What separates words: anything but letters and combining marks. */
const NOT_A_LETTER = /[^\p{L}\p{M}]+/u;
const RESERVED = new Set(['__proto__']);

/** The form a typed name is stored in: Unicode normal form C. Lone surrogates are left as they are (and refused). */
export function normaliseName(raw: string): string {
  return raw.normalize('NFC');
}

/** "U+200B": how a character that cannot be shown is named in a message. */
function codePoint(char: string): string {
  return `U+${char.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
}

function firstMatch(name: string, pattern: RegExp): string | undefined {
  return name.match(pattern)?.[0];
}

/** The problems every name ever stored is free of: checked on every reference to a name. */
function basicProblem(name: unknown): NameProblem | undefined {
  if (typeof name !== 'string') return { code: 'not-text', text: 'must be text.' };
  if (name.trim() === '') return { code: 'empty', text: 'must not be empty.' };
  if (name.length > NAME_MAX_LENGTH) return { code: 'too-long', text: `is longer than ${NAME_MAX_LENGTH} characters; shorten it.` };
  if (name !== name.trim()) return { code: 'edge-space', text: 'must not start or end with spaces; remove them.' };
  return undefined;
}

/** Per word, as browsers judge domain labels: a bilingual name is fine, a bilingual word is a disguise. */
function mixedScriptProblem(name: string): NameProblem | undefined {
  for (const word of name.split(NOT_A_LETTER)) {
    const found = LOOKALIKE_SCRIPTS.filter((script) => script.letter.test(word));
    if (found.length < 2) continue;
    const example = firstMatch(word, found[1]!.letter)!;
    return {
      code: 'mixed-script',
      text: `mixes ${found.map((s) => s.name).join(' and ')} letters in the word "${word}" (e.g. "${example}", ${codePoint(example)}), which look alike; write each word in one alphabet.`,
    };
  }
  return undefined;
}

/**
 * Why `name` cannot be given to a new application, identifier or field; undefined when it can.
 * `name` must already be normalised (`normaliseName`): a name that is not NFC is refused here, so
 * the store refuses a caller that forgot to normalise.
 */
export function newNameProblem(name: unknown): NameProblem | undefined {
  const basic = basicProblem(name);
  if (basic) return basic;
  const s = name as string;
  if (LONE_SURROGATE.test(s)) return { code: 'lone-surrogate', text: 'contains a lone UTF-16 surrogate, which cannot be stored; retype it.' };
  const control = firstMatch(s, CONTROL);
  if (control !== undefined) return { code: 'control', text: `must not contain control characters (found ${codePoint(control)}); remove it.` };
  const invisible = firstMatch(s, INVISIBLE);
  if (invisible !== undefined) {
    return { code: 'invisible', text: `must not contain invisible, bidirectional or special space characters (found ${codePoint(invisible)}); remove it or use an ordinary space.` };
  }
  if (s === '.' || s === '..') return { code: 'dot-segment', text: 'must not be "." or "..": they mean folders in paths; choose another name.' };
  if (RESERVED.has(s)) return { code: 'reserved', text: `must not be "${s}": JavaScript tools cannot hold it as a key; choose another name.` };
  const mixed = mixedScriptProblem(s);
  if (mixed) return mixed;
  if (s !== normaliseName(s)) return { code: 'not-nfc', text: 'is not in Unicode normal form C; normalise it (String.prototype.normalize) before sending.' };
  return undefined;
}

/**
 * Why `name` cannot refer to an existing application, identifier or field; undefined when it can.
 * The rule names were created under before `newNameProblem`, so that none of them is locked out.
 */
export function existingNameProblem(name: unknown): NameProblem | undefined {
  const basic = basicProblem(name);
  if (basic) return basic;
  if (LEGACY_CONTROL.test(name as string)) return { code: 'control', text: 'must not contain control characters; remove them.' };
  return undefined;
}

/** "The application name must not be empty." */
export function describeNameProblem(problem: NameProblem, what: string): string {
  return `The ${what} ${problem.text}`;
}

/**
 * A record keyed by names: without a prototype, so that every name, "__proto__" and
 * "constructor" included, is an ordinary key (plain `{}` drops a value stored under "__proto__").
 */
export function nameKeyedRecord<T>(): Record<string, T> {
  return Object.create(null) as Record<string, T>;
}
