// A run whose validation set came out empty trains "blind": nothing picks the best checkpoint, early stopping never
// fires, and the run used to complete with "evaluate on 0" and no metrics. This says so, with why and the fix that
// fits how the split was made. Split logic stays in splits.ts; this only looks at its result.
import * as path from 'node:path';
import type { DatasetWarning } from './errors';
import type { Example } from './examples';

export interface SplitOutcome {
  /** How validation was obtained: its own file, a split column, or a stratified slice of train. */
  source: 'files' | 'column' | 'random';
  train: readonly Example[];
  validation: readonly Example[];
  /** The split column, for source 'column'. */
  splitColumn?: string;
  /** The validation share of the stratified slice, for source 'random'. */
  validationRatio?: number;
}

/** Rows per class of the training examples (single-label only; undefined for multi-label or regression). */
function classSizes(examples: readonly Example[]): number[] | undefined {
  const counts = new Map<number, number>();
  for (const e of examples) {
    if (typeof e.label !== 'number' || !Number.isInteger(e.label)) return undefined;
    counts.set(e.label, (counts.get(e.label) ?? 0) + 1);
  }
  return [...counts.values()];
}

/** Undefined when there are validation examples; otherwise a 'no-validation' warning naming the cause and the fix. */
export function emptyValidationWarning(file: string, split: SplitOutcome): DatasetWarning | undefined {
  if (split.validation.length) return undefined;
  const consequence = 'nothing can select the best checkpoint or drive early stopping, and validation metrics will be missing';
  let cause: string;
  let fix: string;
  if (split.source === 'column') {
    cause = `no row of split column "${split.splitColumn ?? 'split'}" is validation`;
    fix = 'mark some rows "validation" in that column, or give a validation file';
  } else if (split.source === 'files') {
    cause = `no validation file was given, and a ${Math.round((split.validationRatio ?? 0.1) * 100)}% slice of the ${split.train.length} training row(s) would be empty`;
    fix = 'give a validation file (e.g. validation.csv next to the training file)';
  } else {
    const ratio = split.validationRatio ?? 0.1;
    const sizes = classSizes(split.train);
    const largest = sizes?.length ? Math.max(...sizes) : split.train.length;
    // A class of n rows gives round(n × ratio) to validation, so it needs ceil(0.5 / ratio) rows to give one.
    const needed = Math.ceil(0.5 / ratio);
    cause = sizes?.length
      ? `the stratified ${Math.round(ratio * 100)}% validation slice is empty: ${sizes.length} class(es), the largest with ${largest} row(s)`
      : `the ${Math.round(ratio * 100)}% validation slice of ${split.train.length} example(s) is empty`;
    const more = ratio > 0 ? `, or give ${sizes?.length ? 'each class' : 'the data'} ${needed} or more rows so the slice can hold ${sizes?.length ? 'one of each' : 'one out'}` : ', or set a validation ratio above 0';
    fix = `add a validation file (e.g. validation.csv next to ${path.basename(file)}) or a split column${more}`;
  }
  return {
    code: 'no-validation', file, lines: [], count: 0,
    message: `No validation examples: ${cause}. Training goes ahead, but ${consequence}. To evaluate, ${fix}.`,
  };
}
