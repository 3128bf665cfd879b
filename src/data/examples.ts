// A dataset file → validated training examples: columns resolved, labels mapped to stable ids, bad rows reported
// with their line. Errors stop loading (typed result); recoverable problems become warnings with line lists.
import type { DatasetFormat } from './datasetFile';
import { closestNames, didYouMean } from '../util/closestNames';
import {
  ColumnError, DatasetError, LabelError, listSome, toResult, type DataResult, type DatasetWarning, type DatasetWarningCode,
} from './errors';
import { fingerprintOf, rowsOfUnchangedFile, unlessChanged, type FileFingerprint } from './fingerprint';
import { StringHashSet } from './hashSet';
import { buildLabelSpace, isMissingLabel, labelIndex, labelKey, type LabelSpace } from './labels';
import { formatOrThrow, readColumnNames, readRows, type RawRow, type ReadLimits } from './readers';
import { delimiterHintMessage, labelDelimiterHint, resolveMapping, type ColumnMapping, type DelimiterHint, type MappingOverride } from './schema';

export interface Example {
  text: string;
  textPair?: string;
  /** Class id, class ids (multi-label), or the target (regression); absent for unlabeled text. */
  label?: number | number[];
  /** Value of the split column, when the mapping has one. */
  split?: string;
  /** Line (or Parquet row) the example came from. */
  line: number;
}

export interface LoadedDataset {
  file: string;
  format: DatasetFormat;
  columns: string[];
  mapping: ColumnMapping;
  /** Absent for unlabeled text. */
  labels?: LabelSpace;
  examples: Example[];
}

export interface LoadOptions {
  mapping?: MappingOverride;
  /**
   * The training label space, when loading an evaluation file: its labels must all occur in training, and ids are
   * taken from it so train and eval agree.
   */
  labels?: LabelSpace;
  /** Rows used to detect columns and label kind. */
  sampleRows?: number;
  /** Bounds on one row's and the header's size (defaults: 1 MiB each). */
  limits?: Partial<ReadLimits>;
}

const SAMPLE_ROWS = 500;
/**
 * The detection sample also stops at this many characters (plus a per-field cost), so a 100k-column file samples a
 * few rows rather than holding 500 × 100k values.
 */
const SAMPLE_CHARS = 8 << 20;
const FIELD_COST = 16;
/** Lines listed in a warning; the count says how many there are in all. */
const LINES_KEPT = 20;

/** Collects lines per warning code, then turns them into DatasetWarnings with one message each. */
class WarningTally {
  private readonly lines = new Map<DatasetWarningCode, number[]>();
  private readonly counts = new Map<DatasetWarningCode, number>();
  add(code: DatasetWarningCode, line: number): void {
    const list = this.lines.get(code) ?? [];
    if (list.length < LINES_KEPT) list.push(line);
    this.lines.set(code, list);
    this.counts.set(code, (this.counts.get(code) ?? 0) + 1);
  }
  count(code: DatasetWarningCode): number {
    return this.counts.get(code) ?? 0;
  }
  emit(file: string, code: DatasetWarningCode, message: (where: string, count: number) => string, out: DatasetWarning[]): void {
    const count = this.count(code);
    if (!count) return;
    const lines = this.lines.get(code)!;
    out.push({ code, file, lines, count, message: message(listSome(lines, count), count) });
  }
}

function rowCost(row: Record<string, unknown>): number {
  let n = 0;
  for (const v of Object.values(row)) n += FIELD_COST + (typeof v === 'string' ? v.length : 8);
  return n;
}

/** The first `n` rows, or fewer once they hold SAMPLE_CHARS (at least one row). */
export async function sampleRows(file: string, n: number, format?: DatasetFormat, limits?: Partial<ReadLimits>): Promise<RawRow[]> {
  const sample: RawRow[] = [];
  if (n <= 0) return sample;
  let cost = 0;
  for await (const r of readRows(file, { format, limits })) {
    sample.push(r);
    cost += rowCost(r.row);
    if (sample.length >= n || cost >= SAMPLE_CHARS) break;
  }
  return sample;
}

export interface DetectedMapping {
  columns: string[];
  mapping: ColumnMapping;
  format: DatasetFormat;
  /** Set when text labels look delimited but were read as single classes: worth a loud warning. */
  delimiterHint?: DelimiterHint;
}

