// Quoting for the POSIX shell scripts a cluster job is launched with: a path with spaces, quotes or `$` must reach the
// trainer as one argument, unchanged, whatever the shell would otherwise split, expand or glob.

/** Characters no POSIX shell treats specially in a word: a word made only of them needs no quotes. */
const SAFE = /^[\w@%+=:,./-]+$/;

/**
 * One shell word that the shell reads back as exactly `s`. Single quotes keep everything literal; a single quote
 * itself cannot appear inside them, so it closes the quotes, adds an escaped quote and opens them again (`'\''`).
 */
export function shellQuote(s: string): string {
  if (s.includes('\0')) throw new Error(`a shell argument cannot hold a NUL character: ${JSON.stringify(s)}`);
  return SAFE.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** Several words, each quoted, separated by spaces. */
export const shellWords = (words: readonly string[]): string => words.map(shellQuote).join(' ');
