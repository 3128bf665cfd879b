// What the Datasets view shows for a file, computed in one streaming pass: rows, columns, detected mapping, label
// distribution, token lengths for the chosen tokenizer, duplicate / empty rows. Memory stays bounded by the number of
// distinct labels and 8 to 16 bytes of hash per distinct row, never by the file size.
import * as fs from 'node:fs';
import type { DatasetFormat } from './datasetFile';
import { DatasetError, LabelError, toResult, type DataResult } from './errors';
import { detectMapping } from './examples';
import { StringHashSet } from './hashSet';
import { fingerprintOf, rowsOfUnchangedFile } from './fingerprint';
import { isMissingLabel, labelKey, sortLabelNames, type LabelKind } from './labels';
import { readRows } from './readers';
import { delimiterHintMessage, type ColumnMapping, type MappingOverride } from './schema';
import type { TokenizeFn } from './batching';

export interface LabelCount {
  label: string;
  count: number;
}

export interface DatasetSummary {
  file: string;
  format: DatasetFormat;
  sizeBytes: number;
  /** Rows read; all of them when `complete`, else the first `maxRows`. */
  rows: number;
  complete: boolean;
  columns: string[];
  mapping: ColumnMapping;
  labelKind?: LabelKind;
  /** Classes in label-id order with their row counts (multi-label: rows carrying each label). */
  labelDistribution: LabelCount[];
  /** Regression targets. */
  targetRange?: { min: number; max: number; mean: number };
  tokens?: { counted: number; average: number; max: number };
  duplicateRows: number;
  /** Rows whose every field is empty. */
  emptyRows: number;
  /** Rows whose text (or either text of a pair) is empty. */
  emptyText: number;
  unlabeledRows: number;
  /** Labels that do not fit the column's kind; the summary still counts them as class names. */
  problems: string[];
  /** The problems that stop a run of this mapping (training would refuse the file): a subset of `problems`. */
  blocking: string[];
}

export interface SummaryOptions {
  mapping?: MappingOverride;
  tokenize?: TokenizeFn;
  /** Rows whose token lengths are measured (the first N); tokenizing a whole large file is not worth a view update. */
  tokenStatsRows?: number;
  /** Stop after this many rows (a view refreshing many large files); the summary then has `complete: false`. */
  maxRows?: number;
  /** Abandon the pass (e.g. the view was refreshed again); the result is a 'cancelled' failure. */
  signal?: AbortSignal;
}

function isEmpty(v: unknown): boolean {
  return v === null || v === undefined || (typeof v === 'string' && v.trim() === '');
}

