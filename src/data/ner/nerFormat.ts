// Which NER layout a file holds, from its extension and a small sample: CoNLL columns, token + tag lists, or
// character spans. Shared by the loader and by task detection, so both read a file the same way.
import * as path from 'node:path';
import { datasetFormatOf } from '../datasetFile';
import { closestNames, didYouMean } from '../../util/closestNames';
import { ColumnError, DatasetError } from '../errors';
import { headLines, looksLikeConll } from './conllReader';
import { spanColumns, type SpanColumns } from './entitySpans';
import { readNerRows } from './nerRows';
import type { NerFormat } from './sentence';
import { tokenTagColumns, type TokenTagColumns } from './tokenTagRows';

/** Extensions that only ever hold CoNLL columns. */
export const CONLL_EXTENSIONS = new Set(['.conll', '.iob', '.iob1', '.iob2', '.bio', '.bioes']);
/** Extensions that hold CoNLL columns only when their first lines look like it (else prose or a table). */
const MAYBE_CONLL = new Set(['.txt', '.tsv']);
const SNIFF_LINES = 200;

export interface ColumnNames { tokens?: string; tags?: string; text?: string; entities?: string }

export type Sniffed =
  | { format: 'conll'; reason: string }
  | { format: 'tokens-tags'; columns: TokenTagColumns; reason: string }
  | { format: 'spans'; columns: SpanColumns; reason: string }
  | { format: undefined; reason: string };

export function isNerFileName(file: string): boolean {
  const ext = path.extname(file).toLowerCase();
  return CONLL_EXTENSIONS.has(ext) || MAYBE_CONLL.has(ext) || ['jsonl', 'json', 'parquet'].includes(datasetFormatOf(file) ?? '');
}

/** The layout of `file`, reading at most its first lines or first row. Read errors propagate (they name the file). */
export async function sniffNerFormat(file: string, columns: ColumnNames = {}): Promise<Sniffed> {
  const ext = path.extname(file).toLowerCase();
  if (CONLL_EXTENSIONS.has(ext)) return { format: 'conll', reason: `${ext} file (CoNLL token-tag columns)` };
  if (MAYBE_CONLL.has(ext)) {
    let lines: string[];
    try {
      lines = await headLines(file, SNIFF_LINES);
    } catch (e) {
      if (e instanceof DatasetError && e.code === 'row-too-long') return { format: undefined, reason: 'its lines are too long for token-tag columns' };
      throw e;
    }
    return looksLikeConll(lines)
      ? { format: 'conll', reason: 'its first lines are token-tag columns (CoNLL style)' }
      : { format: undefined, reason: 'its first lines are not token-tag columns' };
  }
  const f = datasetFormatOf(file);
  if (f !== 'jsonl' && f !== 'json' && f !== 'parquet') return { format: undefined, reason: `a ${ext || 'extensionless'} file holds no token or span annotations` };
  const head = (await readNerRows(file, 1))[0];
  if (!head) return { format: undefined, reason: 'the file has no rows' };
  const first = head.row;
  checkNamedColumns(file, head.line, first, columns);
  const spans = spanColumns(first, { text: columns.text, entities: columns.entities });
  if (spans) return { format: 'spans', columns: spans, reason: `rows hold a text ("${spans.text}") and character-span entities ("${spans.entities}")` };
  const lists = tokenTagColumns(first, { tokens: columns.tokens, tags: columns.tags });
  if (lists) return { format: 'tokens-tags', columns: lists, reason: `rows hold token ("${lists.tokens}") and tag ("${lists.tags}") lists` };
  return { format: undefined, reason: `rows hold ${Object.keys(first).slice(0, 8).join(', ')}: no token/tag lists or entity spans` };
}

/** A column named in the settings must exist: guessing others instead would train on the wrong field. */
function checkNamedColumns(file: string, line: number, row: Record<string, unknown>, columns: ColumnNames): void {
  const fields = Object.keys(row);
  for (const [role, name] of Object.entries(columns)) {
    if (name === undefined || name in row) continue;
    throw new ColumnError('missing-column', { file, line, unit: datasetFormatOf(file) === 'parquet' ? 'row' : 'line' },
      `the ${role} column "${name}" named in the settings is not in the file.${didYouMean(name, fields)} Fields here: ${fields.join(', ')}`,
      closestNames(name, fields));
  }
}

export type { NerFormat };
