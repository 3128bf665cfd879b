// One NER file → sentences with IOB2 tags: the layout is sniffed, each tag's shape checked where it is written, the
// file's scheme detected once from all its sequences, and every sequence rewritten in IOB2.
import { asDatasetError, DatasetError, formatLocation, LabelError, listSome } from '../errors';
import { readConll } from './conllReader';
import { readSpanRows } from './entitySpans';
import { sniffNerFormat, type ColumnNames } from './nerFormat';
import type { NerFormat, RawSentence } from './sentence';
import { detectScheme, iob2Labels, parseTag, toIob2, type ParsedTag, type TagScheme } from './tagSchemes';
import { readTokenTagRows } from './tokenTagRows';

export interface NerExample {
  tokens: string[];
  /** Normalized to IOB2. */
  tags: string[];
  /** Line (Parquet: row) the sentence starts at. */
  line: number;
  split?: string;
}

export interface NerDataset {
  file: string;
  format: NerFormat;
  /** The scheme the file is written in (its examples are IOB2 whatever this says). */
  scheme: TagScheme;
  /** The IOB2 tag set: 'O' first, then B-X, I-X for each entity type X in sorted order (the export's id2label order). */
  labels: string[];
  examples: NerExample[];
  warnings: string[];
}

export interface NerLoadOptions {
  /** Tag names in id order, for files whose tags are integer ids without a dataset_info.json beside them. */
  labelNames?: string[];
  columns?: ColumnNames;
}

const NOT_NER = 'expected CoNLL columns (.conll/.iob/.bio, or .txt/.tsv with one "token tag" line per token), ' +
  'JSONL/JSON/Parquet rows with "tokens" and "ner_tags" lists, or rows with "text" and "entities" character spans';

async function readSentences(file: string, o: NerLoadOptions): Promise<{ format: NerFormat; sentences: RawSentence[] }> {
  const sniffed = await sniffNerFormat(file, o.columns);
  switch (sniffed.format) {
    case 'conll': return { format: 'conll', sentences: await readConll(file) };
    case 'tokens-tags': return { format: 'tokens-tags', sentences: await readTokenTagRows(file, { labelNames: o.labelNames, columns: sniffed.columns }) };
    case 'spans': return { format: 'spans', sentences: await readSpanRows(file, { columns: sniffed.columns }) };
    case undefined: throw new DatasetError('unsupported-format', { file }, `not token-classification data: ${sniffed.reason}; ${NOT_NER}`);
  }
}

export async function loadNerDataset(file: string, o: NerLoadOptions = {}): Promise<NerDataset> {
  let read: Awaited<ReturnType<typeof readSentences>>;
  try {
    read = await readSentences(file, o);
  } catch (e) {
    // A missing or unreadable file is a dataset problem to report like the others, not an I/O exception.
    throw asDatasetError(file, e);
  }
  const { format, sentences } = read;
  const kept: RawSentence[] = [];
  const parsed: ParsedTag[][] = [];
  const emptyLines: number[] = [];
  for (const s of sentences) {
    if (!s.tokens.length) {
      emptyLines.push(s.line);
      continue;
    }
    const seq: ParsedTag[] = [];
    for (let k = 0; k < s.tags.length; k++) {
      const t = parseTag(s.tags[k]);
      if ('problem' in t) throw new LabelError('bad-label', await s.where(k), t.problem);
      seq.push(t);
    }
    kept.push(s);
    parsed.push(seq);
  }
  if (!kept.length) throw new DatasetError('empty-dataset', { file }, 'every sentence is empty; expected sentences with at least one token');

  const scheme = detectScheme(parsed);
  const types = new Set<string>();
  const repairedLines: number[] = [];
  let repairedCount = 0;
  const examples = kept.map((s, i): NerExample => {
    const { tags, repaired } = toIob2(parsed[i], scheme);
    for (const k of repaired) {
      if (repairedLines.length < 20) repairedLines.push(s.lineOf(k));
      repairedCount++;
    }
    for (const t of parsed[i]) if (t.prefix !== 'O') types.add(t.type);
    return { tokens: s.tokens, tags, line: s.line };
  });

  const warnings: string[] = [];
  const where = formatLocation({ file });
  const unit = format === 'conll' ? 'line' : file.toLowerCase().endsWith('.parquet') ? 'row' : 'line';
  if (repairedCount) {
    const start = scheme === 'BIOES' ? 'B- or S-' : 'B-';
    warnings.push(`${where}: ${repairedCount} entity(ies) start with I-${scheme === 'BIOES' ? '/E-' : ''} instead of ${start} in this ${scheme} file ` +
      `(${unit} ${listSome(repairedLines, repairedCount)}); they are read as entity starts (B-), as seqeval's default mode reads them.`);
  }
  if (emptyLines.length) {
    warnings.push(`${where}: ${emptyLines.length} empty sentence(s) without tokens were skipped (${unit} ${listSome(emptyLines, emptyLines.length)}).`);
  }
  return { file, format, scheme, labels: iob2Labels(types), examples, warnings };
}
