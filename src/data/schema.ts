// Which columns hold the text (or text pair) and the label, and what kind of label it is: detected from column names
// and a sample of values, with every detected choice overridable. Override names are checked against the file.
import { ColumnError, LabelError } from './errors';
import { didYouMean, closestNames } from '../util/closestNames';
import { MULTI_LABEL_DELIMITERS, objectLabelProblem, previewValue, shapeOf, type LabelKind, type ValueShape } from './labels';
import type { RawRow } from './readers/types';

export interface ColumnMapping {
  text: string;
  /** Second text of a pair task (NLI premise/hypothesis, paraphrase). */
  textPair?: string;
  /** Absent: unlabeled text (masked-language-model pre-training). */
  label?: string;
  labelKind?: LabelKind;
  /** Multi-label stored as a delimited string. */
  labelDelimiter?: string;
  /** A column naming each row's split (train / validation / test). */
  split?: string;
}

/** `label: null` forces "unlabeled"; other fields replace what detection would choose. */
export type MappingOverride = Partial<Omit<ColumnMapping, 'label'>> & { label?: string | null };

const PAIRS: [string, string][] = [
  ['premise', 'hypothesis'], ['sentence1', 'sentence2'], ['question1', 'question2'], ['text_a', 'text_b'],
  ['text', 'text_pair'], ['question', 'sentence'], ['query', 'passage'], ['sentence_a', 'sentence_b'],
];
const TEXT_NAMES = [
  'text', 'sentence', 'review', 'content', 'document', 'comment', 'tweet', 'utterance', 'body', 'message', 'sms',
  'input', 'prompt', 'question', 'headline', 'title', 'abstract', 'description', 'passage', 'query', 'review_text',
];
const LABEL_NAMES = [
  'label', 'labels', 'target', 'targets', 'class', 'category', 'categories', 'gold_label', 'sentiment', 'intent',
  'emotion', 'topic', 'tags', 'tag', 'coarse_label', 'fine_label', 'y', 'score', 'rating', 'stars',
];
const SPLIT_NAMES = ['split', 'subset', 'fold'];
/** Row identifiers are never the text or the label, however few rows the sample has. */
const ID_NAME = /^(id|idx|index|uid|guid|row|row_id|unnamed: \d+|.*_id)$/i;

function findByName(columns: readonly string[], names: readonly string[]): string | undefined {
  const lower = new Map(columns.map((c) => [c.toLowerCase(), c]));
  for (const n of names) {
    const hit = lower.get(n);
    if (hit !== undefined) return hit;
  }
  return undefined;
}

function requireColumn(file: string, columns: readonly string[], name: string, role: string): string {
  if (columns.includes(name)) return name;
  throw new ColumnError('missing-column', { file },
    `the ${role} column "${name}" is not in the file.${didYouMean(name, columns)} Columns: ${columns.join(', ')}`,
    closestNames(name, columns));
}

interface ColumnStats {
  shapes: Map<ValueShape, number>;
  /** First line where each shape occurs, for messages. */
  firstLine: Map<ValueShape, number>;
  firstValue: Map<ValueShape, unknown>;
  distinct: Set<string>;
  avgLength: number;
  delimiterHits: Map<string, number>;
  /** First line and value holding each delimiter, for the suggestion. */
  delimiterFirst: Map<string, { line: number; value: string }>;
}

function columnStats(sample: readonly RawRow[], column: string): ColumnStats {
  const stats: ColumnStats = {
    shapes: new Map(), firstLine: new Map(), firstValue: new Map(), distinct: new Set(), avgLength: 0, delimiterHits: new Map(), delimiterFirst: new Map(),
  };
  let total = 0;
  let n = 0;
  for (const { row, line } of sample) {
    const v = row[column];
    const shape = shapeOf(v);
    stats.shapes.set(shape, (stats.shapes.get(shape) ?? 0) + 1);
    if (!stats.firstLine.has(shape)) {
      stats.firstLine.set(shape, line);
      stats.firstValue.set(shape, v);
    }
    if (shape === 'empty') continue;
    const s = typeof v === 'string' ? v : JSON.stringify(v);
    stats.distinct.add(s);
    total += s.length;
    n++;
    if (shape !== 'text') continue;
    for (const d of MULTI_LABEL_DELIMITERS) {
      if (!s.includes(d)) continue;
      stats.delimiterHits.set(d, (stats.delimiterHits.get(d) ?? 0) + 1);
      if (!stats.delimiterFirst.has(d)) stats.delimiterFirst.set(d, { line, value: s });
    }
  }
  stats.avgLength = n ? total / n : 0;
  return stats;
}

/**
 * The label kind the sampled values imply; throws on a mix of numbers and words, and on objects. Multi-label only
 * from lists: a delimiter inside text labels is never enough (see `labelDelimiterHint`).
 */
export function detectLabelKind(file: string, column: string, stats: ColumnStats, unit: 'line' | 'row' = 'line'): { kind: LabelKind; delimiter?: string } {
  const has = (s: ValueShape) => (stats.shapes.get(s) ?? 0) > 0;
  if (has('object')) {
    throw new LabelError('object-label', { file, line: stats.firstLine.get('object'), unit },
      `label column "${column}": ${objectLabelProblem(stats.firstValue.get('object'))}.`);
  }
  if (has('list')) return { kind: 'multi' };
  if (has('text') && (has('int') || has('float'))) {
    const numeric: ValueShape = has('int') ? 'int' : 'float';
    const [first, second] = (stats.firstLine.get(numeric)! < stats.firstLine.get('text')! ? [numeric, 'text'] : ['text', numeric]) as ValueShape[];
    const describe = (s: ValueShape) => `${s === 'text' ? 'text' : 'numbers'} (first at ${unit} ${stats.firstLine.get(s)}: ${JSON.stringify(stats.firstValue.get(s))})`;
    throw new LabelError('mixed-label-types', { file, line: stats.firstLine.get(second), unit },
      `the label column "${column}" mixes ${describe(first)} and ${describe(second)}. ` +
      'Make every label the same type, or set the label type to "string" to treat numbers as class names.');
  }
  if (has('float')) return { kind: 'float' };
  if (has('int')) return { kind: 'int' };
  return { kind: 'string' };
}