/** Detects (or checks the override of) the column mapping from the header and the first rows. */
export async function detectMapping(file: string, override: MappingOverride = {}, sampleSize = SAMPLE_ROWS, limits?: Partial<ReadLimits>): Promise<DetectedMapping> {
  const format = formatOrThrow(file);
  const columns = await readColumnNames(file, format, limits);
  const sample = await sampleRows(file, sampleSize, format, limits);
  if (!sample.length) throw new DatasetError('empty-dataset', { file }, 'the file has no data rows');
  const text = format === 'text' ? { text: 'text', label: null } : {};
  const mapping = resolveMapping(file, columns, sample, { ...override, ...text }, format === 'parquet' ? 'row' : 'line');
  const detected: DetectedMapping = { columns, mapping, format };
  if (mapping.label && mapping.labelKind === 'string' && !override.labelKind) {
    const hint = labelDelimiterHint(sample, mapping.label);
    if (hint) detected.delimiterHint = hint;
  }
  return detected;
}

/** The columns a mapping reads; the rest of a wide file's fields are never materialised. */
function mappedColumns(m: ColumnMapping): string[] {
  return [m.text, m.textPair, m.label, m.split].filter((c): c is string => c !== undefined);
}

/** "empty ×3, "NaN" ×2": which missing-value spellings were skipped, most frequent first. */
function missingSpellings(counts: ReadonlyMap<string, number>): string {
  return [...counts].sort((a, b) => b[1] - a[1]).map(([v, n]) => `${v === '' ? 'empty' : v === 'null' ? 'null' : JSON.stringify(v)} ×${n}`).join(', ');
}

function textOf(file: string, row: Record<string, unknown>, column: string, line: number, unit: 'line' | 'row'): string | undefined {
  if (!(column in row)) {
    // Only JSON rows can lack a key; CSV rows all have the header's fields.
    throw new ColumnError('missing-column', { file, line, unit },
      `this row has no "${column}" field.${didYouMean(column, Object.keys(row))} Fields here: ${Object.keys(row).join(', ')}`,
      closestNames(column, Object.keys(row)));
  }
  const v = row[column];
  if (v === null || v === undefined) return undefined;
  return (typeof v === 'string' ? v : typeof v === 'object' ? JSON.stringify(v) : String(v)).trim();
}

export function loadExamples(file: string, opts: LoadOptions = {}): Promise<DataResult<LoadedDataset>> {
  return toResult(file, async (warnings) => {
    // Taken before the first read: detection and the full pass must see one version of the file, and any failure on
    // a file that changed meanwhile is reported as the change.
    const before = fingerprintOf(file);
    return unlessChanged(file, before, () => readExamples(file, opts, warnings, before));
  });
}

