// Character-span annotations, as annotation tools export them: {"text": ..., "entities": [[start, end, "LABEL"]]}
// (also {"start", "end", "label"} objects; doccano's "label" key and start_offset/end_offset; spaCy's "spans"),
// turned into BIO tags over the whitespace-separated words of the text, the same words the encoder splits.
import * as path from 'node:path';
import { splitWords } from '../../util/wordSpans';
import { ColumnError, DatasetError, LabelError, MalformedRowError } from '../errors';
import { readNerRows } from './nerRows';
import { locateInRow } from './rowPosition';
import type { RawSentence } from './sentence';

export const TEXT_COLUMNS = ['text', 'sentence', 'content'];
export const ENTITY_COLUMNS = ['entities', 'spans', 'label', 'labels', 'annotations'];

export interface SpanColumns { text: string; entities: string }

/** Something that can be a list of spans: a list whose elements are [start, end, label] lists or objects. */
function isSpanList(v: unknown): boolean {
  return Array.isArray(v) && v.every((e) => Array.isArray(e) || (e !== null && typeof e === 'object'));
}

export function spanColumns(row: Record<string, unknown>, given: { text?: string; entities?: string } = {}): SpanColumns | undefined {
  const text = given.text ?? TEXT_COLUMNS.find((c) => typeof row[c] === 'string');
  const entities = given.entities ?? ENTITY_COLUMNS.find((c) => isSpanList(row[c]));
  return text && entities ? { text, entities } : undefined;
}

interface Span { start: number; end: number; label: string }

const SPAN_SHAPE = 'expected [start, end, "LABEL"] or {"start": ..., "end": ..., "label": ...} with character offsets, end exclusive';

function spanOf(e: unknown): Span | string {
  let start: unknown;
  let end: unknown;
  let label: unknown;
  if (Array.isArray(e)) [start, end, label] = e;
  else if (e && typeof e === 'object') {
    const o = e as Record<string, unknown>;
    start = o.start ?? o.start_offset ?? o.start_char;
    end = o.end ?? o.end_offset ?? o.end_char;
    label = o.label ?? o.type ?? o.entity;
  }
  if (!Number.isInteger(start) || !Number.isInteger(end) || typeof label !== 'string' || !label.trim()) {
    return `entity ${JSON.stringify(e).slice(0, 60)}; ${SPAN_SHAPE}`;
  }
  return { start: start as number, end: end as number, label: label.trim() };
}

export interface SpanOptions {
  columns?: { text?: string; entities?: string };
}

/** Sentences of a JSONL / JSON / Parquet file of texts with character-span entities. */
export async function readSpanRows(file: string, o: SpanOptions = {}): Promise<RawSentence[]> {
  const rows = await readNerRows(file);
  if (!rows.length) throw new DatasetError('empty-dataset', { file }, 'the file has no rows');
  const unit = path.extname(file).toLowerCase() === '.parquet' ? 'row' : 'line';
  const columns = spanColumns(rows[0].row, o.columns);
  if (!columns) {
    throw new ColumnError('missing-column', { file, line: rows[0].line, unit },
      `found the fields ${Object.keys(rows[0].row).join(', ')}; expected a text (${TEXT_COLUMNS.map((c) => `"${c}"`).join(', ')}) and a list of entities ` +
      `(${ENTITY_COLUMNS.map((c) => `"${c}"`).join(', ')}), or name them in the column settings`);
  }
  const out: RawSentence[] = [];
  for (const { row, line } of rows) {
    const at = (p: (string | number)[]) => locateInRow(file, line, p, unit);
    const text = row[columns.text];
    if (typeof text !== 'string') {
      throw new MalformedRowError('missing-column', await at([columns.text]),
        text === undefined ? `this row has no "${columns.text}" field; expected the sentence's text` : `"${columns.text}" holds ${JSON.stringify(text).slice(0, 40)}; expected a string`);
    }
    const list = row[columns.entities] ?? [];
    if (!Array.isArray(list)) {
      throw new MalformedRowError('bad-label', await at([columns.entities]), `"${columns.entities}" holds ${JSON.stringify(list).slice(0, 40)}; expected a list of entities`);
    }
    const words = splitWords(text);
    const tags = words.map(() => 'O');
    const owner = words.map(() => -1);
    for (let i = 0; i < list.length; i++) {
      const span = spanOf(list[i]);
      const here = () => at([columns.entities, i]);
      if (typeof span === 'string') throw new LabelError('bad-label', await here(), span);
      const shown = `[${span.start}, ${span.end}, ${JSON.stringify(span.label)}]`;
      if (span.start < 0 || span.end > text.length || span.start >= span.end) {
        throw new LabelError('bad-label', await here(),
          `entity ${shown} is outside the text or empty; expected 0 ≤ start < end ≤ ${text.length} (the text's length)`);
      }
      // Annotators often select a trailing or leading space with a word; that is not a boundary inside a word.
      let { start, end } = span;
      while (start < end && /\s/.test(text[start])) start++;
      while (end > start && /\s/.test(text[end - 1])) end--;
      const first = words.findIndex((w) => w.end > start);
      let last = words.length - 1;
      while (last >= 0 && words[last].start >= end) last--;
      const cut = first === -1 ? undefined : words[first].start !== start ? words[first] : words[last].end !== end ? words[last] : undefined;
      if (first === -1 || last < first || cut) {
        const word = cut ?? words[Math.max(first, 0)];
        throw new LabelError('bad-label', await here(),
          `entity ${shown} (${JSON.stringify(text.slice(span.start, span.end))}) has a boundary inside the word ${JSON.stringify(word?.text ?? '')} ` +
          `(characters ${word?.start}-${word?.end}); expected entities to cover whole whitespace-separated words`);
      }
      for (let k = first; k <= last; k++) {
        if (owner[k] !== -1) {
          throw new LabelError('bad-label', await here(),
            `entity ${shown} overlaps entity ${owner[k] + 1} of this row at the word ${JSON.stringify(words[k].text)}; expected entities that do not overlap (nested entities are not supported)`);
        }
        owner[k] = i;
        tags[k] = `${k === first ? 'B' : 'I'}-${span.label}`;
      }
    }
    out.push({
      tokens: words.map((w) => w.text), tags, line, lineOf: () => line,
      where: () => at([columns.entities]),
    });
  }
  return out;
}
