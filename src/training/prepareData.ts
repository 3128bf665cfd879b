// A run's data: the training file (and its split siblings or split column, else a seeded stratified validation split),
// validated and tokenized once. Problems come back as the data layer's messages, warnings go to the run log.
import { findSplitFiles, loadExamples, overlapWarning, partitionBySplit, stratifiedSplit, type Example, type LabelSpace, type MappingOverride } from '../data';
import type { DatasetWarning } from '../data/errors';
import { tokenizeExamples, type TokenizeFn, type TokenizedExample } from '../data/batching';

export interface PreparedData {
  labels?: LabelSpace;
  train: TokenizedExample[];
  eval: TokenizedExample[];
  /** Raw examples, for MLM (re-masked every epoch) and SetFit (pairs) which batch differently. */
  trainExamples: Example[];
  evalExamples: Example[];
  files: string[];
  warnings: string[];
  /** How the evaluation set was chosen, for the run log. */
  evalSource: string;
}

export interface PrepareOptions {
  mapping?: MappingOverride;
  tokenize: TokenizeFn;
  maxLength: number;
  seed: number;
  validationRatio?: number;
  /** MLM: the text is the data; labels are ignored. */
  unlabeled?: boolean;
}

function unwrap<T>(r: { ok: true; value: T; warnings: DatasetWarning[] } | { ok: false; error: Error; warnings: DatasetWarning[] }, warnings: string[]): T {
  warnings.push(...r.warnings.map((w) => w.message));
  if (!r.ok) throw r.error;
  return r.value;
}

export async function prepareData(file: string, o: PrepareOptions): Promise<PreparedData> {
  const warnings: string[] = [];
  const mapping: MappingOverride = o.unlabeled ? { ...o.mapping, label: null } : { ...o.mapping };
  const train = unwrap(await loadExamples(file, { mapping }), warnings);
  if (!o.unlabeled && !train.labels) {
    throw new Error(`${file}: no label column was found; name it "label" (or set the column mapping), or use the masked-LM strategy for unlabeled text.`);
  }
  let trainSet = train.examples;
  let evalSet: Example[] = [];
  let evalSource: string;
  const files = [file];
  const siblings = await findSplitFiles(file);
  const evalFile = siblings.validation ?? siblings.test;
  if (evalFile && evalFile !== file) {
    const loaded = unwrap(await loadExamples(evalFile, { mapping: { ...mapping, ...train.mapping, label: o.unlabeled ? null : train.mapping.label }, labels: train.labels }), warnings);
    evalSet = loaded.examples;
    evalSource = `file ${evalFile}`;
    files.push(evalFile);
  } else if (train.mapping.split) {
    const parts = partitionBySplit(file, train.mapping.split, train.examples);
    trainSet = parts.train;
    evalSet = parts.validation.length ? parts.validation : parts.test;
    evalSource = `split column "${train.mapping.split}"`;
  } else {
    const ratio = o.validationRatio ?? 0.1;
    const parts = stratifiedSplit(train.examples, { validation: ratio }, o.seed);
    trainSet = parts.train;
    evalSet = parts.validation;
    evalSource = `a stratified ${Math.round(ratio * 100)}% of ${file} (seed ${o.seed})`;
  }
  const overlap = overlapWarning(file, trainSet, evalFile ?? file, evalSet, 'evaluation');
  if (overlap) warnings.push(overlap.message);
  if (!trainSet.length) throw new Error(`${file}: no training examples remain after validation.`);
  const tok = (xs: Example[]) => tokenizeExamples(xs, o.tokenize, { maxLength: o.maxLength });
  return { labels: train.labels, train: tok(trainSet), eval: tok(evalSet), trainExamples: trainSet, evalExamples: evalSet, files, warnings, evalSource };
}
