/** Substring filters: both adapters match names with LIKE, so the user's text must be escaped. */

/**
 * A LIKE pattern matching `text` anywhere, with the metacharacters escaped by backslash (the
 * statements say ESCAPE '\'). SQL Server also treats `[` as the start of a character class.
 */
export function containsPattern(text: string, dialect: 'sqlite' | 'mssql'): string {
  const metacharacters = dialect === 'mssql' ? /[\\%_[]/g : /[\\%_]/g;
  return `%${text.replace(metacharacters, (ch) => `\\${ch}`)}%`;
}
