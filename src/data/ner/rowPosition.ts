// Where a value sits inside a JSON row, as line:column. The row readers give rows as parsed objects with their line;
// only when a message must point inside one (the 7th tag of "ner_tags", the 2nd entity) is its text read again and
// scanned, so the normal path never pays for it.
import type { Location } from '../errors';
import { positionIn, textFromLine } from '../readers/source';

/** Offset just past the JSON string starting at `at` (which holds the opening quote). */
function skipString(text: string, at: number): number {
  let k = at + 1;
  while (k < text.length && text[k] !== '"') k += text[k] === '\\' ? 2 : 1;
  return k + 1;
}

function skipSpace(text: string, at: number): number {
  while (at < text.length && /\s/.test(text[at])) at++;
  return at;
}

/** Offset just past the JSON value starting at `at`. */
function skipValue(text: string, at: number): number {
  if (text[at] === '"') return skipString(text, at);
  if (text[at] !== '{' && text[at] !== '[') {
    while (at < text.length && !/[,\]}\s]/.test(text[at])) at++;
    return at;
  }
  let depth = 0;
  for (let k = at; k < text.length; k++) {
    const c = text[k];
    if (c === '"') k = skipString(text, k) - 1;
    else if (c === '{' || c === '[') depth++;
    else if (c === '}' || c === ']') {
      if (--depth === 0) return k + 1;
    }
  }
  return text.length;
}

/** Offset of the value of `key` in the object starting at `at`, or -1. */
function valueOfKey(text: string, at: number, key: string): number {
  let k = skipSpace(text, at + 1);
  while (k < text.length && text[k] === '"') {
    const end = skipString(text, k);
    let name: unknown;
    try { name = JSON.parse(text.slice(k, end)); } catch { return -1; }
    const colon = skipSpace(text, end);
    if (text[colon] !== ':') return -1;
    const value = skipSpace(text, colon + 1);
    if (name === key) return value;
    k = skipSpace(text, skipValue(text, value));
    if (text[k] !== ',') return -1;
    k = skipSpace(text, k + 1);
  }
  return -1;
}

/** Offset of element `index` of the array starting at `at`, or -1. */
function elementOf(text: string, at: number, index: number): number {
  if (text[at] !== '[') return -1;
  let k = skipSpace(text, at + 1);
  for (let i = 0; i < index; i++) {
    k = skipSpace(text, skipValue(text, k));
    if (text[k] !== ',') return -1;
    k = skipSpace(text, k + 1);
  }
  return text[k] === ']' ? -1 : k;
}

/**
 * file:line:column of `path` (a key, then array indices or keys) in the row that starts at `line`. The row must start
 * its line (JSON Lines, or a pretty-printed array element): otherwise, and for Parquet rows, only the line is given,
 * never a column that could be wrong.
 */
export async function locateInRow(file: string, line: number, path: readonly (string | number)[], unit: 'line' | 'row' = 'line'): Promise<Location> {
  const loc: Location = { file, line, unit };
  if (unit === 'row') return loc;
  let text: string;
  try {
    text = await textFromLine(file, line, 1 << 20);
  } catch {
    return loc;
  }
  let at = skipSpace(text, 0);
  if (text[at] !== '{') return loc;
  for (const step of path) {
    at = typeof step === 'number' ? elementOf(text, at, step) : text[at] === '{' ? valueOfKey(text, at, step) : -1;
    if (at < 0) return loc;
  }
  return { file, ...positionIn(text, at, line) };
}