async function readExamples(file: string, opts: LoadOptions, warnings: DatasetWarning[], before: FileFingerprint): Promise<LoadedDataset> {
  const { columns, mapping, format, delimiterHint } = await detectMapping(file, opts.mapping, opts.sampleRows, opts.limits);
  const unit = format === 'parquet' ? 'row' : 'line';
  if (delimiterHint && mapping.label && !opts.labels) {
    warnings.push({
      code: 'label-delimiter-suggested', file, lines: [delimiterHint.line], count: delimiterHint.hits,
      message: delimiterHintMessage(mapping.label, delimiterHint, unit),
    });
  }
  const missing = new Map<string, number>();
  const tally = new WarningTally();
  const examples: Example[] = [];
  const keys: (string | string[] | number | undefined)[] = [];
  const kind = opts.labels?.kind ?? mapping.labelKind;
  const delimiter = opts.labels?.delimiter ?? mapping.labelDelimiter;
  const seen = new StringHashSet();

  const rows = readRows(file, { format, limits: opts.limits, columns: format === 'csv' || format === 'tsv' || format === 'parquet' ? mappedColumns(mapping) : undefined });
  for await (const { row, line } of rowsOfUnchangedFile(file, before, rows)) {
    const text = textOf(file, row, mapping.text, line, unit);
    const pair = mapping.textPair ? textOf(file, row, mapping.textPair, line, unit) : undefined;
    if (!text || (mapping.textPair && !pair)) {
      tally.add('empty-text', line);
      continue;
    }
    let key: string | string[] | number | undefined;
    if (mapping.label && kind) {
      const raw = row[mapping.label];
      if (isMissingLabel(raw)) {
        tally.add('unlabeled-rows', line);
        const spelling = raw === null || raw === undefined ? 'null' : typeof raw === 'number' ? 'NaN' : String(raw).trim();
        missing.set(spelling, (missing.get(spelling) ?? 0) + 1);
        continue;
      }
      const parsed = labelKey(raw, kind, delimiter);
      if ('problem' in parsed && parsed.code === 'object-label') {
        throw new LabelError('object-label', { file, line, unit }, `label column "${mapping.label}": ${parsed.problem}.`);
      }
      if ('problem' in parsed) {
        const numeric = kind === 'float' || kind === 'int';
        throw new LabelError(numeric ? 'mixed-label-types' : 'bad-label', { file, line, unit },
          `label column "${mapping.label}": ${parsed.problem}; the first rows hold ${kind === 'float' ? 'numbers' : kind === 'int' ? 'integer labels' : 'single labels'}. ` +
          (numeric
            ? 'Make every label the same type, or set the label type to "string" to treat numbers as class names.'
            : 'Give every row a single label, or set the label type to "multi" for multi-label data.'));
      }
      key = parsed.key;
    }
    const example: Example = { text, line };
    if (pair !== undefined) example.textPair = pair;
    if (mapping.split) example.split = String(row[mapping.split] ?? '').trim().toLowerCase();
    const identity = pair === undefined ? text : `${text}\u0000${pair}`;
    if (!seen.add(identity)) tally.add('duplicate-rows', line);
    examples.push(example);
    keys.push(key);
  }

  tally.emit(file, 'empty-text', (where, n) => `${n} row(s) with empty text were skipped (${unit} ${where}).`, warnings);
  // Spelled-out missing values ("NaN", "None") are named: a user whose class really is "None" must be able to see it.
  const spelled = [...missing.keys()].some((v) => v !== '');
  tally.emit(file, 'unlabeled-rows', (where, n) => `${n} row(s) without a label were skipped (${unit} ${where}).` +
    (spelled ? ` Missing-value labels (${missingSpellings(missing)}) are skipped like empty ones, never made classes.` : ''), warnings);
  tally.emit(file, 'duplicate-rows', (where, n) => `${n} row(s) repeat an earlier row's text (${unit} ${where}); duplicates weigh those examples more.`, warnings);
  if (!examples.length) {
    throw new DatasetError('empty-dataset', { file },
      tally.count('empty-text') ? `every row's text is empty (column "${mapping.text}")` : 'the file has no usable rows');
  }

  const labels = mapping.label && kind ? assignLabels(file, unit, mapping.label, kind, delimiter, examples, keys, opts.labels) : undefined;
  const loaded: LoadedDataset = { file, format, columns, mapping: { ...mapping, ...(kind ? { labelKind: kind } : {}) }, examples };
  if (labels) loaded.labels = labels;
  return loaded;
}

/** Builds (train) or checks against (eval) the label space, then writes ids into the examples. */
function assignLabels(
  file: string, unit: 'line' | 'row', column: string, kind: NonNullable<ColumnMapping['labelKind']>, delimiter: string | undefined,
  examples: Example[], keys: (string | string[] | number | undefined)[], given?: LabelSpace,
): LabelSpace {
  if (kind === 'float') {
    examples.forEach((e, i) => { e.label = keys[i] as number; });
    return given ?? buildLabelSpace('float', []);
  }
  const names = new Set<string>();
  for (const k of keys) for (const n of Array.isArray(k) ? k : [k as string]) names.add(n);
  const space = given ?? buildLabelSpace(kind, names, delimiter);
  if (given) {
    const known = new Set(given.names);
    const unseen = new Map<string, number[]>();
    keys.forEach((k, i) => {
      for (const n of Array.isArray(k) ? k : [k as string]) {
        if (!known.has(n)) unseen.set(n, [...(unseen.get(n) ?? []), examples[i].line]);
      }
    });
    if (unseen.size) {
      const list = [...unseen].map(([n, lines]) => `"${n}" (${lines.length} row(s), first at ${unit} ${lines[0]})`);
      throw new LabelError('unseen-eval-labels', { file, line: [...unseen.values()][0][0], unit },
        `label(s) ${listSome(list, list.length, 5)} never occur in the training data (training labels: ${listSome(given.names, given.names.length, 10)}). ` +
        'The model cannot predict them: remove those rows or add examples of them to the training file.');
    }
  } else if (space.names.length < 2) {
    throw new LabelError('single-class', { file },
      `every row has the label "${space.names[0]}" (column "${column}", ${examples.length} rows); a classifier needs at least two classes. ` +
      'Check that the label column is right, or add examples of the other classes.');
  }
  const index = labelIndex(space);
  examples.forEach((e, i) => {
    const k = keys[i];
    e.label = Array.isArray(k) ? k.map((n) => index.get(n)!).sort((a, b) => a - b) : index.get(k as string)!;
  });
  return space;
}
