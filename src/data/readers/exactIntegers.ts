// JSON numbers become doubles, so 2^60 and 2^60 + 1 both parse to 1152921504606846976 and two classes merge. Before
// parsing, integer literals too large for a double are turned into strings holding their exact digits; label typing
// then sees the same text a CSV file would give.

/** Digits in a row that could exceed 2^53 (16 or more); most lines have none, and are parsed as they are. */
const LONG_DIGITS = /\d{16}/;

/** `text` with every unquoted integer literal beyond Number.MAX_SAFE_INTEGER written as a JSON string instead. */
export function quoteUnsafeIntegers(text: string): string {
  if (!LONG_DIGITS.test(text)) return text;
  let out = '';
  let copied = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') { inString = true; continue; }
    if (c !== '-' && (c < '0' || c > '9')) continue;
    let end = i + (c === '-' ? 1 : 0);
    while (end < text.length && text[end] >= '0' && text[end] <= '9') end++;
    const fraction = text[end] === '.' || text[end] === 'e' || text[end] === 'E';
    const literal = text.slice(i, end);
    if (!fraction && /^-?\d+$/.test(literal) && !Number.isSafeInteger(Number(literal))) {
      out += `${text.slice(copied, i)}"${literal}"`;
      copied = end;
    }
    // A number with a fraction or exponent is a float; skip it whole.
    while (end < text.length && /[0-9.eE+-]/.test(text[end])) end++;
    i = end - 1;
  }
  return copied ? out + text.slice(copied) : text;
}