export function summarizeDataset(file: string, opts: SummaryOptions = {}): Promise<DataResult<DatasetSummary>> {
  return toResult(file, async () => {
    const problems: string[] = [];
    const blocking: string[] = [];
    const before = fingerprintOf(file);
    let detected;
    try {
      detected = await detectMapping(file, opts.mapping);
    } catch (e) {
      if (!(e instanceof LabelError)) throw e;
      // A view should still describe a file whose labels are inconsistent; the problem is listed instead.
      problems.push(e.message);
      blocking.push(e.message);
      detected = await detectMapping(file, { ...opts.mapping, labelKind: 'string' });
    }
    const { columns, mapping, format } = detected;
    if (detected.delimiterHint && mapping.label) problems.push(delimiterHintMessage(mapping.label, detected.delimiterHint, format === 'parquet' ? 'row' : 'line'));
    const summary: DatasetSummary = {
      file, format, sizeBytes: (await fs.promises.stat(file)).size, rows: 0, complete: true, columns, mapping, labelDistribution: [],
      duplicateRows: 0, emptyRows: 0, emptyText: 0, unlabeledRows: 0, problems, blocking,
    };
    if (mapping.labelKind) summary.labelKind = mapping.labelKind;
    const counts = new Map<string, number>();
    const seen = new StringHashSet();
    const target = { min: Infinity, max: -Infinity, sum: 0, n: 0 };
    const tokenLimit = opts.tokenize ? opts.tokenStatsRows ?? 20000 : 0;
    const pending: (string | [string, string])[] = [];
    const tokens = { counted: 0, total: 0, max: 0 };
    const flushTokens = () => {
      if (!pending.length || !opts.tokenize) return;
      const encoded = mapping.textPair ? opts.tokenize(pending as [string, string][]) : opts.tokenize(pending as string[]);
      for (const enc of encoded) {
        const n = Array.isArray(enc) ? enc.length : enc.ids.length;
        tokens.counted++;
        tokens.total += n;
        tokens.max = Math.max(tokens.max, n);
      }
      pending.length = 0;
    };
    let badLabels = 0;

    const maxRows = opts.maxRows ?? Infinity;
    for await (const { row, line } of rowsOfUnchangedFile(file, before, readRows(file, { format }))) {
      if (opts.signal?.aborted) throw new DatasetError('cancelled', { file, line, unit: format === 'parquet' ? 'row' : 'line' }, 'summary cancelled');
      if (summary.rows >= maxRows) {
        summary.complete = false;
        break;
      }
      summary.rows++;
      if (Object.values(row).every(isEmpty)) summary.emptyRows++;
      const text = isEmpty(row[mapping.text]) ? '' : String(row[mapping.text]);
      const pair = mapping.textPair ? (isEmpty(row[mapping.textPair]) ? '' : String(row[mapping.textPair])) : undefined;
      if (!text || pair === '') summary.emptyText++;
      if (!seen.add(pair === undefined ? text : `${text}\u0000${pair}`)) summary.duplicateRows++;
      if (summary.rows <= tokenLimit) {
        pending.push(pair === undefined ? text : [text, pair]);
        if (pending.length >= 256) flushTokens();
      }
      if (!mapping.label || !mapping.labelKind) continue;
      const raw = row[mapping.label];
      if (isMissingLabel(raw)) {
        summary.unlabeledRows++;
        continue;
      }
      const parsed = labelKey(raw, mapping.labelKind, mapping.labelDelimiter);
      if ('problem' in parsed) {
        badLabels++;
        const key = String(raw);
        counts.set(key, (counts.get(key) ?? 0) + 1);
      } else if (typeof parsed.key === 'number') {
        target.min = Math.min(target.min, parsed.key);
        target.max = Math.max(target.max, parsed.key);
        target.sum += parsed.key;
        target.n++;
      } else {
        for (const k of Array.isArray(parsed.key) ? parsed.key : [parsed.key]) counts.set(k, (counts.get(k) ?? 0) + 1);
      }
    }
    flushTokens();
    if (badLabels) {
      const problem = `${badLabels} label(s) in column "${mapping.label}" do not fit its ${mapping.labelKind} labels.`;
      problems.push(problem);
      blocking.push(problem);
    }
    summary.labelDistribution = sortLabelNames(counts.keys()).map((label) => ({ label, count: counts.get(label)! }));
    const classProblem = tooFewClasses(summary);
    if (classProblem) {
      problems.push(classProblem);
      blocking.push(classProblem);
    }
    if (target.n) summary.targetRange = { min: target.min, max: target.max, mean: target.sum / target.n };
    if (tokens.counted) summary.tokens = { counted: tokens.counted, average: tokens.total / tokens.counted, max: tokens.max };
    return summary;
  });
}

/**
 * A classifier needs two classes: the trainer refuses a file with fewer, so the summary says so where the file is
 * chosen. Only over the whole file (a summary cut at maxRows may not have seen the other classes yet).
 */
function tooFewClasses(s: DatasetSummary): string | undefined {
  if (!s.mapping.label || !s.labelKind || s.labelKind === 'float' || !s.complete) return undefined;
  const classes = s.labelDistribution;
  if (classes.length === 0) return `no row has a label in column "${s.mapping.label}"; a classifier needs labelled rows of at least two classes.`;
  if (classes.length === 1) {
    return `every labelled row has the label "${classes[0].label}" (column "${s.mapping.label}", ${classes[0].count} rows); a classifier needs at least two classes.`;
  }
  return undefined;
}
