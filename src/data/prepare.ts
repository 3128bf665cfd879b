// The training, validation and test examples for a run, from whichever layout the data has: explicit evaluation
// files, split files side by side, a split column, or a seeded stratified split. Evaluation data is read with the
// training mapping and label ids, and overlaps with training are reported.
import { LabelError, listSome, toResult, type DataResult, type DatasetWarning } from './errors';
import { emptyValidationWarning } from './evaluationSet';
import { loadExamples, type Example, type LoadedDataset, type LoadOptions } from './examples';
import type { LabelSpace } from './labels';
import type { ReadLimits } from './readers';
import type { ColumnMapping, MappingOverride } from './schema';
import { findSplitFiles, overlapWarning, partitionBySplit, stratifiedSplit, type SplitName, type SplitOrigin, type SplitRatios } from './splits';

export interface PrepareOptions {
  mapping?: MappingOverride;
  /** Explicit evaluation files; without them, side-by-side split files, then a split column, then a random split. */
  validationFile?: string;
  testFile?: string;
  /** For the random split (default: 10% validation, no test); its validation share also slices a validation set off
   *  the training data when the files or the split column hold a test set but no validation set. */
  ratios?: SplitRatios;
  seed?: number;
  /** Per-row and per-header size bounds, for every file read. */
  limits?: Partial<ReadLimits>;
}

export interface PreparedDataset {
  /** How the splits were obtained, for run.json and the UI. */
  source: 'files' | 'column' | 'random';
  files: Partial<Record<SplitName, string>>;
  mapping: ColumnMapping;
  labels?: LabelSpace;
  train: Example[];
  validation: Example[];
  test: Example[];
  /** Where each split came from (kind 'none': the split is empty). */
  origins: Record<SplitName, SplitOrigin>;
}

export const DEFAULT_RATIOS: SplitRatios = { validation: 0.1 };
export const DEFAULT_SEED = 42;

async function load(file: string, opts: LoadOptions, warnings: DatasetWarning[]): Promise<LoadedDataset> {
  const r = await loadExamples(file, opts);
  warnings.push(...r.warnings);
  if (!r.ok) throw r.error;
  return r.value;
}

/** The mapping an evaluation file must follow: the training one, minus the split column. */
function evalMapping(m: ColumnMapping): MappingOverride {
  const { split: _split, ...rest } = m;
  return { ...rest, label: m.label ?? null };
}

/** Labels of `part` that no training example has (possible with a split column). */
function checkSeen(file: string, space: LabelSpace | undefined, train: Example[], part: Example[], name: SplitName): void {
  if (!space || space.kind === 'float') return;
  const ids = (e: Example) => (e.label === undefined ? [] : Array.isArray(e.label) ? e.label : [e.label]);
  const seen = new Set(train.flatMap(ids));
  const unseen = new Map<number, number[]>();
  for (const e of part) for (const id of ids(e)) if (!seen.has(id)) unseen.set(id, [...(unseen.get(id) ?? []), e.line]);
  if (!unseen.size) return;
  const list = [...unseen].map(([id, lines]) => `"${space.names[id]}" (${lines.length} row(s), first at line ${lines[0]})`);
  throw new LabelError('unseen-eval-labels', { file, line: [...unseen.values()][0][0] },
    `${name} label(s) ${listSome(list, list.length)} never occur in the training rows. ` +
    'The model cannot predict them: move some of those rows to the training split.');
}

/**
 * A validation set sliced off the training examples when the layout gave none (a test file alone, a split column
 * without validation rows): the test set must never select a checkpoint (HF: validation selects, test is predicted on
 * once at the end).
 */
function sliceValidation(p: PreparedDataset, trainFile: string, fraction: number, seed: number): void {
  if (p.validation.length || fraction <= 0) return;
  const parts = stratifiedSplit(p.train, { validation: fraction }, seed);
  if (!parts.validation.length) return;
  p.train = parts.train;
  p.validation = parts.validation;
  p.origins.validation = { kind: 'slice', of: trainFile, fraction, seed };
}

export function prepareDataset(file: string, opts: PrepareOptions = {}): Promise<DataResult<PreparedDataset>> {
  return toResult(file, async (warnings) => {
    let files: Partial<Record<SplitName, string>> = {};
    if (opts.validationFile || opts.testFile) {
      files = { train: file, validation: opts.validationFile, test: opts.testFile };
    } else {
      const found = await findSplitFiles(file);
      if (found.train && (found.validation || found.test)) files = found;
    }

    let prepared: PreparedDataset;
    if (files.train) {
      const train = await load(files.train, { mapping: opts.mapping, limits: opts.limits }, warnings);
      const evalOpts: LoadOptions = { mapping: evalMapping(train.mapping), labels: train.labels, limits: opts.limits };
      const validation = files.validation ? await load(files.validation, evalOpts, warnings) : undefined;
      const test = files.test ? await load(files.test, evalOpts, warnings) : undefined;
      prepared = {
        source: 'files', files: Object.fromEntries(Object.entries(files).filter(([, f]) => f)), mapping: train.mapping,
        train: train.examples, validation: validation?.examples ?? [], test: test?.examples ?? [],
        origins: {
          train: { kind: 'file', file: files.train },
          validation: files.validation ? { kind: 'file', file: files.validation } : { kind: 'none' },
          test: files.test ? { kind: 'file', file: files.test } : { kind: 'none' },
        },
      };
      if (train.labels) prepared.labels = train.labels;
    } else {
      const all = await load(file, { mapping: opts.mapping, limits: opts.limits }, warnings);
      const parts = all.mapping.split
        ? partitionBySplit(file, all.mapping.split, all.examples)
        : stratifiedSplit(all.examples, opts.ratios ?? DEFAULT_RATIOS, opts.seed ?? DEFAULT_SEED);
      if (all.mapping.split) {
        checkSeen(file, all.labels, parts.train, parts.validation, 'validation');
        checkSeen(file, all.labels, parts.train, parts.test, 'test');
      }
      const ratios = opts.ratios ?? DEFAULT_RATIOS;
      const seed = opts.seed ?? DEFAULT_SEED;
      const origin = (name: SplitName, fraction: number): SplitOrigin => (!parts[name].length
        ? { kind: 'none' }
        : all.mapping.split ? { kind: 'column', file, column: all.mapping.split } : { kind: 'slice', of: file, fraction, seed });
      prepared = {
        source: all.mapping.split ? 'column' : 'random', files: { train: file }, mapping: all.mapping, ...parts,
        origins: { train: origin('train', 1 - ratios.validation - (ratios.test ?? 0)), validation: origin('validation', ratios.validation), test: origin('test', ratios.test ?? 0) },
      };
      if (!all.mapping.split) prepared.origins.train = { kind: 'file', file };
      if (all.labels) prepared.labels = all.labels;
    }

    const trainFile = prepared.files.train ?? file;
    sliceValidation(prepared, trainFile, (opts.ratios ?? DEFAULT_RATIOS).validation, opts.seed ?? DEFAULT_SEED);
    // Judged after the slice: a train + test pair without a validation file gets one sliced from train, not a warning.
    const empty = emptyValidationWarning(file, {
      source: prepared.source, train: prepared.train, validation: prepared.validation, splitColumn: prepared.mapping.split,
      validationRatio: (opts.ratios ?? DEFAULT_RATIOS).validation,
    });
    if (empty) warnings.push(empty);
    for (const name of ['validation', 'test'] as const) {
      const w = overlapWarning(trainFile, prepared.train, prepared.files[name] ?? file, prepared[name], name);
      if (w) warnings.push(w);
    }
    return prepared;
  });
}
