// CoNLL-style column files: one token per line, the token first and its tag last (CoNLL-2003 has POS and chunk
// columns in between), columns separated by a tab or by spaces, a blank line between sentences, -DOCSTART- lines
// between documents.
import { DatasetError, MalformedRowError } from '../errors';
import { DEFAULT_READ_LIMITS } from '../readers/limits';
import { fileLines } from '../readers/source';
import type { RawSentence } from './sentence';

const DOCSTART = '-DOCSTART-';

interface Fields {
  values: string[];
  /** 1-based column where each value starts. */
  columns: number[];
}

/**
 * A tab in the line means tab-separated columns (a token may then hold spaces); otherwise runs of spaces separate
 * them, as CoNLL-2003 writes them.
 */
function splitFields(text: string): Fields {
  const values: string[] = [];
  const columns: number[] = [];
  const re = text.includes('\t') ? /[^\t]+/g : /[^ \t]+/g;
  for (const m of text.matchAll(re)) {
    const value = m[0].trim();
    if (!value) continue;
    values.push(value);
    columns.push(m.index! + 1 + (m[0].length - m[0].trimStart().length));
  }
  return { values, columns };
}

/**
 * Sentences of a CoNLL file. Every line of the file must have as many columns as its first token line: a line with
 * fewer has lost its tag (or a token held a space), and reading on would misalign tokens and tags.
 */
export async function readConll(file: string): Promise<RawSentence[]> {
  const sentences: RawSentence[] = [];
  let tokens: string[] = [];
  let tags: string[] = [];
  let lines: number[] = [];
  let tagColumns: number[] = [];
  let width = 0;
  let widthLine = 0;
  const flush = () => {
    if (!tokens.length) return;
    const l = lines;
    const c = tagColumns;
    sentences.push({
      tokens, tags, line: l[0],
      lineOf: (k) => l[k],
      where: async (k) => ({ file, line: l[k], column: c[k] }),
    });
    tokens = []; tags = []; lines = []; tagColumns = [];
  };
  // One token per line: the row limit bounds memory on a file that is not CoNLL at all (no line breaks).
  for await (const { text, line } of fileLines(file, DEFAULT_READ_LIMITS.maxRowChars)) {
    if (!text.trim()) {
      flush();
      continue;
    }
    const { values, columns } = splitFields(text);
    if (values[0] === DOCSTART) {
      flush();
      continue;
    }
    if (values.length < 2) {
      throw new MalformedRowError('field-count', { file, line, column: columns[0] },
        `found one column (${JSON.stringify(values[0])}); expected a token and its tag separated by a tab or spaces, ` +
        'the tag last (e.g. "Paris B-LOC" or CoNLL-2003\'s "Paris NNP B-NP B-LOC"), and a blank line between sentences');
    }
    if (!width) {
      width = values.length;
      widthLine = line;
    } else if (values.length !== width) {
      throw new MalformedRowError('field-count', { file, line, column: columns[0] },
        `found ${values.length} columns; expected ${width} like line ${widthLine} (token first, tag last). ` +
        'A missing tag, or a token holding a space in a space-separated file, looks like this');
    }
    tokens.push(values[0]);
    tags.push(values[values.length - 1]);
    lines.push(line);
    tagColumns.push(columns[columns.length - 1]);
  }
  flush();
  if (!sentences.length) throw new DatasetError('empty-dataset', { file }, 'the file has no token lines; expected one "token tag" line per token and a blank line between sentences');
  return sentences;
}

/** Looks like a tag: O, or a prefix and a type joined by - or _ in either order. Used only to sniff files. */
const TAG_LIKE = /^(O|[BIESLU][-_]\S+|\S+[-_][BIESLU])$/;

/**
 * Whether these first lines of a .txt/.tsv file are token-tag columns rather than prose or a table: every non-blank
 * line has two to a dozen columns ending in something tag-shaped, and either one tag is an entity or there are
 * enough lines (a document may open with sentences that have no entity) that prose could not pass by chance.
 */
export function looksLikeConll(lines: readonly string[]): boolean {
  let tokenLines = 0;
  let entity = false;
  for (const text of lines) {
    if (!text.trim()) continue;
    const { values } = splitFields(text);
    if (values[0] === DOCSTART) continue;
    if (values.length < 2 || values.length > 12) return false;
    const tag = values[values.length - 1];
    if (!TAG_LIKE.test(tag)) return false;
    if (tag !== 'O') entity = true;
    tokenLines++;
  }
  return tokenLines >= 2 && (entity || tokenLines >= 20);
}

/** The first `n` lines of a file (for sniffing). */
export async function headLines(file: string, n: number): Promise<string[]> {
  const out: string[] = [];
  for await (const { text } of fileLines(file, 1 << 16)) {
    out.push(text);
    if (out.length >= n) break;
  }
  return out;
}
