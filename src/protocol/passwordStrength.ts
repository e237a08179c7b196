/**
 * How strong a new password must be (backups of the master secret, .entsso exports): one rule,
 * applied by the service and the master secret server, and by the extension as the password is
 * typed. No dependencies: shared by both sides.
 */
export const MIN_PASSWORD_LENGTH = 12;
/** A password this long may use a single kind of character (a passphrase of words). */
export const PASSPHRASE_LENGTH = 20;

/**
 * Words that make a password trivially guessable however they are decorated with digits,
 * symbols or look-alike characters ("P@ssw0rd2024!"). Short on purpose: the length and
 * variety rules do most of the work; this catches what passes them anyway.
 */
const COMMON_WORDS = new Set([
  'password', 'passwort', 'motdepasse', 'contrasena', 'secret', 'qwerty', 'qwertyuiop', 'azerty', 'asdfgh',
  'letmein', 'welcome', 'iloveyou', 'admin', 'administrator', 'changeme', 'default', 'master', 'mastersecret',
  'biztalk', 'entsso', 'sso', 'backup', 'microsoft', 'windows', 'server', 'login', 'test', 'summer', 'winter',
  'spring', 'autumn', 'monkey', 'dragon', 'football', 'baseball', 'sunshine', 'princess', 'abc', 'abcdef',
]);

const LEET: Record<string, string> = { '0': 'o', '1': 'i', '3': 'e', '4': 'a', '5': 's', '7': 't', '@': 'a', '$': 's', '!': 'i' };

/** A sentence saying why `password` is too weak, or undefined when it is acceptable. */
export function checkPasswordStrength(password: string): string | undefined {
  if (typeof password !== 'string' || password.length === 0) return 'A password is required.';
  const chars = [...password];
  if (chars.length < MIN_PASSWORD_LENGTH) {
    return `The password is too short: use at least ${MIN_PASSWORD_LENGTH} characters.`;
  }
  if (password.trim().length === 0) return 'The password cannot be only spaces.';
  if (isSimpleSequence(chars)) return 'The password is a repeated character or a simple sequence such as "abcd…" or "1234…".';
  if (isCommonWordWithDecoration(password)) {
    return 'The password is a common word or pattern with a few digits or symbols added; choose something less guessable.';
  }
  const classes = characterClasses(password);
  if (classes.size === 1 && chars.length < PASSPHRASE_LENGTH) {
    const [only] = classes;
    return (
      `The password uses only ${only}. Mix in other kinds of characters (lowercase, uppercase, digits, symbols) ` +
      `or make it at least ${PASSPHRASE_LENGTH} characters long.`
    );
  }
  return undefined;
}

function characterClasses(password: string): Set<string> {
  const classes = new Set<string>();
  for (const ch of password) {
    if (/\p{Ll}/u.test(ch)) classes.add('lowercase letters');
    else if (/\p{Lu}/u.test(ch)) classes.add('uppercase letters');
    else if (/\p{Nd}/u.test(ch)) classes.add('digits');
    else classes.add('symbols');
  }
  return classes;
}

/** "aaaa…", "abcd…", "9876…", "acegi…": every step between neighbours is the same. */
function isSimpleSequence(chars: string[]): boolean {
  const codes = chars.map((c) => c.toLowerCase().codePointAt(0)!);
  const step = codes[1] - codes[0];
  return Math.abs(step) <= 2 && codes.every((code, i) => i === 0 || code - codes[i - 1] === step);
}

/** "P@ssw0rd2024!", "!!Welcome2025!!", "passwordpassword": a common word plus at most 3 more letters. */
function isCommonWordWithDecoration(password: string): boolean {
  const lower = password.toLowerCase();
  const stripEnds = (text: string) => text.replace(/^[^\p{L}]+|[^\p{L}]+$/gu, ''); // digits and symbols around a word
  const symbolsAsLetters = lower.replace(/[@$]/g, (c) => LEET[c]); // "@dmin1234" is "admin1234"
  const candidates = [lower, unLeet(stripEnds(lower)), unLeet(lower), stripEnds(symbolsAsLetters)].map((c) => dropRepeats(lettersOf(c)));
  return candidates.some((letters) =>
    [...COMMON_WORDS].some((word) => letters === word || (word.length >= 4 && letters.includes(word) && letters.length - word.length <= 3)),
  );
}

function unLeet(text: string): string {
  return [...text].map((c) => LEET[c] ?? c).join('');
}

function lettersOf(text: string): string {
  return text.replace(/[^\p{L}]/gu, '');
}

function dropRepeats(word: string): string {
  // "passwordpassword" is still "password".
  for (let size = 1; size <= word.length / 2; size++) {
    if (word.length % size === 0 && word.slice(0, size).repeat(word.length / size) === word) return word.slice(0, size);
  }
  return word;
}