export interface DelimiterHint {
  delimiter: string;
  /** Sampled labels holding it, of `labels`. */
  hits: number;
  labels: number;
  line: number;
  example: string;
}

/**
 * A delimiter that appears in a tenth of short text labels ("sports|politics") suggests a multi-label column. It is
 * only a suggestion, said out loud: "Rock; Pop" may just as well be one genre.
 */
export function labelDelimiterHint(sample: readonly RawRow[], column: string): DelimiterHint | undefined {
  const stats = columnStats(sample, column);
  const texts = stats.shapes.get('text') ?? 0;
  for (const d of MULTI_LABEL_DELIMITERS) {
    const hits = stats.delimiterHits.get(d) ?? 0;
    if (hits > 0 && hits >= texts / 10 && stats.avgLength < 60) {
      const first = stats.delimiterFirst.get(d)!;
      return { delimiter: d, hits, labels: texts, line: first.line, example: first.value };
    }
  }
  return undefined;
}

/** The warning text for a delimiter hint: what was read, and the exact setting that reads it as multi-label. */
export function delimiterHintMessage(column: string, hint: DelimiterHint, unit: 'line' | 'row' = 'line'): string {
  return `label column "${column}": ${hint.hits} of ${hint.labels} sampled labels contain "${hint.delimiter}" ` +
    `(first at ${unit} ${hint.line}: ${previewValue(hint.example)}); each is read as one class name, not as several labels. ` +
    `If a row can have several labels, set labelKind "multi" and labelDelimiter "${hint.delimiter}" in the column mapping.`;
}

/**
 * Resolves the full mapping. `sample` should be the first rows of the file (a few hundred is plenty).
 * Throws ColumnError (missing/unknown columns, with suggestions) or LabelError (mixed label types).
 */
export function resolveMapping(file: string, columns: readonly string[], sample: readonly RawRow[], override: MappingOverride = {}, unit: 'line' | 'row' = 'line'): ColumnMapping {
  for (const [role, name] of [['text', override.text], ['text pair', override.textPair], ['label', override.label], ['split', override.split]] as const) {
    if (typeof name === 'string') requireColumn(file, columns, name, role);
  }
  const pair = override.text ? undefined : PAIRS.find(([a, b]) => findByName(columns, [a]) && findByName(columns, [b]));
  let text = override.text ?? (pair ? findByName(columns, [pair[0]]) : findByName(columns, TEXT_NAMES));
  const textPair = override.textPair ?? (pair ? findByName(columns, [pair[1]]) : undefined);
  const split = override.split ?? findByName(columns, SPLIT_NAMES);
  let label = override.label === null ? undefined : override.label ?? findByName(columns, LABEL_NAMES);
  // Computed on demand: a wide file (100k columns) with telling names then costs the stats of two columns, not all.
  const cache = new Map<string, ColumnStats>();
  const stats = {
    get(c: string): ColumnStats {
      let s = cache.get(c);
      if (!s) cache.set(c, (s = columnStats(sample, c)));
      return s;
    },
  };
  const taken = () => new Set([text, textPair, label, split].filter((c): c is string => c !== undefined));

  // No telling name: the text is the column with the longest values that are words rather than numbers.
  if (!text) {
    const used = taken();
    const candidates = columns.filter((c) => !used.has(c) && !ID_NAME.test(c) && (stats.get(c)!.shapes.get('text') ?? 0) > 0);
    candidates.sort((a, b) => stats.get(b)!.avgLength - stats.get(a)!.avgLength);
    text = candidates[0];
  }
  if (!text) {
    throw new ColumnError('no-text-column', { file },
      `no text column found among: ${columns.join(', ') || '(no columns)'}. Name the text column "text" (or "sentence", ` +
      '"premise"/"hypothesis" for pairs), or choose it in the run settings.');
  }
  // No telling name: a label is a remaining column with few distinct values.
  if (label === undefined && override.label !== null) {
    const used = taken();
    const candidates = columns.filter((c) => {
      const s = stats.get(c)!;
      return !used.has(c) && !ID_NAME.test(c) && s.distinct.size >= 2 && s.distinct.size <= Math.max(2, Math.min(100, sample.length / 2));
    });
    candidates.sort((a, b) => stats.get(a)!.distinct.size - stats.get(b)!.distinct.size);
    label = candidates[0];
  }
  const mapping: ColumnMapping = { text };
  if (textPair) mapping.textPair = textPair;
  if (split) mapping.split = split;
  if (label !== undefined) {
    mapping.label = label;
    // Choosing a delimiter is choosing multi-label; detection alone never does (it only suggests, see labelDelimiterHint).
    const chosen = override.labelKind ?? (override.labelDelimiter ? 'multi' : undefined);
    const detected = chosen ? { kind: chosen, delimiter: override.labelDelimiter } : detectLabelKind(file, label, stats.get(label)!, unit);
    mapping.labelKind = detected.kind;
    const delimiter = override.labelDelimiter ?? detected.delimiter;
    if (detected.kind === 'multi' && delimiter) mapping.labelDelimiter = delimiter;
  }
  return mapping;
}
